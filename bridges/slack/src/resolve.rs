//! Channel and user references as callers write them (`#daily-standup`, `C0123ABCD`,
//! `ana@example.com`, `U0123ABCD`) turned into the IDs Slack's methods take.
//!
//! Channel names are resolved through `conversations.list` (cursor pagination, 200 per
//! page) and user e-mails through `users.lookupByEmail`. Both are kept in-process for a
//! while: a pipeline posting to `#alerts` every minute must not relist the workspace's
//! channels every minute (`conversations.list` is Tier 2, 20 requests a minute).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bridge_kit::{ToolContext, ToolError};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::api::{CONVERSATIONS_LIST, Slack, USERS_LOOKUP_BY_EMAIL};

/// How long a name → ID answer is trusted. Renames are rare; a stale ID fails loudly
/// (`channel_not_found`) rather than posting elsewhere, since IDs are never reused.
const NAME_TTL: Duration = Duration::from_secs(15 * 60);
/// After a complete listing, an unknown name is unknown for this long: no relisting the
/// whole workspace for every typo.
const MISS_TTL: Duration = Duration::from_secs(30);
/// Stops a runaway listing (200 × 500 = 100,000 channels); the tool's deadline usually
/// stops it first.
const MAX_PAGES: usize = 500;

/// A channel as given: an ID to use as-is, or a name to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChannelRef {
    Id(String),
    Name(String),
}

/// Slack conversation IDs: `C` (channels), `G` (private channels, legacy), `D` (DMs).
fn is_channel_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('C' | 'G' | 'D'))
        && text.len() >= 9
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Slack user IDs: `U`, or `W` on Enterprise Grid.
fn is_user_id(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('U' | 'W'))
        && text.len() >= 9
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Parses a channel reference: `#name`, a bare name, or an ID.
pub(crate) fn parse_channel(text: &str) -> Result<ChannelRef, String> {
    let text = text.trim();
    if let Some(name) = text.strip_prefix('#') {
        return channel_name(name).map(ChannelRef::Name);
    }
    if is_channel_id(text) {
        return Ok(ChannelRef::Id(text.to_owned()));
    }
    channel_name(text).map(ChannelRef::Name)
}

/// Slack names are lowercase letters, digits, `-`, `_` (and `.` in old workspaces),
/// at most 80 characters.
fn channel_name(name: &str) -> Result<String, String> {
    let name = name.to_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= 80
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(name)
    } else {
        Err(format!(
            "{name:?} is neither a channel ID (C…, G…, D…) nor a channel name \
             (`#name`: lowercase letters, digits, `-`, `_`, at most 80 characters)"
        ))
    }
}

/// The in-process name directory shared by every tool of one bridge.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    /// Channel name → (ID, when learnt).
    channels: RwLock<HashMap<String, (String, Instant)>>,
    /// Serialises listings, so concurrent misses list once; holds when the last complete
    /// listing finished.
    listing: Mutex<Option<Instant>>,
    /// Lowercased e-mail → (user ID, when learnt).
    users: RwLock<HashMap<String, (String, Instant)>>,
}

impl Directory {
    async fn channel(&self, name: &str) -> Option<String> {
        let channels = self.channels.read().await;
        channels
            .get(name)
            .filter(|(_, at)| at.elapsed() < NAME_TTL)
            .map(|(id, _)| id.clone())
    }

    /// Records a channel we learnt about elsewhere (one we just created).
    pub(crate) async fn remember_channel(&self, name: &str, id: &str) {
        let mut channels = self.channels.write().await;
        channels.insert(name.to_owned(), (id.to_owned(), Instant::now()));
    }

    /// Drops every name pointing at `id` (Slack no longer knows it), and lets the next
    /// miss list again even if a listing just finished.
    pub(crate) async fn forget_channel(&self, id: &str) {
        let forgot = {
            let mut channels = self.channels.write().await;
            let before = channels.len();
            channels.retain(|_, (known, _)| known != id);
            channels.len() != before
        };
        // Not under the channels lock: a listing holds `listing` while it writes them.
        if forgot {
            *self.listing.lock().await = None;
        }
    }

    async fn user(&self, email: &str) -> Option<String> {
        let users = self.users.read().await;
        users
            .get(email)
            .filter(|(_, at)| at.elapsed() < NAME_TTL)
            .map(|(id, _)| id.clone())
    }
}

#[derive(Debug, Deserialize)]
struct ChannelPage {
    #[serde(default)]
    channels: Vec<ListedChannel>,
    #[serde(default)]
    response_metadata: Option<PageMetadata>,
}

