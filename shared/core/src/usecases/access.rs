//! Access requests to the ministry's information systems (function `request-access`; order
//! No. 419, ACS-1..8, ACS-10, ACS-11) and the registration journal (ACS-6). This is how every
//! staff account other than the first security administrator comes to exist.
//!
//! Temporary passwords (ACS-4, ACS-5, ACS-10) are generated here, hashed at once, returned once
//! to the administrator and sent once to the corporate e-mail through the `notifications`
//! queue. The outbox item that guarantees the answer's delivery holds a version *without* the
//! password: if SQS is down at that moment, the user is told the login was issued and gets the
//! password from the administrator. The password is never stored in the table, the journal,
//! the audit trail or the logs.

use super::has_role;
use crate::attachments::{self, check_cited_one, Declared, UploadGrant};
use crate::audit::{AuditEntry, Origin};
use crate::calendar::{day_start, local_date, WorkCalendar};
use crate::clock::Clock;
use crate::codes::Code;
use crate::domain::access::{Basis, BasisKind, Decision, Letter, Organization, OrganizationKind, RequestUser};
use crate::domain::{
    password, AccessRequest, Account, AccountStatus, Bin, BlockedReason, DecisionKind, Email, Iin, JournalRow, Login, PersonName, Phone,
    RequestKind, RequestStatus, Role,
};
use crate::input::{parse, Fields, Invalid};
use crate::outbox::{self, OutboxMessage, OutboxStore, Queues};
use crate::page::{Page, PageRequest};
use crate::password::{HashError, PasswordHasher};
use crate::ports::{
    AccessRequestStore, AccountEffect, AccountStore, AttachmentStore, AuditLog, DecideError, DecisionWrite, FileStore, StoreError,
    SubmitError, UniqueKey,
};
use jiff::civil::Date;
use jiff::Timestamp;
use serde_json::{json, Value};
use std::sync::Arc;

/// Attachments (basis documents) are declared under this scope.
pub const SCOPE: &str = "access-requests";
/// The most journal rows one CSV export holds.
pub const CSV_MAX_ROWS: usize = 200_000;
/// A CSV up to this size is answered inline; a larger one is written to the bucket (Lambda
/// answers at most 6 MB, and the CSV travels base64-encoded, a third larger).
pub const INLINE_CSV_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Temporary passwords open the account this long (configuration `TEMPORARY_PASSWORD_TTL_HOURS`).
pub const DEFAULT_TEMPORARY_PASSWORD_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(72);

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("not allowed")]
    Forbidden,
    #[error("no such access request")]
    NotFound,
    #[error("an undecided request of this kind for this person exists")]
    DuplicateRequest,
    #[error("the request is already decided")]
    AlreadyDecided,
    #[error("this IIN already has a login")]
    PersonHasLogin,
    #[error("no staff account for this IIN")]
    AccountNotFound,
    #[error("the login is taken")]
    LoginTaken,
    #[error("the account changed concurrently")]
    ConcurrentUpdate,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DecideError> for AccessError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::AlreadyDecided => AccessError::AlreadyDecided,
            DecideError::Taken(UniqueKey::StaffIin(_)) => AccessError::PersonHasLogin,
            DecideError::Taken(_) => AccessError::LoginTaken,
            DecideError::AccountChanged => AccessError::ConcurrentUpdate,
            DecideError::Store(s) => AccessError::Store(s),
        }
    }
}

// --- parsing -------------------------------------------------------------------------------

/// A calendar date not after `today`.
fn past_date(today: Date) -> impl FnOnce(&Value) -> Result<Date, Code> {
    move |v| {
        let d = parse::date(v)?;
        if d > today {
            Err(Code::InvalidValue)
        } else {
            Ok(d)
        }
    }
}

