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
        .layer(axum::middleware::from_fn_with_state(base.idempotency(), idempotency::middleware))
        .with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/accounts` (ACC-1, ACC-2, ACC-3, ACC-6).
async fn register(State(st): State<AppState>, JsonBody(body): JsonBody) -> Result<impl IntoResponse, ApiError> {
    let registration = Registration::parse(body, &st.accounts.agreement_version)?;
    let account = st.accounts.register(registration, &origin()).await?;
    context::set_actor(&account.id);
    Ok((StatusCode::CREATED, Json(AccountCreatedView::from(&account))))
}

/// `GET /v1/accounts/me`: the profile, never the password hash.
async fn me(Authenticated(account): Authenticated) -> Json<ProfileView> {
    Json(ProfileView::from(&account))
}

/// `PUT /v1/accounts/me/password` (ACS-5: replaces a temporary password too).
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
async fn agreement_in_force(State(st): State<AppState>) -> impl IntoResponse {
    let lang = context::lang();
    let view = AgreementView { version: st.agreement.version.clone(), title: Agreement::title(lang), url: st.agreement.url.clone() };
    ([(axum::http::header::CONTENT_LANGUAGE, lang.tag())], Json(view))
}
