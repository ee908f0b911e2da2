//! `request-access`: access requests to the ministry's information systems (order No. 419,
//! ACS-1..8, ACS-10, ACS-11) and the registration journal (ACS-6).
//!
//! Routes: `POST /v1/access-requests/attachments`, `POST /v1/access-requests`,
//! `GET /v1/access-requests`, `GET /v1/access-requests/{id}`,
//! `POST /v1/access-requests/{id}/decision`, `GET /v1/access-journal`. The rules are in
//! `enbek_core::usecases::access`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoAccessRequests, DynamoAttachments, DynamoAudit, DynamoOutbox};
use enbek_aws::sqs::SqsQueue;
use enbek_core::attachments::parse_declaration;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::Queues;
use enbek_core::password::Argon2Hasher;
use enbek_core::usecases::access::{
    AccessRequests, DecisionForm, JournalExport, JournalQuery, RequestQuery, DEFAULT_TEMPORARY_PASSWORD_TTL,
};
use enbek_http::auth::{Authenticated, Authenticator};
use enbek_http::context::origin;
use enbek_http::cursor::{CursorSeal, ListQuery};
use enbek_http::idempotency::DoNotStore;
use enbek_http::views::{AccessRequestCreatedView, AccessRequestView, DecisionView, JournalRowView, PageView, UploadView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `FILES_BUCKET`: the bucket of basis documents and journal exports.
    pub files_bucket: String,
    /// `NOTIFICATIONS_QUEUE_URL`: answers to the corporate e-mail (ACS-4).
    pub notifications_queue_url: String,
    /// `TEMPORARY_PASSWORD_TTL_HOURS` (default 72): how long a temporary password opens the
    /// account (ACS-5).
    pub temporary_password_ttl: jiff::SignedDuration,
    /// `MAIL_SEAL_KEY` (≥ 32 characters, shared with `notify` only): seals the temporary
    /// password inside the e-mail message (ACS-4, ACS-5).
    pub mail_seal_key: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let hours: i64 = config::parsed("TEMPORARY_PASSWORD_TTL_HOURS", DEFAULT_TEMPORARY_PASSWORD_TTL.as_hours())?;
        Ok(Self {
            http: HttpSettings::from_env()?,
            files_bucket: config::required("FILES_BUCKET")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
            temporary_password_ttl: jiff::SignedDuration::from_hours(hours),
            mail_seal_key: config::secret("MAIL_SEAL_KEY")?,
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub access: AccessRequests,
    pub auth: Authenticator,
    pub cursors: Arc<CursorSeal>,
}

enbek_http::authenticator_from_state!(AppState);
enbek_http::cursor_seal_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("request-access", &config.http, aws, clock.clone())?;
    let table = base.table.clone();
    let access = AccessRequests {
        requests: Arc::new(DynamoAccessRequests::new(table.clone())),
        accounts: base.accounts(),
        attachments: Arc::new(DynamoAttachments::new(table.clone())),
        files: Arc::new(aws.s3_files(config.files_bucket)),
        outbox: Arc::new(DynamoOutbox::new(table.clone())),
        queues: Queues { notifications: Some(Arc::new(SqsQueue::new(aws.sqs(), config.notifications_queue_url))), integration: None },
        hasher: Arc::new(Argon2Hasher),
        secrets: Arc::new(enbek_core::seal::mail_sealer(&config.mail_seal_key)),
        audit: Arc::new(DynamoAudit::new(table)),
        clock,
        temporary_password_ttl: config.temporary_password_ttl,
    };
    let state = AppState { access, auth: base.authenticator(), cursors: base.cursor_seal()? };
    let router = Router::new()
        .route("/v1/access-requests/attachments", post(declare_attachment))
        .route("/v1/access-requests", post(submit).get(list))
        .route("/v1/access-requests/{id}", get(read))
        .route("/v1/access-requests/{id}/basis-document", get(basis_document))
        .route("/v1/access-requests/{id}/decision", post(decide))
        .route("/v1/access-journal", get(journal))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/access-requests/attachments`: a presigned upload for the basis document (ACS-3).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/access-requests/attachments", tag = "access", security(("bearer" = [])), request_body = enbek_http::openapi::requests::AttachmentRequest,
    responses(
        (status = 201, description = "Upload with a PUT to `upload_url` sending exactly `upload_headers`", body = UploadView),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`validation_failed`: `content_type: invalid_value`, `size_bytes: file_too_large`"),
    )))]
async fn declare_attachment(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let grant = st.access.declare_attachment(&staff, parse_declaration(body)).await?;
    Ok((StatusCode::CREATED, Json(UploadView::from(grant))))
}

/// `POST /v1/access-requests` (ACS-1, ACS-2, ACS-3, ACS-4, ACS-11).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/access-requests", tag = "access", security(("bearer" = [])), request_body = enbek_http::openapi::requests::AccessRequestRequest,
    responses(
        (status = 201, description = "Received; answered within 3 working days (ACS-4)", body = AccessRequestCreatedView),
        (status = 403, description = "`forbidden`"),
        (status = 409, description = "`duplicate_request`"),
        (status = 422, description = "`validation_failed`: `basis.approved_on: basis_expired`, `organization.kind: organization_not_eligible`, `user.iin: iin_invalid`, `basis_document_id: attachment_missing`, `login: required`"),
    )))]
async fn submit(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let r = st.access.submit(&staff, body, &origin()).await?;
    Ok((StatusCode::CREATED, Json(AccessRequestCreatedView { id: r.id, status: r.status, received_at: r.received_at, due_at: r.due_at })))
}

/// `GET /v1/access-requests` (security_admin): pending first, oldest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/access-requests", tag = "access", security(("bearer" = [])),
    params(enbek_http::openapi::requests::AccessListParams, enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Requests, oldest first (security administrator)", body = PageView<AccessRequestView>),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `status: invalid_value`"),
    )))]
async fn list(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    ListQuery { fields, sealer }: ListQuery,
) -> Result<Json<PageView<AccessRequestView>>, ApiError> {
    let page = st.access.list(&admin, RequestQuery::parse(fields)).await?;
    Ok(Json(sealer.page(page, |r| AccessRequestView::from(&r))))
}

/// `GET /v1/access-requests/{id}`: its submitter or a security administrator (audited).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/access-requests/{id}", tag = "access", security(("bearer" = [])),
    params(("id" = String, Path, description = "The request")),
    responses(
        (status = 200, description = "The request (its submitter or a security administrator; audited)", body = AccessRequestView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
    )))]
async fn read(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<AccessRequestView>, ApiError> {
    Ok(Json(AccessRequestView::from(&st.access.read(&staff, &id, &origin()).await?)))
}

/// `GET /v1/access-requests/{id}/basis-document`: 303 to a short-lived download of the basis
/// document, the version that was checked when the request was filed.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/access-requests/{id}/basis-document", tag = "access", security(("bearer" = [])),
    params(("id" = String, Path, description = "The request")),
    responses(
        (status = 303, description = "To a download of the basis document, valid a few minutes", headers(("Location" = String, description = "A presigned GET"))),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
    )))]
async fn basis_document(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    Path(id): Path<String>,
) -> Result<Redirect, ApiError> {
    Ok(Redirect::to(&st.access.basis_document_url(&staff, &id, &origin()).await?))
}

/// `POST /v1/access-requests/{id}/decision` (security_admin). A temporary password is shown
/// once: the answer is never stored for replay and never cached.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/access-requests/{id}/decision", tag = "access", security(("bearer" = [])),
    params(("id" = String, Path, description = "The request")), request_body = enbek_http::openapi::requests::AccessDecisionRequest,
    responses(
        (status = 200, description = "Decided; on approval of `grant`/`reactivate` the temporary password is shown once (`Cache-Control: no-store`)", body = DecisionView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`already_decided`, `person_has_login`, `account_not_found`, `login_taken`, `concurrent_update`"),
        (status = 422, description = "`validation_failed`: `reason: required`, `basis.approved_on: basis_expired`"),
    )))]
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
/// as CSV with `Accept: text/csv` — inline when it fits a Lambda answer, otherwise written to
/// the bucket and answered with 303 to a presigned GET valid a few minutes. Dates are
/// Asia/Almaty days, both inclusive.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/access-journal", tag = "access", security(("bearer" = [])),
    params(enbek_http::openapi::requests::JournalParams, enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Journal rows (appendix 1); with `Accept: text/csv` the whole range as CSV", content(
            (PageView<JournalRowView> = "application/json"),
            (String = "text/csv"),
        )),
        (status = 303, description = "A CSV too large for one answer: to a presigned GET of it in the bucket", headers(("Location" = String, description = "A presigned GET"))),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `from: invalid_value`, `to: invalid_value`"),
    )))]
async fn journal(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    headers: HeaderMap,
    q: ListQuery,
) -> Result<Response, ApiError> {
    let ListQuery { fields, sealer } = q;
    if !wants_csv(&headers) {
        let page = st.access.journal(&admin, JournalQuery::parse(fields)).await?;
        return Ok(Json(sealer.page::<_, JournalRowView>(page, |r| r)).into_response());
    }
    match st.access.export_journal(&admin, JournalQuery::parse(fields), &origin()).await? {
        JournalExport::Stored { url } => Ok(Redirect::to(&url).into_response()),
        JournalExport::Inline(csv) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"registration-journal.csv\""),
                // `lambda_http` decodes text/* bodies with encoding_rs, which drops a leading BOM
                // (and the body then falls short of its Content-Length). A Content-Encoding makes
                // it pass the bytes through as a binary (base64) body, BOM included; `identity`
                // tells clients there is nothing to decode.
                (header::CONTENT_ENCODING, "identity"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response()),
    }
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(declare_attachment, submit, list, read, basis_document, decide, journal);
