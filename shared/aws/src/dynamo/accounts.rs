//! Accounts in DynamoDB. Uniqueness of logins (and of staff IINs, and of the first security
//! administrator) is enforced by conditional puts in the same transaction that creates the
//! account; every change carries its audit entry in the same transaction.

use super::access::{journal_put, JOURNAL_SEQUENCE};
use super::audit::audit_put;
use super::keys::{self, LAST_ACTIVITY_AT, STAFF_ACTIVE};
use super::sequence::{write_with_next_or_conditions, SequenceWriteError};
use super::{failed_conditions, from_item, n, put_new, s, store_error, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::{Account, BlockedReason, JournalRow, Login};
use enbek_core::ports::{staff_activity_shard, AccountStore, CreateAccountError, StoreError, UniqueKey, UpdateAccountError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub(crate) struct AccountItem {
    pk: String,
    sk: String,
    entity: String,
    /// Present only on active staff accounts: the key of the sparse `staff-activity` index,
    /// `ACTIVE#<shard>` (write-sharded by account ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) staff_active: Option<String>,
    /// The last activity (ACS-9): sign-in, issue of the login or reactivation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_activity_at: Option<String>,
    #[serde(flatten)]
    pub(crate) account: Account,
}

impl AccountItem {
    fn new(account: &Account) -> Self {
        let (pk, sk) = keys::account(&account.id);
        let swept = account.is_swept();
        Self {
            pk,
            sk,
            entity: "account".into(),
            staff_active: swept.then(|| keys::staff_activity_partition(staff_activity_shard(&account.id))),
            last_activity_at: swept.then(|| sort_key(account.last_activity())),
            account: account.clone(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct UniqueItem {
    pk: String,
    sk: String,
    entity: String,
    account_id: String,
}

/// The transaction item that creates `account` (its key must be new).
pub(crate) fn account_put_new(table: &str, account: &Account) -> Result<TransactWriteItem, StoreError> {
    put_new(table, to_item(&AccountItem::new(account))?)
}

/// The transaction item that claims a unique value for `account_id`.
pub(crate) fn unique_put_new(table: &str, key: &UniqueKey, account_id: &str) -> Result<TransactWriteItem, StoreError> {
    let (pk, sk) = keys::unique(key);
    put_new(table, to_item(&UniqueItem { pk, sk, entity: "unique".into(), account_id: account_id.to_owned() })?)
}

/// The transaction item that replaces `account` if its token version is still `expected`
/// (a concurrent password change, block or change of rights makes it fail).
pub(crate) fn account_replace(table: &str, account: &Account, expected_token_version: u32) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(to_item(&AccountItem::new(account))?))
        .condition_expression("attribute_exists(pk) AND token_version = :expected")
        .expression_attribute_values(":expected", n(expected_token_version))
        .build()
        .map_err(|e| StoreError::Other(Box::new(e)))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The account holding a unique value, if any.
pub(crate) async fn holder_of(table: &Table, key: &UniqueKey) -> Result<Option<String>, StoreError> {
    Ok(table.get(keys::unique(key)).await?.and_then(|i| from_item::<UniqueItem>(i).ok()).map(|u| u.account_id))
}

/// Writes accounts as they are, index attributes included but without their uniqueness claims
/// or audit entries ([`Table::put_batch`]): for benchmarks and migrations only.
pub async fn bulk_load_accounts(table: &Table, accounts: &[Account]) -> Result<(), StoreError> {
    let items = accounts.iter().map(|a| to_item(&AccountItem::new(a))).collect::<Result<Vec<_>, _>>()?;
    table.put_batch(items).await
}

#[derive(Clone, Debug)]
pub struct DynamoAccounts {
    table: Table,
}

impl DynamoAccounts {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    fn update(&self, id: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        let (pk, sk) = keys::account(id);
        Update::builder().table_name(&self.table.name).key(keys::PK, s(pk)).key(keys::SK, s(sk))
    }

    /// Runs a two-item transaction (the change, then its audit entry); a failed condition on
    /// the change is `on_condition`.
    async fn change(&self, update: Update, audit: &AuditEntry, on_condition: UpdateAccountError) -> Result<(), UpdateAccountError> {
        self.change_with(update, audit, None, on_condition).await
    }

    /// [`Self::change`] with one more item in the transaction.
    async fn change_with(
        &self,
        update: Update,
        audit: &AuditEntry,
        extra: Option<TransactWriteItem>,
        on_condition: UpdateAccountError,
    ) -> Result<(), UpdateAccountError> {
        let mut req = self
            .table
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(update).build())
            .transact_items(audit_put(&self.table.name, audit)?);
        if let Some(item) = extra {
            req = req.transact_items(item);
        }
        let result = req.send().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match failed_conditions(&e) {
                Some(failed) if failed.first() == Some(&true) => Err(on_condition),
                _ => Err(UpdateAccountError::Store(store_error(e))),
            },
        }
    }
}

use super::built as build;

#[async_trait]
impl AccountStore for DynamoAccounts {
    async fn create(&self, account: &Account, extra: &[UniqueKey], audit: &AuditEntry) -> Result<(), CreateAccountError> {
        let mut uniques = vec![UniqueKey::Login(account.login.clone())];
        uniques.extend(extra.iter().cloned());
        let mut req = self.table.client.transact_write_items().transact_items(account_put_new(&self.table.name, account)?);
        for key in &uniques {
            req = req.transact_items(unique_put_new(&self.table.name, key, &account.id)?);
        }
        req = req.transact_items(audit_put(&self.table.name, audit)?);
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                if let Some(failed) = failed_conditions(&e) {
                    // Item 0 is the account (a fresh ID never collides); 1.. are the unique values.
                    if let Some(pos) = failed.iter().skip(1).position(|f| *f) {
                        if let Some(key) = uniques.get(pos) {
                            return Err(CreateAccountError::Taken(key.clone()));
                        }
                    }
                }
                Err(CreateAccountError::Store(store_error(e)))
            }
        }
    }

    async fn create_issued(
        &self,
        account: &Account,
        extra: &[UniqueKey],
        journal: &JournalRow,
        audit: &AuditEntry,
    ) -> Result<u64, CreateAccountError> {
        let mut uniques = vec![UniqueKey::Login(account.login.clone())];
        uniques.extend(extra.iter().cloned());
        let name = &self.table.name;
        let items = |number: u64| {
            let mut row = journal.clone();
            row.number = number;
            let mut account = account.clone();
            account.journal_row = Some(JournalRow::row_key(row.registered_at, number));
            let mut items = vec![account_put_new(name, &account)?];
            for key in &uniques {
                items.push(unique_put_new(name, key, &account.id)?);
            }
            items.push(journal_put(name, &row)?);
            items.push(audit_put(name, audit)?);
            Ok(items)
        };
        match write_with_next_or_conditions(&self.table, JOURNAL_SEQUENCE, items).await {
            Ok(number) => Ok(number),
            Err(SequenceWriteError::Conditions(failed)) => match failed.iter().skip(1).position(|f| *f).and_then(|pos| uniques.get(pos)) {
                Some(key) => Err(CreateAccountError::Taken(key.clone())),
                None => Err(CreateAccountError::Store(StoreError::Conflict)),
            },
            Err(SequenceWriteError::Store(e)) => Err(CreateAccountError::Store(e)),
        }
    }

    async fn get(&self, id: &str) -> Result<Option<Account>, StoreError> {
        match self.table.get(keys::account(id)).await? {
            Some(item) => Ok(Some(from_item::<AccountItem>(item)?.account)),
            None => Ok(None),
        }
    }

    async fn holder_of(&self, key: &UniqueKey) -> Result<Option<String>, StoreError> {
        holder_of(&self.table, key).await
    }

    async fn find_by_login(&self, login: &Login) -> Result<Option<Account>, StoreError> {
        match self.table.get(keys::unique(&UniqueKey::Login(login.clone()))).await? {
            Some(item) => self.get(&from_item::<UniqueItem>(item)?.account_id).await,
            None => {
                // Same two round trips for an unknown login as for a known one, so sign-in's
                // answer time does not tell which logins exist.
                self.get(&enbek_core::ids::new_id()).await?;
                Ok(None)
            }
        }
    }

    async fn record_sign_in(&self, account: &Account, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError> {
        let at_text = at.to_string();
        let mut update =
            self.update(&account.id).condition_expression("attribute_exists(pk)").expression_attribute_values(":at", s(at_text));
        // Only active staff are in the sparse index; keep their activity current there.
        update = if account.is_swept() {
            update
                .update_expression(format!("SET last_login_at = :at, {LAST_ACTIVITY_AT} = :key"))
                .expression_attribute_values(":key", s(sort_key(at)))
        } else {
            update.update_expression("SET last_login_at = :at")
        };
        self.change(build(update.build())?, audit, UpdateAccountError::NotFound).await
    }

    async fn set_password(&self, account: &Account, hash: &str, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError> {
        let update = self
            .update(&account.id)
            .update_expression(
                "SET password_hash = :h, must_change_password = :f, password_changed_at = :at, token_version = :next \
                 REMOVE temporary_password_expires_at",
            )
            .condition_expression("attribute_exists(pk) AND token_version = :ver")
            .expression_attribute_values(":h", s(hash))
            .expression_attribute_values(":f", aws_sdk_dynamodb::types::AttributeValue::Bool(false))
            .expression_attribute_values(":at", s(at.to_string()))
            .expression_attribute_values(":ver", n(account.token_version))
            .expression_attribute_values(":next", n(account.token_version + 1));
        // ACS-5/ACS-6: replacing the temporary password of an issued login completes its
        // registration; the journal row records when, in the same transaction.
        let completes = account.journal_row.as_ref().filter(|_| account.must_change_password);
        let (update, extra) = match completes {
            Some(row) => {
                let (pk, sk) = keys::journal(row);
                let complete = Update::builder()
                    .table_name(&self.table.name)
                    .key(keys::PK, s(pk))
                    .key(keys::SK, s(sk))
                    .update_expression("SET registration_completed_at = :at")
                    .condition_expression("attribute_exists(pk) AND attribute_not_exists(registration_completed_at)")
                    .expression_attribute_values(":at", s(at.to_string()));
                let item = TransactWriteItem::builder().update(build(complete.build())?).build();
                (
                    update.update_expression(
                        "SET password_hash = :h, must_change_password = :f, password_changed_at = :at, token_version = :next \
                         REMOVE journal_row, temporary_password_expires_at",
                    ),
                    Some(item),
                )
            }
            None => (update, None),
        };
        self.change_with(build(update.build())?, audit, extra, UpdateAccountError::Conflict).await
    }

    async fn block(&self, id: &str, reason: BlockedReason, at: Timestamp, audit: &AuditEntry) -> Result<Account, UpdateAccountError> {
        let update = self
            .update(id)
            .update_expression(format!(
                "SET #status = :blocked, blocked_reason = :reason, blocked_at = :at, token_version = token_version + :one REMOVE {STAFF_ACTIVE}, {LAST_ACTIVITY_AT}"
            ))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":blocked", s("blocked"))
            .expression_attribute_values(":reason", s(reason.as_str()))
            .expression_attribute_values(":at", s(at.to_string()))
            .expression_attribute_values(":one", n(1));
        self.change(build(update.build())?, audit, UpdateAccountError::NotFound).await?;
        self.get(id).await?.ok_or(UpdateAccountError::NotFound)
    }
}
