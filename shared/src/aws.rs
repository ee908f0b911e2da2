//! One AWS configuration load per process. `AWS_ENDPOINT_URL` (the SDK's own variable)
//! points every client at a local endpoint such as `moto_server`.

use aws_config::BehaviorVersion;

pub async fn load() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}
