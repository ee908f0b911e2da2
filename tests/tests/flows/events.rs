//! The sample events in `events/` are real API Gateway v2 events for the routes they name:
//! they parse as `lambda_http` parses them in AWS, and the functions answer them.

use base64::Engine as _;
use enbek_core::ports::AuditLog as _;
use http::StatusCode;
use integration::*;

fn event(name: &str) -> http::Request<axum::body::Body> {
    event_with(name, &[])
}

/// A sample event with its `{placeholders}` (IDs made by the test, tokens) filled in.
fn event_with(name: &str, values: &[(&str, &str)]) -> http::Request<axum::body::Body> {
    let parsed: lambda_http::request::LambdaRequest =
        serde_json::from_value(sample_event(name, values)).unwrap_or_else(|e| panic!("{name}: {e}"));
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

#[tokio::test]
async fn the_grant_events_walk_a_grant_from_award_to_refund() {
    use http::Method;
    let s = TestStack::new().await;
    s.clock.set("2026-11-23T05:00:00Z".parse().unwrap());
    let (_, staff) = s.staff_token(enbek_core::domain::Role::CenterStaff).await;
    let login = unique_email("recipient");
    let body = s.citizen_body(&login, "Tulpar-Dala-2026");
    let iin = body["iin"].as_str().unwrap().to_owned();
    assert_eq!(s.call(Method::POST, "/v1/accounts", Some(body), &[]).await.status, StatusCode::CREATED);
    let recipient = s.token(&login, "Tulpar-Dala-2026").await;
    let mut values: Vec<(&str, String)> = vec![("staff_token", staff), ("recipient_token", recipient.clone()), ("recipient_iin", iin)];
    let send = |name: &'static str, values: &Vec<(&str, String)>| {
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        s.send(event_with(&format!("submit-grant-report.{name}.json"), &pairs))
    };

    let res = send("post-grants", &values).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.header("x-request-id"), Some("evt-post-grants"));
    values.push(("grant_id", res.body["id"].as_str().unwrap().to_owned()));
    assert_eq!(send("get-grants", &values).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(send("get-expense-categories", &values).await.body["items"].as_array().unwrap().len(), 5);
    assert_eq!(send("get-grant", &values).await.status, StatusCode::OK);

    let res = send("post-attachments", &values).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let mut headers: Vec<(String, String)> =
        res.body["upload_headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    headers.push(("Content-Type".into(), "application/pdf".into()));
    assert_eq!(SMALL_PDF.len(), 35, "the event declares 35 bytes");
    assert_eq!(http_put(res.body["upload_url"].as_str().unwrap(), &headers, SMALL_PDF).await, 200);
    values.push(("attachment_id", res.body["attachment_id"].as_str().unwrap().to_owned()));

    let res = send("post-reports", &values).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    values.push(("report_id", res.body["id"].as_str().unwrap().to_owned()));
    assert_eq!(send("get-reports", &values).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(send("post-report-decision", &values).await.body["status"], "accepted");

    let res = send("post-refunds", &values).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    values.push(("refund_id", res.body["id"].as_str().unwrap().to_owned()));
    assert_eq!(send("get-refunds", &values).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(send("post-refund-decision", &values).await.body["status"], "confirmed");
    assert_eq!(send("get-attachment", &values).await.status, StatusCode::SEE_OTHER);

    let grant = send("get-grant", &values).await;
    assert_eq!((grant.body["spent_tiyn"].as_i64(), grant.body["refunded_tiyn"].as_i64()), (Some(35_000_000), Some(10_000_000)));
    assert_eq!(grant.body["remaining_tiyn"], 55_000_000);
}

/// A sample input of the `inactivity-sweep` function.
fn sweep_event(name: &str) -> serde_json::Value {
    let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn the_sweep_events_run_the_sweep_and_now_is_refused_where_it_is_not_allowed() {
    let s = TestStack::new().await;
    let (stale, _) = s.staff_token(enbek_core::domain::Role::Support).await;
    let far = std::time::SystemTime::now() + std::time::Duration::from_secs(900);

    let dry = s.sweep(sweep_event("inactivity-sweep.dry-run.json")).await;
    assert_eq!((dry["dry_run"].as_bool(), dry["complete"].as_bool()), (Some(true), Some(true)), "{dry}");
    let as_of = s.sweep(sweep_event("inactivity-sweep.as-of.json")).await;
    assert_eq!(as_of["dry_run"].as_bool(), Some(true), "{as_of}");

    let account = enbek_core::ports::AccountStore::get(s.accounts.as_ref(), &stale).await.unwrap().unwrap();
    assert!(!account.is_blocked(), "dry runs");

    // Production: the override is refused, and so is a misspelt field, before anything is read.
    let production = s.sweep_function(|c| c.allow_now_override = false);
    let refused = production.handle(sweep_event("inactivity-sweep.as-of.json"), far).await.unwrap_err().to_string();
    assert!(refused.contains("SWEEP_ALLOW_NOW_OVERRIDE"), "{refused}");
    let typo = production.handle(serde_json::json!({"dryrun": true}), far).await.unwrap_err().to_string();
    assert!(typo.contains("dryrun"), "{typo}");

    // The scheduler's own event is a real run at the clock's time.
    s.clock.set(s.now() + jiff::SignedDuration::from_hours(24 * 31));
    let scheduled = production.handle(sweep_event("inactivity-sweep.scheduled.json"), far).await.unwrap();
    assert_eq!((scheduled["dry_run"].as_bool(), scheduled["blocked"].as_u64()), (Some(false), Some(1)), "{scheduled}");
    let account = enbek_core::ports::AccountStore::get(s.accounts.as_ref(), &stale).await.unwrap().unwrap();
    assert!(account.is_blocked());
}

#[tokio::test]
async fn the_consumer_events_drive_notify_and_the_inbound_side_of_labor_market_sync() {
    use integration::bridge::Invoker as _;
    let s = TestStack::new().await;
    let to = unique_email("author");
    let queue = |url: &str| url.rsplit('/').next().unwrap().to_owned();
    let f = InProcess { notify: Some(s.notify_function()), sync: Some(s.sync_to_bucket()) };
    let event = sample_event(
        "notify.ticket-updated.json",
        &[("event_id", &uuid::Uuid::new_v4().to_string()), ("to", &to), ("notifications_queue", &queue(&s.notifications_url))],
    );
    let answer = f.invoke("notify", event).await.unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "{answer}");
    let mail = mail_sent_to(&to).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0]["subject"].as_str().unwrap().starts_with("№ T-2026-000042 өтініш: шешілді / "));

    // An inbound message for a vacancy that does not exist: poison, so the function moves it to
    // the dead-letter queue itself and does not list it as failed.
    let event =
        sample_event("labor-market-sync.inbound.json", &[("vacancy_id", "no-such-vacancy"), ("inbound_queue", &queue(&s.inbound_url))]);
    let answer = f.invoke("labor-market-sync", event).await.unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "{answer}");
    assert_eq!(peek_all(&s.sqs, &s.inbound_dlq_url).await.len(), 1);
}

