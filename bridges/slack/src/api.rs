//! Slack Web API calls, in one place: request shape, per-method rate limits, the
//! `{"ok": false, "error": ...}` mapping, and the `warning`s Slack attaches to answers.
//!
//! Slack answers almost every failure with HTTP 200 and `ok: false`, so bridge-kit's
//! status classification never sees them; [`slack_error`] is the one mapping of Slack's
//! error codes onto the fleet's error kinds. Real HTTP failures (429 with `Retry-After`,
//! 5xx) are classified by bridge-kit before a body is ever read here.

use std::sync::Arc;
use std::time::Duration;

use bridge_kit::upstream::{Call, RateLimit, Upstream, retry_after};
use bridge_kit::{ErrorCode, ToolContext, ToolError};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::resolve::Directory;

/// Names Slack in errors, metrics and rate-limit keys.
pub(crate) const SERVICE: &str = "slack";

/// Slack's JSON bodies must say their charset, or Slack answers `missing_charset` warnings.
const JSON_UTF8: &str = "application/json; charset=utf-8";

/// Slack's published tiers are per method, per workspace, per app: Tier 2 "20+" and Tier 3
/// "50+" per minute (no method we call is Tier 4). We hold to the floor of each tier, so
/// we slow down before Slack answers 429.
const TIER_2: RateLimit = RateLimit::per_minute(20);
const TIER_3: RateLimit = RateLimit::per_minute(50);

/// How a method is limited.
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// One sliding window per method.
    Method(RateLimit),
    /// One sliding window per method and channel (`chat.postMessage`: about one message
    /// per second per channel, bursts tolerated only briefly).
    PerChannel(RateLimit),
}

/// One Web API method and its limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Method {
    pub(crate) name: &'static str,
    limit: Limit,
}

impl Method {
    const fn tier(name: &'static str, limit: RateLimit) -> Self {
        Self {
            name,
            limit: Limit::Method(limit),
        }
    }
}

pub(crate) const CHAT_POST_MESSAGE: Method = Method {
    name: "chat.postMessage",
    limit: Limit::PerChannel(RateLimit::per_second(1)),
};
pub(crate) const CHAT_SCHEDULE_MESSAGE: Method = Method::tier("chat.scheduleMessage", TIER_3);
pub(crate) const USERS_PROFILE_SET: Method = Method::tier("users.profile.set", TIER_3);
pub(crate) const CONVERSATIONS_CREATE: Method = Method::tier("conversations.create", TIER_2);
pub(crate) const CONVERSATIONS_INVITE: Method = Method::tier("conversations.invite", TIER_3);
pub(crate) const CONVERSATIONS_LIST: Method = Method::tier("conversations.list", TIER_2);
pub(crate) const REMINDERS_ADD: Method = Method::tier("reminders.add", TIER_2);
pub(crate) const REACTIONS_ADD: Method = Method::tier("reactions.add", TIER_3);
pub(crate) const PINS_ADD: Method = Method::tier("pins.add", TIER_2);
pub(crate) const USERS_LOOKUP_BY_EMAIL: Method = Method::tier("users.lookupByEmail", TIER_3);

/// A successful answer and the warnings Slack attached to it.
#[derive(Debug)]
pub(crate) struct Answer<T> {
    pub(crate) body: T,
    pub(crate) warnings: Vec<String>,
}

/// The Slack Web API client shared by every tool: one upstream, one name directory.
#[derive(Debug, Clone)]
pub struct Slack {
    upstream: Upstream,
    pub(crate) directory: Arc<Directory>,
}

impl Slack {
    /// A client over `upstream` (built with the bot token and `SLACK_API_URL`).
    pub fn new(upstream: Upstream) -> Self {
        Self {
            upstream,
            directory: Arc::new(Directory::default()),
        }
    }

