//! Sliding-window rate limits per upstream + credential (+ optional per-call scope).
//!
//! The window is a log of admitted requests: "at most N in any period", not a token
//! bucket that admits a burst and then trickles. In-process always; with Redis, one Lua
//! script keeps an exact log shared by every replica (Redis's own clock, unique members,
//! atomic), and the in-process log takes over while Redis is away. Vendor feedback
//! (`Retry-After`, remaining-quota headers) tightens both: a blocked key admits nothing
//! until the vendor's reset.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::ToolError;
use crate::store::Store;

/// At most `requests` in any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub period: Duration,
}

impl RateLimit {
    pub const fn new(requests: u32, period: Duration) -> Self {
        Self { requests, period }
    }

    pub const fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }

    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    pub const fn per_hour(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(3600))
    }
}

/// The outcome of one admission attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Admitted; this many more fit in the current window.
    Admit { remaining: u32 },
    /// Not now; the earliest time a slot frees up.
    Wait(Duration),
}

#[derive(Debug, Default)]
struct Window {
    admitted: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    /// A vendor's remaining quota until a reset, counted down locally.
    budget: Option<(u32, Instant)>,
}

/// The in-process log of every key.
#[derive(Debug, Default)]
pub(crate) struct LocalWindows {
    windows: Mutex<HashMap<String, Window>>,
}

impl LocalWindows {
    pub(crate) fn try_acquire(&self, key: &str, limit: RateLimit, now: Instant) -> Decision {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        // Forget idle keys so the map stays bounded by the keys in use.
        if windows.len() > 10_000 {
            windows.retain(|_, w| {
                w.admitted
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(3600))
            });
        }
        let window = windows.entry(key.to_owned()).or_default();
        if let Some(until) = window.blocked_until {
            if until > now {
                return Decision::Wait(until - now);
            }
            window.blocked_until = None;
        }
        if let Some((remaining, reset)) = window.budget {
            if reset <= now {
                window.budget = None;
            } else if remaining == 0 {
                return Decision::Wait(reset - now);
            }
        }
        while window
            .admitted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.period)
        {
            window.admitted.pop_front();
        }
        if window.admitted.len() < limit.requests as usize {
            window.admitted.push_back(now);
            if let Some((remaining, _)) = window.budget.as_mut() {
                *remaining = remaining.saturating_sub(1);
            }
            Decision::Admit {
                remaining: limit.requests - window.admitted.len() as u32,
            }
        } else {
            let oldest = window.admitted.front().copied().unwrap_or(now);
            Decision::Wait(
                (oldest + limit.period)
                    .saturating_duration_since(now)
                    .max(Duration::from_millis(1)),
            )
        }
    }

    /// How long vendor feedback (a block, a spent budget) holds `key`, if at all.
    pub(crate) fn feedback_wait(&self, key: &str, now: Instant) -> Option<Duration> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.get(key)?;
        let blocked = window.blocked_until.filter(|until| *until > now);
        let spent = window
            .budget
            .filter(|(remaining, reset)| *remaining == 0 && *reset > now)
            .map(|(_, reset)| reset);
        blocked.max(spent).map(|until| until - now)
    }

    /// Counts one admission (made elsewhere, in Redis) against the vendor's budget.
    pub(crate) fn spend_budget(&self, key: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((remaining, _)) = windows.get_mut(key).and_then(|w| w.budget.as_mut()) {
            *remaining = remaining.saturating_sub(1);
        }
    }

    pub(crate) fn block(&self, key: &str, until: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.entry(key.to_owned()).or_default();
        window.blocked_until = Some(window.blocked_until.map_or(until, |t| t.max(until)));
    }

    pub(crate) fn set_budget(&self, key: &str, remaining: u32, reset: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        windows.entry(key.to_owned()).or_default().budget = Some((remaining, reset));
    }
}

/// One atomic step of the distributed log: evict, count, admit or report the wait.
/// KEYS[1] the log (sorted set), KEYS[2] the vendor block; ARGV window ms, limit, member.
const SLIDING_WINDOW_LUA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, 0, blocked} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, 0, wait}
";

/// The limiter of one upstream: the in-process log, and the Redis log when configured.
#[derive(Debug)]
pub struct Limiter {
    service: &'static str,
    local: LocalWindows,
    store: Option<Arc<Store>>,
    script: redis::Script,
    /// Unique members: this process's id and a counter.
    member_prefix: String,
    counter: AtomicU64,
}

impl Limiter {
    pub fn new(service: &'static str, store: Option<Arc<Store>>) -> Self {
        Self {
            service,
            local: LocalWindows::default(),
            store,
            script: redis::Script::new(SLIDING_WINDOW_LUA),
            member_prefix: uuid::Uuid::new_v4().to_string(),
            counter: AtomicU64::new(0),
        }
    }

    fn redis_keys(&self, key: &str) -> (String, String) {
        // One hash tag, so both keys live on the same Redis Cluster slot.
        let log = format!("ordinaut:rl:{{{}:{key}}}", self.service);
        let block = format!("{log}:block");
        (log, block)
    }

