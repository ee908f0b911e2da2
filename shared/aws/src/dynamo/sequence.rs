//! Gapless sequences: numbers 1, 2, 3, … per named sequence (e.g. ticket numbers per year,
//! rows of the registration journal), each written in the same transaction as the item that
//! carries it. A number is therefore never skipped (a failed write takes no number) nor
//! handed out twice (the counter moves by a conditional update). Concurrent writers retry
//! with a fresh read; this suits the low write rates of forms, not hot paths.

use super::keys;
use super::{failed_conditions, n, s, store_error, Table};
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use enbek_core::ports::StoreError;
use std::time::Duration;

const MAX_ATTEMPTS: u32 = 200;

/// The current value of a sequence (0 before the first number).
pub async fn current(table: &Table, sequence: &str) -> Result<u64, StoreError> {
    Ok(table
        .get(keys::sequence(sequence))
        .await?
        .and_then(|item| item.get("value").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()))
        .unwrap_or(0))
}

/// Why [`write_with_next_or_conditions`] wrote nothing.
#[derive(Debug)]
pub enum SequenceWriteError {
    /// Conditions of the caller's items failed: one flag per item of `make`, in order.
    Conditions(Vec<bool>),
    Store(StoreError),
}

impl From<StoreError> for SequenceWriteError {
    fn from(e: StoreError) -> Self {
        SequenceWriteError::Store(e)
    }
}

/// Takes the next number of `sequence` and writes `make(number)`'s items in one transaction.
/// Returns the number taken; a failed condition of the caller's items is `Conflict`.
pub async fn write_with_next<F>(table: &Table, sequence: &str, make: F) -> Result<u64, StoreError>
where
    F: Fn(u64) -> Result<Vec<TransactWriteItem>, StoreError>,
{
    match write_with_next_or_conditions(table, sequence, make).await {
        Ok(n) => Ok(n),
        Err(SequenceWriteError::Conditions(_)) => Err(StoreError::Conflict),
        Err(SequenceWriteError::Store(e)) => Err(e),
    }
}

/// [`write_with_next`], telling which of the caller's items failed their condition.
pub async fn write_with_next_or_conditions<F>(table: &Table, sequence: &str, make: F) -> Result<u64, SequenceWriteError>
where
    F: Fn(u64) -> Result<Vec<TransactWriteItem>, StoreError>,
{
    let (pk, sk) = keys::sequence(sequence);
    for attempt in 0..MAX_ATTEMPTS {
        let value = current(table, sequence).await?;
        let next = value + 1;
        let update = Update::builder()
            .table_name(&table.name)
            .key(keys::PK, s(&pk))
            .key(keys::SK, s(&sk))
            .update_expression("SET #v = :next, entity = :entity")
            .condition_expression(if value == 0 { "attribute_not_exists(pk)" } else { "#v = :current" })
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":next", n(next))
            .expression_attribute_values(":entity", s("sequence"));
        // DynamoDB refuses unused expression values: `:current` only when it is compared.
        let update = if value == 0 { update } else { update.expression_attribute_values(":current", n(value)) };
        let update = update.build().map_err(|e| StoreError::Other(Box::new(e)))?;
        let mut req = table.client.transact_write_items().transact_items(TransactWriteItem::builder().update(update).build());
        for item in make(next)? {
            req = req.transact_items(item);
        }
        let e = match req.send().await {
            Ok(_) => return Ok(next),
            Err(e) => e,
        };
        match failed_conditions(&e) {
            // Someone took this number first: read again and retry.
            Some(failed) if failed.first() == Some(&true) => {}
            // A condition of the caller's own items failed: retrying cannot help.
            Some(failed) if failed.iter().any(|f| *f) => return Err(SequenceWriteError::Conditions(failed.into_iter().skip(1).collect())),
            // Cancelled by a conflicting transaction: retry.
            Some(_) => {}
            None => return Err(store_error(e).into()),
        }
        let jitter = u64::from(rand::random::<u8>() % 20) + u64::from(attempt.min(10));
        tokio::time::sleep(Duration::from_millis(jitter)).await;
    }
    Err(StoreError::Unavailable(format!("sequence {sequence} is contended").into()).into())
}
