//! Fixed-window counters (sign-in attempts per login and per address, filings and
//! registrations per address). The window opens at the first event and lasts `limit.window`;
//! items expire by TTL afterwards.
//!
//! A slot is reserved by one conditional write before the work it limits (never read, then
//! write), so N parallel requests take at most `max_events` slots between them.

use super::keys::{self, EXPIRES_AT};
use super::{error_code, n, s, store_error, Table};
use async_trait::async_trait;
use enbek_core::ports::{RateLimit, RateLimiter, StoreError};
use jiff::Timestamp;

#[derive(Clone, Debug)]
pub struct DynamoRateLimiter {
    table: Table,
}

impl DynamoRateLimiter {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

const CONDITION_FAILED: &str = "ConditionalCheckFailedException";

#[async_trait]
impl RateLimiter for DynamoRateLimiter {
    async fn acquire(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<Option<u64>, StoreError> {
        let (pk, sk) = keys::rate(key);
        let now_s = now.as_second();
        let window = limit.window.as_secs();
        let cutoff = now_s - window;
        for _ in 0..5 {
            // Take a slot of the open window, or open the first one: one conditional update.
            let taken = self
                .table
                .client
                .update_item()
                .table_name(&self.table.name)
                .key(keys::PK, s(&pk))
                .key(keys::SK, s(&sk))
                .update_expression(
                    "SET #count = if_not_exists(#count, :zero) + :one, window_start = if_not_exists(window_start, :now), \
                     entity = :entity, #exp = if_not_exists(#exp, :exp)",
                )
                .condition_expression("attribute_not_exists(pk) OR (window_start > :cutoff AND #count < :max)")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#exp", EXPIRES_AT)
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now_s))
                .expression_attribute_values(":entity", s("rate"))
                .expression_attribute_values(":exp", n(now_s + window + 60))
                .expression_attribute_values(":cutoff", n(cutoff))
                .expression_attribute_values(":max", n(limit.max_events))
                .send()
                .await;
            match taken {
                Ok(_) => return Ok(None),
                Err(e) if error_code(&e) == Some(CONDITION_FAILED) => {}
                Err(e) => return Err(store_error(e)),
            }
            // The window is full, or over: open a new one if it is over.
            let opened = self
                .table
                .client
                .put_item()
                .table_name(&self.table.name)
                .item(keys::PK, s(&pk))
                .item(keys::SK, s(&sk))
                .item("entity", s("rate"))
                .item("window_start", n(now_s))
                .item("count", n(1))
                .item(EXPIRES_AT, n(now_s + window + 60))
                .condition_expression("window_start <= :cutoff")
                .expression_attribute_values(":cutoff", n(cutoff))
                .send()
                .await;
            match opened {
                Ok(_) => return Ok(None),
                Err(e) if error_code(&e) == Some(CONDITION_FAILED) => {}
                Err(e) => return Err(store_error(e)),
            }
            // Full: say how long until the window ends (or try again if it changed meanwhile).
            let Some(item) = self.table.get((pk.clone(), sk.clone())).await? else { continue };
            let num = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
            if let (Some(start), Some(count)) = (num("window_start"), num("count")) {
                if start > cutoff && count >= i64::from(limit.max_events) {
                    return Ok(Some((start + window - now_s).max(1) as u64));
                }
            }
        }
        Err(StoreError::Unavailable("rate-limit window contended".into()))
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let (pk, sk) = keys::rate(key);
        let released = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key(keys::PK, s(pk))
            .key(keys::SK, s(sk))
            .update_expression("SET #count = #count - :one")
            .condition_expression("#count > :zero")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            // Nothing to give back (the window was reset or has expired).
            Err(e) if error_code(&e) == Some(CONDITION_FAILED) => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.table.delete(keys::rate(key)).await
    }
}
