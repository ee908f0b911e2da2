//! Wiring only: configuration, clients built once, then the Lambda runtime.

use request_access::{app, AppState};
use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccessRequests, DynamoAccounts, DynamoAttachments, DynamoOutbox};
use shared::runtime::HttpBase;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let clock = Arc::new(SystemClock);
    let accounts = Arc::new(DynamoAccounts::new(base.table.clone()));
    let state = AppState {
        requests: Arc::new(DynamoAccessRequests::new(base.table.clone())),
        accounts: accounts.clone(),
        attachments: Arc::new(DynamoAttachments::new(base.table.clone())),
        files: Arc::new(base.files_from_env()?),
        outbox: Arc::new(DynamoOutbox::new(base.table.clone())),
        queues: base.notification_queues_from_env()?,
        auth: base.authenticator(accounts),
        clock: clock.clone(),
        idempotency: base.idempotency(clock),
    };
    lambda_http::run(app(state, base.http_config("request-access"))).await
}
