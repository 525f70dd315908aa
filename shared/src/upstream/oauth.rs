//! OAuth access tokens: obtained, cached in-process and in Redis, refreshed before expiry,
//! exactly once for any number of concurrent callers.
//!
//! Grants: client credentials, refresh token (a rotated refresh token replaces the old
//! one), password (Salesforce's username-password flow), JWT bearer (RFC 7523, Salesforce)
//! and GitHub App installation tokens (an RS256 app JWT exchanged for a token).
//! Single flight: one async mutex per cache in-process, and a short Redis lock across
//! replicas (the losers wait for the winner's token to appear in Redis). After a failed
//! refresh, callers back off instead of hammering the token endpoint.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::{Mutex, RwLock};

use crate::error::{ErrorCode, ToolError};
use crate::store::Store;

/// Tokens are refreshed this long before they expire.
const REFRESH_SKEW: Duration = Duration::from_secs(60);
/// Assumed lifetime when the token endpoint does not say (Salesforce sessions).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest wait after failed refreshes.
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(60);
/// How long a replica holds the cross-replica refresh lock.
const REDIS_LOCK: Duration = Duration::from_secs(10);

/// How a token is obtained.
pub enum Grant {
    ClientCredentials {
        token_url: String,
        client_id: String,
        client_secret: SecretString,
        scope: Option<String>,
    },
    RefreshToken {
        token_url: String,
        client_id: String,
        client_secret: Option<SecretString>,
        refresh_token: SecretString,
    },
    Password {
        token_url: String,
        client_id: String,
        client_secret: SecretString,
        username: String,
        /// For Salesforce: the password followed by the security token.
        password: SecretString,
    },
    /// RFC 7523 JWT bearer: an RS256 assertion `{iss, sub, aud, exp}`.
    JwtBearer {
        token_url: String,
        issuer: String,
        subject: String,
        audience: String,
        private_key_pem: SecretString,
    },
    /// A GitHub App installation token: an RS256 app JWT (`iss` = app id) exchanged at
    /// `POST {api_url}/app/installations/{id}/access_tokens`.
    GitHubApp {
        api_url: String,
        app_id: String,
        installation_id: String,
        private_key_pem: SecretString,
    },
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Grant::ClientCredentials { .. } => "Grant::ClientCredentials",
            Grant::RefreshToken { .. } => "Grant::RefreshToken",
            Grant::Password { .. } => "Grant::Password",
            Grant::JwtBearer { .. } => "Grant::JwtBearer",
            Grant::GitHubApp { .. } => "Grant::GitHubApp",
        })
    }
}

impl Grant {
    /// A stable identity of the grant (not of the token), hashed: the cache and limiter
    /// key of everything done with its tokens.
    fn fingerprint(&self) -> String {
        let parts: Vec<&str> = match self {
            Grant::ClientCredentials {
                token_url,
                client_id,
                ..
            } => vec!["cc", token_url, client_id],
            Grant::RefreshToken {
                token_url,
                client_id,
                ..
            } => vec!["rt", token_url, client_id],
            Grant::Password {
                token_url,
                client_id,
                username,
                ..
            } => vec!["pw", token_url, client_id, username],
            Grant::JwtBearer {
                token_url,
                issuer,
                subject,
                ..
            } => vec!["jwt", token_url, issuer, subject],
            Grant::GitHubApp {
                api_url,
                app_id,
                installation_id,
                ..
            } => vec!["gha", api_url, app_id, installation_id],
        };
        super::credential::hash(&parts)
    }
}