#[tokio::test]
async fn the_outbox_relay_admin_events_parse() {
    let s = TestStack::new().await;
    let relay = s.relay_function(enbek_core::outbox::DEFAULT_MAX_ATTEMPTS);
    for (name, key) in [("outbox-relay.list-failed.json", "failed"), ("outbox-relay.retry-failed.json", "requeued")] {
        let input = sample_event(name, &[("event_id", "01a2000000000000000000000000dead")]);
        let out = relay.handle(input).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(out[key], serde_json::json!([]), "{name}: {out}");
    }
}

#[tokio::test]
async fn every_route_has_a_sample_event_and_every_http_event_reaches_its_function() {
    let s = TestStack::new().await;
    let (admin_id, admin) = s.admin_token().await;
    let routes = enbek_aws::resources::resources().routes;
    let dir = format!("{}/../events", env!("CARGO_MANIFEST_DIR"));
    let mut covered = std::collections::BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    for name in files {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if v["version"] != "2.0" {
            continue;
        }
        // An API Gateway v2 event, as AWS sends it: route key, request ID, source address, method.
        let route_key = v["routeKey"].as_str().unwrap_or_else(|| panic!("{name}: no routeKey"));
        let (method, path) = route_key.split_once(' ').unwrap();
        assert!(routes.contains_key(path), "{name}: {path} is a route of infra/resources.json");
        assert_eq!(v["requestContext"]["http"]["method"], method, "{name}");
        assert!(v["requestContext"]["requestId"].is_string() && v["requestContext"]["http"]["sourceIp"].is_string(), "{name}");
        assert_eq!(function_of(path).as_deref(), name.split('.').next(), "{name} is named after the function that serves it");
        covered.insert(path.to_owned());
        let id = "01a20000000000000000000000000000";
        let req = event_with(
            &name,
            &[
                ("token", &admin),
                ("account_id", &admin_id),
                ("vacancy_id", id),
                ("ticket_id", id),
                ("request_id", id),
                ("attachment_id", id),
                ("grant_id", id),
                ("report_id", id),
                ("refund_id", id),
                ("iin", &iin("850704", 3, 77)),
                ("bin", &bin(77)),
            ],
        );
        let res = s.send(req).await;
        assert!(res.status.as_u16() < 500 && res.status != StatusCode::METHOD_NOT_ALLOWED, "{name}: {} {}", res.status, res.body);
    }
    let missing: Vec<&String> = routes.keys().filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "routes without a sample event: {missing:?}");
}

