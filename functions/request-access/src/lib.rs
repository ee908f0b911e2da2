//! `request-access`: access requests to the ministry's information systems (order No. 419,
//! ACS-1..8, ACS-10, ACS-11) and the registration journal (ACS-6).
//!
//! Routes: `POST /v1/access-requests/attachments`, `POST /v1/access-requests`,
//! `GET /v1/access-requests`, `GET /v1/access-requests/{id}`,
//! `POST /v1/access-requests/{id}/decision`, `GET /v1/access-journal`. The rules are in
//! `enbek_core::usecases::access`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoAccessRequests, DynamoAttachments, DynamoOutbox};
use enbek_aws::s3::S3Files;
use enbek_aws::sqs::SqsQueue;
use enbek_core::attachments::parse_declaration;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::Queues;
use enbek_core::password::Argon2Hasher;
use enbek_core::usecases::access::{journal_csv, AccessRequests, DecisionForm, JournalQuery, RequestQuery};
use enbek_http::auth::{Authenticated, Authenticator};
use enbek_http::context::origin;
use enbek_http::idempotency::DoNotStore;
use enbek_http::views::{AccessRequestCreatedView, AccessRequestView, DecisionView, JournalRowView, PageView, UploadView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, Query, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `FILES_BUCKET`: the bucket of basis documents.
    pub files_bucket: String,
    /// `NOTIFICATIONS_QUEUE_URL`: answers to the corporate e-mail (ACS-4).
    pub notifications_queue_url: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            http: HttpSettings::from_env()?,
            files_bucket: config::required("FILES_BUCKET")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub access: AccessRequests,
    pub auth: Authenticator,
}

enbek_http::authenticator_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("request-access", &config.http, aws, clock.clone())?;
    let table = base.table.clone();
    let access = AccessRequests {
        requests: Arc::new(DynamoAccessRequests::new(table.clone())),
        accounts: base.accounts(),
        attachments: Arc::new(DynamoAttachments::new(table.clone())),
        files: Arc::new(S3Files::new(aws.s3(), config.files_bucket)),
        outbox: Arc::new(DynamoOutbox::new(table)),
        queues: Queues { notifications: Some(Arc::new(SqsQueue::new(aws.sqs(), config.notifications_queue_url))), integration: None },
        hasher: Arc::new(Argon2Hasher),
        clock,
    };
    let state = AppState { access, auth: base.authenticator() };
    let router = Router::new()
        .route("/v1/access-requests/attachments", post(declare_attachment))
        .route("/v1/access-requests", post(submit).get(list))
        .route("/v1/access-requests/{id}", get(read))
        .route("/v1/access-requests/{id}/decision", post(decide))
        .route("/v1/access-journal", get(journal))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/access-requests/attachments`: a presigned upload for the basis document (ACS-3).
async fn declare_attachment(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let grant = st.access.declare_attachment(&staff, parse_declaration(body)).await?;
    Ok((StatusCode::CREATED, Json(UploadView::from(grant))))
}

/// `POST /v1/access-requests` (ACS-1, ACS-2, ACS-3, ACS-4, ACS-11).
async fn submit(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let r = st.access.submit(&staff, body, &origin()).await?;
    Ok((StatusCode::CREATED, Json(AccessRequestCreatedView { id: r.id, status: r.status, received_at: r.received_at, due_at: r.due_at })))
}

/// `GET /v1/access-requests` (security_admin): pending first, oldest first.
async fn list(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    Query(q): Query,
) -> Result<Json<PageView<AccessRequestView>>, ApiError> {
    let page = st.access.list(&admin, RequestQuery::parse(q)).await?;
    Ok(Json(PageView::of(page, |r| AccessRequestView::from(&r))))
}

/// `GET /v1/access-requests/{id}`: its submitter or a security administrator.
async fn read(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AccessRequestView>, ApiError> {
    Ok(Json(AccessRequestView::from(&st.access.read(&staff, &id).await?)))
}

/// `POST /v1/access-requests/{id}/decision` (security_admin). A temporary password is shown
/// once: the answer is never stored for replay and never cached.
async fn decide(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let decided = st.access.decide(&admin, &id, DecisionForm::parse(body), &origin()).await?;
    let view = DecisionView {
        request: AccessRequestView::from(&decided.request),
        account_id: decided.account_id,
        login: decided.login,
        journal_number: decided.journal_number,
        temporary_password: decided.temporary_password,
    };
    let mut response = Json(view).into_response();
    response.extensions_mut().insert(DoNotStore);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv")))
}

/// `GET /v1/access-journal?from=&to=` (security_admin; ACS-6): JSON pages, or the whole range
/// as CSV with `Accept: text/csv`. Dates are Asia/Almaty days, both inclusive.
async fn journal(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    headers: HeaderMap,
    Query(q): Query,
) -> Result<Response, ApiError> {
    if !wants_csv(&headers) {
        let page = st.access.journal(&admin, JournalQuery::parse(q)).await?;
        return Ok(Json(PageView::<JournalRowView>::of(page, |r| r)).into_response());
    }
    let rows = st.access.journal_all(&admin, JournalQuery::parse(q)).await?;
    let csv = journal_csv(&rows).map_err(|e| ApiError::internal(&e))?;
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
