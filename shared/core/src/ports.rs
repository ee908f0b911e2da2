//! Ports: the narrow capabilities use cases depend on. Adapters (DynamoDB in `dynamo`, or a
//! Kazakhstan-hosted store later) implement them; a function takes only the ports it needs,
//! so its IAM policy can match them.

use crate::attachments::AttachmentRecord;
use crate::audit::AuditEntry;
use crate::domain::{
    AccessRequest, Account, BlockedReason, CandidateOutcome, Grant, GrantReport, Iin, JournalRow, LayoffNotice, Login, Refund, RequestKind,
    RequestStatus, Ticket, TicketStatus, Vacancy, VacancyActivity, VacancySearch,
};
use crate::outbox::OutboxMessage;
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

/// Any error, kept as the cause of a [`StoreError`] so logs show the whole chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of the storage itself (not of a business rule).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttled, timed out or unreachable: worth retrying.
    #[error("storage unavailable")]
    Unavailable(#[source] BoxError),
    #[error("storage failure")]
    Other(#[source] BoxError),
    /// A condition of the write failed: the record changed (or was taken) concurrently.
    #[error("a condition of the write failed")]
    Conflict,
    /// A list cursor that this list did not hand out (tampered, or from another list).
    #[error("invalid list cursor")]
    InvalidCursor,
}

impl StoreError {
    /// A failure described by a message (mapping errors, impossible states).
    pub fn other(message: impl Into<String>) -> Self {
        StoreError::Other(message.into().into())
    }
}

/// Values that at most one account may hold, enforced by conditional writes in the same
/// transaction that creates the account (never by read-then-write).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UniqueKey {
    /// The normalised login (ACC-2). Always claimed.
    Login(Login),
    /// The IIN of a staff member: one login per person (ACS-7).
    StaffIin(Iin),
    /// The IIN of a citizen: one account per person (ACC-1).
    CitizenIin(Iin),
    /// The first security administrator, created once by the bootstrap.
    FirstSecurityAdmin,
    /// One undecided access request per person and kind (409 `duplicate_request`).
    OpenAccessRequest { iin: Iin, kind: RequestKind },
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("unique value already held: {0:?}")]
    Taken(UniqueKey),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateAccountError {
    #[error("no such account")]
    NotFound,
    /// The account changed since it was read (e.g. a concurrent password change).
    #[error("the account changed concurrently")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account, claiming its login and any `extra` unique values, and writes the
    /// audit entry — all or nothing.
    async fn create(&self, account: &Account, extra: &[UniqueKey], audit: &AuditEntry) -> Result<(), CreateAccountError>;
    /// [`Self::create`] for an account whose login is issued with a temporary password: also
    /// writes its registration-journal row (ACS-6), numbered by the gapless journal sequence in
    /// the same transaction, and points the account at it. Returns the row's number.
    async fn create_issued(
        &self,
        account: &Account,
        extra: &[UniqueKey],
        journal: &JournalRow,
        audit: &AuditEntry,
    ) -> Result<u64, CreateAccountError>;
    /// Strongly consistent read by ID.
    async fn get(&self, id: &str) -> Result<Option<Account>, StoreError>;
    /// Strongly consistent read by normalised login.
    async fn find_by_login(&self, login: &Login) -> Result<Option<Account>, StoreError>;
    /// The account holding a unique value, if any.
    async fn holder_of(&self, key: &UniqueKey) -> Result<Option<String>, StoreError>;
    /// Records a successful sign-in (`last_login_at`; feeds ACS-9).
    async fn record_sign_in(&self, account: &Account, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError>;
    /// Replaces the password hash, clears `must_change_password` and bumps the token version,
    /// provided the account's token version is still `account.token_version`.
    async fn set_password(&self, account: &Account, hash: &str, at: Timestamp, audit: &AuditEntry) -> Result<(), UpdateAccountError>;
    /// Blocks the account and bumps its token version; returns the account as now stored.
    async fn block(&self, id: &str, reason: BlockedReason, at: Timestamp, audit: &AuditEntry) -> Result<Account, UpdateAccountError>;
}

/// Counts events per key in a fixed window that opens at the first event: sign-in attempts
/// per login and per address, filings per address, registrations per address.
///
/// A slot is reserved *before* the work it limits, by one atomic conditional write, so that
/// parallel requests cannot all pass a check made before any of them is counted.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Reserves one event of `limit` for `key`: `None` when reserved, or the seconds until
    /// the window ends when it is full (nothing is reserved then).
    async fn acquire(&self, key: &str, limit: &RateLimit, now: Timestamp) -> Result<Option<u64>, StoreError>;
    /// Gives a reserved event back (the work turned out not to count, e.g. a successful
    /// sign-in against the per-address limit of failures).
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// Forgets the window (a successful sign-in clears the login's failures).
    async fn reset(&self, key: &str) -> Result<(), StoreError>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max_events: u32,
    pub window: SignedDuration,
}

