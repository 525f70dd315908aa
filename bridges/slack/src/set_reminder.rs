//! `slack.set_reminder`: creates a reminder with `reminders.add`.
//!
//! `time` is Slack's own natural language (`in 30 minutes`, `tomorrow at 9am`,
//! `every Thursday`), passed through as written, or an RFC 3339 time, converted to the
//! unix seconds Slack also takes (at most five years ahead). Slack lets only user tokens
//! (xoxp-) add reminders; with a bot token it answers `not_allowed_token_type`, reported
//! as `forbidden` saying so.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::DateTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::{Answer, REMINDERS_ADD, Slack};
use crate::content::future_unix_seconds;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetReminderArgs {
    /// What to be reminded of, e.g. `Standup follow-up: check everyone contributed`.
    #[schemars(length(min = 1, max = 40000))]
    pub text: String,
    /// When: Slack's natural language (`in 30 minutes`, `tomorrow at 9am`, `every
    /// Thursday`) or an RFC 3339 time with an offset (`2026-05-04T09:00:00+03:00`, at
    /// most five years ahead).
    #[schemars(length(min = 1, max = 200))]
    pub time: String,
    /// The user: a Slack user ID (`U…`, `W…`) or their e-mail address. Default: the
    /// token's own user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1, max = 254))]
    pub user_id: Option<String>,
}

/// The reminder Slack created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Reminder {
    /// Slack's reminder ID (`Rm…`).
    pub reminder_id: String,
    /// The reminder text.
    pub text: String,
    /// Who will be reminded.
    pub user: Option<String>,
    /// When, in unix seconds; absent for recurring reminders.
    pub time: Option<i64>,
    /// Whether it repeats (`every Thursday`).
    pub recurring: bool,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ReminderAnswer {
    reminder: SlackReminder,
}

#[derive(Debug, Deserialize)]
struct SlackReminder {
    id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    time: Option<i64>,
    #[serde(default)]
    recurring: bool,
}

/// Slack's `time`: unix seconds for an RFC 3339 time, the caller's words otherwise.
fn slack_time(time: &str) -> Result<String, ToolError> {
    let time = time.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(time) {
        let seconds =
            future_unix_seconds(&at, chrono::Duration::days(5 * 365), "five years", "/time")?;
        return Ok(seconds.to_string());
    }
    // `2026-05-04 09:00` or `2026-05-04T09:00` would reach Slack's parser as words and
    // come back `cannot_parse`; say what is missing instead.
    let bytes = time.as_bytes();
    let iso_like = bytes
        .get(..4)
        .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
        && bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-');
    if iso_like {
        return Err(ToolError::invalid_argument(
            "/time",
            format!(
                "{time:?} is not RFC 3339: give date, time and offset \
                 (2026-05-04T09:00:00+03:00) or natural language (tomorrow at 9am)"
            ),
        ));
    }
    Ok(time.to_owned())
}

#[derive(Debug)]
pub struct SetReminder {
    slack: Slack,
}

impl SetReminder {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for SetReminder {
    type Args = SetReminderArgs;
    type Output = Reminder;

    const SPEC: ToolSpec = ToolSpec {
        name: "set_reminder",
        title: "Set a Slack reminder",
        description: "Creates a Slack reminder for a time in natural language (`in 30 minutes`, `every Thursday`) or RFC 3339. Slack requires a user token (xoxp-) for this; a bot token is answered as forbidden.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::CREATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let time = slack_time(&args.time)?;
        let user = match &args.user_id {
            Some(user) => Some(self.slack.user_id(ctx, user, "/user_id").await?),
            None => None,
        };
        let mut body = Map::new();
        body.insert("text".into(), json!(args.text));
        body.insert("time".into(), json!(time));
        if let Some(user) = &user {
            body.insert("user".into(), json!(user));
        }
        let body = Value::Object(body);
        let Answer { body, warnings } = self
            .slack
            .post::<ReminderAnswer>(ctx, REMINDERS_ADD, &body)
            .await?;
        let reminder = body.reminder;
        Ok(Reminder {
            reminder_id: reminder.id,
            text: reminder.text.unwrap_or(args.text),
            user: reminder.user.or(user),
            time: reminder.time.filter(|_| !reminder.recurring),
            recurring: reminder.recurring,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_language_passes_and_iso_becomes_unix_seconds() {
        assert_eq!(
            slack_time(" in 30 minutes ").ok().as_deref(),
            Some("in 30 minutes")
        );
        assert_eq!(slack_time("1800").ok().as_deref(), Some("1800"));
        let at = chrono::Utc::now() + chrono::Duration::days(1);
        let iso = at.fixed_offset().to_rfc3339();
        assert_eq!(slack_time(&iso).ok(), Some(at.timestamp().to_string()));
        let error = slack_time("2026-05-04T09:00").unwrap_err();
        assert_eq!(error.violations()[0].path, "/time");
        assert!(slack_time("2001-01-01T00:00:00Z").is_err());
    }
}
