//! Registration, profile, password change and blocking (register-account), against moto.

use enbek_core::ports::AuditLog as _;
use http::{Method, StatusCode};
use integration::*;
use serde_json::{json, Value};

const PASSWORD: &str = "Tulpar-Dala-2026";

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().unwrap().remove(key);
    body
}

#[tokio::test]
async fn registering_a_citizen_returns_201_and_records_the_agreement_acc_3() {
    let s = TestStack::new().await;
    let login = unique_email("Citizen").to_uppercase();
    let res = s.call(Method::POST, "/v1/accounts", Some(s.citizen_body(&login, PASSWORD)), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["login"], login.to_lowercase(), "ACC-2: e-mail logins are lower-cased");
    assert_eq!(res.body["role"], "citizen");
    assert_eq!(res.body["status"], "active");
    assert!(res.body["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(res.body.get("password_hash").is_none());

    let token = s.token(&login, PASSWORD).await;
    let me = s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &bearer(&token))]).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["agreement_version"], AGREEMENT_VERSION);
    assert!(me.body["agreement_accepted_at"].is_string());
    assert!(me.body.get("password_hash").is_none() && !String::from_utf8_lossy(&me.raw).contains("argon2"));
}

#[tokio::test]
async fn registering_an_employer_needs_bin_and_company_name() {
    let s = TestStack::new().await;
    let body = json!({
        "login": "+7 701 555 12 34",
        "password": PASSWORD,
        "role": "employer",
        "last_name": "Омаров",
        "first_name": "Ерлан",
        "bin": bin(123),
        "company_name": "ТОО «Дала Құрылыс»",
        "agreement_version": AGREEMENT_VERSION,
    });
    let res = s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["login"], "+77015551234", "ACC-2: phone logins normalise to +77XXXXXXXXX");

    let res = s.call(Method::POST, "/v1/accounts", Some(without(without(body, "bin"), "company_name")), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.field_errors(), vec![("bin".into(), "required".into()), ("company_name".into(), "required".into())]);
}

#[tokio::test]
async fn every_validation_code_is_reported_per_field_and_all_at_once_acc_6() {
    let s = TestStack::new().await;
    let good = s.citizen_body(&unique_email("v"), PASSWORD);
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (with(good.clone(), "login", json!("not-a-login")), vec![("login", "login_invalid")]),
        (with(good.clone(), "login", json!("+7 916 123 45 67")), vec![("login", "login_invalid")]),
        (with(good.clone(), "iin", json!("900315400001")), vec![("iin", "iin_invalid")]),
        (with(good.clone(), "iin", json!(iin("010229", 5, 1))), vec![("iin", "iin_invalid")]),
        (with(good.clone(), "password", json!("short")), vec![("password", "password_weak")]),
        (with(good.clone(), "password", json!("qwertyuiop123")), vec![("password", "password_weak")]),
        (with(good.clone(), "agreement_version", json!("2019-01-01")), vec![("agreement_version", "agreement_required")]),
        (without(good.clone(), "agreement_version"), vec![("agreement_version", "agreement_required")]),
        (without(good.clone(), "last_name"), vec![("last_name", "required")]),
        (with(good.clone(), "first_name", json!("R2D2")), vec![("first_name", "name_invalid")]),
        (with(good.clone(), "role", json!("security_admin")), vec![("role", "invalid_value")]),
        (with(good.clone(), "bin", json!(bin(5))), vec![("bin", "not_allowed")]),
        (with(good.clone(), "last_name", json!(42)), vec![("last_name", "invalid_type")]),
        (
            with(with(without(good.clone(), "iin"), "role", json!("employer")), "bin", json!("040840000190")),
            vec![("bin", "bin_invalid"), ("company_name", "required")],
        ),
        (
            with(with(good.clone(), "role", json!("employer")), "company_name", json!("ТОО «Дала»")),
            vec![("bin", "required"), ("iin", "not_allowed")],
        ),
    ];
    for (body, want) in cases {
        let res = s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", res.body);
        let want: Vec<(String, String)> = want.into_iter().map(|(f, c)| (f.into(), c.into())).collect();
        assert_eq!(res.field_errors(), want, "{body}");
    }

    // All bad fields at once, not just the first.
    let mut bad = with(good.clone(), "login", json!("x"));
    bad = with(bad, "iin", json!("123"));
    bad = with(bad, "password", json!("x"));
    bad = without(bad, "agreement_version");
    let res = s.call(Method::POST, "/v1/accounts", Some(bad), &[]).await;
    let mut fields: Vec<String> = res.field_errors().into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(fields, vec!["agreement_version", "iin", "login", "password"]);
    assert_eq!(res.code(), "validation_failed");
}

