//! Grant reports (function `submit-grant-report`; order No. 206 §12, §35; GRT-1..4).
//!
//! Center staff record an awarded grant for a recipient (a citizen account, by IIN: GRT-1, the
//! award record only). The recipient uploads supporting documents, reports expenses (GRT-2)
//! and applies for refunds (GRT-3); center staff accept or return reports and confirm or
//! reject refunds. Every one of these goes to AIS "Labor Market" through the outbox (GRT-4).
//! Submitted + accepted reports plus confirmed refunds never exceed the grant — enforced by
//! the store's conditional update, so it holds under concurrency. Only the recipient and
//! center staff see a grant; anyone else is told it does not exist.

use super::has_role;
use crate::attachments::{self, check_cited_one, Declared, UploadGrant};
use crate::audit::{AuditEntry, Origin};
use crate::calendar::local_date;
use crate::clock::Clock;
use crate::codes::Code;
use crate::domain::grant::{
    Expense, ExpenseCategory, RefundDecision, RefundDecisionKind, ReportDecision, ReportDecisionKind, MAX_ATTACHMENTS_PER_EXPENSE,
    MAX_EXPENSES,
};
use crate::domain::{Account, Bin, Grant, GrantReport, Iin, Refund, RefundStatus, ReportStatus, Role};
use crate::input::{parse, Fields, Invalid};
use crate::outbox::{self, OutboxMessage, OutboxStore, Queues};
use crate::page::{Page, PageRequest};
use crate::ports::{AccountStore, AttachmentStore, AuditLog, FileStore, GrantStore, GrantWriteError, StoreError, UniqueKey};
use jiff::civil::Date;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("not allowed")]
    Forbidden,
    /// No such grant, report, refund or attachment — or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// The amount does not fit what remains of the grant.
    #[error("the grant has not that much left")]
    Exceeded,
    #[error("already decided")]
    AlreadyDecided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<GrantWriteError> for GrantError {
    fn from(e: GrantWriteError) -> Self {
        match e {
            GrantWriteError::Exceeded => GrantError::Exceeded,
            GrantWriteError::AlreadyDecided => GrantError::AlreadyDecided,
            GrantWriteError::Store(e) => GrantError::Store(e),
        }
    }
}

/// The scope of a grant's attachments: they belong to it and to no other record.
pub fn attachment_scope(grant_id: &str) -> String {
    format!("grants/{grant_id}")
}

/// A positive amount of tiyn: a JSON integer, never a float (`1.5`, `1e3` are 422).
fn tiyn(v: &Value) -> Result<i64, Code> {
    parse::integer(1, i64::MAX)(v)
}

/// `GET /v1/grants` query: `recipient=me` (the only value) and paging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantQuery {
    pub page: PageRequest,
}

impl GrantQuery {
    pub fn parse(mut q: Fields) -> Result<Self, Invalid> {
        let _ = q.optional("recipient", parse::one_of(&[("me", ())]));
        let page = PageRequest::parse(&mut q);
        q.finish()?;
        Ok(GrantQuery { page })
    }
}

/// A page of a grant's reports or refunds.
pub fn page_query(mut q: Fields) -> Result<PageRequest, Invalid> {
    let page = PageRequest::parse(&mut q);
    q.finish()?;
    Ok(page)
}

/// `POST /v1/grants/{id}/reports/{report_id}/decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportDecisionForm {
    pub decision: ReportDecisionKind,
    pub comment: Option<String>,
}

impl ReportDecisionForm {
    /// A comment is required to return a report.
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let decision = f.required("decision", parse::variant::<ReportDecisionKind>);
        let comment = f.optional("comment", parse::text(2000));
        if decision == Some(ReportDecisionKind::Returned) && comment.is_none() {
            f.error("comment", Code::Required);
        }
        f.finish()?;
        Ok(ReportDecisionForm { decision: decision.unwrap_or(ReportDecisionKind::Returned), comment })
    }
}

/// `POST /v1/grants/{id}/refunds`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundForm {
    pub amount_tiyn: i64,
    pub reason: String,
}

impl RefundForm {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let amount = f.required("amount_tiyn", tiyn);
        let reason = f.required("reason", parse::text(2000));
        f.finish()?;
        Ok(RefundForm { amount_tiyn: amount.unwrap_or(0), reason: reason.unwrap_or_default() })
    }
}

/// `POST /v1/grants/{id}/refunds/{refund_id}/decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundDecisionForm {
    pub decision: RefundDecisionKind,
    pub comment: Option<String>,
}

