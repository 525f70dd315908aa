//! The sia bridge: Moldovan state reporting (SFS / CNAS filings).
//!
//! Configuration and port are declared; its tools are not built yet, so it serves an
//! empty tool list (and `/ready` still reports missing credentials).

use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub const NAME: &str = "sia";
pub const PORT: u16 = 8100;

pub const SIA_COMPANY_IDNO: ConfigVar =
    ConfigVar::new("SIA_COMPANY_IDNO", "Company IDNO (13 digits)");
pub const SIA_DIGITAL_CERT_PATH: ConfigVar = ConfigVar::new(
    "SIA_DIGITAL_CERT_PATH",
    "Company signing certificate (PKCS#12) path",
);
pub const DIGITAL_CERT_PASSWORD: ConfigVar = ConfigVar::secret(
    "DIGITAL_CERT_PASSWORD",
    "Password of the PKCS#12 certificate",
);
pub const SIA_API_URL: ConfigVar = ConfigVar::new("SIA_API_URL", "Reporting service base URL");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    SIA_COMPANY_IDNO,
    SIA_DIGITAL_CERT_PATH,
    DIGITAL_CERT_PASSWORD,
    SIA_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[&[
    &SIA_COMPANY_IDNO,
    &SIA_DIGITAL_CERT_PATH,
    &DIGITAL_CERT_PASSWORD,
]]);

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder(NAME, "sia", PORT, settings)
        .description("Moldovan state reporting (SFS / CNAS filings)")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "custom", "method": "pkcs12_signature"}))
        .build()
}
