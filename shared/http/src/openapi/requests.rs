//! The request bodies and query parameters, as schemas. The use cases read input field by field
//! (`enbek_core::input::Fields`, so that every bad field is reported at once); these types
//! describe the same fields for the OpenAPI document, and the flow test
//! `openapi::request_schemas_name_the_fields_the_parsers_read` checks both ways that the fields
//! documented here are the ones each parser knows and requires. Unknown fields are refused
//! (`additionalProperties: false`).

#![allow(dead_code)]

use enbek_core::domain::access::{BasisKind, OrganizationKind};
use enbek_core::domain::grant::{RefundDecisionKind, ReportDecisionKind};
use enbek_core::domain::{DecisionKind, EmploymentType, ExpenseCategory, OutcomeKind, RequestKind, RequestStatus, Role, TicketStatus};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// `POST /v1/accounts` (ACC-1..3): `iin` for a citizen; `bin` and `company_name` for an employer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "login": "aigerim.nurlanovna@mail.kz", "password": "Жаңа-құпия-сөз-2026", "role": "citizen",
    "last_name": "Нұрланова", "first_name": "Әйгерім", "iin": "900215400127", "agreement_version": "2024-06-20"
}))]
pub struct RegistrationRequest {
    /// An e-mail or a Kazakhstan mobile number (ACC-2).
    login: String,
    /// 12–128 characters, not the login, not a common password.
    password: String,
    /// `citizen` or `employer`.
    role: Role,
    last_name: String,
    first_name: String,
    middle_name: Option<String>,
    /// A citizen's IIN: 12 digits with a valid check digit.
    iin: Option<String>,
    /// An employer's BIN: 12 digits with a valid check digit.
    bin: Option<String>,
    company_name: Option<String>,
    /// The version of the user agreement in force (`GET /v1/agreement`, ACC-3).
    agreement_version: String,
}

/// `POST /v1/sessions`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"login": "+7 701 123 45 67", "password": "Жаңа-құпия-сөз-2026"}))]
pub struct SignInRequest {
    login: String,
    password: String,
}

/// `PUT /v1/accounts/me/password` (ACS-5).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    current_password: String,
    new_password: String,
}

/// `POST /v1/accounts/{id}/block` (ACS-9).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Нарушение требований информационной безопасности, служебная записка №17"}))]
pub struct BlockRequest {
    reason: String,
}

/// `POST /v1/vacancies` (VAC-1). Salaries in whole tenge.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Бухгалтер", "description": "Бастапқы құжаттарды жүргізу, 1С бағдарламасында жұмыс тәжірибесі.",
    "occupation_code": "24110001", "region_code": "751110000", "salary_from": 250000, "salary_to": 320000,
    "employment_type": "full_time", "positions": 1, "contact_name": "Сәуле Қасымова",
    "contact_phone": "+77011234567", "contact_email": "hr@example.kz", "valid_until": "2026-12-31"
}))]
pub struct VacancyRequest {
    title: String,
    description: String,
    /// National Classifier of Occupations code (digits).
    occupation_code: String,
    /// KATO code, 9 digits.
    region_code: String,
    /// At least the minimum monthly wage for `full_time`.
    #[schema(minimum = 0)]
    salary_from: u64,
    #[schema(minimum = 0)]
    salary_to: Option<u64>,
    employment_type: EmploymentType,
    #[schema(minimum = 1)]
    positions: u32,
    contact_name: String,
    contact_phone: String,
    contact_email: Option<String>,
    /// After today, at most 365 days ahead.
    #[schema(value_type = String, format = Date)]
    valid_until: Date,
}

/// `POST /v1/vacancies/{id}/outcomes` (VAC-6): an invitation or a hire, reported to AIS.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    kind: OutcomeKind,
    /// The candidate's IIN (sent to AIS, not echoed).
    iin: String,
    #[schema(value_type = String, format = Date)]
    on: Date,
}

/// A group of the employees a layoff affects.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoffGroup {
    position: String,
    occupation_code: String,
    qualification: String,
    #[schema(minimum = 0)]
    salary: u64,
    #[schema(minimum = 1)]
    count: u32,
}

/// `POST /v1/layoff-notices` (VAC-2).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoffRequest {
    reason: String,
    #[schema(value_type = String, format = Date)]
    starts_on: Date,
    #[schema(value_type = String, format = Date)]
    ends_on: Date,
    /// 1–100 groups.
    affected: Vec<LayoffGroup>,
}

