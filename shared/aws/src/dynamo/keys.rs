//! Every key format of the table, in one place.
//!
//! | item | pk | sk | gsi1 (pk / sk) |
//! |---|---|---|---|
//! | account | `ACCOUNT#<id>` | `ACCOUNT` | — (sparse `staff-activity` index for active staff) |
//! | unique value | `UNIQUE#LOGIN#<login>`, `UNIQUE#STAFF_IIN#<iin>`, `UNIQUE#CITIZEN_IIN#<iin>`, `UNIQUE#FIRST_SECURITY_ADMIN` | `UNIQUE` | — |
//! | audit entry | `AUDIT#<yyyy-mm-dd>` | `<time>#<id>` | `ACTOR#<actor>` / `<time>#<id>` |
//! | rate-limit window | `RATE#<key>` | `RATE` | — |
//! | idempotency record | `IDEMPOTENCY#<sha256>` | `IDEMPOTENCY` | — |
//! | sequence counter | `SEQUENCE#<name>` | `SEQUENCE` | — |
//! | access request | `ACCESS_REQUEST#<id>` | `ACCESS_REQUEST` | `ACCESS_REQUESTS` / `<status rank>#<received>#<id>` |
//! | journal row (ACS-6) | `JOURNAL` | `<registered at>#<number>` | — |
//! | open-request marker | `UNIQUE#OPEN_REQUEST#<iin>#<kind>` | `UNIQUE` | — |
//! | vacancy | `VACANCY#<id>` | `VACANCY` | gsi2: `EMPLOYER#<account id>` / `<published>#<id>` |
//! | vacancy search posting | `VACANCY#<id>` | `POSTING#<partition>` | `<partition>` (e.g. `VAC#REGION#<kato>`) / `<published>#<id>` |
//! | lay-off notice | `LAYOFF#<id>` | `LAYOFF` | gsi2: `EMPLOYER#<account id>` / `<submitted>#<id>` |
//! | outbox message | `OUTBOX#<event id>` | `OUTBOX` | `OUTBOX` / `<due>#<event id>`, or `OUTBOX_FAILED` / `<created>#<event id>` |
//! | attachment declaration | `ATTACHMENT#<id>` | `ATTACHMENT` | — |
//! | grant | `GRANT#<id>` | `GRANT` | `GRANTS` / `<awarded>#<id>`; gsi2: `RECIPIENT#<account>` / `<awarded>#<id>` |
//! | grant report / refund | `GRANT#<grant id>` | `REPORT#<id>` / `REFUND#<id>` | — |
//! | vacancy activity (VAC-6) | `VACANCY#<id>` | `ACTIVITY` | — |
//! | processed event | `PROCESSED#<consumer>#<event id>` | `PROCESSED` | — (TTL) |
//! | support ticket | `TICKET#<id>` | `TICKET` | open only: `TICKETS#OPEN` / `<due>#<id>`; gsi2: `TICKETS#<status>` / `<due>#<id>` |

use enbek_core::ports::UniqueKey;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
/// Sparse index of active staff accounts by last activity (ACS-9 sweep reads only these).
pub const STAFF_ACTIVITY_INDEX: &str = "staff-activity";
pub const STAFF_ACTIVE: &str = "staff_active";
pub const LAST_ACTIVITY_AT: &str = "last_activity_at";

/// The `staff-activity` partition of a shard: `ACTIVE#<shard>`.
pub fn staff_activity_partition(shard: u32) -> String {
    format!("ACTIVE#{shard}")
}
/// TTL attribute (epoch seconds).
pub const EXPIRES_AT: &str = "expires_at";

pub fn account(id: &str) -> (String, String) {
    (format!("ACCOUNT#{id}"), "ACCOUNT".to_owned())
}

pub fn unique(key: &UniqueKey) -> (String, String) {
    let pk = match key {
        UniqueKey::Login(login) => format!("UNIQUE#LOGIN#{}", login.as_str()),
        UniqueKey::StaffIin(iin) => format!("UNIQUE#STAFF_IIN#{}", iin.as_str()),
        UniqueKey::CitizenIin(iin) => format!("UNIQUE#CITIZEN_IIN#{}", iin.as_str()),
        UniqueKey::FirstSecurityAdmin => "UNIQUE#FIRST_SECURITY_ADMIN".to_owned(),
        UniqueKey::OpenAccessRequest { iin, kind } => format!("UNIQUE#OPEN_REQUEST#{}#{kind}", iin.as_str()),
    };
    (pk, "UNIQUE".to_owned())
}

pub fn audit(day: &str, time_key: &str, id: &str) -> (String, String) {
    (format!("AUDIT#{day}"), format!("{time_key}#{id}"))
}

