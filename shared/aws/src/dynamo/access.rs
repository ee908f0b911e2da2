//! Access requests and the registration journal (order No. 419). A decision is one
//! transaction: the request (only while still pending — so of two concurrent decisions
//! exactly one wins), the account it creates or changes (login and staff IIN claimed by
//! conditional puts, ACS-7), the journal row numbered by the gapless `journal` sequence
//! (ACS-6), the audit entry and the answer's outbox message.

use super::accounts::{account_put_new, account_replace, unique_put_new};
use super::attachments::cite;
use super::audit::audit_put;
use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::outbox::outbox_put;
use super::page::query_page;
use super::sequence::{write_with_next_or_conditions, SequenceWriteError};
use super::{built, failed_conditions, from_item, put_new, s, store_error, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::{AccessRequest, JournalRow, RequestStatus};
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{AccessRequestStore, AccountEffect, DecideError, DecisionWrite, StoreError, SubmitError, UniqueKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct RequestItem {
    pk: String,
    sk: String,
    entity: String,
    gsi1pk: String,
    gsi1sk: String,
    #[serde(flatten)]
    request: AccessRequest,
}

impl RequestItem {
    fn new(r: &AccessRequest) -> Self {
        let (pk, sk) = keys::access_request(&r.id);
        Self {
            pk,
            sk,
            entity: "access_request".into(),
            gsi1pk: keys::ACCESS_REQUESTS.into(),
            gsi1sk: format!("{}#{}#{}", r.status.rank(), sort_key(r.received_at), r.id),
            request: r.clone(),
        }
    }
}

/// The gapless sequence that numbers the registration journal's rows (ACS-6).
pub const JOURNAL_SEQUENCE: &str = "journal";

/// The transaction item that writes a numbered journal row (its key must be new).
pub(crate) fn journal_put(table: &str, row: &JournalRow) -> Result<TransactWriteItem, StoreError> {
    let (pk, sk) = keys::journal(&JournalRow::row_key(row.registered_at, row.number));
    put_new(table, to_item(&JournalItem { pk, sk, entity: "journal_row".into(), row: row.clone() })?)
}

#[derive(Serialize, Deserialize)]
struct JournalItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    row: JournalRow,
}

fn open_request_key(r: &AccessRequest) -> UniqueKey {
    UniqueKey::OpenAccessRequest { iin: r.user.iin.clone(), kind: r.kind }
}

#[derive(Clone, Debug)]
pub struct DynamoAccessRequests {
    table: Table,
}

impl DynamoAccessRequests {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// The decision's items, in a fixed order (see [`Self::classify`]).
    fn decision_items(&self, write: &DecisionWrite) -> Result<Vec<TransactWriteItem>, StoreError> {
        let name = &self.table.name;
        let pending = built(
            Put::builder()
                .table_name(name)
                .set_item(Some(to_item(&RequestItem::new(&write.request))?))
                .condition_expression("#status = :pending")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":pending", s(RequestStatus::Pending.as_str()))
                .build(),
        )?;
        let (upk, usk) = keys::unique(&open_request_key(&write.request));
        let release = built(Delete::builder().table_name(name).key(PK, s(upk)).key(SK, s(usk)).build())?;
        let mut items = vec![TransactWriteItem::builder().put(pending).build(), TransactWriteItem::builder().delete(release).build()];
        match &write.effect {
            AccountEffect::None => {}
            AccountEffect::Create(account) => {
                items.push(account_put_new(name, account)?);
                items.push(unique_put_new(name, &UniqueKey::Login(account.login.clone()), &account.id)?);
                if let Some(iin) = &account.iin {
                    items.push(unique_put_new(name, &UniqueKey::StaffIin(iin.clone()), &account.id)?);
                }
            }
            AccountEffect::Replace { account, expected_token_version } => {
                items.push(account_replace(name, account, *expected_token_version)?);
            }
        }
        if let Some(row) = &write.journal {
            items.push(journal_put(name, row)?);
        }
        items.push(audit_put(&self.table.name, &write.audit)?);
        for m in &write.outbox {
            items.push(outbox_put(name, m)?);
        }
        Ok(items)
    }

    /// Which condition failed, by position in [`Self::decision_items`].
    fn classify(write: &DecisionWrite, failed: &[bool]) -> DecideError {
        if failed.first() == Some(&true) {
            return DecideError::AlreadyDecided;
        }
        match &write.effect {
            AccountEffect::Create(account) => {
                if failed.get(3) == Some(&true) {
                    return DecideError::Taken(UniqueKey::Login(account.login.clone()));
                }
                if let (Some(true), Some(iin)) = (failed.get(4), &account.iin) {
                    return DecideError::Taken(UniqueKey::StaffIin(iin.clone()));
                }
            }
            AccountEffect::Replace { .. } if failed.get(2) == Some(&true) => return DecideError::AccountChanged,
            _ => {}
        }
        DecideError::Store(StoreError::Conflict)
    }
}

