//! What vendors' rate-limit headers tell the limiter, so we slow down before a 429.
//!
//! - `Retry-After` on 429 / 503 / 403 (GitHub secondary limits): block the key until then.
//! - `x-ratelimit-remaining` + `x-ratelimit-reset` (GitHub: epoch seconds): spend no more
//!   than the remaining quota before the reset.
//! - `x-ratelimit-remaining-requests` + `x-ratelimit-reset-requests` (OpenAI: "6m0s").
//! - `Sforce-Limit-Info: api-usage=25/15000` (Salesforce): remaining of the daily quota.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::classify::{ratelimit_reset_in, retry_after};
use super::ratelimit::{Limiter, RateLimit};
use crate::metrics::Metrics;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Parses OpenAI's reset durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`.
fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let value: f64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += value * unit;
        any = true;
    }
    (any && number.is_empty()).then(|| Duration::from_secs_f64(total))
}

pub(crate) async fn observe(
    limit: Option<RateLimit>,
    limiter: &Limiter,
    metrics: &Metrics,
    service: &'static str,
    key: &str,
    status: StatusCode,
    headers: &HeaderMap,
) {
    if matches!(status.as_u16(), 429 | 503 | 403)
        && let Some(wait) = retry_after(headers)
    {
        limiter.block(key, wait).await;
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        // A 429 without a hint: back off a second rather than hammer.
        limiter.block(key, Duration::from_secs(1)).await;
    }
    let total = header(headers, "x-ratelimit-limit")
        .or_else(|| header(headers, "x-ratelimit-limit-requests"))
        .and_then(|v| v.parse::<i64>().ok());
    let remaining = header(headers, "x-ratelimit-remaining")
        .or_else(|| header(headers, "x-ratelimit-remaining-requests"))
        .and_then(|v| v.parse::<u32>().ok());
    let reset_in = ratelimit_reset_in(headers)
        .or_else(|| header(headers, "x-ratelimit-reset-requests").and_then(parse_go_duration));
    if let Some(remaining) = remaining {
        let total = total
            .or(limit.map(|l| i64::from(l.requests)))
            .unwrap_or(i64::from(remaining));
        metrics.set_rate_limit(service, i64::from(remaining), total);
        if let Some(reset_in) = reset_in.filter(|d| !d.is_zero()) {
            limiter.set_budget(key, remaining, reset_in);
        }
    }
    if let Some(info) = header(headers, "sforce-limit-info")
        && let Some(usage) = info
            .split(',')
            .find_map(|part| part.trim().strip_prefix("api-usage="))
        && let Some((used, max)) = usage.split_once('/')
        && let (Ok(used), Ok(max)) = (used.parse::<i64>(), max.parse::<i64>())
    {
        let remaining = (max - used).max(0);
        metrics.set_rate_limit(service, remaining, max);
        if remaining == 0 {
            limiter.block(key, Duration::from_secs(60)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_reset_durations_parse() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(
            parse_go_duration("1h2m3.5s"),
            Some(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(parse_go_duration("soon"), None);
        assert_eq!(parse_go_duration("12"), None);
    }
}
