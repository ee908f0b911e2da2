//! Wiring only: configuration, clients built once, then the Lambda runtime.

use register_account::{app, AppState};
use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccounts, DynamoRateLimiter};
use shared::runtime::HttpBase;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let agreement_version = shared::config::required("AGREEMENT_VERSION")?;
    let accounts = Arc::new(DynamoAccounts::new(base.table.clone()));
    let clock = Arc::new(SystemClock);
    let state = AppState {
        accounts: accounts.clone(),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        auth: base.authenticator(accounts),
        clock: clock.clone(),
        agreement_version,
        idempotency: base.idempotency(clock),
    };
    lambda_http::run(app(state, base.http_config("register-account"))).await
}
