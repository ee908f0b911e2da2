//! Registration (ACC-1..3, ACC-6), password change (ACS-5), blocking (ACS-9).

use super::support::*;
use enbek_core::domain::{BlockedReason, Role};
use enbek_core::ports::{AccountStore, RateLimiter};
use enbek_core::usecases::accounts::{
    sign_in_key, BlockError, BlockOrder, ChangePasswordError, PasswordChange, RegisterError, Registration, SIGN_IN_LIMIT,
};
use serde_json::json;

fn citizen(login: &str) -> serde_json::Value {
    json!({
        "login": login, "password": "Tulpar-Dala-2026", "role": "citizen",
        "last_name": "Сейтқали", "first_name": "Әйгерім",
        "iin": enbek_testkit::fixtures::iin_text("900315", 4, 1), "agreement_version": AGREEMENT,
    })
}

#[tokio::test]
async fn acc_1_2_3_a_citizen_registers_with_a_normalised_login_and_the_agreement_recorded() {
    let w = World::new();
    let r = Registration::parse(fields(citizen("  Aigerim@Mail.KZ ")), AGREEMENT).unwrap();
    let account = w.accounts().register(r, &origin()).await.unwrap();
    assert_eq!(account.login.as_str(), "aigerim@mail.kz");
    assert_eq!(account.role, Role::Citizen);
    assert_eq!(account.agreement_version.as_deref(), Some(AGREEMENT));
    assert_eq!(account.agreement_accepted_at, Some(w.clock_now()));
    assert_ne!(account.password_hash, "Tulpar-Dala-2026", "only the hash is stored");
    let audit = w.store.audit_entries();
    assert_eq!(audit.last().map(|e| e.action.as_str()), Some("account.registered"));
}

#[tokio::test]
async fn acc_2_a_login_is_unique_whatever_the_phone_format() {
    let w = World::new();
    let mut body = citizen("+7 701 234 56 78");
    w.accounts().register(Registration::parse(fields(body.clone()), AGREEMENT).unwrap(), &origin()).await.unwrap();
    body["login"] = json!("8 (701) 234-56-78");
    let again = w.accounts().register(Registration::parse(fields(body), AGREEMENT).unwrap(), &origin()).await;
    assert!(matches!(again, Err(RegisterError::LoginTaken)));
}

#[test]
fn acc_3_acc_6_every_bad_field_is_reported_at_once() {
    let body = json!({
        "login": "not a login", "password": "short", "role": "security_admin",
        "last_name": "R2D2", "first_name": "", "iin": "123", "agreement_version": "1999-01-01", "colour": "red",
    });
    let e = Registration::parse(fields(body), AGREEMENT).unwrap_err();
    assert_eq!(
        codes(&e),
        pairs(&[
            ("login", "login_invalid"),
            ("password", "password_weak"),
            ("role", "invalid_value"),
            ("last_name", "name_invalid"),
            ("first_name", "required"),
            ("iin", "iin_invalid"),
            ("agreement_version", "agreement_required"),
            ("colour", "unknown_field"),
        ])
    );
}

#[test]
fn an_employer_needs_a_bin_and_company_name_and_no_iin() {
    let body = json!({
        "login": "hr@dala.kz", "password": "Tulpar-Dala-2026", "role": "employer",
        "last_name": "Ахметова", "first_name": "Динара", "iin": enbek_testkit::fixtures::iin_text("900315", 4, 1), "agreement_version": AGREEMENT,
    });
    let e = Registration::parse(fields(body), AGREEMENT).unwrap_err();
    assert_eq!(codes(&e), pairs(&[("bin", "required"), ("company_name", "required"), ("iin", "not_allowed")]));
}

#[test]
fn the_password_may_not_be_the_login() {
    let mut body = citizen("aigerim.tulpar@mail.kz");
    body["password"] = json!("aigerim.tulpar@mail.kz");
    assert_eq!(codes(&Registration::parse(fields(body), AGREEMENT).unwrap_err()), pairs(&[("password", "password_weak")]));
}

