//! `request-access`: access requests to the ministry's information systems (order No. 419,
//! ACS-1..8, ACS-10, ACS-11) and the registration journal (ACS-6). This is how every staff
//! account other than the first security administrator comes to exist.
//!
//! Routes: `POST /v1/access-requests/attachments`, `POST /v1/access-requests`,
//! `GET /v1/access-requests`, `GET /v1/access-requests/{id}`,
//! `POST /v1/access-requests/{id}/decision`, `GET /v1/access-journal`.
//!
//! Temporary passwords (ACS-4, ACS-5, ACS-10) are generated here, hashed at once, returned once
//! to the administrator (the idempotency layer keeps no copy of that answer) and sent once to
//! the corporate e-mail through the `notifications` queue. The outbox item that guarantees the
//! answer's delivery holds a version *without* the password: if SQS is down at that moment,
//! the user is told the login was issued and gets the password from the administrator. The
//! password is never stored in the table, the journal, the audit trail or the logs.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::Date;
use jiff::Timestamp;
use serde_json::{json, Value};
use shared::attachments::{self, check_cited_one};
use shared::audit::AuditEntry;
use shared::auth::{Authenticated, Authenticator};
use shared::calendar::{almaty, day_start, local_date, WorkCalendar};
use shared::clock::Clock;
use shared::codes::Code;
use shared::domain::access::{
    Basis, BasisDocument, BasisKind, Decision, Letter, Organization, OrganizationKind, RequestUser,
};
use shared::domain::{
    password, AccessRequest, Account, AccountStatus, Bin, BlockedReason, Email, Iin, JournalRow, Login, PersonName,
    Phone, RequestKind, RequestStatus, Role,
};
use shared::http::body::{parse, parsed, Fields};
use shared::http::query::param;
use shared::http::{context, with_common_layers, HttpConfig, JsonObject, QueryFields};
use shared::idempotency::{self, DoNotStore, Idempotency};
use shared::outbox::{self, OutboxMessage, OutboxStore, Queues};
use shared::page::PageRequest;
use shared::ports::{
    AccessRequestStore, AccountEffect, AccountStore, AttachmentStore, DecideError, DecisionWrite, FileStore, SubmitError,
    UniqueKey,
};
use shared::ApiError;
use std::sync::Arc;

/// Attachments (basis documents) are declared under this scope.
pub const SCOPE: &str = "access-requests";
const STAFF: &[Role] = &[Role::CenterStaff, Role::Support, Role::SecurityAdmin, Role::Official];
/// The most journal rows one CSV export holds.
pub const CSV_MAX_ROWS: usize = 50_000;

#[derive(Clone)]
pub struct AppState {
    pub requests: Arc<dyn AccessRequestStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub attachments: Arc<dyn AttachmentStore>,
    pub files: Arc<dyn FileStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub auth: Authenticator,
    pub clock: Arc<dyn Clock>,
    pub idempotency: Idempotency,
}

shared::authenticator_from_state!(AppState);

pub fn app(state: AppState, http: HttpConfig) -> Router {
    let router = Router::new()
        .route("/v1/access-requests/attachments", post(declare_attachment))
        .route("/v1/access-requests", post(submit).get(list))
        .route("/v1/access-requests/{id}", get(read))
        .route("/v1/access-requests/{id}/decision", post(decide))
        .route("/v1/access-journal", get(journal))
        .layer(axum::middleware::from_fn_with_state(state.idempotency.clone(), idempotency::middleware))
        .with_state(state);
    with_common_layers(router, http)
}

// --- parsing -------------------------------------------------------------------------------

/// A calendar date `YYYY-MM-DD` in a JSON string, not after `today`.
fn past_date(today: Date) -> impl FnOnce(&Value) -> Result<Date, Code> {
    move |v| {
        let d = param::date(v)?;
        if d > today {
            Err(Code::InvalidValue)
        } else {
            Ok(d)
        }
    }
}

