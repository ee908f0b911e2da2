//! Grants, their reports and refunds. The grant item keeps `available_tiyn` (amount − spent −
//! refunded); every write that takes money takes it with a conditional update of that counter
//! (`available_tiyn >= :amount`) in the transaction of the report or refund it writes, so no
//! interleaving of writers can overdraw a grant (a condition cannot do arithmetic, hence the
//! counter kept beside the totals). Reports and refunds live in the grant's partition.

use super::attachments::cite;
use super::audit::audit_put;
use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, PK, SK};
use super::outbox::outbox_put;
use super::page::query_page;
use super::{built, failed_conditions, from_item, n, put_new, s, store_error, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::{Grant, GrantReport, Refund, RefundStatus, ReportStatus};
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{GrantStore, GrantWriteError, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct GrantItem {
    pk: String,
    sk: String,
    entity: String,
    gsi1pk: String,
    gsi1sk: String,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(flatten)]
    grant: Grant,
}

#[derive(Serialize, Deserialize)]
struct ReportItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    report: GrantReport,
}

#[derive(Serialize, Deserialize)]
struct RefundItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    refund: Refund,
}

fn report_item(r: &GrantReport) -> Result<super::Item, StoreError> {
    let (pk, sk) = keys::grant_report(&r.grant_id, &r.id);
    to_item(&ReportItem { pk, sk, entity: "grant_report".into(), report: r.clone() })
}

fn refund_item(r: &Refund) -> Result<super::Item, StoreError> {
    let (pk, sk) = keys::grant_refund(&r.grant_id, &r.id);
    to_item(&RefundItem { pk, sk, entity: "grant_refund".into(), refund: r.clone() })
}

#[derive(Clone, Debug)]
pub struct DynamoGrants {
    table: Table,
}

impl DynamoGrants {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// Moves `amount` tiyn of the grant: `taken` > 0 takes from what is available (only if
    /// that much is), < 0 gives back; `into` names the total it goes to or comes from.
    fn money(&self, grant_id: &str, taken: i64, into: &str) -> Result<TransactWriteItem, StoreError> {
        let (pk, sk) = keys::grant(grant_id);
        let mut update = Update::builder()
            .table_name(&self.table.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(format!("SET available_tiyn = available_tiyn - :t, {into} = {into} + :t"))
            .expression_attribute_values(":t", n(taken));
        update = if taken > 0 {
            update.condition_expression("available_tiyn >= :t")
        } else {
            update.condition_expression("attribute_exists(pk)")
        };
        Ok(TransactWriteItem::builder().update(built(update.build())?).build())
    }

    fn replace_if(&self, item: super::Item, status: &str) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table.name)
            .set_item(Some(item))
            .condition_expression("#status = :expected")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":expected", s(status));
        Ok(TransactWriteItem::builder().put(built(put.build())?).build())
    }

    /// Runs a money-moving transaction; `on_failed(index)` names what a failed condition means.
    async fn run(&self, items: Vec<TransactWriteItem>, on_failed: impl Fn(usize) -> GrantWriteError) -> Result<(), GrantWriteError> {
        match self.table.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e).and_then(|f| f.iter().position(|x| *x)) {
                Some(i) => Err(on_failed(i)),
                None => Err(GrantWriteError::Store(store_error(e))),
            },
        }
    }

    fn tail(&self, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = vec![audit_put(&self.table.name, audit)?];
        for m in outbox {
            items.push(outbox_put(&self.table.name, m)?);
        }
        Ok(items)
    }

    /// A page of the grant's own items of one kind (`REPORT#…`, `REFUND#…`), oldest first.
    async fn in_grant<T>(
        &self,
        grant_id: &str,
        kind: &str,
        page: &PageRequest,
        map: impl Fn(super::Item) -> Result<T, StoreError>,
    ) -> Result<Page<T>, StoreError> {
        let pk = keys::grant(grant_id).0;
        let query = self
            .table
            .client
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :kind)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":kind", s(kind))
            .consistent_read(true);
        query_page(&self.table, query, page, &[PK, SK], (PK, &pk), map).await
    }
}

#[async_trait]
impl GrantStore for DynamoGrants {
    async fn award(&self, grant: &Grant, audit: &AuditEntry) -> Result<(), StoreError> {
        let (pk, sk) = keys::grant(&grant.id);
        let newest = format!("{}#{}", sort_key(grant.awarded_at), grant.id);
        let item = GrantItem {
            pk,
            sk,
            entity: "grant".into(),
            gsi1pk: keys::GRANTS.into(),
            gsi1sk: newest.clone(),
            gsi2pk: keys::by_recipient(&grant.recipient_id),
            gsi2sk: newest,
            grant: grant.clone(),
        };
        self.table.write_all(vec![put_new(&self.table.name, to_item(&item)?)?, audit_put(&self.table.name, audit)?]).await
    }

