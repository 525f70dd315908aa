//! GitHub's answers where bridge-kit's generic classification is not enough: messages that
//! name the repository object, 405 (a pull request that cannot be merged) and 406 (a diff
//! too large to render) as conflicts,
//! 422's `errors` array kept as details, primary rate limits (403 without `Retry-After`),
//! and GraphQL errors, which GitHub sends with HTTP 200.

use bridge_kit::{ErrorCode, ToolError};
use serde_json::{Value, json};

/// Without a `Retry-After`, a spent primary limit resets within the hour; a minute is a
/// hint that keeps agents from hammering (the limiter itself knows the exact reset).
const RATE_LIMIT_HINT_MS: u64 = 60_000;

/// What GitHub said, recovered from bridge-kit's message `"{service} answered {status}:
/// {vendor text}"` (the raw body is not kept on errors; see the bridge's report).
fn vendor_text(error: &ToolError) -> Option<&str> {
    let (_, text) = error.message().split_once(" answered ")?;
    text.split_once(": ").map(|(_, text)| text.trim())
}

/// GitHub's `message`, from its JSON error body, or the text as sent.
fn github_message(text: Option<&str>, body: Option<&Value>) -> String {
    body.and_then(|b| b.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| text.map(str::to_owned))
        .unwrap_or_else(|| "no details".to_owned())
}

/// One line per entry of a 422 `errors` array: `Issue.title missing_field`, or GitHub's
/// own sentence when it gives one.
fn describe_validation(errors: &[Value]) -> String {
    errors
        .iter()
        .map(|entry| match entry {
            Value::String(text) => text.clone(),
            entry => match entry.get("message").and_then(Value::as_str) {
                Some(message) => message.to_owned(),
                None => {
                    let part = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or("");
                    format!("{}.{} {}", part("resource"), part("field"), part("code"))
                        .trim()
                        .to_owned()
                }
            },
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Re-classifies a failed REST call for GitHub; `what` names the object, e.g.
/// "pull request #7 in octo-org/octo-repo".
pub(crate) fn classify(error: ToolError, what: &str) -> ToolError {
    let Some(upstream) = error.upstream_info() else {
        return error;
    };
    let (Some(status), service) = (upstream.status, upstream.service.clone()) else {
        return error;
    };
    let text = vendor_text(&error);
    let body: Option<Value> = text.and_then(|t| serde_json::from_str(t).ok());
    let message = github_message(text, body.as_ref());
    let rebuild =
        |code: ErrorCode, text: String| ToolError::upstream(code, &service, Some(status), text);
    match status {
        404 => rebuild(
            ErrorCode::NotFound,
            format!("{what} was not found, or the credential cannot see it (GitHub: {message})"),
        ),
        // bridge-kit already made 403 + Retry-After (secondary limits) rate_limited.
        403 | 429 if error.code() == ErrorCode::RateLimited => error,
        403 | 429 if message.to_ascii_lowercase().contains("rate limit") => rebuild(
            ErrorCode::RateLimited,
            format!("GitHub rate limit reached: {message}"),
        )
        .with_retry_after_ms(RATE_LIMIT_HINT_MS),
        403 => rebuild(
            ErrorCode::Forbidden,
            format!("GitHub refused access to {what}: {message}"),
        ),
        // A diff over GitHub's size limits ("too_large"): repeating will not help.
        406 => rebuild(
            ErrorCode::Conflict,
            format!(
                "GitHub cannot produce this for {what}: {message} (get_pr_files lists the changed files with their patches)"
            ),
        ),
        // Merging: 405 "Pull Request is not mergeable", 409 "Head branch was modified".
        405 | 409 => rebuild(
            ErrorCode::Conflict,
            format!("GitHub refused the change to {what}: {message}"),
        ),
        422 => {
            let details = body
                .as_ref()
                .and_then(|b| b.get("errors"))
                .and_then(Value::as_array)
                .filter(|errors| !errors.is_empty());
            let Some(details) = details else {
                return rebuild(
                    ErrorCode::InvalidArguments,
                    format!("GitHub rejected the request for {what}: {message}"),
                );
            };
            let text = format!(
                "GitHub rejected the request for {what}: {message}: {}",
                describe_validation(details)
            );
            rebuild(ErrorCode::InvalidArguments, text).with_details(json!({ "errors": details }))
        }
        _ => error,
    }
}

/// The first of GitHub's GraphQL `errors`, classified by its `type`; all are kept.
pub(crate) fn graphql(first: &Value, all: &[Value], what: &str) -> ToolError {
    let kind = first.get("type").and_then(Value::as_str).unwrap_or("");
    let message = first
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("GraphQL error");
    let (code, text) = match kind {
        "NOT_FOUND" => (
            ErrorCode::NotFound,
            format!("{what}: not found, or the credential cannot see it (GitHub: {message})"),
        ),
        "FORBIDDEN" | "INSUFFICIENT_SCOPES" => (
            ErrorCode::Forbidden,
            format!("GitHub refused access to {what}: {message}"),
        ),
        "RATE_LIMITED" => (
            ErrorCode::RateLimited,
            format!("GitHub GraphQL rate limit reached: {message}"),
        ),
        // Our documents are fixed, so what remains is about the values we were given.
        _ => (
            ErrorCode::InvalidArguments,
            format!("GitHub rejected the request for {what}: {message}"),
        ),
    };
    let error = ToolError::upstream(code, "github_graphql", Some(200), text)
        .with_details(json!({ "errors": all }));
    if code == ErrorCode::RateLimited {
        error.with_retry_after_ms(RATE_LIMIT_HINT_MS)
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, reason: &str, body: &str) -> ToolError {
        ToolError::upstream(
            ErrorCode::UpstreamUnavailable,
            "github",
            Some(status),
            format!("github answered {status} {reason}: {body}"),
        )
    }

    #[test]
    fn not_mergeable_is_a_conflict_with_githubs_words() {
        let error = classify(
            answered(
                405,
                "Method Not Allowed",
                r#"{"message":"Pull Request is not mergeable"}"#,
            ),
            "pull request #7 in o/r",
        );
        assert_eq!(error.code(), ErrorCode::Conflict);
        assert!(error.message().contains("pull request #7 in o/r"));
        assert!(error.message().contains("Pull Request is not mergeable"));
    }

    #[test]
    fn validation_errors_are_kept() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Issue","code":"missing_field","field":"title"},{"message":"label bad"}]}"#;
        let error = classify(answered(422, "Unprocessable Entity", body), "o/r");
        assert_eq!(error.code(), ErrorCode::InvalidArguments);
        assert!(
            error
                .message()
                .contains("Issue.title missing_field; label bad")
        );
        let json = error.to_json(None);
        assert_eq!(json["details"]["errors"][0]["field"], "title");
    }

    #[test]
    fn a_spent_primary_limit_is_a_rate_limit() {
        let error = classify(
            answered(
                403,
                "Forbidden",
                r#"{"message":"API rate limit exceeded for user ID 1."}"#,
            ),
            "o/r",
        );
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert_eq!(error.retry_after_ms(), Some(RATE_LIMIT_HINT_MS));
        let error = classify(answered(403, "Forbidden", "Resource not accessible"), "o/r");
        assert_eq!(error.code(), ErrorCode::Forbidden);
        assert!(error.message().contains("Resource not accessible"));
    }

    #[test]
    fn errors_without_a_status_pass_through() {
        let error = ToolError::timeout("slow");
        assert_eq!(classify(error, "o/r").code(), ErrorCode::Timeout);
    }
}
