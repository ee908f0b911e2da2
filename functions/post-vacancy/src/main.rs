//! Wiring only: configuration, clients built once, then the Lambda runtime.

use post_vacancy::{app, AppState};
use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccounts, DynamoOutbox, DynamoVacancies};
use shared::runtime::HttpBase;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let minimum_wage = shared::config::required("MINIMUM_MONTHLY_WAGE")?
        .parse::<u64>()
        .map_err(|e| format!("MINIMUM_MONTHLY_WAGE: {e}"))?;
    let clock = Arc::new(SystemClock);
    let state = AppState {
        vacancies: Arc::new(DynamoVacancies::new(base.table.clone())),
        outbox: Arc::new(DynamoOutbox::new(base.table.clone())),
        queues: base.integration_queues_from_env()?,
        auth: base.authenticator(Arc::new(DynamoAccounts::new(base.table.clone()))),
        clock: clock.clone(),
        idempotency: base.idempotency(clock),
        minimum_wage,
    };
    lambda_http::run(app(state, base.http_config("post-vacancy"))).await
}
