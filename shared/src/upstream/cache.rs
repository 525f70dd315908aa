//! The response cache: GET only, opt-in per call with a TTL. L1 in-process (moka,
//! bounded by bytes), L2 in Redis when configured. Keys include a hash of the credential,
//! so one tenant never sees another's data. Concurrent identical misses make one upstream
//! request (moka's `try_get_with` runs one fetch and hands its result to every waiter).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use moka::Expiry;

use crate::error::ToolError;
use crate::store::Store;

/// Named default TTLs (the seed's §9.2 table).
pub mod ttl {
    use std::time::Duration;
    /// Weather and other slow-changing public data.
    pub const WEATHER: Duration = Duration::from_secs(3600);
    pub const CALENDAR: Duration = Duration::from_secs(300);
    pub const GITHUB_REPOS: Duration = Duration::from_secs(7200);
    pub const USER_PROFILES: Duration = Duration::from_secs(1800);
    /// Official exchange rates of a past date never change.
    pub const PUBLISHED_RATES: Duration = Duration::from_secs(24 * 3600);
}

/// Per-entry overhead counted against the byte budget, so the entry count is bounded too.
const ENTRY_OVERHEAD_BYTES: u32 = 512;

/// A cached vendor answer.
#[derive(Debug, Clone)]
pub struct CachedResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
    /// How long this entry may be served (0: hand to concurrent waiters, then forget).
    pub ttl: Duration,
    pub stored_at: Instant,
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    HitLocal,
    HitShared,
    Miss,
}

impl CacheOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::HitLocal => "hit_l1",
            CacheOutcome::HitShared => "hit_l2",
            CacheOutcome::Miss => "miss",
        }
    }
}

struct PerEntryTtl;

impl Expiry<String, Arc<CachedResponse>> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Arc<CachedResponse>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// The TTL a response allows: ours, shortened by `max-age`, zero for `no-store` /
/// `no-cache` / `private` answers we must not keep.
pub fn allowed_ttl(requested: Duration, cache_control: Option<&str>) -> Duration {
    let Some(header) = cache_control else {
        return requested;
    };
    let mut ttl = requested;
    for directive in header.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" {
            return Duration::ZERO;
        }
        if let Some(seconds) = directive.strip_prefix("max-age=")
            && let Ok(seconds) = seconds.trim_matches('"').parse::<u64>()
        {
            ttl = ttl.min(Duration::from_secs(seconds));
        }
    }
    ttl
}

#[derive(Debug)]
pub struct ResponseCache {
    service: &'static str,
    local: moka::future::Cache<String, Arc<CachedResponse>>,
    store: Option<Arc<Store>>,
}

