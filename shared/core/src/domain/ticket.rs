//! Support tickets (TKT-1..4): what a user files through the feedback form, and how support
//! moves it forward.

use super::{Email, Iin, PersonName, Phone};
use crate::attachments::AttachmentRef;
use crate::calendar::{local_date, WorkCalendar};
use crate::codes::Lang;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// TKT-2: an answer within 3 working days…
pub const ANSWER_WORKING_DAYS: u32 = 3;
/// …or 10 when the software must be changed or a defect fixed.
pub const DEFECT_WORKING_DAYS: u32 = 10;
/// Attachments per ticket.
pub const MAX_ATTACHMENTS: usize = 5;

crate::string_enum! {
    /// Statuses move forward only: new → in_progress → resolved → closed (steps may be skipped).
    pub enum TicketStatus { New, InProgress, Resolved, Closed }
}

impl TicketStatus {
    /// The statuses support may set.
    pub const SETTABLE: &'static [TicketStatus] = &[TicketStatus::InProgress, TicketStatus::Resolved, TicketStatus::Closed];

    /// Still waiting for an answer (counts towards "overdue").
    pub fn is_open(self) -> bool {
        matches!(self, TicketStatus::New | TicketStatus::InProgress)
    }

    pub fn can_move_to(self, next: TicketStatus) -> bool {
        next > self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    /// `T-<year>-<6 digits>`; empty until the store numbers it.
    pub number: String,
    pub status: TicketStatus,
    pub full_name: PersonName,
    pub iin: Iin,
    pub contact_phone: Phone,
    pub email: Email,
    pub subject: String,
    pub description: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
    /// The signed-in author's account, if the ticket was filed with a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<String>,
    /// SHA-256 (hex) of the access code; the code itself is shown once and stored nowhere.
    pub access_code_sha256: String,
    /// The author's language, for notifications.
    pub lang: Lang,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
    #[serde(default)]
    pub defect: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect_marked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect_marked_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// Bumped by every change; updates are conditional on it.
    pub version: u64,
}

/// Crockford's base32 alphabet: no I, L, O, U, so a code read aloud or retyped survives.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An access code: 16 symbols (80 bits) from a CSPRNG (rand's thread generator, seeded by the
/// operating system), as `XXXX-XXXX-XXXX-XXXX`.
pub fn new_access_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let symbols: Vec<char> = (0..16).map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char).collect();
    symbols.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// The stored form of an access code: SHA-256 of the code without separators, upper case.
pub fn access_code_sha256(code: &str) -> String {
    use sha2::{Digest, Sha256};
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    hex::encode(Sha256::digest(normal.as_bytes()))
}

impl Ticket {
    /// The year a ticket received at `at` is numbered in (Asia/Almaty).
    pub fn number_year(at: Timestamp) -> i16 {
        local_date(at).year()
    }

    pub fn format_number(year: i16, n: u64) -> String {
        format!("T-{year}-{n:06}")
    }

    /// TKT-2: the deadline for a ticket received at `received`.
    pub fn deadline(received: Timestamp, defect: bool) -> Timestamp {
        let days = if defect { DEFECT_WORKING_DAYS } else { ANSWER_WORKING_DAYS };
        WorkCalendar::kazakhstan().due_at(received, days)
    }

    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.status.is_open() && self.due_at < now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_codes_are_16_crockford_symbols_and_compare_without_separators() {
        let a = new_access_code();
        assert_eq!(a.len(), 19);
        assert!(a.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| CODE_ALPHABET.contains(&b))));
        assert_ne!(a, new_access_code());
        assert_eq!(access_code_sha256(&a), access_code_sha256(&a.replace('-', "").to_lowercase()));
        assert_ne!(access_code_sha256(&a), access_code_sha256(&new_access_code()));
    }

    #[test]
    fn statuses_only_move_forward() {
        use TicketStatus::*;
        assert!(New.can_move_to(InProgress) && New.can_move_to(Resolved) && Resolved.can_move_to(Closed));
        assert!(!InProgress.can_move_to(New) && !Resolved.can_move_to(InProgress) && !Closed.can_move_to(Closed));
    }

    #[test]
    fn numbers_are_per_almaty_year_and_zero_padded() {
        // 31 Dec 2026 20:00 UTC is already 1 Jan 2027 in Almaty (UTC+5).
        assert_eq!(Ticket::number_year("2026-12-31T20:00:00Z".parse().unwrap()), 2027);
        assert_eq!(Ticket::number_year("2026-12-31T18:59:59Z".parse().unwrap()), 2026);
        assert_eq!(Ticket::format_number(2026, 42), "T-2026-000042");
        assert_eq!(Ticket::format_number(2026, 1_234_567), "T-2026-1234567");
    }

    #[test]
    fn tkt_2_deadline_is_3_working_days_or_10_for_a_defect() {
        // Monday 23 Nov 2026, 10:00 Almaty → Thursday 26 Nov 18:00 Almaty (13:00 UTC).
        let received: Timestamp = "2026-11-23T05:00:00Z".parse().unwrap();
        assert_eq!(Ticket::deadline(received, false), "2026-11-26T13:00:00Z".parse::<Timestamp>().unwrap());
        // 10 working days: 24–27 Nov, 30 Nov–4 Dec, 7 Dec → Monday 7 Dec.
        assert_eq!(Ticket::deadline(received, true), "2026-12-07T13:00:00Z".parse::<Timestamp>().unwrap());
    }
}
