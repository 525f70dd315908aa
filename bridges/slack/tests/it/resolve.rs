//! `#name` channels through `conversations.list` (two pages, then the cache) and users
//! by e-mail through `users.lookupByEmail` (once, then the cache).

use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{query_param, query_param_is_missing};

use crate::fake::{body, failure, get, ok, post, requests_to, serve};
use crate::spec::assert_conforms;

const CURSOR: &str = "dGVhbTpDMDYxRkE1UEI=";

async fn two_pages(fake: &MockServer) {
    let listing = || {
        get("conversations.list")
            .and(query_param("types", "public_channel,private_channel"))
            .and(query_param("exclude_archived", "true"))
            .and(query_param("limit", "200"))
    };
    listing()
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(json!({
            "channels": [
                {"id": "C0GENERAL", "name": "general"},
                {"id": "C0RANDOM1", "name": "random"}
            ],
            "response_metadata": {"next_cursor": CURSOR}
        })))
        .mount(fake)
        .await;
    listing()
        .and(query_param("cursor", CURSOR))
        .respond_with(ok(json!({
            "channels": [{"id": "C0STANDUP", "name": "daily-standup"}],
            "response_metadata": {"next_cursor": ""}
        })))
        .mount(fake)
        .await;
    post("pins.add")
        .respond_with(ok(json!({})))
        .mount(fake)
        .await;
}

#[tokio::test]
async fn names_resolve_across_pages_and_are_cached() {
    let fake = MockServer::start().await;
    two_pages(&fake).await;
    let server = serve(&fake).await;
    let pin = |channel: &str| json!({"channel": channel, "timestamp": "1714800000.000100"});

    let (status, body_out) = server.call("pin_message", &pin("#daily-standup")).await;
    assert_eq!(status, 200, "{body_out}");
    assert_eq!(body_out["channel"], "C0STANDUP");
    let listings = requests_to(&fake, "conversations.list").await;
    assert_eq!(listings.len(), 2, "both pages were read");
    for listing in &listings {
        assert_conforms(listing);
    }
    let pins = requests_to(&fake, "pins.add").await;
    assert_eq!(body(&pins[0])["channel"], "C0STANDUP");

    // The same name again, another name from the first page, and a bare name: no
    // listing, the cache answers.
    for (channel, id) in [
        ("#daily-standup", "C0STANDUP"),
        ("#general", "C0GENERAL"),
        ("random", "C0RANDOM1"),
    ] {
        let (status, body_out) = server.call("pin_message", &pin(channel)).await;
        assert_eq!(status, 200, "{body_out}");
        assert_eq!(body_out["channel"], id);
    }
    assert_eq!(requests_to(&fake, "conversations.list").await.len(), 2);
}

#[tokio::test]
async fn unknown_names_are_not_found_without_relisting_every_time() {
    let fake = MockServer::start().await;
    two_pages(&fake).await;
    let server = serve(&fake).await;
    let args = json!({"channel": "#no-such-channel", "timestamp": "1.2"});
    let (status, body_out) = server.call("pin_message", &args).await;
    assert_eq!(status, 404, "{body_out}");
    assert!(
        body_out["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("#no-such-channel"),
        "{body_out}"
    );
    let (status, _) = server.call("pin_message", &args).await;
    assert_eq!(status, 404);
    // One complete listing (two pages) for both misses; Slack was never asked to pin.
    assert_eq!(requests_to(&fake, "conversations.list").await.len(), 2);
    assert!(requests_to(&fake, "pins.add").await.is_empty());
}

#[tokio::test]
async fn a_created_channel_is_known_by_name_at_once() {
    let fake = MockServer::start().await;
    two_pages(&fake).await;
    post("conversations.create")
        .respond_with(ok(
            json!({"channel": {"id": "C0INCIDENT", "name": "incident-42", "is_private": false}}),
        ))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let (status, _) = server
        .call("create_channel", &json!({"name": "incident-42"}))
        .await;
    assert_eq!(status, 200);
    let (status, body_out) = server
        .call(
            "pin_message",
            &json!({"channel": "#incident-42", "timestamp": "1.2"}),
        )
        .await;
    assert_eq!(status, 200, "{body_out}");
    assert_eq!(body_out["channel"], "C0INCIDENT");
    assert!(requests_to(&fake, "conversations.list").await.is_empty());
}

#[tokio::test]
async fn emails_are_looked_up_once() {
    let fake = MockServer::start().await;
    get("users.lookupByEmail")
        .and(query_param("email", "ana@example.com"))
        .respond_with(ok(json!({"user": {"id": "U0ANA0001", "name": "ana"}})))
        .mount(&fake)
        .await;
    get("users.lookupByEmail")
        .and(query_param("email", "ghost@example.com"))
        .respond_with(failure("users_not_found"))
        .mount(&fake)
        .await;
    post("conversations.invite")
        .respond_with(ok(json!({"channel": {"id": "C0123ABCD"}})))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let args = json!({"channel": "C0123ABCD", "users": ["ana@example.com"]});
    for _ in 0..2 {
        let (status, out) = server.call("invite_users", &args).await;
        assert_eq!(status, 200, "{out}");
        assert_eq!(out["users"], json!(["U0ANA0001"]));
    }
    let lookups = requests_to(&fake, "users.lookupByEmail").await;
    assert_eq!(lookups.len(), 1, "the second call used the cache");
    assert_conforms(&lookups[0]);

    let args = json!({"channel": "C0123ABCD", "users": ["U0ANA0001", "ghost@example.com"]});
    let (status, out) = server.call("invite_users", &args).await;
    assert_eq!(status, 404, "{out}");
    assert!(
        out["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("users_not_found")
    );

    let args = json!({"channel": "C0123ABCD", "users": ["U0ANA0001", "@bob"]});
    let (status, out) = server.call("invite_users", &args).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["error"]["violations"][0]["path"], "/users/1");
    // Neither failure reached conversations.invite.
    assert_eq!(requests_to(&fake, "conversations.invite").await.len(), 2);
}

#[tokio::test]
async fn a_channel_slack_no_longer_knows_is_forgotten_and_listed_again() {
    let fake = MockServer::start().await;
    get("conversations.list")
        .respond_with(ok(
            json!({"channels": [{"id": "C0OLDALERT", "name": "alerts"}]}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fake)
        .await;
    get("conversations.list")
        .respond_with(ok(
            json!({"channels": [{"id": "C0NEWALERT", "name": "alerts"}]}),
        ))
        .mount(&fake)
        .await;
    post("pins.add")
        .and(wiremock::matchers::body_partial_json(
            json!({"channel": "C0OLDALERT"}),
        ))
        .respond_with(failure("channel_not_found"))
        .mount(&fake)
        .await;
    post("pins.add")
        .respond_with(ok(json!({})))
        .mount(&fake)
        .await;
    let server = serve(&fake).await;
    let args = json!({"channel": "#alerts", "timestamp": "1.2"});
    let (status, out) = server.call("pin_message", &args).await;
    assert_eq!(status, 404, "{out}");
    // The stale ID was dropped: the next call lists again (despite the fresh listing)
    // and finds the new channel.
    let (status, out) = server.call("pin_message", &args).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["channel"], "C0NEWALERT");
    assert_eq!(requests_to(&fake, "conversations.list").await.len(), 2);
}
