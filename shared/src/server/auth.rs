//! Inbound authentication: API keys and JWTs, and the scope check for a tool.
//!
//! Off unless configured. `/health`, `/ready` and `/metrics` never require it.

use std::collections::BTreeSet;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::config::{ConfigError, Settings};
use crate::error::ToolError;
use crate::server::request_id::RequestId;
use crate::server::rest::error_response;
use crate::vars;

/// Who is calling, as established by [`InboundAuth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Inbound auth is off.
    Anonymous,
    /// A configured API key: full access.
    ApiKey,
    /// A verified JWT with its granted scopes.
    Token {
        subject: Option<String>,
        scopes: BTreeSet<String>,
    },
}

impl Caller {
    /// The first of `required` scopes the caller lacks, if any.
    pub fn missing_scope<'a>(&self, required: &[&'a str]) -> Option<&'a str> {
        match self {
            Caller::Anonymous | Caller::ApiKey => None,
            Caller::Token { scopes, .. } => required
                .iter()
                .copied()
                .find(|scope| !scopes.contains(*scope)),
        }
    }
}

/// The `scope` claim: a space-separated string (RFC 8693) or an array.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScopeClaim {
    Text(String),
    List(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    scope: Option<ScopeClaim>,
}

/// Inbound credential checks, configured from the environment.
pub struct InboundAuth {
    api_keys: Vec<SecretString>,
    jwt: Option<(DecodingKey, Validation)>,
}

impl std::fmt::Debug for InboundAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundAuth")
            .field("api_keys", &self.api_keys.len())
            .field("jwt", &self.jwt.is_some())
            .finish()
    }
}

impl InboundAuth {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let api_keys = settings
            .list(&vars::BRIDGE_API_KEYS)
            .into_iter()
            .map(SecretString::from)
            .collect();
        let jwt = if let Some(path) = settings.get(&vars::JWT_PUBLIC_KEY_PATH) {
            let pem = std::fs::read(path).map_err(|error| {
                ConfigError::new(&vars::JWT_PUBLIC_KEY_PATH, format!("cannot read: {error}"))
            })?;
            let key = DecodingKey::from_rsa_pem(&pem).map_err(|error| {
                ConfigError::new(
                    &vars::JWT_PUBLIC_KEY_PATH,
                    format!("not an RSA PEM key: {error}"),
                )
            })?;
            Some((key, Validation::new(Algorithm::RS256)))
        } else {
            settings.secret(&vars::JWT_SECRET_KEY).map(|secret| {
                (
                    DecodingKey::from_secret(secret.expose_secret().as_bytes()),
                    Validation::new(Algorithm::HS256),
                )
            })
        };
        let jwt = jwt.map(|(key, mut validation)| {
            validation.required_spec_claims = ["exp".to_owned()].into_iter().collect();
            match settings.get(&vars::JWT_AUDIENCE) {
                Some(audience) => validation.set_audience(&[audience]),
                None => validation.validate_aud = false,
            }
            if let Some(issuer) = settings.get(&vars::JWT_ISSUER) {
                validation.set_issuer(&[issuer]);
            }
            (key, validation)
        });
        Ok(Self { api_keys, jwt })
    }

    pub fn enabled(&self) -> bool {
        !self.api_keys.is_empty() || self.jwt.is_some()
    }

    /// Establishes the caller from the request headers.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ToolError> {
        if !self.enabled() {
            return Ok(Caller::Anonymous);
        }
        let presented = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                headers
                    .get(axum::http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| {
                        v.strip_prefix("Bearer ")
                            .or_else(|| v.strip_prefix("bearer "))
                    })
            })
            .map(str::trim)
            .ok_or_else(|| {
                ToolError::unauthorized("missing credential: send Authorization: Bearer <token>")
            })?;
        if self.is_api_key(presented) {
            return Ok(Caller::ApiKey);
        }
        let Some((key, validation)) = &self.jwt else {
            return Err(ToolError::unauthorized("invalid API key"));
        };
        let data = jsonwebtoken::decode::<Claims>(presented, key, validation)
            .map_err(|error| ToolError::unauthorized(format!("invalid token: {error}")))?;
        let scopes = match data.claims.scope {
            Some(ScopeClaim::Text(text)) => text.split_whitespace().map(str::to_owned).collect(),
            Some(ScopeClaim::List(list)) => list.into_iter().collect(),
            None => BTreeSet::new(),
        };
        Ok(Caller::Token {
            subject: data.claims.sub,
            scopes,
        })
    }

    fn is_api_key(&self, presented: &str) -> bool {
        // Compare against every key, without stopping early, in constant time per key.
        self.api_keys.iter().fold(false, |found, key| {
            let same: bool = key
                .expose_secret()
                .as_bytes()
                .ct_eq(presented.as_bytes())
                .into();
            found | same
        })
    }
}

/// Middleware: rejects unauthenticated requests with 401 and stores the [`Caller`].
pub(crate) async fn require_caller(
    State(auth): State<std::sync::Arc<InboundAuth>>,
    mut request: Request,
    next: Next,
) -> Response {
    match auth.authenticate(request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => {
            let request_id = request.extensions().get::<RequestId>().cloned();
            let mut response = error_response(&error, request_id.as_ref());
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
            response
        }
    }
}
