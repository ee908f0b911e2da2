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

/// The item of `message`: listed in gsi1 under `OUTBOX` by when it is due, or under
/// `OUTBOX_FAILED` by when it was written once the relay has given up.
fn item_of(message: &OutboxMessage) -> OutboxItem {
    let (pk, sk) = keys::outbox(&message.event_id);
    let (gsi1pk, at) =
        if message.failed { (keys::OUTBOX_FAILED_INDEX_PK, message.created_at) } else { (keys::OUTBOX_INDEX_PK, message.due()) };
    OutboxItem {
        pk,
        sk,
        gsi1pk: gsi1pk.to_owned(),
        gsi1sk: format!("{}#{}", sort_key(at), message.event_id),
        entity: "outbox".into(),
        message: message.clone(),
    }
}

/// The transaction item that stores `message` beside the change it follows.
pub fn outbox_put(table: &str, message: &OutboxMessage) -> Result<TransactWriteItem, StoreError> {
    put_new(table, to_item(&item_of(message))?)
}

#[derive(Clone, Debug)]
pub struct DynamoOutbox {
    table: Table,
}

impl DynamoOutbox {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    async fn listed(&self, pk: &str, before: Option<Timestamp>, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut q = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name(keys::GSI1)
            .expression_attribute_values(":pk", s(pk))
            .limit(limit);
        q = match before {
            Some(before) => {
                q.key_condition_expression("gsi1pk = :pk AND gsi1sk < :before").expression_attribute_values(":before", s(sort_key(before)))
            }
            None => q.key_condition_expression("gsi1pk = :pk"),
        };
        let out = q.send().await.map_err(store_error)?;
        out.items.unwrap_or_default().into_iter().map(|i| from_item::<OutboxItem>(i).map(|o| o.message)).collect()
    }
}

#[async_trait]
impl OutboxStore for DynamoOutbox {
    async fn pending(&self, before: Timestamp, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        self.listed(keys::OUTBOX_INDEX_PK, Some(before), limit).await
    }

    async fn get(&self, event_id: &str) -> Result<Option<OutboxMessage>, StoreError> {
        match self.table.get(keys::outbox(event_id)).await? {
            Some(item) => Ok(Some(from_item::<OutboxItem>(item)?.message)),
            None => Ok(None),
        }
    }

    async fn reschedule(&self, message: &OutboxMessage) -> Result<bool, StoreError> {
        let put = self
            .table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(to_item(&item_of(message))?))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if super::error_code(&e) == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn failed(&self, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        self.listed(keys::OUTBOX_FAILED_INDEX_PK, None, limit).await
    }

    async fn delivered(&self, event_id: &str) -> Result<(), StoreError> {
        self.table.delete(keys::outbox(event_id)).await
    }
}
