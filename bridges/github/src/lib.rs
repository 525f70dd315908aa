//! The github bridge: GitHub issues, pull requests, reviews, releases, labels, Projects,
//! Actions workflows and repository metrics, over the REST API (and GraphQL for Projects).
//!
//! Authentication: a token (`GITHUB_TOKEN`, classic or fine-grained), or a GitHub App
//! installation (`GITHUB_APP_ID` + `GITHUB_PRIVATE_KEY_PATH` + `GITHUB_APP_INSTALLATION_ID`)
//! whose short-lived installation tokens bridge-kit's token cache mints and refreshes.
//! GitHub Enterprise Server works by pointing `GITHUB_API_URL` at `https://HOST/api/v3`.
//! Inbound webhooks (`GITHUB_WEBHOOK_SECRET`) are served by bridge-kit, not here.

mod add_comment;
mod assign_reviewers;
mod create_issue;
mod create_pr;
mod create_release;
mod create_review_comment;
mod errors;
mod get_metrics;
mod get_pr_files;
mod get_pull_request_diff;
mod github;
mod language;
mod manage_labels;
mod merge_pr;
mod metrics;
mod run_workflow;
mod sync_projects;

use bridge_kit::upstream::{Credential, RateLimit, UpstreamConfig, oauth::Grant};
use bridge_kit::webhooks::Source;
use bridge_kit::{Bridge, ConfigError, ConfigVar, Credentials, Settings};

pub use add_comment::{AddComment, AddCommentArgs, CommentCreated};
pub use assign_reviewers::{AssignReviewers, AssignReviewersArgs, ReviewersAssigned};
pub use create_issue::{CreateIssue, CreateIssueArgs, IssueCreated};
pub use create_pr::{CreatePr, CreatePrArgs, PrCreated};
pub use create_release::{CreateRelease, CreateReleaseArgs, ReleaseCreated};
pub use create_review_comment::{
    CreateReviewComment, CreateReviewCommentArgs, ReviewCreated, ReviewEvent, ReviewLineComment,
    Side,
};
pub use get_metrics::{
    CommitMetrics, ContributorMetrics, GetMetrics, GetMetricsArgs, IssueMetrics, MergedPr, Period,
    PullRequestMetrics, RepositoryMetrics,
};
pub use get_pr_files::{GetPrFiles, GetPrFilesArgs, LanguageShare, PrFile, PrFiles};
pub use get_pull_request_diff::{GetPullRequestDiff, GetPullRequestDiffArgs, PullRequestDiff};
pub use github::{API_VERSION, GHES_API_VERSION, Repository};
pub use manage_labels::{LabelOperation, LabelsManaged, ManageLabels, ManageLabelsArgs};
pub use merge_pr::{MergeMethod, MergePr, MergePrArgs, PrMerged};
pub use metrics::Kind;
pub use run_workflow::{RunWorkflow, RunWorkflowArgs, WorkflowDispatched};
pub use sync_projects::{ProjectItemSynced, SyncProjects, SyncProjectsArgs};

pub const NAME: &str = "github";
pub const PORT: u16 = 8095;

pub const GITHUB_TOKEN: ConfigVar =
    ConfigVar::secret("GITHUB_TOKEN", "Personal or fine-grained access token");
pub const GITHUB_WEBHOOK_SECRET: ConfigVar = ConfigVar::secret(
    "GITHUB_WEBHOOK_SECRET",
    "Secret verifying X-Hub-Signature-256 of inbound webhooks",
);
pub const GITHUB_APP_ID: ConfigVar =
    ConfigVar::new("GITHUB_APP_ID", "GitHub App id (instead of GITHUB_TOKEN)");
pub const GITHUB_PRIVATE_KEY_PATH: ConfigVar = ConfigVar::new(
    "GITHUB_PRIVATE_KEY_PATH",
    "GitHub App private key (PEM) path",
);
pub const GITHUB_APP_INSTALLATION_ID: ConfigVar =
    ConfigVar::new("GITHUB_APP_INSTALLATION_ID", "GitHub App installation id");
pub const GITHUB_API_URL: ConfigVar = ConfigVar::new(
    "GITHUB_API_URL",
    "REST API base URL (GitHub Enterprise Server: https://HOST/api/v3)",
)
.with_default("https://api.github.com");

/// Every variable this bridge reads.
pub const VARS: &[ConfigVar] = &[
    GITHUB_TOKEN,
    GITHUB_WEBHOOK_SECRET,
    GITHUB_APP_ID,
    GITHUB_PRIVATE_KEY_PATH,
    GITHUB_APP_INSTALLATION_ID,
    GITHUB_API_URL,
];

/// Any one complete set is enough.
pub const CREDENTIALS: Credentials = Credentials(&[
    &[&GITHUB_TOKEN],
    &[
        &GITHUB_APP_ID,
        &GITHUB_PRIVATE_KEY_PATH,
        &GITHUB_APP_INSTALLATION_ID,
    ],
]);

