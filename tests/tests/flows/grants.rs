//! Grants end to end against moto (GRT-1..4): the award, a report citing a document uploaded
//! through the presigned URL, decisions, refunds, the money invariant under 20 concurrent
//! submissions, concurrent decisions, who sees what, and the AIS messages through the outbox.

use http::{Method, StatusCode};
use integration::*;
use jiff::SignedDuration;
use serde_json::{json, Value};
use std::sync::Arc;

struct Ctx {
    stack: Arc<TestStack>,
    staff: String,
    recipient: String,
    recipient_id: String,
    iin: String,
}

/// Monday 23 Nov 2026, 10:00 in Almaty.
const MONDAY_MORNING: &str = "2026-11-23T05:00:00Z";

async fn ctx() -> Ctx {
    let stack = TestStack::new().await;
    stack.clock.set(MONDAY_MORNING.parse().unwrap());
    let (_, staff) = stack.staff_token(enbek_core::domain::Role::CenterStaff).await;
    let login = unique_email("recipient");
    let body = stack.citizen_body(&login, "Tulpar-Dala-2026");
    let iin = body["iin"].as_str().unwrap().to_owned();
    let res = stack.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let recipient_id = res.body["id"].as_str().unwrap().to_owned();
    let recipient = stack.token(&login, "Tulpar-Dala-2026").await;
    Ctx { stack: Arc::new(stack), staff: bearer(&staff), recipient: bearer(&recipient), recipient_id, iin }
}

impl Ctx {
    async fn post(&self, token: &str, path: &str, body: Value) -> TestResponse {
        self.stack.call(Method::POST, path, Some(body), &[("authorization", token)]).await
    }

    async fn get(&self, token: &str, path: &str) -> TestResponse {
        self.stack.call(Method::GET, path, None, &[("authorization", token)]).await
    }

    async fn award(&self, amount: i64) -> String {
        let res = self
            .post(
                &self.staff,
                "/v1/grants",
                json!({
                    "recipient_iin": self.iin, "contract_number": "ГР-2026/17", "contract_date": "2026-01-15",
                    "amount_tiyn": amount, "purpose": "Открытие швейного цеха",
                    "period_start": "2026-01-15", "period_end": "2026-12-31",
                }),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.body["remaining_tiyn"], amount);
        res.body["id"].as_str().unwrap().to_owned()
    }

    fn expense(amount: i64) -> Value {
        json!({"category": "equipment", "description": "Швейная машина Janome", "amount_tiyn": amount, "spent_on": "2026-03-01", "attachment_ids": []})
    }
}

