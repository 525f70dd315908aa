//! The `analyze` context, rendered for the model: compact JSON with sorted keys, at most
//! [`CONTEXT_BUDGET_BYTES`].
//!
//! A context that fits is sent whole (the model sees every value). One that does not is
//! rendered again under tighter limits until it fits: arrays keep their first items and
//! say how many there were, long strings keep their start and say how long they were,
//! deep or wide objects are summarised by their key count. Every elision is a JSON string
//! starting with `…`, so the text stays valid JSON the model can read. The same context
//! always renders to the same text (sorted keys, no hashing), which keeps prompts
//! cacheable and tests exact.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// Upper bound of the rendered context: about 3,000 tokens, leaving room for the prompt
/// and the answer even in a legacy 8k-token model.
pub const CONTEXT_BUDGET_BYTES: usize = 12 * 1024;

/// A rendered context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Size of the context as compact JSON, before any summarising.
    pub original_bytes: usize,
    /// Whether anything was left out (arrays, strings, objects shortened, or a cut).
    pub summarised: bool,
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Containers deeper than this are replaced by their size.
    depth: usize,
    array_items: usize,
    object_keys: usize,
    string_chars: usize,
}

/// Tried in order; the first rendering within the budget is used. The first pass only
/// bounds depth, so a context that fits is sent unchanged.
const PASSES: [Limits; 5] = [
    Limits {
        depth: 16,
        array_items: usize::MAX,
        object_keys: usize::MAX,
        string_chars: usize::MAX,
    },
    Limits {
        depth: 8,
        array_items: 20,
        object_keys: 40,
        string_chars: 500,
    },
    Limits {
        depth: 5,
        array_items: 10,
        object_keys: 20,
        string_chars: 200,
    },
    Limits {
        depth: 4,
        array_items: 5,
        object_keys: 10,
        string_chars: 100,
    },
    Limits {
        depth: 3,
        array_items: 3,
        object_keys: 6,
        string_chars: 60,
    },
];

/// Renders `context` within [`CONTEXT_BUDGET_BYTES`].
pub fn render(context: &Map<String, Value>) -> Rendered {
    let original_bytes = serde_json::to_string(context).map_or(0, |text| text.len());
    let mut last = String::new();
    for limits in &PASSES {
        let mut writer = Writer {
            out: String::new(),
            limits: *limits,
            elided: false,
        };
        let complete = writer.object(context, 0);
        if complete && writer.out.len() <= CONTEXT_BUDGET_BYTES {
            return Rendered {
                text: writer.out,
                original_bytes,
                summarised: writer.elided,
            };
        }
        last = writer.out;
    }
    // Even the tightest limits overflow (thousands of top-level keys): cut at the budget,
    // on a character boundary, and say so.
    const CUT: &str = " …[context cut at the 12 KB budget]";
    let mut end = CONTEXT_BUDGET_BYTES
        .saturating_sub(CUT.len())
        .min(last.len());
    while !last.is_char_boundary(end) {
        end -= 1;
    }
    last.truncate(end);
    last.push_str(CUT);
    Rendered {
        text: last,
        original_bytes,
        summarised: true,
    }
}

struct Writer {
    out: String,
    limits: Limits,
    elided: bool,
}

impl Writer {
    /// Stops early (returns `false`) once the output passes the budget: a pass that
    /// overflows is discarded anyway, and this bounds the work on huge contexts.
    fn over(&self) -> bool {
        self.out.len() > CONTEXT_BUDGET_BYTES
    }

    fn value(&mut self, value: &Value, depth: usize) -> bool {
        match value {
            Value::Object(object) => self.object(object, depth),
            Value::Array(items) => self.array(items, depth),
            Value::String(text) => {
                self.string(text);
                !self.over()
            }
            scalar => {
                self.out.push_str(&scalar.to_string());
                !self.over()
            }
        }
    }

    fn object(&mut self, object: &Map<String, Value>, depth: usize) -> bool {
        if depth >= self.limits.depth && !object.is_empty() {
            self.note(&format!("…{{{} keys}}", object.len()));
            return !self.over();
        }
        let mut keys: Vec<&String> = object.keys().collect();
        keys.sort();
        self.out.push('{');
        for (index, key) in keys.iter().enumerate() {
            if index == self.limits.object_keys {
                // A `"…": "N more keys"` member keeps the object valid JSON.
                self.out.push(',');
                self.raw_string("…");
                self.out.push(':');
                self.note(&format!(
                    "{} more keys ({} in all)",
                    keys.len() - index,
                    keys.len()
                ));
                break;
            }
            if index > 0 {
                self.out.push(',');
            }
            self.raw_string(key);
            self.out.push(':');
            let Some(value) = object.get(*key) else {
                continue;
            };
            if !self.value(value, depth + 1) {
                return false;
            }
        }
        self.out.push('}');
        !self.over()
    }

