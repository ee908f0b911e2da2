//! The inactivity sweep's reads and writes (ACS-9): queries of the sparse `staff-activity`
//! index (only active staff; `ACTIVE#<shard>` / last activity), and blocks and warnings
//! conditioned on the account still being active with the activity read.

use super::accounts::AccountItem;
use super::audit::audit_put;
use super::keys::{self, LAST_ACTIVITY_AT, PK, SK, STAFF_ACTIVE, STAFF_ACTIVITY_INDEX};
use super::outbox::outbox_put;
use super::page::query_page;
use super::{built, failed_conditions, from_item, n, s, store_error, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{BlockOutcome, StaffActivity, StoreError, SweepStore};
use jiff::Timestamp;

#[derive(Clone, Debug)]
pub struct DynamoSweep {
    table: Table,
}

impl DynamoSweep {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    fn account_update(&self, who: &StaffActivity) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let (pk, sk) = keys::account(&who.account.id);
        Update::builder()
            .table_name(&self.table.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":seen", s(&who.activity_key))
    }

    /// Runs `update` (conditioned), its audit entry and outbox messages; `Ok(false)` when the
    /// update's condition failed.
    async fn write(&self, update: Update, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<bool, StoreError> {
        let mut items = vec![TransactWriteItem::builder().update(update).build(), audit_put(&self.table.name, audit)?];
        for m in outbox {
            items.push(outbox_put(&self.table.name, m)?);
        }
        match self.table.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(true),
            Err(e) => match failed_conditions(&e) {
                Some(failed) if failed.first() == Some(&true) => Ok(false),
                _ => Err(store_error(e)),
            },
        }
    }
}

#[async_trait]
impl SweepStore for DynamoSweep {
    async fn stale(&self, shard: u32, before: Timestamp, page: &PageRequest) -> Result<Page<StaffActivity>, StoreError> {
        let partition = keys::staff_activity_partition(shard);
        let query = self
            .table
            .client
            .query()
            .index_name(STAFF_ACTIVITY_INDEX)
            .key_condition_expression("#p = :partition AND #a < :before")
            .expression_attribute_names("#p", STAFF_ACTIVE)
            .expression_attribute_names("#a", LAST_ACTIVITY_AT)
            .expression_attribute_values(":partition", s(&partition))
            .expression_attribute_values(":before", s(sort_key(before)));
        query_page(&self.table, query, page, &[PK, SK, STAFF_ACTIVE, LAST_ACTIVITY_AT], (STAFF_ACTIVE, &partition), |item| {
            let item: AccountItem = from_item(item)?;
            let activity_key = item.last_activity_at.clone().ok_or_else(|| StoreError::other("an index entry without its activity"))?;
            Ok(StaffActivity { account: item.account, activity_key })
        })
        .await
    }

    async fn block_inactive(
        &self,
        who: &StaffActivity,
        at: Timestamp,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<BlockOutcome, StoreError> {
        let update = self
            .account_update(who)
            .update_expression(format!(
                "SET #status = :blocked, blocked_reason = :reason, blocked_at = :at, token_version = token_version + :one \
                 REMOVE {STAFF_ACTIVE}, {LAST_ACTIVITY_AT}"
            ))
            .condition_expression(format!("#status = :active AND {LAST_ACTIVITY_AT} = :seen"))
            .expression_attribute_values(":blocked", s("blocked"))
            .expression_attribute_values(":reason", s("inactivity"))
            .expression_attribute_values(":at", s(at.to_string()))
            .expression_attribute_values(":one", n(1));
        if self.write(built(update.build())?, audit, outbox).await? {
            return Ok(BlockOutcome::Blocked);
        }
        // Not blocked by us: blocked first by someone else, or active again.
        let now = self.table.get(keys::account(&who.account.id)).await?.map(from_item::<AccountItem>).transpose()?;
        Ok(match now {
            Some(item) if item.account.is_blocked() => BlockOutcome::AlreadyBlocked,
            _ => BlockOutcome::RecentActivity,
        })
    }

    async fn mark_warned(&self, who: &StaffActivity, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<bool, StoreError> {
        let update = self
            .account_update(who)
            .update_expression("SET inactivity_warned_for = :activity")
            .condition_expression(format!(
                "#status = :active AND {LAST_ACTIVITY_AT} = :seen AND (attribute_not_exists(inactivity_warned_for) OR inactivity_warned_for <> :activity)"
            ))
            .expression_attribute_values(":activity", s(who.account.last_activity().to_string()));
        self.write(built(update.build())?, audit, outbox).await
    }
}
