//! `post-vacancy`: employers publish vacancies (VAC-1) and lay-off notices (VAC-2); everyone
//! searches vacancies (ACC-4: they are public); each publish, close and notice goes to AIS
//! "Labor Market" through the integration queue (VAC-5) via the transactional outbox.
//!
//! Routes: `POST /v1/vacancies`, `GET /v1/vacancies`, `GET /v1/vacancies/{id}`,
//! `POST /v1/vacancies/{id}/close`, `POST /v1/layoff-notices`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::ToSpan;
use serde_json::{json, Value};
use shared::audit::AuditEntry;
use shared::auth::{Authenticated, Authenticator};
use shared::calendar::local_date;
use shared::clock::Clock;
use shared::codes::Code;
use shared::domain::vacancy::{parse_kato, parse_occupation, words, AffectedGroup, EmploymentType};
use shared::domain::{Account, Email, LayoffNotice, Phone, PersonName, Role, Vacancy, VacancySearch, VacancyStatus};
use shared::http::body::{parse, parsed, Fields};
use shared::http::query::param;
use shared::http::{with_common_layers, HttpConfig, JsonObject, QueryFields};
use shared::idempotency::{self, Idempotency};
use shared::outbox::{self, OutboxMessage, OutboxStore, Queues};
use shared::page::PageRequest;
use shared::ports::{StoreError, VacancyStore};
use shared::ApiError;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub vacancies: Arc<dyn VacancyStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub auth: Authenticator,
    pub clock: Arc<dyn Clock>,
    pub idempotency: Idempotency,
    /// The minimum monthly wage in force, in tenge: the floor of full-time salaries.
    pub minimum_wage: u64,
}

shared::authenticator_from_state!(AppState);

pub fn app(state: AppState, http: HttpConfig) -> Router {
    let router = Router::new()
        .route("/v1/vacancies", post(publish).get(search))
        .route("/v1/vacancies/{id}", get(read))
        .route("/v1/vacancies/{id}/close", post(close))
        .route("/v1/layoff-notices", post(layoff_notice))
        .layer(axum::middleware::from_fn_with_state(state.idempotency.clone(), idempotency::middleware))
        .with_state(state);
    with_common_layers(router, http)
}

fn money(v: &Value) -> Result<u64, Code> {
    match v {
        Value::Number(n) => n.as_u64().filter(|n| *n <= 1_000_000_000).ok_or(Code::InvalidValue),
        _ => Err(Code::InvalidType),
    }
}

fn count(max: u64) -> impl FnOnce(&Value) -> Result<u32, Code> {
    move |v| match v {
        Value::Number(n) => n.as_u64().filter(|n| (1..=max).contains(n)).map(|n| n as u32).ok_or(Code::InvalidValue),
        _ => Err(Code::InvalidType),
    }
}

fn text_between(min: usize, max: usize) -> impl FnOnce(&Value) -> Result<String, Code> {
    move |v| {
        let t = parse::text(max)(v)?;
        if t.chars().count() < min {
            Err(Code::InvalidValue)
        } else {
            Ok(t)
        }
    }
}

/// The VAC-5 record for AIS "Labor Market": the vacancy with the employer's data.
fn integration_record(v: &Vacancy) -> Value {
    json!({
        "vacancy": public_view(v),
        "employer": { "bin": v.employer_bin, "company_name": v.company_name, "account_id": v.employer_id },
    })
}

fn public_view(v: &Vacancy) -> Value {
    json!({
        "id": v.id,
        "status": v.status,
        "title": v.title,
        "description": v.description,
        "occupation_code": v.occupation_code,
        "region_code": v.region_code,
        "salary_from": v.salary_from,
        "salary_to": v.salary_to,
        "employment_type": v.employment_type,
        "positions": v.positions,
        "contact_name": v.contact_name,
        "contact_phone": v.contact_phone,
        "contact_email": v.contact_email,
        "valid_until": v.valid_until,
        "employer_bin": v.employer_bin,
        "company_name": v.company_name,
        "published_at": v.published_at,
        "closed_at": v.closed_at,
    })
}

/// The employer's BIN and company name, from the account (never from the body).
fn employer_of(caller: &Authenticated) -> Result<(&Account, String, String), ApiError> {
    let employer = caller.require(&[Role::Employer])?;
    let bin = employer.bin.clone().ok_or_else(|| ApiError::internal("an employer account without a BIN"))?;
    let company = employer.company_name.clone().ok_or_else(|| ApiError::internal("an employer account without a company name"))?;
    Ok((employer, bin, company))
}

