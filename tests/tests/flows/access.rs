//! Access requests (order No. 419, ACS-1..11) end to end against moto: every field of
//! appendix 2, eligibility, the one-year basis at submission and at decision, decisions
//! (grant, change, block, reactivate, refuse) with their effect on sign-in, one login per
//! person, concurrent decisions, the registration journal and its CSV, and the temporary
//! password kept out of storage and logs.

use enbek_core::domain::Role;
use enbek_core::ports::AuditLog as _;
use http::{Method, StatusCode};
use integration::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

/// Monday 23 Nov 2026, 10:00 in Almaty.
const MONDAY_MORNING: &str = "2026-11-23T05:00:00Z";

pub(crate) struct Ctx {
    pub(crate) stack: TestStack,
    pub(crate) admin_id: String,
    pub(crate) admin: String,
}

pub(crate) async fn ctx() -> Ctx {
    let stack = TestStack::new().await;
    stack.clock.set(MONDAY_MORNING.parse().unwrap());
    let (admin_id, admin) = stack.admin_token().await;
    Ctx { stack, admin_id, admin: bearer(&admin) }
}

impl Ctx {
    pub(crate) async fn basis_document(&self) -> String {
        let token = self.admin.trim_start_matches("Bearer ").to_owned();
        self.stack.attach("/v1/access-requests/attachments", Some(&token), "приказ 12-к.pdf", "application/pdf", SMALL_PDF).await
    }

    pub(crate) async fn body(&self, kind: &str, person: &Person) -> Value {
        integration::bodies::access_request(kind, &person.iin, &person.email, &self.basis_document().await)
    }

    pub(crate) async fn submit(&self, body: Value) -> String {
        let res = self.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &self.admin)]).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.body["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn decide(&self, id: &str, body: Value) -> TestResponse {
        self.stack.call(Method::POST, &format!("/v1/access-requests/{id}/decision"), Some(body), &[("authorization", &self.admin)]).await
    }

    /// Submits and approves a request; returns the decision's answer.
    pub(crate) async fn approved(&self, kind: &str, person: &Person) -> Value {
        let id = self.submit(self.body(kind, person).await).await;
        let res = self.decide(&id, json!({"decision": "approve"})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.body
    }
}

pub(crate) struct Person {
    pub(crate) iin: String,
    pub(crate) email: String,
}

pub(crate) fn person(serial: u32) -> Person {
    Person { iin: iin("850704", 3, serial), email: unique_email("erlan.zhumabayev").replace("@mail.kz", "@enbek.gov.kz") }
}

#[tokio::test]
async fn acs_2_every_field_of_appendix_2_is_validated_and_reported_at_once() {
    let c = ctx().await;
    let mut body = c.body("grant", &person(1)).await;
    body["organization"]["bin"] = json!("123456789012");
    body["organization"]["kind"] = json!("private_company");
    body["user"]["iin"] = json!("850704300000");
    body["user"]["mobile_phone"] = json!("555");
    body["user"]["ip_address"] = json!("10.61.4.300");
    body["user"]["email"] = json!("erlan@");
    body["user"]["position"] = json!("");
    body["role"] = json!("citizen");
    body["systems"] = json!([]);
    body["basis"]["approved_on"] = json!("2025-11-22");
    body["letter"]["date"] = json!("2026-12-01");
    body["basis_document_id"] = json!(enbek_core::ids::new_id());
    body["priority"] = json!("high");
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &c.admin)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    res.assert_field_errors(&[
        ("organization.bin", "bin_invalid"),
        ("organization.kind", "organization_not_eligible"),
        ("user.iin", "iin_invalid"),
        ("user.mobile_phone", "phone_invalid"),
        ("user.ip_address", "invalid_value"),
        ("user.email", "email_invalid"),
        ("user.position", "required"),
        ("role", "invalid_value"),
        ("systems", "required"),
        ("basis.approved_on", "basis_expired"),
        ("letter.date", "invalid_value"),
        ("basis_document_id", "attachment_missing"),
        ("priority", "unknown_field"),
    ]);
}

