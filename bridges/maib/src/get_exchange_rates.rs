//! `maib.get_exchange_rates`: the National Bank of Moldova's official MDL exchange rates
//! for a date.
//!
//! MAIB publishes no API for its own commercial rates, so this tool reads the official
//! rates every Moldovan bank and accountant reconciles against. Public data: it needs no
//! MAIB credentials.

use std::time::Duration;

use bridge_kit::upstream::{Call, Upstream, ttl};
use bridge_kit::{CostTier, ErrorCode, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::bnm;

/// The first date BNM's feed covers (the leu was introduced in November 1993).
const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1994, 1, 1) {
    Some(date) => date,
    None => panic!("valid date"),
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetExchangeRatesArgs {
    /// The date (ISO 8601, `YYYY-MM-DD`) whose official rates to return; default today in
    /// Europe/Chisinau. On weekends and holidays BNM answers the last published rates.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    /// ISO 4217 codes to return (e.g. `["EUR", "USD"]`); default every published currency.
    #[serde(default)]
    #[schemars(length(min = 1, max = 200), inner(regex(pattern = r"^[A-Za-z]{3}$")))]
    pub currencies: Option<Vec<String>>,
}

/// One official rate. Decimals are strings: money is never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rate {
    /// ISO 4217 letter code, e.g. `EUR`.
    pub code: String,
    /// ISO 4217 numeric code, e.g. `978`.
    pub num_code: String,
    /// The currency's name as BNM publishes it.
    pub name: String,
    /// How many units `value` is quoted for (1, 10 or 100).
    pub nominal: u32,
    /// MDL per `nominal` units, as published.
    pub value: Decimal,
    /// MDL per one unit: `value / nominal`.
    pub rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ExchangeRates {
    /// The date BNM says these rates are for.
    pub date: NaiveDate,
    /// The date that was asked for.
    pub requested_date: NaiveDate,
    /// Always `MDL`: every rate is MDL per unit of `code`.
    pub base_currency: String,
    pub source: String,
    pub rates: Vec<Rate>,
    /// Requested codes BNM did not publish for that date.
    pub missing: Vec<String>,
}

/// Reads BNM's feed through the shared upstream client.
#[derive(Debug)]
pub struct GetExchangeRates {
    bnm: Upstream,
}

impl GetExchangeRates {
    pub fn new(bnm: Upstream) -> Self {
        Self { bnm }
    }
}

/// Today in Moldova, where BNM sets its rates.
fn today_in_chisinau() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Chisinau)
        .date_naive()
}

impl Tool for GetExchangeRates {
    type Args = GetExchangeRatesArgs;
    type Output = ExchangeRates;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_exchange_rates",
        title: "Official MDL exchange rates (BNM)",
        description: "Official exchange rates of the Moldovan leu set by the National Bank of Moldova for a date: MDL per unit of each currency, as exact decimals.",
        scopes: &["banking.maib"],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(30),
        hints: Hints::READ,
        needs_credentials: false,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let today = today_in_chisinau();
        let date = args.date.unwrap_or(today);
        if date > today {
            return Err(ToolError::invalid_argument(
                "/date",
                format!("{date} is in the future; BNM publishes rates up to today ({today})"),
            ));
        }
        if date < FIRST_DATE {
            return Err(ToolError::invalid_argument(
                "/date",
                format!("{date} predates the leu; BNM rates start on {FIRST_DATE}"),
            ));
        }
        // A past date's official rates never change; today's may still be published.
        let ttl = if date < today {
            ttl::PUBLISHED_RATES
        } else {
            Duration::from_secs(600)
        };
        let call = Call::get("")
            .query(&[("get_xml", "1"), ("date", bnm::query_date(date).as_str())])
            .cache(ttl);
        let response = self.bnm.call(ctx, call).await?;
        let text = response.text();
        let published = bnm::parse(&text).map_err(|reason| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                "bnm",
                Some(response.status.as_u16()),
                format!("BNM answered an unreadable rates document: {reason}"),
            )
        })?;
        if published.rates.is_empty() {
            return Err(ToolError::upstream(
                ErrorCode::NotFound,
                "bnm",
                Some(response.status.as_u16()),
                format!("BNM has published no rates for {date}"),
            ));
        }
        let wanted: Option<Vec<String>> = args
            .currencies
            .map(|codes| codes.iter().map(|c| c.to_ascii_uppercase()).collect());
        let mut rates = Vec::new();
        for row in published.rates {
            if wanted.as_ref().is_some_and(|w| !w.contains(&row.code)) {
                continue;
            }
            let rate = row
                .value
                .checked_div(Decimal::from(row.nominal))
                .ok_or_else(|| {
                    ToolError::internal(format!("{}: nominal {}", row.code, row.nominal))
                })?
                .normalize();
            rates.push(Rate {
                code: row.code,
                num_code: row.num_code,
                name: row.name,
                nominal: row.nominal,
                value: row.value,
                rate,
            });
        }
        let mut missing: Vec<String> = wanted
            .unwrap_or_default()
            .into_iter()
            .filter(|code| !rates.iter().any(|r| &r.code == code))
            .collect();
        missing.sort();
        missing.dedup();
        Ok(ExchangeRates {
            date: published.date,
            requested_date: date,
            base_currency: "MDL".to_owned(),
            source: "National Bank of Moldova (bnm.md), official exchange rates".to_owned(),
            rates,
            missing,
        })
    }
}
