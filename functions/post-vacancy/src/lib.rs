//! `post-vacancy`: employers publish vacancies (VAC-1) and lay-off notices (VAC-2); everyone
//! searches vacancies (ACC-4); each publish, close and notice goes to AIS "Labor Market"
//! (VAC-5) via the transactional outbox.
//!
//! Routes: `POST /v1/vacancies`, `GET /v1/vacancies`, `GET /v1/vacancies/{id}` (with the
//! vacancy's activity for its employer, VAC-6), `POST /v1/vacancies/{id}/close`,
//! `POST /v1/vacancies/{id}/outcomes` (invitations and hires, order No. 206 §33),
//! `POST /v1/layoff-notices`. The rules are in `enbek_core::usecases::vacancies`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoOutbox, DynamoVacancies};
use enbek_aws::sqs::SqsQueue;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::Queues;
use enbek_core::usecases::vacancies::{LayoffForm, OutcomeForm, SearchQuery, Vacancies, VacancyForm};
use enbek_http::auth::{Authenticated, Authenticator, MaybeAuthenticated};
use enbek_http::context::origin;
use enbek_http::cursor::{CursorSeal, ListQuery};
use enbek_http::views::{LayoffCreatedView, OutcomeView, PageView, VacancyView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `INTEGRATION_QUEUE_URL`: the FIFO queue to AIS "Labor Market".
    pub integration_queue_url: String,
    /// `MINIMUM_MONTHLY_WAGE`: tenge, the floor of full-time salaries.
    pub minimum_wage: u64,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let minimum_wage = config::parsed::<u64>("MINIMUM_MONTHLY_WAGE", 0)?;
        if minimum_wage == 0 {
            return Err(ConfigError { variable: "MINIMUM_MONTHLY_WAGE", problem: "is not set".into() });
        }
        Ok(Self { http: HttpSettings::from_env()?, integration_queue_url: config::required("INTEGRATION_QUEUE_URL")?, minimum_wage })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub vacancies: Vacancies,
    pub auth: Authenticator,
    pub cursors: Arc<CursorSeal>,
}

