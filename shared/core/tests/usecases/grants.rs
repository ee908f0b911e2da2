//! Grants (GRT-1..4): the award record, reports with every field checked, the money invariant,
//! decisions, refunds, who may see what, and what goes to AIS "Labor Market".

use super::support::*;
use enbek_core::attachments::{object_key, parse_declaration};
use enbek_core::domain::{Account, Grant, RefundStatus, ReportStatus, Role};
use enbek_core::input::Fields;
use enbek_core::usecases::grants::{attachment_scope, GrantError, GrantQuery, RefundDecisionForm, RefundForm, ReportDecisionForm};
use enbek_testkit::fixtures::{self, SMALL_PDF};
use serde_json::{json, Value};

/// A world with a center staff member, a recipient (a citizen) and a grant of 1 000 000 tenge
/// for 2026 awarded to them.
struct Setup {
    w: World,
    staff: Account,
    recipient: Account,
    grant: Grant,
}

async fn setup() -> Setup {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let recipient = w.account(Role::Citizen, "p");
    let iin = recipient.iin.clone().unwrap();
    let grant = w.grants().award(&staff, fields(award_body(iin.as_str(), 100_000_000)), &origin()).await.expect("award");
    Setup { w, staff, recipient, grant }
}

fn award_body(iin: &str, amount: i64) -> Value {
    json!({
        "recipient_iin": iin, "contract_number": "ГР-2026/17", "contract_date": "2026-01-15",
        "amount_tiyn": amount, "purpose": "Открытие швейного цеха",
        "period_start": "2026-01-15", "period_end": "2026-12-31",
    })
}

fn expense(amount: Value) -> Value {
    json!({"category": "equipment", "description": "Швейная машина", "amount_tiyn": amount, "spent_on": "2026-03-01"})
}

fn report(expenses: Vec<Value>) -> Fields {
    fields(json!({ "expenses": expenses }))
}

#[tokio::test]
async fn grt_1_center_staff_record_an_award_for_a_citizens_iin() {
    let s = setup().await;
    assert_eq!(
        (s.grant.amount_tiyn, s.grant.available_tiyn, s.grant.recipient_id.as_str()),
        (100_000_000, 100_000_000, s.recipient.id.as_str())
    );
    // Another role may not; an unknown IIN and bad fields are reported at once.
    let e = s.w.grants().award(&s.recipient, fields(award_body("900315400017", 1)), &origin()).await;
    assert!(matches!(e, Err(GrantError::Forbidden)));
    let mut body = award_body(&fixtures::iin_text("770707", 3, 9), 500_000_001);
    body["period_end"] = json!("2026-01-01");
    body["contract_date"] = json!("2027-01-01");
    let Err(GrantError::Invalid(e)) = s.w.grants().award(&s.staff, fields(body), &origin()).await else { panic!() };
    assert_eq!(
        codes(&e),
        pairs(&[
            ("recipient_iin", "recipient_unknown"),
            ("amount_tiyn", "invalid_value"),
            ("period_end", "invalid_value"),
            ("contract_date", "invalid_value")
        ])
    );
}

#[tokio::test]
async fn grt_2_a_report_with_every_bad_field_is_refused_with_per_item_paths() {
    let s = setup().await;
    let bad = vec![
        expense(json!(1.5)),
        json!({"category": "gold", "description": "", "amount_tiyn": "100", "spent_on": "2025-12-31", "supplier_bin": "123456789012"}),
        expense(json!(-5)),
        expense(json!(1e3)),
        json!({"category": "rent", "description": "Аренда", "amount_tiyn": 10, "spent_on": "2026-12-31"}),
        expense(serde_json::from_str::<Value>("123456789012345678901234567890").unwrap()),
    ];
    let Err(GrantError::Invalid(e)) = s.w.grants().submit_report(&s.recipient, &s.grant.id, report(bad), &origin()).await else { panic!() };
    assert_eq!(
        codes(&e),
        pairs(&[
            ("expenses.0.amount_tiyn", "invalid_value"),
            ("expenses.1.category", "invalid_value"),
            ("expenses.1.description", "required"),
            ("expenses.1.amount_tiyn", "invalid_type"),
            ("expenses.1.spent_on", "out_of_period"),
            ("expenses.1.supplier_bin", "bin_invalid"),
            ("expenses.2.amount_tiyn", "invalid_value"),
            ("expenses.3.amount_tiyn", "invalid_value"),
            ("expenses.4.spent_on", "out_of_period"),
            ("expenses.5.amount_tiyn", "invalid_value"),
        ]),
        "floats, exponents, negatives and numbers beyond i64 are refused; dates outside the period or in the future too"
    );
    let Err(GrantError::Invalid(e)) = s.w.grants().submit_report(&s.recipient, &s.grant.id, report(vec![]), &origin()).await else {
        panic!()
    };
    assert_eq!(codes(&e), pairs(&[("expenses", "required")]));
    let many: Vec<Value> = (0..201).map(|_| expense(json!(1))).collect();
    let Err(GrantError::Invalid(e)) = s.w.grants().submit_report(&s.recipient, &s.grant.id, report(many), &origin()).await else {
        panic!()
    };
    assert_eq!(codes(&e), pairs(&[("expenses", "too_many")]));
}

