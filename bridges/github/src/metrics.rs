//! The pure part of `get_metrics`: whether a merged pull request is a feature or a bug
//! fix, and the Markdown summaries the seed's release pipeline pastes into release notes.

use serde::Serialize;

/// What a merged pull request delivered, for release notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Feature,
    Bugfix,
    Other,
}

const FEATURE_TYPES: &[&str] = &["feat", "feature"];
const BUGFIX_TYPES: &[&str] = &["fix", "bugfix", "hotfix"];

/// The Conventional Commits type of a title (`feat(api)!: x` → `feat`), and the rest.
fn conventional(title: &str) -> Option<(String, &str)> {
    let (head, rest) = title.split_once(':')?;
    let kind = head
        .split(['(', '!'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let word = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphabetic());
    word.then(|| (kind, rest.trim()))
}

/// Title prefix first (`feat:`, `fix:`), then labels (`bug`, `enhancement`, ...).
pub(crate) fn kind(title: &str, labels: &[String]) -> Kind {
    if let Some((kind, _)) = conventional(title) {
        if FEATURE_TYPES.contains(&kind.as_str()) {
            return Kind::Feature;
        }
        if BUGFIX_TYPES.contains(&kind.as_str()) {
            return Kind::Bugfix;
        }
    }
    let labels: Vec<String> = labels.iter().map(|l| l.to_ascii_lowercase()).collect();
    if labels.iter().any(|l| l.contains("bug") || l == "fix") {
        Kind::Bugfix
    } else if labels
        .iter()
        .any(|l| l.contains("enhancement") || l.contains("feature"))
    {
        Kind::Feature
    } else {
        Kind::Other
    }
}

/// A title for release notes: the Conventional Commits prefix dropped, first letter up.
pub(crate) fn headline(title: &str) -> String {
    let text = conventional(title).map_or(title.trim(), |(_, rest)| rest);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => title.trim().to_owned(),
    }
}

/// Markdown bullets `- Headline (#12)`, or a line saying there were none.
pub(crate) fn summary<'a>(items: impl Iterator<Item = (u64, &'a str)>) -> String {
    let lines: Vec<String> = items
        .map(|(number, title)| format!("- {} (#{number})", headline(title)))
        .collect();
    if lines.is_empty() {
        "_None this period._".to_owned()
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn prefixes_decide_before_labels() {
        assert_eq!(kind("feat(api): add search", &[]), Kind::Feature);
        assert_eq!(
            kind("fix!: crash on start", &labels(&["enhancement"])),
            Kind::Bugfix
        );
        assert_eq!(kind("Hotfix: login", &[]), Kind::Bugfix);
        assert_eq!(kind("Speed up build", &labels(&["Bug"])), Kind::Bugfix);
        assert_eq!(kind("Dark mode", &labels(&["enhancement"])), Kind::Feature);
        assert_eq!(kind("docs: typo", &[]), Kind::Other);
        assert_eq!(kind("Release 1.2: notes", &[]), Kind::Other);
    }

    #[test]
    fn summaries_are_markdown_bullets() {
        let items = [(12, "feat(api): add search"), (15, "Dark mode")];
        assert_eq!(
            summary(items.into_iter()),
            "- Add search (#12)\n- Dark mode (#15)"
        );
        assert_eq!(summary(std::iter::empty()), "_None this period._");
    }
}
