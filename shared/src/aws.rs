//! One AWS configuration load per process. `AWS_ENDPOINT_URL` (the SDK's own variable)
//! points every client at a local endpoint such as `moto_server`.

use aws_config::BehaviorVersion;

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