impl ResponseCache {
    pub fn new(service: &'static str, capacity_bytes: u64, store: Option<Arc<Store>>) -> Self {
        let local = moka::future::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &String, value: &Arc<CachedResponse>| {
                let size = key.len() + value.body.len();
                u32::try_from(size)
                    .unwrap_or(u32::MAX)
                    .saturating_add(ENTRY_OVERHEAD_BYTES)
            })
            .expire_after(PerEntryTtl)
            .build();
        Self {
            service,
            local,
            store,
        }
    }

    /// The cache key: service, credential fingerprint and the full URL, hashed.
    pub fn key(&self, credential_fingerprint: &str, method: &str, url: &str) -> String {
        let digest = super::credential::digest(&[credential_fingerprint, method, url]);
        format!("ordinaut:cache:{}:{digest}", self.service)
    }

    /// The cached answer for `key`, or the result of `fetch` (run once for any number of
    /// concurrent callers). Failures are not cached.
    pub async fn get_or_fetch<F>(
        &self,
        key: &str,
        fetch: F,
    ) -> Result<(Arc<CachedResponse>, CacheOutcome), ToolError>
    where
        F: Future<Output = Result<CachedResponse, ToolError>>,
    {
        if let Some(hit) = self.local.get(key).await {
            return Ok((hit, CacheOutcome::HitLocal));
        }
        let shared_hit = AtomicBool::new(false);
        let ran = AtomicBool::new(false);
        let value = self
            .local
            .try_get_with(key.to_owned(), async {
                ran.store(true, Ordering::Relaxed);
                if let Some(found) = self.shared_get(key).await {
                    shared_hit.store(true, Ordering::Relaxed);
                    return Ok(Arc::new(found));
                }
                let fresh = fetch.await?;
                if !fresh.ttl.is_zero() {
                    self.shared_put(key, &fresh).await;
                }
                Ok::<_, ToolError>(Arc::new(fresh))
            })
            .await
            .map_err(|error: Arc<ToolError>| (*error).clone())?;
        let outcome = if !ran.load(Ordering::Relaxed) {
            // Another caller's fetch answered us.
            CacheOutcome::HitLocal
        } else if shared_hit.load(Ordering::Relaxed) {
            CacheOutcome::HitShared
        } else {
            CacheOutcome::Miss
        };
        Ok((value, outcome))
    }

    async fn shared_get(&self, key: &str) -> Option<CachedResponse> {
        let store = self.store.as_ref()?;
        let key = key.to_owned();
        let (fields, pttl): (Vec<Option<Vec<u8>>>, i64) = store
            .run(|mut connection| async move {
                redis::pipe()
                    .cmd("HMGET")
                    .arg(&key)
                    .arg("status")
                    .arg("content_type")
                    .arg("body")
                    .cmd("PTTL")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await
            })
            .await?;
        let [Some(status), content_type, Some(body)] =
            <[Option<Vec<u8>>; 3]>::try_from(fields).ok()?
        else {
            return None;
        };
        let status = String::from_utf8(status).ok()?.parse().ok()?;
        let ttl = Duration::from_millis(u64::try_from(pttl).ok().filter(|ms| *ms > 0)?);
        Some(CachedResponse {
            status,
            content_type: content_type.and_then(|c| String::from_utf8(c).ok()),
            body: Bytes::from(body),
            ttl,
            stored_at: Instant::now(),
        })
    }

    async fn shared_put(&self, key: &str, response: &CachedResponse) {
        let Some(store) = &self.store else { return };
        let key = key.to_owned();
        let ttl_ms = response.ttl.as_millis().max(1) as u64;
        let status = response.status.to_string();
        let content_type = response.content_type.clone().unwrap_or_default();
        let body = response.body.to_vec();
        let _: Option<()> = store
            .run(|mut connection| async move {
                redis::pipe()
                    .atomic()
                    .hset_multiple(
                        &key,
                        &[
                            ("status", status.into_bytes()),
                            ("content_type", content_type.into_bytes()),
                            ("body", body),
                        ],
                    )
                    .ignore()
                    .pexpire(&key, ttl_ms as i64)
                    .ignore()
                    .query_async::<()>(&mut connection)
                    .await
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_shortens_or_forbids_storage() {
        let ttl = Duration::from_secs(600);
        assert_eq!(allowed_ttl(ttl, None), ttl);
        assert_eq!(
            allowed_ttl(ttl, Some("public, max-age=60")),
            Duration::from_secs(60)
        );
        assert_eq!(allowed_ttl(ttl, Some("max-age=6000")), ttl);
        assert_eq!(allowed_ttl(ttl, Some("no-store")), Duration::ZERO);
        assert_eq!(allowed_ttl(ttl, Some("private, No-Cache")), Duration::ZERO);
    }

    #[test]
    fn keys_differ_by_credential() {
        let cache = ResponseCache::new("svc", 1 << 20, None);
        let a = cache.key("tenant-a", "GET", "https://x/y");
        let b = cache.key("tenant-b", "GET", "https://x/y");
        assert_ne!(a, b);
        assert!(
            !a.contains("tenant-a"),
            "the credential is hashed, not embedded"
        );
    }
}