/// An access token and what came with it (Salesforce's `instance_url`, ...).
#[derive(Clone)]
pub struct AccessToken {
    pub secret: SecretString,
    pub expires_at: SystemTime,
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl AccessToken {
    fn fresh(&self) -> bool {
        SystemTime::now() + REFRESH_SKEW < self.expires_at
    }

    fn to_json(&self) -> Value {
        json!({
            "secret": self.secret.expose_secret(),
            "expires_at": self.expires_at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
            "extra": self.extra,
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        Some(Self {
            secret: SecretString::from(value["secret"].as_str()?.to_owned()),
            expires_at: UNIX_EPOCH + Duration::from_secs(value["expires_at"].as_u64()?),
            extra: value["extra"].as_object().cloned().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    until: Option<Instant>,
    last: Option<ToolError>,
}

/// Counts refreshes for the `bridge_token_refreshes_total` metric.
pub type RefreshObserver = Arc<dyn Fn(&'static str) + Send + Sync>;

/// A cached token of one grant.
pub struct TokenCache {
    service: &'static str,
    grant: Grant,
    fingerprint: String,
    /// The current refresh token, replaced when the vendor rotates it.
    refresh_token: RwLock<Option<SecretString>>,
    current: RwLock<Option<AccessToken>>,
    refreshing: Mutex<Failures>,
    http: reqwest::Client,
    store: Option<Arc<Store>>,
    observer: Option<RefreshObserver>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("service", &self.service)
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    /// GitHub's installation-token answer.
    token: Option<String>,
    expires_in: Option<u64>,
    /// GitHub: ISO 8601.
    expires_at: Option<String>,
    refresh_token: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sign_rs256(claims: &Value, pem: &SecretString) -> Result<String, ToolError> {
    let key = EncodingKey::from_rsa_pem(pem.expose_secret().as_bytes()).map_err(|error| {
        ToolError::new(
            ErrorCode::NotConfigured,
            format!("the signing key is not an RSA PEM key: {error}"),
        )
    })?;
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key)
        .map_err(|error| ToolError::internal(format!("signing a JWT: {error}")))
}

impl TokenCache {
    pub fn new(
        service: &'static str,
        grant: Grant,
        store: Option<Arc<Store>>,
        observer: Option<RefreshObserver>,
    ) -> Result<Self, ToolError> {
        let http = reqwest::Client::builder()
            .user_agent(super::classify::USER_AGENT)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(ToolError::internal)?;
        let refresh_token = match &grant {
            Grant::RefreshToken { refresh_token, .. } => Some(refresh_token.clone()),
            _ => None,
        };
        Ok(Self {
            service,
            fingerprint: grant.fingerprint(),
            grant,
            refresh_token: RwLock::new(refresh_token),
            current: RwLock::new(None),
            refreshing: Mutex::new(Failures::default()),
            http,
            store,
            observer,
        })
    }

    /// Identifies the credential (not the token) for cache and limiter keys.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn redis_key(&self) -> String {
        format!("ordinaut:token:{}:{}", self.service, self.fingerprint)
    }

    /// A fresh token: the cached one, or exactly one refresh shared by all callers.
    pub async fn token(&self) -> Result<AccessToken, ToolError> {
        if let Some(token) = self.current.read().await.as_ref().filter(|t| t.fresh()) {
            return Ok(token.clone());
        }
        self.refresh(None).await
    }

    /// The vendor rejected `stale`: refresh unless another caller already did.
    pub async fn invalidate(&self, stale: &AccessToken) -> Result<AccessToken, ToolError> {
        self.refresh(Some(stale.secret.expose_secret().to_owned()))
            .await
    }

    async fn refresh(&self, rejected: Option<String>) -> Result<AccessToken, ToolError> {
        let mut failures = self.refreshing.lock().await;
        // Someone refreshed while we waited for the lock.
        if let Some(token) = self.current.read().await.as_ref() {
            let is_rejected = rejected.as_deref() == Some(token.secret.expose_secret());
            if token.fresh() && !is_rejected {
                return Ok(token.clone());
            }
        }
        if let Some(until) = failures.until
            && Instant::now() < until
        {
            let wait = until - Instant::now();
            let last = failures.last.clone();
            return Err(last
                .unwrap_or_else(|| {
                    ToolError::new(ErrorCode::UpstreamUnavailable, "token refresh failed")
                })
                .with_retry_after_ms(wait.as_millis() as u64));
        }
        match self.obtain(rejected.as_deref()).await {
            Ok(token) => {
                *failures = Failures::default();
                *self.current.write().await = Some(token.clone());
                Ok(token)
            }
            Err(error) => {
                failures.count += 1;
                let backoff =
                    Duration::from_secs(1 << failures.count.min(6)).min(MAX_FAILURE_BACKOFF);
                failures.until = Some(Instant::now() + backoff);
                failures.last = Some(error.clone());
                if let Some(observer) = &self.observer {
                    observer("error");
                }
                tracing::warn!(service = self.service, backoff_s = backoff.as_secs(), error = %error, "token refresh failed");
                Err(error)
            }
        }
    }

    /// From Redis if another replica has a fresh one, else from the token endpoint under
    /// a short Redis lock.
    async fn obtain(&self, rejected: Option<&str>) -> Result<AccessToken, ToolError> {
        let Some(store) = &self.store else {
            return self.fetch().await;
        };
        let key = self.redis_key();
        let lock = format!("{key}:lock");
        let deadline = Instant::now() + REDIS_LOCK;
        loop {
            if let Some(token) = self.shared_token(store, &key).await
                && token.fresh()
                && rejected != Some(token.secret.expose_secret())
            {
                return Ok(token);
            }
            let holder = uuid::Uuid::new_v4().to_string();
            let lock_ms = REDIS_LOCK.as_millis() as u64;
            let acquired: Option<Option<String>> = store
                .run(|mut c| {
                    let (lock, holder) = (lock.clone(), holder.clone());
                    async move {
                        redis::cmd("SET")
                            .arg(lock)
                            .arg(holder)
                            .arg("NX")
                            .arg("PX")
                            .arg(lock_ms)
                            .query_async(&mut c)
                            .await
                    }
                })
                .await;
            match acquired {
                // Redis away: refresh on our own.
                None => return self.fetch().await,
                Some(Some(_)) => {
                    let result = self.fetch().await;
                    if let Ok(token) = &result {
                        self.share(store, &key, token).await;
                    }
                    let _: Option<i64> = store
                        .run(|mut c| {
                            let (lock, holder) = (lock.clone(), holder.clone());
                            async move {
                                redis::Script::new(
                                    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                                )
                                .key(lock)
                                .arg(holder)
                                .invoke_async(&mut c)
                                .await
                            }
                        })
                        .await;
                    return result;
                }
                // Another replica is refreshing: wait for its token.
                Some(None) => {
                    if Instant::now() > deadline {
                        return self.fetch().await;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn shared_token(&self, store: &Store, key: &str) -> Option<AccessToken> {
        let key = key.to_owned();
        let text: String = store
            .run(|mut c| async move {
                redis::cmd("GET")
                    .arg(key)
                    .query_async::<Option<String>>(&mut c)
                    .await
            })
            .await??;
        let token = AccessToken::from_json(&serde_json::from_str(&text).ok()?)?;
        if let Some(rotated) = token.extra.get("refresh_token").and_then(Value::as_str) {
            *self.refresh_token.write().await = Some(SecretString::from(rotated.to_owned()));
        }
        Some(token)
    }

    async fn share(&self, store: &Store, key: &str, token: &AccessToken) {
        let ttl = token
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            .saturating_sub(REFRESH_SKEW);
        if ttl.is_zero() {
            return;
        }
        let mut value = token.to_json();
        if let Some(refresh) = self.refresh_token.read().await.as_ref() {
            value["extra"]["refresh_token"] = json!(refresh.expose_secret());
        }
        let (key, text, ms) = (key.to_owned(), value.to_string(), ttl.as_millis() as u64);
        let _: Option<()> = store
            .run(|mut c| async move {
                redis::cmd("SET")
                    .arg(key)
                    .arg(text)
                    .arg("PX")
                    .arg(ms)
                    .query_async(&mut c)
                    .await
            })
            .await;
    }

    /// One request to the token endpoint.
    async fn fetch(&self) -> Result<AccessToken, ToolError> {
        let request = match &self.grant {
            Grant::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                scope,
            } => {
                let mut form = vec![
                    ("grant_type", "client_credentials".to_owned()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.expose_secret().to_owned()),
                ];
                if let Some(scope) = scope {
                    form.push(("scope", scope.clone()));
                }
                self.http.post(token_url).form(&form)
            }
            Grant::RefreshToken {
                token_url,
                client_id,
                client_secret,
                ..
            } => {
                let refresh =
                    self.refresh_token.read().await.clone().ok_or_else(|| {
                        ToolError::new(ErrorCode::NotConfigured, "no refresh token")
                    })?;
                let mut form = vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("refresh_token", refresh.expose_secret().to_owned()),
                    ("client_id", client_id.clone()),
                ];
                if let Some(secret) = client_secret {
                    form.push(("client_secret", secret.expose_secret().to_owned()));
                }
                self.http.post(token_url).form(&form)
            }
            Grant::Password {
                token_url,
                client_id,
                client_secret,
                username,
                password,
            } => self.http.post(token_url).form(&[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("client_secret", client_secret.expose_secret()),
                ("username", username),
                ("password", password.expose_secret()),
            ]),
            Grant::JwtBearer {
                token_url,
                issuer,
                subject,
                audience,
                private_key_pem,
            } => {
                let assertion = sign_rs256(
                    &json!({"iss": issuer, "sub": subject, "aud": audience, "exp": now_secs() + 180}),
                    private_key_pem,
                )?;
                self.http.post(token_url).form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                    ("assertion", assertion.as_str()),
                ])
            }
            Grant::GitHubApp {
                api_url,
                app_id,
                installation_id,
                private_key_pem,
            } => {
                // GitHub allows at most 10 minutes; backdate for clock drift.
                let now = now_secs();
                let app_jwt = sign_rs256(
                    &json!({"iat": now.saturating_sub(60), "exp": now + 540, "iss": app_id}),
                    private_key_pem,
                )?;
                self.http
                    .post(format!(
                        "{}/app/installations/{installation_id}/access_tokens",
                        api_url.trim_end_matches('/')
                    ))
                    .bearer_auth(app_jwt)
                    .header("accept", "application/vnd.github+json")
                    .header("x-github-api-version", "2022-11-28")
            }
        };
        let response = request.send().await.map_err(|error| {
            ToolError::upstream(
                if error.is_timeout() {
                    ErrorCode::Timeout
                } else {
                    ErrorCode::UpstreamUnavailable
                },
                self.service,
                None,
                format!("{}: token endpoint unreachable", self.service),
            )
        })?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if let Some(observer) = &self.observer {
            observer(if status.is_success() { "ok" } else { "error" });
        }
        if !status.is_success() {
            // A refused grant is our credential's problem; anything else is the vendor's.
            let code = match status.as_u16() {
                400 | 401 | 403 => ErrorCode::UpstreamCredentialRejected,
                429 => ErrorCode::RateLimited,
                _ => ErrorCode::UpstreamUnavailable,
            };
            let text = String::from_utf8_lossy(&body);
            return Err(ToolError::upstream(
                code,
                self.service,
                Some(status.as_u16()),
                format!(
                    "{}: the token endpoint refused ({status}): {}",
                    self.service,
                    text.chars().take(200).collect::<String>()
                ),
            ));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                self.service,
                Some(status.as_u16()),
                format!(
                    "{}: the token endpoint answered no JSON token",
                    self.service
                ),
            )
        })?;
        let secret = answer.access_token.or(answer.token).ok_or_else(|| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                self.service,
                Some(status.as_u16()),
                format!("{}: the token answer has no access_token", self.service),
            )
        })?;
        let expires_at = match (answer.expires_in, answer.expires_at.as_deref()) {
            (Some(seconds), _) => SystemTime::now() + Duration::from_secs(seconds),
            (None, Some(iso)) => {
                httpdate_or_iso(iso).unwrap_or_else(|| SystemTime::now() + DEFAULT_LIFETIME)
            }
            (None, None) => SystemTime::now() + DEFAULT_LIFETIME,
        };
        if let Some(rotated) = answer.refresh_token {
            *self.refresh_token.write().await = Some(SecretString::from(rotated));
        }
        Ok(AccessToken {
            secret: SecretString::from(secret),
            expires_at,
            extra: answer.extra,
        })
    }
}

/// Parses `2026-11-22T10:00:00Z` (GitHub's `expires_at`).
fn httpdate_or_iso(text: &str) -> Option<SystemTime> {
    let at = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(at.timestamp()).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_expiry_timestamps_parse() {
        let at = httpdate_or_iso("2016-07-11T22:14:10Z").expect("parses");
        assert_eq!(
            at.duration_since(UNIX_EPOCH)
                .expect("after epoch")
                .as_secs(),
            1_468_275_250
        );
        assert!(httpdate_or_iso("tomorrow").is_none());
    }
}
