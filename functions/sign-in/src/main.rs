//! Wiring only: configuration, clients built once, then the Lambda runtime.

use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccounts, DynamoRateLimiter};
use shared::runtime::HttpBase;
use sign_in::{app, AppState};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let state = AppState {
        accounts: Arc::new(DynamoAccounts::new(base.table.clone())),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        issuer: Arc::new(base.issuer_from_env()?),
        clock: Arc::new(SystemClock),
    };
    lambda_http::run(app(state, base.http_config("sign-in"))).await
}