impl RateLimit {
    /// `"<events>/<seconds>"`, e.g. `30/600` (configuration).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (n, secs) = text.trim().split_once('/').ok_or_else(|| format!("{text:?} is not <events>/<seconds>"))?;
        let max_events: u32 = n.trim().parse().map_err(|_| format!("{n:?} is not a number of events"))?;
        let secs: i64 = secs.trim().parse().map_err(|_| format!("{secs:?} is not a number of seconds"))?;
        if max_events == 0 || secs <= 0 {
            return Err(format!("{text:?}: both parts must be positive"));
        }
        Ok(RateLimit { max_events, window: SignedDuration::from_secs(secs) })
    }
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RateLimit::parse(s)
    }
}

/// A response kept for replay under an `Idempotency-Key`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IdempotencyBegin {
    /// First time: go ahead, then `complete` or `abandon`.
    Started,
    /// The same request was answered before: replay this.
    Replay(StoredResponse),
    /// The same key is being processed right now.
    InProgress,
    /// The key was used with a different request.
    Mismatch,
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn begin(&self, key: &str, fingerprint: &str, now: Timestamp) -> Result<IdempotencyBegin, StoreError>;
    async fn complete(&self, key: &str, fingerprint: &str, response: &StoredResponse, now: Timestamp) -> Result<(), StoreError>;
    /// Forgets an unfinished key so a retry runs again (after a 5xx).
    async fn abandon(&self, key: &str) -> Result<(), StoreError>;
}

/// A message for a queue. FIFO queues need `group_id` (ordering per record) and
/// `deduplication_id` (the event ID, so a retried send is delivered once).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundMessage {
    pub body: String,
    pub group_id: Option<String>,
    pub deduplication_id: Option<String>,
}

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, message: &OutboundMessage) -> Result<(), StoreError>;
}

/// Where and how a client uploads a file: a presigned PUT bound to the content type and size.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadUrl {
    pub url: String,
    pub expires_in_secs: u64,
    /// Headers the client must send with the PUT (they are part of the signature).
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoredObject {
    pub size_bytes: u64,
    pub content_type: Option<String>,
    /// The version (the bucket is versioned): what a citation pins.
    pub version_id: Option<String>,
    pub etag: Option<String>,
}

/// The files bucket. Keys are generated by the server, never taken from user file names.
#[async_trait]
pub trait FileStore: Send + Sync {
    async fn presign_put(&self, key: &str, content_type: &str, size_bytes: u64, expires_in_secs: u64) -> Result<UploadUrl, StoreError>;
    /// What was really uploaded under `key` (its current version), if anything.
    async fn head(&self, key: &str) -> Result<Option<StoredObject>, StoreError>;
    /// The first `n` bytes of an object, of `version` if given (for magic-byte checks).
    async fn first_bytes(&self, key: &str, version: Option<&str>, n: u64) -> Result<Vec<u8>, StoreError>;
    /// A presigned GET of `version` of an object, downloaded as `file_name`.
    async fn presign_get(&self, key: &str, version: Option<&str>, file_name: &str, expires_in_secs: u64) -> Result<String, StoreError>;
    /// Stores an object the service made itself (exports), encrypted at rest.
    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), StoreError>;
}