    /// `POST /{method}` with a JSON body. Its `channel` (an ID by now) scopes the
    /// per-channel limit and, if Slack no longer knows it, is forgotten by the directory.
    /// Writes are never retried (no idempotency key).
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        method: Method,
        body: &Value,
    ) -> Result<Answer<T>, ToolError> {
        let bytes = serde_json::to_vec(body).map_err(ToolError::internal)?;
        let call = Call::post(format!("/{}", method.name)).body(bytes, JSON_UTF8);
        let channel = body.get("channel").and_then(Value::as_str);
        self.send(ctx, method, channel, call).await
    }

    /// `GET /{method}?query` (the read methods that take query parameters only).
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        method: Method,
        query: &[(&str, &str)],
    ) -> Result<Answer<T>, ToolError> {
        let call = Call::get(format!("/{}", method.name)).query(query);
        self.send(ctx, method, None, call).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        method: Method,
        channel: Option<&str>,
        call: Call,
    ) -> Result<Answer<T>, ToolError> {
        let call = match method.limit {
            Limit::Method(limit) => call.limit(method.name, limit),
            Limit::PerChannel(limit) => {
                let scope = format!("{}:{}", method.name, channel.unwrap_or("-"));
                call.limit(scope, limit)
            }
        };
        let response = self.upstream.call(ctx, call).await?;
        let status = response.status.as_u16();
        let value: Value = response.json()?;
        if value.get("ok").and_then(Value::as_bool) != Some(true) {
            let code = value.get("error").and_then(Value::as_str);
            if let (Some("channel_not_found"), Some(channel)) = (code, channel) {
                // A channel deleted and recreated under its old name has a new ID.
                self.directory.forget_channel(channel).await;
            }
            let wait = retry_after(&response.headers);
            return Err(slack_error(method.name, status, &value, wait));
        }
        let warnings = warnings(&value);
        if !warnings.is_empty() {
            tracing::warn!(
                method = method.name,
                ?warnings,
                "Slack answered with warnings"
            );
        }
        let body = serde_json::from_value(value).map_err(|error| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                SERVICE,
                Some(status),
                format!(
                    "Slack {} answered an unexpected shape: {error}",
                    method.name
                ),
            )
        })?;
        Ok(Answer { body, warnings })
    }
}

/// Every warning in an answer: the legacy `warning` (comma-separated codes) and
/// `response_metadata.warnings`, each once, in the order Slack gave them.
pub(crate) fn warnings(body: &Value) -> Vec<String> {
    let legacy = body
        .get("warning")
        .and_then(Value::as_str)
        .into_iter()
        .flat_map(|text| text.split(','))
        .map(|w| w.trim().to_owned());
    let metadata = body
        .pointer("/response_metadata/warnings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned);
    let mut all: Vec<String> = Vec::new();
    for warning in legacy.chain(metadata) {
        if !warning.is_empty() && !all.contains(&warning) {
            all.push(warning);
        }
    }
    all
}

/// The argument a Slack "your input is wrong" code points at, where one can tell.
fn argument_path(method: &str, code: &str) -> &'static str {
    match (method, code) {
        (_, "msg_too_long" | "no_text") => "/message",
        (_, "invalid_blocks" | "invalid_blocks_format") => "/blocks",
        (_, "too_many_attachments") => "/attachments",
        (_, "time_in_past" | "time_too_far" | "invalid_time") => "/scheduled_time",
        ("reminders.add", "cannot_parse") => "/time",
        ("reactions.add", "invalid_name") => "/emoji",
        (_, "too_many_users") => "/users",
        ("users.profile.set", _) => "",
        (_, code) if code.starts_with("invalid_name") => "/name",
        _ => "",
    }
}