#[tokio::test]
async fn acs_11_only_state_bodies_and_public_institutions_are_eligible() {
    let c = ctx().await;
    let mut body = c.body("grant", &person(2)).await;
    body["organization"]["kind"] = json!("public_institution");
    c.submit(body).await;
    let mut body = c.body("grant", &person(3)).await;
    body["organization"]["kind"] = json!("llp");
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("organization.kind".into(), "organization_not_eligible".into())]);
}

#[tokio::test]
async fn acs_3_the_basis_is_judged_against_the_date_of_application_at_submission_and_at_decision() {
    // Order 419 §23: "approved within one year before the date of application". A request
    // valid when filed stays valid while it waits for the decision (finding 11).
    let c = ctx().await;
    let mut body = c.body("grant", &person(4)).await;
    body["basis"]["approved_on"] = json!("2025-11-23");
    let id = c.submit(body).await;
    // Exactly one year before the request date is still within the year; a month later the
    // decision still judges it against the date the request was received.
    c.stack.clock.advance(SignedDuration::from_hours(24 * 30));
    let res = c.decide(&id, json!({"decision": "approve"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let mut body = c.body("grant", &person(40)).await;
    body["basis"]["approved_on"] = json!("2025-11-22");
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("basis.approved_on".into(), "basis_expired".into())], "a day more than a year");
}

#[tokio::test]
async fn csv_formula_injection_every_trigger_cell_of_the_journal_is_neutralised() {
    // Finding 1: staff-supplied text that a spreadsheet would read as a formula.
    let c = ctx().await;
    let mut body = c.body("grant", &person(41)).await;
    body["letter"]["number"] = json!("=HYPERLINK(\"http://x\")");
    body["organization"]["region"] = json!("+7 (701) 000");
    body["basis"]["number"] = json!("-2+3");
    body["systems"] = json!(["@SUM(A1:A9)"]);
    let id = c.submit(body).await;
    assert_eq!(c.decide(&id, json!({"decision": "approve"})).await.status, StatusCode::OK);
    let res = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &c.admin), ("accept", "text/csv")]).await;
    assert_eq!(res.status, StatusCode::OK);
    let text = String::from_utf8(res.raw.clone()).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = reader.records().next().expect("one row").unwrap();
    let cells: Vec<&str> = row.iter().collect();
    for cell in &cells {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a live formula cell: {cell:?} in {cells:?}");
    }
    assert!(cells.contains(&"'=HYPERLINK(\"http://x\")"), "{cells:?}");
    assert!(cells.contains(&"'+7 (701) 000"));
    assert!(cells.contains(&"'@SUM(A1:A9)"));
    assert!(cells.iter().any(|c| c.contains("№ -2+3")), "inside a cell the text is kept as is: {cells:?}");
}

#[tokio::test]
async fn appendix_2_the_login_is_required_for_change_block_and_reactivate_and_must_be_the_persons() {
    // Finding 12.
    let c = ctx().await;
    let p = person(42);
    c.approved("grant", &p).await;
    let mut body = c.body("change", &p).await;
    body.as_object_mut().unwrap().remove("login");
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("login".into(), "required".into())]);
    let mut body = c.body("block", &p).await;
    body["login"] = json!("someone.else@enbek.gov.kz");
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("login".into(), "login_mismatch".into())]);
    c.submit(c.body("change", &p).await).await;
}

#[tokio::test]
async fn appendix_1_the_administrator_column_is_the_administrators_full_name() {
    // Finding 12: surname, name and middle name (if any), not an ID.
    let c = ctx().await;
    let password = "Admin-Strong-Passw0rd";
    let hash = enbek_core::password::Argon2Hasher::hash_blocking(password).unwrap();
    let mut admin = enbek_testkit::fixtures::account(Role::SecurityAdmin, &hash, c.stack.now());
    admin.last_name = enbek_testkit::fixtures::name("Жұмабаева");
    admin.first_name = enbek_testkit::fixtures::name("Гүлнар");
    admin.middle_name = Some(enbek_testkit::fixtures::name("Асқарқызы"));
    let audit = enbek_testkit::fixtures::audit(c.stack.now(), "system:test", "account.created");
    enbek_core::ports::AccountStore::create(c.stack.accounts.as_ref(), &admin, &[], &audit).await.unwrap();
    let token = bearer(&c.stack.token(admin.login.as_str(), password).await);
    let id = c.submit(c.body("grant", &person(43)).await).await;
    let path = format!("/v1/access-requests/{id}/decision");
    let res = c.stack.call(Method::POST, &path, Some(json!({"decision": "approve"})), &[("authorization", &token)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &token)]).await;
    let rows = res.body["items"].as_array().unwrap();
    assert_eq!(rows.last().unwrap()["administrator"], "Жұмабаева Гүлнар Асқарқызы", "{}", res.body);
}

