//! The whole fleet, in one process, on the embedded default (no Redis, no credentials),
//! and the seed's pipelines run end to end against fake vendors.

mod pipelines;

use bridge_fleet::registry::BRIDGES;
use bridge_kit::Settings;
use bridge_kit::conformance::{McpEra, TestServer};
use serde_json::Value;

#[tokio::test]
async fn every_bridge_starts_unconfigured_and_says_what_it_misses() {
    let settings = Settings::default();
    let mut ports: Vec<u16> = Vec::new();
    for entry in BRIDGES {
        let bridge = (entry.build)(&settings).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        assert_eq!(bridge.port, entry.port);
        ports.push(bridge.port);
        let missing = bridge.missing_credentials();
        let tool_count = bridge.tools.len();
        let server = TestServer::start(bridge, &settings).await;
        let health = reqwest::get(server.url("/health")).await.expect("health");
        assert_eq!(health.status().as_u16(), 200, "{} /health", entry.name);
        let ready = reqwest::get(server.url("/ready")).await.expect("ready");
        let status = ready.status().as_u16();
        let body: Value = ready.json().await.expect("ready JSON");
        match missing {
            Some(missing) => {
                assert_eq!(status, 503, "{} /ready: {body}", entry.name);
                for var in missing {
                    assert!(
                        body.to_string().contains(var),
                        "{} /ready names {var}",
                        entry.name
                    );
                }
            }
            None => assert_eq!(status, 200, "{} /ready: {body}", entry.name),
        }
        let tools: Vec<Value> = reqwest::get(server.url("/tools"))
            .await
            .expect("tools")
            .json()
            .await
            .expect("tools JSON");
        assert_eq!(tools.len(), tool_count);
        let listed = server.mcp(McpEra::Modern).list_tools().await;
        assert_eq!(listed.len(), tool_count, "{} MCP tools/list", entry.name);
    }
    assert_eq!(
        ports,
        (8091..=8102).collect::<Vec<u16>>(),
        "DESIGN.md's ports, in order"
    );
}
