//! Configuration: declared variables, and the settings they are read from.
//!
//! Every variable the fleet reads is declared once as a [`ConfigVar`] (name, description,
//! default, whether it is a secret), and read only through that declaration. That makes
//! the set of variables the code reads a value we can list: `.env.example`, the README
//! table and `bridge config check` are checked against it, so they cannot drift.
//!
//! Sources, later wins: built-in defaults < optional `bridges.toml` (path in
//! `BRIDGES_CONFIG`) < environment. Names are the seed's, as-is (`SLACK_BOT_TOKEN`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use secrecy::SecretString;

/// One configuration variable the code reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigVar {
    pub name: &'static str,
    pub description: &'static str,
    /// Used when no source sets the variable.
    pub default: Option<&'static str>,
    /// Secrets are never printed, logged or returned.
    pub secret: bool,
}

impl ConfigVar {
    /// A plain (non-secret) variable without a default.
    pub const fn new(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            description,
            default: None,
            secret: false,
        }
    }

    /// A secret variable: masked everywhere.
    pub const fn secret(name: &'static str, description: &'static str) -> Self {
        Self {
            secret: true,
            ..Self::new(name, description)
        }
    }

    pub const fn with_default(self, default: &'static str) -> Self {
        Self {
            default: Some(default),
            ..self
        }
    }
}

/// A configuration value that is present but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &ConfigVar, reason: impl Into<String>) -> Self {
        Self {
            name: var.name,
            reason: reason.into(),
        }
    }
}

/// An immutable snapshot of every source, keyed by upper-case variable name.
#[derive(Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, String>,
}

impl fmt::Debug for Settings {
    // Values may be secrets: show only which names are set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The file read when `BRIDGES_CONFIG` is not set (missing is fine).
pub const DEFAULT_CONFIG_FILE: &str = "bridges.toml";

impl Settings {
    /// Reads `bridges.toml` (or the file named by `BRIDGES_CONFIG`) and the environment.
    pub fn load() -> Result<Self, String> {
        let file = std::env::var("BRIDGES_CONFIG")
            .ok()
            .filter(|path| !path.trim().is_empty());
        let required = file.is_some();
        let path = file.unwrap_or_else(|| DEFAULT_CONFIG_FILE.to_owned());
        let built = config::Config::builder()
            .add_source(config::File::new(&path, config::FileFormat::Toml).required(required))
            .add_source(config::Environment::default())
            .build()
            .map_err(|error| format!("reading configuration ({path}): {error}"))?;
        let table = built
            .try_deserialize::<BTreeMap<String, config::Value>>()
            .map_err(|error| format!("reading configuration ({path}): {error}"))?;
        let mut values = BTreeMap::new();
        for (key, value) in table {
            // Tables and arrays are not variables; a scalar is read as its string form.
            if let Ok(text) = value.into_string() {
                values.insert(key.to_ascii_uppercase(), text);
            }
        }
        Ok(Self { values })
    }

    /// Settings from explicit pairs, for tests and embedding.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into().to_ascii_uppercase(), v.into()))
                .collect(),
        }
    }

    /// A copy with `name` set to `value`.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.values.insert(name.to_ascii_uppercase(), value.into());
        self
    }

    /// The value, or the declared default. Empty strings count as unset, as in
    /// docker-compose files that pass `VAR=${VAR}` through.
    pub fn get(&self, var: &ConfigVar) -> Option<&str> {
        self.raw(var.name).or(var.default)
    }

    /// Whether a source (not a default) sets the variable.
    pub fn is_set(&self, var: &ConfigVar) -> bool {
        self.raw(var.name).is_some()
    }

    /// A secret value, wrapped so it cannot be printed by accident.
    pub fn secret(&self, var: &ConfigVar) -> Option<SecretString> {
        self.get(var).map(|v| SecretString::from(v.to_owned()))
    }

    /// The value parsed as `T`; a present but unparsable value is an error naming the
    /// variable (the value itself is not repeated: it may be a secret).
    pub fn parse<T>(&self, var: &ConfigVar) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.get(var)
            .map(|text| {
                text.trim()
                    .parse::<T>()
                    .map_err(|error| ConfigError::new(var, format!("cannot be parsed: {error}")))
            })
            .transpose()
    }

    /// An `http(s)` URL (the declared default when unset), without a trailing `/`: the
    /// base URL of a vendor. Missing or of another scheme is an error naming the variable.
    pub fn url(&self, var: &ConfigVar) -> Result<String, ConfigError> {
        let url = self.get(var).unwrap_or_default().trim();
        if url.starts_with("https://") || url.starts_with("http://") {
            Ok(url.trim_end_matches('/').to_owned())
        } else {
            Err(ConfigError::new(var, "must be an http(s) URL"))
        }
    }

    /// A comma-separated list, trimmed, empty items dropped.
    pub fn list(&self, var: &ConfigVar) -> Vec<String> {
        self.get(var)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A value by a name computed at run time (per-bridge overrides such as
    /// `GITHUB_RATE_LIMIT_REQUESTS`). Callers list these names in their declarations.
    pub fn get_dynamic(&self, name: &str) -> Option<&str> {
        self.raw(name)
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.values
            .get(&name.to_ascii_uppercase())
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// Masks a value for display: secrets become `****`, others are shown.
pub fn display_value(var: &ConfigVar, value: &str) -> String {
    if var.secret {
        "****".to_owned()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: ConfigVar = ConfigVar::new("SOME_URL", "a url").with_default("https://x");
    const TOKEN: ConfigVar = ConfigVar::secret("SOME_TOKEN", "a token");
    const PORT: ConfigVar = ConfigVar::new("SOME_PORT", "a port");

    #[test]
    fn defaults_apply_and_empty_values_count_as_unset() {
        let settings = Settings::from_pairs([("SOME_TOKEN", "  ")]);
        assert_eq!(settings.get(&URL), Some("https://x"));
        assert!(!settings.is_set(&URL));
        assert_eq!(settings.get(&TOKEN), None);
    }

    #[test]
    fn parse_errors_name_the_variable_not_the_value() {
        let settings = Settings::from_pairs([("SOME_PORT", "eighty")]);
        let error = settings.parse::<u16>(&PORT).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref().map(|e| e.starts_with("SOME_PORT:")),
            Some(true)
        );
        assert!(!error.unwrap_or_default().contains("eighty"));
    }

    #[test]
    fn urls_must_be_http_and_lose_their_trailing_slash() {
        let settings = Settings::from_pairs([("SOME_URL", "https://x/api/")]);
        assert_eq!(settings.url(&URL), Ok("https://x/api".to_owned()));
        let settings = Settings::from_pairs([("SOME_URL", "ftp://x")]);
        assert_eq!(settings.url(&URL).map_err(|e| e.name), Err("SOME_URL"));
        assert!(Settings::default().url(&PORT).is_err());
    }

    #[test]
    fn debug_output_never_shows_values() {
        let settings = Settings::from_pairs([("SOME_TOKEN", "xoxb-secret")]);
        assert!(!format!("{settings:?}").contains("xoxb"));
    }
}
