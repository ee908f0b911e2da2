//! Idempotency records: the first response to a request under an `Idempotency-Key`, kept for
//! 24 hours (TTL). While the first request runs, the record is a lock that expires after
//! [`LOCK_SECS`], so a request that died mid-way does not block its retries for a day.

use super::keys::{self, EXPIRES_AT};
use super::{error_code, n, s, store_error, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use enbek_core::ports::{IdempotencyBegin, IdempotencyStore, StoreError, StoredResponse};
use jiff::Timestamp;

pub const RETENTION_SECS: i64 = 24 * 3600;
/// Longer than any function's timeout.
pub const LOCK_SECS: i64 = 120;

#[derive(Clone, Debug)]
pub struct DynamoIdempotency {
    table: Table,
}

impl DynamoIdempotency {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotency {
    async fn begin(&self, key: &str, fingerprint: &str, now: Timestamp) -> Result<IdempotencyBegin, StoreError> {
        let (pk, sk) = keys::idempotency(key);
        let now_s = now.as_second();
        let put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .item(keys::PK, s(&pk))
            .item(keys::SK, s(&sk))
            .item("entity", s("idempotency"))
            .item("fingerprint", s(fingerprint))
            .item("state", s("in_progress"))
            .item("locked_until", n(now_s + LOCK_SECS))
            .item(EXPIRES_AT, n(now_s + RETENTION_SECS))
            .condition_expression("attribute_not_exists(pk) OR #exp < :now OR (#state = :in_progress AND locked_until < :now)")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", n(now_s))
            .expression_attribute_values(":in_progress", s("in_progress"))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(IdempotencyBegin::Started),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => {}
            Err(e) => return Err(store_error(e)),
        }
        let item = self.table.get((pk, sk)).await?.unwrap_or_default();
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        if text("fingerprint").as_deref() != Some(fingerprint) {
            return Ok(IdempotencyBegin::Mismatch);
        }
        if text("state").as_deref() != Some("completed") {
            return Ok(IdempotencyBegin::InProgress);
        }
        let status = item.get("status").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(200);
        let body = item.get("body").and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec()).unwrap_or_default();
        Ok(IdempotencyBegin::Replay(StoredResponse { status, content_type: text("content_type"), location: text("location"), body }))
    }

    async fn complete(&self, key: &str, fingerprint: &str, response: &StoredResponse, now: Timestamp) -> Result<(), StoreError> {
        let (pk, sk) = keys::idempotency(key);
        let mut put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .item(keys::PK, s(pk))
            .item(keys::SK, s(sk))
            .item("entity", s("idempotency"))
            .item("fingerprint", s(fingerprint))
            .item("state", s("completed"))
            .item("status", n(response.status))
            .item("body", AttributeValue::B(Blob::new(response.body.clone())))
            .item(EXPIRES_AT, n(now.as_second() + RETENTION_SECS));
        if let Some(ct) = &response.content_type {
            put = put.item("content_type", s(ct));
        }
        if let Some(loc) = &response.location {
            put = put.item("location", s(loc));
        }
        put.send().await.map(|_| ()).map_err(store_error)
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        self.table.delete(keys::idempotency(key)).await
    }
}