impl RefundDecisionForm {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let decision = f.required("decision", parse::variant::<RefundDecisionKind>);
        let comment = f.optional("comment", parse::text(2000));
        f.finish()?;
        Ok(RefundDecisionForm { decision: decision.unwrap_or(RefundDecisionKind::Rejected), comment })
    }
}

/// The grant use cases and the ports they run over.
#[derive(Clone)]
pub struct Grants {
    pub store: Arc<dyn GrantStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub attachments: Arc<dyn AttachmentStore>,
    pub files: Arc<dyn FileStore>,
    pub outbox: Arc<dyn OutboxStore>,
    pub queues: Queues,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// The ceiling of one grant, in tiyn.
    pub max_amount_tiyn: i64,
    /// An expense above this many tiyn needs at least one attachment (`None`: never required).
    pub attachment_required_above_tiyn: Option<i64>,
}

fn is_center_staff(a: &Account) -> bool {
    has_role(a, &[Role::CenterStaff])
}

/// The AIS "Labor Market" record of a grant event at `at` (GRT-4), grouped by grant.
fn integration(event: &str, grant: &Grant, at: jiff::Timestamp, data: Value) -> OutboxMessage {
    let mut body = json!({ "grant": { "id": grant.id, "recipient_iin": grant.recipient_iin, "contract_number": grant.contract_number } });
    if let (Value::Object(b), Value::Object(d)) = (&mut body, data) {
        b.extend(d);
    }
    OutboxMessage::integration(event, at, &grant.id, body)
}

impl Grants {
    fn today(&self) -> Date {
        local_date(self.clock.now())
    }

    /// The grant, if the caller may see it: its recipient and center staff; for anyone else it
    /// does not exist.
    async fn visible(&self, caller: &Account, id: &str) -> Result<Grant, GrantError> {
        if !crate::ids::is_valid_id(id) {
            return Err(GrantError::NotFound);
        }
        let grant = self.store.get(id).await?.ok_or(GrantError::NotFound)?;
        if is_center_staff(caller) || grant.recipient_id == caller.id {
            Ok(grant)
        } else {
            Err(GrantError::NotFound)
        }
    }

    /// The grant, if the caller is its recipient.
    async fn own(&self, caller: &Account, id: &str) -> Result<Grant, GrantError> {
        let grant = self.visible(caller, id).await?;
        if grant.recipient_id == caller.id {
            Ok(grant)
        } else {
            Err(GrantError::Forbidden)
        }
    }

    async fn deliver(&self, messages: &[OutboxMessage]) {
        outbox::deliver(self.outbox.as_ref(), &self.queues, messages).await;
    }

    /// `POST /v1/grants` (center staff; GRT-1): records an awarded grant for the citizen whose
    /// IIN is given (422 `recipient_unknown` otherwise).
    pub async fn award(&self, staff: &Account, mut f: Fields, origin: &Origin) -> Result<Grant, GrantError> {
        if !is_center_staff(staff) {
            return Err(GrantError::Forbidden);
        }
        let today = self.today();
        let iin = f.required("recipient_iin", parse::with(Iin::parse));
        let contract_number = f.required("contract_number", parse::text(50));
        let contract_date = f.required("contract_date", parse::date);
        let max = self.max_amount_tiyn;
        let amount = f.required("amount_tiyn", |v| {
            let n = tiyn(v)?;
            if n > max {
                Err(Code::InvalidValue)
            } else {
                Ok(n)
            }
        });
        let purpose = f.required("purpose", parse::text(1000));
        let period_start = f.required("period_start", parse::date);
        let period_end = f.required("period_end", parse::date);
        if contract_date.is_some_and(|d| d > today) {
            f.error("contract_date", Code::InvalidValue);
        }
        if let (Some(a), Some(b)) = (period_start, period_end) {
            if b <= a {
                f.error("period_end", Code::InvalidValue);
            }
        }
        let recipient = match &iin {
            Some(iin) => self.accounts.holder_of(&UniqueKey::CitizenIin(iin.clone())).await?,
            None => None,
        };
        if iin.is_some() && recipient.is_none() {
            f.error("recipient_iin", Code::RecipientUnknown);
        }
        f.finish()?;
        let (
            Some(recipient_id),
            Some(recipient_iin),
            Some(contract_number),
            Some(contract_date),
            Some(amount_tiyn),
            Some(purpose),
            Some(period_start),
            Some(period_end),
        ) = (recipient, iin, contract_number, contract_date, amount, purpose, period_start, period_end)
        else {
            return Err(Invalid::field("recipient_iin", Code::Required).into());
        };
        let now = self.clock.now();
        let grant = Grant {
            id: crate::ids::new_id(),
            recipient_id,
            recipient_iin,
            contract_number,
            contract_date,
            amount_tiyn,
            purpose,
            period_start,
            period_end,
            spent_tiyn: 0,
            refunded_tiyn: 0,
            available_tiyn: amount_tiyn,
            awarded_by: staff.id.clone(),
            awarded_at: now,
        };
        let audit = AuditEntry::new(now, &staff.id, "grant.awarded", format!("grant:{}", grant.id), origin)
            .with_details(json!({ "amount_tiyn": grant.amount_tiyn, "recipient_id": grant.recipient_id }));
        self.store.award(&grant, &audit).await?;
        Ok(grant)
    }

