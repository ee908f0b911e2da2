//! `sign-in`: `POST /v1/sessions`. The only function that holds the token signing key.
//! The rules (one answer for unknown login and wrong password, lock-outs, blocked accounts)
//! are in `enbek_core::usecases::sessions`.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use enbek_aws::dynamo::DynamoRateLimiter;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::password::Argon2Hasher;
use enbek_core::usecases::sessions::{Credentials, Sessions};
use enbek_http::auth::TokenIssuer;
use enbek_http::context::{self, origin};
use enbek_http::views::SessionView;
use enbek_http::{with_common_layers, ApiError, HttpBase, HttpSettings, JsonBody, StartError};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Config {
    pub http: HttpSettings,
    /// `JWT_PRIVATE_KEY`: the Ed25519 signing key (PKCS#8 PEM).
    pub jwt_private_key: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self { http: HttpSettings::from_env()?, jwt_private_key: config::pem("JWT_PRIVATE_KEY")? })
    }
}

#[derive(Clone)]
pub struct AppState {
    pub sessions: Sessions,
    pub issuer: Arc<TokenIssuer>,
}

/// The composition root: `main.rs`, the tests and the benchmarks build the app here.
pub fn app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Router, StartError> {
    let base = HttpBase::new("sign-in", &config.http, aws, clock.clone())?;
    let issuer = TokenIssuer::from_pem(&config.jwt_private_key, &config.http.jwt_issuer, &config.http.jwt_audience)
        .map_err(|e| StartError::Key { variable: "JWT_PRIVATE_KEY", problem: e.to_string() })?;
    let sessions = Sessions {
        accounts: base.accounts(),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        hasher: Arc::new(Argon2Hasher),
        clock,
    };
    let state = AppState { sessions, issuer: Arc::new(issuer) };
    let router = Router::new().route("/v1/sessions", post(sign_in)).with_state(state);
    Ok(with_common_layers(router, base.layers))
}

async fn sign_in(State(st): State<AppState>, JsonBody(body): JsonBody) -> Result<Json<SessionView>, ApiError> {
    let credentials = Credentials::parse(body)?;
    let account = st.sessions.sign_in(credentials, &origin()).await?;
    context::set_actor(&account.id);
    let token = st.issuer.issue(&account).map_err(|e| ApiError::internal(&e))?;
    Ok(Json(SessionView {
        access_token: token,
        token_type: "Bearer",
        expires_in: st.issuer.ttl_secs(),
        must_change_password: account.must_change_password,
    }))
}
