//! How the bridge proves itself to a vendor: a static secret, an OAuth token, a client
//! certificate (mTLS), and an optional per-request signing hook.

use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, ToolError};
use crate::upstream::oauth::{AccessToken, TokenCache};

/// The credential sent with every request to one upstream.
#[derive(Clone, Default)]
pub enum Credential {
    /// Public endpoints.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `Authorization: Basic base64(user:password)` (Jira: e-mail + API token).
    Basic {
        user: String,
        password: SecretString,
    },
    /// A vendor header (`x-api-key`, `PRIVATE-TOKEN`).
    Header {
        name: HeaderName,
        value: SecretString,
    },
    /// `Authorization: Bearer <access token>` from a token cache.
    OAuth(Arc<TokenCache>),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::None => "Credential::None",
            Credential::Bearer(_) => "Credential::Bearer(****)",
            Credential::Basic { .. } => "Credential::Basic(****)",
            Credential::Header { .. } => "Credential::Header(****)",
            Credential::OAuth(_) => "Credential::OAuth",
        })
    }
}

/// SHA-256 of `parts` (each ended by a NUL, so `["ab","c"]` ≠ `["a","bc"]`), as hex:
/// how credentials and cache keys are named without being revealed.
pub(crate) fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    format!("{:x}", hasher.finalize())
}

/// A short credential fingerprint: the first 64 bits of the digest.
pub(crate) fn hash(parts: &[&str]) -> String {
    digest(parts)[..16].to_owned()
}

impl Credential {
    /// Identifies the tenant behind the credential without revealing it: part of every
    /// cache and rate-limit key.
    pub fn fingerprint(&self) -> String {
        match self {
            Credential::None => "public".to_owned(),
            Credential::Bearer(token) => hash(&["bearer", token.expose_secret()]),
            Credential::Basic { user, password } => {
                hash(&["basic", user, password.expose_secret()])
            }
            Credential::Header { name, value } => hash(&[name.as_str(), value.expose_secret()]),
            Credential::OAuth(cache) => cache.fingerprint().to_owned(),
        }
    }

    /// Adds the credential to `request`; returns the OAuth token used, if any, so a 401
    /// can invalidate exactly that token.
    pub(crate) async fn apply(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<Option<AccessToken>, ToolError> {
        let (name, value, token) = match self {
            Credential::None => return Ok(None),
            Credential::Bearer(token) => (
                AUTHORIZATION,
                format!("Bearer {}", token.expose_secret()),
                None,
            ),
            Credential::Basic { user, password } => {
                use base64::Engine as _;
                let pair = format!("{user}:{}", password.expose_secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
                (AUTHORIZATION, format!("Basic {encoded}"), None)
            }
            Credential::Header { name, value } => {
                (name.clone(), value.expose_secret().to_owned(), None)
            }
            Credential::OAuth(cache) => {
                let token = cache.token().await?;
                let value = format!("Bearer {}", token.secret.expose_secret());
                (AUTHORIZATION, value, Some(token))
            }
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            ToolError::new(
                ErrorCode::NotConfigured,
                "the credential contains characters not allowed in a header",
            )
        })?;
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
        Ok(token)
    }

    /// After a 401: a fresh token if this is an OAuth credential (one forced refresh).
    pub(crate) async fn refresh_after_rejection(
        &self,
        used: Option<&AccessToken>,
    ) -> Option<Result<(), ToolError>> {
        match (self, used) {
            (Credential::OAuth(cache), Some(token)) => {
                Some(cache.invalidate(token).await.map(|_| ()))
            }
            _ => None,
        }
    }
}

/// Signs each outgoing request (after auth), for vendors that require request
/// signatures (e.g. a MAIB `maib_signature` over the body).
pub trait RequestSigner: Send + Sync + std::fmt::Debug {
    fn sign(&self, request: &mut reqwest::Request) -> Result<(), ToolError>;
}

/// A TLS client identity for mTLS, loaded once at start-up.
#[derive(Clone)]
pub struct ClientIdentity(pub(crate) reqwest::Identity);

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientIdentity(****)")
    }
}

impl ClientIdentity {
    /// From a PEM certificate (chain) and a PEM private key.
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self, String> {
        let mut bundle = key_pem.to_vec();
        bundle.push(b'\n');
        bundle.extend_from_slice(certificate_pem);
        reqwest::Identity::from_pem(&bundle)
            .map(Self)
            .map_err(|error| format!("not a usable PEM certificate and key: {error}"))
    }

    /// From PEM files.
    pub fn from_pem_files(certificate: &str, key: &str) -> Result<Self, String> {
        let certificate_pem =
            std::fs::read(certificate).map_err(|e| format!("{certificate}: {e}"))?;
        let key_pem = std::fs::read(key).map_err(|e| format!("{key}: {e}"))?;
        Self::from_pem(&certificate_pem, &key_pem)
    }

    /// From PKCS#12 (`.p12` / `.pfx`) bytes and password, converted to PEM with OpenSSL
    /// (rustls reads PEM only).
    pub fn from_pkcs12(der: &[u8], password: &SecretString) -> Result<Self, String> {
        let parsed = openssl::pkcs12::Pkcs12::from_der(der)
            .and_then(|p12| p12.parse2(password.expose_secret()))
            .map_err(|error| format!("not a PKCS#12 bundle, or a wrong password: {error}"))?;
        let key = parsed.pkey.ok_or("the PKCS#12 bundle has no private key")?;
        let certificate = parsed.cert.ok_or("the PKCS#12 bundle has no certificate")?;
        let mut chain = certificate.to_pem().map_err(|e| e.to_string())?;
        for extra in parsed.ca.into_iter().flatten() {
            chain.extend(extra.to_pem().map_err(|e| e.to_string())?);
        }
        let key_pem = key.private_key_to_pem_pkcs8().map_err(|e| e.to_string())?;
        Self::from_pem(&chain, &key_pem)
    }
}
