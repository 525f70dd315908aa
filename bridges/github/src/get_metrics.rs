//! `github.get_metrics`: what happened in a repository over a week, a month or explicit
//! dates: merged pull requests (split into features and bug fixes), opened and closed
//! issues, commits, contributors and first-time contributors. Field names are those the
//! seed's release pipeline reads (`pull_requests.merged_count`, `issues.closed_count`,
//! `contributors.new_count`, `pull_requests.feature_summary`, ...).
//!
//! Pull requests, issues and commits are listed concurrently, each through `Link`
//! pagination bounded at [`MAX_PAGES`] pages of 100; a bound that cut a list is reported
//! as `truncated` rather than silently undercounting.

use std::collections::BTreeMap;
use std::time::Duration;

use bridge_kit::upstream::Call;
use bridge_kit::{CostTier, Hints, Tool, ToolContext, ToolError, ToolSpec};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::github::{GitHub, LabelAnswer, Login, Paged, Repository, optional_without_null};
use crate::metrics::{self, Kind};

/// At most this many pages of 100 per listing.
const MAX_PAGES: usize = 10;
/// First-time checks cost one request per contributor: the most active this many.
const MAX_NEW_CONTRIBUTOR_CHECKS: usize = 50;
/// Concurrent first-time checks (GitHub discourages bursts of concurrent requests).
const CHECK_CONCURRENCY: usize = 4;

/// The span `get_metrics` covers when no `since` is given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The last 7 days.
    #[default]
    Week,
    /// The last 30 days.
    Month,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = optional_without_null)]
pub struct GetMetricsArgs {
    /// The repository, as `owner/name`.
    pub repository: Repository,
    /// `week` (default) or `month`, ending at `until` (default now). Ignored when
    /// `since` is given.
    pub period: Option<Period>,
    /// Start of the span (RFC 3339), instead of `period`.
    pub since: Option<DateTime<Utc>>,
    /// End of the span (RFC 3339); default now.
    pub until: Option<DateTime<Utc>>,
}