#[tokio::test]
async fn acs_5_a_password_change_needs_the_current_password_and_retires_old_tokens() {
    let w = World::new();
    let a = w.account(Role::Citizen, "Old-Password-2026");
    let change = |current: &str, new: &str| {
        PasswordChange::parse(fields(json!({"current_password": current, "new_password": new})), &a.login).unwrap()
    };
    let wrong = w.accounts().change_password(&a, change("Wrong-Password-1", "New-Password-2026"), &origin()).await;
    assert!(matches!(wrong, Err(ChangePasswordError::WrongCurrentPassword)));
    w.accounts().change_password(&a, change("Old-Password-2026", "New-Password-2026"), &origin()).await.unwrap();
    let stored = w.store.get(&a.id).await.unwrap().unwrap();
    assert_eq!(stored.token_version, a.token_version + 1, "tokens of the old version stop working");
    assert!(!stored.must_change_password);
    // `a` is the account as read before the change: its token version is stale.
    let stale = w.accounts().change_password(&a, change("Old-Password-2026", "Newer-Password-2027"), &origin()).await;
    assert!(matches!(stale, Err(ChangePasswordError::Conflict)), "a change from a stale read loses");
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_sign_in_limit() {
    let w = World::new();
    let a = w.account(Role::Citizen, "Old-Password-2026");
    for _ in 0..SIGN_IN_LIMIT.max_events {
        let change =
            PasswordChange::parse(fields(json!({"current_password": "Guess-Password-1", "new_password": "New-Password-2026"})), &a.login)
                .unwrap();
        let _ = w.accounts().change_password(&a, change, &origin()).await;
    }
    let change =
        PasswordChange::parse(fields(json!({"current_password": "Old-Password-2026", "new_password": "New-Password-2026"})), &a.login)
            .unwrap();
    let limited = w.accounts().change_password(&a, change, &origin()).await;
    assert!(matches!(limited, Err(ChangePasswordError::TooManyAttempts(secs)) if secs > 0 && secs <= 900), "{limited:?}");
    assert!(w.store.acquire(&sign_in_key(a.login.as_str()), &SIGN_IN_LIMIT, w.clock_now()).await.unwrap().is_some(), "the login is locked");
}

#[test]
fn the_new_password_passes_the_policy_and_differs_from_the_current_one() {
    let login = enbek_core::domain::Login::parse("a@mail.kz").unwrap();
    let e = PasswordChange::parse(fields(json!({"current_password": "Same-Password-2026", "new_password": "Same-Password-2026"})), &login)
        .unwrap_err();
    assert_eq!(codes(&e), pairs(&[("new_password", "password_reused")]));
    let e = PasswordChange::parse(fields(json!({"current_password": "x", "new_password": "password1234"})), &login).unwrap_err();
    assert_eq!(codes(&e), pairs(&[("new_password", "password_weak")]));
}

#[tokio::test]
async fn acs_9_only_a_security_administrator_blocks_and_never_themselves() {
    let w = World::new();
    let admin = w.account(Role::SecurityAdmin, "p");
    let support = w.account(Role::Support, "p");
    let target = w.account(Role::Citizen, "p");
    let order = || BlockOrder::parse(fields(json!({"reason": "фишинг"})));
    // The caller is checked before the body: a non-administrator learns nothing about it.
    let e = w.accounts().block(&support, &target.id, BlockOrder::parse(fields(json!({}))), &origin()).await;
    assert!(matches!(e, Err(BlockError::Forbidden)));
    assert!(matches!(w.accounts().block(&admin, &admin.id, order(), &origin()).await, Err(BlockError::SelfBlock)));
    assert!(matches!(w.accounts().block(&admin, &enbek_core::ids::new_id(), order(), &origin()).await, Err(BlockError::NotFound)));
    assert!(matches!(w.accounts().block(&admin, "../etc", order(), &origin()).await, Err(BlockError::NotFound)));
    let e = w.accounts().block(&admin, &target.id, BlockOrder::parse(fields(json!({}))), &origin()).await;
    assert!(matches!(e, Err(BlockError::Invalid(_))));

    let blocked = w.accounts().block(&admin, &target.id, order(), &origin()).await.unwrap();
    assert_eq!(blocked.blocked_reason, Some(BlockedReason::Security));
    assert_eq!(blocked.token_version, target.token_version + 1);
    let entry = w.store.audit_entries().into_iter().find(|e| e.action == "account.blocked").unwrap();
    assert_eq!((entry.actor.as_str(), entry.target.as_str()), (admin.id.as_str(), format!("account:{}", target.id).as_str()));
}
