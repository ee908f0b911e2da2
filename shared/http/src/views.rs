//! The response bodies of the API (API.md), as types: the contract has one place in code.
//! Handlers build these from use-case outcomes; nothing answers with ad-hoc JSON.

use enbek_core::attachments::{AttachmentRef, UploadGrant};
use enbek_core::domain::access::{Basis, Decision, Letter, Organization, RequestUser};
use enbek_core::domain::{
    AccessRequest, Account, AccountStatus, Bin, BlockedReason, Email, EmploymentType, ExpenseCategory, Grant, GrantReport, Iin, JournalRow,
    Login, PersonName, Phone, Refund, RequestKind, RequestStatus, Role, Ticket, TicketStatus, Vacancy, VacancyStatus,
};
use enbek_core::page::Page;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// `{"items": [...], "next_cursor": "..." | null}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> PageView<T> {
    pub fn of<U>(page: Page<U>, view: impl FnMut(U) -> T) -> Self {
        PageView { items: page.items.into_iter().map(view).collect(), next_cursor: page.next_cursor }
    }
}

// --- accounts and sessions ---------------------------------------------------------------

/// 201 of `POST /v1/accounts`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct AccountCreatedView {
    pub id: String,
    pub login: Login,
    pub role: Role,
    pub status: AccountStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

impl From<&Account> for AccountCreatedView {
    fn from(a: &Account) -> Self {
        Self { id: a.id.clone(), login: a.login.clone(), role: a.role, status: a.status, created_at: a.created_at }
    }
}

/// `GET /v1/accounts/me`: the profile, never the password hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct ProfileView {
    pub id: String,
    pub login: Login,
    pub role: Role,
    pub status: AccountStatus,
    pub blocked_reason: Option<BlockedReason>,
    pub must_change_password: bool,
    pub last_name: PersonName,
    pub first_name: PersonName,
    pub middle_name: Option<PersonName>,
    pub iin: Option<Iin>,
    pub bin: Option<Bin>,
    pub company_name: Option<String>,
    pub agreement_version: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub agreement_accepted_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_login_at: Option<Timestamp>,
    pub systems: Vec<String>,
    pub functions: Vec<String>,
}

impl From<&Account> for ProfileView {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.clone(),
            login: a.login.clone(),
            role: a.role,
            status: a.status,
            blocked_reason: a.blocked_reason,
            must_change_password: a.must_change_password,
            last_name: a.last_name.clone(),
            first_name: a.first_name.clone(),
            middle_name: a.middle_name.clone(),
            iin: a.iin.clone(),
            bin: a.bin.clone(),
            company_name: a.company_name.clone(),
            agreement_version: a.agreement_version.clone(),
            agreement_accepted_at: a.agreement_accepted_at,
            created_at: a.created_at,
            last_login_at: a.last_login_at,
            systems: a.systems.clone(),
            functions: a.functions.clone(),
        }
    }
}

/// 200 of `POST /v1/accounts/{id}/block`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct BlockedView {
    pub id: String,
    pub status: AccountStatus,
    pub blocked_reason: Option<BlockedReason>,
}

impl From<&Account> for BlockedView {
    fn from(a: &Account) -> Self {
        Self { id: a.id.clone(), status: a.status, blocked_reason: a.blocked_reason }
    }
}

/// `GET /v1/agreement`: the user agreement in force (ACC-3), titled in the caller's language.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct AgreementView {
    pub version: String,
    pub title: &'static str,
    pub url: String,
}

/// 200 of `POST /v1/sessions`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub must_change_password: bool,
}

// --- attachments -------------------------------------------------------------------------

/// 201 of `POST /v1/<…>/attachments`: where and how to upload.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct UploadView {
    pub attachment_id: String,
    pub upload_url: String,
    pub expires_in: u64,
    /// Headers the upload must send exactly (they are part of the signature).
    pub upload_headers: BTreeMap<String, String>,
}

impl From<UploadGrant> for UploadView {
    fn from(g: UploadGrant) -> Self {
        Self {
            attachment_id: g.attachment_id,
            upload_url: g.url,
            expires_in: g.expires_in_secs,
            upload_headers: g.headers.into_iter().collect(),
        }
    }
}

// --- tickets -----------------------------------------------------------------------------

/// 201 of `POST /v1/tickets`: the access code is shown here once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct TicketFiledView {
    pub id: String,
    pub number: String,
    pub status: TicketStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    pub access_code: String,
}