enbek_http::authenticator_from_state!(AppState);
enbek_http::cursor_seal_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("post-vacancy", &config.http, aws, clock.clone())?;
    let vacancies = Vacancies {
        store: Arc::new(DynamoVacancies::new(base.table.clone())),
        outbox: Arc::new(DynamoOutbox::new(base.table.clone())),
        queues: Queues { notifications: None, integration: Some(Arc::new(SqsQueue::new(aws.sqs(), config.integration_queue_url))) },
        clock,
        minimum_wage: config.minimum_wage,
    };
    let state = AppState { vacancies, auth: base.authenticator(), cursors: base.cursor_seal()? };
    let router = Router::new()
        .route("/v1/vacancies", post(publish).get(search))
        .route("/v1/vacancies/{id}", get(read))
        .route("/v1/vacancies/{id}/close", post(close))
        .route("/v1/vacancies/{id}/outcomes", post(report_outcome))
        .route("/v1/layoff-notices", post(layoff_notice))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/vacancies` (VAC-1, VAC-5).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/vacancies", tag = "vacancies", security(("bearer" = [])), request_body = enbek_http::openapi::requests::VacancyRequest,
    responses(
        (status = 201, description = "Published (VAC-1); a message goes to AIS (VAC-5)", body = VacancyView),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`validation_failed`: `salary_from: salary_below_minimum`, `region_code: invalid_value`, `valid_until: invalid_value`, `contact_phone: phone_invalid`, `title: required`"),
    )))]
async fn publish(
    State(st): State<AppState>,
    Authenticated(employer): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let form = VacancyForm::parse(body, st.vacancies.minimum_wage, st.vacancies.today());
    let vacancy = st.vacancies.publish(&employer, form, &origin()).await?;
    Ok((StatusCode::CREATED, Json(VacancyView::from(&vacancy))))
}

/// `GET /v1/vacancies/{id}`: public; a closed one says so, an expired one says `listed: false`.
/// Its employer (signed in) also sees its activity.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/vacancies/{id}", tag = "vacancies", security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The vacancy")),
    responses(
        (status = 200, description = "The vacancy; its employer also sees `activity` (VAC-6)", body = VacancyView),
        (status = 401, description = "`unauthenticated`"),
        (status = 404, description = "`not_found`"),
    )))]
async fn read(
    State(st): State<AppState>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    Path(id): Path<String>,
) -> Result<Json<VacancyView>, ApiError> {
    let read = st.vacancies.read(&id, caller.as_ref()).await?;
    Ok(Json(VacancyView { listed: Some(read.listed), activity: read.activity, ..VacancyView::from(&read.vacancy) }))
}

/// `POST /v1/vacancies/{id}/outcomes` (VAC-6, order No. 206 §33): the employer reports an
/// invitation to an interview or a hire; it goes to AIS "Labor Market".
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/vacancies/{id}/outcomes", tag = "vacancies", security(("bearer" = [])),
    params(("id" = String, Path, description = "The vacancy")), request_body = enbek_http::openapi::requests::OutcomeRequest,
    responses(
        (status = 201, description = "Recorded and sent to AIS (VAC-6)", body = OutcomeView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`already_closed`"),
        (status = 422, description = "`positions_filled`, `validation_failed`: `iin: iin_invalid`, `on: invalid_value`"),
    )))]
async fn report_outcome(
    State(st): State<AppState>,
    Authenticated(employer): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let form = OutcomeForm::parse(body, st.vacancies.today());
    let outcome = st.vacancies.report_outcome(&employer, &id, form, &origin()).await?;
    Ok((StatusCode::CREATED, Json(OutcomeView::from(&outcome))))
}

/// `GET /v1/vacancies`: public search, newest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/vacancies", tag = "vacancies",
    params(enbek_http::openapi::requests::VacancySearchParams, enbek_http::openapi::PageParams),
    responses(
        (status = 200, description = "Published vacancies, newest first", body = PageView<VacancyView>),
        (status = 422, description = "`invalid_cursor`, `validation_failed`: `region_code: invalid_value`, `limit: invalid_value`, `cursor: invalid_cursor`, `x: unknown_field`"),
    )))]
async fn search(State(st): State<AppState>, ListQuery { fields, sealer }: ListQuery) -> Result<Json<PageView<VacancyView>>, ApiError> {
    let page = st.vacancies.search(SearchQuery::parse(fields)?).await?;
    Ok(Json(sealer.page(page, |v| VacancyView::from(&v))))
}

/// `POST /v1/vacancies/{id}/close`: by the employer who published it.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/vacancies/{id}/close", tag = "vacancies", security(("bearer" = [])),
    params(("id" = String, Path, description = "The vacancy")),
    responses(
        (status = 200, description = "Closed; a message goes to AIS (VAC-5)", body = VacancyView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`already_closed`, `concurrent_update`"),
    )))]
async fn close(
    State(st): State<AppState>,
    Authenticated(employer): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<VacancyView>, ApiError> {
    let closed = st.vacancies.close(&employer, &id, &origin()).await?;
    Ok(Json(VacancyView::from(&closed)))
}

/// `POST /v1/layoff-notices` (VAC-2): not public; queued for AIS "Labor Market".
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/layoff-notices", tag = "vacancies", security(("bearer" = [])), request_body = enbek_http::openapi::requests::LayoffRequest,
    responses(
        (status = 201, description = "Received (VAC-2); not public, sent to AIS", body = LayoffCreatedView),
        (status = 403, description = "`forbidden`"),
        (status = 422, description = "`validation_failed`: `ends_on: invalid_value`, `affected.0.count: invalid_value`, `affected: too_many`"),
    )))]
async fn layoff_notice(
    State(st): State<AppState>,
    Authenticated(employer): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let form = LayoffForm::parse(body, st.vacancies.today());
    let notice = st.vacancies.layoff_notice(&employer, form, &origin()).await?;
    let affected_total = notice.affected.iter().map(|g| u64::from(g.count)).sum();
    let view = LayoffCreatedView {
        id: notice.id,
        starts_on: notice.starts_on,
        ends_on: notice.ends_on,
        affected_total,
        submitted_at: notice.submitted_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(publish, read, report_outcome, search, close, layoff_notice);
