//! Vacancies, their search postings (see `domain::vacancy`) and lay-off notices. Publishing
//! writes the vacancy, its postings, the audit entry and the AIS message in one transaction;
//! closing removes the postings in the transaction that closes it.

use super::audit::audit_put;
use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::outbox::outbox_put;
use super::page::query_page;
use super::{built, error_code, from_item, n, put, put_new, s, store_error, to_item, Item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::vacancy::words;
use enbek_core::domain::{CandidateOutcome, LayoffNotice, OutcomeKind, Vacancy, VacancyActivity, VacancySearch};
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{StoreError, VacancyStore};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A vacancy's activity (VAC-6): its own item, so that closing (a put of the vacancy) never
/// races the counters.
#[derive(Serialize, Deserialize)]
struct ActivityItem {
    #[serde(flatten)]
    activity: VacancyActivity,
}

#[derive(Serialize, Deserialize)]
struct OutcomeItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    outcome: CandidateOutcome,
}

#[derive(Serialize, Deserialize)]
struct VacancyItem {
    pk: String,
    sk: String,
    entity: String,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(flatten)]
    vacancy: Vacancy,
}

/// A copy of the vacancy in one search partition.
#[derive(Serialize, Deserialize)]
struct PostingItem {
    pk: String,
    sk: String,
    entity: String,
    gsi1pk: String,
    gsi1sk: String,
    /// Folded title words, for the `contains` filter of multi-word searches.
    title_words: Vec<String>,
    /// Expires (TTL) a week after `valid_until`; searches filter expired ones before that.
    expires_at: i64,
    #[serde(flatten)]
    vacancy: Vacancy,
}

fn newest_key(v: &Vacancy) -> String {
    format!("{}#{}", sort_key(v.published_at), v.id)
}