/// What only support sees of a ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct TicketHandlingView {
    pub author_id: Option<String>,
    pub defect_marked_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub defect_marked_at: Option<Timestamp>,
    pub responded_by: Option<String>,
}

/// A ticket as its author and support see it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct TicketView {
    pub id: String,
    pub number: String,
    pub status: TicketStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    pub overdue: bool,
    pub defect: bool,
    pub full_name: PersonName,
    pub iin: Iin,
    pub contact_phone: Phone,
    pub email: Email,
    pub subject: String,
    pub description: String,
    pub attachments: Vec<AttachmentRef>,
    pub response: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub responded_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = TicketHandlingView))]
    pub handling: Option<TicketHandlingView>,
}

impl TicketView {
    pub fn new(t: &Ticket, now: Timestamp, for_support: bool) -> Self {
        Self {
            id: t.id.clone(),
            number: t.number.clone(),
            status: t.status,
            received_at: t.received_at,
            due_at: t.due_at,
            overdue: t.is_overdue(now),
            defect: t.defect,
            full_name: t.full_name.clone(),
            iin: t.iin.clone(),
            contact_phone: t.contact_phone.clone(),
            email: t.email.clone(),
            subject: t.subject.clone(),
            description: t.description.clone(),
            attachments: t.attachments.clone(),
            response: t.response.clone(),
            responded_at: t.responded_at,
            updated_at: t.updated_at,
            handling: for_support.then(|| TicketHandlingView {
                author_id: t.author_id.clone(),
                defect_marked_by: t.defect_marked_by.clone(),
                defect_marked_at: t.defect_marked_at,
                responded_by: t.responded_by.clone(),
            }),
        }
    }
}

/// A row of support's worklist: enough to triage, without personal data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct TicketSummaryView {
    pub id: String,
    pub number: String,
    pub status: TicketStatus,
    pub subject: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    pub overdue: bool,
    pub defect: bool,
}

impl TicketSummaryView {
    pub fn new(t: &Ticket, now: Timestamp) -> Self {
        Self {
            id: t.id.clone(),
            number: t.number.clone(),
            status: t.status,
            subject: t.subject.clone(),
            received_at: t.received_at,
            due_at: t.due_at,
            overdue: t.is_overdue(now),
            defect: t.defect,
        }
    }
}

// --- vacancies ---------------------------------------------------------------------------

/// A vacancy as the public sees it (ACC-4).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct VacancyView {
    pub id: String,
    pub status: VacancyStatus,
    pub title: String,
    pub description: String,
    pub occupation_code: String,
    pub region_code: String,
    pub salary_from: u64,
    pub salary_to: Option<u64>,
    pub employment_type: EmploymentType,
    pub positions: u32,
    pub contact_name: PersonName,
    pub contact_phone: Phone,
    pub contact_email: Option<Email>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub valid_until: Date,
    pub employer_bin: Bin,
    pub company_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub published_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Timestamp>,
    /// `GET /v1/vacancies/{id}` only: published and not expired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<bool>,
    /// `GET /v1/vacancies/{id}` with its employer's token only (VAC-6): responses from AIS,
    /// reported invitations and hires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<enbek_core::domain::VacancyActivity>,
}

impl From<&Vacancy> for VacancyView {
    fn from(v: &Vacancy) -> Self {
        Self {
            id: v.id.clone(),
            status: v.status,
            title: v.title.clone(),
            description: v.description.clone(),
            occupation_code: v.occupation_code.clone(),
            region_code: v.region_code.clone(),
            salary_from: v.salary_from,
            salary_to: v.salary_to,
            employment_type: v.employment_type,
            positions: v.positions,
            contact_name: v.contact_name.clone(),
            contact_phone: v.contact_phone.clone(),
            contact_email: v.contact_email.clone(),
            valid_until: v.valid_until,
            employer_bin: v.employer_bin.clone(),
            company_name: v.company_name.clone(),
            published_at: v.published_at,
            closed_at: v.closed_at,
            listed: None,
            activity: None,
        }
    }
}

/// 201 of `POST /v1/vacancies/{id}/outcomes` (the IIN is not echoed).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct OutcomeView {
    pub id: String,
    pub vacancy_id: String,
    pub kind: enbek_core::domain::OutcomeKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub reported_at: Timestamp,
}

