//! bridge-kit's server over real HTTP: auth, limits, errors, metrics, MCP transport
//! security, shutdown. Tools here are small test doubles of real tools.

mod support;
mod upstream;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bridge_kit::conformance::{Conformance, McpClient, McpEra, TestServer};
use bridge_kit::server::{self, ServerOptions};
use bridge_kit::{
    Bridge, ConfigError, ConfigVar, CostTier, Credentials, Hints, Settings, Tool, ToolContext,
    ToolError, ToolSpec,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const TEST_TOKEN: ConfigVar = ConfigVar::secret("KIT_TEST_TOKEN", "credential of the test vendor");
const VARS: &[ConfigVar] = &[TEST_TOKEN];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EchoArgs {
    /// Text to echo back.
    #[schemars(length(min = 1, max = 20))]
    text: String,
    /// How many times.
    #[serde(default)]
    #[schemars(range(min = 1, max = 3))]
    times: Option<u8>,
}

#[derive(Debug, Serialize, JsonSchema)]
struct EchoOutput {
    echoed: String,
    request_id: String,
}

#[derive(Debug)]
struct Echo;

impl Tool for Echo {
    type Args = EchoArgs;
    type Output = EchoOutput;
    const SPEC: ToolSpec = ToolSpec {
        name: "echo",
        title: "Echo",
        description: "Echoes its text.",
        scopes: &["kit.read"],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(5),
        hints: Hints::READ,
        needs_credentials: true,
    };
    async fn call(&self, ctx: &ToolContext, args: EchoArgs) -> Result<EchoOutput, ToolError> {
        Ok(EchoOutput {
            echoed: args.text.repeat(usize::from(args.times.unwrap_or(1))),
            request_id: ctx.request_id.clone(),
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SleepArgs {
    /// Milliseconds to sleep.
    millis: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
struct SleepOutput {
    slept_ms: u64,
}

#[derive(Debug)]
struct Sleep;

impl Tool for Sleep {
    type Args = SleepArgs;
    type Output = SleepOutput;
    const SPEC: ToolSpec = ToolSpec {
        name: "sleep",
        title: "Sleep",
        description: "Sleeps, to exercise deadlines and draining.",
        scopes: &["kit.write"],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(1),
        hints: Hints::UPDATE,
        needs_credentials: false,
    };
    async fn call(&self, _ctx: &ToolContext, args: SleepArgs) -> Result<SleepOutput, ToolError> {
        tokio::time::sleep(Duration::from_millis(args.millis)).await;
        Ok(SleepOutput {
            slept_ms: args.millis,
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Debug)]
struct Explode;

impl Tool for Explode {
    type Args = NoArgs;
    type Output = SleepOutput;
    const SPEC: ToolSpec = ToolSpec {
        name: "explode",
        title: "Explode",
        description: "Panics, to prove no panic reaches a client.",
        scopes: &[],
        cost_tier: CostTier::Low,
        timeout: Duration::from_secs(1),
        hints: Hints::READ,
        needs_credentials: false,
    };
    #[allow(clippy::panic)]
    async fn call(&self, _ctx: &ToolContext, _args: NoArgs) -> Result<SleepOutput, ToolError> {
        panic!("secret-internal-detail")
    }
}

fn kit_bridge(settings: &Settings) -> Result<Bridge, ConfigError> {
    Bridge::builder("kittest", "kit-test", 18_000, settings)
        .description("bridge-kit test bridge")
        .vars(VARS)
        .credentials(Credentials(&[&[&TEST_TOKEN]]))
        .tool(Echo)
        .tool(Sleep)
        .tool(Explode)
        .multiplexer(
            "enterprise",
            "Kit (all actions)",
            "Echo or sleep, by action.",
            &["echo", "sleep"],
        )
        .build()
}

fn configured() -> Settings {
    Settings::from_pairs([("KIT_TEST_TOKEN", "t0ken")])
}

async fn serve(settings: Settings) -> TestServer {
    let bridge = kit_bridge(&settings).expect("builds");
    TestServer::start(bridge, &settings).await
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn conformance() {
    Conformance::new(kit_bridge)
        .settings(configured())
        .sample("echo", json!({"text": "hi", "times": 2}))
        .sample("echo", json!({"text": 5}))
        .sample("sleep", json!({"millis": 1}))
        .sample("explode", json!({}))
        .sample("enterprise", json!({"action": "echo", "text": "hi"}))
        .sample("enterprise", json!({"action": "echo", "text": 5}))
        .sample("enterprise", json!({"action": "nope"}))
        .run()
        .await;
}

#[tokio::test]
async fn every_violation_is_reported_with_its_path() {
    let server = serve(configured()).await;
    let (status, body) = server
        .call("echo", &json!({"text": "", "times": 9, "extra": true}))
        .await;
    assert_eq!(status, 422, "{body}");
    let paths: Vec<&str> = body["error"]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["path"].as_str())
        .collect();
    assert_eq!(paths.len(), 3, "{body}");
    for expected in ["/text", "/times", "/extra"] {
        assert!(paths.contains(&expected), "{expected} in {paths:?}");
    }
    assert!(
        body["error"]["violations"]
            .to_string()
            .contains("allowed: text, times")
    );
    let (status, body) = server.call("echo", &json!({})).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("text"),
        "{body}"
    );
}

#[tokio::test]
async fn the_multiplexer_runs_the_direct_tools_with_their_own_rules() {
    let server = serve(configured()).await;
    let (status, body) = server
        .call(
            "enterprise",
            &json!({"action": "echo", "text": "ab", "times": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["echoed"], "abab");
    let (status, body) = server
        .call("enterprise", &json!({"action": "sleep", "text": "x"}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("millis"),
        "the sleep tool's own rules apply: {body}"
    );
    let (status, body) = server.call("enterprise", &json!({"text": "x"})).await;
    assert_eq!(status, 422, "action is required: {body}");
    let entry = server.bridge.tool("enterprise").expect("door");
    assert_eq!(entry.spec.scopes, &["kit.read", "kit.write"]);
    assert_eq!(
        entry.input_schema["properties"]["action"]["enum"],
        json!(["echo", "sleep"])
    );
    assert!(!entry.spec.hints.read_only);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let server = serve(configured()).await;
    let response = http()
        .post(server.url("/tools/echo"))
        .header("x-request-id", "pipeline-42-step-3")
        .json(&json!({"text": "a"}))
        .send()
        .await
        .expect("call");
    assert_eq!(response.headers()["x-request-id"], "pipeline-42-step-3");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["request_id"], "pipeline-42-step-3",
        "tools see the request id"
    );
    let response = http()
        .post(server.url("/tools/echo"))
        .header("x-request-id", "bad id with spaces")
        .json(&json!({}))
        .send()
        .await
        .expect("call");
    let generated = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(generated.len(), 36, "a UUID replaces an unusable id");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["request_id"], generated.as_str());
}

#[tokio::test]
async fn a_panicking_tool_answers_500_without_details_and_the_server_lives_on() {
    let server = serve(configured()).await;
    let (status, body) = server.call("explode", &json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["code"], "internal");
    assert!(
        !body.to_string().contains("secret-internal-detail"),
        "{body}"
    );
    let (status, _) = server.call("echo", &json!({"text": "still here"})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_call_past_its_deadline_answers_504() {
    let server = serve(configured()).await;
    let (status, body) = server.call("sleep", &json!({"millis": 3000})).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
    assert_eq!(body["error"]["retryable"], true);
}

#[tokio::test]
async fn unconfigured_bridges_start_and_say_what_is_missing() {
    let server = serve(Settings::default()).await;
    let (status, body) = server.call("echo", &json!({"text": "x"})).await;
    assert_eq!(status, 503);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("KIT_TEST_TOKEN")
    );
    // A tool without credentials still works.
    let (status, _) = server.call("sleep", &json!({"millis": 1})).await;
    assert_eq!(status, 200);
    let ready = http()
        .get(server.url("/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status().as_u16(), 503);
    let ready: Value = ready.json().await.expect("json");
    assert_eq!(ready["checks"][0]["name"], "configuration");
    assert!(
        ready["checks"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("KIT_TEST_TOKEN")
    );
    let health = http()
        .get(server.url("/health"))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);
    let configured = serve(configured()).await;
    let ready = http()
        .get(configured.url("/ready"))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status().as_u16(), 200);
}

#[tokio::test]
async fn body_limit_is_configurable() {
    let server = serve(configured().with("BRIDGE_MAX_BODY_BYTES", "64")).await;
    let (status, body) = server.call("echo", &json!({"text": "x".repeat(100)})).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["details"]["limit_bytes"], 64);
}

#[tokio::test]
async fn unknown_routes_answer_json_404() {
    let server = serve(configured()).await;
    let response = http().get(server.url("/nope")).send().await.expect("get");
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn metrics_count_calls_by_outcome_with_a_histogram() {
    let server = serve(configured()).await;
    server.call("echo", &json!({"text": "a"})).await;
    server.call("echo", &json!({"text": "b"})).await;
    server.call("echo", &json!({"bad": 1})).await;
    let text = http()
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains(r#"bridge_tool_calls_total{bridge="kittest",tool="echo",outcome="ok"} 2"#),
        "{text}"
    );
    assert!(text.contains(
        r#"bridge_tool_calls_total{bridge="kittest",tool="echo",outcome="invalid_arguments"} 1"#
    ));
    assert!(
        text.contains(
            r#"bridge_tool_duration_seconds_bucket{le="0.005",bridge="kittest",tool="echo"}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"bridge_http_requests_total{bridge="kittest",method="POST",route="/tools/{tool}",status="200"} 2"#), "{text}");
}

mod auth {
    use super::*;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};

    fn token(key: &EncodingKey, algorithm: Algorithm, scope: &str, exp_offset: i64) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        jsonwebtoken::encode(
            &Header::new(algorithm),
            &json!({"sub": "ordinaut", "scope": scope, "exp": now + exp_offset}),
            key,
        )
        .expect("encode")
    }

    async fn post(
        server: &TestServer,
        tool: &str,
        auth: Option<(&str, &str)>,
        body: Value,
    ) -> (u16, Value) {
        let mut request = http()
            .post(server.url(&format!("/tools/{tool}")))
            .json(&body);
        if let Some((name, value)) = auth {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("call");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn api_keys_guard_tools_but_not_probes() {
        let server = serve(configured().with("BRIDGE_API_KEYS", "k-one, k-two")).await;
        let args = json!({"text": "x"});
        let response = http()
            .post(server.url("/tools/echo"))
            .json(&args)
            .send()
            .await
            .expect("call");
        assert_eq!(response.status().as_u16(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(
            post(
                &server,
                "echo",
                Some(("authorization", "Bearer nope")),
                args.clone()
            )
            .await
            .0,
            401
        );
        assert_eq!(
            post(
                &server,
                "echo",
                Some(("authorization", "Bearer k-two")),
                args.clone()
            )
            .await
            .0,
            200
        );
        assert_eq!(
            post(&server, "echo", Some(("x-api-key", "k-one")), args.clone())
                .await
                .0,
            200
        );
        for probe in ["/health", "/ready", "/metrics"] {
            let status = http()
                .get(server.url(probe))
                .send()
                .await
                .expect("probe")
                .status();
            assert_eq!(status.as_u16(), 200, "{probe} stays open");
        }
        let (status, _) = server
            .mcp(McpEra::Modern)
            .request("tools/list", json!({}), None)
            .await;
        assert_eq!(status, 401, "/mcp is guarded too");
        let client = server.mcp(McpEra::Modern).with_bearer("k-one");
        assert_eq!(client.list_tools().await.len(), 4);
    }

    #[tokio::test]
    async fn hs256_tokens_must_cover_the_tool_scopes() {
        let server = serve(configured().with("JWT_SECRET_KEY", "hs-secret")).await;
        let key = EncodingKey::from_secret(b"hs-secret");
        let reader = token(&key, Algorithm::HS256, "kit.read other", 300);
        let bearer = format!("Bearer {reader}");
        let (status, _) = post(
            &server,
            "echo",
            Some(("authorization", &bearer)),
            json!({"text": "x"}),
        )
        .await;
        assert_eq!(status, 200);
        let (status, body) = post(
            &server,
            "sleep",
            Some(("authorization", &bearer)),
            json!({"millis": 1}),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["details"]["missing_scope"], "kit.write");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("kit.write")
        );
        // Over MCP the same refusal is an isError result.
        let client = server.mcp(McpEra::Modern).with_bearer(reader.clone());
        let response = client
            .call_tool("kit_test_sleep", &json!({"millis": 1}))
            .await;
        assert_eq!(response["result"]["isError"], true, "{response}");
        assert_eq!(
            bridge_kit::conformance::mcp_error(&response)["error"]["code"],
            "forbidden"
        );
        let expired = token(&key, Algorithm::HS256, "kit.read", -3600);
        let (status, _) = post(
            &server,
            "echo",
            Some(("authorization", &format!("Bearer {expired}"))),
            json!({"text": "x"}),
        )
        .await;
        assert_eq!(status, 401);
        let forged = token(
            &EncodingKey::from_secret(b"other"),
            Algorithm::HS256,
            "kit.read",
            300,
        );
        let (status, _) = post(
            &server,
            "echo",
            Some(("authorization", &format!("Bearer {forged}"))),
            json!({"text": "x"}),
        )
        .await;
        assert_eq!(status, 401);
    }

    #[tokio::test]
    async fn rs256_tokens_verify_against_the_configured_public_key() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let settings = configured().with(
            "JWT_PUBLIC_KEY_PATH",
            format!("{dir}/tests/fixtures/jwt_test_public.pem"),
        );
        let server = serve(settings).await;
        let private =
            std::fs::read(format!("{dir}/tests/fixtures/jwt_test_private.pem")).expect("key");
        let key = EncodingKey::from_rsa_pem(&private).expect("rsa key");
        let good = token(&key, Algorithm::RS256, "kit.read", 300);
        let (status, body) = post(
            &server,
            "echo",
            Some(("authorization", &format!("Bearer {good}"))),
            json!({"text": "x"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let hs = token(
            &EncodingKey::from_secret(b"x"),
            Algorithm::HS256,
            "kit.read",
            300,
        );
        let (status, _) = post(
            &server,
            "echo",
            Some(("authorization", &format!("Bearer {hs}"))),
            json!({"text": "x"}),
        )
        .await;
        assert_eq!(status, 401, "algorithm confusion is refused");
    }
}

#[tokio::test]
async fn mcp_accepts_service_hosts_and_refuses_foreign_hosts_and_origins() {
    let server = serve(configured().with("MCP_ALLOWED_HOSTS", "bridges.internal.example")).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let send = |host: &'static str, origin: Option<&'static str>| {
        let body = body.clone();
        let url = server.url("/mcp");
        async move {
            let mut request = http()
                .post(url)
                .header("host", host)
                .header("accept", "application/json, text/event-stream")
                .json(&body);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send().await.expect("mcp").status().as_u16()
        }
    };
    assert_eq!(
        send("kittest-bridge:8099", None).await,
        200,
        "compose service name"
    );
    assert_eq!(
        send("bridge-kittest", None).await,
        200,
        "Kubernetes Service name"
    );
    assert_eq!(
        send("bridges.internal.example", None).await,
        200,
        "configured host"
    );
    assert_eq!(send("evil.example", None).await, 403, "DNS rebinding host");
    assert_eq!(
        send("localhost", Some("https://evil.example")).await,
        403,
        "foreign origin"
    );
    let open = serve(
        configured()
            .with("MCP_ALLOWED_HOSTS", "*")
            .with("MCP_ALLOWED_ORIGINS", "http://localhost:6274"),
    )
    .await;
    let status = http()
        .post(open.url("/mcp"))
        .header("host", "anything.example")
        .header("origin", "http://localhost:6274")
        .header("accept", "application/json, text/event-stream")
        .json(&body)
        .send()
        .await
        .expect("mcp")
        .status();
    assert_eq!(status.as_u16(), 200);
}

#[tokio::test]
async fn mcp_unknown_tool_is_a_protocol_error_naming_the_tools() {
    let server = serve(configured()).await;
    let client: McpClient = server.mcp(McpEra::Legacy);
    client.initialize().await;
    let response = client.call_tool("kit_test_nope", &json!({})).await;
    assert_eq!(response["error"]["code"], -32602, "{response}");
    assert!(
        response["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("kit_test_echo")
    );
}

#[tokio::test]
async fn shutdown_drains_in_flight_calls() {
    let settings = configured();
    let bridge = Arc::new(kit_bridge(&settings).expect("builds"));
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    let address: SocketAddr = probe.local_addr().expect("addr");
    drop(probe);
    let options = ServerOptions::from_settings(&settings).expect("options");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::serve(
        vec![(bridge, address)],
        options,
        async move {
            let _ = stop_rx.await;
        },
    ));
    let url = format!("http://{address}/tools/sleep");
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let in_flight = tokio::spawn(async move {
        http()
            .post(url)
            .json(&json!({"millis": 700}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop_tx.send(()).expect("signal");
    assert_eq!(
        in_flight
            .await
            .expect("join")
            .expect("in-flight call completes"),
        200
    );
    served.await.expect("join").expect("serve returns cleanly");
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "no longer accepting"
    );
}