#[tokio::test]
async fn the_journal_csv_of_a_large_range_is_exported_to_the_bucket_and_answered_with_303() {
    // Finding 8: about 8 000 rows exceed Lambda's 6 MB response; 20 000 rows go to the bucket.
    let c = ctx().await;
    let rows = enbek_testkit::fixtures::journal_rows(20_000, c.stack.now());
    enbek_aws::dynamo::access::bulk_load_journal(&c.stack.table, &rows).await.expect("load 20 000 rows");
    let res = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &c.admin), ("accept", "text/csv")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&res.raw[..res.raw.len().min(300)]));
    let location = res.header("location").expect("a Location").to_owned();
    assert!(location.contains("exports/") && location.contains("X-Amz-Expires=300"), "{location}");
    let (status, body) = http_get(&location).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(text.starts_with('\u{feff}'), "the BOM is kept");
    assert_eq!(text.lines().count(), 20_001, "a header and every row");
    // Finding 14: the export is in the audit trail.
    let audit = enbek_aws::dynamo::DynamoAudit::new(c.stack.table.clone()).by_actor(&c.admin_id, 5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "access_journal.exported"), "{audit:?}");
}

#[tokio::test]
async fn cursors_and_dates_a_cursor_of_another_range_or_a_far_date_is_a_422_never_a_500() {
    // Finding 6: a journal cursor replayed on another range used to reach DynamoDB as a start
    // key outside the query's bounds (500).
    let c = ctx().await;
    for n in 44..47 {
        c.approved("grant", &person(n)).await;
    }
    let get = |q: &str| {
        let path = format!("/v1/access-journal?{q}");
        let auth = c.admin.clone();
        let stack = &c.stack;
        async move { stack.call(Method::GET, &path, None, &[("authorization", &auth)]).await }
    };
    let first = get("limit=1").await;
    let cursor = first.body["next_cursor"].as_str().expect("a cursor").to_owned();
    assert_eq!(get(&format!("limit=1&cursor={cursor}")).await.status, StatusCode::OK);
    for q in [
        format!("from=2026-11-24&to=2026-11-30&cursor={cursor}"),
        format!("to=2026-11-23&cursor={cursor}"),
        format!("limit=1&cursor={}x", &cursor[..cursor.len() - 1]),
        "limit=1&cursor=eyJwayI6IkpPVVJOQUwiLCJzayI6InoifQ".to_owned(),
    ] {
        let res = get(&q).await;
        assert_eq!((res.status, res.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_cursor"), "{q}: {}", res.body);
    }
    for q in ["to=9999-12-31", "from=0001-01-01", "from=2026-13-01"] {
        let res = get(q).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", res.body);
    }
}

#[tokio::test]
async fn acs_12_an_administrators_read_of_a_request_is_audited() {
    // Finding 14.
    let c = ctx().await;
    let id = c.submit(c.body("grant", &person(47)).await).await;
    let res = c.stack.call(Method::GET, &format!("/v1/access-requests/{id}"), None, &[("authorization", &c.admin)]).await;
    assert_eq!(res.status, StatusCode::OK);
    let audit = enbek_aws::dynamo::DynamoAudit::new(c.stack.table.clone()).by_actor(&c.admin_id, 5).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "access_request.read" && e.target == format!("access_request:{id}")), "{audit:?}");
}