/// A merged pull request.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MergedPr {
    pub number: u64,
    pub title: String,
    pub author: Option<String>,
    pub merged_at: DateTime<Utc>,
    pub url: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PullRequestMetrics {
    pub merged_count: usize,
    pub feature_count: usize,
    pub bugfix_count: usize,
    /// Markdown bullets of merged features (`feat:` titles, `enhancement` labels).
    pub feature_summary: String,
    /// Markdown bullets of merged bug fixes (`fix:` titles, `bug` labels).
    pub bugfix_summary: String,
    /// Every merged pull request, most recently merged first.
    pub merged: Vec<MergedPr>,
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IssueMetrics {
    /// Issues (not pull requests) closed in the span.
    pub closed_count: usize,
    /// Issues (not pull requests) opened in the span.
    pub opened_count: usize,
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommitMetrics {
    /// Commits on the default branch in the span.
    pub count: usize,
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ContributorMetrics {
    /// Distinct commit authors in the span.
    pub count: usize,
    /// Authors whose first commit on the default branch is in the span.
    pub new_count: usize,
    /// Authors (GitHub logins; the e-mail for commits not linked to an account).
    pub authors: Vec<String>,
    pub new_contributors: Vec<String>,
    /// Whether commits were cut, or there were too many authors to check them all.
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RepositoryMetrics {
    pub repository: String,
    /// `week`, `month` or `custom` (explicit `since`).
    pub period: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub pull_requests: PullRequestMetrics,
    pub issues: IssueMetrics,
    pub commits: CommitMetrics,
    pub contributors: ContributorMetrics,
    /// Whether any list was cut by the page bound (counts are then lower bounds).
    pub truncated: bool,
}

#[derive(Debug, Deserialize)]
struct PullAnswer {
    number: u64,
    title: String,
    html_url: String,
    updated_at: DateTime<Utc>,
    merged_at: Option<DateTime<Utc>>,
    user: Option<Login>,
    #[serde(default)]
    labels: Vec<LabelAnswer>,
}

#[derive(Debug, Deserialize)]
struct IssueAnswer {
    created_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    /// Present on pull requests, which the issues listing includes.
    pull_request: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct CommitAnswer {
    commit: CommitDetail,
    author: Option<Login>,
}

#[derive(Debug, Deserialize)]
struct CommitDetail {
    author: Option<GitAuthor>,
}

#[derive(Debug, Deserialize)]
struct GitAuthor {
    email: Option<String>,
    name: Option<String>,
}

impl CommitAnswer {
    /// Who to count: the GitHub account, else the git e-mail (or name).
    fn author_key(&self) -> Option<String> {
        if let Some(user) = &self.author {
            return Some(user.login.clone());
        }
        let git = self.commit.author.as_ref()?;
        git.email
            .clone()
            .filter(|e| !e.is_empty())
            .or_else(|| git.name.clone())
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The span: explicit `since`, or `period` back from `until` (default now).
fn window(args: &GetMetricsArgs) -> Result<(String, DateTime<Utc>, DateTime<Utc>), ToolError> {
    let until = args.until.unwrap_or_else(Utc::now);
    let (label, since) = match args.since {
        Some(since) => ("custom".to_owned(), since),
        None => {
            let period = args.period.unwrap_or_default();
            let days = match period {
                Period::Week => 7,
                Period::Month => 30,
            };
            let label = match period {
                Period::Week => "week",
                Period::Month => "month",
            };
            (label.to_owned(), until - TimeDelta::days(days))
        }
    };
    if since >= until {
        return Err(ToolError::invalid_argument(
            "/since",
            format!(
                "since ({}) must be before until ({})",
                stamp(since),
                stamp(until)
            ),
        ));
    }
    Ok((label, since, until))
}

#[derive(Debug)]
pub struct GetMetrics {
    github: GitHub,
}

impl GetMetrics {
    pub(crate) fn new(github: GitHub) -> Self {
        Self { github }
    }

    /// Pull requests closed, most recently updated first, until updates predate `since`
    /// (a pull request merged in the span was updated in it).
    async fn merged(
        &self,
        ctx: &ToolContext,
        repo: &str,
        what: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<PullRequestMetrics, ToolError> {
        let first = Call::get(format!("{repo}/pulls")).query(&[
            ("state", "closed"),
            ("sort", "updated"),
            ("direction", "desc"),
            ("per_page", "100"),
        ]);
        let Paged { items, truncated } = self
            .github
            .paginate::<PullAnswer>(ctx, first, MAX_PAGES, what, |page| {
                page.last().is_some_and(|pr| pr.updated_at >= since)
            })
            .await?;
        let mut merged: Vec<MergedPr> = items
            .into_iter()
            .filter_map(|pr| {
                let merged_at = pr.merged_at.filter(|at| *at >= since && *at <= until)?;
                let labels: Vec<String> = pr.labels.into_iter().map(|l| l.name).collect();
                Some(MergedPr {
                    kind: metrics::kind(&pr.title, &labels),
                    number: pr.number,
                    title: pr.title,
                    author: pr.user.map(|u| u.login),
                    merged_at,
                    url: pr.html_url,
                })
            })
            .collect();
        merged.sort_by(|a, b| b.merged_at.cmp(&a.merged_at).then(b.number.cmp(&a.number)));
        let of_kind = |kind: Kind| {
            merged
                .iter()
                .filter(move |pr| pr.kind == kind)
                .map(|pr| (pr.number, pr.title.as_str()))
        };
        Ok(PullRequestMetrics {
            merged_count: merged.len(),
            feature_count: of_kind(Kind::Feature).count(),
            bugfix_count: of_kind(Kind::Bugfix).count(),
            feature_summary: metrics::summary(of_kind(Kind::Feature)),
            bugfix_summary: metrics::summary(of_kind(Kind::Bugfix)),
            merged,
            truncated,
        })
    }

    /// Issues updated since `since` (GitHub's `since` filter), pull requests left out.
    async fn issues(
        &self,
        ctx: &ToolContext,
        repo: &str,
        what: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<IssueMetrics, ToolError> {
        let first = Call::get(format!("{repo}/issues")).query(&[
            ("state", "all"),
            ("since", stamp(since).as_str()),
            ("sort", "updated"),
            ("direction", "desc"),
            ("per_page", "100"),
        ]);
        let Paged { items, truncated } = self
            .github
            .paginate::<IssueAnswer>(ctx, first, MAX_PAGES, what, |_| true)
            .await?;
        let in_span = |at: &DateTime<Utc>| *at >= since && *at <= until;
        let issues = || items.iter().filter(|i| i.pull_request.is_none());
        Ok(IssueMetrics {
            closed_count: issues()
                .filter(|i| i.closed_at.as_ref().is_some_and(in_span))
                .count(),
            opened_count: issues().filter(|i| in_span(&i.created_at)).count(),
            truncated,
        })
    }

    /// Commits on the default branch in the span, then which authors are new.
    async fn commits(
        &self,
        ctx: &ToolContext,
        repo: &str,
        what: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<(CommitMetrics, ContributorMetrics), ToolError> {
        let first = Call::get(format!("{repo}/commits")).query(&[
            ("since", stamp(since).as_str()),
            ("until", stamp(until).as_str()),
            ("per_page", "100"),
        ]);
        let Paged { items, truncated } = self
            .github
            .paginate::<CommitAnswer>(ctx, first, MAX_PAGES, what, |_| true)
            .await?;
        let mut per_author: BTreeMap<String, usize> = BTreeMap::new();
        for commit in &items {
            if let Some(author) = commit.author_key() {
                *per_author.entry(author).or_default() += 1;
            }
        }
        let authors: Vec<String> = per_author.keys().cloned().collect();
        // The most active authors are checked first when there are too many to check.
        let mut by_activity: Vec<(&String, &usize)> = per_author.iter().collect();
        by_activity.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let checked: Vec<String> = by_activity
            .into_iter()
            .take(MAX_NEW_CONTRIBUTOR_CHECKS)
            .map(|(author, _)| author.clone())
            .collect();
        let before = stamp(since);
        let mut new_contributors: Vec<String> = futures::stream::iter(checked)
            .map(|author| {
                let call = Call::get(format!("{repo}/commits")).query(&[
                    ("author", author.as_str()),
                    ("until", before.as_str()),
                    ("per_page", "1"),
                ]);
                async move {
                    let earlier: Vec<serde_json::Value> = self.github.json(ctx, call, what).await?;
                    Ok::<_, ToolError>(earlier.is_empty().then_some(author))
                }
            })
            .buffer_unordered(CHECK_CONCURRENCY)
            .try_filter_map(|new| async move { Ok(new) })
            .try_collect()
            .await?;
        new_contributors.sort();
        Ok((
            CommitMetrics {
                count: items.len(),
                truncated,
            },
            ContributorMetrics {
                count: authors.len(),
                new_count: new_contributors.len(),
                truncated: truncated || authors.len() > MAX_NEW_CONTRIBUTOR_CHECKS,
                authors,
                new_contributors,
            },
        ))
    }
}

impl Tool for GetMetrics {
    type Args = GetMetricsArgs;
    type Output = RepositoryMetrics;

    const SPEC: ToolSpec = ToolSpec {
        name: "get_metrics",
        title: "Repository activity metrics",
        description: "What happened in a GitHub repository over the last `week` (default) or `month`, or between `since` and `until`: merged pull requests with feature and bug-fix summaries for release notes, issues opened and closed, commits on the default branch, contributors and first-time contributors. Lists beyond 1,000 items are flagged `truncated`.",
        scopes: &["development.github"],
        cost_tier: CostTier::Medium,
        timeout: Duration::from_secs(60),
        hints: Hints::READ,
        needs_credentials: true,
    };

    async fn call(&self, ctx: &ToolContext, args: Self::Args) -> Result<Self::Output, ToolError> {
        let (period, since, until) = window(&args)?;
        let repo = args.repository.api_path()?;
        let what = format!("repository {}", args.repository.as_str());
        let (pull_requests, issues, (commits, contributors)) = futures::try_join!(
            self.merged(ctx, &repo, &what, since, until),
            self.issues(ctx, &repo, &what, since, until),
            self.commits(ctx, &repo, &what, since, until),
        )?;
        Ok(RepositoryMetrics {
            repository: args.repository.as_str().to_owned(),
            period,
            since,
            until,
            truncated: pull_requests.truncated
                || issues.truncated
                || commits.truncated
                || contributors.truncated,
            pull_requests,
            issues,
            commits,
            contributors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: serde_json::Value) -> GetMetricsArgs {
        serde_json::from_value(value).expect("valid arguments")
    }

    #[test]
    fn spans_come_from_period_or_dates() {
        let (label, since, until) = window(&args(serde_json::json!({
            "repository": "o/r", "period": "month", "until": "2026-04-30T00:00:00Z"
        })))
        .expect("window");
        assert_eq!(label, "month");
        assert_eq!(stamp(since), "2026-03-31T00:00:00Z");
        assert_eq!(stamp(until), "2026-04-30T00:00:00Z");
        let (label, _, _) = window(&args(serde_json::json!({
            "repository": "o/r", "period": "month", "since": "2026-04-01T00:00:00Z"
        })))
        .expect("window");
        assert_eq!(label, "custom");
        let error = window(&args(serde_json::json!({
            "repository": "o/r", "since": "2026-05-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"
        })))
        .expect_err("backwards");
        assert_eq!(error.violations()[0].path, "/since");
    }
}
