//! What a message may contain, checked before Slack sees it: Slack truncates over-long
//! text silently and rejects over-long blocks with a terse `invalid_blocks`, so the
//! limits are enforced here, with the argument's path, and never by cutting.
//!
//! Limits (Slack's documentation): message text 40,000 characters (beyond that
//! chat.postMessage truncates); 50 blocks per message; 100 attachments; a section's
//! text 3,000 characters (the seed's `maxLength: 3000`), its fields 10 × 2,000; a
//! header's text 150.

use std::borrow::Cow;

use bridge_kit::{ToolError, Violation};
use chrono::{DateTime, FixedOffset, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const MAX_TEXT_CHARS: usize = 40_000;
const MAX_BLOCKS: usize = 50;
const MAX_ATTACHMENTS: usize = 100;
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_SECTION_FIELDS: usize = 10;
const MAX_FIELD_TEXT: usize = 2_000;
const MAX_HEADER_TEXT: usize = 150;

/// One Block Kit block, passed to Slack as given.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Block(pub Map<String, Value>);

impl JsonSchema for Block {
    fn schema_name() -> Cow<'static, str> {
        "SlackBlock".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "A Block Kit block (https://docs.slack.dev/reference/block-kit/blocks), e.g. {\"type\": \"section\", \"text\": {\"type\": \"mrkdwn\", \"text\": \"*Hi*\"}}.",
            "required": ["type"],
            "properties": {"type": {"type": "string", "minLength": 1}}
        })
    }
}

/// One legacy attachment, passed to Slack as given.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct Attachment(pub Map<String, Value>);

impl JsonSchema for Attachment {
    fn schema_name() -> Cow<'static, str> {
        "SlackAttachment".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "A legacy message attachment (https://docs.slack.dev/messaging/formatting-message-text#attachments), e.g. {\"color\": \"#36a64f\", \"text\": \"Deployed\"}."
        })
    }
}

/// The text of a block's `text` object, if it has one.
fn text_of(value: &Value) -> Option<&str> {
    value.get("text").and_then(Value::as_str)
}

/// Limits the schema cannot express: per-block text lengths.
pub(crate) fn check_blocks(blocks: &[Block]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let too_long = |path: String, limit: usize, len: usize| {
        Violation::new(
            path,
            format!("{len} characters; Slack allows at most {limit} here"),
        )
    };
    for (index, Block(block)) in blocks.iter().enumerate() {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        let text = block.get("text").and_then(text_of);
        match kind {
            "section" => {
                if let Some(text) = text {
                    let len = text.chars().count();
                    if len > MAX_SECTION_TEXT {
                        let path = format!("/blocks/{index}/text/text");
                        violations.push(too_long(path, MAX_SECTION_TEXT, len));
                    }
                }
                let fields = block.get("fields").and_then(Value::as_array);
                if let Some(fields) = fields {
                    if fields.len() > MAX_SECTION_FIELDS {
                        violations.push(Violation::new(
                            format!("/blocks/{index}/fields"),
                            format!(
                                "{} fields; Slack allows at most {MAX_SECTION_FIELDS}",
                                fields.len()
                            ),
                        ));
                    }
                    for (field, value) in fields.iter().enumerate() {
                        let len = text_of(value).map_or(0, |t| t.chars().count());
                        if len > MAX_FIELD_TEXT {
                            let path = format!("/blocks/{index}/fields/{field}/text");
                            violations.push(too_long(path, MAX_FIELD_TEXT, len));
                        }
                    }
                }
            }
            "header" => {
                let len = text.map_or(0, |t| t.chars().count());
                if len > MAX_HEADER_TEXT {
                    let path = format!("/blocks/{index}/text/text");
                    violations.push(too_long(path, MAX_HEADER_TEXT, len));
                }
            }
            _ => {}
        }
    }
    violations
}

