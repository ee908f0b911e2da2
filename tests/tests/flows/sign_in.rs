//! Sign-in and tokens (sign-in, and verification in every other function), against moto.

use base64::Engine;
use enbek_core::audit::AuditEntry;
use enbek_core::domain::BlockedReason;
use enbek_core::ports::AccountStore;
use http::{Method, StatusCode};
use integration::*;
use jiff::SignedDuration;
use serde_json::json;

const PASSWORD: &str = "Tulpar-Dala-2026";

async fn me(s: &TestStack, token: &str) -> TestResponse {
    s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &bearer(token))]).await
}

#[tokio::test]
async fn sign_in_returns_a_bearer_token_and_records_last_login_at() {
    let s = TestStack::new().await;
    let login = unique_email("signin");
    s.register_citizen(&login, PASSWORD).await;
    let res = s.sign_in(&login.to_uppercase(), PASSWORD).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body["token_type"], "Bearer");
    assert_eq!(res.body["must_change_password"], false);
    let ttl = res.body["expires_in"].as_u64().unwrap();
    assert!(ttl > 0 && ttl <= 900, "exp ≤ 15 min");
    let profile = me(&s, res.body["access_token"].as_str().unwrap()).await;
    assert_eq!(profile.body["last_login_at"], serde_json::to_value(s.now()).unwrap());
}

#[tokio::test]
async fn unknown_login_and_wrong_password_get_the_same_answer() {
    let s = TestStack::new().await;
    let login = unique_email("enum");
    s.register_citizen(&login, PASSWORD).await;
    let wrong = s.sign_in(&login, "Not-The-Password-1").await;
    let unknown = s.sign_in(&unique_email("nobody"), "Not-The-Password-1").await;
    let garbage = s.sign_in("not a login at all", "Not-The-Password-1").await;
    for res in [&wrong, &unknown, &garbage] {
        assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    }
    assert_eq!(wrong.body, unknown.body);
    let missing = s.call(Method::POST, "/v1/sessions", Some(json!({"login": login})), &[]).await;
    assert_eq!(missing.field_errors(), vec![("password".to_owned(), "required".to_owned())]);
}

