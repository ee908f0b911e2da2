//! `outbox-relay`: sends the outbox messages that the functions which wrote them could not
//! send at once (SQS throttled or down). Run every minute by an EventBridge Scheduler
//! schedule; locally the dev runner does the same every 10 seconds. See `enbek_core::outbox`.
//!
//! Input:
//! - a scheduled run: `{"now"?: RFC 3339}` or the scheduler's event; output `{examined, sent,
//!   failed, gave_up}`. A failed send is tried again with a backoff; after
//!   `OUTBOX_MAX_ATTEMPTS` (default 8) the message is marked failed and counted in the
//!   `OutboxGaveUp` metric. A run that could send nothing returns an error, so the failure
//!   shows in the function's error metric and its alarm.
//! - `{"action": "list_failed"}`: `{"failed": [{event_id, destination, type, created_at,
//!   attempts, last_error}]}`.
//! - `{"action": "retry_failed", "event_ids"?: [..]}`: puts those failed messages (or all)
//!   back for the next run; `{"requeued": [..]}`.

use enbek_aws::dynamo::{DynamoOutbox, Table};
use enbek_aws::sqs::SqsQueue;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::{relay, retry_failed, Event, OutboxStore, Queues, DEFAULT_MAX_ATTEMPTS};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub notifications_queue_url: String,
    pub integration_queue_url: String,
    pub max_attempts: u32,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let max_attempts = config::parsed("OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)?;
        if max_attempts == 0 {
            return Err(ConfigError { variable: "OUTBOX_MAX_ATTEMPTS", problem: "must be at least 1".into() });
        }
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
            integration_queue_url: config::required("INTEGRATION_QUEUE_URL")?,
            max_attempts,
        })
    }
}

/// The relay with its clients, built once.
pub struct Relay {
    outbox: DynamoOutbox,
    queues: Queues,
    clock: Arc<dyn Clock>,
    max_attempts: u32,
}

/// The composition root: `main.rs` and the tests build the relay here.
pub fn relay_app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Relay {
    let sqs = aws.sqs();
    Relay {
        outbox: DynamoOutbox::new(Table::new(aws.dynamodb(), config.table_name)),
        queues: Queues {
            notifications: Some(Arc::new(SqsQueue::new(sqs.clone(), config.notifications_queue_url))),
            integration: Some(Arc::new(SqsQueue::new(sqs, config.integration_queue_url))),
        },
        clock,
        max_attempts: config.max_attempts,
    }
}

/// An operator's request.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
enum Admin {
    ListFailed,
    RetryFailed { event_ids: Option<Vec<String>> },
}

impl Relay {
    /// One invocation: a relay run, or an operator's `action`.
    pub async fn handle(&self, event: Value) -> Result<Value, lambda_runtime::Error> {
        if event.get("action").is_some() {
            let admin: Admin = serde_json::from_value(event).map_err(|e| {
                format!("invalid input: {e}; expected {{\"action\": \"list_failed\"}} or {{\"action\": \"retry_failed\", \"event_ids\"?: [..]}}")
            })?;
            return self.admin(admin).await;
        }
        let now = match event.get("now").and_then(Value::as_str) {
            Some(s) => s.parse().map_err(|e| format!("now: {e}"))?,
            None => self.clock.now(),
        };
        let report = relay(&self.outbox, &self.queues, now, self.max_attempts).await?;
        tracing::info!(examined = report.examined, sent = report.sent, failed = report.failed, gave_up = report.gave_up, "outbox relayed");
        if report.failed > 0 && report.sent == 0 {
            return Err(format!("outbox relay could send none of {} messages", report.failed).into());
        }
        Ok(serde_json::to_value(report)?)
    }

    async fn admin(&self, admin: Admin) -> Result<Value, lambda_runtime::Error> {
        match admin {
            Admin::ListFailed => {
                let failed = self.outbox.failed(1000).await?;
                let rows: Vec<Value> = failed
                    .iter()
                    .map(|m| {
                        json!({
                            "event_id": m.event_id,
                            "destination": m.destination,
                            "type": Event::parse(&m.body).map(|e| e.kind).unwrap_or_default(),
                            "created_at": m.created_at,
                            "attempts": m.attempts,
                            "last_error": m.last_error,
                        })
                    })
                    .collect();
                Ok(json!({ "failed": rows }))
            }
            Admin::RetryFailed { event_ids } => {
                let requeued = retry_failed(&self.outbox, event_ids.as_deref(), self.clock.now()).await?;
                tracing::info!(count = requeued.len(), "failed outbox messages put back");
                Ok(json!({ "requeued": requeued }))
            }
        }
    }
}
