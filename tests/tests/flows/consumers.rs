//! The queue consumers end to end against moto (OPS-3, VAC-5, VAC-6, GRT-4, ACS-4, TKT, ACS-9):
//! `labor-market-sync` and `notify` built by their own composition roots, fed real SQS batches
//! (received from moto, with receipt handles, receive counts and the queues' redrive policies),
//! answering partial batch responses; an AIS stand-in on loopback; the mail read back from moto's
//! SES; the outbox relay's failed state; and one flow through the local bridge.

use enbek_aws::dynamo::record_of;
use http::{Method, StatusCode};
use integration::bridge::{self, Invoker, Source};
use integration::*;
use jiff::SignedDuration;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Monday 23 Nov 2026, 10:00 in Almaty.
const MONDAY_MORNING: &str = "2026-11-23T05:00:00Z";

async fn stack() -> TestStack {
    let s = TestStack::new().await;
    s.clock.set(MONDAY_MORNING.parse().unwrap());
    s
}

/// AIS "Labor Market" on loopback: answers from a script (status, delay, body), then 201.
struct Ais {
    url: String,
    /// `(Idempotency-Key, document)` of every request, in order.
    seen: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn ais(script: Vec<(u16, u64, &'static str)>) -> Ais {
    use axum::routing::post;
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let (seen2, script2) = (seen.clone(), script.clone());
    let app = axum::Router::new().route(
        "/documents",
        post(move |headers: http::HeaderMap, body: axum::body::Bytes| {
            let (seen, script) = (seen2.clone(), script2.clone());
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                seen.lock().unwrap().push((key, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                let (status, delay, answer) = script.lock().unwrap().pop_front().unwrap_or((201, 0, "{}"));
                tokio::time::sleep(Duration::from_millis(delay)).await;
                (StatusCode::from_u16(status).unwrap(), answer)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/documents", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ais { url, seen }
}

fn https_to(ais: &Ais, timeout_ms: u64) -> labor_market_sync::Delivery {
    labor_market_sync::Delivery::Https {
        endpoint: ais.url.clone(),
        timeout: Duration::from_millis(timeout_ms),
        token: Some("ais-token".into()),
    }
}

/// Publishes a vacancy over HTTP; returns the employer's token and the vacancy's ID.
async fn published(s: &TestStack, serial: u32) -> (String, String) {
    let (_, token) = s.employer_token(serial, "ТОО «Казком»").await;
    let res = s
        .call(
            Method::POST,
            "/v1/vacancies",
            Some(crate::vacancies::vacancy("Бухгалтер", "751110000", "2411")),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    (token, res.body["id"].as_str().unwrap().to_owned())
}

/// One batch from `source` handed to the function; the event and the function's answer.
async fn one_batch(s: &TestStack, source: &Source, functions: &InProcess) -> (Value, Value) {
    let event = bridge::receive_event(&s.sqs, source, 0).await.unwrap().expect("a batch");
    let answer = functions.invoke(&source.function, event.clone()).await.unwrap();
    (event, answer)
}

fn ids(event: &Value) -> Vec<String> {
    event["Records"].as_array().unwrap().iter().map(|r| r["messageId"].as_str().unwrap().to_owned()).collect()
}

/// Makes the batch's messages visible again at once (instead of after their backoff).
async fn release(s: &TestStack, url: &str, event: &Value) {
    for r in event["Records"].as_array().unwrap() {
        s.sqs
            .change_message_visibility()
            .queue_url(url)
            .receipt_handle(r["receiptHandle"].as_str().unwrap())
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
    }
}

async fn queue_len(s: &TestStack, url: &str) -> usize {
    peek_all(&s.sqs, url).await.len()
}

/// The AIS documents in the bucket's exchange folder: `(key, document)`.
async fn exchange(s: &TestStack) -> Vec<(String, Value)> {
    integration::local::exchange_documents(&integration::local::s3_client(&s.sdk), &s.bucket, "", &mut Default::default()).await.unwrap()
}

fn event_id(event: &Value, i: usize) -> String {
    let body: Value = serde_json::from_str(event["Records"][i]["body"].as_str().unwrap()).unwrap();
    body["event_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn ops_3_ais_answering_500_then_201_gets_the_document_once_and_a_redelivery_sends_nothing() {
    let s = stack().await;
    let (_, vacancy) = published(&s, 21).await;
    let ais = ais(vec![(500, 0, "maintenance")]).await;
    let f = InProcess { sync: Some(s.sync_function(https_to(&ais, 2000))), ..InProcess::default() };
    let source = s.source("labor-market-sync", &s.integration_url, 10).await;

    // 500: the message fails, alone, and stays in the queue (its backoff set by the function).
    let (event, answer) = one_batch(&s, &source, &f).await;
    assert_eq!(bridge::failed_ids(&answer), ids(&event).into_iter().collect(), "exactly the failed message: {answer}");
    let event_id = event_id(&event, 0);
    assert_eq!(record_of(&s.table, "labor-market-sync", &event_id).await.unwrap(), None, "a retry leaves no record");
    assert!(bridge::receive_event(&s.sqs, &source, 0).await.unwrap().is_none(), "hidden for its backoff");
    release(&s, &s.integration_url, &event).await;

    // 201: delivered, deleted by the bridge, recorded.
    let polled = bridge::poll_once(&s.sqs, &source, &f, 0).await.unwrap();
    assert_eq!((polled.received, polled.failed, polled.deleted), (1, 0, 1));
    let seen = ais.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|(key, _)| *key == event_id), "the Idempotency-Key is the event ID");
    let document = &seen[1].1;
    assert_eq!((document["schema"].as_u64(), document["type"].as_str()), (Some(1), Some("vacancy.published")));
    assert_eq!(document["data"]["vacancy"]["id"], vacancy.as_str());
    assert_eq!(document["event_id"], event_id.as_str());
    assert_eq!(record_of(&s.table, "labor-market-sync", &event_id).await.unwrap().unwrap().1.as_deref(), Some("delivered"));

    // The same event again (an at-least-once redelivery): nothing more reaches AIS.
    let body = event["Records"][0]["body"].as_str().unwrap();
    s.sqs
        .send_message()
        .queue_url(&s.integration_url)
        .message_body(body)
        .message_group_id(&vacancy)
        .message_deduplication_id("again")
        .send()
        .await
        .unwrap();
    let polled = bridge::poll_once(&s.sqs, &source, &f, 0).await.unwrap();
    assert_eq!((polled.received, polled.deleted), (1, 1));
    assert_eq!(ais.seen.lock().unwrap().len(), 2, "one document per event");
}

#[tokio::test]
async fn ops_3_ais_refusing_with_400_sends_the_message_to_the_dlq_with_its_answer_and_409_counts_as_delivered() {
    let s = stack().await;
    published(&s, 22).await;
    let ais = ais(vec![(400, 0, "{\"error\":\"unknown region 751110000\"}")]).await;
    let f = InProcess { sync: Some(s.sync_function(https_to(&ais, 2000))), ..InProcess::default() };
    let source = s.source("labor-market-sync", &s.integration_url, 10).await;
    let (event, answer) = one_batch(&s, &source, &f).await;
    // Moved to the dead-letter queue by the function, so it is not a failure of the batch.
    assert_eq!(bridge::failed_ids(&answer).len(), 0, "{answer}");
    let dead = peek_all(&s.sqs, &s.integration_dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body(), event["Records"][0]["body"].as_str());
    let reason = dead[0].message_attributes().unwrap()["failure_reason"].string_value().unwrap().to_owned();
    assert!(reason.contains("AIS answered 400") && reason.contains("unknown region"), "{reason}");
    let (status, outcome, detail) = record_of(&s.table, "labor-market-sync", &event_id(&event, 0)).await.unwrap().unwrap();
    assert_eq!((status.as_str(), outcome.as_deref()), ("poisoned", Some("poisoned")));
    assert!(detail.unwrap().contains("unknown region"), "recorded with AIS's answer");

    // 409: AIS has it already (an earlier delivery whose answer was lost).
    let ais = self::ais(vec![(409, 0, "duplicate")]).await;
    let f = InProcess { sync: Some(s.sync_function(https_to(&ais, 2000))), ..InProcess::default() };
    published(&s, 23).await;
    let (event, answer) = one_batch(&s, &source, &f).await;
    assert!(bridge::failed_ids(&answer).is_empty());
    assert_eq!(
        record_of(&s.table, "labor-market-sync", &event_id(&event, 0)).await.unwrap().unwrap().1.as_deref(),
        Some("already_delivered")
    );
}

#[tokio::test]
async fn ops_3_an_ais_timeout_is_retried_and_after_max_receive_count_the_redrive_policy_moves_it_to_the_dlq() {
    let s = stack().await;
    published(&s, 24).await;
    let slow = (201, 1500, "{}");
    let ais = ais(vec![slow; 5]).await;
    let f = InProcess { sync: Some(s.sync_function(https_to(&ais, 300))), ..InProcess::default() };
    let source = s.source("labor-market-sync", &s.integration_url, 10).await;
    for receive in 1..=MAX_RECEIVE_COUNT {
        let (event, answer) = one_batch(&s, &source, &f).await;
        assert_eq!(event["Records"][0]["attributes"]["ApproximateReceiveCount"], receive.to_string());
        assert_eq!(bridge::failed_ids(&answer).len(), 1, "a timeout is a retry: {answer}");
        release(&s, &s.integration_url, &event).await;
    }
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).to_string();
    assert!(logs.contains("AIS did not answer within 300 ms"), "the reason is logged");
    // The next receive exceeds maxReceiveCount: SQS moves it to the dead-letter queue.
    assert!(bridge::receive_event(&s.sqs, &source, 0).await.unwrap().is_none());
    assert_eq!(queue_len(&s, &s.integration_dlq_url).await, 1);
}

#[tokio::test]
async fn a_batch_with_one_poison_message_fails_only_it_and_duplicates_send_one_mail() {
    let _logs = captured_logs();
    let s = stack().await;
    let to = unique_email("author");
    let ticket = |status: &str| {
        json!({"event_id": uuid::Uuid::new_v4().to_string(), "type": "ticket.updated", "occurred_at": "2026-11-23T05:00:00Z",
            "data": {"to": to, "lang": "ru", "template": "ticket_updated",
                "ticket": {"id": "t1", "number": "ТП-000123", "subject": "Не приходит SMS", "status": status, "response": "Проверили шлюз", "due_at": null}}})
    };
    let first = ticket("in_progress");
    let bodies = [first.to_string(), "{not json".to_owned(), first.to_string(), ticket("resolved").to_string()];
    for b in &bodies {
        s.sqs.send_message().queue_url(&s.notifications_url).message_body(b).send().await.unwrap();
    }
    let f = InProcess { notify: Some(s.notify_function()), ..InProcess::default() };
    let source = s.source("notify", &s.notifications_url, 10).await;
    let (event, answer) = one_batch(&s, &source, &f).await;
    assert_eq!(ids(&event).len(), 4);
    assert!(bridge::failed_ids(&answer).is_empty(), "the poison message went to the DLQ, the rest succeeded: {answer}");
    let dead = peek_all(&s.sqs, &s.notifications_dlq_url).await;
    assert_eq!(dead.iter().map(|m| m.body().unwrap()).collect::<Vec<_>>(), vec!["{not json"]);
    assert!(dead[0].message_attributes().unwrap()["failure_reason"].string_value().unwrap().contains("not an event"));

    // The duplicate sent no second mail: two mails, in the order of the statuses.
    let mail = mail_sent_to(&to).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    assert_eq!(mail[0]["subject"], "Обращение № ТП-000123: в работе / № ТП-000123 өтініш: жұмыста");
    assert_eq!(mail[1]["subject"], "Обращение № ТП-000123: решено / № ТП-000123 өтініш: шешілді");
    let html = html_text(mail[0]["body"].as_str().unwrap());
    assert!(html.contains("Проверили шлюз") && html.contains("«Не приходит SMS»"), "{html}");
    assert_eq!(mail[0]["source"], MAIL_FROM);
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).to_string();
    assert!(logs.contains(r#""outcome":"duplicate""#), "one log line per message, the duplicate named");
}

#[tokio::test]
async fn acs_4_5_the_access_answer_arrives_in_kazakh_and_russian_with_the_password_only_in_the_mail() {
    let logs = captured_logs();
    let c = crate::access::ctx().await;
    let p = crate::access::person(31);
    let approved = c.approved("grant", &p).await;
    let password = approved["temporary_password"].as_str().unwrap().to_owned();
    let login = approved["login"].as_str().unwrap().to_owned();
    let f = InProcess { notify: Some(c.stack.notify_function()), ..InProcess::default() };
    let source = c.stack.source("notify", &c.stack.notifications_url, 10).await;
    let (event, answer) = one_batch(&c.stack, &source, &f).await;
    assert!(bridge::failed_ids(&answer).is_empty(), "{answer}");
    // The queued copy holds the password sealed, never in clear.
    assert!(!event.to_string().contains(&password));

    let mail = mail_sent_to(&login).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["subject"], "Ақпараттық жүйеге қолжетімділік берілді / Доступ к информационной системе предоставлен");
    let body = html_text(mail[0]["body"].as_str().unwrap());
    assert!(body.contains(&format!("Уақытша құпиясөз: {password}")), "Kazakh part: {body}");
    assert!(body.contains(&format!("Временный пароль: {password}")), "Russian part");
    assert!(body.contains(&format!("Логин: {login}")));
    assert!(body.find("Уақытша").unwrap() < body.find("Временный").unwrap(), "Kazakh first (the request's language)");
    assert!(body.contains("26.11.2026"), "valid for 72 hours: until Thursday (ACS-5)");

    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(!logs.contains(&password), "the temporary password never reaches a log line");
    let record = record_of(&c.stack.table, "notify", &event_id(&event, 0)).await.unwrap().unwrap();
    assert!(!format!("{record:?}").contains(&password));

    // A refusal carries its reason, in both languages.
    let q = crate::access::person(32);
    let id = c.submit(c.body("grant", &q).await).await;
    let res = c.decide(&id, json!({"decision": "refuse", "reason": "Нет приказа о приёме <в приложении>"})).await;
    assert_eq!(res.status, StatusCode::OK);
    bridge::drain(&c.stack.sqs, &[source], &f, 3).await.unwrap();
    let mail = mail_sent_to(&q.email.to_lowercase()).await;
    assert_eq!(mail.len(), 1);
    let body = html_text(mail[0]["body"].as_str().unwrap());
    assert!(body.contains("Себебі: Нет приказа о приёме <в приложении>") && body.contains("Причина: Нет приказа"), "{body}");
    assert!(mail[0]["body"].as_str().unwrap().contains("&lt;в приложении&gt;"), "escaped in HTML");
}

#[tokio::test]
async fn vac_6_responses_from_ais_are_recorded_on_the_vacancy_for_its_owner_and_unknown_vacancies_go_to_the_dlq() {
    let s = stack().await;
    let (token, vacancy) = published(&s, 25).await;
    let message = |id: &str, vacancy: &str, count: u32, as_of: &str| {
        json!({"schema": 1, "message_id": id, "type": "vacancy.responses", "vacancy_id": vacancy, "responses_count": count, "as_of": as_of})
            .to_string()
    };
    for body in [
        message("ais-1", &vacancy, 7, "2026-11-23T06:00:00Z"),
        // Older than the count already recorded: kept out.
        message("ais-2", &vacancy, 3, "2026-11-23T05:30:00Z"),
        message("ais-1", &vacancy, 7, "2026-11-23T06:00:00Z"),
        message("ais-3", "no-such-vacancy", 1, "2026-11-23T06:00:00Z"),
        json!({"schema": 1, "message_id": "ais-4", "type": "vacancy.hired", "vacancy_id": vacancy, "responses_count": 1, "as_of": "2026-11-23T06:00:00Z"}).to_string(),
    ] {
        s.sqs.send_message().queue_url(&s.inbound_url).message_body(body).send().await.unwrap();
    }
    let f = InProcess { sync: Some(s.sync_to_bucket()), ..InProcess::default() };
    let source = s.source("labor-market-sync", &s.inbound_url, 10).await;
    let (_, answer) = one_batch(&s, &source, &f).await;
    assert!(bridge::failed_ids(&answer).is_empty(), "{answer}");

    let owner = s.call(Method::GET, &format!("/v1/vacancies/{vacancy}"), None, &[("authorization", &bearer(&token))]).await;
    assert_eq!(owner.body["activity"]["responses_count"], 7, "{}", owner.body);
    assert_eq!(owner.body["activity"]["responses_as_of"], "2026-11-23T06:00:00Z");
    let public = s.call(Method::GET, &format!("/v1/vacancies/{vacancy}"), None, &[]).await;
    assert!(public.body.get("activity").is_none_or(Value::is_null), "only the owner sees the activity: {}", public.body);

    let dead = peek_all(&s.sqs, &s.inbound_dlq_url).await;
    let mut reasons: Vec<String> =
        dead.iter().map(|m| m.message_attributes().unwrap()["failure_reason"].string_value().unwrap().to_owned()).collect();
    reasons.sort();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("unknown vacancy no-such-vacancy")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("vacancy.hired")), "{reasons:?}");
}

#[tokio::test]
async fn the_outbox_relay_gives_up_after_its_attempts_lists_the_failed_and_retries_them_on_request() {
    let s = stack().await;
    s.queue_down(QueueName::Integration).await;
    published(&s, 26).await;
    let relay = s.relay_function(2);
    let mut now = s.now() + SignedDuration::from_mins(1);
    let first = relay.handle(json!({"now": now.to_string()})).await;
    assert!(first.is_err(), "a run that sends nothing is an error (the alarm's signal)");
    // Not due again before its backoff.
    let early = relay.handle(json!({"now": (now + SignedDuration::from_secs(5)).to_string()})).await.unwrap();
    assert_eq!(early["examined"], 0, "{early}");
    now += SignedDuration::from_mins(2);
    let _ = relay.handle(json!({"now": now.to_string()})).await;
    let listed = relay.handle(json!({"action": "list_failed"})).await.unwrap();
    let failed = listed["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{listed}");
    assert_eq!((failed[0]["type"].as_str(), failed[0]["attempts"].as_u64()), (Some("vacancy.published"), Some(2)));
    assert!(failed[0]["last_error"].as_str().unwrap().len() > 5);
    // A failed message holds nothing up and is not retried by the schedule.
    now += SignedDuration::from_hours(2);
    let idle = relay.handle(json!({"now": now.to_string()})).await.unwrap();
    assert_eq!(idle["examined"], 0);

    s.queue_up(QueueName::Integration).await;
    let bad = relay.handle(json!({"action": "retry_everything"})).await;
    assert!(bad.unwrap_err().to_string().contains("invalid input"));
    let retried = relay.handle(json!({"action": "retry_failed", "event_ids": [failed[0]["event_id"]]})).await.unwrap();
    assert_eq!(retried["requeued"].as_array().unwrap().len(), 1);
    s.clock.set(now);
    let sent = relay.handle(json!({"now": (now + SignedDuration::from_secs(1)).to_string()})).await.unwrap();
    assert_eq!(sent["sent"], 1, "{sent}");
    assert_eq!(s.integration_sent().await.len(), 1);
    assert!(relay.handle(json!({"action": "list_failed"})).await.unwrap()["failed"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn through_the_bridge_a_published_vacancy_becomes_an_ais_document_and_an_access_answer_a_sent_mail() {
    let c = crate::access::ctx().await;
    let s = &c.stack;
    let (_, vacancy) = published(s, 27).await;
    let p = crate::access::person(33);
    let approved = c.approved("grant", &p).await;
    let functions = InProcess { notify: Some(s.notify_function()), sync: Some(s.sync_to_bucket()) };
    let sources = [s.source("labor-market-sync", &s.integration_url, 10).await, s.source("notify", &s.notifications_url, 10).await];
    let total = bridge::drain(&s.sqs, &sources, &functions, 5).await.unwrap();
    assert_eq!((total.received, total.deleted, total.failed), (2, 2, 0));

    let docs = exchange(s).await;
    assert_eq!(docs.len(), 1);
    let (key, doc) = &docs[0];
    assert!(key.starts_with("exchange/ais/2026-11-23/vacancy.published/"), "{key}");
    assert!(key.ends_with(&format!("{}.json", doc["event_id"].as_str().unwrap())));
    assert_eq!(doc["data"]["vacancy"]["id"], vacancy.as_str());
    let mail = mail_sent_to(approved["login"].as_str().unwrap()).await;
    assert_eq!(mail.len(), 1);
    assert!(html_text(mail[0]["body"].as_str().unwrap()).contains(approved["temporary_password"].as_str().unwrap()));
}

#[tokio::test]
async fn vac_6_the_employer_reports_a_hire_over_http_and_ais_gets_its_document() {
    let s = stack().await;
    let (token, vacancy) = published(&s, 28).await;
    let path = format!("/v1/vacancies/{vacancy}/outcomes");
    let auth = bearer(&token);
    let person = iin("900315", 4, 28);
    let bad =
        s.call(Method::POST, &path, Some(json!({"kind": "promotion", "iin": "1", "on": "2026-11-23"})), &[("authorization", &auth)]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_field_errors(&[("kind", "invalid_value"), ("iin", "iin_invalid")]);
    let (_, stranger) = s.employer_token(29, "ТОО «Другое»").await;
    let forbidden = s
        .call(
            Method::POST,
            &path,
            Some(json!({"kind": "hire", "iin": person, "on": "2026-11-23"})),
            &[("authorization", &bearer(&stranger))],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    for _ in 0..2 {
        let res = s
            .call(Method::POST, &path, Some(json!({"kind": "hire", "iin": person, "on": "2026-11-23"})), &[("authorization", &auth)])
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.body["kind"], "hire");
    }
    // Two positions: a third hire is refused.
    let full =
        s.call(Method::POST, &path, Some(json!({"kind": "hire", "iin": person, "on": "2026-11-23"})), &[("authorization", &auth)]).await;
    assert_eq!((full.status, full.code()), (StatusCode::UNPROCESSABLE_ENTITY, "positions_filled"), "{}", full.body);
    let read = s.call(Method::GET, &format!("/v1/vacancies/{vacancy}"), None, &[("authorization", &auth)]).await;
    assert_eq!(read.body["activity"]["hires_count"], 2, "{}", read.body);

    let f = InProcess { sync: Some(s.sync_to_bucket()), ..InProcess::default() };
    let source = s.source("labor-market-sync", &s.integration_url, 10).await;
    bridge::drain(&s.sqs, &[source], &f, 5).await.unwrap();
    let kinds: Vec<String> = exchange(&s).await.iter().map(|(k, _)| k.split('/').nth(3).unwrap().to_owned()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "vacancy.candidate_outcome").count(), 2, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "vacancy.published").count(), 1);
}
