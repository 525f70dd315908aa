//! The conformance suite every bridge runs from its own tests, in one line:
//!
//! ```text
//! Conformance::new(bridge_maib::bridge)
//!     .settings(settings_pointing_at_fakes)
//!     .sample("get_exchange_rates", json!({"date": "2026-04-08"}))
//!     .run()
//!     .await;
//! ```
//!
//! It serves the bridge over real HTTP and checks: the catalog matches the tools; bad
//! input → 422 with violations; unknown tool → 404 naming the tools; malformed JSON → 400;
//! wrong content type → 415; oversized body → 413; missing credentials → 503 naming the
//! variable; REST and MCP (both protocol eras) give the same result for the same call.
//! Also here: [`TestServer`] and [`McpClient`], for bridges' own tests.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::bridge::Bridge;
use crate::catalog::{self, EndpointTemplate};
use crate::config::{ConfigError, Settings};
use crate::server::{self, ServerOptions};

/// A bridge served on `127.0.0.1:<free port>` until dropped.
#[derive(Debug)]
pub struct TestServer {
    pub address: SocketAddr,
    pub bridge: Arc<Bridge>,
    stop: CancellationToken,
}

impl TestServer {
    /// Serves `bridge` with server options read from `settings` (auth, limits).
    pub async fn start(bridge: Bridge, settings: &Settings) -> Self {
        let options = ServerOptions::from_settings(settings).expect("valid server settings");
        let bridge = Arc::new(bridge);
        let stop = CancellationToken::new();
        let app = server::router(Arc::clone(&bridge), &options, stop.child_token());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let address = listener.local_addr().expect("local address");
        let token = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
        });
        Self {
            address,
            bridge,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, path)
    }

    /// `POST /tools/{tool}` with a JSON body: (status, body).
    pub async fn call(&self, tool: &str, arguments: &Value) -> (u16, Value) {
        self.call_as(tool, arguments, None).await
    }

    /// Like [`TestServer::call`], sending `x-request-id` when given.
    pub async fn call_as(
        &self,
        tool: &str,
        arguments: &Value,
        request_id: Option<&str>,
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(self.url(&format!("/tools/{tool}")))
            .json(arguments);
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.expect("REST call");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub fn mcp(&self, era: McpEra) -> McpClient {
        McpClient::new(self.url("/mcp"), era)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Which MCP protocol generation a [`McpClient`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McpEra {
    /// 2026-07-28: stateless, `_meta` on every request, no `initialize`.
    Modern,
    /// 2025-11-25: `initialize` first.
    Legacy,
}

impl McpEra {
    pub fn version(self) -> &'static str {
        match self {
            McpEra::Modern => "2026-07-28",
            McpEra::Legacy => "2025-11-25",
        }
    }
}

/// A minimal MCP client over Streamable HTTP, speaking raw JSON-RPC, for tests.
#[derive(Debug, Clone)]
pub struct McpClient {
    url: String,
    era: McpEra,
    client: reqwest::Client,
    bearer: Option<String>,
    request_id: Option<String>,
}

impl McpClient {
    pub fn new(url: String, era: McpEra) -> Self {
        Self {
            url,
            era,
            client: reqwest::Client::new(),
            bearer: None,
            request_id: None,
        }
    }

    /// Sends `x-request-id` with every request.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    pub fn with_bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    /// Sends one request; returns (HTTP status, JSON-RPC response object).
    pub async fn request(
        &self,
        method: &str,
        mut params: Value,
        name: Option<&str>,
    ) -> (u16, Value) {
        if self.era == McpEra::Modern {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": self.era.version(),
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "bridge-kit-conformance", "version": "1"},
            });
        }
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", self.era.version())
            .header("mcp-method", method)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
        if let Some(name) = name {
            request = request.header("mcp-name", name);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(id) = &self.request_id {
            request = request.header("x-request-id", id);
        }
        let response = request.send().await.expect("MCP request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `initialize` for the legacy era (a no-op for the modern one).
    pub async fn initialize(&self) {
        if self.era == McpEra::Legacy {
            let (status, body) = self
                .request(
                    "initialize",
                    json!({
                        "protocolVersion": self.era.version(),
                        "capabilities": {},
                        "clientInfo": {"name": "bridge-kit-conformance", "version": "1"}
                    }),
                    None,
                )
                .await;
            assert_eq!(status, 200, "initialize: {body}");
            assert_eq!(
                body["result"]["protocolVersion"],
                self.era.version(),
                "{body}"
            );
        }
    }

    /// `tools/list` → the `tools` array.
    pub async fn list_tools(&self) -> Vec<Value> {
        let (status, body) = self.request("tools/list", json!({}), None).await;
        assert_eq!(status, 200, "tools/list: {body}");
        body["result"]["tools"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("tools/list without tools: {body}"))
    }

    /// `tools/call` → the JSON-RPC response object.
    pub async fn call_tool(&self, name: &str, arguments: &Value) -> Value {
        let (_, body) = self
            .request(
                "tools/call",
                json!({"name": name, "arguments": arguments}),
                Some(name),
            )
            .await;
        body
    }
}

/// The result of a call in a form comparable across REST and MCP: the output, or the
/// error object without its request id.
fn comparable_rest(status: u16, body: &Value) -> Value {
    if status == 200 {
        json!({"ok": body})
    } else {
        json!({"error": without_request_id(&body["error"])})
    }
}

fn comparable_mcp(response: &Value) -> Value {
    let result = &response["result"];
    if result["isError"] == json!(true) {
        assert!(
            result.get("structuredContent").is_none(),
            "isError results carry no structuredContent"
        );
        json!({"error": without_request_id(&mcp_error(response)["error"])})
    } else {
        json!({"ok": result["structuredContent"]})
    }
}

/// The error body of an `isError` result: the JSON in its text block.
pub fn mcp_error(response: &Value) -> Value {
    let text = response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("null");
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn without_request_id(error: &Value) -> Value {
    let mut error = error.clone();
    if let Some(object) = error.as_object_mut() {
        object.remove("request_id");
    }
    error
}

type BuildBridge = fn(&Settings) -> Result<Bridge, ConfigError>;

/// The suite, configured by a bridge's test.
#[derive(Debug)]
pub struct Conformance {
    build: BuildBridge,
    settings: Settings,
    samples: Vec<(&'static str, Value)>,
}

impl Conformance {
    pub fn new(build: BuildBridge) -> Self {
        Self {
            build,
            settings: Settings::default(),
            samples: Vec::new(),
        }
    }

    /// Settings under which the bridge is configured (credentials, fake upstream URLs).
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// A call to compare across REST and MCP. Every tool needs at least one.
    pub fn sample(mut self, tool: &'static str, arguments: Value) -> Self {
        self.samples.push((tool, arguments));
        self
    }

    /// Runs every check; panics with the first failure.
    pub async fn run(self) {
        let bridge = (self.build)(&self.settings).expect("bridge builds from the test settings");
        let expected_catalog = catalog::entries(&bridge, &EndpointTemplate::default());
        let tool_names: Vec<&'static str> = bridge.tool_names();
        for name in &tool_names {
            assert!(
                self.samples.iter().any(|(tool, _)| tool == name),
                "conformance: give a sample call for tool {name}"
            );
        }
        for tool in &bridge.tools {
            let schema = &tool.input_schema;
            assert_eq!(
                schema.get("additionalProperties"),
                Some(&json!(false)),
                "{}: arguments must reject unknown fields (#[serde(deny_unknown_fields)])",
                tool.spec.name
            );
            assert_eq!(
                tool.output_schema.get("type"),
                Some(&json!("object")),
                "{}: MCP 2025-11-25 requires an object output schema",
                tool.spec.name
            );
            assert!(
                !tool.spec.description.is_empty(),
                "{}: describe the tool",
                tool.spec.name
            );
        }
        let server = TestServer::start(bridge, &self.settings).await;
        let http = reqwest::Client::new();

        // The catalog over HTTP is the catalog of the types.
        let listed: Value = http
            .get(server.url("/tools"))
            .send()
            .await
            .expect("GET /tools")
            .json()
            .await
            .expect("GET /tools is JSON");
        assert_eq!(
            listed,
            Value::Array(expected_catalog.clone()),
            "GET /tools matches the catalog"
        );

        // MCP listings in both eras carry the same tools and schemas.
        for era in [McpEra::Modern, McpEra::Legacy] {
            let client = server.mcp(era);
            client.initialize().await;
            let tools = client.list_tools().await;
            assert_eq!(
                tools.len(),
                expected_catalog.len(),
                "{era:?} tools/list length"
            );
            for (tool, entry) in tools.iter().zip(&expected_catalog) {
                assert_eq!(tool["name"], entry["mcp"]["name"], "{era:?} MCP name");
                assert_eq!(
                    tool["inputSchema"], entry["input_schema"],
                    "{era:?} inputSchema"
                );
                assert_eq!(
                    tool["outputSchema"], entry["output_schema"],
                    "{era:?} outputSchema"
                );
                assert_eq!(
                    tool["annotations"]["readOnlyHint"],
                    entry["mcp"]["annotations"]["readOnlyHint"],
                    "{era:?} annotations"
                );
            }
        }

        // Unknown tool: 404 naming the tools.
        let (status, body) = server.call("__no_such_tool__", &json!({})).await;
        assert_eq!(status, 404, "unknown tool: {body}");
        assert_eq!(body["error"]["code"], "not_found");
        assert_eq!(body["error"]["details"]["tools"], json!(tool_names));

        for name in &tool_names {
            let path = format!("/tools/{name}");
            // Unknown field: 422 with a violation at its path.
            let (status, body) = server
                .call(name, &json!({"__conformance_unknown__": true}))
                .await;
            assert_eq!(status, 422, "{name} unknown field: {body}");
            let violations = body["error"]["violations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                violations
                    .iter()
                    .any(|v| v["path"] == "/__conformance_unknown__"),
                "{name}: violation names the unknown field: {body}"
            );
            // Arguments that are not an object at all.
            let (status, body) = server.call(name, &json!([1, 2])).await;
            assert_eq!(status, 422, "{name} array arguments: {body}");

            // Malformed JSON: 400.
            let response = http
                .post(server.url(&path))
                .header("content-type", "application/json")
                .body("{\"date\": ")
                .send()
                .await
                .expect("malformed JSON request");
            assert_eq!(response.status().as_u16(), 400, "{name} malformed JSON");
            let body: Value = response.json().await.expect("400 body is JSON");
            assert_eq!(body["error"]["code"], "invalid_json");

            // Wrong content type: 415.
            let response = http
                .post(server.url(&path))
                .header("content-type", "text/plain")
                .body("{}")
                .send()
                .await
                .expect("text/plain request");
            assert_eq!(response.status().as_u16(), 415, "{name} wrong content type");

            // Oversized body, declared and streamed (chunked): 413.
            let big = vec![b' '; 10 * 1024 * 1024];
            let response = http
                .post(server.url(&path))
                .header("content-type", "application/json")
                .body(big.clone())
                .send()
                .await
                .expect("10 MiB request");
            assert_eq!(response.status().as_u16(), 413, "{name} 10 MiB body");
            let chunks = futures::stream::iter(
                big.chunks(64 * 1024)
                    .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
                    .collect::<Vec<_>>(),
            );
            let response = http
                .post(server.url(&path))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(chunks))
                .send()
                .await;
            // The server may answer 413 and close before the client finishes sending.
            if let Ok(response) = response {
                assert_eq!(
                    response.status().as_u16(),
                    413,
                    "{name} chunked 10 MiB body"
                );
            }
        }

        // REST and MCP (both eras) agree, on samples and on bad input.
        let mut calls: Vec<(&str, Value)> = self.samples.clone();
        for name in &tool_names {
            calls.push((name, json!({"__conformance_unknown__": 1})));
        }
        for (index, (name, arguments)) in calls.iter().enumerate() {
            // The same request id on both doors, so even outputs that carry it compare.
            let request_id = format!("conformance-{index}");
            let (status, body) = server.call_as(name, arguments, Some(&request_id)).await;
            let rest = comparable_rest(status, &body);
            let tool = server.bridge.tool(name).expect("sampled tool exists");
            let mcp_name = server.bridge.mcp_name(tool);
            for era in [McpEra::Modern, McpEra::Legacy] {
                let client = server.mcp(era).with_request_id(request_id.clone());
                client.initialize().await;
                let response = client.call_tool(&mcp_name, arguments).await;
                assert_eq!(
                    comparable_mcp(&response),
                    rest,
                    "{name} {arguments}: REST and MCP {era:?} differ"
                );
            }
        }
        drop(server);

        // Without credentials: tools that need them answer 503 naming the variables.
        let bare = (self.build)(&Settings::default()).expect("bridge builds without settings");
        if let Some(missing) = bare.missing_credentials() {
            let needing: Vec<&'static str> = bare
                .tools
                .iter()
                .filter(|t| t.spec.needs_credentials)
                .map(|t| t.spec.name)
                .collect();
            let server = TestServer::start(bare, &Settings::default()).await;
            for name in needing {
                let (status, body) = server.call(name, &json!({})).await;
                assert_eq!(status, 503, "{name} unconfigured: {body}");
                assert_eq!(body["error"]["code"], "not_configured");
                assert_eq!(body["error"]["details"]["missing"], json!(missing));
                let (status, ready) = {
                    let response = reqwest::get(server.url("/ready"))
                        .await
                        .expect("GET /ready");
                    (
                        response.status().as_u16(),
                        response.json::<Value>().await.unwrap_or_default(),
                    )
                };
                assert_eq!(status, 503, "unconfigured /ready: {ready}");
                assert!(
                    ready.to_string().contains(missing[0]),
                    "/ready names {}",
                    missing[0]
                );
            }
        }
    }
}
