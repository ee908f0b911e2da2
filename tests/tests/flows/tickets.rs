//! Support tickets (TKT-1..4) end to end against moto: filing signed in and anonymously,
//! numbers, deadlines in the Kazakhstan working-day calendar, the access code, the support
//! worklist, forward-only statuses, the audit trail and the author's notifications (with
//! the outbox surviving an SQS failure).

use enbek_core::domain::{Role, Ticket};
use enbek_core::ports::AuditLog as _;
use http::{Method, StatusCode};
use integration::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::collections::HashSet;

async fn file_anonymously(stack: &TestStack, ip: &str) -> Value {
    let res = stack.call_from(ip, Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body
}

fn ts(v: &Value) -> Timestamp {
    v.as_str().expect("timestamp").parse().expect("RFC 3339")
}

/// Monday 23 Nov 2026, 10:00 in Almaty.
const MONDAY_MORNING: &str = "2026-11-23T05:00:00Z";

#[tokio::test]
async fn tkt_1_an_anonymous_user_files_and_reads_the_ticket_with_the_access_code_only() {
    let stack = TestStack::new().await;
    stack.clock.set(MONDAY_MORNING.parse().unwrap());
    let filed = file_anonymously(&stack, "198.51.100.7").await;
    assert_eq!(filed["status"], "new");
    let number = filed["number"].as_str().unwrap();
    assert!(number.starts_with("T-2026-") && number.len() == "T-2026-000001".len(), "{number}");
    // TKT-2: received Monday 10:00 → end of Thursday (18:00 Almaty = 13:00 UTC).
    assert_eq!(ts(&filed["due_at"]), "2026-11-26T13:00:00Z".parse::<Timestamp>().unwrap());
    let code = filed["access_code"].as_str().unwrap();
    let id = filed["id"].as_str().unwrap();

    let with_code = stack.call(Method::GET, &format!("/v1/tickets/{id}?access_code={code}"), None, &[]).await;
    assert_eq!(with_code.status, StatusCode::OK, "{}", with_code.body);
    assert_eq!(with_code.body["number"], number);
    assert_eq!(with_code.body["subject"], "Не могу войти в кабинет");
    assert_eq!(with_code.body["contact_phone"], "+77012345678", "the phone is stored normalised");
    assert!(with_code.body.get("access_code_sha256").is_none() && with_code.body.get("author_id").is_none());

    let retyped = code.replace('-', "").to_lowercase();
    let res = stack.call(Method::GET, &format!("/v1/tickets/{id}?access_code={retyped}"), None, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "a code retyped without dashes in lower case still opens it");

    let res = stack.call(Method::GET, &format!("/v1/tickets/{id}"), None, &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    let res = stack.call(Method::GET, &format!("/v1/tickets/{id}?access_code=AAAA-BBBB-CCCC-DDDD"), None, &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let res = stack.call(Method::GET, &format!("/v1/tickets/{}?access_code={code}", enbek_core::ids::new_id()), None, &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = stack.call(Method::GET, &format!("/v1/tickets/{id}?access_code={code}&x=1"), None, &[]).await;
    assert_eq!(res.field_errors(), vec![("x".into(), "unknown_field".into())]);

    // The code is stored only as a hash.
    let item = stack.table.get(enbek_aws::dynamo::keys::ticket(id)).await.unwrap().unwrap();
    let text = format!("{item:?}");
    assert!(!text.contains(code) && !text.contains(&code.replace('-', "")), "the access code is not stored in clear");
}

#[tokio::test]
async fn tkt_1_every_bad_field_is_reported_at_once() {
    let stack = TestStack::new().await;
    let mut bad_iin = iin("900315", 4, 1);
    let last = bad_iin.pop().unwrap();
    bad_iin.push(if last == '0' { '1' } else { '0' });
    let res = stack
        .call_from(
            "198.51.100.8",
            Method::POST,
            "/v1/tickets",
            Some(json!({
                "full_name": "R2-D2",
                "iin": bad_iin,
                "contact_phone": "12345",
                "email": "not-an-email",
                "description": "x".repeat(10_001),
                "attachment_ids": ["a", "b", "c", "d", "e", "f"],
                "priority": "urgent",
            })),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    res.assert_field_errors(&[
        ("full_name", "name_invalid"),
        ("iin", "iin_invalid"),
        ("contact_phone", "phone_invalid"),
        ("email", "email_invalid"),
        ("subject", "required"),
        ("description", "too_long"),
        ("attachment_ids", "too_many"),
        ("priority", "unknown_field"),
    ]);
}

#[tokio::test]
async fn anonymous_filing_is_limited_per_source_address_and_says_when_to_retry() {
    let stack = TestStack::new().await;
    for _ in 0..5 {
        file_anonymously(&stack, "203.0.113.50").await;
    }
    let res = stack.call_from("203.0.113.50", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    let retry: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 3600, "{retry}");

    // Another address, and a signed-in user behind the same address, are not affected.
    file_anonymously(&stack, "203.0.113.51").await;
    stack.register_citizen(&unique_email("citizen"), "Tulpar-Dala-2026").await;
    let login = unique_email("citizen");
    stack.register_citizen(&login, "Tulpar-Dala-2026").await;
    let token = stack.token(&login, "Tulpar-Dala-2026").await;
    let res = stack
        .call_from("203.0.113.50", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[("authorization", &bearer(&token))])
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

    // After the hour, the address may file again.
    stack.clock.advance(SignedDuration::from_secs(retry as i64));
    file_anonymously(&stack, "203.0.113.50").await;
}

#[tokio::test]
async fn ticket_numbers_stay_gapless_and_unique_under_50_concurrent_filings() {
    let stack = std::sync::Arc::new(TestStack::new().await);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let stack = stack.clone();
        // Distinct addresses, so the per-address limit does not interfere.
        tasks.push(tokio::spawn(async move {
            file_anonymously(&stack, &format!("10.0.{}.{}", i / 200, i % 200 + 1)).await["number"].as_str().unwrap().to_owned()
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    let year = Ticket::number_year(stack.now());
    let want: HashSet<String> = (1..=50).map(|n| Ticket::format_number(year, n)).collect();
    let got: HashSet<String> = numbers.iter().cloned().collect();
    assert_eq!(got.len(), 50, "no duplicates");
    assert_eq!(got, want, "exactly 1..50, no gaps");
}

#[tokio::test]
async fn a_signed_in_author_reads_the_ticket_with_the_token_and_nobody_else_does() {
    let stack = TestStack::new().await;
    let login = unique_email("author");
    stack.register_citizen(&login, "Tulpar-Dala-2026").await;
    let token = stack.token(&login, "Tulpar-Dala-2026").await;
    let res = stack.call(Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[("authorization", &bearer(&token))]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let path = format!("/v1/tickets/{}", res.body["id"].as_str().unwrap());

    assert_eq!(stack.call(Method::GET, &path, None, &[("authorization", &bearer(&token))]).await.status, StatusCode::OK);
    let other = unique_email("other");
    stack.register_citizen(&other, "Tulpar-Dala-2026").await;
    let other_token = stack.token(&other, "Tulpar-Dala-2026").await;
    let res = stack.call(Method::GET, &path, None, &[("authorization", &bearer(&other_token))]).await;
    assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let (_, support) = stack.staff_token(Role::Support).await;
    let res = stack.call(Method::GET, &path, None, &[("authorization", &bearer(&support))]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body["author_id"].is_string(), "support sees who filed it");

    // A token that does not verify is refused, not taken for an anonymous filing.
    let res = stack.call(Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[("authorization", "Bearer forged")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tkt_1_attachments_count_only_when_uploaded_as_declared_and_only_once() {
    let stack = TestStack::new().await;
    let pdf = stack.attach("/v1/tickets/attachments", None, "скриншот ошибки.pdf", "application/pdf", SMALL_PDF).await;
    let exe = stack.attach("/v1/tickets/attachments", None, "invoice.pdf", "application/pdf", b"MZ\x90\x00 not a PDF").await;
    let never = stack.declare_attachment("/v1/tickets/attachments", None, "a.png", "image/png", 10).await.body["attachment_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut body = integration::bodies::ticket();
    body["attachment_ids"] = json!([pdf, exe, never, "not-an-id"]);
    let res = stack.call_from("198.51.100.9", Method::POST, "/v1/tickets", Some(body), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.field_errors(),
        vec![
            ("attachment_ids.1".into(), "attachment_invalid".into()),
            ("attachment_ids.2".into(), "attachment_missing".into()),
            ("attachment_ids.3".into(), "attachment_missing".into()),
        ]
    );

    let mut body = integration::bodies::ticket();
    body["attachment_ids"] = json!([pdf]);
    let filed = stack.call_from("198.51.100.9", Method::POST, "/v1/tickets", Some(body.clone()), &[]).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let code = filed.body["access_code"].as_str().unwrap();
    let read = stack.call(Method::GET, &format!("/v1/tickets/{}?access_code={code}", filed.body["id"].as_str().unwrap()), None, &[]).await;
    assert_eq!(read.body["attachments"][0]["file_name"], "скриншот ошибки.pdf");
    assert_eq!(read.body["attachments"][0]["size_bytes"], SMALL_PDF.len());

    let again = stack.call_from("198.51.100.9", Method::POST, "/v1/tickets", Some(body), &[]).await;
    assert_eq!(again.field_errors(), vec![("attachment_ids.0".into(), "attachment_missing".into())], "cited once only");

    let res = stack.declare_attachment("/v1/tickets/attachments", None, "a.exe", "application/x-msdownload", 11_000_000).await;
    assert_eq!(res.field_errors(), vec![("content_type".into(), "invalid_value".into()), ("size_bytes".into(), "file_too_large".into())]);
}

#[tokio::test]
async fn tkt_2_support_moves_status_forward_only_marks_defects_and_answers() {
    let stack = TestStack::new().await;
    stack.clock.set(MONDAY_MORNING.parse().unwrap());
    let filed = file_anonymously(&stack, "198.51.100.10").await;
    let (id, code) = (filed["id"].as_str().unwrap().to_owned(), filed["access_code"].as_str().unwrap().to_owned());
    let path = format!("/v1/tickets/{id}");
    let (support_id, support) = stack.staff_token(Role::Support).await;
    let auth = bearer(&support);
    let patch = |body: Value| {
        let (stack, path, auth) = (&stack, path.clone(), auth.clone());
        async move { stack.call(Method::PATCH, &path, Some(body), &[("authorization", &auth)]).await }
    };

    stack.clock.advance(SignedDuration::from_hours(1));
    let res = patch(json!({"status": "in_progress"})).await;
    assert_eq!((res.status, res.body["status"].as_str()), (StatusCode::OK, Some("in_progress")), "{}", res.body);
    let res = patch(json!({"status": "in_progress"})).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "invalid_transition"));
    assert_eq!(res.body["current_status"], "in_progress");
    let res = patch(json!({"status": "new"})).await;
    assert_eq!(res.field_errors(), vec![("status".into(), "invalid_value".into())], "new is not settable");
    let res = patch(json!({})).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);

    // TKT-2: a defect moves the deadline to the 10th working day after the original receipt.
    let res = patch(json!({"defect": true})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["defect"], true);
    assert_eq!(ts(&res.body["due_at"]), "2026-12-07T13:00:00Z".parse::<Timestamp>().unwrap());
    assert_eq!(res.body["defect_marked_by"], support_id.as_str());
    assert_eq!(ts(&res.body["defect_marked_at"]), stack.now());
    assert_eq!(patch(json!({"defect": false})).await.field_errors(), vec![("defect".into(), "invalid_value".into())]);

    let res = patch(json!({"status": "resolved", "response": "Учётная запись разблокирована, войдите снова."})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = patch(json!({"status": "in_progress"})).await;
    assert_eq!(res.code(), "invalid_transition", "no way back");
    assert_eq!(patch(json!({"status": "closed"})).await.status, StatusCode::OK);
    let res = patch(json!({"response": "ещё"})).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "invalid_transition"), "a closed ticket is final");

    // The author reads the answer with the access code.
    let read = stack.call(Method::GET, &format!("{path}?access_code={code}"), None, &[]).await;
    assert_eq!(read.body["status"], "closed");
    assert_eq!(read.body["response"], "Учётная запись разблокирована, войдите снова.");

    // ACS-12: every change is in the audit trail, by the support agent.
    let audit = enbek_aws::dynamo::DynamoAudit::new(stack.table.clone());
    let entries = audit.by_actor(&support_id, 50).await.unwrap();
    let updates: Vec<_> = entries.iter().filter(|e| e.action == "ticket.updated" && e.target == format!("ticket:{id}")).collect();
    assert_eq!(updates.len(), 4, "in_progress, defect, resolved+response, closed");

    // The author was notified of each status change (and of the answer), in order.
    let sent = stack.notifications_sent().await;
    let statuses: Vec<&str> = sent.iter().map(|m| m["data"]["ticket"]["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["in_progress", "resolved", "closed"]);
    assert!(sent.iter().all(|m| m["data"]["to"] == "aigerim@mail.kz" && m["type"] == "ticket.updated"));
    assert_eq!(sent[1]["data"]["ticket"]["response"], "Учётная запись разблокирована, войдите снова.");
    let ids: HashSet<&str> = sent.iter().map(|m| m["event_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "one event ID per message");
}

#[tokio::test]
async fn only_support_lists_and_changes_tickets() {
    let stack = TestStack::new().await;
    let filed = file_anonymously(&stack, "198.51.100.11").await;
    let login = unique_email("citizen");
    stack.register_citizen(&login, "Tulpar-Dala-2026").await;
    let citizen = bearer(&stack.token(&login, "Tulpar-Dala-2026").await);
    let (_, admin) = stack.admin_token().await;
    for token in [&citizen, &bearer(&admin)] {
        let res = stack.call(Method::GET, "/v1/tickets", None, &[("authorization", token)]).await;
        assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "forbidden"));
        let path = format!("/v1/tickets/{}", filed["id"].as_str().unwrap());
        let res = stack.call(Method::PATCH, &path, Some(json!({"status": "closed"})), &[("authorization", token)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(stack.call(Method::GET, "/v1/tickets", None, &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_worklist_is_ordered_by_due_at_filters_overdue_and_pages_without_repeats() {
    let stack = TestStack::new().await;
    let (_, support) = stack.staff_token(Role::Support).await;
    let auth = bearer(&support);
    // Five tickets, one per working day from Monday 23 Nov 2026: due Thu, Fri, Mon, Tue, Wed.
    let start: Timestamp = MONDAY_MORNING.parse().unwrap();
    let mut ids = Vec::new();
    for day in 0..5 {
        stack.clock.set(start.checked_add(SignedDuration::from_hours(24 * day)).unwrap());
        ids.push(file_anonymously(&stack, &format!("192.0.2.{day}")).await["id"].as_str().unwrap().to_owned());
    }
    // Filed in reverse deadline order? No: later filings are due later. Check order and paging.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/tickets?limit=2&cursor={c}"),
            None => "/v1/tickets?limit=2".to_owned(),
        };
        let res = stack.call(Method::GET, &path, None, &[("authorization", &auth)]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body["items"].as_array().unwrap().len() <= 2);
        seen.extend(res.body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "oldest due_at first, each once");

    // Friday 27 Nov 19:00 Almaty: the first two (due Thu and Fri 18:00) are overdue.
    stack.clock.set("2026-11-27T14:00:00Z".parse().unwrap());
    let res = stack.call(Method::GET, "/v1/tickets?overdue=true", None, &[("authorization", &auth)]).await;
    let overdue: Vec<&str> = res.body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(overdue, vec![ids[0].as_str(), ids[1].as_str()]);
    assert!(res.body["items"].as_array().unwrap().iter().all(|t| t["overdue"] == true));
    let res = stack.call(Method::GET, "/v1/tickets?overdue=false", None, &[("authorization", &auth)]).await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 3);

    // Resolving one takes it off the open list and onto the resolved one.
    let res = stack
        .call(Method::PATCH, &format!("/v1/tickets/{}", ids[0]), Some(json!({"status": "resolved"})), &[("authorization", &auth)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = stack.call(Method::GET, "/v1/tickets?overdue=true", None, &[("authorization", &auth)]).await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 1);
    let res = stack.call(Method::GET, "/v1/tickets?status=resolved", None, &[("authorization", &auth)]).await;
    assert_eq!(res.body["items"][0]["id"], ids[0].as_str());
    let res = stack.call(Method::GET, "/v1/tickets?status=new", None, &[("authorization", &auth)]).await;
    assert_eq!(res.body["items"].as_array().unwrap().len(), 4);

    // Bad parameters and a cursor from another list are 422, not 500.
    let res = stack.call(Method::GET, "/v1/tickets?status=done&overdue=maybe&limit=500", None, &[("authorization", &auth)]).await;
    assert_eq!(res.field_errors().len(), 3, "{}", res.body);
    let res = stack.call(Method::GET, "/v1/tickets?limit=1", None, &[("authorization", &auth)]).await;
    let open_cursor = res.body["next_cursor"].as_str().unwrap().to_owned();
    let res =
        stack.call(Method::GET, &format!("/v1/tickets?status=resolved&cursor={open_cursor}"), None, &[("authorization", &auth)]).await;
    assert_eq!((res.code(), res.field_errors()), ("invalid_cursor", vec![("cursor".into(), "invalid_cursor".into())]));
    let res = stack.call(Method::GET, "/v1/tickets?cursor=eyJ4IjoiMSJ9", None, &[("authorization", &auth)]).await;
    assert_eq!(res.field_errors(), vec![("cursor".into(), "invalid_cursor".into())]);
}

#[tokio::test]
async fn a_status_notification_survives_an_sqs_outage_and_arrives_once() {
    let stack = TestStack::new().await;
    let filed = file_anonymously(&stack, "198.51.100.12").await;
    let (_, support) = stack.staff_token(Role::Support).await;
    stack.queue_down(QueueName::Notifications).await;
    let res = stack
        .call(
            Method::PATCH,
            &format!("/v1/tickets/{}", filed["id"].as_str().unwrap()),
            Some(json!({"status": "in_progress"})),
            &[("authorization", &bearer(&support))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "the change stands although the queue is down");

    let later = stack.now().checked_add(SignedDuration::from_mins(1)).unwrap();
    let run = stack.relay(later).await;
    assert!(run.is_err(), "still down: the relay run fails (its alarm) and keeps the message: {run:?}");

    stack.queue_up(QueueName::Notifications).await;
    // The failed send counted an attempt: the message is due again after its backoff.
    assert_eq!(stack.relay(later).await.unwrap()["examined"], 0);
    let later = later.checked_add(SignedDuration::from_mins(2)).unwrap();
    let report = stack.relay(later).await.unwrap();
    assert_eq!(report["sent"], 1);
    let report = stack.relay(later).await.unwrap();
    assert_eq!(report["sent"], 0, "delivered messages leave the outbox");
    let sent = stack.notifications_sent().await;
    assert_eq!(sent.len(), 1, "exactly once");
    assert_eq!(sent[0]["data"]["ticket"]["status"], "in_progress");
}

#[tokio::test]
async fn rate_limits_are_atomic_20_concurrent_anonymous_filings_from_one_address_file_at_most_5() {
    // Finding 2.
    let stack = std::sync::Arc::new(TestStack::new().await);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let stack = stack.clone();
            tokio::spawn(async move {
                stack.call_from("203.0.113.99", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[]).await.status.as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15, "{statuses:?}");
}

#[tokio::test]
async fn idempotency_records_keep_no_secret_in_clear_and_anonymous_keys_belong_to_one_address() {
    // Finding 4.
    let stack = TestStack::new().await;
    let key = ("idempotency-key", "3f0c8f5e-2f9b-4d1e-9c57-0a1b2c3d4e5f");
    let first = stack.call_from("203.0.113.31", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[key]).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let code = first.body["access_code"].as_str().unwrap().to_owned();

    let scan = stack.table.client.scan().table_name(&stack.table.name).send().await.unwrap();
    let dump = format!("{:?}", scan.items());
    assert!(!dump.contains(&code) && !dump.contains(&code.replace('-', "")), "the access code is stored in clear");
    assert!(!dump.contains(key.1), "the Idempotency-Key itself is stored");

    let replay = stack.call_from("203.0.113.31", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[key]).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body, "the client that retries gets the same answer, code included");

    let elsewhere = stack.call_from("203.0.113.32", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[key]).await;
    assert_eq!(elsewhere.status, StatusCode::CREATED);
    assert_eq!(elsewhere.header("idempotent-replayed"), None, "another address's key is another key");
    assert_ne!(elsewhere.body["id"], first.body["id"]);
}

#[tokio::test]
async fn idempotency_keeps_only_completed_outcomes_never_a_429() {
    // Finding 4: a rate-limited answer is not replayed after the window.
    let stack = TestStack::new().await;
    for _ in 0..5 {
        file_anonymously(&stack, "203.0.113.40").await;
    }
    let key = ("idempotency-key", "limited-then-fine-0001");
    let limited = stack.call_from("203.0.113.40", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[key]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    stack.clock.advance(SignedDuration::from_hours(1));
    let later = stack.call_from("203.0.113.40", Method::POST, "/v1/tickets", Some(integration::bodies::ticket()), &[key]).await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.body);
}

#[tokio::test]
async fn attachments_cannot_change_after_they_are_cited() {
    // Finding 9: the presigned PUT still works after citation, but every read serves the
    // version that was checked and cited.
    let stack = TestStack::new().await;
    let declared = stack.declare_attachment("/v1/tickets/attachments", None, "скан.pdf", "application/pdf", SMALL_PDF.len()).await;
    let (url, headers) = integration::upload_request(&declared, "application/pdf");
    assert_eq!(http_put(&url, &headers, SMALL_PDF).await, 200);
    let mut body = integration::bodies::ticket();
    body["attachment_ids"] = json!([declared.body["attachment_id"]]);
    let filed = stack.call_from("203.0.113.41", Method::POST, "/v1/tickets", Some(body), &[]).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);

    // The same URL, other bytes of the same size and type.
    let mut swapped = SMALL_PDF.to_vec();
    let n = swapped.len();
    swapped[n - 3..].copy_from_slice(b"EVL");
    let _ = http_put(&url, &headers, &swapped).await;

    let (_, support) = stack.staff_token(Role::Support).await;
    let id = filed.body["id"].as_str().unwrap();
    let aid = declared.body["attachment_id"].as_str().unwrap();
    let res = stack.call(Method::GET, &format!("/v1/tickets/{id}/attachments/{aid}"), None, &[("authorization", &bearer(&support))]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (status, bytes) = http_get(res.header("location").unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, SMALL_PDF, "the cited version, not the replacement");
}

#[tokio::test]
async fn acs_12_a_support_agents_read_of_a_ticket_is_audited() {
    // Finding 14.
    let stack = TestStack::new().await;
    let filed = file_anonymously(&stack, "203.0.113.42").await;
    let (agent, support) = stack.staff_token(Role::Support).await;
    let id = filed["id"].as_str().unwrap();
    assert_eq!(
        stack.call(Method::GET, &format!("/v1/tickets/{id}"), None, &[("authorization", &bearer(&support))]).await.status,
        StatusCode::OK
    );
    let audit = enbek_aws::dynamo::DynamoAudit::new(stack.table.clone()).by_actor(&agent, 5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "ticket.read" && e.target == format!("ticket:{id}")), "{audit:?}");
}
