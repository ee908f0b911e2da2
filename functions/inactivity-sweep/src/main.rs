//! Wiring only: configuration, one AWS configuration load, the sweep, the Lambda runtime.

use enbek_core::clock::SystemClock;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    enbek_core::telemetry::init();
    let config = inactivity_sweep::Config::from_env()?;
    let aws = enbek_aws::Aws::load().await;
    let sweep = inactivity_sweep::sweep_app(config, &aws, Arc::new(SystemClock));
    let sweep = &sweep;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = event.context.deadline();
        sweep.handle(event.payload, deadline).await
    }))
    .await
}