/// A list of 1..=`max` short texts (systems, functions), sorted and without repeats.
fn text_list(max: usize, max_chars: usize) -> impl FnOnce(&Value) -> Result<Vec<String>, Code> {
    move |v| {
        let items = v.as_array().ok_or(Code::InvalidType)?;
        if items.is_empty() {
            return Err(Code::Required);
        }
        if items.len() > max {
            return Err(Code::TooMany);
        }
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(parse::text(max_chars)(i)?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn parse_organization(f: &mut Fields) -> Option<Organization> {
    let name = f.required("name", parse::text(300));
    let bin = f.required("bin", parse::with(Bin::parse));
    // ACS-11: only state bodies and public institutions; any other kind is not eligible.
    let kind = f.required("kind", |v| match v {
        Value::String(s) => OrganizationKind::parse(s).ok_or(Code::OrganizationNotEligible),
        _ => Err(Code::InvalidType),
    });
    let region = f.optional("region", parse::text(100));
    Some(Organization { name: name?, bin: bin?, kind: kind?, region })
}

fn parse_user(f: &mut Fields) -> Option<RequestUser> {
    let last_name = f.required("last_name", parse::with(PersonName::parse));
    let first_name = f.required("first_name", parse::with(PersonName::parse));
    let middle_name = f.optional("middle_name", parse::with(PersonName::parse));
    let iin = f.required("iin", parse::with(Iin::parse));
    let position = f.required("position", parse::text(200));
    let department = f.required("department", parse::text(200));
    let office_number = f.required("office_number", parse::text(20));
    let mobile_phone = f.required("mobile_phone", parse::with(Phone::parse));
    let ip_address = f.required("ip_address", parse::with(|s| s.trim().parse::<std::net::IpAddr>().map_err(|_| Code::InvalidValue)));
    let email = f.required("email", parse::with(Email::parse));
    Some(RequestUser {
        last_name: last_name?,
        first_name: first_name?,
        middle_name,
        iin: iin?,
        position: position?,
        department: department?,
        office_number: office_number?,
        mobile_phone: mobile_phone?,
        ip_address: ip_address?,
        email: email?,
    })
}

fn parse_basis(f: &mut Fields, today: Date) -> Option<Basis> {
    let kind = f.required("kind", parse::variant::<BasisKind>);
    let number = f.required("number", parse::text(50));
    let approved_on = f.required("approved_on", past_date(today));
    let basis = Basis { kind: kind?, number: number?, approved_on: approved_on? };
    // ACS-3: approved within one year before the request date.
    if !basis.is_current_on(today) {
        f.error("approved_on", Code::BasisExpired);
        return None;
    }
    Some(basis)
}

fn parse_letter(f: &mut Fields, today: Date) -> Option<Letter> {
    let number = f.required("number", parse::text(50));
    let date = f.required("date", past_date(today));
    Some(Letter { number: number?, date: date? })
}

/// `GET /v1/access-requests` query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestQuery {
    pub status: Option<RequestStatus>,
    pub page: PageRequest,
}

impl RequestQuery {
    pub fn parse(mut q: Fields) -> Result<Self, Invalid> {
        let status = q.optional("status", parse::variant::<RequestStatus>);
        let page = PageRequest::parse(&mut q);
        q.finish()?;
        Ok(RequestQuery { status, page })
    }
}

/// `POST /v1/access-requests/{id}/decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionForm {
    pub decision: DecisionKind,
    /// Required to refuse.
    pub reason: Option<String>,
}

impl DecisionForm {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let decision = f.required("decision", parse::variant::<DecisionKind>);
        let reason = f.optional("reason", parse::text(2000));
        if decision == Some(DecisionKind::Refuse) && reason.is_none() {
            f.error("reason", Code::Required);
        }
        f.finish()?;
        Ok(DecisionForm { decision: decision.unwrap_or(DecisionKind::Refuse), reason })
    }
}

/// `GET /v1/access-journal?from=&to=`: Asia/Almaty days, both inclusive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub page: PageRequest,
}

impl JournalQuery {
    pub fn parse(mut q: Fields) -> Result<Self, Invalid> {
        let from = q.optional("from", parse::date);
        let to = q.optional("to", parse::date);
        let page = PageRequest::parse(&mut q);
        if let (Some(a), Some(b)) = (from, to) {
            if a > b {
                q.error("to", Code::InvalidValue);
            }
        }
        q.finish()?;
        Ok(JournalQuery { from, to, page })
    }
}