#[tokio::test]
async fn acs_5_a_temporary_password_expires_after_72_hours() {
    // Finding 5: then sign-in says so and the person files a repeated application (§29).
    let c = ctx().await;
    let granted = c.approved("grant", &person(48)).await;
    let (login, temporary) = (granted["login"].as_str().unwrap(), granted["temporary_password"].as_str().unwrap());
    c.stack.clock.advance(SignedDuration::from_hours(71));
    assert_eq!(c.stack.sign_in(login, temporary).await.status, StatusCode::OK);
    c.stack.clock.advance(SignedDuration::from_hours(2));
    let res = c.stack.sign_in(login, temporary).await;
    assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "temporary_password_expired"), "{}", res.body);
    assert_eq!(c.stack.sign_in(login, "Wrong-Password-2026").await.code(), "invalid_credentials", "a wrong password says nothing more");
}

#[tokio::test]
async fn acs_4_5_6_grant_issues_a_login_with_a_temporary_password_that_must_be_replaced() {
    // Capture every log line of this test (the runtime is single-threaded) at DEBUG, the most
    // verbose level to run in production: the AWS SDK's TRACE level prints whole HTTP bodies
    // (including this test's own reads of the queue) and is for local debugging only.
    // Every log line of the test binary from here on, at DEBUG (the most verbose level to run
    // in production: the AWS SDK's TRACE level prints whole HTTP bodies and is for local
    // debugging only). A global subscriber: a thread-scoped one misses lines when other tests
    // run in parallel.
    let logs = captured_logs();
    let c = ctx().await;
    let p = person(5);
    let id = c.submit(c.body("grant", &p).await).await;
    let pending = c.stack.call(Method::GET, "/v1/access-requests?status=pending", None, &[("authorization", &c.admin)]).await;
    assert_eq!(pending.body["items"][0]["id"], id.as_str());
    // ACS-4: due in 3 working days: Thursday 26 Nov 18:00 Almaty.
    assert_eq!(
        pending.body["items"][0]["due_at"].as_str().unwrap().parse::<Timestamp>().unwrap(),
        "2026-11-26T13:00:00Z".parse::<Timestamp>().unwrap()
    );

    let decide_with_key = || {
        let (stack, path, admin) = (&c.stack, format!("/v1/access-requests/{id}/decision"), c.admin.clone());
        async move {
            let headers = [("authorization", admin.as_str()), ("idempotency-key", "decision-7f1c")];
            stack.call(Method::POST, &path, Some(json!({"decision": "approve"})), &headers).await
        }
    };
    let res = decide_with_key().await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    // The answer with the password is not kept for replay: a retry runs again and is refused.
    let retry = decide_with_key().await;
    assert_eq!((retry.status, retry.code()), (StatusCode::CONFLICT, "already_decided"));
    let temporary = res.body["temporary_password"].as_str().unwrap().to_owned();
    assert!(temporary.chars().count() >= 16, "ACS-5: at least 16 characters");
    assert_eq!(res.body["login"], p.email.to_lowercase(), "ACC-2: the corporate e-mail, normalised");
    assert_eq!(res.body["journal_number"], 1);
    assert_eq!(res.body["status"], "approved");

    // ACS-4: the answer goes to the corporate e-mail with the login and the password.
    let sent = c.stack.notifications_sent().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["to"], p.email.to_lowercase());
    // The password travels sealed for `notify` (bound to the event): the queue never holds it.
    assert!(!sent[0].to_string().contains(&temporary), "no password in clear in the queue");
    let sealed = sent[0]["data"]["temporary_password_sealed"].as_str().unwrap();
    let opened = enbek_core::seal::mail_sealer(MAIL_SEAL_KEY).open_text(sent[0]["event_id"].as_str().unwrap(), sealed);
    assert_eq!(opened.as_deref(), Some(temporary.as_str()));

    // ACS-5: the temporary password opens only the password change.
    let login = res.body["login"].as_str().unwrap().to_owned();
    let signed = c.stack.sign_in(&login, &temporary).await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.body["must_change_password"], true);
    let token = bearer(signed.body["access_token"].as_str().unwrap());
    let me = c.stack.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &token)]).await;
    assert_eq!((me.status, me.code()), (StatusCode::FORBIDDEN, "password_change_required"));
    let journal = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &c.admin)]).await;
    assert_eq!(journal.body["items"][0]["registration_completed_at"], Value::Null, "not complete before the change");

    c.stack.clock.advance(SignedDuration::from_mins(5));
    let res = c.stack.change_password(&token, &temporary, "Ministry-Desk-2026!").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let token = bearer(&c.stack.token(&login, "Ministry-Desk-2026!").await);
    let me = c.stack.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &token)]).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "official");
    assert_eq!(me.body["systems"], json!(["АИС «Рынок труда»"]));

    // ACS-6: the journal row, completed at the password change (ACS-5).
    let journal = c.stack.call(Method::GET, "/v1/access-journal?from=2026-11-23&to=2026-11-23", None, &[("authorization", &c.admin)]).await;
    assert_eq!(journal.status, StatusCode::OK, "{}", journal.body);
    let row = &journal.body["items"][0];
    assert_eq!(row["number"], 1);
    assert_eq!(row["login"], login.as_str());
    assert_eq!(row["letter_number"], "01-12/345");
    assert_eq!(row["region"], "г. Астана");
    assert_eq!(row["basis"], "приказ о приёме № 12-к от 2026-06-01");
    assert_eq!(row["registration_completed_at"].as_str().unwrap().parse::<Timestamp>().unwrap(), c.stack.now());
    let other_day =
        c.stack.call(Method::GET, "/v1/access-journal?from=2026-11-24&to=2026-11-30", None, &[("authorization", &c.admin)]).await;
    assert_eq!(other_day.body["items"], json!([]));

    let csv = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &c.admin), ("accept", "text/csv")]).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(&csv.raw[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 BOM for Excel");
    let text = String::from_utf8(csv.raw[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("№ п/п / Р/с №,Регион / Өңір,"), "{header}");
    assert!(header.contains("Администратор / Әкімші"));
    let first = lines.next().unwrap();
    assert!(first.starts_with("1,г. Астана,01-12/345,2026-11-20,") && first.contains(&login), "{first}");
    assert_eq!(lines.next(), None);

    // Through the Lambda runtime the CSV stays byte for byte (a text body would lose the BOM).
    let req = http::Request::get("/v1/access-journal")
        .header("authorization", &c.admin)
        .header("accept", "text/csv")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(c.stack.request_access.clone(), req).await.unwrap();
    let lambda = lambda_http::IntoResponse::into_response(res).await;
    match lambda.body() {
        lambda_http::Body::Binary(bytes) => assert_eq!(bytes, &csv.raw, "BOM and all"),
        other => panic!("the CSV went out as {other:?}, not as binary"),
    }

    // Rows cannot be changed or deleted through the API.
    for method in [Method::PUT, Method::PATCH, Method::DELETE, Method::POST] {
        let res = c.stack.call(method, "/v1/access-journal", Some(json!({})), &[("authorization", &c.admin)]).await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    }

    // The temporary password is stored nowhere: not in any item (accounts, journal, audit,
    // outbox, idempotency) and in no log line.
    let scan = c.stack.table.client.scan().table_name(&c.stack.table.name).send().await.unwrap();
    let items = format!("{:?}", scan.items());
    assert!(!items.contains(&temporary), "the temporary password is in the table");
    assert!(items.contains("registration_completed_at"), "the scan did read the journal");
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(logged.contains("access request approved"), "the logs were captured");
    let leaks: Vec<&str> = logged.lines().filter(|l| l.contains(&temporary)).map(|l| &l[..l.len().min(400)]).collect();
    assert!(leaks.is_empty(), "the temporary password is in the logs: {leaks:#?}");
    // ACS-12: the decision is in the audit trail under the administrator, without the password.
    let audit = enbek_aws::dynamo::DynamoAudit::new(c.stack.table.clone()).by_actor(&c.admin_id, 20).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "access_request.approved.grant" && e.target == format!("access_request:{id}")));
}

