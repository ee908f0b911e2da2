//! Access requests (order No. 419): appendix 2, eligibility, the basis, decisions per kind,
//! the registration journal, temporary passwords that never reach storage.

use super::support::*;
use enbek_core::attachments::object_key;
use enbek_core::domain::{AccountStatus, BlockedReason, RequestKind, RequestStatus, Role};
use enbek_core::ports::AttachmentStore;
use enbek_core::usecases::access::{AccessError, DecisionForm, SCOPE};
use enbek_testkit::fixtures::{self, SMALL_PDF};
use jiff::SignedDuration;
use serde_json::{json, Value};

/// A basis document uploaded as declared; returns its ID.
async fn document(w: &World) -> String {
    let record = fixtures::attachment(SCOPE, SMALL_PDF.len() as u64, w.clock_now());
    w.store.declare(&record).await.unwrap();
    w.files.put_upload(&object_key(SCOPE, &record.id), "application/pdf", SMALL_PDF);
    record.id
}

pub(crate) async fn body(w: &World, kind: &str, person: u32) -> Value {
    let mut body = json!({
        "kind": kind,
        "organization": {"name": "Еңбек министрлігі", "bin": fixtures::bin_text(3), "kind": "state_body", "region": "Астана"},
        "user": {"last_name": "Жақсыбеков", "first_name": "Ерлан", "iin": fixtures::iin_text("850704", 3, person),
                 "position": "маман", "department": "IT", "office_number": "305", "mobile_phone": "+7 701 234 56 78",
                 "ip_address": "10.61.4.30", "email": format!("erlan{person}@enbek.gov.kz")},
        "role": "center_staff", "systems": ["АИС Рынок труда"], "functions": ["просмотр"],
        "basis": {"kind": "hiring", "number": "12-к", "approved_on": "2026-11-02"},
        "basis_document_id": document(w).await,
        "letter": {"number": "01-12/345", "date": "2026-11-20"},
    });
    // Appendix 2: the person's existing login, for every kind but a grant.
    if kind != "grant" {
        body["login"] = json!(format!("erlan{person}@enbek.gov.kz"));
    }
    body
}

pub(crate) fn decide(v: Value) -> Result<DecisionForm, enbek_core::input::Invalid> {
    DecisionForm::parse(fields(v))
}

#[tokio::test]
async fn acs_11_acs_2_every_field_and_the_organization_kind_are_checked_at_once() {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let mut b = body(&w, "grant", 1).await;
    b["organization"]["kind"] = json!("private_company");
    b["user"]["ip_address"] = json!("10.61.4.300");
    b["basis"]["approved_on"] = json!("2025-11-22");
    b["basis_document_id"] = json!(enbek_core::ids::new_id());
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(b), &origin()).await else { panic!() };
    assert_eq!(
        codes(&e),
        pairs(&[
            ("organization.kind", "organization_not_eligible"),
            ("user.ip_address", "invalid_value"),
            ("basis.approved_on", "basis_expired"),
            ("basis_document_id", "attachment_missing"),
        ])
    );
    let citizen = w.account(Role::Citizen, "p");
    assert!(matches!(w.access().submit(&citizen, fields(json!({})), &origin()).await, Err(AccessError::Forbidden)));
}

#[tokio::test]
async fn acs_1_4_5_6_a_grant_issues_a_login_and_a_temporary_password_kept_nowhere() {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let request = w.access().submit(&staff, fields(body(&w, "grant", 2).await), &origin()).await.unwrap();
    assert_eq!(request.due_at, "2026-11-26T13:00:00Z".parse().unwrap(), "ACS-4: 3 working days");
    let refuse_without_reason = decide(json!({"decision": "refuse"}));
    assert!(refuse_without_reason.is_err());

    let decided = w.access().decide(&admin, &request.id, decide(json!({"decision": "approve"})), &origin()).await.unwrap();
    let password = decided.temporary_password.clone().expect("shown once");
    let account = w.stored(decided.account_id.as_deref().unwrap()).await;
    assert_eq!(account.login.as_str(), "erlan2@enbek.gov.kz", "the corporate e-mail is the login");
    assert!(account.must_change_password, "ACS-5");
    assert_eq!(account.role, Role::CenterStaff);
    let rows = w.store.journal_rows();
    assert_eq!(rows.len(), 1, "ACS-6: one journal row");
    assert_eq!(rows[0].number, 1);

    // The live answer carries the password, sealed for `notify`; nothing stored does.
    let sent = w.notifications.sent();
    assert!(!sent[0].to_string().contains(&password), "sealed, never in clear in the queue");
    let sealed = sent[0]["data"]["temporary_password_sealed"].as_str().unwrap();
    let opened = enbek_core::seal::mail_sealer(super::support::MAIL_SEAL_KEY).open_text(sent[0]["event_id"].as_str().unwrap(), sealed);
    assert_eq!(opened.as_deref(), Some(password.as_str()));
    let stored = serde_json::to_string(&(w.store.audit_entries(), w.store.journal_rows(), w.store.outbox_messages(), account)).unwrap();
    assert!(!stored.contains(&password), "the temporary password is in no stored record");

    assert!(matches!(
        w.access().decide(&admin, &request.id, decide(json!({"decision": "refuse", "reason": "x"})), &origin()).await,
        Err(AccessError::AlreadyDecided)
    ));
}

