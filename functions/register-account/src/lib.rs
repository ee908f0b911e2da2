//! `register-account`: self-registration of citizens and employers (ACC-1..3), the caller's
//! profile, password change (ACS-5), and blocking by a security administrator (ACS-9).
//!
//! Routes: `POST /v1/accounts`, `GET /v1/accounts/me`, `PUT /v1/accounts/me/password`,
//! `POST /v1/accounts/{id}/block`. The rules are in `enbek_core::usecases::accounts`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use enbek_aws::dynamo::DynamoRateLimiter;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::password::Argon2Hasher;
use enbek_core::ports::RateLimit;
use enbek_core::usecases::accounts::{Accounts, Agreement, BlockOrder, PasswordChange, Registration, DEFAULT_REGISTRATION_ADDRESS_LIMIT};
use enbek_http::auth::{Authenticated, Authenticator, PasswordChangeOnly};
use enbek_http::context::{self, origin};
use enbek_http::views::{AccountCreatedView, AgreementView, BlockedView, ProfileView};
use enbek_http::{idempotency, with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, StartError};
use std::sync::Arc;

/// This function's configuration, read once at start-up.
#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `AGREEMENT_VERSION`: the user agreement in force (ACC-3).
    pub agreement_version: String,
    /// `AGREEMENT_URL`: where its text is published.
    pub agreement_url: String,
    /// `REGISTRATION_ADDRESS_LIMIT` (`<events>/<seconds>`, default `10/3600`): registrations
    /// per source address.
    pub registration_limit: RateLimit,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let agreement_version = config::required("AGREEMENT_VERSION")?;
        Ok(Self {
            http: HttpSettings::from_env()?,
            agreement_url: config::optional("AGREEMENT_URL", &format!("https://www.enbek.kz/agreement/{agreement_version}")),
            agreement_version,
            registration_limit: config::parsed("REGISTRATION_ADDRESS_LIMIT", DEFAULT_REGISTRATION_ADDRESS_LIMIT)?,
        })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub accounts: Accounts,
    pub agreement: Agreement,
    pub auth: Authenticator,
}

enbek_http::authenticator_from_state!(AppState);

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("register-account", &config.http, aws, clock.clone())?;
    let accounts = Accounts {
        store: base.accounts(),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        hasher: Arc::new(Argon2Hasher),
        clock,
        agreement_version: config.agreement_version.clone(),
        registration_limit: config.registration_limit,
    };
    let agreement = Agreement { version: config.agreement_version, url: config.agreement_url };
    let state = AppState { accounts, agreement, auth: base.authenticator() };
    let router = Router::new()
        .route("/v1/accounts", post(register))
        .route("/v1/accounts/me", get(me))
        .route("/v1/accounts/me/password", put(change_password))
        .route("/v1/accounts/{id}/block", post(block))
        .route("/v1/agreement", get(agreement_in_force))
        .route("/v1/openapi.json", get(openapi_document))
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/accounts` (ACC-1, ACC-2, ACC-3, ACC-6).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/accounts", tag = "accounts",
    request_body = enbek_http::openapi::requests::RegistrationRequest,
    responses(
        (status = 201, description = "Registered", body = AccountCreatedView),
        (status = 409, description = "`login_taken`, `person_has_account`"),
        (status = 422, description = "`validation_failed`: `login: login_invalid`, `iin: iin_invalid`, `password: password_weak`, `agreement_version: agreement_required`, `bin: bin_invalid`, `first_name: required`, `role: invalid_value`, `bin: unknown_field`"),
        (status = 429, description = "`too_many_attempts`"),
    )))]
async fn register(State(st): State<AppState>, JsonBody(body): JsonBody) -> Result<impl IntoResponse, ApiError> {
    let registration = Registration::parse(body, &st.accounts.agreement_version)?;
    let account = st.accounts.register(registration, &origin()).await?;
    context::set_actor(&account.id);
    Ok((StatusCode::CREATED, Json(AccountCreatedView::from(&account))))
}

/// `GET /v1/accounts/me`: the profile, never the password hash.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/accounts/me", tag = "accounts",
    security(("bearer" = [])), responses((status = 200, description = "The caller's profile", body = ProfileView))))]
async fn me(Authenticated(account): Authenticated) -> Json<ProfileView> {
    Json(ProfileView::from(&account))
}

/// `PUT /v1/accounts/me/password` (ACS-5: replaces a temporary password too).
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/v1/accounts/me/password", tag = "accounts",
    security(("bearer" = [])), request_body = enbek_http::openapi::requests::PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed; a temporary password is replaced (ACS-5)"),
        (status = 409, description = "`concurrent_update`"),
        (status = 422, description = "`validation_failed`: `current_password: password_incorrect`, `new_password: password_weak`, `new_password: password_reused`"),
        (status = 429, description = "`too_many_attempts`"),
    )))]
async fn change_password(
    State(st): State<AppState>,
    PasswordChangeOnly(account): PasswordChangeOnly,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let change = PasswordChange::parse(body, &account.login)?;
    st.accounts.change_password(&account, change, &origin()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/accounts/{id}/block` by a security administrator (ACS-9: security violation).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/accounts/{id}/block", tag = "accounts",
    security(("bearer" = [])), params(("id" = String, Path, description = "The account")),
    request_body = enbek_http::openapi::requests::BlockRequest,
    responses(
        (status = 200, description = "Blocked (ACS-9)", body = BlockedView),
        (status = 403, description = "`forbidden`"),
        (status = 404, description = "`not_found`"),
        (status = 409, description = "`cannot_block_self`, `concurrent_update`"),
        (status = 422, description = "`validation_failed`: `reason: required`"),
    )))]
async fn block(
    State(st): State<AppState>,
    Authenticated(admin): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<BlockedView>, ApiError> {
    let account = st.accounts.block(&admin, &id, BlockOrder::parse(body), &origin()).await?;
    Ok(Json(BlockedView::from(&account)))
}

/// `GET /v1/agreement` (public; ACC-3): the agreement in force, titled in the caller's language.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/agreement", tag = "accounts",
    responses((status = 200, description = "The agreement in force (ACC-3), titled in the caller's language", body = AgreementView))))]
async fn agreement_in_force(State(st): State<AppState>) -> impl IntoResponse {
    let lang = context::lang();
    let view = AgreementView { version: st.agreement.version.clone(), title: Agreement::title(lang), url: st.agreement.url.clone() };
    ([(axum::http::header::CONTENT_LANGUAGE, lang.tag())], Json(view))
}

/// The OpenAPI document, generated from the code (`cargo run -p integration --bin openapi`) and
/// committed as `openapi.json`; a test fails when the two differ.
pub const OPENAPI_JSON: &str = include_str!("../../../openapi.json");

/// `GET /v1/openapi.json` (public, cached an hour): the API's contract.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/v1/openapi.json", tag = "contract",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object))))]
async fn openapi_document() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json"), (axum::http::header::CACHE_CONTROL, "public, max-age=3600")], OPENAPI_JSON)
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(register, me, change_password, block, agreement_in_force, openapi_document);
