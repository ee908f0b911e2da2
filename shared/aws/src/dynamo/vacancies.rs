//! Vacancies, their search postings (see `domain::vacancy`) and lay-off notices. Publishing
//! writes the vacancy, its postings, the audit entry and the AIS message in one transaction;
//! closing removes the postings in the transaction that closes it.

use super::audit::audit_put;
use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, PK, SK};
use super::outbox::outbox_put;
use super::page::query_page;
use super::{from_item, put, put_new, s, to_item, Item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::vacancy::words;
use enbek_core::domain::{LayoffNotice, Vacancy, VacancySearch};
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{StoreError, VacancyStore};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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
}
