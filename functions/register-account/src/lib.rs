//! `register-account`: self-registration of citizens and employers (ACC-1..3), the caller's
//! profile, password change (ACS-5), and blocking by a security administrator (ACS-9).
//!
//! Routes: `POST /v1/accounts`, `GET /v1/accounts/me`, `PUT /v1/accounts/me/password`,
//! `POST /v1/accounts/{id}/block`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;
use shared::audit::AuditEntry;
use shared::auth::{sign_in_key, Authenticated, Authenticator, PasswordChangeOnly, SIGN_IN_LIMIT};
use shared::clock::Clock;
use shared::codes::Code;
use shared::domain::{password, Account, AccountStatus, Bin, BlockedReason, Iin, Login, PersonName, Role};
use shared::http::body::{parse, parsed};
use shared::http::{with_common_layers, HttpConfig, JsonObject};
use shared::idempotency::{self, Idempotency};
use shared::ports::{AccountStore, CreateAccountError, RateLimiter, UpdateAccountError};
use shared::ApiError;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub accounts: Arc<dyn AccountStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub auth: Authenticator,
    pub clock: Arc<dyn Clock>,
    /// The version of the user agreement in force (ACC-3).
    pub agreement_version: String,
    pub idempotency: Idempotency,
}

shared::authenticator_from_state!(AppState);

pub fn app(state: AppState, http: HttpConfig) -> Router {
    let router = Router::new()
        .route("/v1/accounts", post(register))
        .route("/v1/accounts/me", get(me))
        .route("/v1/accounts/me/password", put(change_password))
        .route("/v1/accounts/{id}/block", post(block))
        .layer(axum::middleware::from_fn_with_state(state.idempotency.clone(), idempotency::middleware))
        .with_state(state);
    with_common_layers(router, http)
}

async fn verify_password(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash)).await.map_err(ApiError::internal)
}

const REGISTRABLE: &[(&str, Role)] = &[("citizen", Role::Citizen), ("employer", Role::Employer)];