    /// One admission attempt: Redis when available, else in-process.
    pub(crate) async fn try_acquire(&self, key: &str, limit: RateLimit) -> Decision {
        if let Some(wait) = self.local.feedback_wait(key, Instant::now()) {
            return Decision::Wait(wait);
        }
        if let Some(store) = &self.store {
            let (log, block) = self.redis_keys(key);
            let member = format!(
                "{}:{}",
                self.member_prefix,
                self.counter.fetch_add(1, Ordering::Relaxed)
            );
            let window_ms = limit.period.as_millis() as u64;
            let script = &self.script;
            let answer: Option<(i64, i64, i64)> = store
                .run(|mut connection| async move {
                    script
                        .key(log)
                        .key(block)
                        .arg(window_ms)
                        .arg(limit.requests)
                        .arg(member)
                        .invoke_async(&mut connection)
                        .await
                })
                .await;
            if let Some((admitted, remaining, wait_ms)) = answer {
                return if admitted == 1 {
                    self.local.spend_budget(key);
                    Decision::Admit {
                        remaining: u32::try_from(remaining).unwrap_or(0),
                    }
                } else {
                    Decision::Wait(Duration::from_millis(
                        u64::try_from(wait_ms).unwrap_or(1).max(1),
                    ))
                };
            }
        }
        self.local.try_acquire(key, limit, Instant::now())
    }

    /// Waits for a slot while `deadline` allows, else fails as rate limited.
    pub async fn acquire(
        &self,
        key: &str,
        limit: RateLimit,
        deadline: Instant,
    ) -> Result<u32, ToolError> {
        loop {
            match self.try_acquire(key, limit).await {
                Decision::Admit { remaining } => return Ok(remaining),
                Decision::Wait(wait) => {
                    if Instant::now() + wait > deadline {
                        return Err(ToolError::rate_limited(
                            format!(
                                "{} rate limit reached ({} per {} s); the next slot frees in {} ms",
                                self.service,
                                limit.requests,
                                limit.period.as_secs_f64(),
                                wait.as_millis()
                            ),
                            wait.as_millis() as u64,
                        )
                        .with_details(serde_json::json!({ "service": self.service })));
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Waits out vendor feedback on `key` (a block, a spent budget) while `deadline`
    /// allows, for upstreams without a configured limit.
    pub async fn hold(&self, key: &str, deadline: Instant) -> Result<(), ToolError> {
        while let Some(wait) = self.local.feedback_wait(key, Instant::now()) {
            if Instant::now() + wait > deadline {
                return Err(ToolError::rate_limited(
                    format!("{} asked us to wait {} ms", self.service, wait.as_millis()),
                    wait.as_millis() as u64,
                )
                .with_details(serde_json::json!({ "service": self.service })));
            }
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// The vendor said to stop for `duration`: nothing is admitted on `key` until then,
    /// in this process and (through Redis) in every replica.
    pub async fn block(&self, key: &str, duration: Duration) {
        self.local.block(key, Instant::now() + duration);
        if let Some(store) = &self.store {
            let (_, block) = self.redis_keys(key);
            let ms = duration.as_millis().max(1) as u64;
            let _: Option<()> = store
                .run(|mut connection| async move {
                    redis::cmd("SET")
                        .arg(block)
                        .arg(1)
                        .arg("PX")
                        .arg(ms)
                        .query_async(&mut connection)
                        .await
                })
                .await;
        }
    }

    /// The vendor reports `remaining` calls until `reset`: spend no more than that here.
    pub fn set_budget(&self, key: &str, remaining: u32, reset_in: Duration) {
        self.local
            .set_budget(key, remaining, Instant::now() + reset_in);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides_instead_of_resetting() {
        let windows = LocalWindows::default();
        let limit = RateLimit::new(3, Duration::from_secs(10));
        let start = Instant::now();
        for i in 0..3 {
            let at = start + Duration::from_secs(i * 3);
            assert!(matches!(
                windows.try_acquire("k", limit, at),
                Decision::Admit { .. }
            ));
        }
        // At t=9 s the window (0, 9] is full; the first slot frees at t=10 s.
        let at = start + Duration::from_secs(9);
        assert_eq!(
            windows.try_acquire("k", limit, at),
            Decision::Wait(Duration::from_secs(1))
        );
        let at = start + Duration::from_secs(10);
        assert!(matches!(
            windows.try_acquire("k", limit, at),
            Decision::Admit { remaining: 0 }
        ));
        // Other keys are independent.
        assert!(matches!(
            windows.try_acquire("other", limit, at),
            Decision::Admit { remaining: 2 }
        ));
    }

    #[test]
    fn a_vendor_block_stops_admission_until_it_ends() {
        let windows = LocalWindows::default();
        let limit = RateLimit::per_second(100);
        let now = Instant::now();
        windows.block("k", now + Duration::from_secs(2));
        assert_eq!(
            windows.try_acquire("k", limit, now),
            Decision::Wait(Duration::from_secs(2))
        );
        assert!(matches!(
            windows.try_acquire("k", limit, now + Duration::from_secs(2)),
            Decision::Admit { .. }
        ));
    }

    #[test]
    fn a_vendor_budget_is_spent_then_waits_for_the_reset() {
        let windows = LocalWindows::default();
        let limit = RateLimit::per_second(100);
        let now = Instant::now();
        windows.set_budget("k", 2, now + Duration::from_secs(30));
        assert!(matches!(
            windows.try_acquire("k", limit, now),
            Decision::Admit { .. }
        ));
        assert!(matches!(
            windows.try_acquire("k", limit, now),
            Decision::Admit { .. }
        ));
        assert_eq!(
            windows.try_acquire("k", limit, now),
            Decision::Wait(Duration::from_secs(30))
        );
    }
}
