//! Audit entries as items: partitioned by day, indexed by actor (gsi1).

use super::{keys, to_item, Item, Table};
use crate::audit::AuditEntry;
use crate::clock::sort_key;
use crate::ports::StoreError;
use serde::Serialize;

#[derive(Serialize)]
struct AuditItem<'a> {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: &'static str,
    #[serde(flatten)]
    entry: &'a AuditEntry,
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
        entity: "audit",
        entry,
    })
}

/// Writes stand-alone audit entries (events that change nothing else).
#[derive(Clone, Debug)]
pub struct DynamoAudit {
    table: Table,
}

impl DynamoAudit {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    pub async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(audit_item(entry)?))
            .send()
            .await
            .map(|_| ())
            .map_err(super::store_error)
    }

    /// The newest `limit` entries of one actor, newest first (the `gsi1` access pattern).
    pub async fn by_actor(&self, actor: &str, limit: i32) -> Result<Vec<AuditEntry>, StoreError> {
        let out = self
            .table
            .client
            .query()
            .table_name(&self.table.name)
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", super::s(keys::audit_by_actor(actor)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(super::store_error)?;
        out.items.unwrap_or_default().into_iter().map(super::from_item).collect()
    }
}