#[tokio::test]
async fn grt_2_supporting_documents_belong_to_the_grant_are_checked_in_the_bucket_and_cited_once() {
    let s = setup().await;
    // An expense above 100 000 tenge needs a document (configuration).
    let g = enbek_core::usecases::grants::Grants { attachment_required_above_tiyn: Some(10_000_000), ..s.w.grants() };
    let declare =
        |size: usize| parse_declaration(fields(json!({"file_name": "чек.pdf", "content_type": "application/pdf", "size_bytes": size})));
    let good = g.declare_attachment(&s.recipient, &s.grant.id, declare(SMALL_PDF.len())).await.unwrap();
    s.w.files.put_upload(&object_key(&attachment_scope(&s.grant.id), &good.attachment_id), "application/pdf", SMALL_PDF);
    let fake = g.declare_attachment(&s.recipient, &s.grant.id, declare(8)).await.unwrap();
    s.w.files.put_upload(&object_key(&attachment_scope(&s.grant.id), &fake.attachment_id), "application/pdf", b"MZ\x90\x00exe!");
    let never = g.declare_attachment(&s.recipient, &s.grant.id, declare(9)).await.unwrap();
    // A document of another grant of the same recipient does not belong to this one.
    let other = g.award(&s.staff, fields(award_body(s.recipient.iin.as_ref().unwrap().as_str(), 5_000)), &origin()).await.unwrap();
    let foreign = g.declare_attachment(&s.recipient, &other.id, declare(SMALL_PDF.len())).await.unwrap();
    s.w.files.put_upload(&object_key(&attachment_scope(&other.id), &foreign.attachment_id), "application/pdf", SMALL_PDF);

    let mut e1 = expense(json!(20_000_000));
    e1["attachment_ids"] = json!([good.attachment_id, fake.attachment_id]);
    let mut e2 = expense(json!(300));
    e2["attachment_ids"] = json!([never.attachment_id, foreign.attachment_id, good.attachment_id]);
    let e3 = expense(json!(15_000_000));
    let Err(GrantError::Invalid(e)) = g.submit_report(&s.recipient, &s.grant.id, report(vec![e1, e2, e3]), &origin()).await else {
        panic!()
    };
    assert_eq!(
        codes(&e),
        pairs(&[
            ("expenses.0.attachment_ids.1", "attachment_invalid"),
            ("expenses.1.attachment_ids.0", "attachment_missing"),
            ("expenses.1.attachment_ids.1", "attachment_missing"),
            ("expenses.1.attachment_ids.2", "invalid_value"),
            ("expenses.2.attachment_ids", "attachment_required"),
        ])
    );
    let mut e1 = expense(json!(20_000_000));
    e1["attachment_ids"] = json!([good.attachment_id]);
    let submitted = g.submit_report(&s.recipient, &s.grant.id, report(vec![e1.clone()]), &origin()).await.unwrap();
    assert_eq!(submitted.expenses[0].attachments[0].version_id.as_deref(), Some("v1"), "the version checked is pinned");
    let Err(GrantError::Invalid(e)) = g.submit_report(&s.recipient, &s.grant.id, report(vec![e1]), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("expenses.0.attachment_ids.0", "attachment_missing")]), "cited once");
    // Downloads: the recipient and center staff, of the pinned version.
    s.w.files.put_upload(&object_key(&attachment_scope(&s.grant.id), &good.attachment_id), "application/pdf", b"%PDF-replaced");
    let url = g.attachment_url(&s.staff, &s.grant.id, &good.attachment_id, &origin()).await.unwrap();
    assert!(url.contains("version=v1"), "{url}");
    let stranger = s.w.account(Role::Citizen, "p");
    assert!(matches!(g.attachment_url(&stranger, &s.grant.id, &good.attachment_id, &origin()).await, Err(GrantError::NotFound)));
}

