//! `github.get_pr_files`: the files a pull request changes, and the language it is
//! mostly written in (the seed's review pipeline reads `${steps.files.primary_language}`).

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, Repository, optional_without_null};
use crate::language;

/// GitHub lists at most 3,000 files of a pull request: 30 pages of 100.
const MAX_PAGES: usize = 30;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct GetPrFilesArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// The pull request number (GitHub's and the seed's review pipeline's name).
    #[schemars(range(min = 1))]
    pub pull_number: u64,
    /// Include each file's patch (its diff hunks); default false, to keep answers small.
    pub include_patch: Option<bool>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrFile {
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`.
    pub status: String,
    pub additions: u64,
    pub deletions: u64,
    /// `additions + deletions`.
    pub changes: u64,
    /// The old name of a renamed file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_filename: Option<String>,
    /// The file's language, when it is source code we recognise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The diff hunks (only with `include_patch`; GitHub omits binary and huge files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// Changed lines per language.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LanguageShare {
    pub language: String,
    pub files: usize,
    pub changes: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrFiles {
    pub repository: String,
    pub pull_number: u64,
    pub files: Vec<PrFile>,
    pub total_files: usize,
    pub additions: u64,
    pub deletions: u64,
    pub changes: u64,
    /// The language with the most changed lines (lower-case, e.g. `python`); absent when
    /// no changed file is recognised source code.
    pub primary_language: Option<String>,
    /// Every recognised language, most changed lines first.
    pub languages: Vec<LanguageShare>,
    /// Whether GitHub's 3,000-file listing limit cut the list.
    pub truncated: bool,
}

#[derive(Debug, Deserialize)]
struct FileAnswer {
    filename: String,
    status: String,
    additions: u64,
    deletions: u64,
    changes: u64,
    previous_filename: Option<String>,
    patch: Option<String>,
}

/// Languages by changed lines, most first; ties by file count, then name, so the
/// answer does not depend on listing order.
fn shares(files: &[PrFile]) -> Vec<LanguageShare> {
    let mut by_language: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    for file in files {
        if let Some(language) = &file.language {
            let entry = by_language.entry(language).or_default();
            entry.0 += 1;
            entry.1 += file.changes;
        }
    }
    let mut shares: Vec<LanguageShare> = by_language
        .into_iter()
        .map(|(language, (files, changes))| LanguageShare {
            language: language.to_owned(),
            files,
            changes,
        })
        .collect();
    shares.sort_by(|a, b| {
        b.changes
            .cmp(&a.changes)
            .then(b.files.cmp(&a.files))
            .then(a.language.cmp(&b.language))
    });
    shares
}

#[derive(Debug)]
pub struct GetPrFiles {
    github: GitHub,
}

impl GetPrFiles {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }
}

impl Tool for GetPrFiles {
    type Args = GetPrFilesArgs;
    type Output = PrFiles;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_pr_files",
        title: "List a pull request's changed files",
        description: "The files a GitHub pull request changes (name, status, added/removed lines, optionally the patch), totals, and its primary language: the recognised source language with the most changed lines.",
        scopes: &["development.github"],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(60),
        hints: Hints::READ,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let path = format!(
            "{}/pulls/{}/files",
            args.repository.api_path()?,
            args.pull_number
        );
        let what = format!(
            "pull request #{} in {}",
            args.pull_number,
            args.repository.as_str()
        );
        let first = Call::get(path).query(&[("per_page", "100")]);
        let listed = self
            .github
            .paginate::<FileAnswer>(ctx, first, MAX_PAGES, &what, |_| true)
            .await?;
        let with_patch = args.include_patch.unwrap_or(false);
        let files: Vec<PrFile> = listed
            .items
            .into_iter()
            .map(|file| PrFile {
                language: language::of(&file.filename).map(str::to_owned),
                filename: file.filename,
                status: file.status,
                additions: file.additions,
                deletions: file.deletions,
                changes: file.changes,
                previous_filename: file.previous_filename,
                patch: file.patch.filter(|_| with_patch),
            })
            .collect();
        let languages = shares(&files);
        Ok(PrFiles {
            repository: args.repository.as_str().to_owned(),
            pull_number: args.pull_number,
            total_files: files.len(),
            additions: files.iter().map(|f| f.additions).sum(),
            deletions: files.iter().map(|f| f.deletions).sum(),
            changes: files.iter().map(|f| f.changes).sum(),
            primary_language: languages.first().map(|l| l.language.clone()),
            languages,
            // GitHub stops listing at 3,000 files without saying so.
            truncated: listed.truncated || files.len() >= MAX_PAGES * 100,
            files,
        })
    }
}
