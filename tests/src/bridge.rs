//! The local event-source bridge: what Lambda's SQS event source mappings do in AWS, for the
//! dev stack (`make dev`) and the tests.
//!
//! Each [`Source`] polls one queue, hands at most its batch size of messages to a consumer
//! function as an SQS event (the same JSON AWS sends), and deletes the messages the function did
//! not list in `batchItemFailures`. A listed message, or every message of a batch whose
//! invocation failed, stays in the queue: it becomes visible again after its visibility timeout
//! (or the backoff the function set), and the queue's redrive policy moves it to the
//! dead-letter queue after `maxReceiveCount` receives (moto applies it on receive, as SQS does).
//!
//! How a function is invoked is an [`Invoker`]: the Lambda Invoke API that `cargo lambda watch`
//! serves (`POST /2015-03-31/functions/<name>/invocations`) in the dev stack, or the function's
//! own handler in-process in the tests.

use async_trait::async_trait;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Invokes a consumer function with an event; returns its answer.
#[async_trait]
pub trait Invoker: Send + Sync {
    async fn invoke(&self, function: &str, event: Value) -> Result<Value, String>;
}

/// The Lambda Invoke API of `cargo lambda watch` on loopback.
pub struct HttpInvoker {
    pub port: u16,
}

#[async_trait]
impl Invoker for HttpInvoker {
    async fn invoke(&self, function: &str, event: Value) -> Result<Value, String> {
        let body = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
        let url = format!("http://127.0.0.1:{}/2015-03-31/functions/{function}/invocations", self.port);
        let (status, payload) = crate::http_request("POST", &url, &[("Content-Type".into(), "application/json".into())], &body).await?;
        let text = String::from_utf8_lossy(&payload).to_string();
        // A function error comes back as 200 with the error in the body in AWS; cargo lambda
        // answers it with a 5xx. Either way the batch failed.
        let value: Value = serde_json::from_str(&text).map_err(|_| format!("invoke {function}: {status} {text}"))?;
        if status >= 300 || value.get("errorType").is_some() || value.get("errorMessage").is_some() {
            return Err(format!("invoke {function}: {status} {text}"));
        }
        Ok(value)
    }
}

/// One queue feeding one function.
#[derive(Clone, Debug)]
pub struct Source {
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
}

impl Source {
    /// A source for `queue_url`, with its ARN read from the queue.
    pub async fn new(sqs: &aws_sdk_sqs::Client, function: &str, queue_url: &str, batch_size: i32) -> Result<Self, String> {
        let queue_arn = crate::local::queue_arn(sqs, queue_url).await?;
        Ok(Self { function: function.into(), queue_url: queue_url.into(), queue_arn, batch_size: batch_size.clamp(1, 10) })
    }
}

/// What one poll did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    pub received: usize,
    /// Listed in `batchItemFailures`, or in a batch whose invocation failed: left in the queue.
    pub failed: usize,
    pub deleted: usize,
}

/// Receives one batch from `source` (waiting at most `wait_seconds`); the messages as the SQS
/// event Lambda would send, or `None` if the queue had none.
pub async fn receive_event(sqs: &aws_sdk_sqs::Client, source: &Source, wait_seconds: i32) -> Result<Option<Value>, String> {
    let got = sqs
        .receive_message()
        .queue_url(&source.queue_url)
        .max_number_of_messages(source.batch_size)
        .wait_time_seconds(wait_seconds)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .map_err(|e| format!("receive from {}: {}", source.queue_url, aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
    let messages = got.messages.unwrap_or_default();
    if messages.is_empty() {
        return Ok(None);
    }
    let region = source.queue_arn.split(':').nth(3).unwrap_or("us-east-1").to_owned();
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect())
                .unwrap_or_default();
            let message_attributes: Map<String, Value> = m
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| {
                            (k.clone(), json!({ "stringValue": v.string_value(), "dataType": v.data_type(), "stringListValues": [], "binaryListValues": [] }))
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "md5OfBody": m.md5_of_body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "eventSource": "aws:sqs",
                "eventSourceARN": source.queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    Ok(Some(json!({ "Records": records })))
}

/// The message IDs a partial batch response lists as failed.
pub fn failed_ids(answer: &Value) -> HashSet<String> {
    answer["batchItemFailures"].as_array().into_iter().flatten().filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned)).collect()
}

/// One poll of `source`: receive a batch, invoke, delete what did not fail.
pub async fn poll_once(sqs: &aws_sdk_sqs::Client, source: &Source, invoker: &dyn Invoker, wait_seconds: i32) -> Result<Polled, String> {
    let Some(event) = receive_event(sqs, source, wait_seconds).await? else { return Ok(Polled::default()) };
    let records = event["Records"].as_array().cloned().unwrap_or_default();
    let mut polled = Polled { received: records.len(), ..Polled::default() };
    let failed = match invoker.invoke(&source.function, event).await {
        Ok(answer) => failed_ids(&answer),
        Err(e) => {
            eprintln!("bridge: {} failed a batch of {}: {e}", source.function, records.len());
            records.iter().filter_map(|r| r["messageId"].as_str().map(str::to_owned)).collect()
        }
    };
    let mut entries = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let id = r["messageId"].as_str().unwrap_or_default();
        if failed.contains(id) {
            polled.failed += 1;
            continue;
        }
        let entry = DeleteMessageBatchRequestEntry::builder()
            .id(format!("m{i}"))
            .receipt_handle(r["receiptHandle"].as_str().unwrap_or_default())
            .build()
            .map_err(|e| e.to_string())?;
        entries.push(entry);
    }
    if !entries.is_empty() {
        let n = entries.len();
        let out = sqs
            .delete_message_batch()
            .queue_url(&source.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| format!("delete from {}: {}", source.queue_url, aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        polled.deleted = n - out.failed().len();
    }
    Ok(polled)
}

/// Polls every source until each is empty (or `max_rounds` rounds); the totals.
pub async fn drain(sqs: &aws_sdk_sqs::Client, sources: &[Source], invoker: &dyn Invoker, max_rounds: usize) -> Result<Polled, String> {
    let mut total = Polled::default();
    for _ in 0..max_rounds {
        let mut received = 0;
        for s in sources {
            let p = poll_once(sqs, s, invoker, 0).await?;
            received += p.received;
            total.received += p.received;
            total.failed += p.failed;
            total.deleted += p.deleted;
        }
        if received == 0 {
            break;
        }
    }
    Ok(total)
}
