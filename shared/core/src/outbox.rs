//! The transactional outbox: a message that must follow a change (a ticket's status
//! notification, a vacancy for AIS "Labor Market", an access-request answer) is written as an
//! item **in the same DynamoDB transaction** as the change. After the commit the handler sends
//! it at once and deletes the item; if the send fails, the item stays and the relay
//! (`outbox-relay`, every minute; the dev runner locally) sends it later. So a message is
//! never lost and never sent for a change that did not happen.
//!
//! Delivery is at least once: a crash between send and delete sends again. Integration
//! messages go to a FIFO queue deduplicated by event ID; notification consumers skip event
//! IDs they have handled.

use crate::ports::{OutboundMessage, Queue, StoreError};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

crate::string_enum! {
    /// Which queue a message goes to.
    pub enum Destination {
        /// `notifications` → `notify` (e-mail).
        Notifications,
        /// `integration` (FIFO) → `labor-market-sync` (AIS "Labor Market").
        Integration,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The event ID: the FIFO deduplication ID and the consumers' idempotency key.
    pub event_id: String,
    pub destination: Destination,
    /// The message body (JSON text): `{event_id, type, occurred_at, data}`.
    pub body: String,
    /// FIFO message group (the record's ID), for integration messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub created_at: Timestamp,
    /// The relay's failed sends so far.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// The relay's next try after a failed one (before that: `created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    /// Why the last send failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Given up after [`Relay::max_attempts`]: no longer sent until an operator retries it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl OutboxMessage {
    /// An event of `event_type` about `data`, for `destination`.
    pub fn event(destination: Destination, event_type: &str, at: Timestamp, group_id: Option<String>, data: serde_json::Value) -> Self {
        let event_id = crate::ids::new_id();
        let body = event_body(&event_id, event_type, at, data);
        Self { event_id, destination, body, group_id, created_at: at, attempts: 0, next_attempt_at: None, last_error: None, failed: false }
    }

    /// The same event (ID, type, time, queue) with other `data`: e.g. the answer sent at once
    /// with a secret that the stored copy leaves out.
    pub fn with_data(&self, event_type: &str, data: serde_json::Value) -> Self {
        Self { body: event_body(&self.event_id, event_type, self.created_at, data), ..self.clone() }
    }

    /// An e-mail to send (consumed by `notify`): `data` = `{to, lang, template, ...}`.
    pub fn notification(event_type: &str, at: Timestamp, data: serde_json::Value) -> Self {
        Self::event(Destination::Notifications, event_type, at, None, data)
    }

    /// A record for AIS "Labor Market", ordered per record.
    pub fn integration(event_type: &str, at: Timestamp, record_id: &str, data: serde_json::Value) -> Self {
        Self::event(Destination::Integration, event_type, at, Some(record_id.to_owned()), data)
    }

    /// When the relay may take it: its next try, or when it was written.
    pub fn due(&self) -> Timestamp {
        self.next_attempt_at.unwrap_or(self.created_at)
    }

    pub fn outbound(&self) -> OutboundMessage {
        OutboundMessage {
            body: self.body.clone(),
            group_id: self.group_id.clone(),
            deduplication_id: (self.destination == Destination::Integration).then(|| self.event_id.clone()),
        }
    }
}

fn event_body(event_id: &str, event_type: &str, at: Timestamp, data: serde_json::Value) -> String {
    serde_json::to_string(&Event { event_id: event_id.to_owned(), kind: event_type.to_owned(), occurred_at: at, data }).unwrap_or_default()
}

/// A message body, as the consumers read it: `{event_id, type, occurred_at, data}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: Timestamp,
    pub data: serde_json::Value,
}

impl Event {
    /// The event in a message body, or why it is not one (a poison message).
    pub fn parse(body: &str) -> Result<Self, String> {
        let event: Event = serde_json::from_str(body).map_err(|e| format!("not an event: {e}"))?;
        if event.event_id.trim().is_empty() || event.kind.trim().is_empty() {
            return Err("not an event: empty event_id or type".into());
        }
        Ok(event)
    }
}

