//! The consumers' processed-event records: claimed with a conditional write (a lease, so a
//! crashed invocation's claim lapses), settled with the outcome, kept 15 days by TTL — longer
//! than SQS keeps a message (at most 14 days), so a redelivery always finds its record.

use super::keys::{self, EXPIRES_AT, PK, SK};
use super::{error_code, from_item, n, s, store_error, Table};
use async_trait::async_trait;
use enbek_core::ports::{Claim, ProcessedEvents, Settlement, StoreError, POISONED};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

/// How long a record is kept.
pub const RETENTION: SignedDuration = SignedDuration::from_hours(15 * 24);

#[derive(Clone, Debug)]
pub struct DynamoProcessed {
    table: Table,
}

impl DynamoProcessed {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[derive(Deserialize)]
struct Record {
    status: String,
}

#[async_trait]
impl ProcessedEvents for DynamoProcessed {
    async fn claim(&self, consumer: &str, event_id: &str, now: Timestamp, lease: SignedDuration) -> Result<Claim, StoreError> {
        let (pk, sk) = keys::processed(consumer, event_id);
        let claimed = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key(PK, s(&pk))
            .key(SK, s(&sk))
            .update_expression("SET #status = :claimed, lease_until = :until, entity = :entity, #exp = :exp")
            .condition_expression("attribute_not_exists(pk) OR #status = :poisoned OR (#status = :claimed AND lease_until < :now)")
            .expression_attribute_values(":poisoned", s(POISONED))
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":claimed", s("claimed"))
            .expression_attribute_values(":until", n((now + lease).as_second()))
            .expression_attribute_values(":now", n(now.as_second()))
            .expression_attribute_values(":entity", s("processed_event"))
            .expression_attribute_values(":exp", n((now + RETENTION).as_second()))
            .send()
            .await;
        match claimed {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => {
                let record = self.table.get((pk, sk)).await?.map(from_item::<Record>).transpose()?;
                Ok(match record {
                    Some(r) if r.status == "done" => Claim::Done,
                    _ => Claim::Busy,
                })
            }
            Err(e) => Err(store_error(e)),
        }
    }

    async fn settle(&self, consumer: &str, event_id: &str, now: Timestamp, settlement: &Settlement) -> Result<(), StoreError> {
        let (pk, sk) = keys::processed(consumer, event_id);
        let mut set = "SET #status = :status, outcome = :outcome, event_type = :type, settled_at = :at, #exp = :exp".to_owned();
        if settlement.detail.is_some() {
            set.push_str(", detail = :detail");
        }
        let mut update = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(format!("{set} REMOVE lease_until"))
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":status", s(if settlement.outcome == POISONED { POISONED } else { "done" }))
            .expression_attribute_values(":outcome", s(&settlement.outcome))
            .expression_attribute_values(":type", s(&settlement.event_type))
            .expression_attribute_values(":at", s(now.to_string()))
            .expression_attribute_values(":exp", n((now + RETENTION).as_second()));
        if let Some(detail) = &settlement.detail {
            // A poison message's reason (e.g. AIS's answer), bounded.
            update = update.expression_attribute_values(":detail", s(detail.chars().take(2000).collect::<String>()));
        }
        update.send().await.map(|_| ()).map_err(store_error)
    }

    async fn release(&self, consumer: &str, event_id: &str) -> Result<(), StoreError> {
        let (pk, sk) = keys::processed(consumer, event_id);
        let released = self
            .table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .condition_expression("#status = :claimed")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":claimed", s("claimed"))
            .send()
            .await;
        match released {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => Ok(()),
            Err(e) => Err(store_error(e)),
        }
    }
}

/// The record of an event, for operators and tests: `(status, outcome, detail)`.
pub async fn record_of(
    table: &Table,
    consumer: &str,
    event_id: &str,
) -> Result<Option<(String, Option<String>, Option<String>)>, StoreError> {
    #[derive(Deserialize)]
    struct Full {
        status: String,
        outcome: Option<String>,
        detail: Option<String>,
    }
    Ok(table.get(keys::processed(consumer, event_id)).await?.map(from_item::<Full>).transpose()?.map(|f| (f.status, f.outcome, f.detail)))
}
