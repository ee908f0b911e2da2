//! Support tickets (function `file-ticket`; TKT-1..4; order No. 206 §21–22, No. 92 §7,
//! No. 419 §14–15).
//!
//! Anyone may file, signed in or not (a user who cannot sign in must still reach support);
//! anonymous filing is limited per source address. The answer's access code is the anonymous
//! author's only key to the ticket: it is shown once and stored as a SHA-256 hash.

use super::has_role;
use crate::attachments::{self, check_cited, Declared, UploadGrant};
use crate::audit::{AuditEntry, Origin};
use crate::clock::Clock;
use crate::codes::Code;
use crate::domain::ticket::{access_code_sha256, new_access_code, MAX_ATTACHMENTS};
use crate::domain::{Account, Email, Iin, PersonName, Phone, Role, Ticket, TicketStatus};
use crate::input::{parse, FieldError, Fields, Invalid};
use crate::outbox::{self, OutboxMessage, OutboxStore, Queues};
use crate::page::{Page, PageRequest};
use crate::ports::{AttachmentStore, AuditLog, DueFilter, FileStore, RateLimit, RateLimiter, StoreError, TicketFilter, TicketStore};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::sync::Arc;

/// Attachments are declared under this scope (and key prefix).
pub const SCOPE: &str = "tickets";
/// Anonymous filings per source address.
pub const ANONYMOUS_FILING_LIMIT: RateLimit = RateLimit { max_events: 5, window: SignedDuration::from_hours(1) };
/// Filings per signed-in account.
pub const ACCOUNT_FILING_LIMIT: RateLimit = RateLimit { max_events: 20, window: SignedDuration::from_hours(1) };
/// Attachment declarations per source address (anonymous) or account.
pub const UPLOAD_LIMIT: RateLimit = RateLimit { max_events: 30, window: SignedDuration::from_hours(1) };

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Neither a token nor an access code.
    #[error("sign in or give the access code")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("no such ticket")]
    NotFound,
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    #[error("statuses move forward only")]
    InvalidTransition { current: TicketStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A filed ticket and the access code shown once.
#[derive(Clone, Debug)]
pub struct Filed {
    pub ticket: Ticket,
    pub access_code: String,
}

/// What a reader may see of a ticket.
#[derive(Clone, Debug)]
pub struct TicketRead {
    pub ticket: Ticket,
    /// Support sees who handled it; the author does not.
    pub for_support: bool,
}

/// `GET /v1/tickets` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketQuery {
    pub status: Option<TicketStatus>,
    pub overdue: Option<bool>,
    pub page: PageRequest,
}

impl TicketQuery {
    pub fn parse(mut q: Fields) -> Result<Self, Invalid> {
        let status = q.optional("status", parse::variant::<TicketStatus>);
        let overdue = q.optional("overdue", parse::boolean);
        let page = PageRequest::parse(&mut q);
        q.finish()?;
        Ok(TicketQuery { status, overdue, page })
    }
}

/// `PATCH /v1/tickets/{id}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketUpdate {
    pub status: Option<TicketStatus>,
    /// `true` only: a defect, once found, is not un-found (the 10-day deadline stands).
    pub defect: bool,
    pub response: Option<String>,
}

impl TicketUpdate {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let status = f.optional("status", parse::variant_in(TicketStatus::SETTABLE, Code::InvalidValue));
        let defect = f.optional("defect", |v| match v {
            Value::Bool(true) => Ok(true),
            Value::Bool(false) => Err(Code::InvalidValue),
            _ => Err(Code::InvalidType),
        });
        let response = f.optional("response", parse::text(10_000));
        let nothing = status.is_none() && defect.is_none() && response.is_none() && !f.has_errors();
        f.finish()?;
        if nothing {
            return Err(Invalid(["status", "defect", "response"].into_iter().map(|n| FieldError::new(n, Code::Required)).collect()));
        }
        Ok(TicketUpdate { status, defect: defect.unwrap_or(false), response })
    }
}

#[derive(Clone)]
pub struct Tickets {
    pub store: Arc<dyn TicketStore>,
    pub attachments: Arc<dyn AttachmentStore>,
    pub files: Arc<dyn FileStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
}

/// The limiter key and limit for a caller: the account if signed in, else the source address.
fn limit_for(caller: Option<&Account>, origin: &Origin, action: &str, anonymous: RateLimit, signed_in: RateLimit) -> (String, RateLimit) {
    match caller {
        Some(a) => (format!("{action}:account:{}", a.id), signed_in),
        None => (format!("{action}:ip:{}", origin.source_ip), anonymous),
    }
}

fn actor_of(caller: Option<&Account>) -> String {
    caller.map(|a| a.id.clone()).unwrap_or_else(|| "anonymous".to_owned())
}

