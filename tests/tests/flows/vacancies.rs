//! Vacancies and lay-off notices (VAC-1, VAC-2, VAC-5; ACC-4) against moto: validation, roles
//! and ownership, public search by each filter with Kazakh/Russian case folding, pagination
//! that neither repeats nor skips while new vacancies arrive, expiry, and the AIS messages
//! through the outbox (surviving an SQS failure, once per event).

use http::{Method, StatusCode};
use integration::*;
use jiff::SignedDuration;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Monday 23 Nov 2026, 10:00 in Almaty.
const MONDAY_MORNING: &str = "2026-11-23T05:00:00Z";

pub(crate) use integration::bodies::vacancy;

async fn publish(stack: &TestStack, token: &str, body: Value) -> Value {
    let res = stack.call(Method::POST, "/v1/vacancies", Some(body), &[("authorization", &bearer(token))]).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.body
}

async fn search(stack: &TestStack, query: &str) -> Vec<String> {
    let res = stack.call(Method::GET, &format!("/v1/vacancies?{query}"), None, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body["items"].as_array().unwrap().iter().map(|v| v["title"].as_str().unwrap().to_owned()).collect()
}

async fn stack() -> TestStack {
    let s = TestStack::new().await;
    s.clock.set(MONDAY_MORNING.parse().unwrap());
    s
}

#[tokio::test]
async fn vac_1_5_an_employer_publishes_with_its_own_bin_and_ais_gets_one_message() {
    let s = stack().await;
    let (employer_id, token) = s.employer_token(11, "ТОО «Казком»").await;
    let mut body = vacancy("Бухгалтер", "751110000", "2411");
    body["employer_bin"] = json!(bin(99));
    let res = s.call(Method::POST, "/v1/vacancies", Some(body), &[("authorization", &bearer(&token))]).await;
    assert_eq!(res.field_errors(), vec![("employer_bin".into(), "unknown_field".into())], "the BIN comes from the account");

    let v = publish(&s, &token, vacancy("Бухгалтер", "751110000", "2411")).await;
    assert_eq!(v["status"], "published");
    assert_eq!(v["employer_bin"], bin(11).as_str());
    assert_eq!(v["company_name"], "ТОО «Казком»");
    assert_eq!(v["contact_phone"], "+77021112233");

    let sent = s.integration_sent().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["type"], "vacancy.published");
    assert_eq!(sent[0]["data"]["vacancy"]["id"], v["id"]);
    assert_eq!(sent[0]["data"]["employer"]["bin"], bin(11).as_str());
    assert_eq!(sent[0]["data"]["employer"]["account_id"], employer_id.as_str());
    assert_eq!(sent[0]["data"]["vacancy"]["contact_email"], "hr@kazcom.kz");

    // Public: no token needed to read it.
    let res = s.call(Method::GET, &format!("/v1/vacancies/{}", v["id"].as_str().unwrap()), None, &[]).await;
    assert_eq!((res.status, res.body["listed"].as_bool()), (StatusCode::OK, Some(true)));
}

#[tokio::test]
async fn vac_1_every_bad_field_is_reported_with_its_code() {
    let s = stack().await;
    let (_, token) = s.employer_token(12, "ТОО «Тест»").await;
    let res = s
        .call(
            Method::POST,
            "/v1/vacancies",
            Some(json!({
                "title": "Бу",
                "description": "коротко",
                "occupation_code": "24A1",
                "region_code": "7511100",
                "salary_from": 60_000,
                "salary_to": 50_000,
                "employment_type": "full_time",
                "positions": 1001,
                "contact_name": "HR-1",
                "contact_phone": "123",
                "contact_email": "hr@",
                "valid_until": "2027-11-24",
            })),
            &[("authorization", &bearer(&token))],
        )
        .await;
    res.assert_field_errors(&[
        ("title", "invalid_value"),
        ("description", "invalid_value"),
        ("occupation_code", "invalid_value"),
        ("region_code", "invalid_value"),
        ("salary_from", "salary_below_minimum"),
        ("salary_to", "invalid_value"),
        ("positions", "invalid_value"),
        ("contact_name", "name_invalid"),
        ("contact_phone", "phone_invalid"),
        ("contact_email", "email_invalid"),
        ("valid_until", "invalid_value"),
    ]);

    // The minimum wage binds full-time work only; valid_until is (today, today + 365 days].
    let mut part_time = vacancy("Курьер", "751110000", "9621");
    part_time["employment_type"] = json!("part_time");
    part_time["salary_from"] = json!(60_000);
    part_time["valid_until"] = json!("2027-11-23");
    publish(&s, &token, part_time).await;
    let mut today = vacancy("Курьер", "751110000", "9621");
    today["valid_until"] = json!("2026-11-23");
    let res = s.call(Method::POST, "/v1/vacancies", Some(today), &[("authorization", &bearer(&token))]).await;
    res.assert_field_errors(&[("valid_until", "invalid_value")]);
    let mut at_minimum = vacancy("Курьер", "751110000", "9621");
    at_minimum["salary_from"] = json!(MINIMUM_WAGE);
    at_minimum.as_object_mut().unwrap().remove("salary_to");
    publish(&s, &token, at_minimum).await;
}