impl From<&enbek_core::domain::CandidateOutcome> for OutcomeView {
    fn from(o: &enbek_core::domain::CandidateOutcome) -> Self {
        Self { id: o.id.clone(), vacancy_id: o.vacancy_id.clone(), kind: o.kind, on: o.on, reported_at: o.reported_at }
    }
}

/// 201 of `POST /v1/layoff-notices`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct LayoffCreatedView {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub starts_on: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub ends_on: Date,
    pub affected_total: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
}

// --- access requests ---------------------------------------------------------------------

/// 201 of `POST /v1/access-requests`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct AccessRequestCreatedView {
    pub id: String,
    pub status: RequestStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
}

/// An access request as its submitter and the security administrator see it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct AccessRequestView {
    pub id: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// The person's existing login (change, block, reactivate).
    pub login: Option<Login>,
    pub organization: Organization,
    pub user: RequestUser,
    pub role: Option<Role>,
    pub systems: Vec<String>,
    pub functions: Vec<String>,
    pub basis: Basis,
    pub basis_document: AttachmentRef,
    pub letter: Letter,
    pub submitted_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub due_at: Timestamp,
    pub decision: Option<Decision>,
}

impl From<&AccessRequest> for AccessRequestView {
    fn from(r: &AccessRequest) -> Self {
        Self {
            id: r.id.clone(),
            kind: r.kind,
            status: r.status,
            login: r.login.clone(),
            organization: r.organization.clone(),
            user: r.user.clone(),
            role: r.role,
            systems: r.systems.clone(),
            functions: r.functions.clone(),
            basis: r.basis.clone(),
            basis_document: r.basis_document.clone(),
            letter: r.letter.clone(),
            submitted_by: r.submitted_by.clone(),
            received_at: r.received_at,
            due_at: r.due_at,
            decision: r.decision.clone(),
        }
    }
}

/// 200 of a decision: the request, and on approval what it issued (the temporary password
/// shown once).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct DecisionView {
    #[serde(flatten)]
    pub request: AccessRequestView,
    pub account_id: Option<String>,
    pub login: Option<Login>,
    pub journal_number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

/// A row of the registration journal (appendix 1).
pub type JournalRowView = JournalRow;

// --- grants ------------------------------------------------------------------------------

/// A grant as its recipient and center staff see it (GRT-1): money in tiyn.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct GrantView {
    pub id: String,
    pub recipient_id: String,
    pub recipient_iin: Iin,
    pub contract_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub contract_date: Date,
    pub amount_tiyn: i64,
    pub purpose: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_start: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub period_end: Date,
    /// Submitted and accepted reports.
    pub spent_tiyn: i64,
    /// Confirmed refunds.
    pub refunded_tiyn: i64,
    /// What reports and refunds may still take.
    pub remaining_tiyn: i64,
    pub awarded_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub awarded_at: Timestamp,
}

impl From<&Grant> for GrantView {
    fn from(g: &Grant) -> Self {
        Self {
            id: g.id.clone(),
            recipient_id: g.recipient_id.clone(),
            recipient_iin: g.recipient_iin.clone(),
            contract_number: g.contract_number.clone(),
            contract_date: g.contract_date,
            amount_tiyn: g.amount_tiyn,
            purpose: g.purpose.clone(),
            period_start: g.period_start,
            period_end: g.period_end,
            spent_tiyn: g.spent_tiyn,
            refunded_tiyn: g.refunded_tiyn,
            remaining_tiyn: g.available_tiyn,
            awarded_by: g.awarded_by.clone(),
            awarded_at: g.awarded_at,
        }
    }
}

/// A report on the use of grant funds (GRT-2), with its decision once taken.
pub type GrantReportView = GrantReport;

/// A refund application (GRT-3), with its decision once taken.
pub type RefundView = Refund;

/// One expense category with its names.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct ExpenseCategoryView {
    pub code: ExpenseCategory,
    pub labels: BTreeMap<&'static str, &'static str>,
}

/// `GET /v1/grants/expense-categories`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Serialize)]
pub struct ExpenseCategoriesView {
    pub items: Vec<ExpenseCategoryView>,
}

impl ExpenseCategoriesView {
    pub fn all() -> Self {
        use enbek_core::codes::Lang;
        let items = ExpenseCategory::ALL
            .iter()
            .map(|c| ExpenseCategoryView { code: *c, labels: Lang::ALL.iter().map(|l| (l.as_str(), c.label(*l))).collect() })
            .collect();
        Self { items }
    }
}