/// The outcome of a decision.
#[derive(Clone, Debug)]
pub struct Decided {
    pub request: AccessRequest,
    pub account_id: Option<String>,
    pub login: Option<Login>,
    pub journal_number: Option<u64>,
    /// Shown once (grant, reactivate): never stored.
    pub temporary_password: Option<String>,
}

#[derive(Clone)]
pub struct AccessRequests {
    pub requests: Arc<dyn AccessRequestStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub attachments: Arc<dyn AttachmentStore>,
    pub files: Arc<dyn FileStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub hasher: Arc<dyn PasswordHasher>,
    /// Seals the temporary password in the e-mail message (only `notify` opens it).
    pub secrets: Arc<dyn crate::ports::SecretBox>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// How long a temporary password opens the account (ACS-5).
    pub temporary_password_ttl: jiff::SignedDuration,
}

/// The registration journal as CSV: inline, or in the bucket behind a short-lived link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalExport {
    Inline(Vec<u8>),
    Stored { url: String },
}

/// The answer to the corporate e-mail (ACS-4): the stored version never holds the password.
fn answer(request: &AccessRequest, template: &str, extra: Value) -> Value {
    let mut data = json!({
        "to": request.user.email,
        "lang": request.lang,
        "template": template,
        "request": { "id": request.id, "kind": request.kind, "status": request.status },
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    data
}

/// A decision about to be written: what the approval does, and what it issues.
struct Approval {
    effect: AccountEffect,
    account_id: String,
    login: Login,
    temporary_password: Option<String>,
}

impl AccessRequests {
    /// `POST /v1/access-requests/attachments`: a presigned upload for the basis document (ACS-3).
    pub async fn declare_attachment(&self, staff: &Account, declared: Result<Declared, Invalid>) -> Result<UploadGrant, AccessError> {
        if !staff.role.is_staff() {
            return Err(AccessError::Forbidden);
        }
        let declared = declared?;
        Ok(attachments::declare_upload(self.attachments.as_ref(), self.files.as_ref(), SCOPE, &staff.id, self.clock.now(), declared)
            .await?)
    }

    /// `POST /v1/access-requests` (ACS-1, ACS-2, ACS-3, ACS-4, ACS-7, ACS-11): every field of
    /// appendix 2 and the basis document, reported at once.
    pub async fn submit(&self, staff: &Account, mut f: Fields, origin: &Origin) -> Result<AccessRequest, AccessError> {
        if !staff.role.is_staff() {
            return Err(AccessError::Forbidden);
        }
        let now = self.clock.now();
        let today = local_date(now);
        let kind = f.required("kind", parse::variant::<RequestKind>);
        let organization = f.object("organization", true, parse_organization);
        let user = f.object("user", true, parse_user);
        let rights = kind.is_none_or(|k| k.grants_rights());
        let staff_role = || parse::variant_in(Role::STAFF, Code::InvalidValue);
        let (role, systems, functions) = if rights {
            (f.required("role", staff_role()), f.required("systems", text_list(50, 200)), f.required("functions", text_list(100, 300)))
        } else {
            (f.optional("role", staff_role()), f.optional("systems", text_list(50, 200)), f.optional("functions", text_list(100, 300)))
        };
        // Appendix 2: the person's existing login, for the kinds that act on an existing account.
        let login = match kind {
            Some(RequestKind::Grant) | None => f.optional("login", parse::with(Login::parse)),
            Some(_) => f.required("login", parse::with(Login::parse)),
        };
        let basis = f.object("basis", true, |b| parse_basis(b, today));
        let document_id = f.required("basis_document_id", parse::text(64));
        let letter = f.object("letter", true, |l| parse_letter(l, today));
        let cited = match &document_id {
            Some(id) => check_cited_one(&mut f, "basis_document_id", id, SCOPE, self.attachments.as_ref(), self.files.as_ref()).await?,
            None => None,
        };
        // ACS-7 at submission already: a grant for a person who has a login, or a change of an
        // account that does not exist, cannot be approved.
        if let (Some(kind), Some(user)) = (kind, &user) {
            let existing = self.accounts.holder_of(&UniqueKey::StaffIin(user.iin.clone())).await?;
            match (kind, existing) {
                (RequestKind::Grant, Some(_)) => f.error("user.iin", Code::PersonHasLogin),
                (RequestKind::Grant, None) => {
                    // A grant's login is the corporate e-mail; a login given must be that one.
                    if login.as_ref().is_some_and(|l| l.as_str() != user.email.as_str()) {
                        f.error("login", Code::InvalidValue);
                    }
                }
                (_, None) => f.error("user.iin", Code::AccountNotFound),
                (_, Some(id)) => {
                    let holder = self.accounts.get(&id).await?;
                    if let (Some(given), Some(holder)) = (&login, holder) {
                        if *given != holder.login {
                            f.error("login", Code::LoginMismatch);
                        }
                    }
                }
            }
        }
        f.finish()?;
        let (Some(kind), Some(organization), Some(user), Some(basis), Some(letter), Some(cited)) =
            (kind, organization, user, basis, letter, cited)
        else {
            return Err(Invalid::field("kind", Code::Required).into());
        };

        let request = AccessRequest {
            id: crate::ids::new_id(),
            kind,
            status: RequestStatus::Pending,
            login,
            organization,
            user,
            role,
            systems: systems.unwrap_or_default(),
            functions: functions.unwrap_or_default(),
            basis,
            basis_document: cited,
            letter,
            submitted_by: staff.id.clone(),
            received_at: now,
            due_at: WorkCalendar::kazakhstan().due_at(now, AccessRequest::ANSWER_WORKING_DAYS),
            decision: None,
            lang: origin.lang,
        };
        let audit = AuditEntry::new(now, &staff.id, "access_request.submitted", format!("access_request:{}", request.id), origin)
            .with_details(json!({ "kind": request.kind, "role": request.role }));
        match self.requests.submit(&request, &audit).await {
            Ok(()) => Ok(request),
            Err(SubmitError::Duplicate) => Err(AccessError::DuplicateRequest),
            Err(SubmitError::Store(e)) => Err(e.into()),
        }
    }

    async fn load(&self, id: &str) -> Result<AccessRequest, AccessError> {
        if !crate::ids::is_valid_id(id) {
            return Err(AccessError::NotFound);
        }
        self.requests.get(id).await?.ok_or(AccessError::NotFound)
    }

    /// `GET /v1/access-requests` (security_admin): pending first, oldest first.
    pub async fn list(&self, admin: &Account, q: Result<RequestQuery, Invalid>) -> Result<Page<AccessRequest>, AccessError> {
        if !has_role(admin, &[Role::SecurityAdmin]) {
            return Err(AccessError::Forbidden);
        }
        let q = q?;
        Ok(self.requests.list(q.status, &q.page).await?)
    }

    /// `GET /v1/access-requests/{id}`: its submitter or a security administrator; an
    /// administrator's read is in the audit trail (ACS-12).
    pub async fn read(&self, staff: &Account, id: &str, origin: &Origin) -> Result<AccessRequest, AccessError> {
        let request = self.readable(staff, id).await?;
        if staff.role == Role::SecurityAdmin {
            let entry = AuditEntry::new(self.clock.now(), &staff.id, "access_request.read", format!("access_request:{id}"), origin);
            self.audit.record(&entry).await?;
        }
        Ok(request)
    }

    /// A download of the request's basis document (the version cited), for its submitter or a
    /// security administrator.
    pub async fn basis_document_url(&self, staff: &Account, id: &str, origin: &Origin) -> Result<String, AccessError> {
        let request = self.readable(staff, id).await?;
        let entry =
            AuditEntry::new(self.clock.now(), &staff.id, "access_request.basis_document_read", format!("access_request:{id}"), origin);
        self.audit.record(&entry).await?;
        Ok(attachments::download_url(self.files.as_ref(), SCOPE, &request.basis_document).await?)
    }

    async fn readable(&self, staff: &Account, id: &str) -> Result<AccessRequest, AccessError> {
        if !staff.role.is_staff() {
            return Err(AccessError::Forbidden);
        }
        let request = self.load(id).await?;
        if staff.role != Role::SecurityAdmin && request.submitted_by != staff.id {
            return Err(AccessError::Forbidden);
        }
        Ok(request)
    }

    /// `POST /v1/access-requests/{id}/decision` (security_admin): refusal, or approval of the
    /// request's kind; one transaction conditioned on the request still being pending.
    pub async fn decide(
        &self,
        admin: &Account,
        id: &str,
        form: Result<DecisionForm, Invalid>,
        origin: &Origin,
    ) -> Result<Decided, AccessError> {
        if !has_role(admin, &[Role::SecurityAdmin]) {
            return Err(AccessError::Forbidden);
        }
        let form = form?;
        let request = self.load(id).await?;
        if request.status != RequestStatus::Pending {
            return Err(AccessError::AlreadyDecided);
        }
        match form.decision {
            DecisionKind::Refuse => self.refuse(admin, request, form.reason.unwrap_or_default(), origin).await,
            DecisionKind::Approve => {
                // ACS-3, order 419 §23: "approved within one year before the date of application"
                // — judged against the request's date of receipt at decision as at submission, so
                // a request valid when filed does not expire while it waits.
                if !request.basis.is_current_on(request.received_on()) {
                    return Err(Invalid::field("basis.approved_on", Code::BasisExpired).into());
                }
                let approval = match request.kind {
                    RequestKind::Grant => self.grant(&request).await?,
                    RequestKind::Change => self.change(&request).await?,
                    RequestKind::Block => self.block(&request).await?,
                    RequestKind::Reactivate => self.reactivate(&request).await?,
                };
                self.approve(admin, request, approval, origin).await
            }
        }
    }

    fn decided(&self, admin: &Account, request: &AccessRequest, kind: DecisionKind, reason: Option<String>) -> AccessRequest {
        let mut decided = request.clone();
        decided.status = if kind == DecisionKind::Approve { RequestStatus::Approved } else { RequestStatus::Refused };
        decided.decision = Some(Decision {
            decision: kind,
            reason,
            decided_by: admin.id.clone(),
            decided_at: self.clock.now(),
            account_id: None,
            journal_number: None,
        });
        decided
    }

    /// A refusal with its reason, sent to the corporate e-mail (ACS-4).
    async fn refuse(&self, admin: &Account, request: AccessRequest, reason: String, origin: &Origin) -> Result<Decided, AccessError> {
        let now = self.clock.now();
        let decided = self.decided(admin, &request, DecisionKind::Refuse, Some(reason.clone()));
        let message = OutboxMessage::notification(
            "access_request.refused",
            now,
            answer(&decided, "access_request_refused", json!({ "reason": reason })),
        );
        let audit = AuditEntry::new(now, &admin.id, "access_request.refused", format!("access_request:{}", request.id), origin)
            .with_details(json!({ "reason": reason }));
        let write =
            DecisionWrite { request: decided.clone(), effect: AccountEffect::None, journal: None, audit, outbox: vec![message.clone()] };
        self.requests.decide(write).await?;
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[message]).await;
        Ok(Decided { request: decided, account_id: None, login: None, journal_number: None, temporary_password: None })
    }

    /// The staff account of the request's person (change, block, reactivate).
    async fn existing_account(&self, request: &AccessRequest) -> Result<Account, AccessError> {
        let id = self.accounts.holder_of(&UniqueKey::StaffIin(request.user.iin.clone())).await?;
        let account = match id {
            Some(id) => self.accounts.get(&id).await?,
            None => None,
        };
        account.ok_or(AccessError::AccountNotFound)
    }

    async fn temporary_password(&self) -> Result<(String, String), AccessError> {
        let temporary = password::temporary();
        let hash = self.hasher.hash(&temporary).await?;
        Ok((temporary, hash))
    }

    /// `grant` (ACS-1, ACS-5, ACS-7): a new staff account whose login is the corporate e-mail,
    /// with a temporary password.
    async fn grant(&self, request: &AccessRequest) -> Result<Approval, AccessError> {
        if self.accounts.holder_of(&UniqueKey::StaffIin(request.user.iin.clone())).await?.is_some() {
            return Err(AccessError::PersonHasLogin);
        }
        let role = request.role.ok_or_else(|| StoreError::other("a grant request without a role"))?;
        let (temporary, hash) = self.temporary_password().await?;
        let login = Login::from(request.user.email.clone());
        let now = self.clock.now();
        let mut account = Account::new(login.clone(), role, request.user.last_name.clone(), request.user.first_name.clone(), hash, now);
        account.must_change_password = true;
        account.temporary_password_expires_at = now.checked_add(self.temporary_password_ttl).ok();
        account.middle_name = request.user.middle_name.clone();
        account.iin = Some(request.user.iin.clone());
        account.systems = request.systems.clone();
        account.functions = request.functions.clone();
        Ok(Approval { account_id: account.id.clone(), login, effect: AccountEffect::Create(account), temporary_password: Some(temporary) })
    }

    fn replace(before: &Account, mut account: Account, temporary_password: Option<String>) -> Approval {
        // Tokens issued before this decision stop working at once.
        account.token_version = before.token_version + 1;
        Approval {
            account_id: account.id.clone(),
            login: account.login.clone(),
            effect: AccountEffect::Replace { account, expected_token_version: before.token_version },
            temporary_password,
        }
    }

    /// `change` (ACS-8): the new request replaces role, systems and functions.
    async fn change(&self, request: &AccessRequest) -> Result<Approval, AccessError> {
        let before = self.existing_account(request).await?;
        let mut account = before.clone();
        account.role = request.role.unwrap_or(account.role);
        account.systems = request.systems.clone();
        account.functions = request.functions.clone();
        Ok(Self::replace(&before, account, None))
    }

    /// `block`: dismissal (basis kind dismissal) or a security violation.
    async fn block(&self, request: &AccessRequest) -> Result<Approval, AccessError> {
        let before = self.existing_account(request).await?;
        let mut account = before.clone();
        account.status = AccountStatus::Blocked;
        account.blocked_reason =
            Some(if request.basis.kind == BasisKind::Dismissal { BlockedReason::Dismissal } else { BlockedReason::Security });
        account.blocked_at = Some(self.clock.now());
        Ok(Self::replace(&before, account, None))
    }

    /// `reactivate` (ACS-10): unblock with a fresh temporary password.
    async fn reactivate(&self, request: &AccessRequest) -> Result<Approval, AccessError> {
        let before = self.existing_account(request).await?;
        let (temporary, hash) = self.temporary_password().await?;
        let mut account = before.clone();
        account.status = AccountStatus::Active;
        account.blocked_reason = None;
        account.blocked_at = None;
        account.password_hash = hash;
        account.must_change_password = true;
        account.temporary_password_expires_at = self.clock.now().checked_add(self.temporary_password_ttl).ok();
        // ACS-9: a reactivation is activity; the sweep counts the period from it.
        account.reactivated_at = Some(self.clock.now());
        account.inactivity_warned_for = None;
        Ok(Self::replace(&before, account, Some(temporary)))
    }

    /// Writes an approval: the request, the account, the journal row of an issued password
    /// (ACS-6), the audit entry and the answer, in one transaction; then sends the answer with
    /// the password (the stored copy has none).
    async fn approve(&self, admin: &Account, request: AccessRequest, approval: Approval, origin: &Origin) -> Result<Decided, AccessError> {
        let now = self.clock.now();
        let mut decided = self.decided(admin, &request, DecisionKind::Approve, None);
        if let Some(d) = decided.decision.as_mut() {
            d.account_id = Some(approval.account_id.clone());
        }
        let journal = request.kind.issues_password().then(|| JournalRow {
            number: 0,
            region: request.organization.region.clone(),
            letter_number: request.letter.number.clone(),
            letter_date: request.letter.date,
            incoming_number: request.id.clone(),
            incoming_date: request.received_on(),
            user_full_name: request.user.full_name(),
            login: approval.login.clone(),
            systems: match &approval.effect {
                AccountEffect::Replace { account, .. } => account.systems.clone(),
                _ => request.systems.clone(),
            },
            registered_at: now,
            basis: format!("{} № {} от {}", request.basis.kind.title_ru(), request.basis.number, request.basis.approved_on),
            // Appendix 1: the administrator's surname, name and middle name (if any).
            administrator: admin.full_name(),
            note: match request.kind {
                RequestKind::Grant => "выдан логин и временный пароль / логин мен уақытша құпиясөз берілді",
                _ => "повторная активация, новый временный пароль / қайта белсендіру, жаңа уақытша құпиясөз",
            }
            .to_owned(),
            registration_completed_at: None,
            account_id: approval.account_id.clone(),
            request_id: request.id.clone(),
        });
        let action = format!("access_request.approved.{}", request.kind);
        let audit = AuditEntry::new(now, &admin.id, &action, format!("access_request:{}", request.id), origin)
            .with_details(json!({ "account_id": approval.account_id, "kind": request.kind }));
        let template = format!("access_request_approved_{}", request.kind);
        let stored = OutboxMessage::notification(
            "access_request.approved",
            now,
            answer(&decided, &template, json!({ "login": approval.login, "temporary_password_sent": false })),
        );
        let write = DecisionWrite { request: decided.clone(), effect: approval.effect, journal, audit, outbox: vec![stored.clone()] };
        let journal_number = self.requests.decide(write).await?;
        if let Some(d) = decided.decision.as_mut() {
            d.journal_number = journal_number;
        }
        // Sent now, with the password; the stored version is what the relay sends if this fails.
        let live = match &approval.temporary_password {
            Some(t) => stored.with_data(
                "access_request.approved",
                answer(
                    &decided,
                    &template,
                    json!({
                        "login": approval.login,
                        "temporary_password_sealed": self.secrets.seal_text(&stored.event_id, t),
                        "temporary_password_sent": true,
                        "temporary_password_expires_at": now.checked_add(self.temporary_password_ttl).ok(),
                    }),
                ),
            ),
            None => stored,
        };
        outbox::deliver(self.outbox.as_ref(), &self.queues, &[live]).await;
        tracing::info!(request = %request.id, kind = %request.kind, account = %approval.account_id, "access request approved");
        Ok(Decided {
            request: decided,
            account_id: Some(approval.account_id),
            login: Some(approval.login),
            journal_number,
            temporary_password: approval.temporary_password,
        })
    }

    /// The registration journal's range `[start, end)` for a query.
    fn journal_range(&self, q: &JournalQuery) -> Result<(Timestamp, Timestamp), AccessError> {
        let start = match q.from {
            Some(d) => day_start(d).map_err(|_| Invalid::field("from", Code::InvalidValue))?,
            None => Timestamp::UNIX_EPOCH,
        };
        let end = match q.to {
            Some(d) => d.tomorrow().and_then(day_start).map_err(|_| Invalid::field("to", Code::InvalidValue))?,
            None => self.clock.now().checked_add(jiff::SignedDuration::from_secs(1)).map_err(|e| StoreError::other(e.to_string()))?,
        };
        Ok((start, end))
    }

    /// `GET /v1/access-journal` as JSON pages (security_admin; ACS-6).
    pub async fn journal(&self, admin: &Account, q: Result<JournalQuery, Invalid>) -> Result<Page<JournalRow>, AccessError> {
        if !has_role(admin, &[Role::SecurityAdmin]) {
            return Err(AccessError::Forbidden);
        }
        let q = q?;
        let (start, end) = self.journal_range(&q)?;
        Ok(self.requests.journal(start, end, &q.page).await?)
    }

    /// The whole range of the journal, at most [`CSV_MAX_ROWS`] rows.
    #[cfg(feature = "csv")]
    async fn journal_all(&self, q: &JournalQuery) -> Result<Vec<JournalRow>, AccessError> {
        let (start, end) = self.journal_range(q)?;
        let mut rows = Vec::new();
        let mut page = PageRequest { limit: 1000, cursor: None };
        loop {
            let got = self.requests.journal(start, end, &page).await?;
            rows.extend(got.items);
            if rows.len() > CSV_MAX_ROWS {
                return Err(Invalid::field("from", Code::TooMany).into());
            }
            match got.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(rows),
            }
        }
    }

    /// `GET /v1/access-journal` as CSV (ACS-6): inline up to [`INLINE_CSV_MAX_BYTES`], else
    /// written to the bucket under `exports/` (private, encrypted, expired by the lifecycle
    /// rule) and handed out as a presigned GET valid a few minutes. Every export is audited.
    #[cfg(feature = "csv")]
    pub async fn export_journal(
        &self,
        admin: &Account,
        q: Result<JournalQuery, Invalid>,
        origin: &Origin,
    ) -> Result<JournalExport, AccessError> {
        if !has_role(admin, &[Role::SecurityAdmin]) {
            return Err(AccessError::Forbidden);
        }
        let q = q?;
        let rows = self.journal_all(&q).await?;
        let csv = journal_csv(&rows).map_err(|e| StoreError::Other(Box::new(e)))?;
        let now = self.clock.now();
        let inline = csv.len() <= INLINE_CSV_MAX_BYTES;
        let details = json!({ "rows": rows.len(), "from": q.from, "to": q.to, "bytes": csv.len(), "delivered": if inline { "inline" } else { "bucket" } });
        let entry = AuditEntry::new(now, &admin.id, "access_journal.exported", "access_journal", origin).with_details(details);
        self.audit.record(&entry).await?;
        if inline {
            return Ok(JournalExport::Inline(csv));
        }
        let key = format!("exports/access-journal/{}.csv", crate::ids::new_id());
        self.files.put(&key, "text/csv; charset=utf-8", csv).await?;
        let url = self.files.presign_get(&key, None, "registration-journal.csv", crate::attachments::DOWNLOAD_URL_SECS).await?;
        Ok(JournalExport::Stored { url })
    }
}