/// `POST /v1/vacancies` (VAC-1, VAC-5).
async fn publish(State(st): State<AppState>, caller: Authenticated, JsonObject(body): JsonObject) -> Result<impl IntoResponse, ApiError> {
    let (employer, bin, company) = employer_of(&caller)?;
    let now = st.clock.now();
    let today = local_date(now);
    let mut f = JsonObject(body).fields();
    let title = f.required("title", text_between(3, 200));
    let description = f.required("description", text_between(20, 10_000));
    let occupation = f.required("occupation_code", parse::with(parse_occupation));
    let region = f.required("region_code", parse::with(parse_kato));
    let salary_from = f.required("salary_from", money);
    let salary_to = f.optional("salary_to", money);
    let employment = f.required("employment_type", parse::one_of(EmploymentType::ALL));
    let positions = f.required("positions", count(1000));
    let contact_name = f.required("contact_name", parse::with(PersonName::parse));
    let contact_phone = f.required("contact_phone", parse::with(Phone::parse));
    let contact_email = f.optional("contact_email", parse::with(Email::parse));
    let valid_until = f.required("valid_until", param::date);
    if let (Some(EmploymentType::FullTime), Some(from)) = (employment, salary_from) {
        if from < st.minimum_wage {
            f.error("salary_from", Code::SalaryBelowMinimum);
        }
    }
    if let (Some(from), Some(to)) = (salary_from, salary_to) {
        if to < from {
            f.error("salary_to", Code::InvalidValue);
        }
    }
    if let Some(until) = valid_until {
        // After today and at most 365 days ahead (Asia/Almaty).
        let latest = today.checked_add(365.days()).unwrap_or(today);
        if until <= today || until > latest {
            f.error("valid_until", Code::InvalidValue);
        }
    }
    f.finish()?;

    let vacancy = Vacancy {
        id: shared::ids::new_id(),
        status: VacancyStatus::Published,
        title: parsed(title)?,
        description: parsed(description)?,
        occupation_code: parsed(occupation)?,
        region_code: parsed(region)?,
        salary_from: parsed(salary_from)?,
        salary_to,
        employment_type: parsed(employment)?,
        positions: parsed(positions)?,
        contact_name: parsed(contact_name)?.as_str().to_owned(),
        contact_phone: parsed(contact_phone)?.as_str().to_owned(),
        contact_email: contact_email.map(|e| e.as_str().to_owned()),
        valid_until: parsed(valid_until)?,
        employer_id: employer.id.clone(),
        employer_bin: bin,
        company_name: company,
        published_at: now,
        closed_at: None,
    };
    let audit = AuditEntry::new(now, &employer.id, "vacancy.published", format!("vacancy:{}", vacancy.id));
    let message = OutboxMessage::integration("vacancy.published", now, &vacancy.id, integration_record(&vacancy));
    st.vacancies.publish(&vacancy, &audit, std::slice::from_ref(&message)).await?;
    outbox::deliver(st.outbox.as_ref(), &st.queues, &[message]).await;
    Ok((StatusCode::CREATED, Json(public_view(&vacancy))))
}

async fn load(st: &AppState, id: &str) -> Result<Vacancy, ApiError> {
    if !shared::ids::is_valid_id(id) {
        return Err(ApiError::not_found());
    }
    st.vacancies.get(id).await?.ok_or_else(ApiError::not_found)
}

/// `GET /v1/vacancies/{id}`: public; a closed one says so, an expired one says `listed: false`.
async fn read(State(st): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let v = load(&st, &id).await?;
    let mut view = public_view(&v);
    view["listed"] = json!(v.is_listed(local_date(st.clock.now())));
    Ok(Json(view))
}

/// `GET /v1/vacancies`: public search, newest first.
async fn search(State(st): State<AppState>, QueryFields(mut q): QueryFields) -> Result<Json<Value>, ApiError> {
    let region = q.optional("region_code", parse::with(|s| {
        let s = s.trim();
        // A 9-digit KATO code, or the 2-digit prefix of a whole oblast.
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) { Ok(s.to_owned()) } else { parse_kato(s) }
    }));
    let occupation = q.optional("occupation_code", parse::with(parse_occupation));
    let text = q.optional("q", parse::text(200));
    let page = PageRequest::parse(&mut q);
    q.finish()?;
    // Words are case-folded like the titles were (Kazakh and Russian letters included).
    let words = text.map(|t| words(&t)).unwrap_or_default();
    let search = VacancySearch { region, occupation_code: occupation, words };
    let page = st.vacancies.search(&search, local_date(st.clock.now()), &page).await?;
    Ok(Json(page.map(|v| public_view(&v)).into_json()))
}

