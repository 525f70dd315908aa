//! Vendor answers and transport failures, classified into [`ToolError`]s.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::{ErrorCode, ToolError};

/// `User-Agent` of every upstream request.
pub const USER_AGENT: &str = concat!("ordinaut-bridges/", env!("CARGO_PKG_VERSION"));

/// Longest vendor error text kept in an error message.
const MAX_VENDOR_MESSAGE: usize = 300;

pub(crate) fn transport_error(service: &'static str, error: &reqwest::Error) -> ToolError {
    if error.is_timeout() {
        return ToolError::upstream(
            ErrorCode::Timeout,
            service,
            None,
            format!("{service} did not answer within the tool's deadline"),
        );
    }
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

/// Classifies a non-2xx vendor answer, keeping the vendor's text (trimmed).
pub fn status_error(
    service: &'static str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ToolError {
    let text = vendor_text(body);
    let quota_spent = quota_reset(headers);
    let code = match status.as_u16() {
        401 => ErrorCode::UpstreamCredentialRejected,
        // GitHub's primary limit: 403/429 with `x-ratelimit-remaining: 0` and a reset time.
        403 | 429 if quota_spent.is_some() => ErrorCode::RateLimited,
        // GitHub's secondary limits answer 403 with Retry-After.
        403 if retry_after(headers).is_some() => ErrorCode::RateLimited,
        403 => ErrorCode::Forbidden,
        404 | 410 => ErrorCode::NotFound,
        409 | 412 => ErrorCode::Conflict,
        408 | 504 => ErrorCode::Timeout,
        429 => ErrorCode::RateLimited,
        400 | 413 | 422 => ErrorCode::InvalidArguments,
        _ => ErrorCode::UpstreamUnavailable,
    };
    let message = if text.is_empty() {
        format!("{service} answered {status}")
    } else {
        format!("{service} answered {status}: {text}")
    };
    let error = ToolError::upstream(code, service, Some(status.as_u16()), message);
    match retry_after(headers).or(quota_spent) {
        Some(delay) => error.with_retry_after_ms(delay.as_millis() as u64),
        None if code == ErrorCode::RateLimited => error.with_retry_after_ms(1000),
        None => error,
    }
}

/// The time until `x-ratelimit-reset` (epoch seconds, GitHub's form); zero once passed.
pub(crate) fn ratelimit_reset_in(headers: &HeaderMap) -> Option<Duration> {
    let reset: u64 = headers
        .get("x-ratelimit-reset")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    Some(Duration::from_secs(reset).saturating_sub(now))
}

/// When `x-ratelimit-remaining` is 0: the time until the reset (at least a second).
fn quota_reset(headers: &HeaderMap) -> Option<Duration> {
    let remaining = headers.get("x-ratelimit-remaining")?.to_str().ok()?.trim();
    if remaining != "0" {
        return None;
    }
    Some(ratelimit_reset_in(headers)?.max(Duration::from_secs(1)))
}

/// A vendor's error text, trimmed to a readable length on a character boundary.
pub(crate) fn vendor_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX_VENDOR_MESSAGE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// How long the vendor asks us to wait: `retry-after-ms` (OpenAI, Azure), or
/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_millis(ms as u64));
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now())
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
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

    #[test]
    fn a_spent_primary_quota_is_a_rate_limit_until_the_reset() {
        let reset = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock")
            .as_secs()
            + 120;
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "0".parse().expect("header"));
        headers.insert(
            "x-ratelimit-reset",
            reset.to_string().parse().expect("header"),
        );
        let error = status_error(
            "github",
            StatusCode::FORBIDDEN,
            &headers,
            b"API rate limit exceeded",
        );
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert!(
            error
                .retry_after_ms()
                .is_some_and(|ms| (110_000..=120_000).contains(&ms))
        );
    }

    #[test]
    fn secondary_rate_limits_are_rate_limits() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "60".parse().expect("header"));
        let error = status_error(
            "github",
            StatusCode::FORBIDDEN,
            &headers,
            b"secondary rate limit",
        );
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert_eq!(error.retry_after_ms(), Some(60_000));
        let error = status_error("github", StatusCode::FORBIDDEN, &HeaderMap::new(), b"no");
        assert_eq!(error.code(), ErrorCode::Forbidden);
    }
}
