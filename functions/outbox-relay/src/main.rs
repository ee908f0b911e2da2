//! `outbox-relay`: sends the outbox messages that the functions which wrote them could not
//! send at once (SQS throttled or down). Run every minute by an EventBridge Scheduler
//! schedule; locally the dev runner does the same every 10 seconds. See `shared::outbox`.
//!
//! Input: `{"now"?: RFC 3339}` (anything else is ignored); output: `{examined, sent, failed}`.
//! A run that could send nothing returns an error, so the failure shows in the function's
//! error metric and its alarm.

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use shared::dynamo::{DynamoOutbox, Table};
use shared::outbox::{relay, Queues};
use shared::sqs::SqsQueue;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let table_name = shared::config::required("TABLE_NAME")?;
    let notifications = shared::config::required("NOTIFICATIONS_QUEUE_URL")?;
    let integration = shared::config::required("INTEGRATION_QUEUE_URL")?;
    let sdk = shared::aws::load().await;
    let sqs = shared::aws::sqs(&sdk);
    let outbox = DynamoOutbox::new(Table::new(shared::aws::dynamodb(&sdk), table_name));
    let queues = Queues {
        notifications: Some(Arc::new(SqsQueue::new(sqs.clone(), notifications))),
        integration: Some(Arc::new(SqsQueue::new(sqs, integration))),
    };
    let (outbox, queues) = (&outbox, &queues);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = match event.payload.get("now").and_then(Value::as_str) {
            Some(s) => s.parse().map_err(|e| format!("now: {e}"))?,
            None => jiff::Timestamp::now(),
        };
        let report = relay(outbox, queues, now).await?;
        tracing::info!(examined = report.examined, sent = report.sent, failed = report.failed, "outbox relayed");
        if report.failed > 0 && report.sent == 0 {
            return Err(format!("outbox relay could send none of {} messages", report.failed).into());
        }
        Ok::<Value, lambda_runtime::Error>(serde_json::to_value(report)?)
    }))
    .await
}
