//! Finding the JSON object in what a model really answers.
//!
//! Asked for "one JSON object and nothing else", models still wrap it in ```json fences,
//! put a sentence before or after it, leave a trailing comma, or get cut off at the token
//! limit. [`extract_object`] tries, in order: the whole answer; each fenced block; each
//! top-level balanced `{…}` in the text (string- and escape-aware). Each try is parsed
//! as is, then with trailing commas removed (the one repair that cannot change meaning).
//! Nothing else is "repaired": an unclosed object is reported, never closed for it.
//!
//! [`Findings`] accumulates what the readers of the two contracts noticed, and the
//! resulting [`ParseStatus`].

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// How far the model's answer could be used as it came. Ordered: a later status
/// overrides an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParseStatus {
    /// One clean JSON object with every expected field valid.
    Ok,
    /// Every field valid, but the JSON had to be freed from code fences, surrounding
    /// prose or trailing commas, or a value was re-typed without changing it (the
    /// number `"0.8"` sent as a string). `warnings` says what was done.
    Repaired,
    /// JSON was read, but some fields were missing or unusable; `warnings` names each,
    /// and the documented stand-ins are used (never a made-up value).
    Partial,
    /// No JSON object could be read (or the model refused): the raw answer is returned
    /// as text, and `warnings` says why.
    Unparsed,
}

/// What reading one answer found: the worst status and every warning, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub status: ParseStatus,
    pub warnings: Vec<String>,
}

impl Default for Findings {
    fn default() -> Self {
        Self {
            status: ParseStatus::Ok,
            warnings: Vec::new(),
        }
    }
}

impl Findings {
    /// A warning that does not change the status (the context was summarised).
    pub fn note(&mut self, warning: impl Into<String>) {
        self.warnings.push(warning.into());
    }

    /// A warning that lowers the status to at least `status`.
    pub fn flag(&mut self, status: ParseStatus, warning: impl Into<String>) {
        self.status = self.status.max(status);
        self.warnings.push(warning.into());
    }
}

/// A JSON object found in an answer, and the repairs it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    pub object: Map<String, Value>,
    /// What had to be removed to read it; empty when the answer was clean JSON.
    pub repairs: Vec<&'static str>,
}

/// Candidate `{` starts tried in prose before giving up: bounds the work on garbage.
const MAX_CANDIDATES: usize = 32;

/// The JSON object in `text`, or why there is none.
pub fn extract_object(text: &str) -> Result<Extracted, String> {
    let trimmed = text.trim().trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Err("the answer is empty".to_owned());
    }
    // The first parse error of the most likely candidate is the one worth reporting.
    let mut first_error: Option<String> = None;
    match parse_object(trimmed) {
        Ok((object, fixed)) => {
            let repairs = if fixed {
                vec!["removed trailing commas"]
            } else {
                Vec::new()
            };
            return Ok(Extracted { object, repairs });
        }
        Err(error) => {
            // Prose that does not start like JSON: its error ("expected value at line 1
            // column 1") says nothing useful; a candidate's error will.
            if trimmed.starts_with(['{', '[']) {
                first_error = Some(error);
            }
        }
    }
    for block in fenced_blocks(trimmed) {
        match parse_object(block) {
            Ok((object, fixed)) => {
                let mut repairs = vec!["removed a ``` code fence around the JSON"];
                if fixed {
                    repairs.push("removed trailing commas");
                }
                return Ok(Extracted { object, repairs });
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let mut start = 0;
    for _ in 0..MAX_CANDIDATES {
        let Some(offset) = trimmed[start..].find('{') else {
            break;
        };
        let open = start + offset;
        let Some(close) = matching_brace(trimmed, open) else {
            first_error.get_or_insert_with(|| UNCLOSED.to_owned());
            break;
        };
        match parse_object(&trimmed[open..=close]) {
            Ok((object, fixed)) => {
                let mut repairs = vec!["ignored text around the JSON object"];
                if fixed {
                    repairs.push("removed trailing commas");
                }
                return Ok(Extracted { object, repairs });
            }
            Err(error) => {
                first_error.get_or_insert(error);
                // Objects nested in a broken one are fragments, not the answer.
                start = close + 1;
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "the answer contains no JSON object".to_owned()))
}

/// `text` as a JSON object, as is or with trailing commas removed (`true` when removed).
fn parse_object(text: &str) -> Result<(Map<String, Value>, bool), String> {
    let first = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => return Ok((object, false)),
        Ok(other) => {
            return Err(format!(
                "the answer is JSON but not an object ({})",
                kind(&other)
            ));
        }
        Err(error) => error,
    };
    let without_commas = remove_trailing_commas(text);
    if without_commas.len() != text.len()
        && let Ok(Value::Object(object)) = serde_json::from_str::<Value>(&without_commas)
    {
        return Ok((object, true));
    }
    if first.is_eof() {
        return Err(UNCLOSED.to_owned());
    }
    Err(format!("invalid JSON: {first}"))
}

const UNCLOSED: &str = "the JSON object is never closed (the answer may have been cut off)";

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The contents of each ``` fenced block, in order (the info string, e.g. `json`, is
/// skipped; an unclosed last fence runs to the end).
fn fenced_blocks(text: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        // The info string ends the fence line.
        let body_start = after.find('\n').map_or(after.len(), |n| n + 1);
        let body = &after[body_start..];
        match body.find("```") {
            Some(close) => {
                blocks.push(body[..close].trim());
                rest = &body[close + 3..];
            }
            None => {
                blocks.push(body.trim());
                break;
            }
        }
    }
    blocks
}

