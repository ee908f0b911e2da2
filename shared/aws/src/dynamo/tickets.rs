//! Support tickets. Numbers come from the gapless sequence `ticket-<year>`; lists are served by
//! index queries sorted by due time: gsi1 holds only open tickets (`TICKETS#OPEN`), gsi2 every
//! ticket by status (`TICKETS#<STATUS>`).

use super::attachments::cite;
use super::audit::audit_put;
use super::keys::{self, GSI1, GSI1_PK, GSI1_SK, GSI2, GSI2_PK, GSI2_SK, PK, SK};
use super::outbox::outbox_put;
use super::page::query_page;
use super::{from_item, n, put_new, s, sequence, to_item, Table};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::Ticket;
use enbek_core::outbox::OutboxMessage;
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{DueFilter, StoreError, TicketFilter, TicketStore};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct TicketItem {
    pk: String,
    sk: String,
    entity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi1sk: Option<String>,
    gsi2pk: String,
    gsi2sk: String,
    #[serde(flatten)]
    ticket: Ticket,
}

impl TicketItem {
    fn new(ticket: &Ticket) -> Self {
        let (pk, sk) = keys::ticket(&ticket.id);
        let due = format!("{}#{}", sort_key(ticket.due_at), ticket.id);
        let open = ticket.status.is_open();
        Self {
            pk,
            sk,
            entity: "ticket".into(),
            gsi1pk: open.then(|| keys::OPEN_TICKETS.to_owned()),
            gsi1sk: open.then(|| due.clone()),
            gsi2pk: keys::tickets_in_status(ticket.status.as_str()),
            gsi2sk: due,
            ticket: ticket.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct DynamoTickets {
    table: Table,
}

impl DynamoTickets {
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

#[async_trait]
impl TicketStore for DynamoTickets {
    async fn create(&self, ticket: &Ticket, audit: &AuditEntry) -> Result<Ticket, StoreError> {
        let year = Ticket::number_year(ticket.received_at);
        let name = self.table.name.clone();
        let number = sequence::write_with_next(&self.table, &format!("ticket-{year}"), |number| {
            let mut numbered = ticket.clone();
            numbered.number = Ticket::format_number(year, number);
            let mut items = vec![put_new(&name, to_item(&TicketItem::new(&numbered))?)?];
            for a in &ticket.attachments {
                items.push(cite(&name, a, &format!("ticket:{}", ticket.id))?);
            }
            let audit = audit.clone().with_details(serde_json::json!({ "number": numbered.number }));
            items.push(audit_put(&self.table.name, &audit)?);
            Ok(items)
        })
        .await?;
        let mut stored = ticket.clone();
        stored.number = Ticket::format_number(year, number);
        Ok(stored)
    }

    async fn get(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        self.table.get(keys::ticket(id)).await?.map(|i| from_item::<TicketItem>(i).map(|t| t.ticket)).transpose()
    }

    async fn update(&self, ticket: &Ticket, expected_version: u64, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table.name)
            .set_item(Some(to_item(&TicketItem::new(ticket))?))
            .condition_expression("attribute_exists(pk) AND version = :expected")
            .expression_attribute_values(":expected", n(expected_version))
            .build()
            .map_err(|e| StoreError::Other(Box::new(e)))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build(), audit_put(&self.table.name, audit)?];
        for m in outbox {
            items.push(outbox_put(&self.table.name, m)?);
        }
        self.table.write_all(items).await
    }

    async fn list(&self, filter: TicketFilter, page: &PageRequest) -> Result<Page<Ticket>, StoreError> {
        let (index, ipk, isk, partition) = match filter.status {
            Some(status) => (GSI2, GSI2_PK, GSI2_SK, keys::tickets_in_status(status.as_str())),
            None => (GSI1, GSI1_PK, GSI1_SK, keys::OPEN_TICKETS.to_owned()),
        };
        let mut query = self
            .table
            .client
            .query()
            .index_name(index)
            .expression_attribute_names("#ipk", ipk)
            .expression_attribute_values(":partition", s(&partition));
        // Sort keys are `<due>#<id>`: `< now` is due strictly before now, `>= now` the rest.
        let due = match filter.due {
            Some(DueFilter::Overdue(now)) => Some(("<", now)),
            Some(DueFilter::NotOverdue(now)) => Some((">=", now)),
            None => None,
        };
        query = match due {
            Some((op, now)) => query
                .key_condition_expression(format!("#ipk = :partition AND #isk {op} :now"))
                .expression_attribute_names("#isk", isk)
                .expression_attribute_values(":now", s(sort_key(now))),
            None => query.key_condition_expression("#ipk = :partition"),
        };
        query_page(&self.table, query, page, &[PK, SK, ipk, isk], (ipk, &partition), |item| from_item::<TicketItem>(item).map(|t| t.ticket))
            .await
    }
}