    /// `GET /v1/grants`: a recipient's own grants, or every grant for center staff; newest
    /// first, one index query per page.
    pub async fn list(&self, caller: &Account, q: Result<GrantQuery, Invalid>) -> Result<Page<Grant>, GrantError> {
        let q = q?;
        let recipient = if is_center_staff(caller) { None } else { Some(caller.id.as_str()) };
        Ok(self.store.list(recipient, &q.page).await?)
    }

    /// `GET /v1/grants/{id}`.
    pub async fn read(&self, caller: &Account, id: &str) -> Result<Grant, GrantError> {
        self.visible(caller, id).await
    }

    /// `POST /v1/grants/{id}/attachments` (the recipient): a presigned upload for a supporting
    /// document of this grant.
    pub async fn declare_attachment(
        &self,
        caller: &Account,
        grant_id: &str,
        declared: Result<Declared, Invalid>,
    ) -> Result<UploadGrant, GrantError> {
        let grant = self.own(caller, grant_id).await?;
        let declared = declared?;
        let scope = attachment_scope(&grant.id);
        Ok(attachments::declare_upload(self.attachments.as_ref(), self.files.as_ref(), &scope, &caller.id, self.clock.now(), declared)
            .await?)
    }

    /// `GET /v1/grants/{id}/attachments/{attachment_id}`: a short-lived download for the
    /// recipient and center staff — of the version pinned at citation, once cited.
    pub async fn attachment_url(
        &self,
        caller: &Account,
        grant_id: &str,
        attachment_id: &str,
        origin: &Origin,
    ) -> Result<String, GrantError> {
        let grant = self.visible(caller, grant_id).await?;
        let record = if crate::ids::is_valid_id(attachment_id) { self.attachments.get(attachment_id).await? } else { None };
        let record = record.filter(|r| r.scope == attachment_scope(&grant.id)).ok_or(GrantError::NotFound)?;
        let entry = AuditEntry::new(self.clock.now(), &caller.id, "grant.attachment_read", format!("grant:{}", grant.id), origin)
            .with_details(json!({ "attachment_id": record.id }));
        self.audit.record(&entry).await?;
        Ok(self
            .files
            .presign_get(&record.object_key(), record.version_id.as_deref(), &record.file_name, attachments::DOWNLOAD_URL_SECS)
            .await?)
    }

