//! Wiring only: configuration, one AWS configuration load, the app, the Lambda runtime.

use enbek_core::clock::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    enbek_core::telemetry::init();
    let config = submit_grant_report::Config::from_env()?;
    let aws = enbek_aws::Aws::load().await;
    lambda_http::run(submit_grant_report::app(config, &aws, Arc::new(SystemClock))?).await
}
