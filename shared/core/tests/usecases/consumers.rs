//! The queue consumers (`labor-market-sync`, `notify`) over the in-memory fakes: partial batch
//! failures, idempotency, poison messages, FIFO order, AIS's answers (OPS-3, VAC-5, VAC-6,
//! GRT-4) and e-mails with a sealed temporary password (ACS-4, ACS-5). The same paths run
//! against moto through the real functions in `tests/tests/flows/consumers.rs`.

use super::support::{World, MAIL_SEAL_KEY};
use async_trait::async_trait;
use enbek_core::ais::{Answer, Document, Gateway};
use enbek_core::codes::Lang;
use enbek_core::consume::{run_batch, Delivery, QueueControl};
use enbek_core::mail::{Mail, MailAnswer, Mailer, Rendered, Templates};
use enbek_core::outbox::OutboxMessage;
use enbek_core::ports::{StoreError, POISONED};
use enbek_core::usecases::labor_market::{LaborMarketSync, CONSUMER, INBOUND_CONSUMER};
use enbek_core::usecases::notify::Notify;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// AIS answering from a script (then `Delivered`), keeping what it accepted.
#[derive(Default)]
struct ScriptedAis {
    script: Mutex<VecDeque<Answer>>,
    accepted: Mutex<Vec<Document>>,
    calls: Mutex<u32>,
}

impl ScriptedAis {
    fn answering(answers: Vec<Answer>) -> Arc<Self> {
        Arc::new(Self { script: Mutex::new(answers.into()), ..Self::default() })
    }
}

#[async_trait]
impl Gateway for ScriptedAis {
    async fn deliver(&self, d: &Document) -> Answer {
        *self.calls.lock().unwrap() += 1;
        let a = self.script.lock().unwrap().pop_front().unwrap_or(Answer::Delivered);
        if matches!(a, Answer::Delivered) {
            self.accepted.lock().unwrap().push(d.clone());
        }
        a
    }
}

