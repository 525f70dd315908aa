//! What every GitHub tool shares: the `owner/name` repository argument, the REST and
//! GraphQL clients, Link-header pagination and path-segment encoding.

use std::borrow::Cow;

use bridge_kit::schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use bridge_kit::upstream::{Call, Response, Upstream, ttl};
use bridge_kit::{ErrorCode, ToolContext, ToolError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::errors;

/// The REST API version we are written against on GitHub.com and GHE.com: GitHub's
/// newest (the OpenAPI description in `shared/specs/github` marks its breaking changes
/// `2026-03-10`). `2022-11-28` stays supported there, but a new integration should not
/// start on the older contract.
pub const API_VERSION: &str = "2026-03-10";

/// The version sent to GitHub Enterprise Server: the one every versioned release (3.9
/// and later) supports; a server answers 400 to a version it does not know. The tools
/// read only fields both versions share, and `run_workflow` takes either dispatch answer.
pub const GHES_API_VERSION: &str = "2022-11-28";

/// The version for a REST base URL: Enterprise Server lives under `https://HOST/api/v3`.
pub(crate) fn api_version(api_url: &str) -> &'static str {
    if api_url.trim_end_matches('/').ends_with("/api/v3") {
        GHES_API_VERSION
    } else {
        API_VERSION
    }
}

/// `owner/name`: letters, digits, `-`, `_`, `.` on both sides of one slash.
const REPOSITORY_PATTERN: &str = r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$";

/// A repository as `owner/name` (e.g. `octo-org/octo-repo`), the seed's `repository`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Repository(String);

impl JsonSchema for Repository {
    // Inline, so every tool's `repository` property is the same schema and the
    // `github.enterprise` door can merge them.
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Repository".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": REPOSITORY_PATTERN,
            "examples": ["octo-org/octo-repo"],
        })
    }
}

impl Repository {
    pub fn new(full_name: impl Into<String>) -> Self {
        Self(full_name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `(owner, name)`, or an invalid-argument error at `/repository`. The schema's
    /// pattern already ran; this also refuses `.` and `..`, which URLs would resolve
    /// as path navigation instead of sending them to GitHub.
    pub fn parts(&self) -> Result<(&str, &str), ToolError> {
        let bad = || {
            ToolError::invalid_argument(
                "/repository",
                format!(
                    "{:?} is not a repository: use \"owner/name\", e.g. \"octo-org/octo-repo\"",
                    self.0
                ),
            )
        };
        let (owner, name) = self.0.split_once('/').ok_or_else(bad)?;
        let valid = |part: &str| {
            !part.is_empty()
                && part.len() <= 100
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        if valid(owner) && valid(name) {
            Ok((owner, name))
        } else {
            Err(bad())
        }
    }

    /// `/repos/{owner}/{name}`: the prefix of every repository endpoint.
    pub fn api_path(&self) -> Result<String, ToolError> {
        let (owner, name) = self.parts()?;
        Ok(format!("/repos/{owner}/{name}"))
    }
}

/// Schema transform for every tool's arguments: an optional field is described exactly as
/// the required field of the same name in another tool (`{"type": "integer"}`, not
/// `["integer", "null"]` with `"default": null`). The `github.enterprise` door merges
/// same-named fields only when their schemas are equal, and "absent" is how an optional
/// argument is left out; `null` is not needed.
pub(crate) fn optional_without_null(schema: &mut Schema) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for property in properties.values_mut() {
        let Some(object) = property.as_object_mut() else {
            continue;
        };
        if object.get("default") == Some(&Value::Null) {
            object.remove("default");
        }
        // `"type": ["string", "null"]` → `"type": "string"`.
        if let Some(Value::Array(types)) = object.get("type") {
            let kept: Vec<Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .cloned()
                .collect();
            let replacement = match kept.as_slice() {
                [one] => one.clone(),
                _ => Value::Array(kept),
            };
            object.insert("type".into(), replacement);
        }
        // `"anyOf": [{"$ref": ...}, {"type": "null"}]` → the `$ref` (optional enums).
        if let Some(Value::Array(options)) = object.get("anyOf") {
            let kept: Vec<Value> = options
                .iter()
                .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
                .cloned()
                .collect();
            if let [Value::Object(only)] = kept.as_slice() {
                let only = only.clone();
                object.remove("anyOf");
                for (key, value) in only {
                    object.entry(key).or_insert(value);
                }
            }
        }
    }
}

/// A user as GitHub embeds it in answers.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Login {
    pub(crate) login: String,
}

/// A label as GitHub embeds it in answers (the field we use).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct LabelAnswer {
    pub(crate) name: String,
}

/// Percent-encodes one URL path segment (label names, workflow file names), so a `/`,
/// space or `?` in a value cannot change which endpoint we call. `None` for `""`, `.`
/// and `..`: URLs resolve those (even encoded) as navigation, so no request can name
/// them.
pub(crate) fn segment(value: &str) -> Option<String> {
    if matches!(value, "" | "." | "..") {
        return None;
    }
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(encoded)
}

/// The GraphQL endpoint for a REST base URL: `https://api.github.com/graphql`, and on
/// Enterprise Server `https://HOST/api/graphql` for `https://HOST/api/v3`.
pub(crate) fn graphql_url(api_url: &str) -> String {
    let base = api_url.trim_end_matches('/');
    match base.strip_suffix("/v3") {
        Some(api) if api.ends_with("/api") => format!("{api}/graphql"),
        _ => format!("{base}/graphql"),
    }
}

/// The target of `rel="next"` in a `Link` header value, if any.
pub(crate) fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let target = target.strip_prefix('<')?.strip_suffix('>')?;
        let is_next = pieces.any(|param| {
            param
                .trim()
                .strip_prefix("rel=")
                .map(|rel| {
                    rel.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r == "next")
                })
                .unwrap_or(false)
        });
        is_next.then(|| target.to_owned())
    })
}

