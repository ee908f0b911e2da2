//! Queue consumers (`labor-market-sync`, `notify`): a batch of messages in, the IDs of the
//! failed ones out (SQS partial batch responses), each message handled once per event ID.
//!
//! - **Outcomes.** A handler answers [`Handled::Done`] (also for a duplicate), [`Handled::Retry`]
//!   (the other side is down or slow: the message comes back after a backoff, set through its
//!   visibility timeout, and after `maxReceiveCount` receives the queue's redrive policy moves it
//!   to the dead-letter queue) or [`Handled::Poison`] (it can never succeed: it is moved to the
//!   dead-letter queue at once, with the reason, and removed from its queue).
//! - **FIFO.** After a message of a group fails, the later messages of that group in the batch
//!   are not handled and are reported failed too, so the group's order holds.
//! - **Idempotency.** [`once`] claims the event ID in the consumer's processed-event record (a
//!   conditional write) before the work and settles it after, so a message delivered twice does
//!   its work once.
//! - **Telemetry.** One log line per message (message ID, event ID, type, outcome) and one
//!   Embedded Metric Format line per batch (`Delivered`, `Duplicate`, `Retried`, `Poisoned`).

use crate::outbox::Event;
use crate::ports::{Claim, ProcessedEvents, Settlement, StoreError};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;
use std::time::Duration;

/// One message of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    /// How many times the queue has handed it out, this time included.
    pub receive_count: u32,
    /// FIFO queues: the message group.
    pub group_id: Option<String>,
    /// The queue it came from (its ARN).
    pub source: String,
}

/// What handling one message came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Done now, or (`duplicate`) found done before.
    Done { duplicate: bool },
    /// Worth another try later.
    Retry(String),
    /// Can never succeed: to the dead-letter queue, with the reason.
    Poison(String),
}

/// A message's outcome with what the log line names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handling {
    pub event_id: String,
    pub event_type: String,
    pub handled: Handled,
}

impl Handling {
    /// A body that is not an event at all.
    pub fn unreadable(reason: String) -> Self {
        Self { event_id: String::new(), event_type: String::new(), handled: Handled::Poison(reason) }
    }
}

/// Moving messages: later (backoff) or to the dead-letter queue.
#[async_trait]
pub trait QueueControl: Send + Sync {
    /// Makes a failed message visible again after `delay` instead of the queue's timeout.
    async fn retry_after(&self, delivery: &Delivery, delay: Duration) -> Result<(), StoreError>;
    /// Sends the message to its queue's dead-letter queue with `reason`.
    async fn bury(&self, delivery: &Delivery, reason: &str) -> Result<(), StoreError>;
}

/// A consumer of one kind of message.
#[async_trait]
pub trait Consumer: Send + Sync {
    /// The name in logs, metrics and processed-event records (`notify`, `labor-market-sync`).
    fn name(&self) -> &'static str;
    async fn handle(&self, delivery: &Delivery) -> Handling;
}

/// Counts of one batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub delivered: u64,
    pub duplicate: u64,
    pub retried: u64,
    pub poisoned: u64,
}

/// A batch's result: the message IDs to report as failed, and the counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub failed: Vec<String>,
    pub counts: Counts,
}

/// The delay before the `receive_count`-th failed message is seen again: 30 s, doubling, at most
/// 15 minutes.
pub fn backoff(receive_count: u32) -> Duration {
    let exponent = receive_count.saturating_sub(1).min(10);
    Duration::from_secs((30u64 << exponent).min(900))
}