/// `POST /v1/…/attachments`: a file to upload (PDF, JPEG or PNG, at most 10 MiB).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file_name": "өтініш.pdf", "content_type": "application/pdf", "size_bytes": 48213}))]
pub struct AttachmentRequest {
    file_name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`.
    content_type: String,
    #[schema(minimum = 1, maximum = 10485760)]
    size_bytes: u64,
}

/// `POST /v1/tickets` (TKT-1): anyone, signed in or not.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "full_name": "Иванова Мария Петровна", "iin": "900215400127", "contact_phone": "8 (701) 123-45-67",
    "email": "maria@mail.kz", "subject": "Не приходит SMS-код", "description": "При входе на портал SMS-код не приходит уже второй день."
}))]
pub struct TicketRequest {
    full_name: String,
    iin: String,
    contact_phone: String,
    email: String,
    subject: String,
    description: String,
    /// Attachments declared through `POST /v1/tickets/attachments` and uploaded.
    attachment_ids: Option<Vec<String>>,
}

/// `PATCH /v1/tickets/{id}` (support): statuses move forward only.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdateRequest {
    /// `in_progress`, `resolved` or `closed`.
    status: Option<TicketStatus>,
    /// `true` marks a defect (moves `due_at` to the 10th working day, TKT-2).
    defect: Option<bool>,
    response: Option<String>,
}

/// The organization of an access request (ACS-11: a state body or a public institution).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRequest {
    name: String,
    bin: String,
    kind: OrganizationKind,
    region: Option<String>,
}

/// The person an access request is about (order 419, appendix 2).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestUserRequest {
    last_name: String,
    first_name: String,
    middle_name: Option<String>,
    iin: String,
    position: String,
    department: String,
    office_number: String,
    mobile_phone: String,
    ip_address: String,
    /// The corporate e-mail: the login of a granted account and where the answer goes.
    email: String,
}

/// The order the request rests on (ACS-3: approved within a year before the application).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasisRequest {
    kind: BasisKind,
    number: String,
    #[schema(value_type = String, format = Date)]
    approved_on: Date,
}

/// The organization's covering letter.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterRequest {
    number: String,
    #[schema(value_type = String, format = Date)]
    date: Date,
}

/// `POST /v1/access-requests` (order No. 419; ACS-1..4, ACS-11). `login` is required for
/// `change`, `block` and `reactivate`; `role`, `systems` and `functions` for `grant` and `change`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestRequest {
    kind: RequestKind,
    login: Option<String>,
    organization: OrganizationRequest,
    user: RequestUserRequest,
    role: Option<Role>,
    systems: Option<Vec<String>>,
    functions: Option<Vec<String>>,
    basis: BasisRequest,
    /// From `POST /v1/access-requests/attachments`, uploaded.
    basis_document_id: String,
    letter: LetterRequest,
}

/// `POST /v1/access-requests/{id}/decision`: `reason` is required to refuse.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "refuse", "reason": "Бұйрық көшірмесі қол қойылмаған."}))]
pub struct AccessDecisionRequest {
    decision: DecisionKind,
    reason: Option<String>,
}

/// `POST /v1/grants` (GRT-1): money in tiyn.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "recipient_iin": "900215400127", "contract_number": "ГР-2026/114", "contract_date": "2026-03-02",
    "amount_tiyn": 500000000, "purpose": "Шағын наубайхана ашу", "period_start": "2026-03-02", "period_end": "2027-03-01"
}))]
pub struct GrantRequest {
    recipient_iin: String,
    contract_number: String,
    #[schema(value_type = String, format = Date)]
    contract_date: Date,
    #[schema(minimum = 1)]
    amount_tiyn: i64,
    purpose: String,
    #[schema(value_type = String, format = Date)]
    period_start: Date,
    #[schema(value_type = String, format = Date)]
    period_end: Date,
}

/// One expense of a report (GRT-2).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseRequest {
    category: ExpenseCategory,
    description: String,
    #[schema(minimum = 1)]
    amount_tiyn: i64,
    /// Within the grant's period, not in the future.
    #[schema(value_type = String, format = Date)]
    spent_on: Date,
    supplier_bin: Option<String>,
    /// Attachments of this grant, uploaded.
    attachment_ids: Option<Vec<String>>,
}

/// `POST /v1/grants/{id}/reports` (GRT-2).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    expenses: Vec<ExpenseRequest>,
    comment: Option<String>,
}

/// `POST /v1/grants/{id}/reports/{report_id}/decision`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDecisionRequest {
    decision: ReportDecisionKind,
    comment: Option<String>,
}

/// `POST /v1/grants/{id}/refunds` (GRT-3).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[schema(minimum = 1)]
    amount_tiyn: i64,
    reason: String,
}

/// `POST /v1/grants/{id}/refunds/{refund_id}/decision`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundDecisionRequest {
    decision: RefundDecisionKind,
    comment: Option<String>,
}

// --- query parameters ----------------------------------------------------------------------

/// `GET /v1/vacancies`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VacancySearchParams {
    /// KATO code (9 digits).
    region_code: Option<String>,
    /// National Classifier of Occupations code.
    occupation_code: Option<String>,
    /// Words of the title or description.
    q: Option<String>,
}

/// `GET /v1/tickets` (support).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketListParams {
    status: Option<TicketStatus>,
    /// `true`: only tickets past their `due_at`.
    overdue: Option<bool>,
}

/// `GET /v1/tickets/{id}` without a token.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketAccessParams {
    /// The access code shown once when the ticket was filed.
    access_code: Option<String>,
}

/// `GET /v1/access-requests` (security administrator).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessListParams {
    status: Option<RequestStatus>,
}

/// `GET /v1/access-journal`: registration dates, inclusive.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalParams {
    #[param(value_type = Option<String>, format = Date)]
    from: Option<Date>,
    #[param(value_type = Option<String>, format = Date)]
    to: Option<Date>,
}

/// `GET /v1/grants`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrantListParams {
    /// `me`: only the caller's own grants.
    recipient: Option<String>,
}