    /// `POST /v1/grants/{id}/reports` (the recipient; GRT-2): 1–200 expenses, every bad field
    /// reported at once with per-item paths, attachments checked in the bucket; the total is
    /// taken from the grant atomically (422 `grant_exceeded` if it does not fit).
    pub async fn submit_report(&self, caller: &Account, grant_id: &str, mut f: Fields, origin: &Origin) -> Result<GrantReport, GrantError> {
        let grant = self.own(caller, grant_id).await?;
        let today = self.today();
        let scope = attachment_scope(&grant.id);
        let required_above = self.attachment_required_above_tiyn;
        // The cited IDs of every item, also of items with other bad fields: every problem is
        // reported at once.
        let mut cited: Vec<(usize, Vec<String>)> = Vec::new();
        let drafts = f.list_of("expenses", 1, MAX_EXPENSES, |i, e| {
            let category = e.required("category", parse::variant::<ExpenseCategory>);
            let description = e.required("description", parse::text(1000));
            let amount = e.required("amount_tiyn", tiyn);
            let spent_on = e.required("spent_on", parse::date);
            let supplier_bin = e.optional("supplier_bin", parse::with(Bin::parse));
            let ids = attachments::parse_ids(e, "attachment_ids", MAX_ATTACHMENTS_PER_EXPENSE);
            if spent_on.is_some_and(|d| d < grant.period_start || d > grant.period_end || d > today) {
                e.error("spent_on", Code::OutOfPeriod);
            }
            if let (Some(limit), Some(a)) = (required_above, amount) {
                if a > limit && ids.is_empty() {
                    e.error("attachment_ids", Code::AttachmentRequired);
                }
            }
            cited.push((i, ids));
            Some(Expense {
                category: category?,
                description: description?,
                amount_tiyn: amount?,
                spent_on: spent_on?,
                supplier_bin,
                attachments: Vec::new(),
            })
        });
        let comment = f.optional("comment", parse::text(2000));
        // Attachments: each must belong to this grant, be uploaded as declared and cited once;
        // the same ID twice in one report is refused too.
        let mut seen = std::collections::HashSet::new();
        let mut refs = std::collections::HashMap::new();
        for (i, ids) in cited {
            let mut item_refs = Vec::with_capacity(ids.len());
            for (j, id) in ids.iter().enumerate() {
                let path = format!("expenses.{i}.attachment_ids.{j}");
                if !seen.insert(id.clone()) {
                    f.error(&path, Code::InvalidValue);
                    continue;
                }
                if let Some(r) = check_cited_one(&mut f, &path, id, &scope, self.attachments.as_ref(), self.files.as_ref()).await? {
                    item_refs.push(r);
                }
            }
            refs.insert(i, item_refs);
        }
        f.finish()?;
        let mut expenses = drafts.ok_or_else(|| Invalid::field("expenses", Code::Required))?;
        for (i, e) in expenses.iter_mut().enumerate() {
            e.attachments = refs.remove(&i).unwrap_or_default();
        }
        let total_tiyn = expenses.iter().try_fold(0i64, |sum, e| sum.checked_add(e.amount_tiyn)).ok_or(GrantError::Exceeded)?;
        if total_tiyn > grant.available_tiyn {
            return Err(GrantError::Exceeded);
        }
        let now = self.clock.now();
        let report = GrantReport {
            id: crate::ids::new_id(),
            grant_id: grant.id.clone(),
            status: ReportStatus::Submitted,
            expenses,
            total_tiyn,
            comment,
            submitted_by: caller.id.clone(),
            submitted_at: now,
            decision: None,
        };
        let audit = AuditEntry::new(now, &caller.id, "grant_report.submitted", format!("grant_report:{}", report.id), origin)
            .with_details(json!({ "grant_id": grant.id, "total_tiyn": total_tiyn, "expenses": report.expenses.len() }));
        let message = integration("grant_report.submitted", &grant, now, json!({ "report": report }));
        self.store.submit_report(&report, &audit, std::slice::from_ref(&message)).await?;
        self.deliver(&[message]).await;
        Ok(report)
    }

    /// `GET /v1/grants/{id}/reports`: the recipient and center staff, oldest first.
    pub async fn reports(
        &self,
        caller: &Account,
        grant_id: &str,
        page: Result<PageRequest, Invalid>,
    ) -> Result<Page<GrantReport>, GrantError> {
        let grant = self.visible(caller, grant_id).await?;
        Ok(self.store.reports(&grant.id, &page?).await?)
    }

    /// `POST /v1/grants/{id}/reports/{report_id}/decision` (center staff): accepted, or
    /// returned with a comment (its amount goes back to the grant; the recipient may submit a
    /// corrected report). Decided once (409 `already_decided`, concurrent deciders included).
    /// The recipient is told by e-mail (kk+ru) when their login is an e-mail address.
    pub async fn decide_report(
        &self,
        staff: &Account,
        grant_id: &str,
        report_id: &str,
        form: Result<ReportDecisionForm, Invalid>,
        origin: &Origin,
    ) -> Result<GrantReport, GrantError> {
        if !is_center_staff(staff) {
            return Err(GrantError::Forbidden);
        }
        let form = form?;
        let grant = self.visible(staff, grant_id).await?;
        let report = self.store.report(&grant.id, report_id).await?.ok_or(GrantError::NotFound)?;
        if report.status != ReportStatus::Submitted {
            return Err(GrantError::AlreadyDecided);
        }
        let now = self.clock.now();
        let mut decided = report.clone();
        decided.status = match form.decision {
            ReportDecisionKind::Accepted => ReportStatus::Accepted,
            ReportDecisionKind::Returned => ReportStatus::Returned,
        };
        decided.decision =
            Some(ReportDecision { decision: form.decision, comment: form.comment.clone(), decided_by: staff.id.clone(), decided_at: now });
        let audit = AuditEntry::new(now, &staff.id, "grant_report.decided", format!("grant_report:{}", report.id), origin)
            .with_details(json!({ "grant_id": grant.id, "decision": form.decision }));
        let mut messages = vec![integration(
            "grant_report.decided",
            &grant,
            now,
            json!({ "report": { "id": decided.id, "status": decided.status, "decision": decided.decision, "total_tiyn": decided.total_tiyn } }),
        )];
        if let Some(email) = self.accounts.get(&grant.recipient_id).await?.and_then(|a| a.login.email().cloned()) {
            messages.push(OutboxMessage::notification(
                "grant_report.decided",
                now,
                json!({
                    "to": email,
                    "template": "grant_report_decided",
                    "grant": { "id": grant.id, "contract_number": grant.contract_number },
                    "report": { "id": decided.id, "status": decided.status, "total_tiyn": decided.total_tiyn, "comment": form.comment },
                }),
            ));
        }
        self.store.decide_report(&decided, &audit, &messages).await?;
        self.deliver(&messages).await;
        Ok(decided)
    }

