//! One AWS configuration load per process. `AWS_ENDPOINT_URL` (the SDK's own variable)
//! points every client at a local endpoint such as `moto_server`.

use crate::ports::StoreError;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

pub async fn load() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}

/// An S3 client. Against a local endpoint (`AWS_ENDPOINT_URL`) buckets are addressed by path,
/// since `<bucket>.localhost` does not resolve.
#[cfg(feature = "s3")]
pub fn s3(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let local = std::env::var("AWS_ENDPOINT_URL").is_ok_and(|v| !v.is_empty());
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(local).build())
}

#[cfg(feature = "sqs")]
pub fn sqs(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
];

/// Maps an error of any AWS SDK client (they share `SdkError`) to a [`StoreError`], keeping
/// the cause for the log: throttling, timeouts and unreachable endpoints are `Unavailable`.
pub fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => StoreError::Unavailable(text),
        SdkError::ServiceError(s) if s.err().code().is_some_and(|c| RETRYABLE_CODES.contains(&c)) => {
            StoreError::Unavailable(text)
        }
        _ => StoreError::Other(text),
    }
}