    async fn get(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        self.table.get(keys::grant(id)).await?.map(|i| from_item::<GrantItem>(i).map(|g| g.grant)).transpose()
    }

    async fn list(&self, recipient: Option<&str>, page: &PageRequest) -> Result<Page<Grant>, StoreError> {
        let (index, ipk, isk, partition) = match recipient {
            Some(r) => (GSI2, GSI2_PK, GSI2_SK, keys::by_recipient(r)),
            None => (GSI1, GSI1_PK, GSI1_SK, keys::GRANTS.to_owned()),
        };
        let query = self
            .table
            .client
            .query()
            .index_name(index)
            .key_condition_expression("#ipk = :partition")
            .expression_attribute_names("#ipk", ipk)
            .expression_attribute_values(":partition", s(&partition))
            .scan_index_forward(false);
        query_page(&self.table, query, page, &[PK, SK, ipk, isk], (ipk, &partition), |i| from_item::<GrantItem>(i).map(|g| g.grant)).await
    }

    async fn submit_report(&self, report: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let name = &self.table.name;
        let mut items = vec![self.money(&report.grant_id, report.total_tiyn, "spent_tiyn")?, put_new(name, report_item(report)?)?];
        for e in &report.expenses {
            for a in &e.attachments {
                items.push(cite(name, a, &format!("grant_report:{}", report.id))?);
            }
        }
        items.extend(self.tail(audit, outbox)?);
        self.run(items, |i| if i == 0 { GrantWriteError::Exceeded } else { GrantWriteError::Store(StoreError::Conflict) }).await
    }

    async fn report(&self, grant_id: &str, report_id: &str) -> Result<Option<GrantReport>, StoreError> {
        if !enbek_core::ids::is_valid_id(report_id) {
            return Ok(None);
        }
        self.table.get(keys::grant_report(grant_id, report_id)).await?.map(|i| from_item::<ReportItem>(i).map(|r| r.report)).transpose()
    }

    async fn reports(&self, grant_id: &str, page: &PageRequest) -> Result<Page<GrantReport>, StoreError> {
        self.in_grant(grant_id, keys::REPORT_PREFIX, page, |i| from_item::<ReportItem>(i).map(|r| r.report)).await
    }

    async fn decide_report(&self, decided: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let mut items = vec![self.replace_if(report_item(decided)?, ReportStatus::Submitted.as_str())?];
        if decided.status == ReportStatus::Returned {
            // A returned report no longer counts: its total goes back to the grant.
            items.push(self.money(&decided.grant_id, -decided.total_tiyn, "spent_tiyn")?);
        }
        items.extend(self.tail(audit, outbox)?);
        self.run(items, |i| if i == 0 { GrantWriteError::AlreadyDecided } else { GrantWriteError::Store(StoreError::Conflict) }).await
    }

    async fn apply_refund(&self, refund: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut items = vec![put_new(&self.table.name, refund_item(refund)?)?];
        items.extend(self.tail(audit, outbox)?);
        self.table.write_all(items).await
    }

    async fn refund(&self, grant_id: &str, refund_id: &str) -> Result<Option<Refund>, StoreError> {
        if !enbek_core::ids::is_valid_id(refund_id) {
            return Ok(None);
        }
        self.table.get(keys::grant_refund(grant_id, refund_id)).await?.map(|i| from_item::<RefundItem>(i).map(|r| r.refund)).transpose()
    }

    async fn refunds(&self, grant_id: &str, page: &PageRequest) -> Result<Page<Refund>, StoreError> {
        self.in_grant(grant_id, keys::REFUND_PREFIX, page, |i| from_item::<RefundItem>(i).map(|r| r.refund)).await
    }

    async fn decide_refund(&self, decided: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let mut items = vec![self.replace_if(refund_item(decided)?, RefundStatus::Pending.as_str())?];
        if decided.status == RefundStatus::Confirmed {
            items.push(self.money(&decided.grant_id, decided.amount_tiyn, "refunded_tiyn")?);
        }
        items.extend(self.tail(audit, outbox)?);
        self.run(items, |i| match i {
            0 => GrantWriteError::AlreadyDecided,
            1 => GrantWriteError::Exceeded,
            _ => GrantWriteError::Store(StoreError::Conflict),
        })
        .await
    }
}
