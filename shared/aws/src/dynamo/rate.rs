//! Fixed-window counters (sign-in failures per login, filings per address). The window opens
//! at the first event and lasts `limit.window`; items expire by TTL afterwards.

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
    async fn retry_after(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<Option<u64>, StoreError> {
        let Some(item) = self.table.get(keys::rate(key)).await? else { return Ok(None) };
        let num = |name: &str| item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        let (Some(start), Some(count)) = (num("window_start"), num("count")) else { return Ok(None) };
        let ends = start + limit.window.as_secs();
        let now = now.as_second();
        if count >= i64::from(limit.max_events) && now < ends {
            Ok(Some((ends - now).max(1) as u64))
        } else {
            Ok(None)
        }
    }

    async fn record(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<(), StoreError> {
        let (pk, sk) = keys::rate(key);
        let now_s = now.as_second();
        let cutoff = now_s - limit.window.as_secs();
        for _ in 0..3 {
            // Count within the open window…
            let bumped = self
                .table
                .client
                .update_item()
                .table_name(&self.table.name)
                .key(keys::PK, s(&pk))
                .key(keys::SK, s(&sk))
                .update_expression("ADD #count :one")
                .condition_expression("attribute_exists(pk) AND window_start > :cutoff")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cutoff", n(cutoff))
                .send()
                .await;
            match bumped {
                Ok(_) => return Ok(()),
                Err(e) if error_code(&e) == Some(CONDITION_FAILED) => {}
                Err(e) => return Err(store_error(e)),
            }
            // …or open a new one, unless a concurrent event just did (then count in it).
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
                .item(EXPIRES_AT, n(now_s + limit.window.as_secs() + 60))
                .condition_expression("attribute_not_exists(pk) OR window_start <= :cutoff")
                .expression_attribute_values(":cutoff", n(cutoff))
                .send()
                .await;
            match opened {
                Ok(_) => return Ok(()),
                Err(e) if error_code(&e) == Some(CONDITION_FAILED) => continue,
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(StoreError::Unavailable("rate-limit window contended".into()))
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.table.delete(keys::rate(key)).await
    }
}
