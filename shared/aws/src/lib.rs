//! The AWS adapters of `enbek-core`'s ports: DynamoDB (one table, single-table design), and,
//! behind cargo features so a function links only what it uses, S3 (`s3`: signed calls without
//! the S3 SDK, see [`s3`]), SQS (`sqs`), SES (`ses`) and Secrets Manager (`secrets`).
//!
//! One AWS configuration load per process ([`Aws::load`]); `AWS_ENDPOINT_URL` (the SDK's own
//! variable) points every client at a local endpoint such as `moto_server`.

#[cfg(feature = "consumer")]
pub mod consumer;
pub mod dynamo;
pub mod resources;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "secrets")]
pub mod secrets;
#[cfg(feature = "ses")]
pub mod ses;
#[cfg(feature = "sqs")]
pub mod sqs;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use enbek_core::ports::StoreError;
use std::sync::Arc;

/// The AWS configuration of a process, loaded once, and the interceptors every client built
/// from it carries (benchmarks count requests with one). Composition roots build every client
/// they need from this.
#[derive(Clone, Debug)]
pub struct Aws {
    config: aws_config::SdkConfig,
    interceptors: Vec<SharedInterceptor>,
    observers: Vec<Arc<dyn Observe>>,
}

/// Told of each answer a request sent without an SDK client receives (the S3 calls, see
/// [`s3`]): what an SDK interceptor's `read_before_deserialization` sees of SDK clients.
pub trait Observe: Send + Sync + std::fmt::Debug {
    /// `service` as the SDK names it (`"S3"`), `operation` as the API does (`"HeadObject"`).
    fn answered(&self, service: &'static str, operation: &'static str);
}

impl Aws {
    /// One configuration load (`AWS_*` variables, the Lambda role's credentials).
    pub async fn load() -> Self {
        Self::new(aws_config::defaults(BehaviorVersion::latest()).load().await)
    }

    pub fn new(config: aws_config::SdkConfig) -> Self {
        Self { config, interceptors: Vec::new(), observers: Vec::new() }
    }

    /// Every client built from now on also runs `interceptor`.
    pub fn with_interceptor(mut self, interceptor: impl Intercept + 'static) -> Self {
        self.interceptors.push(SharedInterceptor::new(interceptor));
        self
    }

    /// Every S3 adapter built from now on also tells `observer` of its requests.
    pub fn with_observer(mut self, observer: impl Observe + 'static) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    pub fn config(&self) -> &aws_config::SdkConfig {
        &self.config
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        let mut b = aws_sdk_dynamodb::config::Builder::from(&self.config);
        for i in &self.interceptors {
            b.push_interceptor(i.clone());
        }
        aws_sdk_dynamodb::Client::from_conf(b.build())
    }

    /// The files of `bucket` (S3; against a local endpoint, `AWS_ENDPOINT_URL`, addressed by
    /// path, since `<bucket>.localhost` does not resolve).
    #[cfg(feature = "s3")]
    pub fn s3_files(&self, bucket: impl Into<String>) -> s3::S3Files {
        s3::S3Files::new(&self.config, bucket, self.observers.clone())
    }

    #[cfg(feature = "ses")]
    pub fn sesv2(&self) -> aws_sdk_sesv2::Client {
        let mut b = aws_sdk_sesv2::config::Builder::from(&self.config);
        for i in &self.interceptors {
            b.push_interceptor(i.clone());
        }
        aws_sdk_sesv2::Client::from_conf(b.build())
    }

    #[cfg(feature = "sqs")]
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        let mut b = aws_sdk_sqs::config::Builder::from(&self.config);
        for i in &self.interceptors {
            b.push_interceptor(i.clone());
        }
        aws_sdk_sqs::Client::from_conf(b.build())
    }
}

const RETRYABLE_CODES: &[&str] =
    &["ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable"];

/// Maps an error of any AWS SDK client (they share `SdkError`) to a [`StoreError`], keeping
/// the error itself as the cause: throttling, timeouts and unreachable endpoints are
/// `Unavailable`.
pub fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let retryable = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(s) => s.err().code().is_some_and(|c| RETRYABLE_CODES.contains(&c)),
        _ => false,
    };
    let cause = Box::new(err);
    if retryable {
        StoreError::Unavailable(cause)
    } else {
        StoreError::Other(cause)
    }
}
