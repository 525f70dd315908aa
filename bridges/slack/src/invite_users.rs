//! `slack.invite_users`: invites users (by ID or e-mail) to a channel with
//! `conversations.invite`. Users already in the channel make Slack answer
//! `already_in_channel`, reported as `conflict`.

use std::time::Duration;

use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::{Answer, CONVERSATIONS_INVITE, Slack};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteUsersArgs {
    /// The channel: `#name` (e.g. `#daily-standup`) or a conversation ID (`C…`, `G…`, `D…`).
    #[schemars(length(min = 1, max = 81))]
    pub channel: String,
    /// The users to invite (1 to 1000), each a Slack user ID (`U…`, `W…`) or an e-mail
    /// address.
    #[schemars(length(min = 1, max = 1000), inner(length(min = 1, max = 254)))]
    pub users: Vec<String>,
}

/// Who was invited where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Invited {
    /// The channel's ID.
    pub channel: String,
    /// The invited users' IDs, in the order given, each once.
    pub users: Vec<String>,
    /// Warnings Slack attached to its answer (e.g. `missing_charset`); empty when none.
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct InviteAnswer {
    channel: InvitedChannel,
}

#[derive(Debug, Deserialize)]
struct InvitedChannel {
    id: String,
}

#[derive(Debug)]
pub struct InviteUsers {
    slack: Slack,
}

impl InviteUsers {
    pub fn new(slack: Slack) -> Self {
        Self { slack }
    }
}

impl Tool for InviteUsers {
    type Args = InviteUsersArgs;
    type Output = Invited;

    const SPEC: ToolSpec = ToolSpec {
        name: "invite_users",
        title: "Invite users to a Slack channel",
        description: "Invites users (Slack IDs or e-mail addresses) to a Slack channel (`#name` or ID). Users already there make it a conflict.",
        scopes: &["communication.slack"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(30),
        hints: Hints::UPDATE,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let channel = self
            .slack
            .channel_id(ctx, &args.channel, "/channel")
            .await?;
        let mut users: Vec<String> = Vec::with_capacity(args.users.len());
        for (index, user) in args.users.iter().enumerate() {
            let id = self
                .slack
                .user_id(ctx, user, &format!("/users/{index}"))
                .await?;
            // An ID and the same person's e-mail name one user: invite once.
            if !users.contains(&id) {
                users.push(id);
            }
        }
        let body = json!({ "channel": channel, "users": users.join(",") });
        let Answer { body, warnings } = self
            .slack
            .post::<InviteAnswer>(ctx, CONVERSATIONS_INVITE, &body)
            .await?;
        Ok(Invited {
            channel: body.channel.id,
            users,
            warnings,
        })
    }
}
