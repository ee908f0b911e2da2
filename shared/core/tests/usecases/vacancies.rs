//! Vacancies (VAC-1, VAC-5, ACC-4) and lay-off notices (VAC-2).

use super::support::*;
use enbek_core::domain::{OutcomeKind, Role, VacancyStatus};
use enbek_core::input::Fields;
use enbek_core::usecases::vacancies::{LayoffForm, OutcomeForm, SearchQuery, VacancyError, VacancyForm};
use serde_json::{json, Value};

fn form(title: &str) -> Value {
    json!({
        "title": title, "description": "Бухгалтерлік есеп, есептілік, салықтар",
        "occupation_code": "2411", "region_code": "751110000", "salary_from": 250000,
        "employment_type": "full_time", "positions": 2, "contact_name": "Ахметова Динара",
        "contact_phone": "+7 701 234 56 78", "valid_until": "2027-01-31",
    })
}

#[tokio::test]
async fn vac_1_5_an_employer_publishes_with_the_accounts_bin_and_ais_gets_one_message() {
    let w = World::new();
    let employer = w.account(Role::Employer, "p");
    let v = w.vacancies();
    let published = v.publish(&employer, VacancyForm::parse(fields(form("Бухгалтер")), 85_000, v.today()), &origin()).await.unwrap();
    assert_eq!(Some(&published.employer_bin), employer.bin.as_ref());
    let sent = w.integration.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["type"], "vacancy.published");
    assert_eq!(sent[0]["data"]["employer"]["bin"], employer.bin.as_ref().unwrap().as_str());
    let found = v.search(SearchQuery::parse(Fields::from_query(Some("q=БУХГАЛТЕР")).unwrap()).unwrap()).await.unwrap();
    assert_eq!(found.items.len(), 1, "ACC-4: public search, any case");
}

#[tokio::test]
async fn vac_1_only_employers_publish_and_the_caller_is_checked_before_the_body() {
    let w = World::new();
    let citizen = w.account(Role::Citizen, "p");
    let v = w.vacancies();
    let bad = VacancyForm::parse(fields(json!({})), 85_000, v.today());
    assert!(matches!(v.publish(&citizen, bad, &origin()).await, Err(VacancyError::Forbidden)));
}

#[test]
fn vac_1_salary_floor_dates_and_every_field() {
    let today = jiff::civil::date(2026, 11, 23);
    let mut body = form("Бу");
    body["salary_from"] = json!(84_999);
    body["salary_to"] = json!(1000);
    body["positions"] = json!(1.5);
    body["valid_until"] = json!("2026-11-23");
    body["employer_bin"] = json!("040840000199");
    let e = VacancyForm::parse(fields(body), 85_000, today).unwrap_err();
    assert_eq!(
        codes(&e),
        pairs(&[
            ("title", "invalid_value"),
            ("salary_from", "salary_below_minimum"),
            ("salary_to", "invalid_value"),
            ("positions", "invalid_value"),
            ("valid_until", "invalid_value"),
            ("employer_bin", "unknown_field"),
        ])
    );
    let mut part_time = form("Бухгалтер");
    part_time["employment_type"] = json!("part_time");
    part_time["salary_from"] = json!(40_000);
    assert!(VacancyForm::parse(fields(part_time), 85_000, today).is_ok(), "the floor is for full time only");
    let mut far = form("Бухгалтер");
    far["valid_until"] = json!("2027-11-24");
    assert!(VacancyForm::parse(fields(far), 85_000, today).is_err(), "at most 365 days ahead");
}

#[tokio::test]
async fn only_the_owner_closes_and_only_once() {
    let w = World::new();
    let owner = w.account(Role::Employer, "p");
    let other = w.account(Role::Employer, "p");
    let v = w.vacancies();
    let published = v.publish(&owner, VacancyForm::parse(fields(form("Бухгалтер")), 85_000, v.today()), &origin()).await.unwrap();
    assert!(matches!(v.close(&other, &published.id, &origin()).await, Err(VacancyError::Forbidden)));
    let closed = v.close(&owner, &published.id, &origin()).await.unwrap();
    assert_eq!(closed.status, VacancyStatus::Closed);
    assert!(matches!(v.close(&owner, &published.id, &origin()).await, Err(VacancyError::AlreadyClosed)));
    let read = v.read(&published.id, None).await.unwrap();
    assert!(!read.listed);
    assert_eq!(
        w.integration.sent().iter().map(|m| m["type"].as_str().unwrap().to_owned()).collect::<Vec<_>>(),
        vec!["vacancy.published", "vacancy.closed"]
    );
}

