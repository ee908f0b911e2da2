//! Wiring only: configuration, one AWS configuration load, the relay, the Lambda runtime.

use enbek_core::clock::SystemClock;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    enbek_core::telemetry::init();
    let config = outbox_relay::Config::from_env()?;
    let aws = enbek_aws::Aws::load().await;
    let relay = outbox_relay::relay_app(config, &aws, Arc::new(SystemClock));
    let relay = &relay;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move { relay.handle(event.payload).await })).await
}
