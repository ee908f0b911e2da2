//! [`MemoryStore`]: every table-backed port in memory, with the DynamoDB adapters' semantics.
//! One lock stands for the table: each method is one transaction, all or nothing; conditional
//! writes fail on the same conditions; lists are ordered and paged by the same keys and reject
//! cursors they did not hand out.

use async_trait::async_trait;
use enbek_core::attachments::{AttachmentRecord, AttachmentRef};
use enbek_core::audit::AuditEntry;
use enbek_core::clock::sort_key;
use enbek_core::domain::vacancy::words;
use enbek_core::domain::{
    AccessRequest, Account, AccountStatus, BlockedReason, CandidateOutcome, Grant, GrantReport, JournalRow, LayoffNotice, Login,
    OutcomeKind, Refund, RefundStatus, ReportStatus, RequestStatus, Role, Ticket, Vacancy, VacancyActivity, VacancySearch, VacancyStatus,
};
use enbek_core::outbox::{OutboxMessage, OutboxStore};
use enbek_core::page::{Page, PageRequest};
use enbek_core::ports::{
    staff_activity_shard, AccessRequestStore, AccountEffect, AccountStore, AttachmentStore, AuditLog, BlockOutcome, Claim,
    CreateAccountError, DecideError, DecisionWrite, DueFilter, GrantStore, GrantWriteError, IdempotencyBegin, IdempotencyStore,
    ProcessedEvents, RateLimit, RateLimiter, Settlement, StaffActivity, StoreError, StoredResponse, SubmitError, SweepStore, TicketFilter,
    TicketStore, UniqueKey, UpdateAccountError, VacancyStore,
};
use jiff::civil::Date;
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// How long an unfinished idempotency record locks its key (as the adapter).
const IDEMPOTENCY_LOCK_SECS: i64 = 120;
const IDEMPOTENCY_RETENTION_SECS: i64 = 24 * 3600;

#[derive(Clone, Debug)]
struct Window {
    start: i64,
    count: u32,
}

#[derive(Clone, Debug)]
enum Idem {
    InProgress { fingerprint: String, locked_until: i64, expires: i64 },
    Completed { fingerprint: String, response: StoredResponse, expires: i64 },
}

#[derive(Default)]
struct State {
    accounts: BTreeMap<String, Account>,
    uniques: HashMap<UniqueKey, String>,
    audit: Vec<AuditEntry>,
    windows: HashMap<String, Window>,
    idempotency: HashMap<String, Idem>,
    attachments: HashMap<String, AttachmentRecord>,
    sequences: HashMap<String, u64>,
    tickets: HashMap<String, Ticket>,
    vacancies: HashMap<String, Vacancy>,
    layoffs: HashMap<String, LayoffNotice>,
    requests: HashMap<String, AccessRequest>,
    journal: BTreeMap<String, JournalRow>,
    outbox: BTreeMap<String, OutboxMessage>,
    grants: HashMap<String, Grant>,
    reports: BTreeMap<(String, String), GrantReport>,
    refunds: BTreeMap<(String, String), Refund>,
    activity: HashMap<String, (VacancyActivity, Option<Timestamp>)>,
    outcomes: BTreeMap<String, CandidateOutcome>,
    processed: HashMap<(String, String), Processed>,
}

#[derive(Clone, Debug)]
enum Processed {
    Claimed { lease_until: Timestamp },
    Done(Settlement),
}

/// Every table-backed port, in memory.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every audit entry written so far, oldest first.
    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        self.lock().audit.clone()
    }

    /// Every outbox message waiting.
    pub fn outbox_messages(&self) -> Vec<OutboxMessage> {
        self.lock().outbox.values().cloned().collect()
    }

    /// Every journal row, in registration order.
    pub fn journal_rows(&self) -> Vec<JournalRow> {
        self.lock().journal.values().cloned().collect()
    }

    /// Puts an account as it is, claiming its login (for tests that need a given state).
    pub fn put_account(&self, account: Account) {
        let mut s = self.lock();
        s.uniques.insert(UniqueKey::Login(account.login.clone()), account.id.clone());
        match (&account.iin, account.role) {
            (Some(iin), Role::Citizen) => {
                s.uniques.insert(UniqueKey::CitizenIin(iin.clone()), account.id.clone());
            }
            (Some(iin), role) if role.is_staff() => {
                s.uniques.insert(UniqueKey::StaffIin(iin.clone()), account.id.clone());
            }
            _ => {}
        }
        s.accounts.insert(account.id.clone(), account);
    }
}

// --- paging ------------------------------------------------------------------------------

fn encode_cursor(list: &str, key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{list}\u{1f}{key}"))
}