/// `POST /v1/accounts` (ACC-1, ACC-2, ACC-3, ACC-6).
async fn register(State(st): State<AppState>, JsonObject(body): JsonObject) -> Result<impl IntoResponse, ApiError> {
    let mut f = JsonObject(body).fields();
    let login = f.required("login", parse::with(Login::parse));
    let password = f.required("password", parse::raw(1024));
    let role = f.required("role", parse::one_of(REGISTRABLE));
    let last_name = f.required("last_name", parse::with(PersonName::parse));
    let first_name = f.required("first_name", parse::with(PersonName::parse));
    let middle_name = f.optional("middle_name", parse::with(PersonName::parse));
    // ACC-3: the current agreement must be accepted; anything else is `agreement_required`.
    let agreement = f.optional("agreement_version", parse::text(64));
    if agreement.as_deref() != Some(st.agreement_version.as_str()) {
        f.error("agreement_version", Code::AgreementRequired);
    }
    let (mut iin, mut bin, mut company_name) = (None, None, None);
    match role {
        Some(Role::Citizen) => {
            iin = f.required("iin", parse::with(Iin::parse));
            f.not_allowed("bin");
            f.not_allowed("company_name");
        }
        Some(Role::Employer) => {
            bin = f.required("bin", parse::with(Bin::parse));
            company_name = f.required("company_name", parse::text(300));
            f.not_allowed("iin");
        }
        _ => {
            // Unknown role: still check what was sent, so every bad field is reported.
            iin = f.optional("iin", parse::with(Iin::parse));
            bin = f.optional("bin", parse::with(Bin::parse));
            company_name = f.optional("company_name", parse::text(300));
        }
    }
    if let Some(pw) = &password {
        let login_text = login.as_ref().map(|l| l.as_str()).unwrap_or("");
        if let Err(code) = password::check_policy(pw, login_text) {
            f.error("password", code);
        }
    }
    f.finish()?;
    let (login, password, role) = (parsed(login)?, parsed(password)?, parsed(role)?);

    let now = st.clock.now();
    let account = Account {
        id: shared::ids::new_id(),
        login: login.as_str().to_owned(),
        role,
        status: AccountStatus::Active,
        blocked_reason: None,
        blocked_at: None,
        password_hash: password::hash_off_runtime(password).await.map_err(ApiError::internal)?,
        must_change_password: false,
        token_version: 0,
        last_name: parsed(last_name)?.as_str().to_owned(),
        first_name: parsed(first_name)?.as_str().to_owned(),
        middle_name: middle_name.map(|m| m.as_str().to_owned()),
        iin: iin.map(|i| i.as_str().to_owned()),
        bin: bin.map(|b| b.as_str().to_owned()),
        company_name,
        agreement_version: Some(st.agreement_version.clone()),
        agreement_accepted_at: Some(now),
        created_at: now,
        last_login_at: None,
        password_changed_at: None,
        systems: Vec::new(),
        functions: Vec::new(),
        journal_row: None,
    };
    let audit = AuditEntry::new(now, &account.id, "account.registered", format!("account:{}", account.id))
        .with_details(json!({ "role": role.as_str(), "agreement_version": st.agreement_version }));
    match st.accounts.create(&account, &[], &audit).await {
        Ok(()) => {}
        Err(CreateAccountError::Taken(_)) => return Err(ApiError::conflict(Code::LoginTaken)),
        Err(CreateAccountError::Store(e)) => return Err(e.into()),
    }
    shared::http::context::set_actor(&account.id);
    let body = json!({
        "id": account.id,
        "login": account.login,
        "role": account.role,
        "status": account.status,
        "created_at": account.created_at,
    });
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /v1/accounts/me`: the profile, never the password hash.
async fn me(Authenticated(account): Authenticated) -> Json<serde_json::Value> {
    Json(account.profile())
}

/// `PUT /v1/accounts/me/password` (ACS-5: replaces a temporary password too).
async fn change_password(
    State(st): State<AppState>,
    PasswordChangeOnly(account): PasswordChangeOnly,
    JsonObject(body): JsonObject,
) -> Result<StatusCode, ApiError> {
    let mut f = JsonObject(body).fields();
    let current = f.required("current_password", parse::raw(1024));
    let new = f.required("new_password", parse::raw(1024));
    if let Some(new) = &new {
        if let Err(code) = password::check_policy(new, &account.login) {
            f.error("new_password", code);
        } else if current.as_deref() == Some(new.as_str()) {
            f.error("new_password", Code::PasswordReused);
        }
    }
    f.finish()?;
    let (current, new) = (parsed(current)?, parsed(new)?);

    // Guessing the current password with a stolen token counts against the sign-in limit.
    let now = st.clock.now();
    let key = sign_in_key(&account.login);
    if let Some(secs) = st.limiter.retry_after(&key, &SIGN_IN_LIMIT, now).await? {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::TooManyAttempts).with_retry_after(secs));
    }
    if !verify_password(current, account.password_hash.clone()).await? {
        st.limiter.record(&key, &SIGN_IN_LIMIT, now).await?;
        return Err(ApiError::field("current_password", Code::PasswordIncorrect));
    }
    let hash = password::hash_off_runtime(new).await.map_err(ApiError::internal)?;
    let audit = AuditEntry::new(now, &account.id, "account.password_changed", format!("account:{}", account.id))
        .with_details(json!({ "was_temporary": account.must_change_password }));
    match st.accounts.set_password(&account, &hash, now, &audit).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(UpdateAccountError::Conflict) => Err(ApiError::conflict(Code::ConcurrentUpdate)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /v1/accounts/{id}/block` by a security administrator (ACS-9: security violation).
async fn block(
    State(st): State<AppState>,
    caller: Authenticated,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Json<serde_json::Value>, ApiError> {
    let admin = caller.require(&[Role::SecurityAdmin])?;
    let mut f = JsonObject(body).fields();
    let reason = f.required("reason", parse::text(1000));
    f.finish()?;
    let reason = parsed(reason)?;
    if !shared::ids::is_valid_id(&id) {
        return Err(ApiError::not_found());
    }
    if id == admin.id {
        return Err(ApiError::conflict(Code::CannotBlockSelf));
    }
    let now = st.clock.now();
    let audit = AuditEntry::new(now, &admin.id, "account.blocked", format!("account:{id}"))
        .with_details(json!({ "blocked_reason": "security", "reason": reason }));
    let account = st.accounts.block(&id, BlockedReason::Security, now, &audit).await?;
    Ok(Json(json!({
        "id": account.id,
        "status": account.status,
        "blocked_reason": account.blocked_reason,
    })))
}