/// Fails with every content violation at once. The schema already enforces the counts
/// and the text length on both doors; they are checked again here so the limits hold for
/// callers of the Rust API too.
pub(crate) fn ensure_content(
    message: &str,
    blocks: Option<&[Block]>,
    attachments: Option<&[Attachment]>,
) -> Result<(), ToolError> {
    let mut violations = Vec::new();
    let len = message.chars().count();
    if len > MAX_TEXT_CHARS {
        violations.push(Violation::new(
            "/message",
            format!(
                "{len} characters; Slack allows at most {MAX_TEXT_CHARS} (it would truncate the rest)"
            ),
        ));
    }
    let blocks = blocks.unwrap_or_default();
    if blocks.len() > MAX_BLOCKS {
        violations.push(Violation::new(
            "/blocks",
            format!("{} blocks; Slack allows at most {MAX_BLOCKS}", blocks.len()),
        ));
    }
    let attachments = attachments.unwrap_or_default().len();
    if attachments > MAX_ATTACHMENTS {
        violations.push(Violation::new(
            "/attachments",
            format!("{attachments} attachments; Slack allows at most {MAX_ATTACHMENTS}"),
        ));
    }
    violations.extend(check_blocks(blocks));
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ToolError::invalid_arguments(violations))
    }
}

/// Unix seconds of a time that must lie in `(now, now + horizon]`.
pub(crate) fn future_unix_seconds(
    time: &DateTime<FixedOffset>,
    horizon: chrono::Duration,
    horizon_text: &str,
    path: &str,
) -> Result<i64, ToolError> {
    let now = Utc::now();
    let at = time.with_timezone(&Utc);
    if at <= now {
        return Err(ToolError::invalid_argument(
            path,
            // No "now" in the message: the same call must give the same answer.
            format!("{} is in the past; give a future time", time.to_rfc3339()),
        ));
    }
    if at > now + horizon {
        return Err(ToolError::invalid_argument(
            path,
            format!(
                "{} is more than {horizon_text} ahead; Slack accepts times up to {horizon_text} from now",
                time.to_rfc3339()
            ),
        ));
    }
    Ok(at.timestamp())
}

/// An emoji name without its surrounding colons (`:tada:` → `tada`).
pub(crate) fn bare_emoji(name: &str) -> &str {
    let name = name.trim();
    let name = name.strip_prefix(':').unwrap_or(name);
    name.strip_suffix(':').unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(value: Value) -> Block {
        match value {
            Value::Object(map) => Block(map),
            _ => Block(Map::new()),
        }
    }

    #[test]
    fn block_texts_are_checked_with_their_paths() {
        let blocks = [
            block(json!({"type": "header", "text": {"type": "plain_text", "text": "ok"}})),
            block(json!({"type": "section", "text": {"type": "mrkdwn", "text": "x".repeat(3001)}})),
            block(
                json!({"type": "header", "text": {"type": "plain_text", "text": "h".repeat(151)}}),
            ),
            block(
                json!({"type": "section", "fields": [{"type": "mrkdwn", "text": "f".repeat(2001)}]}),
            ),
        ];
        let violations = check_blocks(&blocks);
        let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/blocks/1/text/text",
                "/blocks/2/text/text",
                "/blocks/3/fields/0/text"
            ]
        );
        assert!(violations[0].message.contains("3000"));
        // Exactly at the limit is fine.
        let fits = [block(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": "ă".repeat(3000)}}),
        )];
        assert!(check_blocks(&fits).is_empty());
    }

    #[test]
    fn times_must_be_in_the_window() {
        let horizon = chrono::Duration::days(120);
        let soon = (Utc::now() + chrono::Duration::hours(1)).fixed_offset();
        assert_eq!(
            future_unix_seconds(&soon, horizon, "120 days", "/t").ok(),
            Some(soon.timestamp())
        );
        let past = (Utc::now() - chrono::Duration::minutes(1)).fixed_offset();
        let error = future_unix_seconds(&past, horizon, "120 days", "/t").unwrap_err();
        assert!(error.message().contains("past"));
        let far = (Utc::now() + chrono::Duration::days(121)).fixed_offset();
        let error = future_unix_seconds(&far, horizon, "120 days", "/t").unwrap_err();
        assert!(error.message().contains("120 days"));
    }

    #[test]
    fn emoji_colons_are_stripped() {
        assert_eq!(bare_emoji(":tada:"), "tada");
        assert_eq!(bare_emoji("thumbsup::skin-tone-2"), "thumbsup::skin-tone-2");
        assert_eq!(bare_emoji(":+1:"), "+1");
    }
}