fn postings(v: &Vacancy) -> Vec<PostingItem> {
    let expires_at = v.valid_until.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp().as_second() + 8 * 24 * 3600).unwrap_or(i64::MAX);
    v.partitions()
        .into_iter()
        .map(|partition| {
            let (pk, sk) = keys::vacancy_posting(&v.id, &partition);
            PostingItem {
                pk,
                sk,
                entity: "vacancy_posting".into(),
                gsi1pk: partition,
                gsi1sk: newest_key(v),
                title_words: words(&v.title),
                expires_at,
                vacancy: v.clone(),
            }
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
struct LayoffItem {
    pk: String,
    sk: String,
    entity: String,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(flatten)]
    notice: LayoffNotice,
}

#[derive(Clone, Debug)]
pub struct DynamoVacancies {
    table: Table,
}

impl DynamoVacancies {
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    fn vacancy_item(v: &Vacancy) -> Result<Item, StoreError> {
        let (pk, sk) = keys::vacancy(&v.id);
        to_item(&VacancyItem {
            pk,
            sk,
            entity: "vacancy".into(),
            gsi2pk: keys::by_employer(&v.employer_id),
            gsi2sk: newest_key(v),
            vacancy: v.clone(),
        })
    }
}

/// The items a published vacancy consists of: the vacancy, then its postings. For bulk loads
/// (benchmarks, migrations) that bypass the publishing transaction.
pub fn published_items(vacancy: &Vacancy) -> Result<Vec<Item>, StoreError> {
    let mut items = vec![DynamoVacancies::vacancy_item(vacancy)?];
    for p in postings(vacancy) {
        items.push(to_item(&p)?);
    }
    Ok(items)
}

#[async_trait]
impl VacancyStore for DynamoVacancies {
    async fn publish(&self, vacancy: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let name = &self.table.name;
        let mut parts = published_items(vacancy)?.into_iter();
        let mut items = vec![put_new(name, parts.next().ok_or_else(|| StoreError::Other("no vacancy item".into()))?)?];
        for p in parts {
            items.push(put(&self.table.name, p)?);
        }
        items.push(audit_put(&self.table.name, audit)?);
        for m in outbox {
            items.push(outbox_put(name, m)?);
        }
        self.table.write_all(items).await
    }

    async fn get(&self, id: &str) -> Result<Option<Vacancy>, StoreError> {
        self.table.get(keys::vacancy(id)).await?.map(|i| from_item::<VacancyItem>(i).map(|v| v.vacancy)).transpose()
    }

    async fn close(&self, closed: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let name = &self.table.name;
        let put = Put::builder()
            .table_name(name)
            .set_item(Some(Self::vacancy_item(closed)?))
            .condition_expression("#status = :published")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":published", s("published"))
            .build()
            .map_err(|e| StoreError::Other(Box::new(e)))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        for partition in closed.partitions() {
            let (pk, sk) = keys::vacancy_posting(&closed.id, &partition);
            let delete =
                Delete::builder().table_name(name).key(PK, s(pk)).key(SK, s(sk)).build().map_err(|e| StoreError::Other(Box::new(e)))?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        items.push(audit_put(&self.table.name, audit)?);
        for m in outbox {
            items.push(outbox_put(name, m)?);
        }
        self.table.write_all(items).await
    }

    async fn search(&self, search: &VacancySearch, today: Date, page: &PageRequest) -> Result<Page<Vacancy>, StoreError> {
        let partition = search.partition();
        let mut filters = vec!["valid_until >= :today".to_owned(), "#status = :published".to_owned()];
        let mut query = self
            .table
            .client
            .query()
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :partition")
            .expression_attribute_values(":partition", s(&partition))
            .expression_attribute_values(":today", s(today.to_string()))
            .expression_attribute_values(":published", s("published"))
            .expression_attribute_names("#status", "status")
            .scan_index_forward(false);
        match search.region.as_deref() {
            Some(r) if r.len() == 9 => {
                filters.push("region_code = :region".into());
                query = query.expression_attribute_values(":region", s(r));
            }
            Some(r) => {
                filters.push("begins_with(region_code, :region)".into());
                query = query.expression_attribute_values(":region", s(r));
            }
            None => {}
        }
        if let Some(c) = &search.occupation_code {
            filters.push("occupation_code = :occupation".into());
            query = query.expression_attribute_values(":occupation", s(c));
        }
        for (i, w) in search.words.iter().enumerate() {
            filters.push(format!("contains(title_words, :w{i})"));
            query = query.expression_attribute_values(format!(":w{i}"), s(w));
        }
        query = query.filter_expression(filters.join(" AND "));
        query_page(&self.table, query, page, &[PK, SK, GSI1_PK, GSI1_SK], (GSI1_PK, &partition), |item| {
            from_item::<PostingItem>(item).map(|p| p.vacancy)
        })
        .await
    }

    async fn save_layoff_notice(&self, notice: &LayoffNotice, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let (pk, sk) = keys::layoff_notice(&notice.id);
        let item = LayoffItem {
            pk,
            sk,
            entity: "layoff_notice".into(),
            gsi2pk: keys::by_employer(&notice.employer_id),
            gsi2sk: format!("{}#{}", sort_key(notice.submitted_at), notice.id),
            notice: notice.clone(),
        };
        let mut items = vec![put_new(&self.table.name, to_item(&item)?)?, audit_put(&self.table.name, audit)?];
        for m in outbox {
            items.push(outbox_put(&self.table.name, m)?);
        }
        self.table.write_all(items).await
    }

    async fn activity(&self, vacancy_id: &str) -> Result<VacancyActivity, StoreError> {
        Ok(self
            .table
            .get(keys::vacancy_activity(vacancy_id))
            .await?
            .map(from_item::<ActivityItem>)
            .transpose()?
            .map(|i| i.activity)
            .unwrap_or_default())
    }

    async fn report_outcome(
        &self,
        outcome: &CandidateOutcome,
        positions: u32,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<(), StoreError> {
        let name = &self.table.name;
        let (pk, sk) = keys::vacancy_activity(&outcome.vacancy_id);
        let counter = match outcome.kind {
            OutcomeKind::InterviewInvitation => "invitations_count",
            OutcomeKind::Hire => "hires_count",
        };
        let mut count = Update::builder()
            .table_name(name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(format!("SET entity = :entity, updated_at = :now ADD {counter} :one"))
            .expression_attribute_values(":entity", s("vacancy_activity"))
            .expression_attribute_values(":now", s(outcome.reported_at.to_string()))
            .expression_attribute_values(":one", n(1));
        if outcome.kind == OutcomeKind::Hire {
            count = count
                .condition_expression("attribute_not_exists(hires_count) OR hires_count < :positions")
                .expression_attribute_values(":positions", n(positions));
        }
        let (pk, sk) = keys::vacancy_outcome(&outcome.vacancy_id, &outcome.id);
        let item = OutcomeItem { pk, sk, entity: "candidate_outcome".into(), outcome: outcome.clone() };
        let mut items = vec![
            TransactWriteItem::builder().update(built(count.build())?).build(),
            put_new(name, to_item(&item)?)?,
            audit_put(name, audit)?,
        ];
        for m in outbox {
            items.push(outbox_put(name, m)?);
        }
        self.table.write_all(items).await
    }
}

#[async_trait]
impl enbek_core::ais::ActivityStore for DynamoVacancies {
    async fn record_responses(&self, vacancy_id: &str, count: u32, as_of: Timestamp, now: Timestamp) -> Result<Option<bool>, StoreError> {
        if self.get(vacancy_id).await?.is_none() {
            return Ok(None);
        }
        let (pk, sk) = keys::vacancy_activity(vacancy_id);
        let recorded = self
            .table
            .client
            .update_item()
            .table_name(&self.table.name)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .update_expression(
                "SET entity = :entity, responses_count = :count, responses_as_of = :as_of, responses_as_of_key = :key, updated_at = :now",
            )
            .condition_expression("attribute_not_exists(responses_as_of_key) OR responses_as_of_key < :key")
            .expression_attribute_values(":entity", s("vacancy_activity"))
            .expression_attribute_values(":count", n(count))
            .expression_attribute_values(":as_of", s(as_of.to_string()))
            .expression_attribute_values(":key", s(sort_key(as_of)))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        match recorded {
            Ok(_) => Ok(Some(true)),
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => Ok(Some(false)),
            Err(e) => Err(store_error(e)),
        }
    }
}
