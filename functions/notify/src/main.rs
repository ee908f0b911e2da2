//! Wiring only: configuration, one AWS configuration load, the consumer, the Lambda runtime.

use aws_lambda_events::event::sqs::SqsEvent;
use enbek_core::clock::SystemClock;
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    enbek_core::telemetry::init();
    let config = notify::Config::from_env()?;
    let aws = enbek_aws::Aws::load().await;
    let app = notify::notify_app(config, &aws, Arc::new(SystemClock));
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(app.handle(event.payload).await)
    }))
    .await
}