#[tokio::test]
async fn the_password_may_not_equal_the_login() {
    let s = TestStack::new().await;
    let login = unique_email("same");
    let res = s.call(Method::POST, "/v1/accounts", Some(s.citizen_body(&login, &login.to_uppercase())), &[]).await;
    assert_eq!(res.field_errors(), vec![("password".to_owned(), "password_weak".to_owned())]);
}

#[tokio::test]
async fn unknown_fields_malformed_json_wrong_type_and_oversized_bodies_are_refused() {
    let s = TestStack::new().await;
    let body = with(s.citizen_body(&unique_email("u"), PASSWORD), "is_admin", json!(true));
    let res = s.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.code(), "unknown_field");
    assert_eq!(res.field_errors(), vec![("is_admin".to_owned(), "unknown_field".to_owned())]);

    let req = http::Request::post("/v1/accounts")
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{\"login\": "))
        .unwrap();
    let res = s.send(req).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.code(), "malformed_body");
    assert_eq!(res.header("content-type"), Some("application/problem+json"));

    let req = http::Request::post("/v1/accounts").header("content-type", "text/plain").body(axum::body::Body::from("{}")).unwrap();
    assert_eq!(s.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = json!({ "login": "x".repeat(300 * 1024) });
    let res = s.call(Method::POST, "/v1/accounts", Some(huge), &[]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.code(), "payload_too_large");
}

#[tokio::test]
async fn two_concurrent_registrations_of_one_login_give_one_201_and_one_409() {
    let s = TestStack::new().await;
    for round in 0..3 {
        let login = unique_email(&format!("race{round}"));
        // Differently written, equal after normalisation.
        let a = s.citizen_body(&login, PASSWORD);
        let b = s.citizen_body(&format!("  {}  ", login.to_uppercase()), PASSWORD);
        let (ra, rb) =
            tokio::join!(s.call(Method::POST, "/v1/accounts", Some(a), &[]), s.call(Method::POST, "/v1/accounts", Some(b), &[]),);
        let mut statuses = vec![ra.status.as_u16(), rb.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, vec![201, 409], "{} / {}", ra.body, rb.body);
        let conflict = if ra.status == StatusCode::CONFLICT { ra } else { rb };
        assert_eq!(conflict.code(), "login_taken");
    }
}

#[tokio::test]
async fn phone_logins_are_unique_whatever_the_format() {
    let s = TestStack::new().await;
    let mut body = s.citizen_body("8 (702) 111-22-33", PASSWORD);
    assert_eq!(s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[]).await.status, StatusCode::CREATED);
    body["login"] = json!("+7 702 111 22 33");
    let res = s.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "login_taken"));
    // And the other spelling signs in.
    s.token("87021112233", PASSWORD).await;
}

#[tokio::test]
async fn problem_json_follows_accept_language_in_three_languages_acs_13() {
    let s = TestStack::new().await;
    let body = with(s.citizen_body(&unique_email("l"), PASSWORD), "iin", json!("1"));
    let mut titles = Vec::new();
    for (lang, tag) in [("kk-KZ", "kk"), ("ru-RU,ru;q=0.9", "ru"), ("en", "en"), ("de", "kk")] {
        let res = s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[("accept-language", lang)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.header("content-language"), Some(tag));
        for key in ["type", "title", "status", "detail", "code", "errors"] {
            assert!(res.body.get(key).is_some(), "{key} missing");
        }
        assert_eq!(res.body["errors"][0]["code"], "iin_invalid", "codes never change with the language");
        titles.push((tag, res.body["title"].as_str().unwrap().to_owned(), res.body["errors"][0]["message"].as_str().unwrap().to_owned()));
    }
    assert!(titles[0].2.contains("ЖСН"), "Kazakh message: {}", titles[0].2);
    assert!(titles[1].2.contains("ИИН"), "Russian message: {}", titles[1].2);
    assert!(titles[2].2.contains("IIN"), "English message: {}", titles[2].2);
    assert_eq!(titles[3].1, titles[0].1, "unsupported language falls back to Kazakh");
}

#[tokio::test]
async fn a_retried_registration_with_the_same_idempotency_key_creates_nothing_new() {
    let s = TestStack::new().await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = s.citizen_body(&unique_email("idem"), PASSWORD);
    let first = s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[("idempotency-key", &key)]).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = s.call(Method::POST, "/v1/accounts", Some(body.clone()), &[("idempotency-key", &key)]).await;
    assert_eq!(again.status, StatusCode::CREATED, "the first response, not 409 login_taken");
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(again.header("x-request-id").is_some());

    // Same key, another body.
    let other = s.citizen_body(&unique_email("idem2"), PASSWORD);
    let res = s.call(Method::POST, "/v1/accounts", Some(other), &[("idempotency-key", &key)]).await;
    assert_eq!((res.status, res.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));

    // Without a key, a retry is a second attempt.
    let res = s.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
    assert_eq!(res.code(), "login_taken");

    let res = s.call(Method::POST, "/v1/accounts", Some(s.citizen_body(&unique_email("k"), PASSWORD)), &[("idempotency-key", "")]).await;
    assert_eq!(res.code(), "idempotency_key_invalid");
}

