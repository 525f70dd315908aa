//! The maib bridge: Moldova Agroindbank, and the National Bank of Moldova's official
//! exchange rates.
//!
//! Built so far: `maib.get_exchange_rates` (BNM's public XML feed; MAIB publishes no API
//! for its own commercial rates). The banking actions of `maib.banking` (balances,
//! statements, payments) need MAIB business credentials and arrive with their own issue;
//! their variables are declared here already.

mod bnm;
mod get_exchange_rates;

use bridge_kit::upstream::{RateLimit, UpstreamConfig};
use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub use get_exchange_rates::{ExchangeRates, GetExchangeRates, GetExchangeRatesArgs, Rate};

pub const NAME: &str = "maib";
pub const PORT: u16 = 8099;

pub const MAIB_MERCHANT_ID: ConfigVar =
    ConfigVar::new("MAIB_MERCHANT_ID", "MAIB merchant / business client id");
pub const MAIB_MERCHANT_URL: ConfigVar = ConfigVar::new(
    "MAIB_MERCHANT_URL",
    "Merchant callback base URL registered with MAIB",
);
pub const MAIB_CERTIFICATE_PATH: ConfigVar = ConfigVar::new(
    "MAIB_CERTIFICATE_PATH",
    "Client certificate (PEM) for MAIB mTLS",
);
pub const MAIB_PRIVATE_KEY_PATH: ConfigVar = ConfigVar::new(
    "MAIB_PRIVATE_KEY_PATH",
    "Private key (PEM) of the MAIB client certificate",
);
pub const MAIB_API_URL: ConfigVar =
    ConfigVar::new("MAIB_API_URL", "MAIB business API gateway base URL")
        .with_default("https://api-gateway.maib.md");
pub const MAIB_ECOMM_URL: ConfigVar =
    ConfigVar::new("MAIB_ECOMM_URL", "MAIB e-commerce API base URL")
        .with_default("https://api.maibmerchants.md");
pub const BNM_RATES_URL: ConfigVar = ConfigVar::new(
    "BNM_RATES_URL",
    "National Bank of Moldova official exchange rates page (XML with ?get_xml=1)",
)
.with_default("https://www.bnm.md/en/official_exchange_rates");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    MAIB_MERCHANT_ID,
    MAIB_MERCHANT_URL,
    MAIB_CERTIFICATE_PATH,
    MAIB_PRIVATE_KEY_PATH,
    MAIB_API_URL,
    MAIB_ECOMM_URL,
    BNM_RATES_URL,
];

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    let bnm_url = settings.url(&BNM_RATES_URL)?;
    let mut builder = Bridge::builder(NAME, "maib", PORT, settings)
        .description(
            "Moldova Agroindbank and the National Bank of Moldova's official exchange rates",
        )
        .vars(VARS)
        .credentials(Credentials::NONE)
        .authentication(serde_json::json!({
            "type": "custom",
            "method": "maib_signature",
            "certificate": "MAIB_CERTIFICATE_PATH",
            "private_key": "MAIB_PRIVATE_KEY_PATH",
        }));
    // BNM publishes no limit; one rates document per date is all a bridge ever needs,
    // and the cache answers repeats, so a modest cap protects a public service.
    let bnm = builder.upstream(
        UpstreamConfig::new("bnm", bnm_url)
            .rate_limit(RateLimit::per_minute(60))
            .pool(4),
    )?;
    builder.tool(GetExchangeRates::new(bnm)).build()
}
