//! The `bridge` binary and the fleet's generated artefacts.

use std::path::{Path, PathBuf};
use std::process::Command;

use bridge_fleet::commands;
use bridge_kit::Settings;
use bridge_kit::catalog::EndpointTemplate;
use bridge_kit::conformance::TestServer;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `bridge` with a clean environment plus `env`; (exit code, stdout, stderr).
fn bridge(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_bridge"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run bridge");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn committed_catalogs_match_the_code() {
    let generated = tempfile::tempdir().expect("tempdir");
    commands::write_catalog(generated.path(), &EndpointTemplate::default()).expect("write");
    let committed = repo_root().join("catalogs");
    let list = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        names
    };
    let names = list(generated.path());
    assert_eq!(
        list(&committed),
        names,
        "run `bridge catalog --write catalogs/`"
    );
    for name in names {
        let want = std::fs::read_to_string(generated.path().join(&name)).expect("generated");
        let have = std::fs::read_to_string(committed.join(&name)).expect("committed");
        assert_eq!(
            have, want,
            "catalogs/{name} is stale: run `bridge catalog --write catalogs/`"
        );
    }
}

#[test]
fn env_example_lists_exactly_the_variables_the_code_reads() {
    let committed =
        std::fs::read_to_string(repo_root().join("ops/.env.example")).expect("ops/.env.example");
    assert_eq!(
        committed,
        commands::env_example_text(),
        "run `bridge config env-example > ops/.env.example`"
    );
}

#[test]
fn readme_bridge_table_matches_the_code() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let table = commands::readme_table().expect("table");
    let begin = "<!-- bridges:begin -->\n";
    let end = "<!-- bridges:end -->";
    let start = readme
        .find(begin)
        .expect("README has the bridges:begin marker")
        + begin.len();
    let stop = readme.find(end).expect("README has the bridges:end marker");
    assert_eq!(&readme[start..stop], table, "README bridge table is stale");
}

#[test]
fn list_shows_every_bridge_and_its_port() {
    let (code, out, _) = bridge(&["list"], &[]);
    assert_eq!(code, 0);
    for (name, port) in [("openai", 8091), ("maib", 8099), ("hubspot", 8102)] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(name) && l.contains(&port.to_string())),
            "{out}"
        );
    }
    assert!(out.contains("maib.get_exchange_rates"));
    assert!(out.contains("no (SLACK_BOT_TOKEN)"));
}