fn decode_cursor(list: &str, cursor: &str) -> Result<String, StoreError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    match text.split_once('\u{1f}') {
        Some((l, key)) if l == list => Ok(key.to_owned()),
        _ => Err(StoreError::InvalidCursor),
    }
}

/// One page of `items` (already in list order, each with its sort key). `list` names the
/// list (and its partition) so a cursor from another list is refused.
fn page_of<T>(list: &str, mut items: Vec<(String, T)>, descending: bool, req: &PageRequest) -> Result<Page<T>, StoreError> {
    items.sort_by(|a, b| if descending { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) });
    if let Some(c) = &req.cursor {
        let after = decode_cursor(list, c)?;
        items.retain(|(k, _)| if descending { *k < after } else { *k > after });
    }
    let limit = usize::try_from(req.limit.max(1)).unwrap_or(1);
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more { items.last().map(|(k, _)| encode_cursor(list, k)) } else { None };
    Ok(Page { items: items.into_iter().map(|(_, t)| t).collect(), next_cursor })
}

// --- accounts ----------------------------------------------------------------------------

#[async_trait]
impl AccountStore for MemoryStore {
    async fn create(&self, account: &Account, extra: &[UniqueKey], audit: &AuditEntry) -> Result<(), CreateAccountError> {
        let mut s = self.lock();
        let mut uniques = vec![UniqueKey::Login(account.login.clone())];
        uniques.extend(extra.iter().cloned());
        if let Some(taken) = uniques.iter().find(|k| s.uniques.contains_key(k)) {
            return Err(CreateAccountError::Taken(taken.clone()));
        }
        if s.accounts.contains_key(&account.id) {
            return Err(CreateAccountError::Store(StoreError::Conflict));
        }
        for k in uniques {
            s.uniques.insert(k, account.id.clone());
        }
        s.accounts.insert(account.id.clone(), account.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn create_issued(
        &self,
        account: &Account,
        extra: &[UniqueKey],
        journal: &JournalRow,
        audit: &AuditEntry,
    ) -> Result<u64, CreateAccountError> {
        let mut s = self.lock();
        let mut uniques = vec![UniqueKey::Login(account.login.clone())];
        uniques.extend(extra.iter().cloned());
        if let Some(taken) = uniques.iter().find(|k| s.uniques.contains_key(k)) {
            return Err(CreateAccountError::Taken(taken.clone()));
        }
        let number = next_number(&mut s, "journal");
        let mut row = journal.clone();
        row.number = number;
        let key = JournalRow::row_key(row.registered_at, number);
        let mut account = account.clone();
        account.journal_row = Some(key.clone());
        for k in uniques {
            s.uniques.insert(k, account.id.clone());
        }
        s.accounts.insert(account.id.clone(), account);
        s.journal.insert(key, row);
        s.audit.push(audit.clone());
        Ok(number)
    }

    async fn get(&self, id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.lock().accounts.get(id).cloned())
    }

    async fn find_by_login(&self, login: &Login) -> Result<Option<Account>, StoreError> {
        let s = self.lock();
        Ok(s.uniques.get(&UniqueKey::Login(login.clone())).and_then(|id| s.accounts.get(id)).cloned())
    }

    async fn holder_of(&self, key: &UniqueKey) -> Result<Option<String>, StoreError> {
        Ok(self.lock().uniques.get(key).cloned())
    }

    async fn record_sign_in(&self, account: &Account, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError> {
        let mut s = self.lock();
        let stored = s.accounts.get_mut(&account.id).ok_or(UpdateAccountError::NotFound)?;
        stored.last_login_at = Some(at);
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn set_password(&self, account: &Account, hash: &str, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError> {
        let mut s = self.lock();
        let stored = s.accounts.get(&account.id).ok_or(UpdateAccountError::Conflict)?;
        if stored.token_version != account.token_version {
            return Err(UpdateAccountError::Conflict);
        }
        let completes = account.journal_row.clone().filter(|_| account.must_change_password);
        if let Some(row) = &completes {
            match s.journal.get(row) {
                Some(r) if r.registration_completed_at.is_none() => {}
                _ => return Err(UpdateAccountError::Store(StoreError::Conflict)),
            }
        }
        let stored = s.accounts.get_mut(&account.id).ok_or(UpdateAccountError::Conflict)?;
        stored.password_hash = hash.to_owned();
        stored.must_change_password = false;
        stored.temporary_password_expires_at = None;
        stored.password_changed_at = Some(at);
        stored.token_version += 1;
        if let Some(row) = completes {
            stored.journal_row = None;
            if let Some(r) = s.journal.get_mut(&row) {
                r.registration_completed_at = Some(at);
            }
        }
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn block(&self, id: &str, reason: BlockedReason, at: Timestamp, audit: &AuditEntry) -> Result<Account, UpdateAccountError> {
        let mut s = self.lock();
        let stored = s.accounts.get_mut(id).ok_or(UpdateAccountError::NotFound)?;
        stored.status = AccountStatus::Blocked;
        stored.blocked_reason = Some(reason);
        stored.blocked_at = Some(at);
        stored.token_version += 1;
        let account = stored.clone();
        s.audit.push(audit.clone());
        Ok(account)
    }
}

// --- rate limits and idempotency -----------------------------------------------------------

#[async_trait]
impl RateLimiter for MemoryStore {
    async fn acquire(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<Option<u64>, StoreError> {
        let mut s = self.lock();
        let now = now.as_second();
        let cutoff = now - limit.window.as_secs();
        match s.windows.get_mut(key) {
            Some(w) if w.start > cutoff && w.count >= limit.max_events => Ok(Some((w.start + limit.window.as_secs() - now).max(1) as u64)),
            Some(w) if w.start > cutoff => {
                w.count += 1;
                Ok(None)
            }
            _ => {
                s.windows.insert(key.to_owned(), Window { start: now, count: 1 });
                Ok(None)
            }
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        if let Some(w) = self.lock().windows.get_mut(key) {
            w.count = w.count.saturating_sub(1);
        }
        Ok(())
    }

    async fn reset(&self, key: &str) -> Result<(), StoreError> {
        self.lock().windows.remove(key);
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn begin(&self, key: &str, fingerprint: &str, now: Timestamp) -> Result<IdempotencyBegin, StoreError> {
        let mut s = self.lock();
        let now = now.as_second();
        let free = match s.idempotency.get(key) {
            None => true,
            Some(Idem::InProgress { locked_until, expires, .. }) => *locked_until < now || *expires < now,
            Some(Idem::Completed { expires, .. }) => *expires < now,
        };
        if free {
            s.idempotency.insert(
                key.to_owned(),
                Idem::InProgress {
                    fingerprint: fingerprint.to_owned(),
                    locked_until: now + IDEMPOTENCY_LOCK_SECS,
                    expires: now + IDEMPOTENCY_RETENTION_SECS,
                },
            );
            return Ok(IdempotencyBegin::Started);
        }
        Ok(match s.idempotency.get(key) {
            Some(Idem::InProgress { fingerprint: f, .. }) | Some(Idem::Completed { fingerprint: f, .. }) if f != fingerprint => {
                IdempotencyBegin::Mismatch
            }
            Some(Idem::Completed { response, .. }) => IdempotencyBegin::Replay(response.clone()),
            _ => IdempotencyBegin::InProgress,
        })
    }

    async fn complete(&self, key: &str, fingerprint: &str, response: &StoredResponse, now: Timestamp) -> Result<(), StoreError> {
        self.lock().idempotency.insert(
            key.to_owned(),
            Idem::Completed {
                fingerprint: fingerprint.to_owned(),
                response: response.clone(),
                expires: now.as_second() + IDEMPOTENCY_RETENTION_SECS,
            },
        );
        Ok(())
    }

    async fn abandon(&self, key: &str) -> Result<(), StoreError> {
        self.lock().idempotency.remove(key);
        Ok(())
    }
}

// --- attachments -------------------------------------------------------------------------

#[async_trait]
impl AttachmentStore for MemoryStore {
    async fn declare(&self, record: &AttachmentRecord) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.attachments.contains_key(&record.id) {
            return Err(StoreError::Conflict);
        }
        s.attachments.insert(record.id.clone(), record.clone());
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<AttachmentRecord>, StoreError> {
        Ok(self.lock().attachments.get(id).cloned())
    }
}

/// Whether every attachment in `ids` can be cited (declared and not cited yet).
fn citable(s: &State, ids: &[&str]) -> bool {
    ids.iter().all(|id| s.attachments.get(*id).is_some_and(|a| a.used_by.is_none()))
}

fn cite(s: &mut State, refs: &[&AttachmentRef], owner: &str) {
    for r in refs {
        if let Some(a) = s.attachments.get_mut(&r.attachment_id) {
            a.used_by = Some(owner.to_owned());
            a.version_id = r.version_id.clone();
        }
    }
}

fn next_number(s: &mut State, sequence: &str) -> u64 {
    let n = s.sequences.entry(sequence.to_owned()).or_insert(0);
    *n += 1;
    *n
}

fn put_outbox(s: &mut State, messages: &[OutboxMessage]) -> Result<(), StoreError> {
    if messages.iter().any(|m| s.outbox.contains_key(&m.event_id)) {
        return Err(StoreError::Conflict);
    }
    for m in messages {
        s.outbox.insert(m.event_id.clone(), m.clone());
    }
    Ok(())
}

// --- tickets -----------------------------------------------------------------------------

fn due_key(t: &Ticket) -> String {
    format!("{}#{}", sort_key(t.due_at), t.id)
}

#[async_trait]
impl TicketStore for MemoryStore {
    async fn create(&self, ticket: &Ticket, audit: &AuditEntry) -> Result<Ticket, StoreError> {
        let mut s = self.lock();
        let ids: Vec<&str> = ticket.attachments.iter().map(|a| a.attachment_id.as_str()).collect();
        let refs: Vec<&AttachmentRef> = ticket.attachments.iter().collect();
        if s.tickets.contains_key(&ticket.id) || !citable(&s, &ids) {
            return Err(StoreError::Conflict);
        }
        let year = Ticket::number_year(ticket.received_at);
        let number = next_number(&mut s, &format!("ticket-{year}"));
        let mut stored = ticket.clone();
        stored.number = Ticket::format_number(year, number);
        cite(&mut s, &refs, &format!("ticket:{}", ticket.id));
        s.tickets.insert(stored.id.clone(), stored.clone());
        s.audit.push(audit.clone().with_details(serde_json::json!({ "number": stored.number })));
        Ok(stored)
    }

    async fn get(&self, id: &str) -> Result<Option<Ticket>, StoreError> {
        Ok(self.lock().tickets.get(id).cloned())
    }

    async fn update(&self, ticket: &Ticket, expected_version: u64, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut s = self.lock();
        match s.tickets.get(&ticket.id) {
            Some(t) if t.version == expected_version => {}
            _ => return Err(StoreError::Conflict),
        }
        put_outbox(&mut s, outbox)?;
        s.tickets.insert(ticket.id.clone(), ticket.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn list(&self, filter: TicketFilter, page: &PageRequest) -> Result<Page<Ticket>, StoreError> {
        let s = self.lock();
        let list = match filter.status {
            Some(st) => format!("tickets:{st}"),
            None => "tickets:open".to_owned(),
        };
        let items = s
            .tickets
            .values()
            .filter(|t| match filter.status {
                Some(st) => t.status == st,
                None => t.status.is_open(),
            })
            .filter(|t| match filter.due {
                Some(DueFilter::Overdue(now)) => due_key(t) < sort_key(now),
                Some(DueFilter::NotOverdue(now)) => due_key(t) >= sort_key(now),
                None => true,
            })
            .map(|t| (due_key(t), t.clone()))
            .collect();
        page_of(&list, items, false, page)
    }
}

// --- access requests -----------------------------------------------------------------------

fn request_key(r: &AccessRequest) -> String {
    format!("{}#{}#{}", r.status.rank(), sort_key(r.received_at), r.id)
}

fn open_request(r: &AccessRequest) -> UniqueKey {
    UniqueKey::OpenAccessRequest { iin: r.user.iin.clone(), kind: r.kind }
}

#[async_trait]
impl AccessRequestStore for MemoryStore {
    async fn submit(&self, request: &AccessRequest, audit: &AuditEntry) -> Result<(), SubmitError> {
        let mut s = self.lock();
        if s.uniques.contains_key(&open_request(request)) {
            return Err(SubmitError::Duplicate);
        }
        let doc = request.basis_document.attachment_id.as_str();
        if s.requests.contains_key(&request.id) || !citable(&s, &[doc]) {
            return Err(SubmitError::Store(StoreError::Conflict));
        }
        s.uniques.insert(open_request(request), request.id.clone());
        cite(&mut s, &[&request.basis_document], &format!("access-request:{}", request.id));
        s.requests.insert(request.id.clone(), request.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<AccessRequest>, StoreError> {
        Ok(self.lock().requests.get(id).cloned())
    }

    async fn list(&self, status: Option<RequestStatus>, page: &PageRequest) -> Result<Page<AccessRequest>, StoreError> {
        let s = self.lock();
        let items = s.requests.values().filter(|r| status.is_none_or(|st| r.status == st)).map(|r| (request_key(r), r.clone())).collect();
        let list = format!("access-requests:{}", status.map(|s| s.as_str()).unwrap_or("all"));
        page_of(&list, items, false, page)
    }

    async fn decide(&self, write: DecisionWrite) -> Result<Option<u64>, DecideError> {
        let mut s = self.lock();
        match s.requests.get(&write.request.id) {
            Some(r) if r.status == RequestStatus::Pending => {}
            _ => return Err(DecideError::AlreadyDecided),
        }
        let mut write = write;
        match &write.effect {
            AccountEffect::None => {}
            AccountEffect::Create(account) => {
                if s.uniques.contains_key(&UniqueKey::Login(account.login.clone())) {
                    return Err(DecideError::Taken(UniqueKey::Login(account.login.clone())));
                }
                if let Some(iin) = &account.iin {
                    if s.uniques.contains_key(&UniqueKey::StaffIin(iin.clone())) {
                        return Err(DecideError::Taken(UniqueKey::StaffIin(iin.clone())));
                    }
                }
            }
            AccountEffect::Replace { account, expected_token_version } => match s.accounts.get(&account.id) {
                Some(a) if a.token_version == *expected_token_version => {}
                _ => return Err(DecideError::AccountChanged),
            },
        }
        if write.outbox.iter().any(|m| s.outbox.contains_key(&m.event_id)) {
            return Err(DecideError::Store(StoreError::Conflict));
        }
        // All conditions hold: write everything.
        let number = match write.journal.as_mut() {
            Some(row) => {
                let n = next_number(&mut s, "journal");
                row.number = n;
                let key = JournalRow::row_key(row.registered_at, n);
                match &mut write.effect {
                    AccountEffect::Create(a) | AccountEffect::Replace { account: a, .. } => a.journal_row = Some(key),
                    AccountEffect::None => {}
                }
                if let Some(d) = write.request.decision.as_mut() {
                    d.journal_number = Some(n);
                }
                Some(n)
            }
            None => None,
        };
        s.uniques.remove(&open_request(&write.request));
        match write.effect {
            AccountEffect::None => {}
            AccountEffect::Create(account) => {
                s.uniques.insert(UniqueKey::Login(account.login.clone()), account.id.clone());
                if let Some(iin) = &account.iin {
                    s.uniques.insert(UniqueKey::StaffIin(iin.clone()), account.id.clone());
                }
                s.accounts.insert(account.id.clone(), account);
            }
            AccountEffect::Replace { account, .. } => {
                s.accounts.insert(account.id.clone(), account);
            }
        }
        if let Some(row) = write.journal {
            s.journal.insert(JournalRow::row_key(row.registered_at, row.number), row);
        }
        s.requests.insert(write.request.id.clone(), write.request);
        s.audit.push(write.audit);
        for m in write.outbox {
            s.outbox.insert(m.event_id.clone(), m);
        }
        Ok(number)
    }

    async fn journal(&self, from: Timestamp, to: Timestamp, page: &PageRequest) -> Result<Page<JournalRow>, StoreError> {
        let s = self.lock();
        let (from, to) = (sort_key(from), sort_key(to));
        let items = s.journal.iter().filter(|(k, _)| **k >= from && **k <= to).map(|(k, r)| (k.clone(), r.clone())).collect();
        page_of("journal", items, false, page)
    }
}

// --- vacancies ---------------------------------------------------------------------------

fn newest_key(v: &Vacancy) -> String {
    format!("{}#{}", sort_key(v.published_at), v.id)
}

/// Whether a listed vacancy matches a search (the partition and the filters of the adapter).
fn matches(v: &Vacancy, search: &VacancySearch, today: Date) -> bool {
    if v.status != VacancyStatus::Published || v.valid_until < today || !v.partitions().contains(&search.partition()) {
        return false;
    }
    let region_ok = match search.region.as_deref() {
        Some(r) if r.len() == 9 => v.region_code == r,
        Some(r) => v.region_code.starts_with(r),
        None => true,
    };
    let title_words = words(&v.title);
    region_ok
        && search.occupation_code.as_ref().is_none_or(|c| &v.occupation_code == c)
        && search.words.iter().all(|w| title_words.contains(w))
}

#[async_trait]
impl VacancyStore for MemoryStore {
    async fn publish(&self, vacancy: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.vacancies.contains_key(&vacancy.id) {
            return Err(StoreError::Conflict);
        }
        put_outbox(&mut s, outbox)?;
        s.vacancies.insert(vacancy.id.clone(), vacancy.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<Vacancy>, StoreError> {
        Ok(self.lock().vacancies.get(id).cloned())
    }

    async fn close(&self, closed: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut s = self.lock();
        match s.vacancies.get(&closed.id) {
            Some(v) if v.status == VacancyStatus::Published => {}
            _ => return Err(StoreError::Conflict),
        }
        put_outbox(&mut s, outbox)?;
        s.vacancies.insert(closed.id.clone(), closed.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn search(&self, search: &VacancySearch, today: Date, page: &PageRequest) -> Result<Page<Vacancy>, StoreError> {
        let s = self.lock();
        let items = s.vacancies.values().filter(|v| matches(v, search, today)).map(|v| (newest_key(v), v.clone())).collect();
        page_of(&format!("vacancies:{}", search.partition()), items, true, page)
    }

    async fn save_layoff_notice(&self, notice: &LayoffNotice, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.layoffs.contains_key(&notice.id) {
            return Err(StoreError::Conflict);
        }
        put_outbox(&mut s, outbox)?;
        s.layoffs.insert(notice.id.clone(), notice.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn activity(&self, vacancy_id: &str) -> Result<VacancyActivity, StoreError> {
        Ok(self.lock().activity.get(vacancy_id).map(|a| a.0.clone()).unwrap_or_default())
    }

    async fn report_outcome(
        &self,
        outcome: &CandidateOutcome,
        positions: u32,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<(), StoreError> {
        let mut s = self.lock();
        let current = s.activity.get(&outcome.vacancy_id).map(|a| a.0.hires_count).unwrap_or(0);
        if outcome.kind == OutcomeKind::Hire && current >= positions {
            return Err(StoreError::Conflict);
        }
        put_outbox(&mut s, outbox)?;
        let entry = s.activity.entry(outcome.vacancy_id.clone()).or_default();
        match outcome.kind {
            OutcomeKind::InterviewInvitation => entry.0.invitations_count += 1,
            OutcomeKind::Hire => entry.0.hires_count += 1,
        }
        entry.0.updated_at = Some(outcome.reported_at);
        s.outcomes.insert(outcome.id.clone(), outcome.clone());
        s.audit.push(audit.clone());
        Ok(())
    }
}

#[async_trait]
impl enbek_core::ais::ActivityStore for MemoryStore {
    async fn record_responses(&self, vacancy_id: &str, count: u32, as_of: Timestamp, now: Timestamp) -> Result<Option<bool>, StoreError> {
        let mut s = self.lock();
        if !s.vacancies.contains_key(vacancy_id) {
            return Ok(None);
        }
        let entry = s.activity.entry(vacancy_id.to_owned()).or_default();
        if entry.1.is_some_and(|seen| seen >= as_of) {
            return Ok(Some(false));
        }
        entry.1 = Some(as_of);
        entry.0.responses_count = count;
        entry.0.responses_as_of = Some(as_of);
        entry.0.updated_at = Some(now);
        Ok(Some(true))
    }
}

#[async_trait]
impl ProcessedEvents for MemoryStore {
    async fn claim(&self, consumer: &str, event_id: &str, now: Timestamp, lease: jiff::SignedDuration) -> Result<Claim, StoreError> {
        let mut s = self.lock();
        let key = (consumer.to_owned(), event_id.to_owned());
        match s.processed.get(&key) {
            Some(Processed::Done(s)) if s.outcome != enbek_core::ports::POISONED => Ok(Claim::Done),
            Some(Processed::Claimed { lease_until }) if *lease_until >= now => Ok(Claim::Busy),
            _ => {
                s.processed.insert(key, Processed::Claimed { lease_until: now + lease });
                Ok(Claim::Claimed)
            }
        }
    }

    async fn settle(&self, consumer: &str, event_id: &str, _: Timestamp, settlement: &Settlement) -> Result<(), StoreError> {
        self.lock().processed.insert((consumer.to_owned(), event_id.to_owned()), Processed::Done(settlement.clone()));
        Ok(())
    }

    async fn release(&self, consumer: &str, event_id: &str) -> Result<(), StoreError> {
        let mut s = self.lock();
        let key = (consumer.to_owned(), event_id.to_owned());
        // A settled event stays settled.
        if matches!(s.processed.get(&key), Some(Processed::Claimed { .. })) {
            s.processed.remove(&key);
        }
        Ok(())
    }
}

impl MemoryStore {
    /// How a consumer settled an event, if it did.
    pub fn settlement(&self, consumer: &str, event_id: &str) -> Option<Settlement> {
        match self.lock().processed.get(&(consumer.to_owned(), event_id.to_owned())) {
            Some(Processed::Done(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

// --- outbox and audit --------------------------------------------------------------------

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn pending(&self, before: Timestamp, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        let s = self.lock();
        let mut waiting: Vec<&OutboxMessage> = s.outbox.values().filter(|m| !m.failed && m.due() < before).collect();
        waiting.sort_by_key(|m| (m.due(), m.event_id.clone()));
        Ok(waiting.into_iter().take(usize::try_from(limit).unwrap_or(0)).cloned().collect())
    }

    async fn get(&self, event_id: &str) -> Result<Option<OutboxMessage>, StoreError> {
        Ok(self.lock().outbox.get(event_id).cloned())
    }

    async fn reschedule(&self, message: &OutboxMessage) -> Result<bool, StoreError> {
        let mut s = self.lock();
        match s.outbox.get_mut(&message.event_id) {
            Some(m) => {
                *m = message.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn failed(&self, limit: i32) -> Result<Vec<OutboxMessage>, StoreError> {
        let s = self.lock();
        let mut failed: Vec<&OutboxMessage> = s.outbox.values().filter(|m| m.failed).collect();
        failed.sort_by_key(|m| (m.created_at, m.event_id.clone()));
        Ok(failed.into_iter().take(usize::try_from(limit).unwrap_or(0)).cloned().collect())
    }

    async fn delivered(&self, event_id: &str) -> Result<(), StoreError> {
        self.lock().outbox.remove(event_id);
        Ok(())
    }
}

#[async_trait]
impl AuditLog for MemoryStore {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.lock().audit.push(entry.clone());
        Ok(())
    }

    async fn by_actor(&self, actor: &str, limit: i32) -> Result<Vec<AuditEntry>, StoreError> {
        let s = self.lock();
        let mut entries: Vec<AuditEntry> = s.audit.iter().filter(|e| e.actor == actor).cloned().collect();
        entries.sort_by(|a, b| (sort_key(b.at), &b.id).cmp(&(sort_key(a.at), &a.id)));
        entries.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(entries)
    }

    async fn by_day(&self, day: Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let s = self.lock();
        let prefix = day.to_string();
        let items = s
            .audit
            .iter()
            .filter(|e| sort_key(e.at).starts_with(&prefix))
            .map(|e| (format!("{}#{}", sort_key(e.at), e.id), e.clone()))
            .collect();
        page_of(&format!("audit:{prefix}"), items, false, page)
    }
}

// --- grants ------------------------------------------------------------------------------

#[async_trait]
impl GrantStore for MemoryStore {
    async fn award(&self, grant: &Grant, audit: &AuditEntry) -> Result<(), StoreError> {
        let mut s = self.lock();
        if s.grants.contains_key(&grant.id) {
            return Err(StoreError::Conflict);
        }
        s.grants.insert(grant.id.clone(), grant.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn get(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        Ok(self.lock().grants.get(id).cloned())
    }

    async fn list(&self, recipient: Option<&str>, page: &PageRequest) -> Result<Page<Grant>, StoreError> {
        let s = self.lock();
        let items = s
            .grants
            .values()
            .filter(|g| recipient.is_none_or(|r| g.recipient_id == r))
            .map(|g| (format!("{}#{}", sort_key(g.awarded_at), g.id), g.clone()))
            .collect();
        page_of(&format!("grants:{}", recipient.unwrap_or("all")), items, true, page)
    }

    async fn submit_report(&self, report: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let mut s = self.lock();
        let available = s.grants.get(&report.grant_id).map(|g| g.available_tiyn).ok_or(GrantWriteError::Exceeded)?;
        if available < report.total_tiyn {
            return Err(GrantWriteError::Exceeded);
        }
        let refs: Vec<&AttachmentRef> = report.expenses.iter().flat_map(|e| e.attachments.iter()).collect();
        let ids: Vec<&str> = refs.iter().map(|r| r.attachment_id.as_str()).collect();
        let key = (report.grant_id.clone(), report.id.clone());
        if s.reports.contains_key(&key) || !citable(&s, &ids) || outbox.iter().any(|m| s.outbox.contains_key(&m.event_id)) {
            return Err(GrantWriteError::Store(StoreError::Conflict));
        }
        if let Some(g) = s.grants.get_mut(&report.grant_id) {
            g.available_tiyn -= report.total_tiyn;
            g.spent_tiyn += report.total_tiyn;
        }
        cite(&mut s, &refs, &format!("grant_report:{}", report.id));
        s.reports.insert(key, report.clone());
        put_outbox(&mut s, outbox)?;
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn report(&self, grant_id: &str, report_id: &str) -> Result<Option<GrantReport>, StoreError> {
        Ok(self.lock().reports.get(&(grant_id.to_owned(), report_id.to_owned())).cloned())
    }

    async fn reports(&self, grant_id: &str, page: &PageRequest) -> Result<Page<GrantReport>, StoreError> {
        let s = self.lock();
        let items = s.reports.iter().filter(|((g, _), _)| g == grant_id).map(|((_, id), r)| (id.clone(), r.clone())).collect();
        page_of(&format!("reports:{grant_id}"), items, false, page)
    }

    async fn decide_report(&self, decided: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let mut s = self.lock();
        let key = (decided.grant_id.clone(), decided.id.clone());
        match s.reports.get(&key) {
            Some(r) if r.status == ReportStatus::Submitted => {}
            _ => return Err(GrantWriteError::AlreadyDecided),
        }
        if outbox.iter().any(|m| s.outbox.contains_key(&m.event_id)) {
            return Err(GrantWriteError::Store(StoreError::Conflict));
        }
        if decided.status == ReportStatus::Returned {
            if let Some(g) = s.grants.get_mut(&decided.grant_id) {
                g.available_tiyn += decided.total_tiyn;
                g.spent_tiyn -= decided.total_tiyn;
            }
        }
        s.reports.insert(key, decided.clone());
        put_outbox(&mut s, outbox)?;
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn apply_refund(&self, refund: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError> {
        let mut s = self.lock();
        let key = (refund.grant_id.clone(), refund.id.clone());
        if s.refunds.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        put_outbox(&mut s, outbox)?;
        s.refunds.insert(key, refund.clone());
        s.audit.push(audit.clone());
        Ok(())
    }

    async fn refund(&self, grant_id: &str, refund_id: &str) -> Result<Option<Refund>, StoreError> {
        Ok(self.lock().refunds.get(&(grant_id.to_owned(), refund_id.to_owned())).cloned())
    }

    async fn refunds(&self, grant_id: &str, page: &PageRequest) -> Result<Page<Refund>, StoreError> {
        let s = self.lock();
        let items = s.refunds.iter().filter(|((g, _), _)| g == grant_id).map(|((_, id), r)| (id.clone(), r.clone())).collect();
        page_of(&format!("refunds:{grant_id}"), items, false, page)
    }

    async fn decide_refund(&self, decided: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError> {
        let mut s = self.lock();
        let key = (decided.grant_id.clone(), decided.id.clone());
        match s.refunds.get(&key) {
            Some(r) if r.status == RefundStatus::Pending => {}
            _ => return Err(GrantWriteError::AlreadyDecided),
        }
        if decided.status == RefundStatus::Confirmed {
            let available = s.grants.get(&decided.grant_id).map(|g| g.available_tiyn).unwrap_or(0);
            if available < decided.amount_tiyn {
                return Err(GrantWriteError::Exceeded);
            }
        }
        if outbox.iter().any(|m| s.outbox.contains_key(&m.event_id)) {
            return Err(GrantWriteError::Store(StoreError::Conflict));
        }
        if decided.status == RefundStatus::Confirmed {
            if let Some(g) = s.grants.get_mut(&decided.grant_id) {
                g.available_tiyn -= decided.amount_tiyn;
                g.refunded_tiyn += decided.amount_tiyn;
            }
        }
        s.refunds.insert(key, decided.clone());
        put_outbox(&mut s, outbox)?;
        s.audit.push(audit.clone());
        Ok(())
    }
}

// --- the inactivity sweep ----------------------------------------------------------------

#[async_trait]
impl SweepStore for MemoryStore {
    async fn stale(&self, shard: u32, before: Timestamp, page: &PageRequest) -> Result<Page<StaffActivity>, StoreError> {
        let s = self.lock();
        let before = sort_key(before);
        let items = s
            .accounts
            .values()
            .filter(|a| a.is_swept() && staff_activity_shard(&a.id) == shard)
            .map(|a| (sort_key(a.last_activity()), a))
            .filter(|(key, _)| *key < before)
            .map(|(key, a)| (format!("{key}#{}", a.id), StaffActivity { account: a.clone(), activity_key: key }))
            .collect();
        page_of(&format!("staff-activity:{shard}"), items, false, page)
    }

    async fn block_inactive(
        &self,
        who: &StaffActivity,
        at: Timestamp,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<BlockOutcome, StoreError> {
        let mut s = self.lock();
        let Some(a) = s.accounts.get(&who.account.id) else { return Ok(BlockOutcome::RecentActivity) };
        if a.is_blocked() {
            return Ok(BlockOutcome::AlreadyBlocked);
        }
        if sort_key(a.last_activity()) != who.activity_key {
            return Ok(BlockOutcome::RecentActivity);
        }
        put_outbox(&mut s, outbox)?;
        if let Some(a) = s.accounts.get_mut(&who.account.id) {
            a.status = AccountStatus::Blocked;
            a.blocked_reason = Some(BlockedReason::Inactivity);
            a.blocked_at = Some(at);
            a.token_version += 1;
        }
        s.audit.push(audit.clone());
        Ok(BlockOutcome::Blocked)
    }

    async fn mark_warned(&self, who: &StaffActivity, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<bool, StoreError> {
        let mut s = self.lock();
        let activity = who.account.last_activity();
        match s.accounts.get(&who.account.id) {
            Some(a) if a.is_swept() && sort_key(a.last_activity()) == who.activity_key && a.inactivity_warned_for != Some(activity) => {}
            _ => return Ok(false),
        }
        put_outbox(&mut s, outbox)?;
        if let Some(a) = s.accounts.get_mut(&who.account.id) {
            a.inactivity_warned_for = Some(activity);
        }
        s.audit.push(audit.clone());
        Ok(true)
    }
}
