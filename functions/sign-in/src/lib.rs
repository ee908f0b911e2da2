//! `sign-in`: `POST /v1/sessions`. The only function that holds the token signing key.
//! The rules (one answer for unknown login and wrong password, lock-outs, blocked accounts)
//! are in `enbek_core::usecases::sessions`.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use enbek_aws::dynamo::{DynamoAudit, DynamoRateLimiter};
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::password::Argon2Hasher;
use enbek_core::ports::RateLimit;
use enbek_core::usecases::sessions::{Credentials, Sessions, DEFAULT_SIGN_IN_ADDRESS_LIMIT};
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
    /// `SIGN_IN_ADDRESS_LIMIT` (`<events>/<seconds>`, default `30/600`): failed sign-ins per
    /// source address (against password spraying).
    pub address_limit: RateLimit,
}

impl Config {
    /// The configuration, with the signing key read once: from the Secrets Manager secret
    /// `JWT_PRIVATE_KEY_SECRET_ID` (AWS: a name or ARN; Terraform creates the secret and grants
    /// only this function's role `GetSecretValue` on it), or else from `JWT_PRIVATE_KEY` (the
    /// local stack's throw-away key).
    pub async fn load(aws: &enbek_aws::Aws) -> Result<Self, ConfigError> {
        let secret_id = std::env::var("JWT_PRIVATE_KEY_SECRET_ID").ok().filter(|v| !v.trim().is_empty());
        let jwt_private_key = signing_key(aws, secret_id.as_deref()).await?;
        Ok(Self {
            http: HttpSettings::from_env()?,
            jwt_private_key,
            address_limit: config::parsed("SIGN_IN_ADDRESS_LIMIT", DEFAULT_SIGN_IN_ADDRESS_LIMIT)?,
        })
    }
}

/// The Ed25519 signing key (PKCS#8 PEM): the `SecretString` of the secret `secret_id`, or else
/// `JWT_PRIVATE_KEY`.
pub async fn signing_key(aws: &enbek_aws::Aws, secret_id: Option<&str>) -> Result<String, ConfigError> {
    match secret_id {
        Some(id) => {
            let secret = enbek_aws::secrets::secret_string(aws, id)
                .await
                .map_err(|problem| ConfigError { variable: "JWT_PRIVATE_KEY_SECRET_ID", problem })?;
            config::pem_value("JWT_PRIVATE_KEY_SECRET_ID", &secret)
        }
        None => config::pem("JWT_PRIVATE_KEY"),
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
        audit: Arc::new(DynamoAudit::new(base.table.clone())),
        clock,
        address_limit: config.address_limit,
    };
    let state = AppState { sessions, issuer: Arc::new(issuer) };
    let router = Router::new().route("/v1/sessions", post(sign_in)).with_state(state);
    Ok(with_common_layers(router, base.layers))
}

/// `POST /v1/sessions`. The answer carries a token: never cached (`Cache-Control: no-store`).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/v1/sessions", tag = "accounts", request_body = enbek_http::openapi::requests::SignInRequest,
    responses(
        (status = 200, description = "Signed in; `Cache-Control: no-store`", body = SessionView),
        (status = 401, description = "`invalid_credentials`, `temporary_password_expired`"),
        (status = 422, description = "`validation_failed`: `login: required`, `password: required`"),
        (status = 423, description = "`account_blocked` (with a blocked_reason member: inactivity or security)"),
        (status = 429, description = "`too_many_attempts`"),
    )))]
async fn sign_in(State(st): State<AppState>, JsonBody(body): JsonBody) -> Result<Response, ApiError> {
    let credentials = Credentials::parse(body)?;
    let account = st.sessions.sign_in(credentials, &origin()).await?;
    context::set_actor(&account.id);
    let token = st.issuer.issue(&account).map_err(|e| ApiError::internal(&e))?;
    let view = SessionView {
        access_token: token,
        token_type: "Bearer",
        expires_in: st.issuer.ttl_secs(),
        must_change_password: account.must_change_password,
    };
    let mut response = Json(view).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(feature = "openapi")]
enbek_http::openapi_part!(sign_in);
