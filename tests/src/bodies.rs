//! Valid request bodies for the routes, shared by the flow tests and the benchmarks.

use serde_json::{json, Value};

/// A vacancy an employer may publish (`POST /v1/vacancies`).
pub fn vacancy(title: &str, region: &str, occupation: &str) -> Value {
    json!({
        "title": title,
        "description": "Ведение бухгалтерского учёта, подготовка отчётности, работа в 1С.",
        "occupation_code": occupation,
        "region_code": region,
        "salary_from": 250_000,
        "salary_to": 350_000,
        "employment_type": "full_time",
        "positions": 2,
        "contact_name": "Ахметова Динара",
        "contact_phone": "+7 702 111 22 33",
        "contact_email": "hr@kazcom.kz",
        "valid_until": "2027-01-31",
    })
}

/// The declaration of an upload (`POST /v1/tickets/attachments`, `/v1/access-requests/attachments`,
/// `/v1/grants/{id}/attachments`): what the browser says it will send.
pub fn attachment(file_name: &str, content_type: &str, size_bytes: usize) -> Value {
    json!({"file_name": file_name, "content_type": content_type, "size_bytes": size_bytes})
}

/// A support ticket (`POST /v1/tickets`).
pub fn ticket() -> Value {
    json!({
        "full_name": "Сейтқали Әйгерім Нұрланқызы",
        "iin": crate::iin("900315", 4, 1),
        "contact_phone": "+7 701 234 56 78",
        "email": "aigerim@mail.kz",
        "subject": "Не могу войти в кабинет",
        "description": "После смены пароля портал пишет, что учётная запись заблокирована.",
    })
}

/// An access request of `kind` (appendix 2 of order No. 419) for the staff member with `iin`
/// and corporate `email`, citing the uploaded basis document.
pub fn access_request(kind: &str, iin: &str, email: &str, basis_document_id: &str) -> Value {
    let mut body = json!({
        "kind": kind,
        "organization": {"name": "Министерство труда и социальной защиты населения РК", "bin": crate::bin(7), "kind": "state_body", "region": "г. Астана"},
        "user": {
            "last_name": "Жұмабаев", "first_name": "Ерлан", "middle_name": "Серікұлы",
            "iin": iin, "position": "главный эксперт", "department": "Департамент занятости",
            "office_number": "1204", "mobile_phone": "+7 701 555 12 34", "ip_address": "10.61.4.27",
            "email": email,
        },
        "role": "official",
        "systems": ["АИС «Рынок труда»"],
        "functions": ["просмотр вакансий", "отчёты"],
        "basis": {"kind": if kind == "block" { "dismissal" } else { "hiring" }, "number": "12-к", "approved_on": "2026-06-01"},
        "basis_document_id": basis_document_id,
        "letter": {"number": "01-12/345", "date": "2026-11-20"},
    });
    // Appendix 2: the person's existing login, for every kind but a grant.
    if kind != "grant" {
        body["login"] = json!(email);
    }
    body
}