#[tokio::test]
async fn grt_1_2_4_a_recipient_reports_with_an_uploaded_receipt_and_staff_accept_it() {
    let c = ctx().await;
    let grant = c.award(100_000_000).await;
    let token = c.recipient.trim_start_matches("Bearer ").to_owned();
    let receipt =
        c.stack.attach(&format!("/v1/grants/{grant}/attachments"), Some(&token), "чек №17.pdf", "application/pdf", SMALL_PDF).await;
    let mut expense = Ctx::expense(35_000_000);
    expense["attachment_ids"] = json!([receipt]);
    expense["supplier_bin"] = json!(bin(11));
    let res = c
        .post(
            &c.recipient,
            &format!("/v1/grants/{grant}/reports"),
            json!({"expenses": [expense, Ctx::expense(5_000_000)], "comment": "Первый квартал"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!((res.body["status"].as_str(), res.body["total_tiyn"].as_i64()), (Some("submitted"), Some(40_000_000)));
    let report = res.body["id"].as_str().unwrap().to_owned();

    let g = c.get(&c.recipient, &format!("/v1/grants/{grant}")).await;
    assert_eq!(
        (g.body["spent_tiyn"].as_i64(), g.body["refunded_tiyn"].as_i64(), g.body["remaining_tiyn"].as_i64()),
        (Some(40_000_000), Some(0), Some(60_000_000))
    );

    let res = c.post(&c.staff, &format!("/v1/grants/{grant}/reports/{report}/decision"), json!({"decision": "accepted"})).await;
    assert_eq!((res.status, res.body["status"].as_str()), (StatusCode::OK, Some("accepted")), "{}", res.body);
    let listed = c.get(&c.recipient, &format!("/v1/grants/{grant}/reports")).await;
    assert_eq!(listed.body["items"][0]["decision"]["decision"], "accepted", "the recipient sees the decision");

    // GRT-4: the submission and the decision went to AIS "Labor Market", grouped by grant.
    let sent = c.stack.integration_sent().await;
    assert_eq!(
        sent.iter().map(|m| m["type"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["grant_report.submitted", "grant_report.decided"]
    );
    assert_eq!(sent[0]["data"]["report"]["expenses"][0]["supplier_bin"], bin(11));

    // The receipt: a 303 to a download of the cited version, for the recipient and staff only.
    let res = c.get(&c.staff, &format!("/v1/grants/{grant}/attachments/{receipt}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let location = res.header("location").unwrap();
    assert!(location.contains("response-content-disposition=attachment"), "{location}");
    assert_eq!(http_get(location).await, (200, SMALL_PDF.to_vec()));
}

#[tokio::test]
async fn the_money_invariant_holds_for_20_concurrent_submissions_that_together_exceed_the_grant() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (stack, token, path) = (c.stack.clone(), c.recipient.clone(), format!("/v1/grants/{grant}/reports"));
            tokio::spawn(async move {
                let res =
                    stack.call(Method::POST, &path, Some(json!({"expenses": [Ctx::expense(150_000)]})), &[("authorization", &token)]).await;
                (res.status.as_u16(), res.code().to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let accepted = outcomes.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(accepted, 6, "exactly the 6 that fit into 1 000 000 tiyn: {outcomes:?}");
    assert!(outcomes.iter().filter(|(s, _)| *s != 201).all(|(s, code)| *s == 422 && code == "grant_exceeded"), "{outcomes:?}");
    let g = c.get(&c.staff, &format!("/v1/grants/{grant}")).await;
    assert_eq!((g.body["spent_tiyn"].as_i64(), g.body["remaining_tiyn"].as_i64()), (Some(900_000), Some(100_000)), "never an overdraft");
}

#[tokio::test]
async fn two_concurrent_decisions_on_one_report_make_one_and_a_returned_report_releases_its_money() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    let res = c.post(&c.recipient, &format!("/v1/grants/{grant}/reports"), json!({"expenses": [Ctx::expense(800_000)]})).await;
    let report = res.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/grants/{grant}/reports/{report}/decision");
    let (a, b) = tokio::join!(
        c.post(&c.staff, &path, json!({"decision": "returned", "comment": "Нет подтверждающих документов"})),
        c.post(&c.staff, &path, json!({"decision": "accepted"})),
    );
    let mut statuses = vec![a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{} / {}", a.body, b.body);
    let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
    assert_eq!(loser.code(), "already_decided");
    let winner = if a.status == StatusCode::OK { &a } else { &b };
    let remaining = c.get(&c.recipient, &format!("/v1/grants/{grant}")).await.body["remaining_tiyn"].as_i64().unwrap();
    if winner.body["status"] == "returned" {
        assert_eq!(remaining, 1_000_000, "the returned report no longer counts");
        let res = c.post(&c.recipient, &format!("/v1/grants/{grant}/reports"), json!({"expenses": [Ctx::expense(900_000)]})).await;
        assert_eq!(res.status, StatusCode::CREATED, "a corrected report after a return");
    } else {
        assert_eq!(remaining, 200_000);
    }
}

#[tokio::test]
async fn grt_3_concurrent_confirmations_never_refund_beyond_what_is_unspent() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    let mut refunds = Vec::new();
    for _ in 0..2 {
        let res =
            c.post(&c.recipient, &format!("/v1/grants/{grant}/refunds"), json!({"amount_tiyn": 600_000, "reason": "Проект закрыт"})).await;
        assert_eq!((res.status, res.body["status"].as_str()), (StatusCode::CREATED, Some("pending")), "{}", res.body);
        refunds.push(res.body["id"].as_str().unwrap().to_owned());
    }
    let too_much = c.post(&c.recipient, &format!("/v1/grants/{grant}/refunds"), json!({"amount_tiyn": 1_000_001, "reason": "Всё"})).await;
    assert_eq!(too_much.code(), "grant_exceeded");
    let (first, second) =
        (format!("/v1/grants/{grant}/refunds/{}/decision", refunds[0]), format!("/v1/grants/{grant}/refunds/{}/decision", refunds[1]));
    let (a, b) = tokio::join!(
        c.post(&c.staff, &first, json!({"decision": "confirmed"})),
        c.post(&c.staff, &second, json!({"decision": "confirmed"})),
    );
    let mut outcomes = vec![(a.status.as_u16(), a.code().to_owned()), (b.status.as_u16(), b.code().to_owned())];
    outcomes.sort();
    assert_eq!(outcomes, vec![(200, String::new()), (422, "grant_exceeded".to_owned())]);
    let g = c.get(&c.recipient, &format!("/v1/grants/{grant}")).await;
    assert_eq!((g.body["refunded_tiyn"].as_i64(), g.body["remaining_tiyn"].as_i64()), (Some(600_000), Some(400_000)));
}

#[tokio::test]
async fn another_recipient_learns_nothing_and_only_center_staff_award_and_decide() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    let other_login = unique_email("other");
    c.stack.register_citizen(&other_login, "Tulpar-Dala-2026").await;
    let other = bearer(&c.stack.token(&other_login, "Tulpar-Dala-2026").await);
    for path in [format!("/v1/grants/{grant}"), format!("/v1/grants/{grant}/reports"), format!("/v1/grants/{}", enbek_core::ids::new_id())]
    {
        let res = c.get(&other, &path).await;
        assert_eq!((res.status, res.code()), (StatusCode::NOT_FOUND, "not_found"), "{path}");
    }
    let res = c.post(&other, &format!("/v1/grants/{grant}/reports"), json!({"expenses": [Ctx::expense(1)]})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "a stranger cannot tell the grant exists");
    assert!(c.get(&other, "/v1/grants?recipient=me").await.body["items"].as_array().unwrap().is_empty());
    let own = c.get(&c.recipient, "/v1/grants?recipient=me").await;
    assert_eq!(own.body["items"][0]["id"], grant.as_str());
    assert_eq!(own.body["items"][0]["recipient_id"], c.recipient_id.as_str());
    let res = c.post(&c.recipient, "/v1/grants", json!({})).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = c.get(&c.recipient, "/v1/grants/expense-categories").await;
    assert_eq!(res.body["items"][1]["code"], "raw_materials");
    assert_eq!(res.body["items"][1]["labels"]["kk"], "Шикізат пен материалдар");
    let public = c.stack.call(Method::GET, "/v1/grants/expense-categories", None, &[]).await;
    assert_eq!(public.status, StatusCode::OK, "the categories are public");
}

#[tokio::test]
async fn money_accepts_json_integers_only() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    for bad in ["1.5", "1e3", "-100", "0", "9223372036854775808", "\"100\""] {
        let body =
            format!(r#"{{"expenses": [{{"category": "rent", "description": "Аренда", "amount_tiyn": {bad}, "spent_on": "2026-03-01"}}]}}"#);
        let req = http::Request::post(format!("/v1/grants/{grant}/reports"))
            .header("content-type", "application/json")
            .header("authorization", &c.recipient)
            .body(axum::body::Body::from(body))
            .unwrap();
        let res = c.stack.send(req).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", res.body);
        assert_eq!(res.field_errors()[0].0, "expenses.0.amount_tiyn", "{bad}");
    }
}

#[tokio::test]
async fn grt_4_the_ais_messages_survive_an_sqs_outage_and_arrive_once() {
    let c = ctx().await;
    let grant = c.award(1_000_000).await;
    c.stack.queue_down(QueueName::Integration).await;
    let res = c.post(&c.recipient, &format!("/v1/grants/{grant}/refunds"), json!({"amount_tiyn": 100, "reason": "Остаток"})).await;
    assert_eq!(res.status, StatusCode::CREATED, "the refund application stands although the queue is down");
    c.stack.queue_up(QueueName::Integration).await;
    assert!(c.stack.integration_sent().await.is_empty());
    let later = c.stack.now().checked_add(SignedDuration::from_mins(1)).unwrap();
    assert_eq!(c.stack.relay(later).await.unwrap()["sent"], 1);
    assert_eq!(c.stack.relay(later).await.unwrap()["sent"], 0);
    let sent = c.stack.integration_sent().await;
    assert_eq!(sent.len(), 1, "exactly once");
    assert_eq!((sent[0]["type"].as_str(), sent[0]["data"]["refund"]["amount_tiyn"].as_i64()), (Some("grant_refund.applied"), Some(100)));
}
