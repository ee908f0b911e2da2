//! Start-up wiring common to the HTTP functions. Each function's composition root (its
//! `app`) reads its typed configuration once, builds an [`HttpBase`] (table, token verifier,
//! the common layers' settings) from it and one AWS configuration, and builds its router.
//! `main.rs`, the tests and the benchmarks all call that same `app`.

use crate::auth::{Authenticator, TokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use crate::cursor::CursorSeal;
use crate::idempotency::Idempotency;
use crate::layers::HttpConfig;
use enbek_aws::dynamo::{DynamoAccounts, DynamoIdempotency, Table};
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use std::sync::Arc;

/// The settings every HTTP function shares.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub table_name: String,
    /// Web origins of the portal allowed to call the API from a browser.
    pub cors_origins: Vec<http::HeaderValue>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// The Ed25519 public key that verifies access tokens (SPKI PEM).
    pub jwt_public_key: String,
    /// During a rotation of the signing key: the previous public key, still accepted.
    pub jwt_previous_public_key: Option<String>,
    /// The secret that seals list cursors (functions with lists need it).
    pub cursor_secret: Option<String>,
}

impl HttpSettings {
    /// `TABLE_NAME`, `CORS_ALLOWED_ORIGINS`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_PUBLIC_KEY`,
    /// `JWT_PREVIOUS_PUBLIC_KEY` (optional), `CURSOR_SECRET` (optional here; required by
    /// [`HttpBase::cursor_seal`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut cors_origins = Vec::new();
        for origin in config::list("CORS_ALLOWED_ORIGINS") {
            let v = http::HeaderValue::from_str(&origin)
                .map_err(|_| ConfigError { variable: "CORS_ALLOWED_ORIGINS", problem: format!("bad origin {origin:?}") })?;
            cors_origins.push(v);
        }
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            cors_origins,
            jwt_issuer: config::optional("JWT_ISSUER", DEFAULT_ISSUER),
            jwt_audience: config::optional("JWT_AUDIENCE", DEFAULT_AUDIENCE),
            jwt_public_key: config::pem("JWT_PUBLIC_KEY")?,
            jwt_previous_public_key: match std::env::var("JWT_PREVIOUS_PUBLIC_KEY") {
                Ok(v) if !v.trim().is_empty() => Some(config::pem("JWT_PREVIOUS_PUBLIC_KEY")?),
                _ => None,
            },
            cursor_secret: std::env::var("CURSOR_SECRET").ok().filter(|v| !v.trim().is_empty()),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("configuration error: {variable}: {problem}")]
    Key { variable: &'static str, problem: String },
}

/// What every HTTP function builds once from its settings.
#[derive(Clone)]
pub struct HttpBase {
    pub table: Table,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
    pub layers: HttpConfig,
    cursor_secret: Option<String>,
}

impl HttpBase {
    pub fn new(function: &'static str, settings: &HttpSettings, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let verifier = TokenVerifier::from_pems(
            &settings.jwt_public_key,
            settings.jwt_previous_public_key.as_deref(),
            &settings.jwt_issuer,
            &settings.jwt_audience,
        )
        .map_err(|e| StartError::Key { variable: "JWT_PUBLIC_KEY / JWT_PREVIOUS_PUBLIC_KEY", problem: e.to_string() })?;
        Ok(Self {
            table: Table::new(aws.dynamodb(), settings.table_name.clone()),
            verifier: Arc::new(verifier),
            clock,
            layers: HttpConfig { function, cors_origins: settings.cors_origins.clone() },
            cursor_secret: settings.cursor_secret.clone(),
        })
    }

    /// What seals this function's list cursors; a function with lists needs `CURSOR_SECRET`.
    pub fn cursor_seal(&self) -> Result<Arc<CursorSeal>, StartError> {
        match self.cursor_secret.as_deref() {
            Some(secret) if secret.len() >= 32 => Ok(Arc::new(CursorSeal::new(secret))),
            Some(_) => Err(ConfigError { variable: "CURSOR_SECRET", problem: "is shorter than 32 characters".into() }.into()),
            None => Err(ConfigError { variable: "CURSOR_SECRET", problem: "is not set".into() }.into()),
        }
    }

    pub fn accounts(&self) -> Arc<DynamoAccounts> {
        Arc::new(DynamoAccounts::new(self.table.clone()))
    }

    /// Authentication over this table's accounts.
    pub fn authenticator(&self) -> Authenticator {
        Authenticator { verifier: self.verifier.clone(), accounts: self.accounts() }
    }

    /// The `Idempotency-Key` layer's state over this table.
    pub fn idempotency(&self) -> Idempotency {
        Idempotency {
            store: Arc::new(DynamoIdempotency::new(self.table.clone())),
            verifier: self.verifier.clone(),
            clock: self.clock.clone(),
        }
    }
}

/// `impl FromRef<$state> for Authenticator` for a function's state with an `auth` field, so
/// the `Authenticated` extractors work with it.
#[macro_export]
macro_rules! authenticator_from_state {
    ($state:ty) => {
        impl axum::extract::FromRef<$state> for $crate::auth::Authenticator {
            fn from_ref(state: &$state) -> Self {
                state.auth.clone()
            }
        }
    };
}

/// `impl FromRef<$state> for Arc<CursorSeal>` for a function's state with a `cursors` field,
/// so the `ListQuery` extractor works with it.
#[macro_export]
macro_rules! cursor_seal_from_state {
    ($state:ty) => {
        impl axum::extract::FromRef<$state> for std::sync::Arc<$crate::cursor::CursorSeal> {
            fn from_ref(state: &$state) -> Self {
                state.cursors.clone()
            }
        }
    };
}
