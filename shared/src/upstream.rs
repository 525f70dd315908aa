//! The client every bridge uses to call its vendor: one pooled reqwest client per
//! upstream, the request id forwarded, the tool's deadline enforced, and vendor answers
//! classified into [`ToolError`]s. No bridge builds its own HTTP client.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
pub use reqwest::{Method, StatusCode};

use crate::error::{ErrorCode, ToolError};
use crate::tool::ToolContext;

/// `User-Agent` of every upstream request.
pub const USER_AGENT: &str = concat!("ordinaut-bridges/", env!("CARGO_PKG_VERSION"));

/// Longest vendor error text kept in an error message.
const MAX_VENDOR_MESSAGE: usize = 300;

/// How one upstream is reached.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// Names the vendor in errors and metrics: `bnm`, `slack`, `github`.
    pub service: &'static str,
    pub base_url: String,
    pub connect_timeout: Duration,
    pub pool_max_idle_per_host: usize,
}

impl UpstreamConfig {
    pub fn new(service: &'static str, base_url: impl Into<String>) -> Self {
        Self {
            service,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(5),
            pool_max_idle_per_host: 10,
        }
    }
}

/// A vendor's answer with a success status.
#[derive(Debug)]
pub struct UpstreamResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

/// A pooled client for one vendor.
#[derive(Debug, Clone)]
pub struct Upstream {
    config: UpstreamConfig,
    client: reqwest::Client,
}

impl Upstream {
    pub fn new(config: UpstreamConfig) -> Result<Self, ToolError> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(config.pool_max_idle_per_host)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(60))
            .gzip(true)
            .build()
            .map_err(ToolError::internal)?;
        Ok(Self { config, client })
    }

    pub fn service(&self) -> &'static str {
        self.config.service
    }

    /// `base_url` joined with `path` (which starts with `/`, or is empty).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }

    /// A request builder for `path` under the base URL.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends `request` within the tool's deadline; non-2xx answers become errors.
    pub async fn send(
        &self,
        ctx: &ToolContext,
        request: reqwest::RequestBuilder,
    ) -> Result<UpstreamResponse, ToolError> {
        let remaining = ctx.remaining();
        if remaining.is_zero() {
            return Err(ToolError::timeout(
                "deadline reached before calling the vendor",
            ));
        }
        let request = request
            .header("x-request-id", ctx.request_id.as_str())
            .timeout(remaining);
        let response = request
            .send()
            .await
            .map_err(|error| self.transport_error(&error))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| self.transport_error(&error))?;
        if status.is_success() {
            Ok(UpstreamResponse {
                status,
                headers,
                body,
            })
        } else {
            Err(self.status_error(status, &headers, &body))
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> ToolError {
        let service = self.config.service;
        if error.is_timeout() {
            ToolError::upstream(
                ErrorCode::Timeout,
                service,
                None,
                format!("{service} did not answer within the tool's deadline"),
            )
        } else {
            // reqwest errors name the URL but never credentials; keep the kind only.
            let kind = if error.is_connect() {
                "could not connect"
            } else if error.is_decode() || error.is_body() {
                "sent an unreadable response"
            } else {
                "request failed"
            };
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                service,
                None,
                format!("{service}: {kind}"),
            )
        }
    }

    /// Classifies a non-2xx vendor answer, keeping the vendor's text (trimmed).
    pub fn status_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ToolError {
        let service = self.config.service;
        let text = vendor_text(body);
        let code = match status.as_u16() {
            401 => ErrorCode::UpstreamCredentialRejected,
            403 => ErrorCode::Forbidden,
            404 | 410 => ErrorCode::NotFound,
            409 | 412 => ErrorCode::Conflict,
            408 | 504 => ErrorCode::Timeout,
            429 => ErrorCode::RateLimited,
            400 | 422 => ErrorCode::InvalidArguments,
            500..=599 => ErrorCode::UpstreamUnavailable,
            _ => ErrorCode::UpstreamUnavailable,
        };
        let message = if text.is_empty() {
            format!("{service} answered {status}")
        } else {
            format!("{service} answered {status}: {text}")
        };
        let error = ToolError::upstream(code, service, Some(status.as_u16()), message);
        match retry_after(headers) {
            Some(delay) => error.with_retry_after_ms(delay.as_millis() as u64),
            None if code == ErrorCode::RateLimited => error.with_retry_after_ms(1000),
            None => error,
        }
    }
}

/// A vendor's error text, trimmed to a readable length on a character boundary.
fn vendor_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX_VENDOR_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, std::time::SystemTime::now())
}

fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A header value, if it is visible ASCII.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        // 21 Oct 2015 07:28:00 GMT is 1_445_412_480.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn vendor_text_is_trimmed_on_a_char_boundary() {
        let long = "ă".repeat(1000);
        let text = vendor_text(long.as_bytes());
        assert_eq!(text.chars().count(), MAX_VENDOR_MESSAGE + 1);
    }
}