/// Declared uploads. Citing one (setting `used_by`) happens inside the transaction of the
/// record that cites it, in that record's adapter.
#[async_trait]
pub trait AttachmentStore: Send + Sync {
    async fn declare(&self, record: &AttachmentRecord) -> Result<(), StoreError>;
    async fn get(&self, id: &str) -> Result<Option<AttachmentRecord>, StoreError>;
}

/// Which tickets a support list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TicketFilter {
    /// One status; `None` lists the open ones (new and in progress).
    pub status: Option<TicketStatus>,
    /// Only overdue tickets (`Overdue(now)`: due before now) or only those not yet due.
    pub due: Option<DueFilter>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueFilter {
    Overdue(Timestamp),
    NotOverdue(Timestamp),
}

#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Numbers the ticket (gapless per year, TKT `T-<year>-<6 digits>`), stores it, marks its
    /// attachments cited and writes the audit entry, all in one transaction. Returns the
    /// ticket as stored.
    async fn create(&self, ticket: &Ticket, audit: &AuditEntry) -> Result<Ticket, StoreError>;
    async fn get(&self, id: &str) -> Result<Option<Ticket>, StoreError>;
    /// Replaces the ticket if it is still at `expected_version` (else `Conflict`), with its
    /// audit entry and outbox messages.
    async fn update(&self, ticket: &Ticket, expected_version: u64, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError>;
    /// One page, oldest `due_at` first, by one index query.
    async fn list(&self, filter: TicketFilter, page: &PageRequest) -> Result<Page<Ticket>, StoreError>;
}

/// What approving an access request does to an account.
#[derive(Clone, Debug)]
pub enum AccountEffect {
    /// Refusal: nothing.
    None,
    /// `grant`: a new staff account claiming its login and the person's IIN (ACS-7).
    Create(Account),
    /// `change`, `block`, `reactivate`: the account as it becomes, if it is still at the token
    /// version it was read with.
    Replace { account: Account, expected_token_version: u32 },
}

/// Everything a decision writes, in one transaction.
#[derive(Clone, Debug)]
pub struct DecisionWrite {
    /// The request with its status and decision set.
    pub request: AccessRequest,
    pub effect: AccountEffect,
    /// The journal row of an issued login or temporary password (numbered by the store).
    pub journal: Option<JournalRow>,
    pub audit: AuditEntry,
    pub outbox: Vec<OutboxMessage>,
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("the request is already decided")]
    AlreadyDecided,
    #[error("unique value already held: {0:?}")]
    Taken(UniqueKey),
    #[error("the account changed concurrently")]
    AccountChanged,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// An undecided request of the same kind for the same person exists.
    #[error("duplicate open request")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait AccessRequestStore: Send + Sync {
    /// Stores a new request, claiming "one open request per person and kind" and citing its
    /// basis document, with its audit entry.
    async fn submit(&self, request: &AccessRequest, audit: &AuditEntry) -> Result<(), SubmitError>;
    async fn get(&self, id: &str) -> Result<Option<AccessRequest>, StoreError>;
    /// Pending first, then approved, then refused; oldest first within each; one query per page.
    async fn list(&self, status: Option<RequestStatus>, page: &PageRequest) -> Result<Page<AccessRequest>, StoreError>;
    /// Writes a decision (the request, the account change, the journal row, the audit entry
    /// and the answer's outbox message) all or nothing. Returns the journal number, if any.
    async fn decide(&self, write: DecisionWrite) -> Result<Option<u64>, DecideError>;
    /// Journal rows registered in `[from, to)`, in registration order.
    async fn journal(&self, from: Timestamp, to: Timestamp, page: &PageRequest) -> Result<Page<JournalRow>, StoreError>;
}

