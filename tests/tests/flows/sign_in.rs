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
        jiff::SignedDuration::from_hours(72),
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
        jiff::SignedDuration::from_hours(72),
        &unique_email("second"),
        "Екінші",
        "Әкімші",
    )
    .await;
    assert!(matches!(again, Err(enbek_core::usecases::bootstrap::BootstrapError::AlreadyBootstrapped)));
    // Finding 12 / ACS-6: the initial administrator's login is in the registration journal too.
    let journal = enbek_core::ports::AccessRequestStore::journal(
        &enbek_aws::dynamo::DynamoAccessRequests::new(s.table.clone()),
        jiff::Timestamp::UNIX_EPOCH,
        s.now().checked_add(SignedDuration::from_secs(1)).unwrap(),
        &enbek_core::page::PageRequest::default(),
    )
    .await
    .unwrap();
    assert_eq!(journal.items.len(), 1);
    assert_eq!((journal.items[0].number, journal.items[0].login.as_str()), (admin.journal_number, login.as_str()));
    assert!(journal.items[0].note.contains("первоначальный администратор"), "{:?}", journal.items[0].note);

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

#[tokio::test]
async fn rate_limits_are_atomic_20_concurrent_wrong_passwords_verify_at_most_10() {
    // Finding 2: the lock-out reserves its slot before the password is verified, so parallel
    // requests cannot all slip past the check.
    let s = std::sync::Arc::new(TestStack::new().await);
    let login = unique_email("parallel");
    s.register_citizen(&login, PASSWORD).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (s, login) = (s.clone(), login.clone());
            tokio::spawn(async move { s.sign_in(&login, "Wrong-Password-00").await.status.as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let verified = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(verified + limited, 20, "{statuses:?}");
    assert!(verified <= 10, "at most 10 password verifications, got {verified}: {statuses:?}");
}

#[tokio::test]
async fn password_spraying_failed_sign_ins_are_limited_per_source_address() {
    // Finding 3: one password against many logins from one address.
    let s = TestStack::new().await;
    let login = unique_email("sprayed");
    s.register_citizen(&login, PASSWORD).await;
    let from = |ip: &'static str, login: String, password: &'static str| {
        let s = &s;
        async move { s.call_from(ip, Method::POST, "/v1/sessions", Some(json!({"login": login, "password": password})), &[]).await }
    };
    for i in 0..30 {
        let res = from("198.51.100.66", unique_email(&format!("victim{i}")), "Spring-2026-Password").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let res = from("198.51.100.66", unique_email("victim30"), "Spring-2026-Password").await;
    assert_eq!((res.status, res.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert!(res.header("retry-after").and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| s > 0 && s <= 600));
    let res = from("198.51.100.66", login.clone(), PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "the address is limited, whatever the login");
    assert_eq!(from("198.51.100.67", login.clone(), PASSWORD).await.status, StatusCode::OK, "another address is not");
    s.clock.advance(SignedDuration::from_mins(10));
    assert_eq!(from("198.51.100.66", login, PASSWORD).await.status, StatusCode::OK, "the window has ended");
}

#[tokio::test]
async fn responses_with_a_token_are_not_cached_and_tokens_name_their_key() {
    // Finding 10.
    let s = TestStack::new().await;
    let login = unique_email("cache");
    s.register_citizen(&login, PASSWORD).await;
    let res = s.sign_in(&login, PASSWORD).await;
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let token = res.body["access_token"].as_str().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert!(header["kid"].as_str().is_some_and(|k| k.len() >= 16), "{header}");
}

#[tokio::test]
async fn acs_12_failed_and_blocked_sign_ins_are_audited_without_the_password() {
    // Finding 14.
    let s = TestStack::new().await;
    let login = unique_email("audited");
    let id = s.register_citizen(&login, PASSWORD).await;
    assert_eq!(s.sign_in(&login, "Guessed-Password-1").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.sign_in(&unique_email("ghost"), "Guessed-Password-2").await.status, StatusCode::UNAUTHORIZED);
    let audit = AuditEntry::new(s.now(), "system:test", "account.blocked", format!("account:{id}"), &enbek_core::audit::Origin::test());
    s.accounts.block(&id, BlockedReason::Security, s.now(), &audit).await.unwrap();
    assert_eq!(s.sign_in(&login, PASSWORD).await.status, StatusCode::LOCKED);

    let day = s.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut entries = Vec::new();
    let mut page = enbek_core::page::PageRequest { limit: 100, cursor: None };
    loop {
        let got = enbek_core::ports::AuditLog::by_day(&enbek_aws::dynamo::DynamoAudit::new(s.table.clone()), day, &page).await.unwrap();
        entries.extend(got.items);
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    let refused: Vec<_> = entries.iter().filter(|e| e.action == "session.refused").collect();
    assert_eq!(refused.len(), 3, "{entries:#?}");
    assert!(refused.iter().any(|e| e.target == format!("account:{id}") && e.details.as_ref().unwrap()["reason"] == "account_blocked"));
    assert!(refused.iter().any(|e| e.target == format!("account:{id}") && e.details.as_ref().unwrap()["reason"] == "invalid_credentials"));
    let text = serde_json::to_string(&entries).unwrap();
    for secret in ["Guessed-Password-1", "Guessed-Password-2", PASSWORD] {
        assert!(!text.contains(secret), "a password in the audit trail");
    }
}

#[tokio::test]
async fn the_signing_key_is_read_from_its_secrets_manager_secret_at_start_up() {
    let s = TestStack::new().await;
    let sdk = sdk().await;
    let secrets = aws_sdk_secretsmanager::Client::new(sdk.config());
    let name = format!("enbek-test/jwt-signing-key-{}", uuid::Uuid::new_v4().simple());
    secrets.create_secret().name(&name).secret_string(&keys().0 .0).send().await.unwrap();
    let key = sign_in::signing_key(&sdk, Some(&name)).await.unwrap();
    assert_eq!(key, keys().0 .0, "the PEM as stored");
    // A sign-in function built with it issues tokens the verifiers accept.
    let mut config = sign_in::Config {
        http: TestStack::http_settings(&s.table),
        jwt_private_key: key,
        address_limit: enbek_core::usecases::sessions::DEFAULT_SIGN_IN_ADDRESS_LIMIT,
    };
    assert!(sign_in::app(config.clone(), &sdk, s.clock.clone()).is_ok());
    // A missing secret, or one that is not a key, stops the function at start-up with its name.
    let missing = sign_in::signing_key(&sdk, Some("enbek-test/no-such-secret")).await.unwrap_err();
    assert_eq!(missing.variable, "JWT_PRIVATE_KEY_SECRET_ID");
    secrets.create_secret().name(format!("{name}-bad")).secret_string("not a key").send().await.unwrap();
    assert!(sign_in::signing_key(&sdk, Some(&format!("{name}-bad"))).await.unwrap_err().problem.contains("not a PEM"));
    config.jwt_private_key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into();
    assert!(sign_in::app(config, &sdk, s.clock.clone()).is_err());
}