pub fn audit_by_actor(actor: &str) -> String {
    format!("ACTOR#{actor}")
}

pub fn rate(key: &str) -> (String, String) {
    (format!("RATE#{key}"), "RATE".to_owned())
}

pub fn idempotency(hash: &str) -> (String, String) {
    (format!("IDEMPOTENCY#{hash}"), "IDEMPOTENCY".to_owned())
}

pub fn sequence(name: &str) -> (String, String) {
    (format!("SEQUENCE#{name}"), "SEQUENCE".to_owned())
}

/// The gsi1 partition of waiting outbox messages.
pub const OUTBOX_INDEX_PK: &str = "OUTBOX";
/// The gsi1 partition of outbox messages the relay gave up on (`<created>#<event id>`).
pub const OUTBOX_FAILED_INDEX_PK: &str = "OUTBOX_FAILED";

pub fn outbox(event_id: &str) -> (String, String) {
    (format!("OUTBOX#{event_id}"), "OUTBOX".to_owned())
}

pub fn attachment(id: &str) -> (String, String) {
    (format!("ATTACHMENT#{id}"), "ATTACHMENT".to_owned())
}

pub fn ticket(id: &str) -> (String, String) {
    (format!("TICKET#{id}"), "TICKET".to_owned())
}

/// gsi1 partition of open (new, in progress) tickets, sorted by due time.
pub const OPEN_TICKETS: &str = "TICKETS#OPEN";

/// gsi2 partition of tickets in one status, sorted by due time.
pub fn tickets_in_status(status: &str) -> String {
    format!("TICKETS#{}", status.to_ascii_uppercase())
}

/// A row of the registration journal (ACS-6): one partition, sorted by registration time.
/// `row` is `<registered at>#<number, 10 digits>`.
pub fn journal(row: &str) -> (String, String) {
    (JOURNAL.to_owned(), row.to_owned())
}

pub const JOURNAL: &str = "JOURNAL";

pub fn access_request(id: &str) -> (String, String) {
    (format!("ACCESS_REQUEST#{id}"), "ACCESS_REQUEST".to_owned())
}

/// gsi1 partition of every access request; sort key `<status rank>#<received>#<id>`, so
/// pending requests come first, oldest first.
pub const ACCESS_REQUESTS: &str = "ACCESS_REQUESTS";

pub fn vacancy(id: &str) -> (String, String) {
    (format!("VACANCY#{id}"), "VACANCY".to_owned())
}

/// A vacancy's responses (from AIS) and reported outcomes (VAC-6).
pub fn vacancy_activity(id: &str) -> (String, String) {
    (format!("VACANCY#{id}"), "ACTIVITY".to_owned())
}

/// An employer's report on a candidate (VAC-6).
pub fn vacancy_outcome(vacancy_id: &str, id: &str) -> (String, String) {
    (format!("VACANCY#{vacancy_id}"), format!("OUTCOME#{id}"))
}

/// A consumer's record of one event.
pub fn processed(consumer: &str, event_id: &str) -> (String, String) {
    (format!("PROCESSED#{consumer}#{event_id}"), "PROCESSED".to_owned())
}

pub fn vacancy_posting(id: &str, partition: &str) -> (String, String) {
    (format!("VACANCY#{id}"), format!("POSTING#{partition}"))
}

pub fn layoff_notice(id: &str) -> (String, String) {
    (format!("LAYOFF#{id}"), "LAYOFF".to_owned())
}

/// A grant (GRT-1); its reports and refunds share its partition.
pub fn grant(id: &str) -> (String, String) {
    (format!("GRANT#{id}"), "GRANT".to_owned())
}

pub const REPORT_PREFIX: &str = "REPORT#";
pub const REFUND_PREFIX: &str = "REFUND#";

pub fn grant_report(grant_id: &str, report_id: &str) -> (String, String) {
    (format!("GRANT#{grant_id}"), format!("{REPORT_PREFIX}{report_id}"))
}

pub fn grant_refund(grant_id: &str, refund_id: &str) -> (String, String) {
    (format!("GRANT#{grant_id}"), format!("{REFUND_PREFIX}{refund_id}"))
}

/// gsi1 partition of every grant, newest first (center staff's list).
pub const GRANTS: &str = "GRANTS";

/// gsi2 partition of one recipient's grants.
pub fn by_recipient(account_id: &str) -> String {
    format!("RECIPIENT#{account_id}")
}

/// gsi2 partition of one employer's vacancies and notices.
pub fn by_employer(account_id: &str) -> String {
    format!("EMPLOYER#{account_id}")
}