/// A list of 1..=`max` short texts (systems, functions).
fn text_list(max: usize, max_chars: usize) -> impl FnOnce(&Value) -> Result<Vec<String>, Code> {
    move |v| {
        let items = v.as_array().ok_or(Code::InvalidType)?;
        if items.is_empty() {
            return Err(Code::Required);
        }
        if items.len() > max {
            return Err(Code::TooMany);
        }
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(parse::text(max_chars)(i)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn parse_organization(f: &mut Fields) -> Option<Organization> {
    let name = f.required("name", parse::text(300));
    let bin = f.required("bin", parse::with(Bin::parse));
    // ACS-11: only state bodies and public institutions; any other kind is not eligible.
    let kind = f.required("kind", |v| match v {
        Value::String(s) => OrganizationKind::ELIGIBLE
            .iter()
            .find(|(k, _)| k == s)
            .map(|(_, kind)| *kind)
            .ok_or(Code::OrganizationNotEligible),
        _ => Err(Code::InvalidType),
    });
    let region = f.optional("region", parse::text(100));
    Some(Organization { name: name?, bin: bin?.as_str().to_owned(), kind: kind?, region })
}

fn parse_user(f: &mut Fields) -> Option<RequestUser> {
    let last_name = f.required("last_name", parse::with(PersonName::parse));
    let first_name = f.required("first_name", parse::with(PersonName::parse));
    let middle_name = f.optional("middle_name", parse::with(PersonName::parse));
    let iin = f.required("iin", parse::with(Iin::parse));
    let position = f.required("position", parse::text(200));
    let department = f.required("department", parse::text(200));
    let office_number = f.required("office_number", parse::text(20));
    let mobile_phone = f.required("mobile_phone", parse::with(Phone::parse));
    let ip_address = f.required("ip_address", parse::with(|s| {
        s.trim().parse::<std::net::IpAddr>().map(|ip| ip.to_string()).map_err(|_| Code::InvalidValue)
    }));
    let email = f.required("email", parse::with(Email::parse));
    Some(RequestUser {
        last_name: last_name?.as_str().to_owned(),
        first_name: first_name?.as_str().to_owned(),
        middle_name: middle_name.map(|m| m.as_str().to_owned()),
        iin: iin?.as_str().to_owned(),
        position: position?,
        department: department?,
        office_number: office_number?,
        mobile_phone: mobile_phone?.as_str().to_owned(),
        ip_address: ip_address?,
        email: email?.as_str().to_owned(),
    })
}

fn parse_basis(f: &mut Fields, today: Date) -> Option<Basis> {
    let kind = f.required("kind", parse::one_of(BasisKind::ALL));
    let number = f.required("number", parse::text(50));
    let approved_on = f.required("approved_on", past_date(today));
    let basis = Basis { kind: kind?, number: number?, approved_on: approved_on? };
    // ACS-3: approved within one year before the request date.
    if !basis.is_current_on(today) {
        f.error("approved_on", Code::BasisExpired);
        return None;
    }
    Some(basis)
}

fn parse_letter(f: &mut Fields, today: Date) -> Option<Letter> {
    let number = f.required("number", parse::text(50));
    let date = f.required("date", past_date(today));
    Some(Letter { number: number?, date: date? })
}

// --- handlers ------------------------------------------------------------------------------

/// `POST /v1/access-requests/attachments`: a presigned upload for the basis document (ACS-3).
async fn declare_attachment(State(st): State<AppState>, caller: Authenticated, body: JsonObject) -> Result<impl IntoResponse, ApiError> {
    let staff = caller.require(STAFF)?;
    let answer = attachments::declare_upload(st.attachments.as_ref(), st.files.as_ref(), SCOPE, &staff.id, st.clock.now(), body).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `POST /v1/access-requests` (ACS-1, ACS-2, ACS-3, ACS-4, ACS-11).
async fn submit(State(st): State<AppState>, caller: Authenticated, JsonObject(body): JsonObject) -> Result<impl IntoResponse, ApiError> {
    let staff = caller.require(STAFF)?;
    let now = st.clock.now();
    let today = local_date(now);

    let mut f = JsonObject(body).fields();
    let kind = f.required("kind", parse::one_of(RequestKind::ALL));
    let organization = f.object("organization", true, parse_organization);
    let user = f.object("user", true, parse_user);
    let rights = kind.is_none_or(|k| k.grants_rights());
    let (role, systems, functions) = if rights {
        (
            f.required("role", parse::one_of(Role::STAFF)),
            f.required("systems", text_list(50, 200)),
            f.required("functions", text_list(100, 300)),
        )
    } else {
        (
            f.optional("role", parse::one_of(Role::STAFF)),
            f.optional("systems", text_list(50, 200)),
            f.optional("functions", text_list(100, 300)),
        )
    };
    let basis = f.object("basis", true, |b| parse_basis(b, today));
    let document_id = f.required("basis_document_id", parse::text(64));
    let letter = f.object("letter", true, |l| parse_letter(l, today));
    let cited = match &document_id {
        Some(id) => check_cited_one(&mut f, "basis_document_id", id, SCOPE, st.attachments.as_ref(), st.files.as_ref()).await?,
        None => None,
    };
    // ACS-7 at submission already: a grant for a person who has a login, or a change of an
    // account that does not exist, cannot be approved.
    if let (Some(kind), Some(user)) = (kind, &user) {
        let existing = st.requests.staff_account_id(&user.iin).await?;
        match (kind, existing) {
            (RequestKind::Grant, Some(_)) => f.error("user.iin", Code::PersonHasLogin),
            (RequestKind::Change | RequestKind::Block | RequestKind::Reactivate, None) => f.error("user.iin", Code::AccountNotFound),
            _ => {}
        }
    }
    f.finish()?;
    let cited = parsed(cited)?;

    let request = AccessRequest {
        id: shared::ids::new_id(),
        kind: parsed(kind)?,
        status: RequestStatus::Pending,
        organization: parsed(organization)?,
        user: parsed(user)?,
        role,
        systems: systems.unwrap_or_default(),
        functions: functions.unwrap_or_default(),
        basis: parsed(basis)?,
        basis_document: BasisDocument {
            attachment_id: cited.id.clone(),
            file_name: cited.file_name.clone(),
            content_type: cited.content_type.clone(),
            size_bytes: cited.size_bytes,
        },
        letter: parsed(letter)?,
        submitted_by: staff.id.clone(),
        received_at: now,
        due_at: WorkCalendar::kazakhstan().due_at(now, AccessRequest::ANSWER_WORKING_DAYS),
        decision: None,
        lang: context::lang().tag().to_owned(),
    };
    let audit = AuditEntry::new(now, &staff.id, "access_request.submitted", format!("access_request:{}", request.id))
        .with_details(json!({ "kind": request.kind, "role": request.role }));
    match st.requests.submit(&request, &audit).await {
        Ok(()) => {}
        Err(SubmitError::Duplicate) => return Err(ApiError::conflict(Code::DuplicateRequest)),
        Err(SubmitError::Store(e)) => return Err(e.into()),
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": request.id, "status": request.status, "received_at": request.received_at, "due_at": request.due_at })),
    ))
}

fn view(r: &AccessRequest) -> Value {
    json!({
        "id": r.id,
        "kind": r.kind,
        "status": r.status,
        "organization": r.organization,
        "user": r.user,
        "role": r.role,
        "systems": r.systems,
        "functions": r.functions,
        "basis": r.basis,
        "basis_document": r.basis_document,
        "letter": r.letter,
        "submitted_by": r.submitted_by,
        "received_at": r.received_at,
        "due_at": r.due_at,
        "decision": r.decision,
    })
}

async fn load(st: &AppState, id: &str) -> Result<AccessRequest, ApiError> {
    if !shared::ids::is_valid_id(id) {
        return Err(ApiError::not_found());
    }
    st.requests.get(id).await?.ok_or_else(ApiError::not_found)
}

/// `GET /v1/access-requests` (security_admin): pending first, oldest first.
async fn list(State(st): State<AppState>, caller: Authenticated, QueryFields(mut q): QueryFields) -> Result<Json<Value>, ApiError> {
    caller.require(&[Role::SecurityAdmin])?;
    let status = q.optional("status", parse::one_of(RequestStatus::ALL));
    let page = PageRequest::parse(&mut q);
    q.finish()?;
    let page = st.requests.list(status, &page).await?;
    Ok(Json(page.map(|r| view(&r)).into_json()))
}

/// `GET /v1/access-requests/{id}`: its submitter or a security administrator.
async fn read(State(st): State<AppState>, caller: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let staff = caller.require(STAFF)?;
    let request = load(&st, &id).await?;
    if staff.role != Role::SecurityAdmin && request.submitted_by != staff.id {
        return Err(ApiError::forbidden());
    }
    Ok(Json(view(&request)))
}

/// The answer to the corporate e-mail (ACS-4): the stored version never holds the password.
fn answer(request: &AccessRequest, template: &str, extra: Value) -> Value {
    let mut data = json!({
        "to": request.user.email,
        "lang": request.lang,
        "template": template,
        "request": { "id": request.id, "kind": request.kind, "status": request.status },
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    data
}

/// `POST /v1/access-requests/{id}/decision` (security_admin; ACS-3..5, ACS-7, ACS-8, ACS-10).
async fn decide(
    State(st): State<AppState>,
    caller: Authenticated,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Response, ApiError> {
    let admin = caller.require(&[Role::SecurityAdmin])?.clone();
    let mut f = JsonObject(body).fields();
    let approve = f.required("decision", parse::one_of(&[("approve", true), ("refuse", false)]));
    let reason = f.optional("reason", parse::text(2000));
    if approve == Some(false) && reason.is_none() {
        f.error("reason", Code::Required);
    }
    f.finish()?;
    let approve = parsed(approve)?;

    let request = load(&st, &id).await?;
    if request.status != RequestStatus::Pending {
        return Err(ApiError::conflict(Code::AlreadyDecided));
    }
    let now = st.clock.now();
    let mut decided = request.clone();
    decided.status = if approve { RequestStatus::Approved } else { RequestStatus::Refused };
    decided.decision = Some(Decision {
        decision: if approve { "approve" } else { "refuse" }.to_owned(),
        reason: reason.clone(),
        decided_by: admin.id.clone(),
        decided_at: now,
        account_id: None,
        journal_number: None,
    });

    if !approve {
        let message = OutboxMessage::notification(
            "access_request.refused",
            now,
            answer(&decided, "access_request_refused", json!({ "reason": reason })),
        );
        let audit = AuditEntry::new(now, &admin.id, "access_request.refused", format!("access_request:{id}"))
            .with_details(json!({ "reason": reason }));
        let write = DecisionWrite { request: decided.clone(), effect: AccountEffect::None, journal: None, audit, outbox: vec![message.clone()] };
        st.requests.decide(write).await.map_err(decide_error)?;
        outbox::deliver(st.outbox.as_ref(), &st.queues, &[message]).await;
        return Ok(Json(view(&decided)).into_response());
    }

    // ACS-3 again at decision time: the basis may have aged past a year while pending.
    if !request.basis.is_current_on(local_date(now)) {
        return Err(ApiError::field("basis.approved_on", Code::BasisExpired));
    }
    let existing = match request.kind {
        RequestKind::Grant => {
            if st.requests.staff_account_id(&request.user.iin).await?.is_some() {
                return Err(ApiError::conflict(Code::PersonHasLogin));
            }
            None
        }
        _ => {
            let account_id = st.requests.staff_account_id(&request.user.iin).await?;
            let account = match account_id {
                Some(aid) => st.accounts.get(&aid).await?,
                None => None,
            };
            Some(account.ok_or_else(|| ApiError::conflict(Code::AccountNotFound))?)
        }
    };

    let temporary = request.kind.issues_password().then(password::temporary);
    let hash = match &temporary {
        Some(t) => Some(password::hash_off_runtime(t.clone()).await.map_err(ApiError::internal)?),
        None => None,
    };
    let (effect, account_id, login) = match (request.kind, existing) {
        (RequestKind::Grant, _) => {
            // ACC-2: the login is the corporate e-mail, normalised.
            let login = Login::parse(&request.user.email).map_err(|_| ApiError::field("user.email", Code::LoginInvalid))?;
            let role = request.role.ok_or_else(|| ApiError::internal("a grant without a role"))?;
            let mut account = Account::new_staff(
                login.as_str(),
                role,
                &request.user.last_name,
                &request.user.first_name,
                parsed(hash)?,
                true,
                now,
            );
            account.middle_name = request.user.middle_name.clone();
            account.iin = Some(request.user.iin.clone());
            account.systems = request.systems.clone();
            account.functions = request.functions.clone();
            let (id, login) = (account.id.clone(), account.login.clone());
            (AccountEffect::Create(account), id, login)
        }
        (kind, Some(before)) => {
            let mut account = before.clone();
            match kind {
                RequestKind::Change => {
                    // ACS-8: the new request replaces role, systems and functions.
                    account.role = request.role.unwrap_or(account.role);
                    account.systems = request.systems.clone();
                    account.functions = request.functions.clone();
                }
                RequestKind::Block => {
                    account.status = AccountStatus::Blocked;
                    account.blocked_reason =
                        Some(if request.basis.kind == BasisKind::Dismissal { BlockedReason::Dismissal } else { BlockedReason::Security });
                    account.blocked_at = Some(now);
                }
                _ => {
                    // ACS-10: unblock with a fresh temporary password.
                    account.status = AccountStatus::Active;
                    account.blocked_reason = None;
                    account.blocked_at = None;
                    account.password_hash = parsed(hash)?;
                    account.must_change_password = true;
                }
            }
            // Tokens issued before this decision stop working at once.
            account.token_version = before.token_version + 1;
            let (id, login) = (account.id.clone(), account.login.clone());
            (AccountEffect::Replace { account, expected_token_version: before.token_version }, id, login)
        }
        (_, None) => return Err(ApiError::conflict(Code::AccountNotFound)),
    };
    if let Some(d) = decided.decision.as_mut() {
        d.account_id = Some(account_id.clone());
    }

    let journal = request.kind.issues_password().then(|| JournalRow {
        number: 0,
        region: request.organization.region.clone(),
        letter_number: request.letter.number.clone(),
        letter_date: request.letter.date,
        incoming_number: request.id.clone(),
        incoming_date: request.received_on(),
        user_full_name: request.user.full_name(),
        login: login.clone(),
        systems: match &effect {
            AccountEffect::Replace { account, .. } => account.systems.clone(),
            _ => request.systems.clone(),
        },
        registered_at: now,
        basis: format!("{} № {} от {}", request.basis.kind.title_ru(), request.basis.number, request.basis.approved_on),
        administrator: [admin.last_name.as_str(), admin.first_name.as_str()].join(" "),
        note: match request.kind {
            RequestKind::Grant => "выдан логин и временный пароль / логин мен уақытша құпиясөз берілді",
            _ => "повторная активация, новый временный пароль / қайта белсендіру, жаңа уақытша құпиясөз",
        }
        .to_owned(),
        registration_completed_at: None,
        account_id: account_id.clone(),
        request_id: request.id.clone(),
    });

    let action = format!("access_request.approved.{}", request.kind.as_str());
    let audit = AuditEntry::new(now, &admin.id, &action, format!("access_request:{id}"))
        .with_details(json!({ "account_id": account_id, "kind": request.kind }));
    let template = format!("access_request_approved_{}", request.kind.as_str());
    let stored = OutboxMessage::notification(
        "access_request.approved",
        now,
        answer(&decided, &template, json!({ "login": login, "temporary_password_sent": false })),
    );
    let write = DecisionWrite { request: decided.clone(), effect, journal, audit, outbox: vec![stored.clone()] };
    let journal_number = st.requests.decide(write).await.map_err(decide_error)?;
    if let Some(d) = decided.decision.as_mut() {
        d.journal_number = journal_number;
    }

    // Sent now, with the password; the stored version is what the relay sends if this fails.
    let live = match &temporary {
        Some(t) => stored.with_data(
            "access_request.approved",
            answer(&decided, &template, json!({ "login": login, "temporary_password": t, "temporary_password_sent": true })),
        ),
        None => stored,
    };
    outbox::deliver(st.outbox.as_ref(), &st.queues, &[live]).await;
    tracing::info!(request = %id, kind = request.kind.as_str(), account = %account_id, "access request approved");

    let mut body = view(&decided);
    body["account_id"] = json!(account_id);
    body["login"] = json!(login);
    body["journal_number"] = json!(journal_number);
    let mut response = match temporary {
        Some(t) => {
            body["temporary_password"] = json!(t);
            Json(body).into_response()
        }
        None => Json(body).into_response(),
    };
    // Shown once: the idempotency layer must not keep a copy of the password.
    response.extensions_mut().insert(DoNotStore);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

fn decide_error(e: DecideError) -> ApiError {
    match e {
        DecideError::AlreadyDecided => ApiError::conflict(Code::AlreadyDecided),
        DecideError::Taken(UniqueKey::StaffIin(_)) => ApiError::conflict(Code::PersonHasLogin),
        DecideError::Taken(_) => ApiError::conflict(Code::LoginTaken),
        DecideError::AccountChanged => ApiError::conflict(Code::ConcurrentUpdate),
        DecideError::Store(s) => s.into(),
    }
}

/// `GET /v1/access-journal?from=&to=` (security_admin; ACS-6): JSON pages, or the whole range
/// as CSV with `Accept: text/csv`. Dates are Asia/Almaty days, both inclusive.
async fn journal(
    State(st): State<AppState>,
    caller: Authenticated,
    headers: HeaderMap,
    QueryFields(mut q): QueryFields,
) -> Result<Response, ApiError> {
    caller.require(&[Role::SecurityAdmin])?;
    let from = q.optional("from", param::date);
    let to = q.optional("to", param::date);
    let mut page = PageRequest::parse(&mut q);
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            q.error("to", Code::InvalidValue);
        }
    }
    q.finish()?;
    let start = match from {
        Some(d) => day_start(d).map_err(ApiError::internal)?,
        None => Timestamp::UNIX_EPOCH,
    };
    let end = match to {
        Some(d) => day_start(d.tomorrow().map_err(ApiError::internal)?).map_err(ApiError::internal)?,
        None => st.clock.now().checked_add(jiff::SignedDuration::from_secs(1)).map_err(ApiError::internal)?,
    };
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv")));
    if !wants_csv {
        let rows = st.requests.journal(start, end, &page).await?;
        return Ok(Json(rows.map(|r| serde_json::to_value(r).unwrap_or(Value::Null)).into_json()).into_response());
    }
    let mut rows = Vec::new();
    page = PageRequest { limit: shared::page::MAX_LIMIT, cursor: None };
    loop {
        let got = st.requests.journal(start, end, &page).await?;
        rows.extend(got.items);
        if rows.len() > CSV_MAX_ROWS {
            return Err(ApiError::field("from", Code::TooMany));
        }
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let csv = journal_csv(&rows).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"registration-journal.csv\""),
            // `lambda_http` decodes text/* bodies with encoding_rs, which drops a leading BOM
            // (and the body then falls short of its Content-Length). A Content-Encoding makes it
            // pass the bytes through as a binary (base64) body, BOM included; `identity` tells
            // clients there is nothing to decode.
            (header::CONTENT_ENCODING, "identity"),
        ],
        csv,
    )
        .into_response())
}

/// Appendix 1 as CSV: UTF-8 with a byte-order mark (so Excel shows Cyrillic), one header row
/// in Russian and Kazakh.
pub fn journal_csv(rows: &[JournalRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "№ п/п / Р/с №",
            "Регион / Өңір",
            "Письмо заявителя: номер / Өтініш берушінің хаты: нөмірі",
            "Письмо заявителя: дата / Өтініш берушінің хаты: күні",
            "Входящий номер / Кіріс нөмірі",
            "Входящая дата / Кіріс күні",
            "Ф.И.О. пользователя / Пайдаланушының Т.А.Ә.",
            "Логин / Логин",
            "Предоставленные системы / Берілген жүйелер",
            "Дата регистрации / Тіркелген күні",
            "Основание / Негіздеме",
            "Администратор / Әкімші",
            "Примечание / Ескертпе",
            "Регистрация завершена / Тіркеу аяқталды",
        ])?;
        let tz = almaty();
        let local = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        for r in rows {
            let completed = r.registration_completed_at.map(local).unwrap_or_default();
            w.write_record([
                r.number.to_string(),
                r.region.clone().unwrap_or_default(),
                r.letter_number.clone(),
                r.letter_date.to_string(),
                r.incoming_number.clone(),
                r.incoming_date.to_string(),
                r.user_full_name.clone(),
                r.login.clone(),
                r.systems.join("; "),
                local(r.registered_at),
                r.basis.clone(),
                r.administrator.clone(),
                r.note.clone(),
                completed,
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}
