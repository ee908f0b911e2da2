//! Start-up wiring common to the HTTP functions: configuration from the environment, one AWS
//! configuration load, clients built once, the token verifier. `main.rs` of each function
//! calls [`HttpBase::from_env`] once and hands the parts to its router.

use crate::auth::{TokenVerifier, TokenIssuer};
use crate::config::{self, CommonConfig, ConfigError};
use crate::dynamo::Table;
use crate::http::HttpConfig;
use std::sync::Arc;

pub struct HttpBase {
    pub config: CommonConfig,
    pub sdk: aws_config::SdkConfig,
    pub table: Table,
    pub verifier: Arc<TokenVerifier>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{variable}: {problem}")]
    Key { variable: &'static str, problem: String },
}

impl HttpBase {
    pub async fn from_env() -> Result<Self, StartError> {
        let config = CommonConfig::from_env()?;
        let public = config::pem("JWT_PUBLIC_KEY")?;
        let verifier = TokenVerifier::from_pem(&public, &config.jwt_issuer, &config.jwt_audience)
            .map_err(|e| StartError::Key { variable: "JWT_PUBLIC_KEY", problem: e.to_string() })?;
        let sdk = crate::aws::load().await;
        let table = Table::new(crate::aws::dynamodb(&sdk), config.table_name.clone());
        Ok(Self { config, sdk, table, verifier: Arc::new(verifier) })
    }

    /// The token issuer, for the one function that signs tokens.
    pub fn issuer_from_env(&self) -> Result<TokenIssuer, StartError> {
        let private = config::pem("JWT_PRIVATE_KEY")?;
        TokenIssuer::from_pem(&private, &self.config.jwt_issuer, &self.config.jwt_audience)
            .map_err(|e| StartError::Key { variable: "JWT_PRIVATE_KEY", problem: e.to_string() })
    }

    pub fn http_config(&self, function: &'static str) -> HttpConfig {
        HttpConfig { function, cors_origins: self.config.cors_origins.clone() }
    }

    /// Authentication over this table's accounts.
    pub fn authenticator(&self, accounts: Arc<dyn crate::ports::AccountStore>) -> crate::auth::Authenticator {
        crate::auth::Authenticator { verifier: self.verifier.clone(), accounts }
    }

    /// The `Idempotency-Key` layer's state over this table.
    pub fn idempotency(&self, clock: Arc<dyn crate::clock::Clock>) -> crate::idempotency::Idempotency {
        crate::idempotency::Idempotency {
            store: Arc::new(crate::dynamo::DynamoIdempotency::new(self.table.clone())),
            verifier: self.verifier.clone(),
            clock,
        }
    }

    /// The files bucket named by `FILES_BUCKET`.
    #[cfg(feature = "s3")]
    pub fn files_from_env(&self) -> Result<crate::s3::S3Files, StartError> {
        Ok(crate::s3::S3Files::new(crate::aws::s3(&self.sdk), config::required("FILES_BUCKET")?))
    }

    /// The `notifications` queue named by `NOTIFICATIONS_QUEUE_URL` (and no integration queue).
    #[cfg(feature = "sqs")]
    pub fn notification_queues_from_env(&self) -> Result<crate::outbox::Queues, StartError> {
        let url = config::required("NOTIFICATIONS_QUEUE_URL")?;
        Ok(crate::outbox::Queues {
            notifications: Some(Arc::new(crate::sqs::SqsQueue::new(crate::aws::sqs(&self.sdk), url))),
            integration: None,
        })
    }
}

impl HttpBase {
    /// The `integration` FIFO queue named by `INTEGRATION_QUEUE_URL` (and no notifications).
    #[cfg(feature = "sqs")]
    pub fn integration_queues_from_env(&self) -> Result<crate::outbox::Queues, StartError> {
        let url = config::required("INTEGRATION_QUEUE_URL")?;
        Ok(crate::outbox::Queues {
            notifications: None,
            integration: Some(Arc::new(crate::sqs::SqsQueue::new(crate::aws::sqs(&self.sdk), url))),
        })
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
