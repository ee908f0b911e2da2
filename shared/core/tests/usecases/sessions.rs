//! Sign-in: one answer for unknown logins and wrong passwords, lock-outs, blocked accounts.

use super::support::*;
use enbek_core::domain::{BlockedReason, Role};
use enbek_core::ports::AccountStore;
use enbek_core::usecases::sessions::{Credentials, SignInError};
use jiff::SignedDuration;
use serde_json::json;

fn creds(login: &str, password: &str) -> Credentials {
    Credentials::parse(fields(json!({"login": login, "password": password}))).unwrap()
}

#[tokio::test]
async fn a_successful_sign_in_records_last_login_at() {
    let w = World::new();
    let a = w.account(Role::Citizen, "Right-Password-1");
    let signed = w.sessions().sign_in(creds(&a.login.as_str().to_uppercase(), "Right-Password-1"), &origin()).await.unwrap();
    assert_eq!(signed.id, a.id, "logins are case-insensitive");
    assert_eq!(w.store.get(&a.id).await.unwrap().unwrap().last_login_at, Some(w.clock_now()));
}

#[tokio::test]
async fn unknown_login_and_wrong_password_get_the_same_answer() {
    let w = World::new();
    let a = w.account(Role::Citizen, "Right-Password-1");
    let wrong = w.sessions().sign_in(creds(a.login.as_str(), "Wrong-Password-1"), &origin()).await;
    let unknown = w.sessions().sign_in(creds("nobody@mail.kz", "Wrong-Password-1"), &origin()).await;
    let garbage = w.sessions().sign_in(creds("not a login", "Wrong-Password-1"), &origin()).await;
    for r in [wrong, unknown, garbage] {
        assert!(matches!(r, Err(SignInError::InvalidCredentials)), "{r:?}");
    }
}

#[tokio::test]
async fn ten_failures_lock_the_login_until_the_window_ends_and_a_success_clears_them() {
    let w = World::new();
    let a = w.account(Role::Citizen, "Right-Password-1");
    for _ in 0..9 {
        let _ = w.sessions().sign_in(creds(a.login.as_str(), "Wrong-Password-1"), &origin()).await;
    }
    w.sessions().sign_in(creds(a.login.as_str(), "Right-Password-1"), &origin()).await.unwrap();
    for _ in 0..10 {
        let _ = w.sessions().sign_in(creds(a.login.as_str(), "Wrong-Password-1"), &origin()).await;
    }
    let locked = w.sessions().sign_in(creds(a.login.as_str(), "Right-Password-1"), &origin()).await;
    let Err(SignInError::TooManyAttempts(secs)) = locked else { panic!("{locked:?}") };
    w.clock.advance(SignedDuration::from_secs(secs as i64));
    w.sessions().sign_in(creds(a.login.as_str(), "Right-Password-1"), &origin()).await.expect("the window has ended");
}

#[tokio::test]
async fn acs_9_a_blocked_account_is_told_why_only_after_the_right_password() {
    let w = World::new();
    let a = w.account(Role::Official, "Right-Password-1");
    w.store
        .block(&a.id, BlockedReason::Inactivity, w.clock_now(), &enbek_testkit::fixtures::audit(w.clock_now(), "system", "x"))
        .await
        .unwrap();
    let wrong = w.sessions().sign_in(creds(a.login.as_str(), "Wrong-Password-1"), &origin()).await;
    assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
    let right = w.sessions().sign_in(creds(a.login.as_str(), "Right-Password-1"), &origin()).await;
    assert!(matches!(right, Err(SignInError::Blocked(BlockedReason::Inactivity))), "{right:?}");
}