#[tokio::test]
async fn the_money_invariant_reports_never_exceed_the_grant_and_a_returned_report_releases_its_amount() {
    let s = setup().await;
    let g = s.w.grants();
    let first = g
        .submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(60_000_000)), expense(json!(30_000_000))]), &origin())
        .await
        .unwrap();
    assert_eq!(first.total_tiyn, 90_000_000);
    let over = g.submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(10_000_001))]), &origin()).await;
    assert!(matches!(over, Err(GrantError::Exceeded)), "{over:?}");
    let read = g.read(&s.recipient, &s.grant.id).await.unwrap();
    assert_eq!((read.spent_tiyn, read.available_tiyn), (90_000_000, 10_000_000));

    // Returned with a comment (required): the amount is released; a corrected report fits.
    assert!(ReportDecisionForm::parse(fields(json!({"decision": "returned"}))).is_err(), "a comment is required to return");
    let returned = g
        .decide_report(
            &s.staff,
            &s.grant.id,
            &first.id,
            ReportDecisionForm::parse(fields(json!({"decision": "returned", "comment": "Нет чеков"}))),
            &origin(),
        )
        .await
        .unwrap();
    assert_eq!(returned.status, ReportStatus::Returned);
    assert!(matches!(
        g.decide_report(&s.staff, &s.grant.id, &first.id, ReportDecisionForm::parse(fields(json!({"decision": "accepted"}))), &origin())
            .await,
        Err(GrantError::AlreadyDecided)
    ));
    let corrected = g.submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(100_000_000))]), &origin()).await.unwrap();
    g.decide_report(&s.staff, &s.grant.id, &corrected.id, ReportDecisionForm::parse(fields(json!({"decision": "accepted"}))), &origin())
        .await
        .unwrap();
    let read = g.read(&s.staff, &s.grant.id).await.unwrap();
    assert_eq!((read.spent_tiyn, read.available_tiyn), (100_000_000, 0));
    let reports = g.reports(&s.recipient, &s.grant.id, Ok(Default::default())).await.unwrap();
    assert_eq!(reports.items.iter().map(|r| r.status).collect::<Vec<_>>(), vec![ReportStatus::Returned, ReportStatus::Accepted]);
}

#[tokio::test]
async fn grt_3_a_refund_never_exceeds_what_is_unspent() {
    let s = setup().await;
    let g = s.w.grants();
    g.submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(70_000_000))]), &origin()).await.unwrap();
    let form = |amount: i64| RefundForm::parse(fields(json!({"amount_tiyn": amount, "reason": "Проект закрыт"})));
    assert!(matches!(g.apply_refund(&s.recipient, &s.grant.id, form(30_000_001), &origin()).await, Err(GrantError::Exceeded)));
    let a = g.apply_refund(&s.recipient, &s.grant.id, form(20_000_000), &origin()).await.unwrap();
    let b = g.apply_refund(&s.recipient, &s.grant.id, form(20_000_000), &origin()).await.unwrap();
    let confirm = || RefundDecisionForm::parse(fields(json!({"decision": "confirmed"})));
    let done = g.decide_refund(&s.staff, &s.grant.id, &a.id, confirm(), &origin()).await.unwrap();
    assert_eq!(done.status, RefundStatus::Confirmed);
    assert!(
        matches!(g.decide_refund(&s.staff, &s.grant.id, &b.id, confirm(), &origin()).await, Err(GrantError::Exceeded)),
        "only 10 000 000 left"
    );
    let read = g.read(&s.recipient, &s.grant.id).await.unwrap();
    assert_eq!((read.refunded_tiyn, read.available_tiyn), (20_000_000, 10_000_000));
    let rejected = g
        .decide_refund(
            &s.staff,
            &s.grant.id,
            &b.id,
            RefundDecisionForm::parse(fields(json!({"decision": "rejected", "comment": "Сумма больше остатка"}))),
            &origin(),
        )
        .await
        .unwrap();
    assert_eq!(rejected.status, RefundStatus::Rejected);
    assert!(matches!(g.decide_refund(&s.staff, &s.grant.id, &a.id, confirm(), &origin()).await, Err(GrantError::AlreadyDecided)));
}