/// The outbox items waiting in the table.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Messages not failed and due ([`OutboxMessage::due`]) before `before`, earliest first, at
    /// most `limit`.
    async fn pending(&self, before: Timestamp, limit: i32) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Whether the message is still waiting (a strongly consistent read: the index may lag).
    async fn is_pending(&self, event_id: &str) -> Result<bool, StoreError> {
        Ok(self.get(event_id).await?.is_some())
    }
    /// The message, if still in the outbox (a strongly consistent read).
    async fn get(&self, event_id: &str) -> Result<Option<OutboxMessage>, StoreError>;
    /// Stores the message's new attempt state (`attempts`, `next_attempt_at`, `last_error`,
    /// `failed`); false if it is no longer there (sent meanwhile).
    async fn reschedule(&self, message: &OutboxMessage) -> Result<bool, StoreError>;
    /// The failed messages, oldest first, at most `limit`.
    async fn failed(&self, limit: i32) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Removes a sent message.
    async fn delivered(&self, event_id: &str) -> Result<(), StoreError>;
}

/// The queues a function may send to; a function without a queue's permission leaves it
/// `None`, and its messages wait for the relay.
#[derive(Clone, Default)]
pub struct Queues {
    pub notifications: Option<Arc<dyn Queue>>,
    pub integration: Option<Arc<dyn Queue>>,
}

impl Queues {
    fn for_destination(&self, d: Destination) -> Option<&Arc<dyn Queue>> {
        match d {
            Destination::Notifications => self.notifications.as_ref(),
            Destination::Integration => self.integration.as_ref(),
        }
    }
}

/// Sends `messages` and deletes each one sent. Failures are logged and left to the relay;
/// returns how many were sent.
pub async fn deliver(store: &dyn OutboxStore, queues: &Queues, messages: &[OutboxMessage]) -> usize {
    let mut sent = 0;
    for m in messages {
        let Some(queue) = queues.for_destination(m.destination) else { continue };
        if let Err(e) = queue.send(&m.outbound()).await {
            tracing::warn!(event_id = %m.event_id, destination = %m.destination, error = %crate::telemetry::chain(&e), "outbox send failed; the relay will retry");
            continue;
        }
        sent += 1;
        if let Err(e) = store.delivered(&m.event_id).await {
            // Sent but not forgotten: the relay sends it again, and consumers skip the duplicate.
            tracing::warn!(event_id = %m.event_id, error = %crate::telemetry::chain(&e), "outbox item not deleted after send");
        }
    }
    sent
}

/// What one relay run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    pub examined: usize,
    pub sent: usize,
    /// Not sent this run (to be tried again, or given up).
    pub failed: usize,
    /// Of those, the ones given up: now `failed` in the outbox.
    pub gave_up: usize,
}

/// Messages younger than this are left to the handler that wrote them.
pub const RELAY_MIN_AGE: SignedDuration = SignedDuration::from_secs(30);

