//! `sign-in`: `POST /v1/sessions`. The only function that holds the token signing key.
//!
//! One answer for an unknown login and a wrong password, in comparable time (an unknown login
//! is verified against a dummy hash with the same Argon2 cost); 10 failures for one login in
//! 15 minutes lock it with 429 until the window ends; a blocked account gets 423 with the
//! reason — but only after the right password, so blocking does not reveal that a login exists.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use shared::audit::AuditEntry;
use shared::auth::extract::blocked_error;
use shared::auth::{sign_in_key, TokenIssuer, SIGN_IN_LIMIT};
use shared::clock::Clock;
use shared::codes::Code;
use shared::domain::{password, Login};
use shared::http::body::parse;
use shared::http::{context, with_common_layers, HttpConfig, JsonObject};
use shared::ports::{AccountStore, RateLimiter};
use shared::ApiError;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub accounts: Arc<dyn AccountStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub issuer: Arc<TokenIssuer>,
    pub clock: Arc<dyn Clock>,
}

pub fn app(state: AppState, http: HttpConfig) -> Router {
    let router = Router::new().route("/v1/sessions", post(sign_in)).with_state(state);
    with_common_layers(router, http)
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Code::InvalidCredentials)
}

async fn sign_in(State(st): State<AppState>, JsonObject(body): JsonObject) -> Result<Json<serde_json::Value>, ApiError> {
    let mut f = JsonObject(body).fields();
    let login = f.required("login", parse::text(320));
    let password = f.required("password", parse::raw(1024));
    f.finish()?;
    let (Some(login), Some(password)) = (login, password) else {
        return Err(ApiError::internal("a validated field is missing"));
    };
    // A login that does not parse cannot exist; it still goes through the same steps.
    let login = Login::parse(&login).map(|l| l.as_str().to_owned()).unwrap_or_else(|_| login.to_lowercase());
    let key = sign_in_key(&login);
    let now = st.clock.now();

    if let Some(secs) = st.limiter.retry_after(&key, &SIGN_IN_LIMIT, now).await? {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, Code::TooManyAttempts).with_retry_after(secs));
    }
    let account = st.accounts.find_by_login(&login).await?;
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || match hash {
        Some(h) => password::verify(&password, &h),
        None => password::verify_dummy(&password),
    })
    .await
    .map_err(ApiError::internal)?;
    let account = match account {
        Some(a) if matches => a,
        _ => {
            st.limiter.record(&key, &SIGN_IN_LIMIT, now).await?;
            tracing::info!(outcome = "invalid_credentials", "sign-in refused");
            return Err(invalid_credentials());
        }
    };
    context::set_actor(&account.id);
    if account.is_blocked() {
        return Err(blocked_error(&account));
    }
    st.limiter.reset(&key).await?;
    let audit = AuditEntry::new(now, &account.id, "session.created", format!("account:{}", account.id));
    st.accounts.record_sign_in(&account, now, &audit).await?;
    let token = st.issuer.issue(&account).map_err(ApiError::internal)?;
    Ok(Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": st.issuer.ttl_secs(),
        "must_change_password": account.must_change_password,
    })))
}