#[async_trait]
pub trait VacancyStore: Send + Sync {
    /// Stores a published vacancy with its search postings, audit entry and outbox messages.
    async fn publish(&self, vacancy: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError>;
    async fn get(&self, id: &str) -> Result<Option<Vacancy>, StoreError>;
    /// Stores the closed vacancy if it was still published (else `Conflict`) and removes its
    /// postings, with its audit entry and outbox messages.
    async fn close(&self, closed: &Vacancy, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError>;
    /// Listed vacancies (published, `valid_until` ≥ `today`) matching `search`, newest first:
    /// one index query per page.
    async fn search(&self, search: &VacancySearch, today: jiff::civil::Date, page: &PageRequest) -> Result<Page<Vacancy>, StoreError>;
    /// Stores a lay-off notice with its audit entry and outbox messages (VAC-2).
    async fn save_layoff_notice(&self, notice: &LayoffNotice, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError>;
    /// The vacancy's activity (VAC-6); all zero when nothing happened yet.
    async fn activity(&self, vacancy_id: &str) -> Result<VacancyActivity, StoreError>;
    /// Stores an employer's report and counts it on the vacancy's activity, with its audit entry
    /// and outbox messages. A hire beyond `positions` hires is `Conflict`.
    async fn report_outcome(
        &self,
        outcome: &CandidateOutcome,
        positions: u32,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<(), StoreError>;
}

/// The audit trail (ACS-12): entries that stand alone (reads, refused sign-ins, exports), and
/// reading the trail by actor and by day. Entries of changes are written by the stores, in the
/// change's own transaction.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The newest `limit` entries of one actor, newest first.
    async fn by_actor(&self, actor: &str, limit: i32) -> Result<Vec<AuditEntry>, StoreError>;
    /// The entries of one UTC day (`YYYY-MM-DD`), oldest first.
    async fn by_day(&self, day: jiff::civil::Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError>;
}

/// Why a write that moves grant money did not happen.
#[derive(Debug, thiserror::Error)]
pub enum GrantWriteError {
    /// The grant has not that much left (`available_tiyn` < the amount).
    #[error("the grant has not that much left")]
    Exceeded,
    /// The report or refund was decided already (or concurrently).
    #[error("already decided")]
    AlreadyDecided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Grants, their reports and refunds (GRT-1..4). Every write that takes money from a grant
/// takes it with a conditional update of the grant's `available_tiyn` in the same transaction
/// as the record it writes, so no interleaving of writers can overdraw a grant.
#[async_trait]
pub trait GrantStore: Send + Sync {
    async fn award(&self, grant: &Grant, audit: &AuditEntry) -> Result<(), StoreError>;
    async fn get(&self, id: &str) -> Result<Option<Grant>, StoreError>;
    /// Newest first, one index query per page: every grant, or one recipient's.
    async fn list(&self, recipient: Option<&str>, page: &PageRequest) -> Result<Page<Grant>, StoreError>;
    /// Stores a submitted report, taking its total from the grant (`Exceeded` if it does not
    /// fit), citing its attachments, with its audit entry and outbox messages.
    async fn submit_report(&self, report: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError>;
    async fn report(&self, grant_id: &str, report_id: &str) -> Result<Option<GrantReport>, StoreError>;
    /// Oldest first.
    async fn reports(&self, grant_id: &str, page: &PageRequest) -> Result<Page<GrantReport>, StoreError>;
    /// Replaces a still-submitted report with its decision (`AlreadyDecided` otherwise); a
    /// returned report gives its total back to the grant.
    async fn decide_report(&self, decided: &GrantReport, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError>;
    async fn apply_refund(&self, refund: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), StoreError>;
    async fn refund(&self, grant_id: &str, refund_id: &str) -> Result<Option<Refund>, StoreError>;
    /// Oldest first.
    async fn refunds(&self, grant_id: &str, page: &PageRequest) -> Result<Page<Refund>, StoreError>;
    /// Replaces a pending refund with its decision (`AlreadyDecided` otherwise); a confirmed
    /// refund takes its amount from the grant (`Exceeded` if it does not fit).
    async fn decide_refund(&self, decided: &Refund, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<(), GrantWriteError>;
}

/// An active staff account as the inactivity sweep reads it from the sparse index.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffActivity {
    pub account: Account,
    /// The index's sort key as read: a block is conditioned on it not having moved.
    pub activity_key: String,
}

/// What a conditional block found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockOutcome {
    Blocked,
    /// Someone (another sweep, an administrator) blocked it first.
    AlreadyBlocked,
    /// It signed in (or was reactivated) after it was read: not inactive after all.
    RecentActivity,
}

/// The sparse `staff-activity` index and the writes of the inactivity sweep (ACS-9). The index
/// holds only active staff accounts, write-sharded by account ID over [`STAFF_ACTIVITY_SHARDS`]
/// partitions; a query reads only the part older than a cutoff.
#[async_trait]
pub trait SweepStore: Send + Sync {
    /// One page of one shard: active staff whose last activity is before `before`, oldest first.
    async fn stale(&self, shard: u32, before: Timestamp, page: &PageRequest) -> Result<Page<StaffActivity>, StoreError>;
    /// Blocks for inactivity if the account is still active with the activity read, with its
    /// audit entry and outbox messages, in one transaction.
    async fn block_inactive(
        &self,
        who: &StaffActivity,
        at: Timestamp,
        audit: &AuditEntry,
        outbox: &[OutboxMessage],
    ) -> Result<BlockOutcome, StoreError>;
    /// Records that the pre-warning for this period of inactivity was sent, with its outbox
    /// message — once: `false` when it had been sent (or the account moved on) already.
    async fn mark_warned(&self, who: &StaffActivity, audit: &AuditEntry, outbox: &[OutboxMessage]) -> Result<bool, StoreError>;
}

/// Partitions of the `staff-activity` index. Every staff sign-in writes the index; one
/// partition takes about 1 000 writes a second, so the key is spread over this many.
pub const STAFF_ACTIVITY_SHARDS: u32 = 8;

/// The index shard of an account (stable: from the random tail of its ID).
pub fn staff_activity_shard(account_id: &str) -> u32 {
    let tail = &account_id[account_id.len().saturating_sub(8)..];
    u32::from_str_radix(tail, 16).unwrap_or(0) % STAFF_ACTIVITY_SHARDS
}

/// What a consumer's record of an event said when it tried to claim it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Nobody has handled it: this invocation does, within the lease.
    Claimed,
    /// Handled before (a duplicate delivery): nothing to do. (An event settled as poisoned is
    /// not done: redriven from the dead-letter queue after a fix, it is handled again.)
    Done,
    /// Another invocation holds a live lease on it.
    Busy,
}

/// How an event ended, as its processed-event record keeps it (never the message body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// `delivered`, `already_delivered`, `sent`, `recorded`, … or [`POISONED`].
    pub outcome: String,
    pub event_type: String,
    /// For a poisoned event: why (e.g. AIS's answer).
    pub detail: Option<String>,
}

/// The outcome of an event moved to the dead-letter queue: kept with its reason, but claimable
/// again.
pub const POISONED: &str = "poisoned";

/// The consumers' processed-event records (idempotency per event ID), written with a condition
/// and kept (TTL) longer than a queue keeps a message.
#[async_trait]
pub trait ProcessedEvents: Send + Sync {
    /// Claims `event_id` for `consumer` until `now + lease`, unless it is done or held.
    async fn claim(&self, consumer: &str, event_id: &str, now: Timestamp, lease: SignedDuration) -> Result<Claim, StoreError>;
    /// Records the claimed event as done, with how it ended.
    async fn settle(&self, consumer: &str, event_id: &str, now: Timestamp, settlement: &Settlement) -> Result<(), StoreError>;
    /// Gives a claimed event up (it will be tried again).
    async fn release(&self, consumer: &str, event_id: &str) -> Result<(), StoreError>;
}

/// Seals a secret that must travel through a queue to one reader (the temporary password on
/// its way to `notify`), bound to `aad` (the event ID). Implemented by `enbek_core::seal`.
pub trait SecretBox: Send + Sync {
    fn seal_text(&self, aad: &str, plain: &str) -> String;
    fn open_text(&self, aad: &str, sealed: &str) -> Option<String>;
}