#[derive(Default)]
struct Control {
    retried: Mutex<Vec<(String, Duration)>>,
    buried: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl QueueControl for Control {
    async fn retry_after(&self, d: &Delivery, delay: Duration) -> Result<(), StoreError> {
        self.retried.lock().unwrap().push((d.message_id.clone(), delay));
        Ok(())
    }
    async fn bury(&self, d: &Delivery, reason: &str) -> Result<(), StoreError> {
        self.buried.lock().unwrap().push((d.message_id.clone(), reason.to_owned()));
        Ok(())
    }
}

fn delivery(id: &str, body: &str, source: &str) -> Delivery {
    Delivery {
        message_id: id.into(),
        receipt_handle: format!("rh-{id}"),
        body: body.into(),
        receive_count: 1,
        group_id: None,
        source: format!("arn:aws:sqs:eu-central-1:123456789012:{source}"),
    }
}

fn vacancy_event(w: &World, id: &str) -> OutboxMessage {
    let data = json!({
        "vacancy": {"id": id, "status": "published", "title": "Токарь", "description": "…", "occupation_code": "7223",
                    "region_code": "751110000", "salary_from": 300000, "employment_type": "full_time", "positions": 1,
                    "contact_name": "Ахметова Динара", "contact_phone": "+77012345678", "valid_until": "2027-01-31",
                    "published_at": w.clock_now()},
        "employer": {"bin": "123456789012", "company_name": "ТОО «Дала»"},
    });
    OutboxMessage::integration("vacancy.published", w.clock_now(), id, data)
}

fn sync(w: &World, ais: Arc<ScriptedAis>) -> LaborMarketSync {
    LaborMarketSync {
        gateway: ais,
        activity: w.store.clone(),
        processed: w.store.clone(),
        clock: w.clock.clone(),
        inbound_queue: Some("enbek-test-ais-inbound".into()),
    }
}

#[tokio::test]
async fn ops_3_a_batch_with_one_poison_message_delivers_the_rest_and_buries_only_it() {
    let w = World::new();
    let ais = ScriptedAis::answering(vec![]);
    let control = Control::default();
    let batch = vec![
        delivery("m1", &vacancy_event(&w, "v1").body, "enbek-test-integration.fifo"),
        delivery("m2", "{not json", "enbek-test-integration.fifo"),
        delivery("m3", &vacancy_event(&w, "v3").body, "enbek-test-integration.fifo"),
    ];
    let out = run_batch(&sync(&w, ais.clone()), &control, &batch, true).await;
    assert!(out.failed.is_empty(), "nothing to retry: {out:?}");
    assert_eq!((out.counts.delivered, out.counts.poisoned), (2, 1));
    let buried = control.buried.lock().unwrap().clone();
    assert_eq!(buried.len(), 1);
    assert_eq!(buried[0].0, "m2");
    assert!(buried[0].1.contains("not an event"), "{buried:?}");
    assert_eq!(ais.accepted.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn ops_3_a_duplicate_delivery_sends_one_document() {
    let w = World::new();
    let ais = ScriptedAis::answering(vec![]);
    let m = vacancy_event(&w, "v1");
    let control = Control::default();
    let out =
        run_batch(&sync(&w, ais.clone()), &control, &[delivery("m1", &m.body, "q.fifo"), delivery("m1-again", &m.body, "q.fifo")], true)
            .await;
    assert_eq!((out.counts.delivered, out.counts.duplicate, out.failed.len()), (1, 1, 0));
    assert_eq!(*ais.calls.lock().unwrap(), 1);
    let doc = &ais.accepted.lock().unwrap()[0];
    assert_eq!((doc.body["schema"].as_u64(), doc.body["event_id"].as_str()), (Some(1), Some(m.event_id.as_str())));
}

#[tokio::test]
async fn ops_3_ais_down_retries_with_backoff_and_holds_the_group_then_delivers_once() {
    let w = World::new();
    let ais = ScriptedAis::answering(vec![Answer::Unavailable("HTTP 500".into())]);
    let first = vacancy_event(&w, "v1");
    let mut second = first.with_data("vacancy.closed", serde_json::from_str::<Value>(&first.body).unwrap()["data"].clone());
    second.event_id = "e-closed".into();
    second.body = second.body.replace(&first.event_id, "e-closed");
    let mut d1 = delivery("m1", &first.body, "q.fifo");
    let mut d2 = delivery("m2", &second.body, "q.fifo");
    d1.group_id = Some("v1".into());
    d2.group_id = Some("v1".into());
    let control = Control::default();
    let s = sync(&w, ais.clone());
    let out = run_batch(&s, &control, &[d1.clone(), d2.clone()], true).await;
    assert_eq!(out.failed, vec!["m1", "m2"], "the failed one, and the one behind it in its group");
    assert_eq!(*ais.calls.lock().unwrap(), 1, "the second was not sent before the first");
    assert_eq!(control.retried.lock().unwrap()[0], ("m1".to_owned(), Duration::from_secs(30)));
    d1.receive_count = 2;
    let out = run_batch(&s, &control, &[d1, d2], true).await;
    assert!(out.failed.is_empty());
    let sent: Vec<String> = ais.accepted.lock().unwrap().iter().map(|d| d.kind.clone()).collect();
    assert_eq!(sent, vec!["vacancy.published", "vacancy.closed"], "in order, each once");
}

#[tokio::test]
async fn ops_3_a_refusal_by_ais_is_recorded_with_its_answer_and_buried() {
    let w = World::new();
    let ais = ScriptedAis::answering(vec![
        Answer::Rejected { status: 400, answer: "{\"error\":\"bin unknown\"}".into() },
        Answer::AlreadyDelivered,
    ]);
    let (bad, known) = (vacancy_event(&w, "v1"), vacancy_event(&w, "v2"));
    let control = Control::default();
    let out = run_batch(&sync(&w, ais), &control, &[delivery("m1", &bad.body, "q"), delivery("m2", &known.body, "q")], false).await;
    assert!(out.failed.is_empty());
    assert_eq!((out.counts.poisoned, out.counts.delivered), (1, 1));
    let record = w.store.settlement(CONSUMER, &bad.event_id).unwrap();
    assert_eq!(record.outcome, POISONED);
    assert!(record.detail.unwrap().contains("bin unknown"), "the record keeps AIS's answer");
    assert_eq!(w.store.settlement(CONSUMER, &known.event_id).unwrap().outcome, "already_delivered", "409 = delivered before");
    assert!(control.buried.lock().unwrap()[0].1.contains("AIS answered 400"));
}

#[tokio::test]
async fn vac_6_inbound_responses_are_recorded_on_the_vacancy_and_an_unknown_vacancy_is_buried() {
    let w = World::new();
    let employer = w.account(enbek_core::domain::Role::Employer, "p");
    let until = enbek_core::calendar::local_date(w.clock_now()).saturating_add(jiff::ToSpan::days(30));
    let v = enbek_testkit::fixtures::vacancy("Токарь", "751110000", "7223", &employer, w.clock_now(), until);
    enbek_core::ports::VacancyStore::publish(w.store.as_ref(), &v, &enbek_testkit::fixtures::audit(w.clock_now(), "x", "y"), &[])
        .await
        .unwrap();
    let message = |id: &str, vacancy: &str, count: u32, as_of: &str| {
        json!({"schema": 1, "message_id": id, "type": "vacancy.responses", "vacancy_id": vacancy, "responses_count": count, "as_of": as_of})
            .to_string()
    };
    let inbound = "enbek-test-ais-inbound";
    let batch = vec![
        delivery("m1", &message("a1", &v.id, 4, "2026-11-23T06:00:00Z"), inbound),
        delivery("m2", &message("a2", "no-such-vacancy", 1, "2026-11-23T06:00:00Z"), inbound),
        delivery("m3", &message("a3", &v.id, 2, "2026-11-23T05:30:00Z"), inbound),
        delivery("m4", &message("a1", &v.id, 4, "2026-11-23T06:00:00Z"), inbound),
    ];
    let control = Control::default();
    let out = run_batch(&sync(&w, ScriptedAis::answering(vec![])), &control, &batch, false).await;
    assert_eq!((out.counts.delivered, out.counts.duplicate, out.counts.poisoned, out.failed.len()), (2, 1, 1, 0));
    assert_eq!(control.buried.lock().unwrap()[0], ("m2".to_owned(), "unknown vacancy no-such-vacancy".to_owned()));
    let activity = enbek_core::ports::VacancyStore::activity(w.store.as_ref(), &v.id).await.unwrap();
    assert_eq!(activity.responses_count, 4, "the older count arrived later and changed nothing");
    assert_eq!(w.store.settlement(INBOUND_CONSUMER, "a3").unwrap().outcome, "stale");
}

/// Renders `subject|text` from the data, to see what reached the template.
struct EchoTemplates;

impl Templates for EchoTemplates {
    fn render(&self, template: &str, lang: Lang, data: &Value) -> Result<Rendered, String> {
        if template == "missing" {
            return Err("no template missing".into());
        }
        let text = format!("{lang}: {}", data.get("temporary_password").and_then(Value::as_str).unwrap_or("-"));
        Ok(Rendered { subject: template.to_owned(), html: format!("<p>{text}</p>"), text })
    }
}

#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<Mail>>,
    script: Mutex<VecDeque<MailAnswer>>,
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> MailAnswer {
        let a = self.script.lock().unwrap().pop_front().unwrap_or(MailAnswer::Sent);
        if a == MailAnswer::Sent {
            self.sent.lock().unwrap().push(mail.clone());
        }
        a
    }
}

fn notify(w: &World, mailer: Arc<Outbox>, key: &str) -> Notify {
    Notify {
        mailer,
        templates: Arc::new(EchoTemplates),
        secrets: Arc::new(enbek_core::seal::mail_sealer(key)),
        processed: w.store.clone(),
        clock: w.clock.clone(),
    }
}

#[tokio::test]
async fn acs_4_5_the_sealed_password_reaches_only_the_mail_once() {
    let w = World::new();
    let sealer = enbek_core::seal::mail_sealer(MAIL_SEAL_KEY);
    let base = OutboxMessage::notification("access_request.approved", w.clock_now(), json!({}));
    let granted = base.with_data(
        "access_request.approved",
        json!({"to": "erlan@enbek.gov.kz", "lang": "ru", "template": "access_request_approved_grant",
               "temporary_password_sealed": sealer.seal_text(&base.event_id, "Tmp-Pass-Word-123")}),
    );
    let mailer = Arc::new(Outbox::default());
    let control = Control::default();
    let n = notify(&w, mailer.clone(), MAIL_SEAL_KEY);
    let d = delivery("m1", &granted.body, "notifications");
    let out = run_batch(&n, &control, &[d.clone(), d.clone()], false).await;
    assert_eq!((out.counts.delivered, out.counts.duplicate), (1, 1));
    let sent = mailer.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].to.as_str(), sent[0].text.as_str()), ("erlan@enbek.gov.kz", "ru: Tmp-Pass-Word-123"));
    let record = w.store.settlement("notify", &base.event_id).unwrap();
    assert!(!format!("{record:?}").contains("Tmp-Pass-Word-123"), "the record keeps no password");

    // With another key the password does not open: buried with a reason naming the key, not the password.
    let again = base.with_data("access_request.approved", serde_json::from_str::<Value>(&granted.body).unwrap()["data"].clone());
    let mut other = again.clone();
    other.event_id = "e-other".into();
    other.body = other.body.replace(&base.event_id, "e-other");
    let out =
        run_batch(&notify(&w, mailer.clone(), "a-different-key-a-different-key-xx"), &control, &[delivery("m2", &other.body, "n")], false)
            .await;
    assert_eq!(out.counts.poisoned, 1);
    assert!(control.buried.lock().unwrap()[0].1.contains("MAIL_SEAL_KEY"));
}

#[tokio::test]
async fn the_mail_service_down_is_retried_and_a_refusal_or_a_broken_message_is_buried() {
    let w = World::new();
    let mailer = Arc::new(Outbox::default());
    mailer.script.lock().unwrap().extend([MailAnswer::Unavailable("throttled".into()), MailAnswer::Rejected("address blacklisted".into())]);
    let m = |template: &str, to: &str| {
        OutboxMessage::notification("ticket.updated", w.clock_now(), json!({"to": to, "template": template})).body
    };
    let batch = vec![
        delivery("down", &m("ticket_updated", "a@example.kz"), "n"),
        delivery("refused", &m("ticket_updated", "b@example.kz"), "n"),
        delivery("no-template", &m("missing", "c@example.kz"), "n"),
        delivery("no-address", &m("ticket_updated", "not an address"), "n"),
    ];
    let control = Control::default();
    let out = run_batch(&notify(&w, mailer, MAIL_SEAL_KEY), &control, &batch, false).await;
    assert_eq!(out.failed, vec!["down"]);
    let buried: Vec<String> = control.buried.lock().unwrap().iter().map(|b| b.0.clone()).collect();
    assert_eq!(buried, vec!["refused", "no-template", "no-address"]);
}
