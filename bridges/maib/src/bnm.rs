//! The National Bank of Moldova's official exchange-rate feed: request and XML parsing.
//!
//! `GET {BNM_RATES_URL}?get_xml=1&date=DD.MM.YYYY` answers a `ValCurs` document of
//! `Valute` rows; `Value` is MDL per `Nominal` units (JPY is quoted per 100).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct ValCurs {
    #[serde(rename = "@Date")]
    date: String,
    #[serde(rename = "Valute", default)]
    valutes: Vec<Valute>,
}

#[derive(Debug, Deserialize)]
struct Valute {
    #[serde(rename = "NumCode", default)]
    num_code: String,
    #[serde(rename = "CharCode")]
    char_code: String,
    #[serde(rename = "Nominal")]
    nominal: String,
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "Value")]
    value: String,
}

/// One published row, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BnmRate {
    pub(crate) code: String,
    pub(crate) num_code: String,
    pub(crate) name: String,
    pub(crate) nominal: u32,
    /// MDL per `nominal` units, as published.
    pub(crate) value: Decimal,
}

/// A parsed feed: the date BNM says the rates are for, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BnmRates {
    pub(crate) date: NaiveDate,
    pub(crate) rates: Vec<BnmRate>,
}

/// The `date` query value BNM expects.
pub(crate) fn query_date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// Parses a `ValCurs` document. Rows with a zero nominal or value (historical
/// currencies) are skipped; anything else malformed is an error, not a silent drop.
pub(crate) fn parse(xml: &str) -> Result<BnmRates, String> {
    let document: ValCurs =
        quick_xml::de::from_str(xml).map_err(|error| format!("not a ValCurs document: {error}"))?;
    let date = NaiveDate::parse_from_str(document.date.trim(), "%d.%m.%Y")
        .map_err(|_| format!("ValCurs Date {:?} is not DD.MM.YYYY", document.date))?;
    let mut rates = Vec::with_capacity(document.valutes.len());
    for row in document.valutes {
        let code = row.char_code.trim().to_ascii_uppercase();
        let nominal: u32 = row
            .nominal
            .trim()
            .parse()
            .map_err(|_| format!("{code}: Nominal {:?} is not a whole number", row.nominal))?;
        // Some feeds of the same schema use a decimal comma.
        let value: Decimal = row
            .value
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| format!("{code}: Value {:?} is not a decimal", row.value))?;
        if nominal == 0 || value.is_zero() {
            continue;
        }
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(format!("CharCode {code:?} is not an ISO 4217 code"));
        }
        rates.push(BnmRate {
            code,
            num_code: row.num_code.trim().to_owned(),
            name: row.name.trim().to_owned(),
            nominal,
            value,
        });
    }
    Ok(BnmRates { date, rates })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ValCurs Date="08.04.2026" name="Official exchange rate">
  <Valute ID="44"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>1</Nominal><Name>US Dollar</Name><Value>17.4597</Value></Valute>
  <Valute ID="25"><NumCode>392</NumCode><CharCode>JPY</CharCode><Nominal>100</Nominal><Name>Japanese Yen</Name><Value>10,9277</Value></Valute>
  <Valute ID="1"><NumCode>000</NumCode><CharCode>UAK</CharCode><Nominal>0</Nominal><Name>Karbovanets</Name><Value>0.0000</Value></Valute>
</ValCurs>"#;

    #[test]
    fn parses_rows_and_skips_historical_zero_rows() {
        let parsed = parse(SAMPLE).expect("sample parses");
        assert_eq!(
            parsed.date,
            NaiveDate::from_ymd_opt(2026, 4, 8).expect("date")
        );
        assert_eq!(parsed.rates.len(), 2);
        assert_eq!(parsed.rates[1].code, "JPY");
        assert_eq!(parsed.rates[1].nominal, 100);
        assert_eq!(parsed.rates[1].value.to_string(), "10.9277");
    }

    #[test]
    fn rejects_garbage_with_a_reason() {
        assert!(parse("<html>maintenance</html>").is_err());
        let bad_value = SAMPLE.replace("17.4597", "n/a");
        assert!(parse(&bad_value).unwrap_err().contains("USD"));
    }

    #[test]
    fn formats_the_query_date_as_bnm_expects() {
        let date = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        assert_eq!(query_date(date), "05.01.2026");
    }
}