/// A cell a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return) is prefixed with `'`, the OWASP guidance against CSV injection; other
/// cells are written as they are.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Appendix 1 as CSV: UTF-8 with a byte-order mark (so Excel shows Cyrillic), one header row
/// in Russian and Kazakh, and every cell safe from formula injection ([`csv_safe`]).
#[cfg(feature = "csv")]
pub fn journal_csv(rows: &[JournalRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "№ п/п / Р/с №",
            "Регион / Өңір",
            "Письмо заявителя: номер / Өтініш берушінің хаты: нөмірі",
            "Письмо заявителя: дата / Өтініш берушінің хаты: күні",
            "Входящий номер / Кіріс нөмірі",
            "Входящая дата / Кіріс күні",
            "Ф.И.О. пользователя / Пайдаланушының Т.А.Ә.",
            "Логин / Логин",
            "Предоставленные системы / Берілген жүйелер",
            "Дата регистрации / Тіркелген күні",
            "Основание / Негіздеме",
            "Администратор / Әкімші",
            "Примечание / Ескертпе",
            "Регистрация завершена / Тіркеу аяқталды",
        ])?;
        let tz = crate::calendar::almaty();
        let local = |t: Timestamp| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        for r in rows {
            let completed = r.registration_completed_at.map(local).unwrap_or_default();
            let cells = [
                r.number.to_string(),
                r.region.clone().unwrap_or_default(),
                r.letter_number.clone(),
                r.letter_date.to_string(),
                r.incoming_number.clone(),
                r.incoming_date.to_string(),
                r.user_full_name.clone(),
                r.login.to_string(),
                r.systems.join("; "),
                local(r.registered_at),
                r.basis.clone(),
                r.administrator.clone(),
                r.note.clone(),
                completed,
            ];
            w.write_record(cells.iter().map(|c| csv_safe(c).into_owned()))?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn csv_formula_injection_every_trigger_is_neutralised_and_nothing_else_changes() {
        for trigger in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{trigger}SUM(A1)");
            assert_eq!(csv_safe(&cell), format!("'{cell}"), "{trigger:?}");
        }
        for plain in ["01-12/345", "г. Астана", "", "a=b", " =x"] {
            assert_eq!(csv_safe(plain), plain);
        }
    }
}
