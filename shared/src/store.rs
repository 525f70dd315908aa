//! The optional Redis store shared by the response cache, the rate limiter and the token
//! cache. Every caller treats it as best effort: when Redis is unset, down or slow, the
//! caller falls back to its in-process state, `/ready` says "degraded", and the store
//! reconnects by itself once Redis answers again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// After a failure, Redis is not tried again for this long (calls use the fallback
/// immediately instead of each paying a timeout).
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// A lazily connected, self-healing handle to one Redis server.
pub struct Store {
    client: redis::Client,
    /// `redis://host:port/db` without credentials, for logs and `/ready`.
    display_url: String,
    manager: tokio::sync::Mutex<Option<ConnectionManager>>,
    healthy: AtomicBool,
    /// Milliseconds since `epoch` of the last failure (0: none).
    last_failure_ms: AtomicU64,
    epoch: Instant,
    last_error: Mutex<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.display_url)
            .field("healthy", &self.healthy.load(Ordering::Relaxed))
            .finish()
    }
}

/// What `/ready` reports about Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreStatus {
    Healthy,
    Degraded(String),
}

impl Store {
    /// The process-wide store for `url`: every bridge in the process shares one
    /// connection.
    pub fn shared(url: &str) -> Result<Arc<Store>, String> {
        static STORES: OnceLock<Mutex<HashMap<String, Arc<Store>>>> = OnceLock::new();
        let stores = STORES.get_or_init(|| Mutex::new(HashMap::new()));
        let mut stores = stores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = stores.get(url) {
            return Ok(Arc::clone(store));
        }
        let store = Arc::new(Store::new(url)?);
        stores.insert(url.to_owned(), Arc::clone(&store));
        Ok(store)
    }

    /// A store of its own (tests, benchmarks).
    pub fn new(url: &str) -> Result<Store, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        let info = client.get_connection_info();
        let display_url = format!("redis://{}/{}", info.addr(), info.redis_settings().db());
        Ok(Store {
            client,
            display_url,
            manager: tokio::sync::Mutex::new(None),
            healthy: AtomicBool::new(true),
            last_failure_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            last_error: Mutex::new(String::new()),
        })
    }

    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    /// Runs `op` on a connection. `None` when Redis is unavailable (the caller falls back).
    pub async fn run<T, F, Fut>(&self, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.healthy.load(Ordering::Relaxed) && self.recently_failed() {
            return None;
        }
        let connection = self.connection().await?;
        match op(connection).await {
            Ok(value) => {
                self.mark_healthy();
                Some(value)
            }
            Err(error) => {
                self.mark_failed(&error.to_string());
                None
            }
        }
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        let mut manager = self.manager.lock().await;
        if let Some(connection) = manager.as_ref() {
            return Some(connection.clone());
        }
        if self.recently_failed() {
            return None;
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1);
        match self.client.get_connection_manager_with_config(config).await {
            Ok(connection) => {
                *manager = Some(connection.clone());
                self.mark_healthy();
                Some(connection)
            }
            Err(error) => {
                self.mark_failed(&error.to_string());
                None
            }
        }
    }

    fn recently_failed(&self) -> bool {
        let last = self.last_failure_ms.load(Ordering::Relaxed);
        last != 0 && self.now_ms().saturating_sub(last) < RETRY_AFTER_FAILURE.as_millis() as u64
    }

    fn now_ms(&self) -> u64 {
        (self.epoch.elapsed().as_millis() as u64).max(1)
    }

    fn mark_healthy(&self) {
        if !self.healthy.swap(true, Ordering::Relaxed) {
            tracing::info!(redis = %self.display_url, "redis is back: shared state in use again");
        }
    }

    fn mark_failed(&self, error: &str) {
        self.last_failure_ms.store(self.now_ms(), Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = error.to_owned();
        if self.healthy.swap(false, Ordering::Relaxed) {
            tracing::warn!(redis = %self.display_url, %error, "redis unavailable: falling back to in-process state");
        }
    }

    /// Pings Redis (bounded by the response timeout) and reports.
    pub async fn status(&self) -> StoreStatus {
        let pong: Option<String> = self
            .run(|mut c| async move { redis::cmd("PING").query_async(&mut c).await })
            .await;
        match pong {
            Some(_) => StoreStatus::Healthy,
            None => {
                let error = self
                    .last_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                StoreStatus::Degraded(format!(
                    "{} unreachable ({error}); using in-process fallback",
                    self.display_url
                ))
            }
        }
    }

    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }
}
