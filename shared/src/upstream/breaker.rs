//! A circuit breaker per upstream: stop calling a vendor that keeps failing, probe it
//! now and then, resume when it answers.
//!
//! Opens on `consecutive_failures` in a row, or when at least `min_calls` in the last
//! `window` failed at `failure_ratio` or more. While open, calls fail fast as
//! `circuit_open`; after `open_for`, one probe goes through (half-open): success closes
//! the breaker, failure opens it again. Failures are 5xx, timeouts and connection errors;
//! a 429 is a rate signal, not a failure.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most outcomes kept for the failure ratio.
const MAX_WINDOW_CALLS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    pub consecutive_failures: u32,
    pub failure_ratio: f64,
    pub min_calls: u32,
    pub window: Duration,
    pub open_for: Duration,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            consecutive_failures: 5,
            failure_ratio: 0.5,
            min_calls: 20,
            window: Duration::from_secs(30),
            open_for: Duration::from_secs(30),
        }
    }
}

/// The breaker's state, as `/ready` and the `bridge_circuit_state` metric show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    HalfOpen,
    Open,
}

impl BreakerState {
    /// The metric value: 0 closed, 1 half-open, 2 open.
    pub fn as_gauge(self) -> i64 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Open => "open",
        }
    }
}

#[derive(Debug)]
struct Inner {
    opened_at: Option<Instant>,
    /// When the current half-open probe started.
    probe_started: Option<Instant>,
    consecutive: u32,
    outcomes: VecDeque<(Instant, bool)>,
    /// Failures among `outcomes`, kept in step so recording stays O(1).
    failures_in_window: u32,
}

/// Admission: a normal call, or the single half-open probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Call,
    Probe,
}

#[derive(Debug)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner {
                opened_at: None,
                probe_started: None,
                consecutive: 0,
                outcomes: VecDeque::new(),
                failures_in_window: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn state(&self) -> BreakerState {
        let inner = self.lock();
        match inner.opened_at {
            None => BreakerState::Closed,
            Some(at) if at.elapsed() >= self.config.open_for => BreakerState::HalfOpen,
            Some(_) => BreakerState::Open,
        }
    }

    /// May a call go out now? `Err(wait)` says how long until the next probe.
    pub fn admit(&self) -> Result<Admission, Duration> {
        let mut inner = self.lock();
        let Some(opened_at) = inner.opened_at else {
            return Ok(Admission::Call);
        };
        let now = Instant::now();
        let reopen = opened_at + self.config.open_for;
        if now < reopen {
            return Err(reopen - now);
        }
        // Half-open: one probe at a time; a probe that never reported (its caller was
        // cancelled) is replaced after another `open_for`.
        match inner.probe_started {
            Some(started) if now.duration_since(started) < self.config.open_for => {
                Err(self.config.open_for - now.duration_since(started))
            }
            _ => {
                inner.probe_started = Some(now);
                Ok(Admission::Probe)
            }
        }
    }

    pub fn record(&self, admission: Admission, success: bool) {
        let mut inner = self.lock();
        let now = Instant::now();
        if admission == Admission::Probe || inner.opened_at.is_some() {
            inner.probe_started = None;
            if success {
                inner.opened_at = None;
                inner.consecutive = 0;
                inner.outcomes.clear();
                inner.failures_in_window = 0;
                tracing::info!("circuit closed: the vendor answers again");
            } else {
                inner.opened_at = Some(now);
            }
            return;
        }
        inner.outcomes.push_back((now, success));
        if !success {
            inner.failures_in_window += 1;
        }
        // The window keeps at most MAX_WINDOW_CALLS outcomes: enough for the ratio, bounded
        // in memory at any call rate.
        while let Some((at, ok)) = inner.outcomes.front().copied() {
            if now.duration_since(at) <= self.config.window
                && inner.outcomes.len() <= MAX_WINDOW_CALLS
            {
                break;
            }
            inner.outcomes.pop_front();
            if !ok {
                inner.failures_in_window -= 1;
            }
        }
        inner.consecutive = if success { 0 } else { inner.consecutive + 1 };
        let calls = inner.outcomes.len() as u32;
        let failures = f64::from(inner.failures_in_window);
        let ratio_tripped = calls >= self.config.min_calls
            && failures / f64::from(calls) >= self.config.failure_ratio;
        if inner.consecutive >= self.config.consecutive_failures || ratio_tripped {
            inner.opened_at = Some(now);
            tracing::warn!(
                consecutive = inner.consecutive,
                calls,
                failures,
                "circuit opened: failing fast for a while"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 3,
            failure_ratio: 0.5,
            min_calls: 10,
            window: Duration::from_secs(60),
            open_for: Duration::from_millis(50),
        }
    }

    #[test]
    fn opens_after_consecutive_failures_then_probes_and_closes() {
        let breaker = CircuitBreaker::new(quick());
        for _ in 0..3 {
            let admission = breaker.admit().expect("closed");
            breaker.record(admission, false);
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.admit().is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(breaker.admit(), Ok(Admission::Probe));
        assert!(breaker.admit().is_err(), "only one probe at a time");
        breaker.record(Admission::Probe, true);
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_reopens() {
        let breaker = CircuitBreaker::new(quick());
        for _ in 0..3 {
            breaker.record(Admission::Call, false);
        }
        std::thread::sleep(Duration::from_millis(60));
        let probe = breaker.admit().expect("probe");
        breaker.record(probe, false);
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn opens_on_failure_ratio_without_a_streak() {
        let breaker = CircuitBreaker::new(quick());
        for i in 0..10 {
            breaker.record(Admission::Call, i % 2 == 0);
        }
        assert_eq!(breaker.state(), BreakerState::Open);
    }
}