    fn array(&mut self, items: &[Value], depth: usize) -> bool {
        if depth >= self.limits.depth && !items.is_empty() {
            self.note(&format!("…[{} items]", items.len()));
            return !self.over();
        }
        self.out.push('[');
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.out.push(',');
            }
            if index == self.limits.array_items {
                self.note(&format!(
                    "… {} more items ({} in all)",
                    items.len() - index,
                    items.len()
                ));
                break;
            }
            if !self.value(item, depth + 1) {
                return false;
            }
        }
        self.out.push(']');
        !self.over()
    }

    fn string(&mut self, text: &str) {
        let total = text.chars().count();
        if total <= self.limits.string_chars {
            self.raw_string(text);
            return;
        }
        let kept: String = text.chars().take(self.limits.string_chars).collect();
        self.elided = true;
        self.raw_string(&format!("{kept}… ({total} characters in all)"));
    }

    /// An elision marker, as a JSON string.
    fn note(&mut self, text: &str) {
        self.elided = true;
        self.raw_string(text);
    }

    fn raw_string(&mut self, text: &str) {
        // Serializing a str cannot fail; the fallback keeps the output JSON anyway.
        let quoted = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
        let _ = write!(self.out, "{quoted}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_small_context_is_sent_whole_with_sorted_keys() {
        let context = map(json!({"b": [1, 2, 3], "a": {"z": true, "y": null}, "c": "x"}));
        let rendered = render(&context);
        assert_eq!(
            rendered.text,
            r#"{"a":{"y":null,"z":true},"b":[1,2,3],"c":"x"}"#
        );
        assert!(!rendered.summarised);
        let parsed: Value = serde_json::from_str(&rendered.text).expect("valid JSON");
        assert_eq!(parsed, Value::Object(context));
    }

    #[test]
    fn large_arrays_keep_their_first_items_and_their_length() {
        let rows: Vec<Value> = (0..5000)
            .map(|i| json!({"id": i, "amount": i * 3, "region": "north"}))
            .collect();
        let context = map(json!({"sales": rows, "department": "executive"}));
        let rendered = render(&context);
        assert!(rendered.summarised);
        assert!(rendered.text.len() <= CONTEXT_BUDGET_BYTES);
        assert!(rendered.original_bytes > 100_000);
        assert!(
            rendered.text.contains("4980 more items (5000 in all)"),
            "{}",
            rendered.text
        );
        assert!(rendered.text.starts_with(
            r#"{"department":"executive","sales":[{"amount":0,"id":0,"region":"north"},"#
        ));
        // Still JSON, and the same every time.
        serde_json::from_str::<Value>(&rendered.text).expect("valid JSON");
        assert_eq!(render(&context), rendered);
    }

    #[test]
    fn long_strings_and_deep_nesting_are_bounded() {
        let mut deep = json!("bottom");
        for _ in 0..40 {
            deep = json!({ "level": deep });
        }
        let context = map(json!({"deep": deep, "note": "é".repeat(20_000)}));
        let rendered = render(&context);
        assert!(rendered.summarised);
        assert!(rendered.text.len() <= CONTEXT_BUDGET_BYTES);
        assert!(rendered.text.contains("(20000 characters in all)"));
        assert!(rendered.text.contains("…{1 keys}"));
        serde_json::from_str::<Value>(&rendered.text).expect("valid JSON");
    }

    #[test]
    fn thousands_of_keys_are_summarised_or_cut_within_the_budget() {
        let mut wide = Map::new();
        for i in 0..3000 {
            wide.insert(
                format!("metric_{i:05}"),
                json!("a fairly long value ".repeat(3)),
            );
        }
        let rendered = render(&wide);
        assert!(rendered.summarised);
        assert!(rendered.text.len() <= CONTEXT_BUDGET_BYTES);
        assert!(
            rendered.text.contains("2960 more keys (3000 in all)"),
            "{}",
            &rendered.text[..200]
        );
    }
}
