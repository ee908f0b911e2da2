//! Wiring only: configuration, clients built once, then the Lambda runtime.

use file_ticket::{app, AppState};
use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccounts, DynamoAttachments, DynamoOutbox, DynamoRateLimiter, DynamoTickets};
use shared::runtime::HttpBase;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let clock = Arc::new(SystemClock);
    let accounts = Arc::new(DynamoAccounts::new(base.table.clone()));
    let state = AppState {
        tickets: Arc::new(DynamoTickets::new(base.table.clone())),
        attachments: Arc::new(DynamoAttachments::new(base.table.clone())),
        files: Arc::new(base.files_from_env()?),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        outbox: Arc::new(DynamoOutbox::new(base.table.clone())),
        queues: base.notification_queues_from_env()?,
        auth: base.authenticator(accounts),
        clock: clock.clone(),
        idempotency: base.idempotency(clock),
    };
    lambda_http::run(app(state, base.http_config("file-ticket"))).await
}