#[tokio::test]
async fn acs_7_one_login_per_person_and_one_open_request_per_person_and_kind() {
    let c = ctx().await;
    let p = person(6);
    let first = c.submit(c.body("grant", &p).await).await;
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(c.body("grant", &p).await), &[("authorization", &c.admin)]).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "duplicate_request"));

    assert_eq!(c.decide(&first, json!({"decision": "approve"})).await.status, StatusCode::OK);
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(c.body("grant", &p).await), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("user.iin".into(), "person_has_login".into())], "ACS-7");
    // A change for someone without a login cannot be submitted.
    let res =
        c.stack.call(Method::POST, "/v1/access-requests", Some(c.body("change", &person(7)).await), &[("authorization", &c.admin)]).await;
    assert_eq!(res.field_errors(), vec![("user.iin".into(), "account_not_found".into())]);
}

#[tokio::test]
async fn two_concurrent_decisions_on_one_request_make_one_decision() {
    let c = std::sync::Arc::new(ctx().await);
    let id = c.submit(c.body("grant", &person(8)).await).await;
    let (a, b) = tokio::join!(c.decide(&id, json!({"decision": "approve"})), c.decide(&id, json!({"decision": "approve"})));
    let mut statuses = vec![(a.status, a.code().to_owned()), (b.status, b.code().to_owned())];
    statuses.sort();
    assert_eq!(statuses, vec![(StatusCode::OK, String::new()), (StatusCode::CONFLICT, "already_decided".into())]);
    let journal = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", &c.admin)]).await;
    assert_eq!(journal.body["items"].as_array().unwrap().len(), 1, "one journal row");
    let res = c.decide(&id, json!({"decision": "refuse", "reason": "поздно"})).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "already_decided"), "a decision is final");
}

