//! Audit entries as items: partitioned by day (`AUDIT#<yyyy-mm-dd>`), indexed by actor (gsi1).

use super::keys::{self, PK, SK};
use super::page::query_page;
use super::{from_item, s, store_error, to_item, Item, Table};
use async_trait::async_trait;
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{AuditLog, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct AuditItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: String,
    #[serde(flatten)]
    entry: AuditEntry,
}

/// The transaction item that writes `entry` beside the change it records.
pub fn audit_put(table: &str, entry: &AuditEntry) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
    super::put(table, audit_item(entry)?)
}

/// The item for an entry, to be put inside the transaction of the change it records.
pub fn audit_item(entry: &AuditEntry) -> Result<Item, StoreError> {
    let time = sort_key(entry.at);
    let day = &time[..10];
    let (pk, sk) = keys::audit(day, &time, &entry.id);
    to_item(&AuditItem {
        pk,
        sk: sk.clone(),
        gsi1pk: keys::audit_by_actor(&entry.actor),
        gsi1sk: sk,
        entity: "audit".into(),
        entry: entry.clone(),
    })
}

#[derive(Clone, Debug)]
pub struct DynamoAudit {
    table: Table,
}

impl DynamoAudit {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl AuditLog for DynamoAudit {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(audit_item(entry)?))
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }

    async fn by_actor(&self, actor: &str, limit: i32) -> Result<Vec<AuditEntry>, StoreError> {
        let out = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::audit_by_actor(actor)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(store_error)?;
        out.items.unwrap_or_default().into_iter().map(|i| from_item::<AuditItem>(i).map(|a| a.entry)).collect()
    }

    async fn by_day(&self, day: jiff::civil::Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let pk = keys::audit(&day.to_string(), "", "").0;
        let query = self.table.client.query().key_condition_expression("pk = :pk").expression_attribute_values(":pk", s(&pk));
        query_page(&self.table, query, page, &[PK, SK], (PK, &pk), |i| from_item::<AuditItem>(i).map(|a| a.entry)).await
    }
}