/// The index of the `}` closing the `{` at `open`, skipping braces inside strings.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, byte) in text.bytes().enumerate().skip(open) {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (byte == b'}').then_some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` without commas that directly precede `}` or `]` (outside strings).
fn remove_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            out.push(c);
            continue;
        }
        if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = text[index + 1..].trim_start().chars().next();
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(text: &str) -> (Value, Vec<&'static str>) {
        let found = extract_object(text).expect("an object is found");
        (Value::Object(found.object), found.repairs)
    }

    #[test]
    fn clean_json_needs_no_repair() {
        let (value, repairs) = object(" {\"a\": 1, \"b\": \"}\"}\n");
        assert_eq!(value, json!({"a": 1, "b": "}"}));
        assert!(repairs.is_empty());
    }

    #[test]
    fn fenced_json_is_unwrapped() {
        let text = "Here is the review:\n```json\n{\"score\": 7}\n```\nHope it helps.";
        let (value, repairs) = object(text);
        assert_eq!(value, json!({"score": 7}));
        assert_eq!(repairs, vec!["removed a ``` code fence around the JSON"]);
        // An unclosed fence (cut off after the object) still yields the object.
        let (value, _) = object("```\n{\"score\": 7}\n");
        assert_eq!(value, json!({"score": 7}));
    }

    #[test]
    fn prose_around_the_object_is_ignored_and_braces_in_strings_do_not_confuse() {
        let text =
            "Sure! {\"text\": \"use {braces} and \\\"quotes\\\"\", \"n\": [1, {\"x\": 2}]} Done {.";
        let (value, repairs) = object(text);
        assert_eq!(
            value,
            json!({"text": "use {braces} and \"quotes\"", "n": [1, {"x": 2}]})
        );
        assert_eq!(repairs, vec!["ignored text around the JSON object"]);
    }

    #[test]
    fn a_broken_leading_brace_group_is_skipped_but_not_its_fragments() {
        let text = "Note {see below} then {\"ok\": true}";
        assert_eq!(object(text).0, json!({"ok": true}));
        // The inner object of a broken outer one is not taken for the answer.
        let broken = "{\"review\": {\"score\": 8} oops}";
        assert!(extract_object(broken).is_err());
    }

    #[test]
    fn trailing_commas_are_the_only_repair() {
        let (value, repairs) = object("{\"a\": [1, 2,], \"b\": \",}\",}");
        assert_eq!(value, json!({"a": [1, 2], "b": ",}"}));
        assert_eq!(repairs, vec!["removed trailing commas"]);
        // Single quotes are not guessed into JSON.
        assert!(extract_object("{'a': 1}").is_err());
    }

    #[test]
    fn failures_say_why() {
        assert_eq!(
            extract_object("   ").unwrap_err(),
            "the answer is empty".to_owned()
        );
        assert!(
            extract_object("I cannot review this.")
                .unwrap_err()
                .contains("no JSON object")
        );
        assert!(
            extract_object("{\"analysis\": \"cut off here")
                .unwrap_err()
                .contains("never closed")
        );
        assert!(
            extract_object("[1, 2]")
                .unwrap_err()
                .contains("not an object (an array)")
        );
        assert!(
            extract_object("{\"a\": 1 \"b\": 2}")
                .unwrap_err()
                .starts_with("invalid JSON: expected")
        );
    }

    #[test]
    fn findings_keep_the_worst_status() {
        let mut findings = Findings::default();
        findings.flag(ParseStatus::Partial, "x");
        findings.flag(ParseStatus::Repaired, "y");
        findings.note("z");
        assert_eq!(findings.status, ParseStatus::Partial);
        assert_eq!(findings.warnings, vec!["x", "y", "z"]);
    }
}