#[tokio::test]
async fn only_employers_publish_and_only_the_owner_closes_once() {
    let s = stack().await;
    let (_, owner) = s.employer_token(13, "ТОО «Первое»").await;
    let (_, other) = s.employer_token(14, "ТОО «Второе»").await;
    let login = unique_email("citizen");
    s.register_citizen(&login, "Tulpar-Dala-2026").await;
    let citizen = s.token(&login, "Tulpar-Dala-2026").await;
    let res = s
        .call(Method::POST, "/v1/vacancies", Some(vacancy("Бухгалтер", "751110000", "2411")), &[("authorization", &bearer(&citizen))])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.call(Method::POST, "/v1/vacancies", Some(vacancy("Бухгалтер", "751110000", "2411")), &[]).await.status,
        StatusCode::UNAUTHORIZED
    );

    let v = publish(&s, &owner, vacancy("Бухгалтер", "751110000", "2411")).await;
    let close = format!("/v1/vacancies/{}/close", v["id"].as_str().unwrap());
    assert_eq!(s.call(Method::POST, &close, None, &[("authorization", &bearer(&other))]).await.status, StatusCode::FORBIDDEN);
    let missing = format!("/v1/vacancies/{}/close", enbek_core::ids::new_id());
    assert_eq!(s.call(Method::POST, &missing, None, &[("authorization", &bearer(&owner))]).await.status, StatusCode::NOT_FOUND);
    let res = s.call(Method::POST, &close, None, &[("authorization", &bearer(&owner))]).await;
    assert_eq!((res.status, res.body["status"].as_str()), (StatusCode::OK, Some("closed")), "{}", res.body);
    let res = s.call(Method::POST, &close, None, &[("authorization", &bearer(&owner))]).await;
    assert_eq!((res.status, res.code()), (StatusCode::CONFLICT, "already_closed"));

    // Closed: not listed; by ID it says closed. AIS got the publish and the close, in order.
    assert!(search(&s, "").await.is_empty());
    let res = s.call(Method::GET, &format!("/v1/vacancies/{}", v["id"].as_str().unwrap()), None, &[]).await;
    assert_eq!(res.body["status"], "closed");
    let types: Vec<String> = s.integration_sent().await.iter().map(|m| m["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, vec!["vacancy.published", "vacancy.closed"]);
}

#[tokio::test]
async fn search_by_region_oblast_occupation_and_words_in_any_case_of_kazakh_and_russian() {
    let s = stack().await;
    let (_, token) = s.employer_token(15, "ТОО «Поиск»").await;
    for (title, region, occupation) in [
        ("Бухгалтер", "751110000", "2411"),         // Almaty city
        ("Главный БУХГАЛТЕР", "711110000", "2411"), // Astana
        ("Әлеуметтік жұмыс маманы", "751210000", "2635"),
        ("Жұмысшы-құрылысшы", "711110000", "7112"),
    ] {
        s.clock.advance(SignedDuration::from_secs(1));
        publish(&s, &token, vacancy(title, region, occupation)).await;
    }
    assert_eq!(search(&s, "").await.len(), 4, "newest first, all listed");
    assert_eq!(search(&s, "").await[0], "Жұмысшы-құрылысшы", "newest first");
    assert_eq!(search(&s, "region_code=751110000").await, vec!["Бухгалтер"]);
    assert_eq!(search(&s, "region_code=75").await, vec!["Әлеуметтік жұмыс маманы", "Бухгалтер"], "a whole oblast by its KATO prefix");
    assert_eq!(search(&s, "occupation_code=2411").await, vec!["Главный БУХГАЛТЕР", "Бухгалтер"]);
    assert_eq!(search(&s, "q=бухгалтер").await, vec!["Главный БУХГАЛТЕР", "Бухгалтер"]);
    assert_eq!(search(&s, "q=%D0%96%D2%B0%D0%9C%D0%AB%D0%A1").await, vec!["Әлеуметтік жұмыс маманы"], "ЖҰМЫС finds жұмыс");
    assert_eq!(search(&s, "q=ӘЛЕУМЕТТІК%20МАМАНЫ").await, vec!["Әлеуметтік жұмыс маманы"], "every word must match");
    assert_eq!(search(&s, "q=бухгалтер&region_code=71").await, vec!["Главный БУХГАЛТЕР"]);
    assert_eq!(search(&s, "q=бухгалтер&occupation_code=7112").await, Vec::<String>::new());
    let res = s.call(Method::GET, "/v1/vacancies?region_code=7&occupation_code=x&sort=salary", None, &[]).await;
    res.assert_field_errors(&[("region_code", "invalid_value"), ("occupation_code", "invalid_value"), ("sort", "unknown_field")]);
}

#[tokio::test]
async fn pages_never_repeat_or_skip_while_new_vacancies_are_published() {
    let s = stack().await;
    let (_, token) = s.employer_token(16, "ТОО «Страницы»").await;
    let mut published = Vec::new();
    for i in 0..7 {
        s.clock.advance(SignedDuration::from_secs(1));
        published
            .push(publish(&s, &token, vacancy(&format!("Оператор {i}"), "751110000", "4131")).await["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut page_no = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/vacancies?limit=3&cursor={c}"),
            None => "/v1/vacancies?limit=3".to_owned(),
        };
        let res = s.call(Method::GET, &path, None, &[]).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        seen.extend(res.body["items"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()));
        // Between pages, new vacancies arrive.
        page_no += 1;
        s.clock.advance(SignedDuration::from_secs(1));
        publish(&s, &token, vacancy(&format!("Новая {page_no}"), "751110000", "4131")).await;
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let want: Vec<String> = published.iter().rev().cloned().collect();
    assert_eq!(seen, want, "the 7 that existed, newest first, each exactly once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
}

#[tokio::test]
async fn expired_vacancies_are_not_listed_but_can_be_read() {
    let s = stack().await;
    let (_, token) = s.employer_token(17, "ТОО «Сроки»").await;
    let mut short = vacancy("Сезонный рабочий", "751110000", "9211");
    short["valid_until"] = json!("2026-11-30");
    short["employment_type"] = json!("seasonal");
    let v = publish(&s, &token, short).await;
    publish(&s, &token, vacancy("Бухгалтер", "751110000", "2411")).await;
    assert_eq!(search(&s, "").await.len(), 2);
    // 30 Nov is the last day (23:00 Almaty is 18:00 UTC); from 1 Dec 00:00 Almaty (19:00 UTC)
    // it is gone from every list.
    s.clock.set("2026-11-30T18:00:00Z".parse().unwrap());
    assert_eq!(search(&s, "").await.len(), 2, "still its last day in Almaty");
    s.clock.set("2026-11-30T19:00:00Z".parse().unwrap());
    assert_eq!(search(&s, "").await, vec!["Бухгалтер"]);
    assert_eq!(search(&s, "q=сезонный").await, Vec::<String>::new());
    let res = s.call(Method::GET, &format!("/v1/vacancies/{}", v["id"].as_str().unwrap()), None, &[]).await;
    assert_eq!((res.body["status"].as_str(), res.body["listed"].as_bool()), (Some("published"), Some(false)));
}

#[tokio::test]
async fn vac_5_the_ais_message_survives_an_sqs_outage_and_is_delivered_once_per_event() {
    let s = stack().await;
    let (_, token) = s.employer_token(18, "ТОО «Связь»").await;
    s.queue_down(QueueName::Integration).await;
    let v = publish(&s, &token, vacancy("Инженер связи", "751110000", "2153")).await;
    assert_eq!(search(&s, "").await, vec!["Инженер связи"], "the vacancy is published although the queue is down");

    s.queue_up(QueueName::Integration).await;
    assert!(s.integration_sent().await.is_empty(), "nothing was sent while the queue was down");
    let later = s.now().checked_add(SignedDuration::from_mins(1)).unwrap();
    assert_eq!(s.relay(later).await.unwrap()["sent"], 1);
    assert_eq!(s.relay(later).await.unwrap()["sent"], 0);
    let sent = s.integration_sent().await;
    assert_eq!(sent.len(), 1, "exactly once");
    assert_eq!(sent[0]["data"]["vacancy"]["id"], v["id"]);
}

#[tokio::test]
async fn vac_2_layoff_notices_are_validated_private_and_sent_to_ais() {
    let s = stack().await;
    let (_, token) = s.employer_token(19, "ТОО «Сокращение»").await;
    let auth = bearer(&token);
    let res = s
        .call(
            Method::POST,
            "/v1/layoff-notices",
            Some(json!({
                "reason": "Оптимизация штата",
                "starts_on": "2026-11-01",
                "ends_on": "2026-10-01",
                "affected": [{"position": "Кассир", "occupation_code": "5230", "qualification": "среднее", "salary": 180_000, "count": 0}],
            })),
            &[("authorization", &auth)],
        )
        .await;
    res.assert_field_errors(&[("starts_on", "invalid_value"), ("ends_on", "invalid_value"), ("affected.0.count", "invalid_value")]);

    let res = s
        .call(
            Method::POST,
            "/v1/layoff-notices",
            Some(json!({
                "reason": "Оптимизация штата",
                "starts_on": "2027-01-15",
                "ends_on": "2027-02-28",
                "affected": [
                    {"position": "Кассир", "occupation_code": "5230", "qualification": "среднее", "salary": 180_000, "count": 12},
                    {"position": "Бухгалтер", "occupation_code": "2411", "qualification": "высшее", "salary": 320_000, "count": 3},
                ],
            })),
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.body["affected_total"], 15);
    let sent = s.integration_sent().await;
    assert_eq!(sent[0]["type"], "layoff_notice.submitted");
    assert_eq!(sent[0]["data"]["layoff_notice"]["employer_bin"], bin(19).as_str());
    assert_eq!(sent[0]["data"]["layoff_notice"]["affected"][1]["count"], 3);
    // Not public: there is no route to read notices, and citizens cannot file them.
    assert_eq!(s.call(Method::GET, "/v1/layoff-notices", None, &[]).await.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(search(&s, "").await.is_empty(), "a notice is not a vacancy");
}