/// Handles a batch in order. `fifo`: a failure holds back the rest of its group.
pub async fn run_batch(consumer: &dyn Consumer, control: &dyn QueueControl, deliveries: &[Delivery], fifo: bool) -> BatchOutcome {
    let mut out = BatchOutcome::default();
    let mut held_groups: HashSet<String> = HashSet::new();
    for d in deliveries {
        if let Some(group) = d.group_id.as_ref().filter(|g| fifo && held_groups.contains(*g)) {
            tracing::info!(consumer = consumer.name(), message_id = %d.message_id, group = %group, outcome = "deferred", "message held behind a failed one of its group");
            out.failed.push(d.message_id.clone());
            out.counts.retried += 1;
            continue;
        }
        let h = consumer.handle(d).await;
        let (outcome, failed) = match &h.handled {
            Handled::Done { duplicate: false } => {
                out.counts.delivered += 1;
                ("done", false)
            }
            Handled::Done { duplicate: true } => {
                out.counts.duplicate += 1;
                ("duplicate", false)
            }
            Handled::Retry(reason) => {
                out.counts.retried += 1;
                if let Err(e) = control.retry_after(d, backoff(d.receive_count)).await {
                    tracing::warn!(message_id = %d.message_id, error = %crate::telemetry::chain(&e), "backoff not set; the queue's visibility timeout applies");
                }
                tracing::warn!(consumer = consumer.name(), message_id = %d.message_id, event_id = %h.event_id, event_type = %h.event_type,
                    receive_count = d.receive_count, outcome = "retry", reason = %reason, "message failed; it will be retried");
                ("retry", true)
            }
            Handled::Poison(reason) => match control.bury(d, reason).await {
                Ok(()) => {
                    out.counts.poisoned += 1;
                    tracing::error!(consumer = consumer.name(), message_id = %d.message_id, event_id = %h.event_id, event_type = %h.event_type,
                        outcome = "poisoned", reason = %reason, "message moved to the dead-letter queue");
                    ("poisoned", false)
                }
                Err(e) => {
                    out.counts.retried += 1;
                    tracing::error!(message_id = %d.message_id, error = %crate::telemetry::chain(&e), "could not move a poison message to the dead-letter queue");
                    ("retry", true)
                }
            },
        };
        if failed {
            out.failed.push(d.message_id.clone());
            if let Some(g) = &d.group_id {
                held_groups.insert(g.clone());
            }
        } else if outcome != "poisoned" {
            tracing::info!(consumer = consumer.name(), message_id = %d.message_id, event_id = %h.event_id, event_type = %h.event_type, outcome, "message handled");
        }
    }
    crate::telemetry::emit_metrics(
        consumer.name(),
        &[
            ("Delivered", out.counts.delivered),
            ("Duplicate", out.counts.duplicate),
            ("Retried", out.counts.retried),
            ("Poisoned", out.counts.poisoned),
        ],
    );
    out
}

/// How long a claim holds an event: longer than any invocation.
pub const CLAIM_LEASE: SignedDuration = SignedDuration::from_mins(16);

/// Work done under a claim, and how it ended.
pub enum Work {
    /// Done; the record keeps `outcome` (and `detail`).
    Done {
        outcome: &'static str,
        detail: Option<String>,
    },
    Retry(String),
    /// Never: the record keeps the reason, the message goes to the dead-letter queue.
    Poison(String),
}

/// Runs `work` for `event` once for `consumer`: claims its ID first, settles or releases it
/// after. A duplicate is `Done { duplicate: true }` without running `work`.
pub async fn once<F, Fut>(processed: &dyn ProcessedEvents, consumer: &str, event: &Event, now: Timestamp, work: F) -> Handled
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Work>,
{
    let claim = processed.claim(consumer, &event.event_id, now, CLAIM_LEASE).await;
    match claim {
        Err(e) => return Handled::Retry(format!("processed-event record: {}", crate::telemetry::chain(&e))),
        Ok(Claim::Done) => return Handled::Done { duplicate: true },
        Ok(Claim::Busy) => return Handled::Retry("another invocation is handling this event".into()),
        Ok(Claim::Claimed) => {}
    }
    let settle = |outcome: &str, detail: Option<String>| Settlement { outcome: outcome.to_owned(), event_type: event.kind.clone(), detail };
    let (handled, settlement) = match work().await {
        Work::Done { outcome, detail } => (Handled::Done { duplicate: false }, Some(settle(outcome, detail))),
        Work::Poison(reason) => (Handled::Poison(reason.clone()), Some(settle(crate::ports::POISONED, Some(reason)))),
        Work::Retry(reason) => (Handled::Retry(reason), None),
    };
    let recorded = match &settlement {
        Some(s) => processed.settle(consumer, &event.event_id, now, s).await,
        None => processed.release(consumer, &event.event_id).await,
    };
    if let Err(e) = recorded {
        // Done but not recorded: a redelivery does it again (at least once), so say so.
        tracing::warn!(event_id = %event.event_id, error = %crate::telemetry::chain(&e), "processed-event record not updated");
    }
    handled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_30_seconds_to_15_minutes() {
        let secs: Vec<u64> = (1..=7).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(backoff(0).as_secs(), 30);
        assert_eq!(backoff(u32::MAX).as_secs(), 900);
    }
}