impl Tickets {
    /// Reserves a slot of `limit` before the work (atomic, so parallel requests cannot all
    /// pass); 429 when the window is full.
    async fn acquire(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<(), TicketError> {
        match self.limiter.acquire(key, limit, now).await? {
            Some(secs) => Err(TicketError::TooManyRequests(secs)),
            None => Ok(()),
        }
    }

    /// Runs `work` on a reserved slot, giving the slot back if the work did not happen.
    async fn limited<T>(
        &self,
        key: &str,
        limit: &RateLimit,
        work: impl std::future::Future<Output = Result<T, TicketError>>,
    ) -> Result<T, TicketError> {
        self.acquire(key, limit, self.clock.now()).await?;
        let result = work.await;
        if result.is_err() {
            if let Err(e) = self.limiter.release(key).await {
                tracing::warn!(error = %crate::telemetry::chain(&e), "could not give a rate-limit slot back");
            }
        }
        result
    }

    /// `POST /v1/tickets/attachments`: a presigned upload for a file to attach (TKT-1).
    pub async fn declare_attachment(
        &self,
        caller: Option<&Account>,
        declared: Declared,
        origin: &Origin,
    ) -> Result<UploadGrant, TicketError> {
        let now = self.clock.now();
        let (key, limit) = limit_for(caller, origin, "ticket-upload", UPLOAD_LIMIT, UPLOAD_LIMIT);
        self.limited(&key, &limit, async {
            Ok(attachments::declare_upload(self.attachments.as_ref(), self.files.as_ref(), SCOPE, &actor_of(caller), now, declared).await?)
        })
        .await
    }

    /// `POST /v1/tickets` (TKT-1, TKT-2): every field of the form, the cited attachments
    /// checked in the bucket, numbered gaplessly in the ticket's own transaction.
    pub async fn file(&self, caller: Option<&Account>, f: Fields, origin: &Origin) -> Result<Filed, TicketError> {
        let (key, limit) = limit_for(caller, origin, "ticket-filing", ANONYMOUS_FILING_LIMIT, ACCOUNT_FILING_LIMIT);
        self.limited(&key, &limit, self.file_now(caller, f, origin)).await
    }

    async fn file_now(&self, caller: Option<&Account>, mut f: Fields, origin: &Origin) -> Result<Filed, TicketError> {
        let now = self.clock.now();
        let full_name = f.required("full_name", parse::with(PersonName::parse));
        let iin = f.required("iin", parse::with(Iin::parse));
        let phone = f.required("contact_phone", parse::with(Phone::parse));
        let email = f.required("email", parse::with(Email::parse));
        let subject = f.required("subject", parse::text(200));
        let description = f.required("description", parse::text(10_000));
        let ids = attachments::parse_ids(&mut f, "attachment_ids", MAX_ATTACHMENTS);
        let cited = check_cited(&mut f, "attachment_ids", &ids, SCOPE, self.attachments.as_ref(), self.files.as_ref()).await?;
        f.finish()?;
        let (Some(full_name), Some(iin), Some(contact_phone), Some(email), Some(subject), Some(description)) =
            (full_name, iin, phone, email, subject, description)
        else {
            return Err(Invalid::field("subject", Code::Required).into());
        };

        let access_code = new_access_code();
        let ticket = Ticket {
            id: crate::ids::new_id(),
            number: String::new(),
            status: TicketStatus::New,
            full_name,
            iin,
            contact_phone,
            email,
            subject,
            description,
            attachments: cited,
            author_id: caller.map(|a| a.id.clone()),
            access_code_sha256: access_code_sha256(&access_code),
            lang: origin.lang,
            received_at: now,
            due_at: Ticket::deadline(now, false),
            defect: false,
            defect_marked_by: None,
            defect_marked_at: None,
            response: None,
            responded_by: None,
            responded_at: None,
            updated_at: now,
            version: 1,
        };
        let audit = AuditEntry::new(now, actor_of(caller), "ticket.filed", format!("ticket:{}", ticket.id), origin)
            .with_details(json!({ "attachments": ticket.attachments.len() }));
        let ticket = self.store.create(&ticket, &audit).await?;
        tracing::info!(ticket = %ticket.id, number = %ticket.number, "ticket filed");
        Ok(Filed { ticket, access_code })
    }

    async fn load(&self, id: &str) -> Result<Ticket, TicketError> {
        if !crate::ids::is_valid_id(id) {
            return Err(TicketError::NotFound);
        }
        self.store.get(id).await?.ok_or(TicketError::NotFound)
    }

    /// `GET /v1/tickets/{id}`: support, the signed-in author, or anyone with the access code.
    /// A support agent's read is in the audit trail (ACS-12).
    pub async fn read(
        &self,
        caller: Option<&Account>,
        id: &str,
        access_code: Option<&str>,
        origin: &Origin,
    ) -> Result<TicketRead, TicketError> {
        let read = self.authorise_read(caller, id, access_code).await?;
        if read.for_support {
            if let Some(agent) = caller {
                let entry = AuditEntry::new(self.clock.now(), &agent.id, "ticket.read", format!("ticket:{id}"), origin);
                self.audit.record(&entry).await?;
            }
        }
        Ok(read)
    }

    /// A download of one of the ticket's attachments (the version cited), for whoever may read
    /// the ticket: a presigned GET valid a few minutes.
    pub async fn attachment_url(
        &self,
        caller: Option<&Account>,
        id: &str,
        attachment_id: &str,
        access_code: Option<&str>,
        origin: &Origin,
    ) -> Result<String, TicketError> {
        let read = self.authorise_read(caller, id, access_code).await?;
        let attachment = read.ticket.attachments.iter().find(|a| a.attachment_id == attachment_id).ok_or(TicketError::NotFound)?;
        let actor = actor_of(caller);
        let entry = AuditEntry::new(self.clock.now(), &actor, "ticket.attachment_read", format!("ticket:{id}"), origin)
            .with_details(json!({ "attachment_id": attachment_id }));
        self.audit.record(&entry).await?;
        Ok(attachments::download_url(self.files.as_ref(), SCOPE, attachment).await?)
    }

    async fn authorise_read(&self, caller: Option<&Account>, id: &str, access_code: Option<&str>) -> Result<TicketRead, TicketError> {
        let ticket = self.load(id).await?;
        let support = caller.is_some_and(|a| a.role == Role::Support);
        let author = caller.is_some_and(|a| ticket.author_id.as_deref() == Some(a.id.as_str()));
        let code_ok = access_code.is_some_and(|c| {
            let given = access_code_sha256(c);
            // Compare digests, not codes: timing tells nothing about the stored value.
            given.len() == ticket.access_code_sha256.len()
                && given.bytes().zip(ticket.access_code_sha256.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        });
        if support || author || code_ok {
            return Ok(TicketRead { ticket, for_support: support });
        }
        if caller.is_none() && access_code.is_none() {
            return Err(TicketError::Unauthenticated);
        }
        Err(TicketError::Forbidden)
    }

    /// `GET /v1/tickets` (support): oldest `due_at` first; without `status`, the open ones.
    pub async fn list(&self, caller: &Account, q: Result<TicketQuery, Invalid>) -> Result<Page<Ticket>, TicketError> {
        if !has_role(caller, &[Role::Support]) {
            return Err(TicketError::Forbidden);
        }
        let q = q?;
        let now = self.clock.now();
        let due = q.overdue.map(|o| if o { DueFilter::Overdue(now) } else { DueFilter::NotOverdue(now) });
        Ok(self.store.list(TicketFilter { status: q.status, due }, &q.page).await?)
    }

    /// `PATCH /v1/tickets/{id}` (support): status forward only, `defect` (TKT-2: 10 working
    /// days from receipt), a response the author can read. A status change or a new response
    /// notifies the author through the outbox.
    pub async fn update(
        &self,
        agent: &Account,
        id: &str,
        u: Result<TicketUpdate, Invalid>,
        origin: &Origin,
    ) -> Result<Ticket, TicketError> {
        if !has_role(agent, &[Role::Support]) {
            return Err(TicketError::Forbidden);
        }
        let u = u?;
        let before = self.load(id).await?;
        if before.status == TicketStatus::Closed {
            return Err(TicketError::InvalidTransition { current: before.status });
        }
        if let Some(next) = u.status {
            if !before.status.can_move_to(next) {
                return Err(TicketError::InvalidTransition { current: before.status });
            }
        }
        let now = self.clock.now();
        let mut after = before.clone();
        let mut changes = serde_json::Map::new();
        if let Some(next) = u.status {
            after.status = next;
            changes.insert("status".into(), json!({ "from": before.status, "to": next }));
        }
        if u.defect && !before.defect {
            after.defect = true;
            after.defect_marked_by = Some(agent.id.clone());
            after.defect_marked_at = Some(now);
            after.due_at = Ticket::deadline(before.received_at, true);
            changes.insert("defect".into(), json!({ "due_at": { "from": before.due_at, "to": after.due_at } }));
        }
        if let Some(text) = u.response.filter(|r| before.response.as_deref() != Some(r.as_str())) {
            after.response = Some(text);
            after.responded_by = Some(agent.id.clone());
            after.responded_at = Some(now);
            changes.insert("response".into(), json!(true));
        }
        if changes.is_empty() {
            // Nothing new (the same response again, a defect already marked): nothing to write.
            return Ok(before);
        }
        after.updated_at = now;
        after.version = before.version + 1;
        let audit =
            AuditEntry::new(now, &agent.id, "ticket.updated", format!("ticket:{}", after.id), origin).with_details(Value::Object(changes));
        let mut messages = Vec::new();
        if after.status != before.status || after.response != before.response {
            messages.push(OutboxMessage::notification(
                "ticket.updated",
                now,
                json!({
                    "to": after.email,
                    "lang": after.lang,
                    "template": "ticket_updated",
                    "ticket": {
                        "id": after.id,
                        "number": after.number,
                        "subject": after.subject,
                        "status": after.status,
                        "response": after.response,
                        "due_at": after.due_at,
                    },
                }),
            ));
        }
        self.store.update(&after, before.version, &audit, &messages).await?;
        outbox::deliver(self.outbox.as_ref(), &self.queues, &messages).await;
        Ok(after)
    }
}
