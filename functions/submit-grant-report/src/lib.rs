//! `submit-grant-report`: grants and the reports on their use (order No. 206 §12, §35;
//! GRT-1..4).
//!
//! Routes: `POST /v1/grants`, `GET /v1/grants`, `GET /v1/grants/expense-categories`,
//! `GET /v1/grants/{id}`, `POST /v1/grants/{id}/attachments`,
//! `GET /v1/grants/{id}/attachments/{attachment_id}` (303 to a short-lived download),
//! `POST|GET /v1/grants/{id}/reports`, `POST /v1/grants/{id}/reports/{report_id}/decision`,
//! `POST|GET /v1/grants/{id}/refunds`, `POST /v1/grants/{id}/refunds/{refund_id}/decision`.
//! The rules are in `enbek_core::usecases::grants`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoAttachments, DynamoAudit, DynamoGrants, DynamoOutbox};
use enbek_aws::sqs::SqsQueue;
use enbek_core::attachments::parse_declaration;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::domain::grant::DEFAULT_MAX_AMOUNT_TIYN;
use enbek_core::outbox::Queues;
use enbek_core::usecases::grants::{page_query, GrantQuery, Grants, RefundDecisionForm, RefundForm, ReportDecisionForm};
use enbek_http::auth::{Authenticated, Authenticator};
use enbek_http::context::origin;
use enbek_http::cursor::{CursorSeal, ListQuery};
use enbek_http::views::{ExpenseCategoriesView, GrantReportView, GrantView, PageView, RefundView, UploadView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `FILES_BUCKET`: the bucket of supporting documents.
    pub files_bucket: String,
    /// `INTEGRATION_QUEUE_URL`: the FIFO queue to AIS "Labor Market" (GRT-4).
    pub integration_queue_url: String,
    /// `NOTIFICATIONS_QUEUE_URL`: e-mails to recipients about decisions.
    pub notifications_queue_url: String,
    /// `GRANT_MAX_AMOUNT_TIYN` (default 500 000 000 = 5 000 000 tenge): the ceiling of a grant.
    pub max_amount_tiyn: i64,
    /// `GRANT_ATTACHMENT_REQUIRED_ABOVE_TIYN` (optional): an expense above it needs a document.
    pub attachment_required_above_tiyn: Option<i64>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let above: i64 = config::parsed("GRANT_ATTACHMENT_REQUIRED_ABOVE_TIYN", -1)?;
        Ok(Self {
            http: HttpSettings::from_env()?,
            files_bucket: config::required("FILES_BUCKET")?,
            integration_queue_url: config::required("INTEGRATION_QUEUE_URL")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
            max_amount_tiyn: config::parsed("GRANT_MAX_AMOUNT_TIYN", DEFAULT_MAX_AMOUNT_TIYN)?,
            attachment_required_above_tiyn: (above >= 0).then_some(above),
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub grants: Grants,
    pub auth: Authenticator,
    pub cursors: Arc<CursorSeal>,
}

enbek_http::authenticator_from_state!(AppState);
enbek_http::cursor_seal_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("submit-grant-report", &config.http, aws, clock.clone())?;
    let table = base.table.clone();
    let sqs = aws.sqs();
    let grants = Grants {
        store: Arc::new(DynamoGrants::new(table.clone())),
        accounts: base.accounts(),
        attachments: Arc::new(DynamoAttachments::new(table.clone())),
        files: Arc::new(aws.s3_files(config.files_bucket)),
        outbox: Arc::new(DynamoOutbox::new(table.clone())),
        queues: Queues {
            notifications: Some(Arc::new(SqsQueue::new(sqs.clone(), config.notifications_queue_url))),
            integration: Some(Arc::new(SqsQueue::new(sqs, config.integration_queue_url))),
        },
        audit: Arc::new(DynamoAudit::new(table)),
        clock,
        max_amount_tiyn: config.max_amount_tiyn,
        attachment_required_above_tiyn: config.attachment_required_above_tiyn,
    };
    let state = AppState { grants, auth: base.authenticator(), cursors: base.cursor_seal()? };
    let router = Router::new()
        .route("/v1/grants", post(award).get(list))
        .route("/v1/grants/expense-categories", get(expense_categories))
        .route("/v1/grants/{id}", get(read))
        .route("/v1/grants/{id}/attachments", post(declare_attachment))
        .route("/v1/grants/{id}/attachments/{attachment_id}", get(attachment))
        .route("/v1/grants/{id}/reports", post(submit_report).get(reports))
        .route("/v1/grants/{id}/reports/{report_id}/decision", post(decide_report))
        .route("/v1/grants/{id}/refunds", post(apply_refund).get(refunds))
        .route("/v1/grants/{id}/refunds/{refund_id}/decision", post(decide_refund))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/grants` (center staff; GRT-1).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants", tag = "grants", security(("bearer" = [])), request_body = enbek_http::openapi::requests::GrantRequest,
    responses(
        (status = 201, description = "Recorded (GRT-1)", body = GrantView),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`validation_failed`: `recipient_iin: recipient_unknown`, `amount_tiyn: invalid_value`, `period_end: invalid_value`"),
    )))]
async fn award(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let grant = st.grants.award(&staff, body, &origin()).await?;
    Ok((StatusCode::CREATED, Json(GrantView::from(&grant))))
}

/// `GET /v1/grants`: the caller's grants (a recipient) or all (center staff), newest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants", tag = "grants", security(("bearer" = [])),
    params(enbek_http::openapi::requests::GrantListParams, enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "The caller's grants (a recipient) or all (center staff), newest first", body = PageView<GrantView>),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `recipient: invalid_value`"),
    )))]
async fn list(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    ListQuery { fields, sealer }: ListQuery,
) -> Result<Json<PageView<GrantView>>, ApiError> {
    let page = st.grants.list(&caller, GrantQuery::parse(fields)).await?;
    Ok(Json(sealer.page(page, |g| GrantView::from(&g))))
}

/// `GET /v1/grants/expense-categories` (public, cached a day).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants/expense-categories", tag = "grants",
    responses((status = 200, description = "Expense categories with kk/ru/en labels (cached a day)", body = ExpenseCategoriesView))))]
async fn expense_categories() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "public, max-age=86400")], Json(ExpenseCategoriesView::all()))
}

/// `GET /v1/grants/{id}`: with spent, refunded and remaining money.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants/{id}", tag = "grants", security(("bearer" = [])), params(("id" = String, Path, description = "The grant")),
    responses(
        (status = 200, description = "The grant with spent, refunded and remaining money", body = GrantView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
    )))]
async fn read(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<GrantView>, ApiError> {
    Ok(Json(GrantView::from(&st.grants.read(&caller, &id).await?)))
}

/// `POST /v1/grants/{id}/attachments` (the recipient): a presigned upload.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants/{id}/attachments", tag = "grants", security(("bearer" = [])), params(("id" = String, Path, description = "The grant")),
    request_body = enbek_http::openapi::requests::AttachmentRequest,
    responses(
        (status = 201, description = "Upload with a PUT to `upload_url` sending exactly `upload_headers`", body = UploadView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`validation_failed`: `content_type: invalid_value`, `size_bytes: file_too_large`"),
    )))]
async fn declare_attachment(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let grant = st.grants.declare_attachment(&caller, &id, parse_declaration(body)).await?;
    Ok((StatusCode::CREATED, Json(UploadView::from(grant))))
}

/// `GET /v1/grants/{id}/attachments/{attachment_id}`: 303 to a short-lived download.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants/{id}/attachments/{attachment_id}", tag = "grants", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant"), ("attachment_id" = String, Path, description = "The attachment")),
    responses(
        (status = 303, description = "To a download of the cited version, valid a few minutes", headers(("Location" = String, description = "A presigned GET"))),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
    )))]
async fn attachment(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Redirect, ApiError> {
    Ok(Redirect::to(&st.grants.attachment_url(&caller, &id, &attachment_id, &origin()).await?))
}

/// `POST /v1/grants/{id}/reports` (the recipient; GRT-2).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants/{id}/reports", tag = "grants", security(("bearer" = [])), params(("id" = String, Path, description = "The grant")),
    request_body = enbek_http::openapi::requests::ReportRequest,
    responses(
        (status = 201, description = "Submitted (GRT-2); a message goes to AIS (GRT-4)", body = GrantReportView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`grant_exceeded`, `validation_failed`: `expenses.0.spent_on: out_of_period`, `expenses.1.amount_tiyn: invalid_value`, `expenses.1.attachment_ids.0: attachment_missing`"),
    )))]
async fn submit_report(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let report = st.grants.submit_report(&caller, &id, body, &origin()).await?;
    Ok((StatusCode::CREATED, Json::<GrantReportView>(report)))
}

/// `GET /v1/grants/{id}/reports`: oldest first, with decisions.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants/{id}/reports", tag = "grants", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant"), enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Reports, oldest first, with decisions", body = PageView<GrantReportView>),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `limit: invalid_value`"),
    )))]
async fn reports(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    ListQuery { fields, sealer }: ListQuery,
) -> Result<Json<PageView<GrantReportView>>, ApiError> {
    let page = st.grants.reports(&caller, &id, page_query(fields)).await?;
    Ok(Json(sealer.page(page, |r| r)))
}

/// `POST /v1/grants/{id}/reports/{report_id}/decision` (center staff).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants/{id}/reports/{report_id}/decision", tag = "grants", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant"), ("report_id" = String, Path, description = "The report")), request_body = enbek_http::openapi::requests::ReportDecisionRequest,
    responses(
        (status = 200, description = "Decided; a message goes to AIS (GRT-4)", body = GrantReportView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`already_decided`"),
        (status = 422, description = "`validation_failed`: `decision: invalid_value`, `comment: required`"),
    )))]
async fn decide_report(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    Path((id, report_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<GrantReportView>, ApiError> {
    Ok(Json(st.grants.decide_report(&staff, &id, &report_id, ReportDecisionForm::parse(body), &origin()).await?))
}

/// `POST /v1/grants/{id}/refunds` (the recipient; GRT-3).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants/{id}/refunds", tag = "grants", security(("bearer" = [])), params(("id" = String, Path, description = "The grant")),
    request_body = enbek_http::openapi::requests::RefundRequest,
    responses(
        (status = 201, description = "Applied (GRT-3)", body = RefundView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`grant_exceeded`, `validation_failed`: `amount_tiyn: invalid_value`, `reason: required`"),
    )))]
async fn apply_refund(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let refund = st.grants.apply_refund(&caller, &id, RefundForm::parse(body), &origin()).await?;
    Ok((StatusCode::CREATED, Json::<RefundView>(refund)))
}

/// `GET /v1/grants/{id}/refunds`: oldest first, with decisions.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/grants/{id}/refunds", tag = "grants", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant"), enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Refunds, oldest first, with decisions", body = PageView<RefundView>),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `limit: invalid_value`"),
    )))]
async fn refunds(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    ListQuery { fields, sealer }: ListQuery,
) -> Result<Json<PageView<RefundView>>, ApiError> {
    let page = st.grants.refunds(&caller, &id, page_query(fields)).await?;
    Ok(Json(sealer.page(page, |r| r)))
}

/// `POST /v1/grants/{id}/refunds/{refund_id}/decision` (center staff).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/grants/{id}/refunds/{refund_id}/decision", tag = "grants", security(("bearer" = [])),
    params(("id" = String, Path, description = "The grant"), ("refund_id" = String, Path, description = "The refund")), request_body = enbek_http::openapi::requests::RefundDecisionRequest,
    responses(
        (status = 200, description = "Decided; a confirmed refund goes to AIS (GRT-4)", body = RefundView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`already_decided`"),
        (status = 422, description = "`grant_exceeded`, `validation_failed`: `decision: invalid_value`"),
    )))]
async fn decide_refund(
    State(st): State<AppState>,
    Authenticated(staff): Authenticated,
    Path((id, refund_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<RefundView>, ApiError> {
    Ok(Json(st.grants.decide_refund(&staff, &id, &refund_id, RefundDecisionForm::parse(body), &origin()).await?))
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(
    award,
    list,
    expense_categories,
    read,
    declare_attachment,
    attachment,
    submit_report,
    reports,
    decide_report,
    apply_refund,
    refunds,
    decide_refund
);