    /// `POST /v1/grants/{id}/refunds` (the recipient; GRT-3): a partial or full refund of what
    /// is unspent (422 `grant_exceeded` beyond it). The money moves at confirmation.
    pub async fn apply_refund(
        &self,
        caller: &Account,
        grant_id: &str,
        form: Result<RefundForm, Invalid>,
        origin: &Origin,
    ) -> Result<Refund, GrantError> {
        let grant = self.own(caller, grant_id).await?;
        let form = form?;
        if form.amount_tiyn > grant.available_tiyn {
            return Err(GrantError::Exceeded);
        }
        let now = self.clock.now();
        let refund = Refund {
            id: crate::ids::new_id(),
            grant_id: grant.id.clone(),
            status: RefundStatus::Pending,
            amount_tiyn: form.amount_tiyn,
            reason: form.reason,
            applied_by: caller.id.clone(),
            applied_at: now,
            decision: None,
        };
        let audit = AuditEntry::new(now, &caller.id, "grant_refund.applied", format!("grant_refund:{}", refund.id), origin)
            .with_details(json!({ "grant_id": grant.id, "amount_tiyn": refund.amount_tiyn }));
        let message = integration("grant_refund.applied", &grant, now, json!({ "refund": refund }));
        self.store.apply_refund(&refund, &audit, std::slice::from_ref(&message)).await?;
        self.deliver(&[message]).await;
        Ok(refund)
    }

    /// `GET /v1/grants/{id}/refunds`: the recipient and center staff, oldest first.
    pub async fn refunds(&self, caller: &Account, grant_id: &str, page: Result<PageRequest, Invalid>) -> Result<Page<Refund>, GrantError> {
        let grant = self.visible(caller, grant_id).await?;
        Ok(self.store.refunds(&grant.id, &page?).await?)
    }

    /// `POST /v1/grants/{id}/refunds/{refund_id}/decision` (center staff): confirmed (the
    /// amount leaves the grant, never beyond what is unspent, concurrent writers included) or
    /// rejected. Decided once.
    pub async fn decide_refund(
        &self,
        staff: &Account,
        grant_id: &str,
        refund_id: &str,
        form: Result<RefundDecisionForm, Invalid>,
        origin: &Origin,
    ) -> Result<Refund, GrantError> {
        if !is_center_staff(staff) {
            return Err(GrantError::Forbidden);
        }
        let form = form?;
        let grant = self.visible(staff, grant_id).await?;
        let refund = self.store.refund(&grant.id, refund_id).await?.ok_or(GrantError::NotFound)?;
        if refund.status != RefundStatus::Pending {
            return Err(GrantError::AlreadyDecided);
        }
        let now = self.clock.now();
        let mut decided = refund.clone();
        decided.status = match form.decision {
            RefundDecisionKind::Confirmed => RefundStatus::Confirmed,
            RefundDecisionKind::Rejected => RefundStatus::Rejected,
        };
        decided.decision =
            Some(RefundDecision { decision: form.decision, comment: form.comment, decided_by: staff.id.clone(), decided_at: now });
        let audit = AuditEntry::new(now, &staff.id, "grant_refund.decided", format!("grant_refund:{}", refund.id), origin)
            .with_details(json!({ "grant_id": grant.id, "decision": form.decision, "amount_tiyn": refund.amount_tiyn }));
        let message = integration("grant_refund.decided", &grant, now, json!({ "refund": decided }));
        self.store.decide_refund(&decided, &audit, std::slice::from_ref(&message)).await?;
        self.deliver(&[message]).await;
        Ok(decided)
    }
}