#[test]
fn config_check_masks_secrets_and_fails_on_missing_credentials() {
    let (code, out, _) = bridge(
        &["config", "check", "slack"],
        &[("SLACK_SIGNING_SECRET", "sign-me")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("SLACK_BOT_TOKEN") && out.contains("missing SLACK_BOT_TOKEN"),
        "{out}"
    );
    assert!(!out.contains("sign-me"), "secret printed: {out}");
    assert!(out.contains("****"));
    let (code, out, _) = bridge(
        &["config", "check", "slack"],
        &[("SLACK_BOT_TOKEN", "xoxb-very-secret")],
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("xoxb-very-secret"));
    let (code, _, err) = bridge(&["config", "check", "nope"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown bridge"), "{err}");
    let (code, out, _) = bridge(
        &["config", "check", "maib"],
        &[("BRIDGE_MAX_BODY_BYTES", "lots")],
    );
    assert_eq!(code, 1, "an unparsable value fails the check: {out}");
    assert!(out.contains("BRIDGE_MAX_BODY_BYTES"));
}

#[test]
fn config_file_is_read_below_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bridges.toml");
    std::fs::write(
        &file,
        "SLACK_BOT_TOKEN = \"xoxb-from-file\"\nGITHUB_API_URL = \"https://ghe.example/api/v3\"\n",
    )
    .expect("write");
    let path = file.to_string_lossy().into_owned();
    let (code, out, _) = bridge(
        &["config", "check", "slack", "github"],
        &[
            ("BRIDGES_CONFIG", &path),
            ("GITHUB_API_URL", "https://env.example/api/v3"),
        ],
    );
    assert!(out.contains("missing GITHUB_TOKEN"), "{out}");
    assert_eq!(code, 1);
    assert!(
        out.contains("SLACK_BOT_TOKEN                set: ****"),
        "file value used: {out}"
    );
    assert!(
        out.contains("https://env.example/api/v3"),
        "environment wins: {out}"
    );
    let (code, _, err) = bridge(
        &["list"],
        &[("BRIDGES_CONFIG", "/nonexistent/bridges.toml")],
    );
    assert_eq!(code, 1, "a named config file must exist");
    assert!(err.contains("/nonexistent/bridges.toml"), "{err}");
}

#[test]
fn catalog_prints_every_entry_with_the_endpoint_template() {
    let (code, out, _) = bridge(
        &[
            "catalog",
            "--endpoint-template",
            "https://{bridge}.bridges.example",
        ],
        &[],
    );
    assert_eq!(code, 0);
    let entries: Vec<Value> = serde_json::from_str(&out).expect("JSON array");
    let rates = entries
        .iter()
        .find(|e| e["address"] == "maib.get_exchange_rates")
        .expect("maib entry");
    assert_eq!(
        rates["endpoint"],
        "https://maib.bridges.example/tools/get_exchange_rates"
    );
    for key in [
        "transport",
        "input_schema",
        "output_schema",
        "timeout_seconds",
        "scopes",
        "cost_tier",
        "authentication",
        "description",
    ] {
        assert!(rates.get(key).is_some(), "catalog entry has {key}");
    }
}

#[tokio::test]
async fn call_runs_a_tool_in_process() {
    let bnm = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<ValCurs Date="08.04.2026" name="x"><Valute ID="47"><NumCode>978</NumCode><CharCode>EUR</CharCode><Nominal>1</Nominal><Name>Euro</Name><Value>19.8412</Value></Valute></ValCurs>"#,
            "text/xml",
        ))
        .mount(&bnm)
        .await;
    let url = bnm.uri();
    let (code, out, _) = tokio::task::spawn_blocking(move || {
        bridge(
            &[
                "call",
                "maib.get_exchange_rates",
                r#"{"date":"2026-04-08"}"#,
            ],
            &[("BNM_RATES_URL", &url)],
        )
    })
    .await
    .expect("join");
    assert_eq!(code, 0, "{out}");
    let result: Value = serde_json::from_str(&out).expect("JSON result on stdout");
    assert_eq!(result["rates"][0]["rate"], "19.8412");
    let (code, out, _) = bridge(
        &["call", "maib.get_exchange_rates", r#"{"date":"soon"}"#],
        &[],
    );
    assert_eq!(code, 1);
    let error: Value = serde_json::from_str(&out).expect("JSON error on stdout");
    assert_eq!(error["error"]["code"], "invalid_arguments");
    let (code, _, err) = bridge(&["call", "slack.nope", "{}"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("slack has no tool"), "{err}");
}

#[tokio::test]
async fn healthcheck_exits_by_health() {
    let settings = Settings::default();
    let server = TestServer::start(bridge_maib::bridge(&settings).expect("maib"), &settings).await;
    let url = server.url("/health");
    let code = tokio::task::spawn_blocking(move || bridge(&["healthcheck", &url], &[]).0)
        .await
        .expect("join");
    assert_eq!(code, 0);
    let (code, _, _) = bridge(&["healthcheck", "http://127.0.0.1:9/health"], &[]);
    assert_eq!(code, 1);
    let (code, _, err) = bridge(&["healthcheck"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("BRIDGE_TYPE"), "{err}");
}

#[test]
fn serve_refuses_ambiguous_requests_clearly() {
    let (code, _, err) = bridge(&["serve"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("--all"), "{err}");
    let (code, _, err) = bridge(&["serve", "maib", "slack", "--port", "9000"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("single bridge"), "{err}");
    let (code, _, err) = bridge(&["serve", "nope"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown bridge"), "{err}");
}
