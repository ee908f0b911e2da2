//! `outbox-relay`: sends the outbox messages that the functions which wrote them could not
//! send at once (SQS throttled or down). Run every minute by an EventBridge Scheduler
//! schedule; locally the dev runner does the same every 10 seconds. See `enbek_core::outbox`.
//!
//! Input: `{"now"?: RFC 3339}` (anything else is ignored); output: `{examined, sent, failed}`.
//! A run that could send nothing returns an error, so the failure shows in the function's
//! error metric and its alarm.

use enbek_aws::dynamo::{DynamoOutbox, Table};
use enbek_aws::sqs::SqsQueue;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::{relay, Queues};
use serde_json::Value;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub notifications_queue_url: String,
    pub integration_queue_url: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
            integration_queue_url: config::required("INTEGRATION_QUEUE_URL")?,
        })
    }
}

/// The relay with its clients, built once.
pub struct Relay {
    outbox: DynamoOutbox,
    queues: Queues,
    clock: Arc<dyn Clock>,
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
    }
}

impl Relay {
    /// One run: `{"now"?}` in, `{examined, sent, failed}` out.
    pub async fn handle(&self, event: Value) -> Result<Value, lambda_runtime::Error> {
        let now = match event.get("now").and_then(Value::as_str) {
            Some(s) => s.parse().map_err(|e| format!("now: {e}"))?,
            None => self.clock.now(),
        };
        let report = relay(&self.outbox, &self.queues, now).await?;
        tracing::info!(examined = report.examined, sent = report.sent, failed = report.failed, "outbox relayed");
        if report.failed > 0 && report.sent == 0 {
            return Err(format!("outbox relay could send none of {} messages", report.failed).into());
        }
        Ok(serde_json::to_value(report)?)
    }
}
