//! The DynamoDB adapters keep the same contracts as the in-memory fakes the use cases are
//! unit-tested with (`enbek_testkit::contract`): each on a fresh table in moto.

use enbek_aws::dynamo::{
    DynamoAccessRequests, DynamoAccounts, DynamoAttachments, DynamoAudit, DynamoGrants, DynamoIdempotency, DynamoOutbox, DynamoProcessed,
    DynamoRateLimiter, DynamoSweep, DynamoTickets, DynamoVacancies,
};
use enbek_testkit::contract;
use integration::fresh_table;

#[tokio::test]
async fn dynamo_accounts_keep_the_account_store_contract() {
    contract::account_store(&DynamoAccounts::new(fresh_table().await)).await;
}

#[tokio::test]
async fn dynamo_rate_limiter_keeps_its_contract() {
    contract::rate_limiter(&DynamoRateLimiter::new(fresh_table().await)).await;
}

#[tokio::test]
async fn dynamo_idempotency_keeps_its_contract() {
    contract::idempotency_store(&DynamoIdempotency::new(fresh_table().await)).await;
}

#[tokio::test]
async fn dynamo_tickets_keep_the_ticket_store_contract() {
    let table = fresh_table().await;
    contract::ticket_store(&DynamoTickets::new(table.clone()), &DynamoAttachments::new(table)).await;
}

#[tokio::test]
async fn dynamo_access_requests_keep_their_contract() {
    let table = fresh_table().await;
    contract::access_request_store(
        &DynamoAccessRequests::new(table.clone()),
        &DynamoAccounts::new(table.clone()),
        &DynamoAttachments::new(table),
    )
    .await;
}

#[tokio::test]
async fn dynamo_vacancies_and_outbox_keep_their_contract() {
    let table = fresh_table().await;
    contract::vacancy_store(&DynamoVacancies::new(table.clone()), &DynamoOutbox::new(table)).await;
}

#[tokio::test]
async fn dynamo_audit_keeps_the_audit_log_contract() {
    contract::audit_log(&DynamoAudit::new(fresh_table().await)).await;
}

#[tokio::test]
async fn dynamo_grants_keep_the_grant_store_contract() {
    let table = fresh_table().await;
    contract::grant_store(&DynamoGrants::new(table.clone()), &DynamoAttachments::new(table)).await;
}

#[tokio::test]
async fn dynamo_sweep_keeps_the_sweep_store_contract() {
    let table = fresh_table().await;
    contract::sweep_store(&DynamoSweep::new(table.clone()), &DynamoAccounts::new(table)).await;
}

#[tokio::test]
async fn dynamo_processed_events_keep_their_contract() {
    contract::processed_events(&DynamoProcessed::new(fresh_table().await)).await;
}

#[tokio::test]
async fn dynamo_vacancy_activity_keeps_its_contract() {
    let vacancies = DynamoVacancies::new(fresh_table().await);
    contract::vacancy_activity(&vacancies, &vacancies).await;
}