#[async_trait]
impl AccessRequestStore for DynamoAccessRequests {
    async fn submit(&self, request: &AccessRequest, audit: &AuditEntry) -> Result<(), SubmitError> {
        let name = &self.table.name;
        let result = self
            .table
            .client
            .transact_write_items()
            .transact_items(put_new(name, to_item(&RequestItem::new(request))?)?)
            .transact_items(unique_put_new(name, &open_request_key(request), &request.id)?)
            .transact_items(cite(name, &request.basis_document, &format!("access-request:{}", request.id))?)
            .transact_items(audit_put(&self.table.name, audit)?)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e) {
                Some(failed) if failed.get(1) == Some(&true) => Err(SubmitError::Duplicate),
                Some(failed) if failed.iter().any(|f| *f) => Err(StoreError::Conflict.into()),
                _ => Err(store_error(e).into()),
            },
        }
    }

    async fn get(&self, id: &str) -> Result<Option<AccessRequest>, StoreError> {
        self.table.get(keys::access_request(id)).await?.map(|i| from_item::<RequestItem>(i).map(|r| r.request)).transpose()
    }

    async fn list(&self, status: Option<RequestStatus>, page: &PageRequest) -> Result<Page<AccessRequest>, StoreError> {
        let mut query = self.table.client.query().index_name(GSI1).expression_attribute_values(":pk", s(keys::ACCESS_REQUESTS));
        query = match status {
            Some(st) => query
                .key_condition_expression("gsi1pk = :pk AND begins_with(gsi1sk, :rank)")
                .expression_attribute_values(":rank", s(format!("{}#", st.rank()))),
            None => query.key_condition_expression("gsi1pk = :pk"),
        };
        query_page(&self.table, query, page, &[PK, SK, GSI1_PK, GSI1_SK], (GSI1_PK, keys::ACCESS_REQUESTS), |item| {
            from_item::<RequestItem>(item).map(|r| r.request)
        })
        .await
    }

    async fn decide(&self, write: DecisionWrite) -> Result<Option<u64>, DecideError> {
        if write.journal.is_none() {
            let items = self.decision_items(&write)?;
            let result = self.table.client.transact_write_items().set_transact_items(Some(items)).send().await;
            return match result {
                Ok(_) => Ok(None),
                Err(e) => match failed_conditions(&e) {
                    Some(failed) if failed.iter().any(|f| *f) => Err(Self::classify(&write, &failed)),
                    _ => Err(DecideError::Store(store_error(e))),
                },
            };
        }
        // A journal row: number it from the gapless sequence in the same transaction, and let
        // the account and the request point at it.
        let numbered = |number: u64| {
            let mut w = write.clone();
            if let Some(row) = w.journal.as_mut() {
                row.number = number;
                let key = JournalRow::row_key(row.registered_at, number);
                match &mut w.effect {
                    AccountEffect::Create(a) | AccountEffect::Replace { account: a, .. } => a.journal_row = Some(key),
                    AccountEffect::None => {}
                }
                if let Some(d) = w.request.decision.as_mut() {
                    d.journal_number = Some(number);
                }
            }
            w
        };
        match write_with_next_or_conditions(&self.table, JOURNAL_SEQUENCE, |number| self.decision_items(&numbered(number))).await {
            Ok(number) => Ok(Some(number)),
            Err(SequenceWriteError::Conditions(failed)) => Err(Self::classify(&write, &failed)),
            Err(SequenceWriteError::Store(e)) => Err(DecideError::Store(e)),
        }
    }

    async fn journal(&self, from: Timestamp, to: Timestamp, page: &PageRequest) -> Result<Page<JournalRow>, StoreError> {
        // Row keys are `<time>#<number>`: the bare time of `to` sorts before every row at `to`.
        let query = self
            .table
            .client
            .query()
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::JOURNAL))
            .expression_attribute_values(":from", s(sort_key(from)))
            .expression_attribute_values(":to", s(sort_key(to)))
            .consistent_read(true);
        query_page(&self.table, query, page, &[PK, SK], (PK, keys::JOURNAL), |item| from_item::<JournalItem>(item).map(|j| j.row)).await
    }
}

/// Writes journal rows as they are (numbers included), bypassing the decision transaction:
/// for benchmarks, migrations and tests of large ranges ([`Table::put_batch`]).
pub async fn bulk_load_journal(table: &Table, rows: &[JournalRow]) -> Result<(), StoreError> {
    let items = rows
        .iter()
        .map(|row| {
            let (pk, sk) = keys::journal(&JournalRow::row_key(row.registered_at, row.number));
            to_item(&JournalItem { pk, sk, entity: "journal_row".into(), row: row.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    table.put_batch(items).await
}