#[tokio::test]
async fn the_integration_batch_event_becomes_an_ais_document_and_the_scheduled_relay_event_runs_the_relay() {
    use integration::bridge::Invoker as _;
    let s = TestStack::new().await;
    let f = InProcess { sync: Some(s.sync_to_bucket()), ..InProcess::default() };
    let event_id = uuid::Uuid::new_v4().to_string();
    let queue = s.integration_url.rsplit('/').next().unwrap().to_owned();
    let event = sample_event("labor-market-sync.integration.json", &[("event_id", &event_id), ("integration_queue", &queue)]);
    let answer = f.invoke("labor-market-sync", event).await.unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "{answer}");
    let key = format!("exchange/ais/2026-11-23/vacancy.published/{event_id}.json");
    assert!(enbek_core::ports::FileStore::head(s.files.as_ref(), &key).await.unwrap().is_some(), "{key}");

    let relay = s.relay_function(enbek_core::outbox::DEFAULT_MAX_ATTEMPTS);
    let out = relay.handle(sample_event("outbox-relay.scheduled.json", &[])).await.unwrap();
    assert_eq!(out["examined"], 0, "{out}");
}

/// A body that is not UTF-8 (the single byte 0xA5), as API Gateway delivers it (base64, with
/// `isBase64Encoded`): the function answers 400 `malformed_body`, never a 500. (Sent through
/// `cargo lambda watch` instead, the local emulator itself answers a text/plain 500 before any
/// function runs; that path is the emulator's, not AWS's.)
#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_400_malformed_body_on_every_json_route() {
    let s = TestStack::new().await;
    for (name, path) in [
        ("sign-in.post-sessions.json", "/v1/sessions"),
        ("register-account.post-accounts.json", "/v1/accounts"),
        ("file-ticket.post-tickets.json", "/v1/tickets"),
    ] {
        let mut v = sample_event(name, &[]);
        v["body"] = serde_json::json!(base64::engine::general_purpose::STANDARD.encode([0xA5u8]));
        v["isBase64Encoded"] = serde_json::json!(true);
        if let Some(h) = v["headers"].as_object_mut() {
            h.remove("idempotency-key");
        }
        let parsed: lambda_http::request::LambdaRequest = serde_json::from_value(v).unwrap();
        let req: lambda_http::Request = parsed.into();
        let res = s.send(req.map(|b| axum::body::Body::from(b.to_vec()))).await;
        assert_eq!((res.status, res.code()), (StatusCode::BAD_REQUEST, "malformed_body"), "{path}: {}", res.body);
        assert_eq!(res.header("content-type"), Some("application/problem+json"), "{path}");
    }
}