#[tokio::test]
async fn every_response_has_a_request_id_and_unknown_routes_are_problem_json() {
    let s = TestStack::new().await;
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert!(res.header("x-request-id").is_some_and(|v| !v.is_empty()));

    // A client's own X-Request-ID is logged beside ours, never taken as ours (finding 7).
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[("x-request-id", "trace-abc-123")]).await;
    assert!(res.header("x-request-id").is_some_and(|v| !v.is_empty() && v != "trace-abc-123"));

    let res = s.call(Method::GET, "/v1/nothing-here", None, &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::NOT_FOUND, "not_found"));
    let res = s.call(Method::DELETE, "/v1/accounts", None, &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
}

#[tokio::test]
async fn cors_allows_the_configured_portal_origin_only() {
    let s = TestStack::new().await;
    let preflight = |origin: &'static str| {
        http::Request::builder()
            .method(Method::OPTIONS)
            .uri("/v1/accounts")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type,idempotency-key")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let res = s.send(preflight(PORTAL_ORIGIN)).await;
    assert_eq!(res.header("access-control-allow-origin"), Some(PORTAL_ORIGIN));
    assert!(res.header("access-control-allow-headers").unwrap_or("").contains("authorization"));
    let res = s.send(preflight("https://evil.example")).await;
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn changing_the_password_retires_old_tokens_and_the_old_password() {
    let s = TestStack::new().await;
    let login = unique_email("pw");
    s.register_citizen(&login, PASSWORD).await;
    let old_token = s.token(&login, PASSWORD).await;
    let auth = bearer(&old_token);

    let res = s
        .call(
            Method::PUT,
            "/v1/accounts/me/password",
            Some(json!({"current_password": "wrong-one-123456", "new_password": "Another-Strong-2026"})),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.field_errors(), vec![("current_password".to_owned(), "password_incorrect".to_owned())]);
    let res = s
        .call(
            Method::PUT,
            "/v1/accounts/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.field_errors(), vec![("new_password".to_owned(), "password_reused".to_owned())]);
    let res = s
        .call(
            Method::PUT,
            "/v1/accounts/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "123456789012"})),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.field_errors(), vec![("new_password".to_owned(), "password_weak".to_owned())]);

    let res = s
        .call(
            Method::PUT,
            "/v1/accounts/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "Another-Strong-2026"})),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);

    // ASVS 7.4.2: tokens issued before the change stop working at once.
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &auth)]).await;
    assert_eq!((res.status, res.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));
    assert_eq!(s.sign_in(&login, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    let new_token = s.token(&login, "Another-Strong-2026").await;
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &bearer(&new_token))]).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn only_a_security_admin_blocks_and_a_blocked_account_is_cut_off_at_once_acs_9() {
    let s = TestStack::new().await;
    let login = unique_email("victim");
    let id = s.register_citizen(&login, PASSWORD).await;
    let victim_token = s.token(&login, PASSWORD).await;
    let (admin_id, admin_token) = s.admin_token().await;
    let path = format!("/v1/accounts/{id}/block");

    // A citizen may not block.
    let res = s.call(Method::POST, &path, Some(json!({"reason": "x"})), &[("authorization", &bearer(&victim_token))]).await;
    assert_eq!((res.status, res.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let res = s.call(Method::POST, &path, Some(json!({})), &[("authorization", &bearer(&admin_token))]).await;
    assert_eq!(res.field_errors(), vec![("reason".to_owned(), "required".to_owned())]);
    let res = s
        .call(
            Method::POST,
            &format!("/v1/accounts/{admin_id}/block"),
            Some(json!({"reason": "x"})),
            &[("authorization", &bearer(&admin_token))],
        )
        .await;
    assert_eq!(res.code(), "cannot_block_self");
    let res = s
        .call(
            Method::POST,
            &format!("/v1/accounts/{}/block", enbek_core::ids::new_id()),
            Some(json!({"reason": "x"})),
            &[("authorization", &bearer(&admin_token))],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let res = s
        .call(
            Method::POST,
            &path,
            Some(json!({"reason": "credential sharing reported by SOC"})),
            &[("authorization", &bearer(&admin_token))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body, json!({"id": id, "status": "blocked", "blocked_reason": "security"}));

    // The token issued before the block is refused now, not in 15 minutes.
    let res = s.call(Method::GET, "/v1/accounts/me", None, &[("authorization", &bearer(&victim_token))]).await;
    assert_eq!((res.status, res.code()), (StatusCode::LOCKED, "account_blocked"));
    let res = s.sign_in(&login, PASSWORD).await;
    assert_eq!((res.status, res.code()), (StatusCode::LOCKED, "account_blocked"));
    assert_eq!(res.body["blocked_reason"], "security");
}

#[tokio::test]
async fn every_change_leaves_an_audit_entry_with_actor_time_source_and_request_id_acs_12() {
    let s = TestStack::new().await;
    let login = unique_email("audited");
    let res = s.call(Method::POST, "/v1/accounts", Some(s.citizen_body(&login, PASSWORD)), &[("x-request-id", "req-register-1")]).await;
    let id = res.body["id"].as_str().unwrap().to_owned();
    let token = s.token(&login, PASSWORD).await;
    s.call(
        Method::PUT,
        "/v1/accounts/me/password",
        Some(json!({"current_password": PASSWORD, "new_password": "Another-Strong-2026"})),
        &[("authorization", &bearer(&token)), ("x-request-id", "req-password-1")],
    )
    .await;

    let audit = enbek_aws::dynamo::DynamoAudit::new(s.table.clone());
    let entries = audit.by_actor(&id, 10).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["account.password_changed", "session.created", "account.registered"]);
    let registered = entries.last().unwrap();
    assert_eq!(registered.target, format!("account:{id}"));
    assert_ne!(registered.request_id, "req-register-1", "a client's request ID is not the audit's (finding 7)");
    assert!(!registered.request_id.is_empty());
    assert_eq!(registered.at, s.now());
    assert!(!registered.source_ip.is_empty());
    assert_ne!(entries[0].request_id, registered.request_id, "each request has its own ID");
    // Never a secret in the trail.
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(PASSWORD) && !text.contains("Another-Strong-2026") && !text.contains("argon2"));
}

#[tokio::test]
async fn acc_1_one_citizen_account_per_person_also_under_concurrent_registrations() {
    // Finding 13.
    let s = TestStack::new().await;
    let mut first = s.citizen_body(&unique_email("first"), PASSWORD);
    first["iin"] = json!(iin("880101", 3, 77));
    assert_eq!(s.call(Method::POST, "/v1/accounts", Some(first.clone()), &[]).await.status, StatusCode::CREATED);
    let mut second = first.clone();
    second["login"] = json!(unique_email("second"));
    let res = s.call(Method::POST, "/v1/accounts", Some(second), &[]).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "person_has_account"), "{}", res.body);

    for round in 0..3 {
        let mut a = s.citizen_body(&unique_email(&format!("a{round}")), PASSWORD);
        a["iin"] = json!(iin("880202", 3, 80 + round));
        let mut b = a.clone();
        b["login"] = json!(unique_email(&format!("b{round}")));
        let (ra, rb) = tokio::join!(s.call(Method::POST, "/v1/accounts", Some(a), &[]), s.call(Method::POST, "/v1/accounts", Some(b), &[]));
        let mut codes = vec![ra.status.as_u16(), rb.status.as_u16()];
        codes.sort();
        assert_eq!(codes, vec![201, 409], "{} / {}", ra.body, rb.body);
    }
}

#[tokio::test]
async fn mass_registration_is_limited_per_source_address() {
    // Finding 3: 10 registrations per hour from one address.
    let s = TestStack::new().await;
    let register = |ip: &'static str| {
        let s = &s;
        async move { s.call_from(ip, Method::POST, "/v1/accounts", Some(s.citizen_body(&unique_email("bulk"), PASSWORD)), &[]).await }
    };
    for i in 0..10 {
        assert_eq!(register("198.51.100.20").await.status, StatusCode::CREATED, "registration {i}");
    }
    let res = register("198.51.100.20").await;
    assert_eq!((res.status, res.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert!(res.header("retry-after").is_some());
    assert_eq!(register("198.51.100.21").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn acc_3_the_agreement_in_force_can_be_discovered_in_three_languages() {
    // Finding 15.
    let s = TestStack::new().await;
    let mut titles = std::collections::HashSet::new();
    for lang in ["kk", "ru", "en"] {
        let res = s.call(Method::GET, "/v1/agreement", None, &[("accept-language", lang)]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.body["version"], AGREEMENT_VERSION);
        assert!(res.body["url"].as_str().is_some_and(|u| u.starts_with("https://")));
        titles.insert(res.body["title"].as_str().unwrap().to_owned());
        assert_eq!(res.header("content-language"), Some(lang));
    }
    assert_eq!(titles.len(), 3, "a title per language");
    let mut body = s.citizen_body(&unique_email("old"), PASSWORD);
    body["agreement_version"] = json!("2019-02-22");
    let res = s.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
    assert_eq!(res.body["errors"][0]["code"], "agreement_required");
    assert_eq!(res.body["errors"][0]["current_version"], AGREEMENT_VERSION);
}
