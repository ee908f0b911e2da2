//! `file-ticket`: the technical-support feedback form (TKT-1..4; order No. 206 §21–22, No. 92
//! §7, No. 419 §14–15).
//!
//! Routes: `POST /v1/tickets/attachments`, `POST /v1/tickets`, `GET /v1/tickets`,
//! `GET /v1/tickets/{id}`, `PATCH /v1/tickets/{id}`.
//!
//! Anyone may file, signed in or not (a user who cannot sign in must still reach support);
//! anonymous filing is limited per source address. The answer's `access_code` is the
//! anonymous author's only key to the ticket: it is shown once and stored as a SHA-256 hash.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shared::attachments::{self, check_cited};
use shared::audit::AuditEntry;
use shared::auth::{Authenticated, Authenticator, MaybeAuthenticated};
use shared::clock::Clock;
use shared::codes::Code;
use shared::domain::ticket::MAX_ATTACHMENTS;
use shared::domain::{Account, Email, Iin, PersonName, Phone, Role, Ticket, TicketAttachment, TicketStatus};
use shared::error::FieldError;
use shared::http::body::{parse, parsed};
use shared::http::query::param;
use shared::http::{context, with_common_layers, HttpConfig, JsonObject, QueryFields};
use shared::idempotency::{self, Idempotency};
use shared::outbox::{self, OutboxMessage, OutboxStore, Queues};
use shared::page::PageRequest;
use shared::ports::{AttachmentStore, DueFilter, FileStore, RateLimit, RateLimiter, TicketFilter, TicketStore};
use shared::ApiError;
use std::sync::Arc;

/// Attachments are declared under this scope (and key prefix).
pub const SCOPE: &str = "tickets";

/// Anonymous filings per source address.
pub const ANONYMOUS_FILING_LIMIT: RateLimit = RateLimit { max_events: 5, window: SignedDuration::from_hours(1) };
/// Filings per signed-in account.
pub const ACCOUNT_FILING_LIMIT: RateLimit = RateLimit { max_events: 20, window: SignedDuration::from_hours(1) };
/// Attachment declarations per source address (anonymous) or account.
pub const UPLOAD_LIMIT: RateLimit = RateLimit { max_events: 30, window: SignedDuration::from_hours(1) };

#[derive(Clone)]
pub struct AppState {
    pub tickets: Arc<dyn TicketStore>,
    pub attachments: Arc<dyn AttachmentStore>,
    pub files: Arc<dyn FileStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub auth: Authenticator,
    pub clock: Arc<dyn Clock>,
    pub idempotency: Idempotency,
}

shared::authenticator_from_state!(AppState);

pub fn app(state: AppState, http: HttpConfig) -> Router {
    let router = Router::new()
        .route("/v1/tickets/attachments", post(declare_attachment))
        .route("/v1/tickets", post(file).get(list))
        .route("/v1/tickets/{id}", get(read).patch(update))
        .layer(axum::middleware::from_fn_with_state(state.idempotency.clone(), idempotency::middleware))
        .with_state(state);
    with_common_layers(router, http)
}

// --- access codes ------------------------------------------------------------------------

/// Crockford's base32 alphabet: no I, L, O, U, so a code read aloud or retyped survives.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 16 symbols (80 bits) from a CSPRNG (rand's thread generator, seeded by the operating
/// system), as `XXXX-XXXX-XXXX-XXXX`.
pub fn new_access_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let symbols: Vec<char> = (0..16).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    symbols.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The stored form of an access code: SHA-256 of the code without separators, upper case.
pub fn access_code_sha256(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

// --- rate limits -------------------------------------------------------------------------

/// The limiter key and limit for a caller: the account if signed in, else the source address.
fn limit_for(caller: Option<&Account>, action: &str, anonymous: RateLimit, signed_in: RateLimit) -> (String, RateLimit) {
    match caller {
        Some(a) => (format!("{action}:account:{}", a.id), signed_in),
        None => (format!("{action}:ip:{}", context::current().source_ip), anonymous),
    }
}

async fn check_limit(st: &AppState, key: &str, limit: &RateLimit, now: Timestamp) -> Result<(), ApiError> {
    match st.limiter.retry_after(key, limit, now).await? {
        Some(secs) => Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::TooManyAttempts).with_retry_after(secs)),
        None => Ok(()),
    }
}

fn actor_of(caller: Option<&Account>) -> String {
    caller.map(|a| a.id.clone()).unwrap_or_else(|| "anonymous".to_owned())
}

// --- handlers ----------------------------------------------------------------------------

