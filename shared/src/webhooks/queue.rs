//! The outbox of verified events: durable in a Redis stream when `REDIS_URL` is set (it
//! survives a restart; a consumer group tracks what was delivered), a bounded in-process
//! queue otherwise or while Redis is away. An event leaves only after the orchestrator
//! accepted it: delivery is at least once.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::streams::{StreamAutoClaimReply, StreamReadOptions, StreamReadReply};
use serde_json::Value;
use tokio::sync::Notify;

use crate::store::Store;

const STREAM: &str = "ordinaut:events";
const GROUP: &str = "bridges";
/// Entries another consumer took but did not acknowledge for this long are taken over
/// (its pod died mid-delivery).
const CLAIM_IDLE: Duration = Duration::from_secs(60);

/// Where an event waits: its id in the Redis stream, or its place in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    Redis(String),
    Memory,
}

#[derive(Debug)]
pub(crate) struct EventQueue {
    store: Option<Arc<Store>>,
    /// Identifies this replica in the consumer group.
    consumer: String,
    stream: String,
    memory: Mutex<VecDeque<Value>>,
    capacity: usize,
    pub(crate) wake: Notify,
}

/// Why an event could not be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueFull;

impl EventQueue {
    pub(crate) fn new(store: Option<Arc<Store>>, bridge: &str, capacity: usize) -> Self {
        // Stable across restarts of the same host (a compose container keeps its name), so a
        // restarted replica resumes its own unacknowledged entries at once; a new pod takes
        // over a dead one's entries after CLAIM_IDLE.
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        Self {
            store,
            consumer: format!("{bridge}@{host}"),
            stream: format!("{STREAM}:{bridge}"),
            memory: Mutex::new(VecDeque::new()),
            capacity,
            wake: Notify::new(),
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, VecDeque<Value>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores `event` before the vendor is answered.
    pub(crate) async fn push(&self, event: &Value) -> Result<(), QueueFull> {
        if let Some(store) = &self.store {
            let (stream, text) = (self.stream.clone(), event.to_string());
            let id: Option<String> = store
                .run(|mut c| async move {
                    redis::cmd("XADD")
                        .arg(stream)
                        .arg("*")
                        .arg("event")
                        .arg(text)
                        .query_async(&mut c)
                        .await
                })
                .await;
            if id.is_some() {
                self.wake.notify_one();
                return Ok(());
            }
            tracing::warn!("redis unavailable: queueing the event in memory");
        }
        let mut memory = self.memory();
        if memory.len() >= self.capacity {
            return Err(QueueFull);
        }
        memory.push_back(event.clone());
        drop(memory);
        self.wake.notify_one();
        Ok(())
    }

    /// The next event to deliver (memory first, then Redis: this replica's unacknowledged
    /// entries, abandoned ones of dead replicas, then new ones).
    pub(crate) async fn next(&self) -> Option<(Slot, Value)> {
        if let Some(event) = self.memory().front().cloned() {
            return Some((Slot::Memory, event));
        }
        let store = self.store.as_ref()?;
        let (stream, consumer) = (self.stream.clone(), self.consumer.clone());
        let _: Option<()> = store
            .run(|mut c| {
                let stream = stream.clone();
                async move {
                    let created: redis::RedisResult<()> = redis::cmd("XGROUP")
                        .arg("CREATE")
                        .arg(&stream)
                        .arg(GROUP)
                        .arg("0")
                        .arg("MKSTREAM")
                        .query_async(&mut c)
                        .await;
                    match created {
                        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
                        other => other,
                    }
                }
            })
            .await;
        for start in ["0", ">"] {
            let reply: Option<StreamReadReply> = store
                .run(|mut c| {
                    let (stream, consumer) = (stream.clone(), consumer.clone());
                    async move {
                        let options = StreamReadOptions::default().group(GROUP, consumer).count(1);
                        redis::AsyncCommands::xread_options(&mut c, &[stream], &[start], &options)
                            .await
                    }
                })
                .await;
            if let Some(found) = reply.as_ref().and_then(first_event) {
                return Some(found);
            }
            if start == "0" {
                let claimed: Option<StreamAutoClaimReply> = store
                    .run(|mut c| {
                        let (stream, consumer) = (stream.clone(), consumer.clone());
                        async move {
                            redis::cmd("XAUTOCLAIM")
                                .arg(stream)
                                .arg(GROUP)
                                .arg(consumer)
                                .arg(CLAIM_IDLE.as_millis() as u64)
                                .arg("0")
                                .arg("COUNT")
                                .arg(1)
                                .query_async(&mut c)
                                .await
                        }
                    })
                    .await;
                if let Some(entry) = claimed.and_then(|reply| reply.claimed.into_iter().next())
                    && let Some(event) = entry_event(&entry.map)
                {
                    return Some((Slot::Redis(entry.id), event));
                }
            }
        }
        None
    }

    /// The orchestrator accepted the event: forget it.
    pub(crate) async fn done(&self, slot: &Slot) {
        match slot {
            Slot::Memory => {
                self.memory().pop_front();
            }
            Slot::Redis(id) => {
                if let Some(store) = &self.store {
                    let (stream, id) = (self.stream.clone(), id.clone());
                    let _: Option<()> = store
                        .run(|mut c| async move {
                            redis::pipe()
                                .cmd("XACK")
                                .arg(&stream)
                                .arg(GROUP)
                                .arg(&id)
                                .ignore()
                                .cmd("XDEL")
                                .arg(&stream)
                                .arg(&id)
                                .ignore()
                                .query_async(&mut c)
                                .await
                        })
                        .await;
                }
            }
        }
    }

    /// Events accepted in memory and not yet delivered.
    pub(crate) fn memory_len(&self) -> usize {
        self.memory().len()
    }
}

fn entry_event(map: &std::collections::HashMap<String, redis::Value>) -> Option<Value> {
    let raw = map.get("event")?;
    let text: String = redis::FromRedisValue::from_redis_value(raw.clone()).ok()?;
    serde_json::from_str(&text).ok()
}

fn first_event(reply: &StreamReadReply) -> Option<(Slot, Value)> {
    let entry = reply.keys.first()?.ids.first()?;
    Some((Slot::Redis(entry.id.clone()), entry_event(&entry.map)?))
}