#[tokio::test]
async fn ten_failures_lock_the_login_for_fifteen_minutes_then_it_opens_again() {
    let s = TestStack::new().await;
    let login = unique_email("lock");
    s.register_citizen(&login, PASSWORD).await;
    for i in 0..10 {
        let res = s.sign_in(&login, "Wrong-Password-00").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        s.clock.advance(SignedDuration::from_secs(30));
    }
    // Locked: even the right password is refused, with Retry-After.
    let res = s.sign_in(&login, PASSWORD).await;
    assert_eq!((res.status, res.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(retry, 15 * 60 - 10 * 30, "the window opened at the first failure");
    // The lock is per login: another account is unaffected.
    let other = unique_email("other");
    s.register_citizen(&other, PASSWORD).await;
    assert_eq!(s.sign_in(&other, PASSWORD).await.status, StatusCode::OK);

    s.clock.advance(SignedDuration::from_secs(retry - 1));
    assert_eq!(s.sign_in(&login, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    s.clock.advance(SignedDuration::from_secs(2));
    assert_eq!(s.sign_in(&login, PASSWORD).await.status, StatusCode::OK, "the window has passed");
}

#[tokio::test]
async fn failures_spread_beyond_the_window_do_not_lock() {
    let s = TestStack::new().await;
    let login = unique_email("spread");
    s.register_citizen(&login, PASSWORD).await;
    for _ in 0..9 {
        s.sign_in(&login, "Wrong-Password-00").await;
    }
    s.clock.advance(SignedDuration::from_mins(16));
    for _ in 0..9 {
        assert_eq!(s.sign_in(&login, "Wrong-Password-00").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(s.sign_in(&login, PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_blocked_account_gets_423_with_its_reason_acs_9() {
    let s = TestStack::new().await;
    for reason in [BlockedReason::Inactivity, BlockedReason::Security] {
        let login = unique_email(reason.as_str());
        let id = s.register_citizen(&login, PASSWORD).await;
        let audit = AuditEntry::new(s.now(), "system:test", "account.blocked", format!("account:{id}"), &enbek_core::audit::Origin::test());
        s.accounts.block(&id, reason, s.now(), &audit).await.unwrap();
        let res = s.sign_in(&login, PASSWORD).await;
        assert_eq!((res.status, res.code()), (StatusCode::LOCKED, "account_blocked"));
        assert_eq!(res.body["blocked_reason"], reason.as_str());
        // The wrong password still gets 401: blocking does not reveal that the login exists.
        assert_eq!(s.sign_in(&login, "Wrong-Password-00").await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn tampered_forged_expired_and_misaddressed_tokens_are_refused() {
    let s = TestStack::new().await;
    let login = unique_email("tokens");
    s.register_citizen(&login, PASSWORD).await;
    let good = s.token(&login, PASSWORD).await;
    assert_eq!(me(&s, &good).await.status, StatusCode::OK);

    let account = s.accounts.find_by_login(&enbek_core::domain::Login::parse(&login).unwrap()).await.unwrap().unwrap();
    let issuer = issuer();
    let now = jiff::Timestamp::now().as_second() as u64;
    let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let [header, payload, signature]: [&str; 3] = good.split('.').collect::<Vec<_>>().try_into().unwrap();

    let mut cases: Vec<(&str, String)> = Vec::new();
    // alg "none", no signature.
    let claims = serde_json::to_value(issuer.claims_for(&account, now)).unwrap();
    cases.push(("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims))));
    // HS256 header over the same payload (algorithm confusion).
    cases.push(("alg HS256", format!("{}.{payload}.{signature}", b64(&json!({"alg": "HS256", "typ": "JWT"})))));
    // Payload changed under the original signature (role escalation).
    let mut escalated = claims.clone();
    escalated["role"] = json!("security_admin");
    cases.push(("tampered payload", format!("{header}.{}.{signature}", b64(&escalated))));
    // Signed with another key.
    let forger =
        enbek_http::auth::TokenIssuer::from_pem(&keys().1 .0, enbek_http::auth::DEFAULT_ISSUER, enbek_http::auth::DEFAULT_AUDIENCE)
            .unwrap();
    cases.push(("wrong key", forger.sign(&issuer.claims_for(&account, now)).unwrap()));
    // Expired.
    cases.push(("expired", issuer.sign(&issuer.claims_for(&account, now - 3600)).unwrap()));
    // Not yet valid.
    let mut future = issuer.claims_for(&account, now + 600);
    future.iat = now;
    future.exp = now + 900;
    cases.push(("nbf in the future", issuer.sign(&future).unwrap()));
    // Wrong audience and wrong issuer.
    let mut aud = issuer.claims_for(&account, now);
    aud.aud = "another-api".into();
    cases.push(("wrong aud", issuer.sign(&aud).unwrap()));
    let mut iss = issuer.claims_for(&account, now);
    iss.iss = "https://evil.example".into();
    cases.push(("wrong iss", issuer.sign(&iss).unwrap()));
    // Lifetime longer than policy.
    let mut long = issuer.claims_for(&account, now);
    long.exp = now + 86_400;
    cases.push(("lives a day", issuer.sign(&long).unwrap()));
    cases.push(("garbage", "abc.def.ghi".into()));

    for (why, token) in cases {
        let res = me(&s, &token).await;
        assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"), "{why}");
    }
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", "Basic dXNlcjpwYXNz")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_temporary_password_opens_only_the_password_change_acs_5() {
    let s = TestStack::new().await;
    let login = unique_email("first-admin");
    let admin = enbek_core::usecases::bootstrap::create_first_admin(
        s.accounts.as_ref(),
        &enbek_core::password::Argon2Hasher,
        s.clock.as_ref(),
        &login,
        "Әкімов",
        "Ерболат",
    )
    .await
    .unwrap();
    assert!(admin.temporary_password.chars().count() >= 16);
    let again = enbek_core::usecases::bootstrap::create_first_admin(
        s.accounts.as_ref(),
        &enbek_core::password::Argon2Hasher,
        s.clock.as_ref(),
        &unique_email("second"),
        "Екінші",
        "Әкімші",
    )
    .await;
    assert!(matches!(again, Err(enbek_core::usecases::bootstrap::BootstrapError::AlreadyBootstrapped)));

    let res = s.sign_in(&login, &admin.temporary_password).await;
    assert_eq!(res.body["must_change_password"], true);
    let token = res.body["access_token"].as_str().unwrap().to_owned();
    let res = me(&s, &token).await;
    assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "password_change_required"));
    let res = s
        .call(
            Method::POST,
            &format!("/v1/accounts/{}/block", enbek_core::ids::new_id()),
            Some(json!({"reason": "x"})),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(res.code(), "password_change_required");

    let res = s
        .call(
            Method::PUT,
            "/v1/accounts/me/password",
            Some(json!({"current_password": admin.temporary_password, "new_password": "Kokpar-Zhailau-77"})),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let token = s.token(&login, "Kokpar-Zhailau-77").await;
    let res = me(&s, &token).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body["role"], "security_admin");
    assert_eq!(res.body["must_change_password"], false);
}