/// `POST /v1/tickets/attachments`: a presigned upload for a file to attach (TKT-1).
async fn declare_attachment(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    body: JsonObject,
) -> Result<impl IntoResponse, ApiError> {
    let now = st.clock.now();
    let (key, limit) = limit_for(caller.as_ref(), "ticket-upload", UPLOAD_LIMIT, UPLOAD_LIMIT);
    check_limit(&st, &key, &limit, now).await?;
    let answer =
        attachments::declare_upload(st.attachments.as_ref(), st.files.as_ref(), SCOPE, &actor_of(caller.as_ref()), now, body)
            .await?;
    st.limiter.record(&key, &limit, now).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /v1/tickets` (TKT-1, TKT-2).
async fn file(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    JsonObject(body): JsonObject,
) -> Result<impl IntoResponse, ApiError> {
    let now = st.clock.now();
    let (key, limit) = limit_for(caller.as_ref(), "ticket-filing", ANONYMOUS_FILING_LIMIT, ACCOUNT_FILING_LIMIT);
    check_limit(&st, &key, &limit, now).await?;

    let mut f = JsonObject(body).fields();
    let full_name = f.required("full_name", parse::with(PersonName::parse));
    let iin = f.required("iin", parse::with(Iin::parse));
    let phone = f.required("contact_phone", parse::with(Phone::parse));
    let email = f.required("email", parse::with(Email::parse));
    let subject = f.required("subject", parse::text(200));
    let description = f.required("description", parse::text(10_000));
    let ids = attachments::parse_ids(&mut f, "attachment_ids", MAX_ATTACHMENTS);
    let cited = check_cited(&mut f, "attachment_ids", &ids, SCOPE, st.attachments.as_ref(), st.files.as_ref()).await?;
    f.finish()?;

    let access_code = new_access_code();
    let ticket = Ticket {
        id: shared::ids::new_id(),
        number: String::new(),
        status: TicketStatus::New,
        full_name: parsed(full_name)?.as_str().to_owned(),
        iin: parsed(iin)?.as_str().to_owned(),
        contact_phone: parsed(phone)?.as_str().to_owned(),
        email: parsed(email)?.as_str().to_owned(),
        subject: parsed(subject)?,
        description: parsed(description)?,
        attachments: cited
            .iter()
            .map(|a| TicketAttachment {
                attachment_id: a.id.clone(),
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size_bytes: a.size_bytes,
            })
            .collect(),
        author_id: caller.as_ref().map(|a| a.id.clone()),
        access_code_sha256: access_code_sha256(&access_code),
        lang: context::lang().tag().to_owned(),
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
    let audit = AuditEntry::new(now, actor_of(caller.as_ref()), "ticket.filed", format!("ticket:{}", ticket.id))
        .with_details(json!({ "attachments": ticket.attachments.len() }));
    let ticket = st.tickets.create(&ticket, &audit).await?;
    st.limiter.record(&key, &limit, now).await?;
    tracing::info!(ticket = %ticket.id, number = %ticket.number, "ticket filed");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": ticket.id,
            "number": ticket.number,
            "status": ticket.status,
            "received_at": ticket.received_at,
            "due_at": ticket.due_at,
            "access_code": access_code,
        })),
    ))
}

/// The ticket as its author and support see it.
fn view(t: &Ticket, now: Timestamp, for_support: bool) -> Value {
    let mut v = json!({
        "id": t.id,
        "number": t.number,
        "status": t.status,
        "received_at": t.received_at,
        "due_at": t.due_at,
        "overdue": t.is_overdue(now),
        "defect": t.defect,
        "full_name": t.full_name,
        "iin": t.iin,
        "contact_phone": t.contact_phone,
        "email": t.email,
        "subject": t.subject,
        "description": t.description,
        "attachments": t.attachments,
        "response": t.response,
        "responded_at": t.responded_at,
        "updated_at": t.updated_at,
    });
    if for_support {
        v["author_id"] = json!(t.author_id);
        v["defect_marked_by"] = json!(t.defect_marked_by);
        v["defect_marked_at"] = json!(t.defect_marked_at);
        v["responded_by"] = json!(t.responded_by);
    }
    v
}

/// A support list row: enough to triage without personal data.
fn summary(t: &Ticket, now: Timestamp) -> Value {
    json!({
        "id": t.id,
        "number": t.number,
        "status": t.status,
        "subject": t.subject,
        "received_at": t.received_at,
        "due_at": t.due_at,
        "overdue": t.is_overdue(now),
        "defect": t.defect,
    })
}

async fn load(st: &AppState, id: &str) -> Result<Ticket, ApiError> {
    if !shared::ids::is_valid_id(id) {
        return Err(ApiError::not_found());
    }
    st.tickets.get(id).await?.ok_or_else(ApiError::not_found)
}

/// `GET /v1/tickets/{id}`: support, the signed-in author, or anyone with the access code.
async fn read(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path(id): Path<String>,
    QueryFields(mut q): QueryFields,
) -> Result<Json<Value>, ApiError> {
    let code = q.optional("access_code", parse::text(64));
    q.finish()?;
    let ticket = load(&st, &id).await?;
    let now = st.clock.now();
    let support = caller.as_ref().is_some_and(|a| a.role == Role::Support);
    let author = caller.as_ref().is_some_and(|a| ticket.author_id.as_deref() == Some(a.id.as_str()));
    let code_ok = code.as_deref().is_some_and(|c| {
        let given = access_code_sha256(c);
        // Compare digests, not codes: timing tells nothing about the stored value.
        given.len() == ticket.access_code_sha256.len()
            && given.bytes().zip(ticket.access_code_sha256.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    });
    if support || author || code_ok {
        return Ok(Json(view(&ticket, now, support)));
    }
    if caller.is_none() && code.is_none() {
        return Err(ApiError::unauthenticated());
    }
    Err(ApiError::forbidden())
}

/// `GET /v1/tickets` (support): `?status=&overdue=` ordered by `due_at`, oldest first.
/// Without `status` the list holds the open tickets (new and in progress).
async fn list(
    State(st): State<AppState>,
    caller: Authenticated,
    QueryFields(mut q): QueryFields,
) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::Support])?;
    let status = q.optional("status", parse::one_of(TicketStatus::ALL));
    let overdue = q.optional("overdue", param::boolean);
    let page = PageRequest::parse(&mut q);
    q.finish()?;
    let now = st.clock.now();
    let due = overdue.map(|o| if o { DueFilter::Overdue(now) } else { DueFilter::NotOverdue(now) });
    let page = st.tickets.list(TicketFilter { status, due }, &page).await?;
    Ok(Json(page.map(|t| summary(&t, now)).into_json()))
}

/// `PATCH /v1/tickets/{id}` (support): status forward only, `defect: true` (TKT-2: 10 working
/// days from receipt), a response the author can read. Every change is audited; a status
/// change or a new response notifies the author.
async fn update(
    State(st): State<AppState>,
    caller: Authenticated,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<Value>, ApiError> {
    let agent = caller.require(&[Role::Support])?;
    let mut f = JsonObject(body).fields();
    let status = f.optional("status", parse::one_of(TicketStatus::SETTABLE));
    let defect = f.optional("defect", |v| match v {
        serde_json::Value::Bool(true) => Ok(true),
        // A defect, once found, is not un-found: the 10-day deadline stands.
        serde_json::Value::Bool(false) => Err(Code::InvalidValue),
        _ => Err(Code::InvalidType),
    });
    let response = f.optional("response", parse::text(10_000));
    let nothing = status.is_none() && defect.is_none() && response.is_none();
    f.finish()?;
    if nothing {
        return Err(ApiError::validation(
            ["status", "defect", "response"].into_iter().map(|n| FieldError::new(n, Code::Required)).collect(),
        ));
    }

    let before = load(&st, &id).await?;
    if before.status == TicketStatus::Closed {
        return Err(ApiError::conflict(Code::InvalidTransition));
    }
    if let Some(next) = status {
        if !before.status.can_move_to(next) {
            return Err(ApiError::conflict(Code::InvalidTransition).with_extension("current_status", before.status.as_str()));
        }
    }
    let now = st.clock.now();
    let mut after = before.clone();
    let mut changes = serde_json::Map::new();
    if let Some(next) = status {
        after.status = next;
        changes.insert("status".into(), json!({ "from": before.status, "to": next }));
    }
    if defect == Some(true) && !before.defect {
        after.defect = true;
        after.defect_marked_by = Some(agent.id.clone());
        after.defect_marked_at = Some(now);
        after.due_at = Ticket::deadline(before.received_at, true);
        changes.insert("defect".into(), json!({ "due_at": { "from": before.due_at, "to": after.due_at } }));
    }
    if let Some(text) = response.filter(|r| before.response.as_deref() != Some(r.as_str())) {
        after.response = Some(text);
        after.responded_by = Some(agent.id.clone());
        after.responded_at = Some(now);
        changes.insert("response".into(), json!(true));
    }
    if changes.is_empty() {
        // Nothing new (the same response again, a defect already marked): nothing to write.
        return Ok(Json(view(&before, now, true)));
    }
    after.updated_at = now;
    after.version = before.version + 1;

    let audit =
        AuditEntry::new(now, &agent.id, "ticket.updated", format!("ticket:{}", after.id)).with_details(Value::Object(changes));
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
    st.tickets.update(&after, before.version, &audit, &messages).await?;
    outbox::deliver(st.outbox.as_ref(), &st.queues, &messages).await;
    Ok(Json(view(&after, now, true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_16_crockford_symbols_and_compare_without_separators() {
        let a = new_access_code();
        assert_eq!(a.len(), 19);
        assert!(a.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| CODE_ALPHABET.contains(&b))));
        assert_ne!(a, new_access_code());
        assert_eq!(access_code_sha256(&a), access_code_sha256(&a.replace('-', "").to_lowercase()));
        assert_ne!(access_code_sha256(&a), access_code_sha256(&new_access_code()));
    }
}
