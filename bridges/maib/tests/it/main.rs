//! maib bridge against a fake BNM feed over real HTTP.

use bridge_kit::Settings;
use bridge_kit::conformance::{Conformance, McpEra, TestServer};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ValCurs Date="08.04.2026" name="Official exchange rate">
<Valute ID="47"><NumCode>978</NumCode><CharCode>EUR</CharCode><Nominal>1</Nominal><Name>Euro</Name><Value>19.8412</Value></Valute>
<Valute ID="44"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>1</Nominal><Name>US Dollar</Name><Value>17.4597</Value></Valute>
<Valute ID="25"><NumCode>392</NumCode><CharCode>JPY</CharCode><Nominal>100</Nominal><Name>Japanese Yen</Name><Value>10.9277</Value></Valute>
</ValCurs>"#;

const FEED_PATH: &str = "/en/official_exchange_rates";

async fn fake_bnm() -> MockServer {
    let bnm = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(FEED_PATH))
        .and(query_param("get_xml", "1"))
        .and(query_param("date", "08.04.2026"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(FEED, "text/xml; charset=utf-8"))
        .mount(&bnm)
        .await;
    bnm
}

fn settings(bnm: &MockServer) -> Settings {
    Settings::from_pairs([("BNM_RATES_URL", format!("{}{FEED_PATH}", bnm.uri()))])
}

async fn serve(bnm: &MockServer) -> TestServer {
    let settings = settings(bnm);
    let bridge = bridge_maib::bridge(&settings).expect("bridge builds");
    TestServer::start(bridge, &settings).await
}

#[tokio::test]
async fn conformance() {
    let bnm = fake_bnm().await;
    Conformance::new(bridge_maib::bridge)
        .settings(settings(&bnm))
        .sample("get_exchange_rates", json!({"date": "2026-04-08"}))
        .sample(
            "get_exchange_rates",
            json!({"date": "2026-04-08", "currencies": ["jpy", "XAU"]}),
        )
        .sample("get_exchange_rates", json!({"date": "2999-01-01"}))
        .run()
        .await;
}

#[tokio::test]
async fn rates_are_exact_decimals_per_one_unit() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    let (status, body) = server
        .call("get_exchange_rates", &json!({"date": "2026-04-08"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["date"], "2026-04-08");
    assert_eq!(body["base_currency"], "MDL");
    let jpy = &body["rates"][2];
    assert_eq!(jpy["code"], "JPY");
    assert_eq!(jpy["nominal"], 100);
    assert_eq!(jpy["value"], "10.9277");
    assert_eq!(jpy["rate"], "0.109277");
    assert_eq!(body["rates"][0]["rate"], "19.8412");
    assert_eq!(body["missing"], json!([]));
    // What BNM received: exactly one GET with its query format and our identity.
    let requests = bnm.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1);
    let agent = requests[0]
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok());
    assert!(
        agent.is_some_and(|a| a.starts_with("ordinaut-bridges/")),
        "{agent:?}"
    );
    assert!(requests[0].headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn the_seed_envelope_is_accepted() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    let envelope = json!({"params": {"arguments": {"date": "2026-04-08", "currencies": ["EUR"]}}});
    let (status, body) = server.call("get_exchange_rates", &envelope).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rates"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn unpublished_currencies_are_reported_not_dropped() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    let args = json!({"date": "2026-04-08", "currencies": ["usd", "XAU", "XAU"]});
    let (status, body) = server.call("get_exchange_rates", &args).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rates"][0]["code"], "USD");
    assert_eq!(body["missing"], json!(["XAU"]));
}

#[tokio::test]
async fn bad_dates_are_rejected_before_calling_bnm() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    for (args, fragment) in [
        (json!({"date": "2999-01-01"}), "future"),
        (json!({"date": "1990-01-01"}), "predates"),
        (json!({"date": "08.04.2026"}), "date"),
        (json!({"currencies": []}), "less than 1 item"),
    ] {
        let (status, body) = server.call("get_exchange_rates", &args).await;
        assert_eq!(status, 422, "{args}: {body}");
        assert!(
            body["error"]["violations"].to_string().contains(fragment),
            "{args}: {body}"
        );
    }
    assert!(bnm.received_requests().await.expect("recorded").is_empty());
}

#[tokio::test]
async fn bnm_failures_are_classified() {
    let bnm = MockServer::start().await;
    Mock::given(query_param("date", "01.04.2026"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&bnm)
        .await;
    Mock::given(query_param("date", "02.04.2026"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not xml rates</html>"))
        .mount(&bnm)
        .await;
    Mock::given(query_param("date", "03.04.2026"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<ValCurs Date="03.04.2026" name="x"></ValCurs>"#,
            "text/xml",
        ))
        .mount(&bnm)
        .await;
    let server = serve(&bnm).await;
    let cases = [
        ("2026-04-01", 502, "upstream_unavailable", "maintenance"),
        ("2026-04-02", 502, "upstream_unavailable", "unreadable"),
        ("2026-04-03", 404, "not_found", "no rates"),
    ];
    for (date, status, code, fragment) in cases {
        let (got, body) = server
            .call("get_exchange_rates", &json!({ "date": date }))
            .await;
        assert_eq!(got, status, "{date}: {body}");
        assert_eq!(body["error"]["code"], code, "{date}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(fragment),
            "{body}"
        );
        assert_eq!(body["error"]["upstream"]["service"], "bnm", "{body}");
        assert!(body["error"]["request_id"].is_string());
    }
}

#[tokio::test]
async fn mcp_call_returns_structured_content_and_text() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    let client = server.mcp(McpEra::Modern);
    let response = client
        .call_tool(
            "maib_get_exchange_rates",
            &json!({"date": "2026-04-08", "currencies": ["EUR"]}),
        )
        .await;
    let result = &response["result"];
    assert_eq!(result["isError"], false, "{response}");
    assert_eq!(result["structuredContent"]["rates"][0]["value"], "19.8412");
    let text = result["content"][0]["text"].as_str().unwrap_or_default();
    let parsed: serde_json::Value = serde_json::from_str(text).expect("text block is the JSON");
    assert_eq!(parsed, result["structuredContent"]);
}

#[tokio::test]
async fn rates_are_cached_by_date() {
    let bnm = fake_bnm().await;
    let server = serve(&bnm).await;
    for currencies in [json!(["EUR"]), json!(["USD"]), json!(["EUR"])] {
        let args = json!({"date": "2026-04-08", "currencies": currencies});
        let (status, body) = server.call("get_exchange_rates", &args).await;
        assert_eq!(status, 200, "{body}");
    }
    // One document per date, whatever the currency filter.
    assert_eq!(bnm.received_requests().await.expect("recorded").len(), 1);
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            r#"bridge_cache_requests_total{bridge="maib",service="bnm",result="hit_l1"} 2"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"bridge_cache_requests_total{bridge="maib",service="bnm",result="miss"} 1"#
        )
    );
}