#[tokio::test]
async fn vac_2_layoff_notices_report_per_group_errors_and_go_to_ais() {
    let w = World::new();
    let employer = w.account(Role::Employer, "p");
    let v = w.vacancies();
    let bad = json!({"reason": "қысқарту", "starts_on": "2026-11-01", "ends_on": "2026-10-01",
        "affected": [{"position": "слесарь", "occupation_code": "7222", "qualification": "3", "salary": 200000, "count": 0}]});
    let e = LayoffForm::parse(fields(bad), v.today()).unwrap_err();
    assert_eq!(codes(&e), pairs(&[("starts_on", "invalid_value"), ("ends_on", "invalid_value"), ("affected.0.count", "invalid_value")]));
    let good = json!({"reason": "қысқарту", "starts_on": "2026-12-01", "ends_on": "2026-12-31",
        "affected": [{"position": "слесарь", "occupation_code": "7222", "qualification": "3", "salary": 200000, "count": 12}]});
    let notice = v.layoff_notice(&employer, LayoffForm::parse(fields(good), v.today()), &origin()).await.unwrap();
    assert_eq!(notice.affected[0].count, 12);
    assert_eq!(w.integration.sent()[0]["type"], "layoff_notice.submitted");
}

#[tokio::test]
async fn vac_6_the_employer_reports_invitations_and_hires_to_ais_and_alone_sees_the_activity() {
    // Order No. 206 §33: responses come from AIS; invitations and hires go from the
    // employer's account to AIS.
    let w = World::new();
    let owner = w.account(Role::Employer, "p");
    let other = w.account(Role::Employer, "p");
    let v = w.vacancies();
    let mut body = form("Токарь");
    body["positions"] = json!(1);
    let published = v.publish(&owner, VacancyForm::parse(fields(body), 85_000, v.today()), &origin()).await.unwrap();
    let iin = enbek_testkit::fixtures::iin_text("900315", 4, 7);
    let report = |kind: &str, on: &str| OutcomeForm::parse(fields(json!({"kind": kind, "iin": iin, "on": on})), v.today());
    let e = OutcomeForm::parse(fields(json!({"kind": "promotion", "iin": "900315400124", "on": "2030-01-01"})), v.today()).unwrap_err();
    assert_eq!(codes(&e), pairs(&[("kind", "invalid_value"), ("iin", "iin_invalid"), ("on", "invalid_value")]));
    let today = v.today().to_string();
    assert!(matches!(v.report_outcome(&other, &published.id, report("hire", &today), &origin()).await, Err(VacancyError::Forbidden)));
    v.report_outcome(&owner, &published.id, report("interview_invitation", &today), &origin()).await.unwrap();
    let hire = v.report_outcome(&owner, &published.id, report("hire", &today), &origin()).await.unwrap();
    assert_eq!(hire.kind, OutcomeKind::Hire);
    assert!(matches!(v.report_outcome(&owner, &published.id, report("hire", &today), &origin()).await, Err(VacancyError::PositionsFilled)));
    let seen = v.read(&published.id, Some(&owner)).await.unwrap().activity.expect("the employer sees the activity");
    assert_eq!((seen.invitations_count, seen.hires_count), (1, 1));
    assert!(v.read(&published.id, Some(&other)).await.unwrap().activity.is_none(), "another employer does not");
    assert!(v.read(&published.id, None).await.unwrap().activity.is_none(), "nor does the public");
    let sent = w.integration.sent();
    let outcomes: Vec<&serde_json::Value> = sent.iter().filter(|m| m["type"] == "vacancy.candidate_outcome").collect();
    assert_eq!(outcomes.len(), 2);
    let doc =
        enbek_core::ais::document(&enbek_core::outbox::Event::parse(&outcomes[1].to_string()).unwrap()).expect("a valid AIS document");
    assert_eq!(doc.body["data"]["outcome"]["kind"], "hire");
    assert_eq!(doc.body["data"]["employer"]["bin"], owner.bin.as_ref().unwrap().as_str());
}