/// Maps Slack's `{"ok": false, "error": code}` onto the fleet's error kinds, keeping
/// Slack's code (and its explanatory messages) in the message and in `details`.
pub(crate) fn slack_error(
    method: &str,
    status: u16,
    body: &Value,
    retry_after: Option<Duration>,
) -> ToolError {
    let code = body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown_error");
    // invalid_blocks and friends explain themselves here ("[ERROR] ... [json-pointer:...]").
    let explanations: Vec<&str> = body
        .pointer("/response_metadata/messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut message = format!("Slack {method} answered `{code}`");
    if !explanations.is_empty() {
        message = format!("{message}: {}", explanations.join("; "));
    }
    let mut details = json!({ "slack_error": code });
    let upstream = |kind: ErrorCode, message: String| {
        ToolError::upstream(kind, SERVICE, Some(status), message)
    };
    let error = match code {
        "channel_not_found" | "user_not_found" | "users_not_found" | "message_not_found"
        | "thread_not_found" => upstream(ErrorCode::NotFound, message),
        "not_authed" | "invalid_auth" | "account_inactive" | "token_revoked" | "token_expired" => {
            upstream(
                ErrorCode::UpstreamCredentialRejected,
                format!("{message}; check SLACK_BOT_TOKEN"),
            )
        }
        "missing_scope" => {
            let needed = body.get("needed").and_then(Value::as_str);
            let provided = body.get("provided").and_then(Value::as_str).unwrap_or("");
            details["needed"] = json!(needed);
            details["provided"] = json!(provided);
            let scope = needed.map_or("a scope".to_owned(), |s| format!("the `{s}` scope"));
            upstream(
                ErrorCode::Forbidden,
                format!(
                    "{message}: the token lacks {scope} (it has: {provided}); \
                     add the scope to the Slack app and reinstall it"
                ),
            )
        }
        "not_allowed_token_type" => upstream(
            ErrorCode::Forbidden,
            format!(
                "{message}: Slack accepts only user tokens (xoxp-) for {method}, \
                 not the bot token; set SLACK_USER_TOKEN"
            ),
        ),
        "not_in_channel" => upstream(
            ErrorCode::Forbidden,
            format!("{message}: invite the bot to the channel first"),
        ),
        "no_permission" | "restricted_action" | "cannot_add_others" | "ekm_access_denied"
        | "access_denied" | "not_admin" => upstream(ErrorCode::Forbidden, message),
        code if code.starts_with("restricted_action") => upstream(ErrorCode::Forbidden, message),
        "ratelimited" | "rate_limited" => {
            let wait = retry_after.unwrap_or(Duration::from_secs(1));
            upstream(ErrorCode::RateLimited, message).with_retry_after_ms(wait.as_millis() as u64)
        }
        "already_pinned" | "already_reacted" | "name_taken" | "already_in_channel"
        | "is_archived" => upstream(ErrorCode::Conflict, message),
        "invalid_arguments"
        | "invalid_blocks"
        | "invalid_blocks_format"
        | "msg_too_long"
        | "no_text"
        | "too_many_attachments"
        | "time_in_past"
        | "time_too_far"
        | "invalid_time"
        | "cannot_parse"
        | "invalid_profile"
        | "too_many_users"
        | "cant_invite_self"
        | "bad_timestamp"
        | "invalid_ts" => ToolError::invalid_argument(argument_path(method, code), message),
        code if code.starts_with("invalid_name") => {
            ToolError::invalid_argument(argument_path(method, code), message)
        }
        _ => upstream(ErrorCode::UpstreamUnavailable, message),
    };
    error.with_details(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(method: &str, body: Value) -> ToolError {
        slack_error(method, 200, &body, None)
    }

    #[test]
    fn every_class_maps_to_its_kind() {
        let cases = [
            ("channel_not_found", ErrorCode::NotFound),
            ("message_not_found", ErrorCode::NotFound),
            ("invalid_auth", ErrorCode::UpstreamCredentialRejected),
            ("token_revoked", ErrorCode::UpstreamCredentialRejected),
            ("missing_scope", ErrorCode::Forbidden),
            ("ratelimited", ErrorCode::RateLimited),
            ("already_pinned", ErrorCode::Conflict),
            ("name_taken", ErrorCode::Conflict),
            ("msg_too_long", ErrorCode::InvalidArguments),
            ("time_too_far", ErrorCode::InvalidArguments),
            ("fatal_error", ErrorCode::UpstreamUnavailable),
        ];
        for (code, kind) in cases {
            let error = classify("chat.postMessage", json!({"ok": false, "error": code}));
            assert_eq!(error.code(), kind, "{code}");
            assert!(
                error.message().contains(code),
                "{code}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn invalid_arguments_point_at_the_argument() {
        let error = classify(
            "chat.postMessage",
            json!({"ok": false, "error": "invalid_blocks",
                   "response_metadata": {"messages": ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]}}),
        );
        assert_eq!(error.violations()[0].path, "/blocks");
        assert!(error.message().contains("no more than 50"));
        let error = classify(
            "reactions.add",
            json!({"ok": false, "error": "invalid_name"}),
        );
        assert_eq!(error.violations()[0].path, "/emoji");
        let error = classify(
            "conversations.create",
            json!({"ok": false, "error": "invalid_name_specials"}),
        );
        assert_eq!(error.violations()[0].path, "/name");
    }

    #[test]
    fn rate_limits_carry_the_delay() {
        let body = json!({"ok": false, "error": "ratelimited"});
        let error = slack_error("pins.add", 200, &body, Some(Duration::from_secs(7)));
        assert_eq!(error.retry_after_ms(), Some(7000));
        assert_eq!(classify("pins.add", body).retry_after_ms(), Some(1000));
    }

    #[test]
    fn warnings_are_collected_once_from_both_places() {
        let body = json!({
            "ok": true,
            "warning": "missing_charset,superfluous_charset",
            "response_metadata": {"warnings": ["missing_charset", "deprecated_field"]}
        });
        assert_eq!(
            warnings(&body),
            ["missing_charset", "superfluous_charset", "deprecated_field"]
        );
        assert!(warnings(&json!({"ok": true})).is_empty());
    }
}
