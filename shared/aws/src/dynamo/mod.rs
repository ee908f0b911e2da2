//! The DynamoDB adapter: one table, single-table design. Items are mapped here and only here
//! (`serde_dynamo`); key formats live in [`keys`]; the table's shape (shared with Terraform
//! and the local stack) in [`schema`].

pub mod access;
pub mod accounts;
pub mod attachments;
pub mod audit;
pub mod grants;
pub mod idempotency;
pub mod keys;
pub mod outbox;
pub mod page;
pub mod processed;
pub mod rate;
pub mod schema;
pub mod sequence;
pub mod sweep;
pub mod tickets;
pub mod vacancies;

pub use access::DynamoAccessRequests;
pub use accounts::DynamoAccounts;
pub use attachments::DynamoAttachments;
pub use audit::DynamoAudit;
pub use grants::DynamoGrants;
pub use idempotency::DynamoIdempotency;
pub use outbox::DynamoOutbox;
pub use processed::{record_of, DynamoProcessed};
pub use rate::DynamoRateLimiter;
pub use sweep::DynamoSweep;
pub use tickets::DynamoTickets;
pub use vacancies::DynamoVacancies;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use enbek_core::ports::StoreError;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

/// The table handle every adapter shares (clients are built once per process).
#[derive(Clone, Debug)]
pub struct Table {
    pub client: aws_sdk_dynamodb::Client,
    pub name: String,
}

impl Table {
    pub fn new(client: aws_sdk_dynamodb::Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    /// Strongly consistent read of one item by its key.
    pub async fn get(&self, (pk, sk): (String, String)) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.name)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map(|out| out.item)
            .map_err(store_error)
    }

    /// Deletes one item by its key (nothing if absent).
    pub async fn delete(&self, (pk, sk): (String, String)) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.name)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }
}

pub use crate::store_error;

/// The error code of a service error, e.g. `ConditionalCheckFailedException`.
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(s) => s.err().code(),
        _ => None,
    }
}

/// For a cancelled transaction, which of its items failed their condition.
pub fn failed_conditions<R>(
    err: &SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Option<Vec<bool>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err {
        SdkError::ServiceError(s) => match s.err() {
            TransactWriteItemsError::TransactionCanceledException(e) => {
                Some(e.cancellation_reasons().iter().map(|r| r.code() == Some("ConditionalCheckFailed")).collect())
            }
            _ => None,
        },
        _ => None,
    }
}

/// Serialises a value into an item.
pub fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Other(Box::new(e)))
}

/// Deserialises an item.
pub fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Other(Box::new(e)))
}

/// A request builder's error (a required field not set): a bug, kept with its cause.
pub fn built<T, E: std::error::Error + Send + Sync + 'static>(r: Result<T, E>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Other(Box::new(e)))
}

impl Table {
    /// Puts `items` as they are with `BatchWriteItem` (25 a request; what DynamoDB leaves
    /// unprocessed is sent again), bypassing every transaction and condition: for benchmarks,
    /// migrations and tests of large ranges, never for the service's own writes.
    pub async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut writes = Vec::with_capacity(25);
            for item in items.by_ref().take(25) {
                writes.push(WriteRequest::builder().put_request(built(PutRequest::builder().set_item(Some(item)).build())?).build());
            }
            let mut pending = Some(writes);
            while let Some(w) = pending.take() {
                let out = self.client.batch_write_item().request_items(&self.name, w).send().await.map_err(store_error)?;
                pending = out.unprocessed_items.and_then(|mut u| u.remove(&self.name)).filter(|u| !u.is_empty());
            }
        }
        Ok(())
    }

    /// Runs `items` as one transaction. A failed condition on the first item (the record being
    /// created or changed) is `Conflict`; any other failure is the storage's.
    pub async fn write_all(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e) {
                Some(failed) if failed.first() == Some(&true) => Err(StoreError::Conflict),
                _ => Err(store_error(e)),
            },
        }
    }
}

/// A transaction item that puts `item` unconditionally.
pub fn put(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = built(Put::builder().table_name(table).set_item(Some(item)).build())?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// A transaction item that puts `item` only if no item with its key exists.
pub fn put_new(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = built(Put::builder().table_name(table).set_item(Some(item)).condition_expression("attribute_not_exists(pk)").build())?;
    Ok(TransactWriteItem::builder().put(put).build())
}

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