/// `POST /v1/vacancies/{id}/close`: by the employer who published it.
async fn close(State(st): State<AppState>, caller: Authenticated, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (employer, _, _) = employer_of(&caller)?;
    let v = load(&st, &id).await?;
    if v.employer_id != employer.id {
        return Err(ApiError::forbidden());
    }
    if v.status == VacancyStatus::Closed {
        return Err(ApiError::conflict(Code::AlreadyClosed));
    }
    let now = st.clock.now();
    let mut closed = v.clone();
    closed.status = VacancyStatus::Closed;
    closed.closed_at = Some(now);
    let audit = AuditEntry::new(now, &employer.id, "vacancy.closed", format!("vacancy:{id}"));
    let message = OutboxMessage::integration("vacancy.closed", now, &closed.id, integration_record(&closed));
    match st.vacancies.close(&closed, &audit, std::slice::from_ref(&message)).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(ApiError::conflict(Code::AlreadyClosed)),
        Err(e) => return Err(e.into()),
    }
    outbox::deliver(st.outbox.as_ref(), &st.queues, &[message]).await;
    Ok(Json(public_view(&closed)))
}

fn parse_group(f: &mut Fields) -> Option<AffectedGroup> {
    let position = f.required("position", parse::text(200));
    let occupation = f.required("occupation_code", parse::with(parse_occupation));
    let qualification = f.required("qualification", parse::text(200));
    let salary = f.required("salary", money);
    let count = f.required("count", count(100_000));
    Some(AffectedGroup { position: position?, occupation_code: occupation?, qualification: qualification?, salary: salary?, count: count? })
}

/// `POST /v1/layoff-notices` (VAC-2): not public; queued for AIS "Labor Market".
async fn layoff_notice(State(st): State<AppState>, caller: Authenticated, JsonObject(body): JsonObject) -> Result<impl IntoResponse, ApiError> {
    let (employer, bin, company) = employer_of(&caller)?;
    let now = st.clock.now();
    let today = local_date(now);
    let mut f = JsonObject(body).fields();
    let reason = f.required("reason", parse::text(2000));
    let starts_on = f.required("starts_on", param::date);
    let ends_on = f.required("ends_on", param::date);
    let affected = match f.optional("affected", |v| v.as_array().cloned().ok_or(Code::InvalidType)) {
        None => {
            f.error("affected", Code::Required);
            None
        }
        Some(items) if items.is_empty() => {
            f.error("affected", Code::Required);
            None
        }
        Some(items) if items.len() > 100 => {
            f.error("affected", Code::TooMany);
            None
        }
        Some(items) => {
            let mut groups = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let mut wrapper = serde_json::Map::new();
                wrapper.insert(i.to_string(), item);
                let mut inner = Fields::new(wrapper);
                let group = inner.object(&i.to_string(), true, parse_group);
                if let Err(e) = inner.finish() {
                    for err in e.errors {
                        f.error(&format!("affected.{}", err.field), err.code);
                    }
                }
                groups.extend(group);
            }
            Some(groups)
        }
    };
    if starts_on.is_some_and(|d| d < today) {
        f.error("starts_on", Code::InvalidValue);
    }
    if let (Some(a), Some(b)) = (starts_on, ends_on) {
        if b < a {
            f.error("ends_on", Code::InvalidValue);
        }
    }
    f.finish()?;
    let notice = LayoffNotice {
        id: shared::ids::new_id(),
        reason: parsed(reason)?,
        starts_on: parsed(starts_on)?,
        ends_on: parsed(ends_on)?,
        affected: parsed(affected)?,
        employer_id: employer.id.clone(),
        employer_bin: bin,
        company_name: company,
        submitted_at: now,
    };
    let audit = AuditEntry::new(now, &employer.id, "layoff_notice.submitted", format!("layoff_notice:{}", notice.id));
    let message = OutboxMessage::integration("layoff_notice.submitted", now, &notice.id, json!({ "layoff_notice": notice }));
    st.vacancies.save_layoff_notice(&notice, &audit, std::slice::from_ref(&message)).await?;
    outbox::deliver(st.outbox.as_ref(), &st.queues, &[message]).await;
    let affected_total: u64 = notice.affected.iter().map(|g| u64::from(g.count)).sum();
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": notice.id,
            "starts_on": notice.starts_on,
            "ends_on": notice.ends_on,
            "affected_total": affected_total,
            "submitted_at": notice.submitted_at,
        })),
    ))
}
