//! `file-ticket`: the technical-support feedback form (TKT-1..4).
//!
//! Routes: `POST /v1/tickets/attachments`, `POST /v1/tickets`, `GET /v1/tickets`,
//! `GET /v1/tickets/{id}`, `PATCH /v1/tickets/{id}`, and
//! `GET /v1/tickets/{id}/attachments/{attachment_id}` (303 to a short-lived download of the
//! version cited). The rules are in `enbek_core::usecases::tickets`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoAttachments, DynamoAudit, DynamoOutbox, DynamoRateLimiter, DynamoTickets};
use enbek_aws::sqs::SqsQueue;
use enbek_core::attachments::parse_declaration;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::input::parse;
use enbek_core::outbox::Queues;
use enbek_core::usecases::tickets::{TicketQuery, TicketUpdate, Tickets};
use enbek_http::auth::{Authenticated, Authenticator, MaybeAuthenticated};
use enbek_http::context::origin;
use enbek_http::cursor::{CursorSeal, ListQuery};
use enbek_http::views::{PageView, TicketFiledView, TicketSummaryView, TicketView, UploadView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, Query, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `FILES_BUCKET`: the bucket of attachments.
    pub files_bucket: String,
    /// `NOTIFICATIONS_QUEUE_URL`: e-mails to the ticket's author.
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
    pub tickets: Tickets,
    pub auth: Authenticator,
    pub cursors: Arc<CursorSeal>,
}

enbek_http::authenticator_from_state!(AppState);
enbek_http::cursor_seal_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("file-ticket", &config.http, aws, clock.clone())?;
    let table = base.table.clone();
    let tickets = Tickets {
        store: Arc::new(DynamoTickets::new(table.clone())),
        attachments: Arc::new(DynamoAttachments::new(table.clone())),
        files: Arc::new(aws.s3_files(config.files_bucket)),
        limiter: Arc::new(DynamoRateLimiter::new(table.clone())),
        outbox: Arc::new(DynamoOutbox::new(table.clone())),
        queues: Queues { notifications: Some(Arc::new(SqsQueue::new(aws.sqs(), config.notifications_queue_url))), integration: None },
        audit: Arc::new(DynamoAudit::new(table)),
        clock,
    };
    let state = AppState { tickets, auth: base.authenticator(), cursors: base.cursor_seal()? };
    let router = Router::new()
        .route("/v1/tickets/attachments", post(declare_attachment))
        .route("/v1/tickets", post(file).get(list))
        .route("/v1/tickets/{id}", get(read).patch(update))
        .route("/v1/tickets/{id}/attachments/{attachment_id}", get(attachment))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/tickets/attachments`: a presigned upload for a file to attach (TKT-1).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/tickets/attachments", tag = "tickets", security((), ("bearer" = [])), request_body = enbek_http::openapi::requests::AttachmentRequest,
    responses(
        (status = 201, description = "Upload with a PUT to `upload_url` sending exactly `upload_headers`", body = UploadView),
        (status = 401, description = "`unauthenticated`"),
        (status = 422, description = "`validation_failed`: `content_type: invalid_value`, `size_bytes: file_too_large`"),
        (status = 429, description = "`too_many_attempts`"),
    )))]
async fn declare_attachment(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let declared = parse_declaration(body)?;
    let grant = st.tickets.declare_attachment(caller.as_ref(), declared, &origin()).await?;
    Ok((StatusCode::CREATED, Json(UploadView::from(grant))))
}

/// `POST /v1/tickets` (TKT-1, TKT-2).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/tickets", tag = "tickets", security((), ("bearer" = [])), request_body = enbek_http::openapi::requests::TicketRequest,
    responses(
        (status = 201, description = "Filed (TKT-1); `access_code` is shown once; `due_at` per TKT-2", body = TicketFiledView),
        (status = 401, description = "`unauthenticated`"),
        (status = 422, description = "`validation_failed`: `iin: iin_invalid`, `email: email_invalid`, `contact_phone: phone_invalid`, `attachment_ids.0: attachment_missing`, `attachment_ids.1: attachment_invalid`"),
        (status = 429, description = "`too_many_attempts`"),
    )))]
async fn file(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let filed = st.tickets.file(caller.as_ref(), body, &origin()).await?;
    let t = &filed.ticket;
    let view = TicketFiledView {
        id: t.id.clone(),
        number: t.number.clone(),
        status: t.status,
        received_at: t.received_at,
        due_at: t.due_at,
        access_code: filed.access_code,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /v1/tickets/{id}`: support, the signed-in author, or anyone with the access code.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The ticket"), enbek_http::openapi::requests::TicketAccessParams),
    responses(
        (status = 200, description = "The ticket (support also sees who handles it)", body = TicketView),
        (status = 401, description = "`unauthenticated`"),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`unknown_field`, `validation_failed`: `access_code: too_long`"),
    )))]