#[derive(Debug, Deserialize)]
struct ListedChannel {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PageMetadata {
    #[serde(default)]
    next_cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LookedUpUser {
    user: UserId,
}

#[derive(Debug, Deserialize)]
struct UserId {
    id: String,
}

impl Slack {
    /// The channel ID for `text` (argument at `path`): IDs as given, names from the
    /// directory or, on a miss, from `conversations.list`.
    pub(crate) async fn channel_id(
        &self,
        ctx: &ToolContext,
        text: &str,
        path: &str,
    ) -> Result<String, ToolError> {
        match parse_channel(text).map_err(|reason| ToolError::invalid_argument(path, reason))? {
            ChannelRef::Id(id) => Ok(id),
            ChannelRef::Name(name) => self.resolve_channel_name(ctx, &name).await,
        }
    }

    async fn resolve_channel_name(
        &self,
        ctx: &ToolContext,
        name: &str,
    ) -> Result<String, ToolError> {
        let directory = &self.directory;
        if let Some(id) = directory.channel(name).await {
            return Ok(id);
        }
        let mut last_complete = directory.listing.lock().await;
        // Another call may have listed while we waited for the lock.
        if let Some(id) = directory.channel(name).await {
            return Ok(id);
        }
        let recently_listed = last_complete.is_some_and(|at| at.elapsed() < MISS_TTL);
        if !recently_listed {
            let mut cursor = String::new();
            for _ in 0..MAX_PAGES {
                let mut query = vec![
                    ("types", "public_channel,private_channel"),
                    ("exclude_archived", "true"),
                    ("limit", "200"),
                ];
                if !cursor.is_empty() {
                    query.push(("cursor", cursor.as_str()));
                }
                let page: ChannelPage = self.get(ctx, CONVERSATIONS_LIST, &query).await?.body;
                let mut found = None;
                {
                    let mut channels = directory.channels.write().await;
                    let now = Instant::now();
                    for channel in page.channels {
                        let Some(listed) = channel.name else { continue };
                        if listed == name {
                            found = Some(channel.id.clone());
                        }
                        channels.insert(listed, (channel.id, now));
                    }
                }
                cursor = page
                    .response_metadata
                    .and_then(|m| m.next_cursor)
                    .unwrap_or_default();
                if cursor.is_empty() {
                    *last_complete = Some(Instant::now());
                }
                // Stop at the first page naming it: the rest can wait for another miss.
                if let Some(id) = found {
                    return Ok(id);
                }
                if cursor.is_empty() {
                    break;
                }
            }
        }
        Err(ToolError::not_found(format!(
            "no channel named #{name} is visible to the bot (archived channels are \
             excluded; private channels are listed only once the bot is a member)"
        )))
    }

    /// The user ID for `text` (argument at `path`): IDs as given, e-mails through
    /// `users.lookupByEmail`.
    pub(crate) async fn user_id(
        &self,
        ctx: &ToolContext,
        text: &str,
        path: &str,
    ) -> Result<String, ToolError> {
        let text = text.trim();
        if is_user_id(text) {
            return Ok(text.to_owned());
        }
        if !text.contains('@') || text.starts_with('@') {
            return Err(ToolError::invalid_argument(
                path,
                format!("{text:?} is neither a Slack user ID (U…, W…) nor an e-mail address"),
            ));
        }
        let email = text.to_lowercase();
        if let Some(id) = self.directory.user(&email).await {
            return Ok(id);
        }
        let answer = self
            .get::<LookedUpUser>(ctx, USERS_LOOKUP_BY_EMAIL, &[("email", email.as_str())])
            .await?;
        let id = answer.body.user.id;
        let mut users = self.directory.users.write().await;
        users.insert(email, (id.clone(), Instant::now()));
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_ids_or_names() {
        assert_eq!(
            parse_channel("C0123ABCD"),
            Ok(ChannelRef::Id("C0123ABCD".into()))
        );
        assert_eq!(
            parse_channel("G0123ABCD"),
            Ok(ChannelRef::Id("G0123ABCD".into()))
        );
        assert_eq!(
            parse_channel("#Daily-Standup"),
            Ok(ChannelRef::Name("daily-standup".into()))
        );
        assert_eq!(
            parse_channel("general"),
            Ok(ChannelRef::Name("general".into()))
        );
        // Short uppercase words are names, not IDs.
        assert_eq!(parse_channel("CEO"), Ok(ChannelRef::Name("ceo".into())));
        assert!(parse_channel("#").is_err());
        assert!(parse_channel("#two words").is_err());
        assert!(parse_channel(&format!("#{}", "a".repeat(81))).is_err());
    }

    #[test]
    fn user_ids_are_recognised() {
        assert!(is_user_id("U0123ABCD"));
        assert!(is_user_id("W0123ABCD"));
        assert!(!is_user_id("u0123abcd"));
        assert!(!is_user_id("U01"));
    }
}
