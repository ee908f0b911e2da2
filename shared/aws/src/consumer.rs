//! What the queue consumers (`labor-market-sync`, `notify`) need from SQS and the Lambda
//! runtime: the batch's messages as [`Delivery`]s, the partial batch response, and
//! [`SqsControl`], which sets a failed message's backoff and moves poison messages to their
//! queue's dead-letter queue.

use crate::store_error;
use async_trait::async_trait;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::MessageAttributeValue;
use enbek_core::consume::{run_batch, BatchOutcome, Consumer, Delivery, QueueControl};
use enbek_core::ports::StoreError;
use std::time::Duration;

/// The batch's messages, in order.
pub fn deliveries(event: &SqsEvent) -> Vec<Delivery> {
    event
        .records
        .iter()
        .map(|r| Delivery {
            message_id: r.message_id.clone().unwrap_or_default(),
            receipt_handle: r.receipt_handle.clone().unwrap_or_default(),
            body: r.body.clone().unwrap_or_default(),
            receive_count: r.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1),
            group_id: r.attributes.get("MessageGroupId").cloned(),
            source: r.event_source_arn.clone().unwrap_or_default(),
        })
        .collect()
}

/// The partial batch response: exactly the failed message IDs (never an empty one).
pub fn batch_response(outcome: &BatchOutcome) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = outcome
        .failed
        .iter()
        .filter(|id| !id.is_empty())
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id.clone();
            f
        })
        .collect();
    response
}

/// A queue a consumer reads, and its dead-letter queue.
#[derive(Clone, Debug)]
pub struct QueueRoute {
    pub url: String,
    pub dlq_url: String,
}

impl QueueRoute {
    /// The queue's name: the last segment of its URL, as it ends its ARN.
    pub fn name(&self) -> &str {
        self.url.rsplit('/').next().unwrap_or_default()
    }
}

#[derive(Clone, Debug)]
pub struct SqsControl {
    client: aws_sdk_sqs::Client,
    routes: Vec<QueueRoute>,
}

impl SqsControl {
    pub fn new(client: aws_sdk_sqs::Client, routes: Vec<QueueRoute>) -> Self {
        Self { client, routes }
    }

    /// The route of the queue a message came from (by the queue name ending its ARN).
    fn route(&self, d: &Delivery) -> Result<&QueueRoute, StoreError> {
        let name = d.source.rsplit(':').next().unwrap_or_default();
        self.routes.iter().find(|r| r.name() == name).ok_or_else(|| StoreError::other(format!("no queue configured for {:?}", d.source)))
    }
}

#[async_trait]
impl QueueControl for SqsControl {
    async fn retry_after(&self, d: &Delivery, delay: Duration) -> Result<(), StoreError> {
        let route = self.route(d)?;
        self.client
            .change_message_visibility()
            .queue_url(&route.url)
            .receipt_handle(&d.receipt_handle)
            .visibility_timeout(i32::try_from(delay.as_secs()).unwrap_or(900))
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }

    async fn bury(&self, d: &Delivery, reason: &str) -> Result<(), StoreError> {
        let route = self.route(d)?;
        let text = |v: &str| {
            MessageAttributeValue::builder().data_type("String").string_value(v).build().map_err(|e| StoreError::Other(Box::new(e)))
        };
        let reason: String = reason.chars().take(1000).collect();
        let fifo = route.dlq_url.ends_with(".fifo");
        self.client
            .send_message()
            .queue_url(&route.dlq_url)
            .message_body(&d.body)
            .message_attributes("failure_reason", text(&reason)?)
            .message_attributes("source_message_id", text(&d.message_id)?)
            .set_message_group_id(fifo.then(|| d.group_id.clone().unwrap_or_else(|| "poison".into())))
            .set_message_deduplication_id(fifo.then(|| d.message_id.clone()))
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }
}

/// One SQS batch through `consumer`: the partial batch response. A batch comes from one queue,
/// so a `.fifo` source makes it a FIFO batch (failures hold back the rest of their group).
pub async fn consume(consumer: &dyn Consumer, control: &dyn QueueControl, event: &SqsEvent) -> SqsBatchResponse {
    let deliveries = deliveries(event);
    let fifo = deliveries.first().is_some_and(|d| d.source.ends_with(".fifo"));
    let outcome = run_batch(consumer, control, &deliveries, fifo).await;
    batch_response(&outcome)
}
