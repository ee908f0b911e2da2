//! Wiring only: configuration, one AWS configuration load, the app, the Lambda runtime.

use enbek_core::clock::SystemClock;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    enbek_core::telemetry::init();
    let aws = enbek_aws::Aws::load().await;
    let config = sign_in::Config::load(&aws).await?;
    lambda_http::run(sign_in::app(config, &aws, Arc::new(SystemClock))?).await
}