/// The relay's failed sends before a message is marked failed (with the backoff of
/// [`crate::consume::backoff`], about an hour of tries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Sends every message due more than [`RELAY_MIN_AGE`] before `now`. A failed send counts an
/// attempt and puts the message back with a backoff, so it never holds up the ones behind it;
/// after `max_attempts` it is marked failed (counted in the `OutboxGaveUp` metric) until an
/// operator retries it ([`retry_failed`]). Stops after a page in which nothing could be sent
/// (the queue is down; the next run tries again).
pub async fn relay(store: &dyn OutboxStore, queues: &Queues, now: Timestamp, max_attempts: u32) -> Result<RelayReport, StoreError> {
    let before = now.checked_sub(RELAY_MIN_AGE).unwrap_or(now);
    let mut report = RelayReport::default();
    let result = async {
        loop {
            let page = store.pending(before, 100).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut sent = 0;
            for listed in page {
                // The index is eventually consistent: read the message itself.
                let Some(m) = store.get(&listed.event_id).await? else { continue };
                if m.failed || m.due() >= before {
                    continue;
                }
                report.examined += 1;
                let Some(queue) = queues.for_destination(m.destination) else { continue };
                match queue.send(&m.outbound()).await {
                    Ok(()) => {
                        sent += 1;
                        store.delivered(&m.event_id).await?;
                    }
                    Err(e) => {
                        report.failed += 1;
                        let mut next = m.clone();
                        next.attempts += 1;
                        next.last_error = Some(crate::telemetry::chain(&e).chars().take(500).collect());
                        if next.attempts >= max_attempts {
                            next.failed = true;
                            report.gave_up += 1;
                            tracing::error!(event_id = %m.event_id, destination = %m.destination, attempts = next.attempts,
                                error = ?next.last_error, "outbox message failed for good; an operator can retry it");
                        } else {
                            let delay = crate::consume::backoff(next.attempts);
                            next.next_attempt_at = now.checked_add(SignedDuration::try_from(delay).unwrap_or(SignedDuration::ZERO)).ok();
                            tracing::warn!(event_id = %m.event_id, attempts = next.attempts, error = ?next.last_error, "outbox send failed; retried later");
                        }
                        store.reschedule(&next).await?;
                    }
                }
            }
            report.sent += sent;
            if sent == 0 {
                return Ok(());
            }
        }
    }
    .await;
    crate::telemetry::emit_metrics(
        "outbox-relay",
        &[
            ("OutboxSent", report.sent as u64),
            ("OutboxRetried", (report.failed - report.gave_up) as u64),
            ("OutboxGaveUp", report.gave_up as u64),
        ],
    );
    result.map(|()| report)
}

/// Puts failed messages (`event_ids`, or every failed one) back for the next relay run, with
/// their attempts reset. Returns the IDs put back; IDs that are not failed are left alone.
pub async fn retry_failed(store: &dyn OutboxStore, event_ids: Option<&[String]>, now: Timestamp) -> Result<Vec<String>, StoreError> {
    let candidates: Vec<OutboxMessage> = match event_ids {
        None => store.failed(1000).await?,
        Some(ids) => {
            let mut found = Vec::new();
            for id in ids {
                if let Some(m) = store.get(id).await? {
                    found.push(m);
                }
            }
            found
        }
    };
    let mut requeued = Vec::new();
    for mut m in candidates.into_iter().filter(|m| m.failed) {
        m.failed = false;
        m.attempts = 0;
        // Due at once: the next run (which takes what is due RELAY_MIN_AGE ago) sends it.
        m.next_attempt_at = now.checked_sub(RELAY_MIN_AGE).ok();
        if store.reschedule(&m).await? {
            tracing::info!(event_id = %m.event_id, "failed outbox message put back for the relay");
            requeued.push(m.event_id);
        }
    }
    Ok(requeued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_messages_are_deduplicated_by_event_id_and_grouped_by_record() {
        let at: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let m = OutboxMessage::integration("vacancy.published", at, "v1", serde_json::json!({"id": "v1"}));
        let out = m.outbound();
        assert_eq!(out.deduplication_id.as_deref(), Some(m.event_id.as_str()));
        assert_eq!(out.group_id.as_deref(), Some("v1"));
        let body: serde_json::Value = serde_json::from_str(&out.body).unwrap();
        assert_eq!(body["event_id"], m.event_id.as_str());
        assert_eq!(body["type"], "vacancy.published");
        assert_eq!(body["data"]["id"], "v1");

        let n = OutboxMessage::notification("ticket.status_changed", at, serde_json::json!({}));
        assert_eq!(n.outbound().deduplication_id, None);
        assert_eq!(n.outbound().group_id, None);
    }
}
