//! Upstream client figures: limiter decisions per second (in-process and through Redis),
//! cache-hit latency, and the client's added latency and throughput over plain reqwest
//! against a local upstream.
//!
//! Run: `cargo bench -p bridge-kit --bench upstream` (Redis at REDIS_URL, default
//! redis://127.0.0.1:6379/). Results are recorded in BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bridge_kit::ToolContext;
use bridge_kit::metrics::Metrics;
use bridge_kit::store::Store;
use bridge_kit::upstream::ratelimit::Limiter;
use bridge_kit::upstream::{Call, RateLimit, Upstream, UpstreamConfig};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>, total: Duration) {
    samples.sort();
    let n = samples.len();
    println!(
        "{name:<44} n={n:<7} {:>10.0}/s  p50 {:>8.1} µs  p99 {:>8.1} µs",
        n as f64 / total.as_secs_f64(),
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
    );
}

async fn limiter_bench(name: &str, limiter: Arc<Limiter>, n: usize, concurrency: usize) {
    let limit = RateLimit::new(u32::MAX, Duration::from_secs(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let limiter = Arc::clone(&limiter);
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(n / concurrency);
            let deadline = Instant::now() + Duration::from_secs(600);
            for i in 0..n / concurrency {
                let key = format!("bench-{}", (worker + i) % 16);
                let t = Instant::now();
                limiter
                    .acquire(&key, limit, deadline)
                    .await
                    .expect("admitted");
                samples.push(t.elapsed());
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for task in tasks {
        samples.extend(task.await.expect("join"));
    }
    report(name, samples, started.elapsed());
}

async fn call_bench(
    name: &str,
    n: usize,
    concurrency: usize,
    call: impl Fn() -> tokio::task::JoinHandle<Duration>,
) {
    let started = Instant::now();
    let mut samples = Vec::with_capacity(n);
    let mut in_flight = Vec::new();
    for _ in 0..n {
        in_flight.push(call());
        if in_flight.len() == concurrency {
            for task in in_flight.drain(..) {
                samples.push(task.await.expect("join"));
            }
        }
    }
    for task in in_flight {
        samples.push(task.await.expect("join"));
    }
    report(name, samples, started.elapsed());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
    println!("== limiter decisions (16 keys, never limiting)");
    limiter_bench(
        "limiter in-process, 1 task",
        Arc::new(Limiter::new("bench", None)),
        200_000,
        1,
    )
    .await;
    limiter_bench(
        "limiter in-process, 8 tasks",
        Arc::new(Limiter::new("bench", None)),
        200_000,
        8,
    )
    .await;
    let store = Arc::new(Store::new(&redis_url).expect("REDIS_URL"));
    assert!(
        matches!(
            store.status().await,
            bridge_kit::store::StoreStatus::Healthy
        ),
        "Redis must run at {redis_url}"
    );
    limiter_bench(
        "limiter Redis Lua, 1 task",
        Arc::new(Limiter::new("bench", Some(Arc::clone(&store)))),
        10_000,
        1,
    )
    .await;
    limiter_bench(
        "limiter Redis Lua, 32 tasks",
        Arc::new(Limiter::new("bench", Some(Arc::clone(&store)))),
        50_000,
        32,
    )
    .await;

    // A local upstream: a minimal axum server answering a small JSON body.
    let app = axum::Router::new().route(
        "/item",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"id": 1, "name": "bench"})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let plain = reqwest::Client::new();
    let url = format!("{base}/item");
    let bridge_client = |limit: Option<RateLimit>, store: Option<Arc<Store>>| {
        Upstream::new(
            // As many idle connections as callers, like plain reqwest's unbounded pool: the
            // comparison is of the client's own work, not of connection churn.
            UpstreamConfig::new("bench", base.clone()).pool(64),
            limit,
            store,
            Arc::new(Metrics::new("bench")),
        )
        .expect("upstream")
    };
    let no_limit = bridge_client(None, None);
    let local_limit = bridge_client(Some(RateLimit::new(u32::MAX, Duration::from_secs(1))), None);
    let redis_limit = bridge_client(
        Some(RateLimit::new(u32::MAX, Duration::from_secs(1))),
        Some(Arc::clone(&store)),
    );
    // Warm the pools.
    for _ in 0..200 {
        plain
            .get(&url)
            .send()
            .await
            .expect("warm")
            .bytes()
            .await
            .expect("body");
        no_limit
            .call(
                &ToolContext::new("w", Duration::from_secs(5)),
                Call::get("/item"),
            )
            .await
            .expect("warm");
    }
    for concurrency in [1usize, 32] {
        println!("== GET /item on a local upstream, concurrency {concurrency}");
        let n = 20_000;
        call_bench("plain reqwest", n, concurrency, || {
            let (plain, url) = (plain.clone(), url.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                plain
                    .get(&url)
                    .send()
                    .await
                    .expect("get")
                    .bytes()
                    .await
                    .expect("body");
                t.elapsed()
            })
        })
        .await;
        for (name, client) in [
            ("Upstream::call, no limit", no_limit.clone()),
            ("Upstream::call, in-process limit", local_limit.clone()),
            ("Upstream::call, Redis limit", redis_limit.clone()),
        ] {
            call_bench(name, n, concurrency, || {
                let client = client.clone();
                tokio::spawn(async move {
                    let t = Instant::now();
                    client
                        .call(
                            &ToolContext::new("b", Duration::from_secs(5)),
                            Call::get("/item"),
                        )
                        .await
                        .expect("call");
                    t.elapsed()
                })
            })
            .await;
        }
    }
    println!("== cache hits");
    let cached = bridge_client(None, None);
    cached
        .call(
            &ToolContext::new("w", Duration::from_secs(5)),
            Call::get("/item").cache(Duration::from_secs(600)),
        )
        .await
        .expect("fill");
    call_bench("Upstream::call, L1 cache hit", 100_000, 1, || {
        let client = cached.clone();
        tokio::spawn(async move {
            let t = Instant::now();
            client
                .call(
                    &ToolContext::new("b", Duration::from_secs(5)),
                    Call::get("/item").cache(Duration::from_secs(600)),
                )
                .await
                .expect("hit");
            t.elapsed()
        })
    })
    .await;
    let shared = bridge_client(None, Some(Arc::clone(&store)));
    shared
        .call(
            &ToolContext::new("w", Duration::from_secs(5)),
            Call::get("/item").cache(Duration::from_secs(600)),
        )
        .await
        .expect("fill");
    call_bench("Upstream::call, L2 (Redis) hit, fresh L1", 2_000, 1, || {
        // A new client each time: an empty L1, as on another replica.
        let client = bridge_client(None, Some(Arc::clone(&store)));
        tokio::spawn(async move {
            let t = Instant::now();
            client
                .call(
                    &ToolContext::new("b", Duration::from_secs(5)),
                    Call::get("/item").cache(Duration::from_secs(600)),
                )
                .await
                .expect("hit");
            t.elapsed()
        })
    })
    .await;
}