#[tokio::test]
async fn acs_7_one_login_per_person_and_one_open_request_per_person_and_kind() {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let first = w.access().submit(&staff, fields(body(&w, "grant", 3).await), &origin()).await.unwrap();
    let duplicate = w.access().submit(&staff, fields(body(&w, "grant", 3).await), &origin()).await;
    assert!(matches!(duplicate, Err(AccessError::DuplicateRequest)));
    w.access().decide(&admin, &first.id, decide(json!({"decision": "approve"})), &origin()).await.unwrap();
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(body(&w, "grant", 3).await), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("user.iin", "person_has_login")]));
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(body(&w, "block", 4).await), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("user.iin", "account_not_found")]));
}

#[tokio::test]
async fn acs_8_9_10_change_block_and_reactivate_bump_the_token_version() {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let approve = || decide(json!({"decision": "approve"}));
    let grant = w.access().submit(&staff, fields(body(&w, "grant", 5).await), &origin()).await.unwrap();
    let id = w.access().decide(&admin, &grant.id, approve(), &origin()).await.unwrap().account_id.unwrap();
    let v0 = w.stored(&id).await.token_version;

    let mut change = body(&w, "change", 5).await;
    change["role"] = json!("official");
    let change = w.access().submit(&staff, fields(change), &origin()).await.unwrap();
    w.access().decide(&admin, &change.id, approve(), &origin()).await.unwrap();
    let a = w.stored(&id).await;
    assert_eq!((a.role, a.token_version), (Role::Official, v0 + 1));

    let mut block = body(&w, "block", 5).await;
    block["basis"]["kind"] = json!("dismissal");
    let block = w.access().submit(&staff, fields(block), &origin()).await.unwrap();
    w.access().decide(&admin, &block.id, approve(), &origin()).await.unwrap();
    let a = w.stored(&id).await;
    assert_eq!((a.status, a.blocked_reason), (AccountStatus::Blocked, Some(BlockedReason::Dismissal)));

    let reactivate = w.access().submit(&staff, fields(body(&w, "reactivate", 5).await), &origin()).await.unwrap();
    let decided = w.access().decide(&admin, &reactivate.id, approve(), &origin()).await.unwrap();
    assert!(decided.temporary_password.is_some(), "ACS-10: a fresh temporary password");
    let a = w.stored(&id).await;
    assert_eq!((a.status, a.must_change_password, a.token_version), (AccountStatus::Active, true, v0 + 3));
    assert_eq!(w.store.journal_rows().len(), 2, "grant and reactivation each write a journal row");
}

#[tokio::test]
async fn acs_3_the_basis_is_judged_against_the_date_of_application_not_of_the_decision() {
    // Order 419 §23: "approved within one year before the date of application".
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let mut b = body(&w, "grant", 6).await;
    b["basis"]["approved_on"] = json!("2025-11-23");
    let request = w.access().submit(&staff, fields(b), &origin()).await.expect("exactly a year before the application");
    w.clock.advance(SignedDuration::from_hours(24 * 30));
    let decided = w.access().decide(&admin, &request.id, decide(json!({"decision": "approve"})), &origin()).await.unwrap();
    assert_eq!(decided.request.status, RequestStatus::Approved, "a request valid when filed does not expire while it waits");
    let _ = RequestKind::Grant;
}

#[tokio::test]
async fn appendix_2_a_login_given_must_be_the_persons_and_change_needs_one() {
    let w = World::new();
    let staff = w.account(Role::CenterStaff, "p");
    let admin = w.account(Role::SecurityAdmin, "p");
    let grant = w.access().submit(&staff, fields(body(&w, "grant", 7).await), &origin()).await.unwrap();
    w.access().decide(&admin, &grant.id, decide(json!({"decision": "approve"})), &origin()).await.unwrap();
    let mut b = body(&w, "change", 7).await;
    b.as_object_mut().unwrap().remove("login");
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(b), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("login", "required")]));
    let mut b = body(&w, "change", 7).await;
    b["login"] = json!("other@enbek.gov.kz");
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(b), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("login", "login_mismatch")]));
    let mut b = body(&w, "grant", 8).await;
    b["login"] = json!("not-the-corporate@enbek.gov.kz");
    let Err(AccessError::Invalid(e)) = w.access().submit(&staff, fields(b), &origin()).await else { panic!() };
    assert_eq!(codes(&e), pairs(&[("login", "invalid_value")]), "a grant's login is the corporate e-mail");
}
