//! Attachment declarations. An uncited declaration expires (TTL) a day after it was made;
//! citing it removes the expiry in the citing record's transaction ([`cite`]).

use super::keys::{self, EXPIRES_AT};
use super::{from_item, s, store_error, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use enbek_core::attachments::{AttachmentRecord, AttachmentRef};
use enbek_core::ports::{AttachmentStore, StoreError};
use serde::{Deserialize, Serialize};

/// Uncited declarations are forgotten after a day.
pub const UNCITED_TTL_SECS: i64 = 24 * 3600;

#[derive(Serialize, Deserialize)]
struct AttachmentItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(flatten)]
    record: AttachmentRecord,
}

#[derive(Clone, Debug)]
pub struct DynamoAttachments {
    table: Table,
}

impl DynamoAttachments {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl AttachmentStore for DynamoAttachments {
    async fn declare(&self, record: &AttachmentRecord) -> Result<(), StoreError> {
        let (pk, sk) = keys::attachment(&record.id);
        let item = AttachmentItem {
            pk,
            sk,
            entity: "attachment".into(),
            expires_at: Some(record.declared_at.as_second() + UNCITED_TTL_SECS),
            record: record.clone(),
        };
        self.table
            .client
            .put_item()
            .table_name(&self.table.name)
            .set_item(Some(to_item(&item)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(store_error)
    }

    async fn get(&self, id: &str) -> Result<Option<AttachmentRecord>, StoreError> {
        self.table.get(keys::attachment(id)).await?.map(|i| from_item::<AttachmentItem>(i).map(|a| a.record)).transpose()
    }
}

/// The transaction item that marks an attachment as cited by `owner`; it fails (and with it
/// The transaction item that marks an attachment as cited by `owner`, pinning the version that
/// was checked; it fails (and with it the whole transaction) if the attachment is gone or was
/// cited already.
pub fn cite(table: &str, attachment: &AttachmentRef, owner: &str) -> Result<TransactWriteItem, StoreError> {
    let (pk, sk) = keys::attachment(&attachment.attachment_id);
    let mut update = Update::builder()
        .table_name(table)
        .key(keys::PK, s(pk))
        .key(keys::SK, s(sk))
        .condition_expression("attribute_exists(pk) AND attribute_not_exists(used_by)")
        .expression_attribute_names("#exp", EXPIRES_AT)
        .expression_attribute_values(":owner", s(owner));
    update = match &attachment.version_id {
        Some(v) => update
            .update_expression("SET used_by = :owner, version_id = :version REMOVE #exp")
            .expression_attribute_values(":version", s(v)),
        None => update.update_expression("SET used_by = :owner REMOVE #exp"),
    };
    Ok(TransactWriteItem::builder().update(super::built(update.build())?).build())
}