#[tokio::test]
async fn acs_8_9_10_change_block_and_reactivate_cut_and_restore_access() {
    let c = ctx().await;
    let p = person(9);
    let granted = c.approved("grant", &p).await;
    let login = granted["login"].as_str().unwrap().to_owned();
    let temporary = granted["temporary_password"].as_str().unwrap();
    let token = c.stack.token(&login, temporary).await;
    let res = c.stack.change_password(&token, temporary, "Ministry-Desk-2026!").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let token = bearer(&c.stack.token(&login, "Ministry-Desk-2026!").await);
    let me = |t: String| {
        let stack = &c.stack;
        async move { stack.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &t)]).await }
    };
    assert_eq!(me(token.clone()).await.status, StatusCode::OK);

    // ACS-8: a change replaces role, systems and functions; old tokens stop working.
    let mut body = c.body("change", &p).await;
    body["role"] = json!("support");
    body["systems"] = json!(["Портал enbek.kz", "АИС «Рынок труда»"]);
    body["basis"]["kind"] = json!("duties_change");
    let id = c.submit(body).await;
    let res = c.decide(&id, json!({"decision": "approve"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.get("temporary_password").is_none());
    assert_eq!(me(token.clone()).await.status, StatusCode::UNAUTHORIZED, "the token from before the change is dead");
    let token = bearer(&c.stack.token(&login, "Ministry-Desk-2026!").await);
    let profile = me(token.clone()).await;
    assert_eq!(profile.body["role"], "support");
    assert_eq!(profile.body["systems"], json!(["АИС «Рынок труда»", "Портал enbek.kz"]));

    // Block on dismissal: at once, tokens dead, sign-in 423 with the reason.
    let res = c.decide(&c.submit(c.body("block", &p).await).await, json!({"decision": "approve"})).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(me(token).await.status, StatusCode::LOCKED);
    let res = c.stack.sign_in(&login, "Ministry-Desk-2026!").await;
    assert_eq!((res.status, res.body["blocked_reason"].as_str()), (StatusCode::LOCKED, Some("dismissal")));

    // ACS-10: reactivation unblocks with a fresh temporary password (and a journal row).
    let res = c.approved("reactivate", &p).await;
    let fresh = res["temporary_password"].as_str().unwrap();
    assert_ne!(fresh, temporary);
    assert_eq!(res["journal_number"], 2);
    assert_eq!(c.stack.sign_in(&login, "Ministry-Desk-2026!").await.status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let signed = c.stack.sign_in(&login, fresh).await;
    assert_eq!((signed.status, signed.body["must_change_password"].as_bool()), (StatusCode::OK, Some(true)));
}

#[tokio::test]
async fn a_refusal_needs_a_reason_and_queues_it_to_the_corporate_email() {
    let c = ctx().await;
    let p = person(10);
    let id = c.submit(c.body("grant", &p).await).await;
    let res = c.decide(&id, json!({"decision": "refuse"})).await;
    assert_eq!(res.field_errors(), vec![("reason".into(), "required".into())]);
    let res = c.decide(&id, json!({"decision": "maybe", "reason": "x"})).await;
    assert_eq!(res.field_errors(), vec![("decision".into(), "invalid_value".into())]);
    let res = c.decide(&id, json!({"decision": "refuse", "reason": "Нет приказа о приёме в приложении"})).await;
    assert_eq!((res.status, res.body["status"].as_str()), (StatusCode::OK, Some("refused")), "{}", res.body);
    let sent = c.stack.notifications_sent().await;
    assert_eq!(sent[0]["data"]["template"], "access_request_refused");
    assert_eq!(sent[0]["data"]["reason"], "Нет приказа о приёме в приложении");
    assert_eq!(sent[0]["data"]["to"], p.email.to_lowercase());
    // The person can be asked for again once the first request is decided.
    c.submit(c.body("grant", &p).await).await;
    // Pending first, then refused; oldest first within each.
    let list = c.stack.call(Method::GET, "/v1/access-requests", None, &[("authorization", &c.admin)]).await;
    let statuses: Vec<&str> = list.body["items"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["pending", "refused"]);
}

#[tokio::test]
async fn who_may_submit_read_list_and_decide() {
    let c = ctx().await;
    let (_, official) = c.stack.staff_token(Role::Official).await;
    let (_, support) = c.stack.staff_token(Role::Support).await;
    let (official, support) = (bearer(&official), bearer(&support));
    let login = unique_email("citizen");
    c.stack.register_citizen(&login, "Tulpar-Dala-2026").await;
    let citizen = bearer(&c.stack.token(&login, "Tulpar-Dala-2026").await);

    // Any staff role submits (with its own upload); citizens do not.
    let document = c
        .stack
        .attach("/v1/access-requests/attachments", Some(official.trim_start_matches("Bearer ")), "order.pdf", "application/pdf", SMALL_PDF)
        .await;
    let mut body = c.body("grant", &person(11)).await;
    body["basis_document_id"] = json!(document);
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body.clone()), &[("authorization", &official)]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let path = format!("/v1/access-requests/{}", res.body["id"].as_str().unwrap());
    let res = c.stack.call(Method::POST, "/v1/access-requests", Some(body), &[("authorization", &citizen)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    assert_eq!(c.stack.call(Method::GET, &path, None, &[("authorization", &official)]).await.status, StatusCode::OK, "its submitter");
    assert_eq!(c.stack.call(Method::GET, &path, None, &[("authorization", &c.admin)]).await.status, StatusCode::OK);
    assert_eq!(c.stack.call(Method::GET, &path, None, &[("authorization", &support)]).await.status, StatusCode::FORBIDDEN);
    for token in [&official, &support] {
        let res = c.stack.call(Method::GET, "/v1/access-requests", None, &[("authorization", token)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = c
            .stack
            .call(Method::POST, &format!("{path}/decision"), Some(json!({"decision": "approve"})), &[("authorization", token)])
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = c.stack.call(Method::GET, "/v1/access-journal", None, &[("authorization", token)]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn when_sqs_is_down_the_answer_still_arrives_later_without_the_password() {
    let c = ctx().await;
    c.stack.queue_down(QueueName::Notifications).await;
    let granted = c.approved("grant", &person(12)).await;
    assert!(granted["temporary_password"].is_string(), "the administrator still gets the password");

    c.stack.queue_up(QueueName::Notifications).await;
    assert!(c.stack.notifications_sent().await.is_empty(), "nothing was sent while the queue was down");
    let later = c.stack.now().checked_add(SignedDuration::from_mins(1)).unwrap();
    let report = c.stack.relay(later).await.unwrap();
    assert_eq!(report["sent"], 1);
    let sent = c.stack.notifications_sent().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["login"], granted["login"]);
    assert_eq!(sent[0]["data"]["temporary_password_sent"], false, "the stored answer never held the password");
    assert!(sent[0]["data"].get("temporary_password").is_none());
}