/// The seed's `github.enterprise` actions, in the seed's order.
const ENTERPRISE_ACTIONS: &[&str] = &[
    "create_issue",
    "create_pr",
    "merge_pr",
    "add_comment",
    "assign_reviewers",
    "create_release",
    "manage_labels",
    "sync_projects",
    "run_workflow",
    "get_metrics",
];

pub fn bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    let api_url = settings.url(&GITHUB_API_URL)?;
    let mut builder = Bridge::builder(NAME, "github", PORT, settings)
        .description("GitHub: issues, pull requests, releases, workflows, metrics")
        .vars(VARS)
        .credentials(CREDENTIALS)
        .authentication(serde_json::json!({"type": "bearer", "credential": "GITHUB_TOKEN or GitHub App installation token"}))
        // POST /webhooks/github: X-Hub-Signature-256 verified, events to the orchestrator.
        .webhook(Source::GitHub, &GITHUB_WEBHOOK_SECRET);
    let credential = credential(&builder, settings, &api_url)?;
    // GitHub's primary limit: 5,000 requests per hour per user token (installations may
    // get more; configuration can raise it). Secondary limits arrive as headers.
    let rest = builder.upstream(
        UpstreamConfig::new("github", api_url.as_str())
            .credential(credential.clone())
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", github::api_version(&api_url))
            .rate_limit(RateLimit::per_hour(5000))
            .pool(20),
    )?;
    // GraphQL (Projects v2 only) lives outside the REST base on Enterprise Server, and
    // GitHub meters it separately (5,000 points per hour), so it is its own upstream.
    let graphql = builder.upstream(
        UpstreamConfig::new("github_graphql", github::graphql_url(&api_url))
            .credential(credential)
            .header("accept", "application/json")
            .rate_limit(RateLimit::per_hour(5000))
            .pool(4),
    )?;
    let client = github::GitHub::new(rest, graphql);
    builder
        .tool(create_issue::CreateIssue::new(client.clone()))
        .tool(create_pr::CreatePr::new(client.clone()))
        .tool(merge_pr::MergePr::new(client.clone()))
        .tool(add_comment::AddComment::new(client.clone()))
        .tool(assign_reviewers::AssignReviewers::new(client.clone()))
        .tool(create_release::CreateRelease::new(client.clone()))
        .tool(manage_labels::ManageLabels::new(client.clone()))
        .tool(sync_projects::SyncProjects::new(client.clone()))
        .tool(run_workflow::RunWorkflow::new(client.clone()))
        .tool(get_metrics::GetMetrics::new(client.clone()))
        .tool(get_pull_request_diff::GetPullRequestDiff::new(client.clone()))
        .tool(get_pr_files::GetPrFiles::new(client.clone()))
        .tool(create_review_comment::CreateReviewComment::new(client))
        .multiplexer(
            "enterprise",
            "GitHub Enterprise",
            "GitHub development workflow actions through one tool: create issues and pull requests, merge, comment, request reviewers, publish releases, manage labels, add items to Projects, run Actions workflows and gather repository metrics. Choose the operation with `action`; each action is also its own tool with the same arguments.",
            ENTERPRISE_ACTIONS,
        )
        .build()
}

/// The credential every GitHub call carries: a token, else a GitHub App installation,
/// else none (tools then answer "not configured" naming `GITHUB_TOKEN`).
fn credential(
    builder: &bridge_kit::BridgeBuilder,
    settings: &Settings,
    api_url: &str,
) -> Result<Credential, ConfigError> {
    if let Some(token) = settings.secret(&GITHUB_TOKEN) {
        return Ok(Credential::Bearer(token));
    }
    let (Some(app_id), Some(key_path), Some(installation_id)) = (
        settings.get(&GITHUB_APP_ID),
        settings.get(&GITHUB_PRIVATE_KEY_PATH),
        settings.get(&GITHUB_APP_INSTALLATION_ID),
    ) else {
        return Ok(Credential::None);
    };
    // Read once at start-up: a missing or unreadable key is a configuration error now,
    // not a surprise on the first call. The path is named; the content never is.
    let pem = std::fs::read_to_string(key_path.trim()).map_err(|error| {
        ConfigError::new(&GITHUB_PRIVATE_KEY_PATH, format!("cannot read: {error}"))
    })?;
    if !(pem.contains("-----BEGIN") && pem.contains("PRIVATE KEY-----")) {
        return Err(ConfigError::new(
            &GITHUB_PRIVATE_KEY_PATH,
            "is not a PEM private key (download it from the GitHub App's settings)",
        ));
    }
    let tokens = builder.token_cache(
        "github",
        Grant::GitHubApp {
            api_url: api_url.to_owned(),
            app_id: app_id.trim().to_owned(),
            installation_id: installation_id.trim().to_owned(),
            private_key_pem: pem.into(),
        },
    )?;
    Ok(Credential::OAuth(tokens))
}
