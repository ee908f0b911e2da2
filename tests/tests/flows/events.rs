//! The sample events in `events/` are real API Gateway v2 events for the routes they name:
//! they parse as `lambda_http` parses them in AWS, and the functions answer them.

use enbek_core::ports::AuditLog as _;
use http::StatusCode;
use integration::*;

fn event(name: &str) -> http::Request<axum::body::Body> {
    let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let parsed: lambda_http::request::LambdaRequest = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let req: lambda_http::Request = parsed.into();
    req.map(|body| axum::body::Body::from(body.to_vec()))
}

#[tokio::test]
async fn the_sign_in_event_signs_in_the_local_admin_and_keeps_the_gateway_request_id() {
    let s = TestStack::new().await;
    enbek_core::usecases::bootstrap::seed_local_admin(
        s.accounts.as_ref(),
        &enbek_core::password::Argon2Hasher,
        s.clock.as_ref(),
        "admin@enbek.local",
        "Local-Admin-Passw0rd",
    )
    .await
    .unwrap();
    let res = s.send(event("sign-in.post-sessions.json")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("x-request-id"), Some("evt-sign-in"), "API Gateway's request ID is the request ID");

    // ACS-12: the audit entry names the address API Gateway saw, not a header.
    let login = enbek_core::domain::Login::parse("admin@enbek.local").unwrap();
    let admin = enbek_core::ports::AccountStore::find_by_login(s.accounts.as_ref(), &login).await.unwrap().unwrap();
    let entries = enbek_aws::dynamo::DynamoAudit::new(s.table.clone()).by_actor(&admin.id, 1).await.unwrap();
    assert_eq!(entries[0].action, "session.created");
    assert_eq!(entries[0].source_ip, "203.0.113.10");
    assert_eq!(entries[0].request_id, "evt-sign-in");
}

#[tokio::test]
async fn the_registration_and_profile_events_are_answered() {
    let s = TestStack::new().await;
    let res = s.send(event("register-account.post-accounts.json")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = s.send(event("register-account.post-accounts.json")).await;
    assert_eq!(res.header("idempotent-replayed"), Some("true"), "the event carries an Idempotency-Key");
    let res = s.send(event("register-account.get-me-unauthenticated.json")).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_anonymous_ticket_event_is_filed_and_audited_with_the_gateway_address() {
    let s = TestStack::new().await;
    let res = s.send(event("file-ticket.post-tickets.json")).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(res.body["number"].as_str().unwrap().starts_with("T-"));
    let entries = enbek_aws::dynamo::DynamoAudit::new(s.table.clone()).by_actor("anonymous", 1).await.unwrap();
    assert_eq!(entries[0].action, "ticket.filed");
    assert_eq!(entries[0].source_ip, "203.0.113.20", "the per-address limit and the audit use API Gateway's address");
}

#[tokio::test]
async fn the_public_vacancy_search_event_is_answered_with_its_query_string() {
    let s = TestStack::new().await;
    let res = s.send(event("post-vacancy.get-vacancies.json")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["items"], serde_json::json!([]));
    assert_eq!(res.header("x-request-id"), Some("evt-vacancies"));
}

#[tokio::test]
async fn a_client_chosen_request_id_never_replaces_the_gateways_in_the_audit_trail() {
    // Finding 7: the gateway's requestContext.requestId is the request ID; a client's
    // X-Request-ID is only logged beside it.
    let s = TestStack::new().await;
    enbek_core::usecases::bootstrap::seed_local_admin(
        s.accounts.as_ref(),
        &enbek_core::password::Argon2Hasher,
        s.clock.as_ref(),
        "admin@enbek.local",
        "Local-Admin-Passw0rd",
    )
    .await
    .unwrap();
    let mut req = event("sign-in.post-sessions.json");
    req.headers_mut().insert("x-request-id", http::HeaderValue::from_static("forged-by-the-client"));
    let res = s.send(req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("x-request-id"), Some("evt-sign-in"));
    let login = enbek_core::domain::Login::parse("admin@enbek.local").unwrap();
    let admin = enbek_core::ports::AccountStore::find_by_login(s.accounts.as_ref(), &login).await.unwrap().unwrap();
    let entries = enbek_aws::dynamo::DynamoAudit::new(s.table.clone()).by_actor(&admin.id, 1).await.unwrap();
    assert_eq!(entries[0].request_id, "evt-sign-in");
}
