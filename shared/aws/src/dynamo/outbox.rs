//! Outbox items: written by other adapters inside their transactions ([`outbox_put`]), listed
//! oldest first through gsi1 (`OUTBOX` / `<created>#<event id>`), deleted once sent.

use super::{from_item, keys, put_new, s, store_error, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use enbek_core::clock::sort_key;
use enbek_core::outbox::{OutboxMessage, OutboxStore};
use enbek_core::ports::StoreError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct OutboxItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: String,
    #[serde(flatten)]
    message: OutboxMessage,
}

/// The transaction item that stores `message` beside the change it follows.
pub fn outbox_put(table: &str, message: &OutboxMessage) -> Result<TransactWriteItem, StoreError> {
    let (pk, sk) = keys::outbox(&message.event_id);
    let item = OutboxItem {
        pk,
        sk,
        gsi1pk: keys::OUTBOX_INDEX_PK.to_owned(),
        gsi1sk: format!("{}#{}", sort_key(message.created_at), message.event_id),
        entity: "outbox".into(),
        message: message.clone(),
    };
    put_new(table, to_item(&item)?)
}

#[derive(Clone, Debug)]
pub struct DynamoOutbox {
    table: Table,
}

impl DynamoOutbox {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl OutboxStore for DynamoOutbox {
    async fn pending(&self, before: Timestamp, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        let out = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk AND gsi1sk < :before")
            .expression_attribute_values(":pk", s(keys::OUTBOX_INDEX_PK))
            .expression_attribute_values(":before", s(sort_key(before)))
            .limit(limit)
            .send()
            .await
            .map_err(store_error)?;
        out.items.unwrap_or_default().into_iter().map(|i| from_item::<OutboxItem>(i).map(|o| o.message)).collect()
    }

    async fn is_pending(&self, event_id: &str) -> Result<bool, StoreError> {
        Ok(self.table.get(keys::outbox(event_id)).await?.is_some())
    }

    async fn delivered(&self, event_id: &str) -> Result<(), StoreError> {
        self.table.delete(keys::outbox(event_id)).await
    }
}