/// Items gathered across pages, and whether the page bound stopped us early.
#[derive(Debug)]
pub(crate) struct Paged<T> {
    pub(crate) items: Vec<T>,
    pub(crate) truncated: bool,
}

/// The GitHub clients every tool holds: REST, and GraphQL for Projects v2.
#[derive(Debug, Clone)]
pub(crate) struct GitHub {
    rest: Upstream,
    graphql: Upstream,
}

impl GitHub {
    pub(crate) fn new(rest: Upstream, graphql: Upstream) -> Self {
        Self { rest, graphql }
    }

    /// One REST call; failures are classified for GitHub, naming `what` (e.g.
    /// "pull request #7 in octo-org/octo-repo").
    pub(crate) async fn call(
        &self,
        ctx: &ToolContext,
        call: Call,
        what: &str,
    ) -> Result<Response, ToolError> {
        self.rest
            .call(ctx, call)
            .await
            .map_err(|error| errors::classify(error, what))
    }

    /// One REST call answered with JSON of type `T`.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        call: Call,
        what: &str,
    ) -> Result<T, ToolError> {
        self.call(ctx, call, what).await?.json()
    }

    /// Follows `rel="next"` links from `first` for at most `max_pages` pages, while
    /// `more` (given each page's items) says the rest may still matter.
    pub(crate) async fn paginate<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        first: Call,
        max_pages: usize,
        what: &str,
        mut more: impl FnMut(&[T]) -> bool,
    ) -> Result<Paged<T>, ToolError> {
        let mut items = Vec::new();
        let mut call = first;
        for _ in 0..max_pages {
            let response = self.call(ctx, call, what).await?;
            let page: Vec<T> = response.json()?;
            let go_on = more(&page);
            items.extend(page);
            let next = response
                .headers
                .get("link")
                .and_then(|value| value.to_str().ok())
                .and_then(next_link);
            match next {
                Some(next) if go_on => call = Call::get(next),
                _ => {
                    return Ok(Paged {
                        items,
                        truncated: false,
                    });
                }
            }
        }
        Ok(Paged {
            items,
            truncated: true,
        })
    }

    /// The repository's default branch (cached: it rarely changes), for calls that
    /// need a branch and were given none.
    pub(crate) async fn default_branch(
        &self,
        ctx: &ToolContext,
        repository: &Repository,
    ) -> Result<String, ToolError> {
        #[derive(Deserialize)]
        struct Repo {
            default_branch: String,
        }
        let call = Call::get(repository.api_path()?).cache(ttl::GITHUB_REPOS);
        let repo: Repo = self
            .json(ctx, call, &format!("repository {}", repository.as_str()))
            .await?;
        Ok(repo.default_branch)
    }

    /// One GraphQL operation; GitHub answers errors with HTTP 200 and an `errors`
    /// array, classified here by their `type`.
    pub(crate) async fn graphql<T: DeserializeOwned>(
        &self,
        ctx: &ToolContext,
        query: &str,
        variables: Value,
        what: &str,
    ) -> Result<T, ToolError> {
        #[derive(Deserialize)]
        struct Answer<T> {
            data: Option<T>,
            #[serde(default)]
            errors: Vec<Value>,
        }
        let call = Call::post("").json(&json!({"query": query, "variables": variables}));
        let response = self
            .graphql
            .call(ctx, call)
            .await
            .map_err(|error| errors::classify(error, what))?;
        let answer: Answer<T> = response.json()?;
        if let Some(first) = answer.errors.first() {
            return Err(errors::graphql(first, &answer.errors, what));
        }
        answer.data.ok_or_else(|| {
            ToolError::upstream(
                ErrorCode::UpstreamUnavailable,
                "github_graphql",
                Some(response.status.as_u16()),
                "GitHub GraphQL answered neither data nor errors",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_split_and_refuse_navigation() {
        let ok = Repository::new("octo-org/octo.repo_1");
        assert_eq!(ok.parts().ok(), Some(("octo-org", "octo.repo_1")));
        for bad in ["octo", "octo/..", "./repo", "a/b/c", "a/b c", "/repo"] {
            let error = Repository::new(bad).parts().expect_err(bad);
            assert_eq!(error.violations()[0].path, "/repository");
        }
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(
            segment("good first issue").as_deref(),
            Some("good%20first%20issue")
        );
        assert_eq!(segment("area/api?x").as_deref(), Some("area%2Fapi%3Fx"));
        assert_eq!(
            segment("release-tests.yml").as_deref(),
            Some("release-tests.yml")
        );
        assert_eq!(segment("ü").as_deref(), Some("%C3%BC"));
        assert_eq!(segment(".."), None);
        assert_eq!(segment(""), None);
    }

    #[test]
    fn next_links_are_found_among_others() {
        let link = r#"<https://api.github.com/repositories/1/pulls?page=3>; rel="next", <https://api.github.com/repositories/1/pulls?page=9>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/repositories/1/pulls?page=3")
        );
        let last = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#;
        assert_eq!(next_link(last), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn enterprise_server_gets_the_version_it_supports() {
        assert_eq!(api_version("https://api.github.com"), API_VERSION);
        assert_eq!(api_version("https://api.octo.ghe.com"), API_VERSION);
        assert_eq!(
            api_version("https://ghe.example.com/api/v3/"),
            GHES_API_VERSION
        );
    }

    #[test]
    fn graphql_lives_beside_the_rest_api() {
        assert_eq!(
            graphql_url("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            graphql_url("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api/graphql"
        );
        assert_eq!(
            graphql_url("http://127.0.0.1:9"),
            "http://127.0.0.1:9/graphql"
        );
    }
}
