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
}

impl OutboxMessage {
    /// An event of `event_type` about `data`, for `destination`.
    pub fn event(destination: Destination, event_type: &str, at: Timestamp, group_id: Option<String>, data: serde_json::Value) -> Self {
        let event_id = crate::ids::new_id();
        let body = event_body(&event_id, event_type, at, data);
        Self { event_id, destination, body, group_id, created_at: at }
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

    pub fn outbound(&self) -> OutboundMessage {
        OutboundMessage {
            body: self.body.clone(),
            group_id: self.group_id.clone(),
            deduplication_id: (self.destination == Destination::Integration).then(|| self.event_id.clone()),
        }
    }
}

fn event_body(event_id: &str, event_type: &str, at: Timestamp, data: serde_json::Value) -> String {
    serde_json::json!({ "event_id": event_id, "type": event_type, "occurred_at": at, "data": data }).to_string()
}

/// The outbox items waiting in the table.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Messages written before `before`, oldest first, at most `limit`.
    async fn pending(&self, before: Timestamp, limit: i32) -> Result<Vec<OutboxMessage>, StoreError>;
    /// Whether the message is still waiting (a strongly consistent read: the index may lag).
    async fn is_pending(&self, event_id: &str) -> Result<bool, StoreError>;
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
    pub failed: usize,
}

/// Messages younger than this are left to the handler that wrote them.
pub const RELAY_MIN_AGE: SignedDuration = SignedDuration::from_secs(30);

/// Sends every message written more than [`RELAY_MIN_AGE`] before `now`. Stops after a page in
/// which nothing could be sent (the queue is down; the next run tries again).
pub async fn relay(store: &dyn OutboxStore, queues: &Queues, now: Timestamp) -> Result<RelayReport, StoreError> {
    let before = now.checked_sub(RELAY_MIN_AGE).unwrap_or(now);
    let mut report = RelayReport::default();
    loop {
        let page = store.pending(before, 100).await?;
        if page.is_empty() {
            return Ok(report);
        }
        let mut waiting = Vec::with_capacity(page.len());
        for m in page {
            // The index is eventually consistent: skip what was delivered a moment ago.
            if store.is_pending(&m.event_id).await? {
                waiting.push(m);
            }
        }
        report.examined += waiting.len();
        let sent = deliver(store, queues, &waiting).await;
        report.sent += sent;
        report.failed += waiting.len() - sent;
        if sent == 0 {
            return Ok(report);
        }
    }
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