async fn read(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path(id): Path<String>,
    Query(mut q): Query,
) -> Result<Json<TicketView>, ApiError> {
    let code = q.optional("access_code", parse::text(64));
    q.finish()?;
    let read = st.tickets.read(caller.as_ref(), &id, code.as_deref(), &origin()).await?;
    Ok(Json(TicketView::new(&read.ticket, st.tickets.clock.now(), read.for_support)))
}

/// `GET /v1/tickets/{id}/attachments/{attachment_id}`: whoever may read the ticket gets a
/// 303 to a download of the version that was checked and cited, valid a few minutes.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/tickets/{id}/attachments/{attachment_id}", tag = "tickets", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The ticket"), ("attachment_id" = String, Path, description = "The attachment"), enbek_http::openapi::requests::TicketAccessParams),
    responses(
        (status = 303, description = "To a download of the cited version, valid a few minutes", headers(("Location" = String, description = "A presigned GET"))),
        (status = 401, description = "`unauthenticated`"),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 422, description = "`unknown_field`, `validation_failed`: `access_code: too_long`"),
    )))]
async fn attachment(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path((id, attachment_id)): Path<(String, String)>,
    Query(mut q): Query,
) -> Result<Redirect, ApiError> {
    let code = q.optional("access_code", parse::text(64));
    q.finish()?;
    let url = st.tickets.attachment_url(caller.as_ref(), &id, &attachment_id, code.as_deref(), &origin()).await?;
    Ok(Redirect::to(&url))
}

/// `GET /v1/tickets` (support): `?status=&overdue=` ordered by `due_at`, oldest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(enbek_http::openapi::requests::TicketListParams, enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Tickets, oldest `due_at` first (support)", body = PageView<TicketSummaryView>),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `status: invalid_value`, `overdue: invalid_value`"),
    )))]
async fn list(
    State(st): State<AppState>,
    Authenticated(caller): Authenticated,
    ListQuery { fields, sealer }: ListQuery,
) -> Result<Json<PageView<TicketSummaryView>>, ApiError> {
    let page = st.tickets.list(&caller, TicketQuery::parse(fields)).await?;
    let now = st.tickets.clock.now();
    Ok(Json(sealer.page(page, |t| TicketSummaryView::new(&t, now))))
}

/// `PATCH /v1/tickets/{id}` (support): status forward only, defects, responses (TKT-2).
#[cfg_attr(feature = "openapi", utoipa::path(patch, path = "/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = String, Path, description = "The ticket")), request_body = enbek_http::openapi::requests::TicketUpdateRequest,
    responses(
        (status = 200, description = "Updated (TKT-2)", body = TicketView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`invalid_transition` (with a current_status member), `concurrent_update`"),
        (status = 422, description = "`validation_failed`: `status: invalid_value`, `defect: invalid_value`"),
    )))]
async fn update(
    State(st): State<AppState>,
    Authenticated(agent): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<TicketView>, ApiError> {
    let ticket = st.tickets.update(&agent, &id, TicketUpdate::parse(body), &origin()).await?;
    Ok(Json(TicketView::new(&ticket, st.tickets.clock.now(), true)))
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(declare_attachment, file, read, attachment, list, update);
