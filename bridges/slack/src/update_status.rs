//! `slack.update_status`: sets (or clears) a user's custom status with
//! `users.profile.set`.
//!
//! Slack lets only user tokens (xoxp-) change profiles; with a bot token Slack answers
//! `not_allowed_token_type`, reported as `forbidden` saying so. Setting another user's
//! status needs an admin's token on a paid plan.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::api::{Answer, Slack, USERS_PROFILE_SET};
use crate::content::{bare_emoji, future_unix_seconds};

/// Overwrites the current status; setting the same status again changes nothing more.
const OVERWRITE: Hints = Hints {
    read_only: false,
    destructive: true,
    idempotent: true,
    open_world: true,
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStatusArgs {
    /// The status text (at most 100 characters), e.g. `In a meeting`. Omit both
    /// `status_text` and `status_emoji` to clear the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(max = 100))]
    pub status_text: Option<String>,
    /// The status emoji, with or without colons, e.g. `:calendar:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "String",
        regex(pattern = r"^:?[a-z0-9_+'.\-]+(::skin-tone-[2-6])?:?$")
    )]
    pub status_emoji: Option<String>,
    /// When the status clears itself: RFC 3339 with an offset, in the future. Default:
    /// it does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "DateTime<FixedOffset>")]
    pub status_expiration: Option<DateTime<FixedOffset>>,
    /// The user: a Slack user ID (`U…`, `W…`) or their e-mail address. Default: the
    /// token's own user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String", length(min = 1, max = 254))]
    pub user_id: Option<String>,
}

/// The status Slack now shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StatusUpdated {
    /// The user whose status changed, when one was named; otherwise the token's user.
    pub user_id: Option<String>,
    /// The status text now set (empty when cleared).
    pub status_text: String,
    /// The status emoji now set, with colons (empty when cleared).
    pub status_emoji: String,
    /// When the status clears itself, in unix seconds; 0 when it does not expire.
    pub status_expiration: i64,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ProfileAnswer {
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    #[serde(default)]
    status_text: Option<String>,
    #[serde(default)]
    status_emoji: Option<String>,
    #[serde(default)]
    status_expiration: Option<i64>,
}

#[derive(Debug)]
pub struct UpdateStatus {
    slack: Slack,
}

impl UpdateStatus {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for UpdateStatus {
    type Args = UpdateStatusArgs;
    type Output = StatusUpdated;

    const SPEC: ToolSpec = ToolSpec {
        name: "update_status",
        title: "Set a Slack status",
        description: "Sets or clears a Slack user's custom status (text, emoji, expiry). Slack requires a user token (xoxp-) for this; a bot token is answered as forbidden.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: OVERWRITE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let expiration = match &args.status_expiration {
            Some(at) => future_unix_seconds(
                at,
                chrono::Duration::days(3650),
                "10 years",
                "/status_expiration",
            )?,
            None => 0,
        };
        let user = match &args.user_id {
            Some(user) => Some(self.slack.user_id(ctx, user, "/user_id").await?),
            None => None,
        };
        let text = args.status_text.unwrap_or_default();
        let emoji = match args.status_emoji.as_deref().map(bare_emoji) {
            Some(name) if !name.is_empty() => format!(":{name}:"),
            _ => String::new(),
        };
        let mut body = Map::new();
        body.insert(
            "profile".into(),
            json!({
                "status_text": text,
                "status_emoji": emoji,
                "status_expiration": expiration,
            }),
        );
        if let Some(user) = &user {
            body.insert("user".into(), json!(user));
        }
        let body = Value::Object(body);
        let Answer { body, warnings } = self
            .slack
            .post::<ProfileAnswer>(ctx, USERS_PROFILE_SET, &body)
            .await?;
        let profile = body.profile;
        let profile = profile.as_ref();
        Ok(StatusUpdated {
            user_id: user,
            status_text: profile.and_then(|p| p.status_text.clone()).unwrap_or(text),
            status_emoji: profile
                .and_then(|p| p.status_emoji.clone())
                .unwrap_or(emoji),
            status_expiration: profile
                .and_then(|p| p.status_expiration)
                .unwrap_or(expiration),
            warnings,
        })
    }
}