#[tokio::test]
async fn only_the_recipient_and_center_staff_see_a_grant_and_only_the_recipient_reports() {
    let s = setup().await;
    let g = s.w.grants();
    let stranger = s.w.account(Role::Citizen, "p");
    let employer = s.w.account(Role::Employer, "p");
    for who in [&stranger, &employer] {
        assert!(matches!(g.read(who, &s.grant.id).await, Err(GrantError::NotFound)), "not even told it exists");
        assert!(matches!(g.submit_report(who, &s.grant.id, report(vec![expense(json!(1))]), &origin()).await, Err(GrantError::NotFound)));
    }
    assert!(matches!(g.submit_report(&s.staff, &s.grant.id, report(vec![expense(json!(1))]), &origin()).await, Err(GrantError::Forbidden)));
    let r = g.submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(1))]), &origin()).await.unwrap();
    let accept = || ReportDecisionForm::parse(fields(json!({"decision": "accepted"})));
    assert!(matches!(g.decide_report(&s.recipient, &s.grant.id, &r.id, accept(), &origin()).await, Err(GrantError::Forbidden)));
    assert!(matches!(g.read(&s.recipient, "../GRANTS").await, Err(GrantError::NotFound)));
    let own = g.list(&s.recipient, GrantQuery::parse(Fields::from_query(Some("recipient=me")).unwrap())).await.unwrap();
    assert_eq!(own.items.len(), 1);
    assert!(g.list(&stranger, GrantQuery::parse(Fields::from_query(None).unwrap())).await.unwrap().items.is_empty());
    assert_eq!(g.list(&s.staff, GrantQuery::parse(Fields::from_query(None).unwrap())).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn grt_4_every_report_decision_and_refund_goes_to_ais_and_the_recipient_hears_of_decisions() {
    let s = setup().await;
    let g = s.w.grants();
    let r = g.submit_report(&s.recipient, &s.grant.id, report(vec![expense(json!(5_000))]), &origin()).await.unwrap();
    g.decide_report(&s.staff, &s.grant.id, &r.id, ReportDecisionForm::parse(fields(json!({"decision": "accepted"}))), &origin())
        .await
        .unwrap();
    let refund = g
        .apply_refund(&s.recipient, &s.grant.id, RefundForm::parse(fields(json!({"amount_tiyn": 100, "reason": "Остаток"}))), &origin())
        .await
        .unwrap();
    g.decide_refund(&s.staff, &s.grant.id, &refund.id, RefundDecisionForm::parse(fields(json!({"decision": "confirmed"}))), &origin())
        .await
        .unwrap();
    let types: Vec<String> = s.w.integration.sent().iter().map(|m| m["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, vec!["grant_report.submitted", "grant_report.decided", "grant_refund.applied", "grant_refund.decided"]);
    assert!(s.w.integration.sent().iter().all(|m| m["data"]["grant"]["id"] == s.grant.id.as_str()));
    let mail = s.w.notifications.sent();
    assert_eq!(mail.len(), 1);
    assert_eq!(
        (mail[0]["data"]["template"].as_str(), mail[0]["data"]["to"].as_str()),
        (Some("grant_report_decided"), Some(s.recipient.login.as_str()))
    );
    let audit: Vec<String> = s.w.store.audit_entries().iter().map(|e| e.action.clone()).collect();
    for action in ["grant.awarded", "grant_report.submitted", "grant_report.decided", "grant_refund.applied", "grant_refund.decided"] {
        assert!(audit.iter().any(|a| a == action), "{action} audited");
    }
}
