//! Wiring only: configuration, clients built once, then the Lambda runtime.

use file_ticket::{app, AppState};
use shared::auth::Authenticator;
use shared::clock::SystemClock;
use shared::dynamo::{DynamoAccounts, DynamoAttachments, DynamoIdempotency, DynamoOutbox, DynamoRateLimiter, DynamoTickets};
use shared::idempotency::Idempotency;
use shared::outbox::Queues;
use shared::runtime::HttpBase;
use shared::s3::S3Files;
use shared::sqs::SqsQueue;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let base = HttpBase::from_env().await?;
    let bucket = shared::config::required("FILES_BUCKET")?;
    let notifications = shared::config::required("NOTIFICATIONS_QUEUE_URL")?;
    let clock = Arc::new(SystemClock);
    let accounts = Arc::new(DynamoAccounts::new(base.table.clone()));
    let state = AppState {
        tickets: Arc::new(DynamoTickets::new(base.table.clone())),
        attachments: Arc::new(DynamoAttachments::new(base.table.clone())),
        files: Arc::new(S3Files::new(shared::aws::s3(&base.sdk), bucket)),
        limiter: Arc::new(DynamoRateLimiter::new(base.table.clone())),
        outbox: Arc::new(DynamoOutbox::new(base.table.clone())),
        queues: Queues {
            notifications: Some(Arc::new(SqsQueue::new(shared::aws::sqs(&base.sdk), notifications))),
            integration: None,
        },
        auth: Authenticator { verifier: base.verifier.clone(), accounts },
        clock: clock.clone(),
        idempotency: Idempotency {
            store: Arc::new(DynamoIdempotency::new(base.table.clone())),
            verifier: base.verifier.clone(),
            clock,
        },
    };
    lambda_http::run(app(state, base.http_config("file-ticket"))).await
}
