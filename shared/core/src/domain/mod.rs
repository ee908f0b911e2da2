//! Domain value types and entities. Each value type's `parse` is the only way to build one from
//! input, so a value of the type is valid by construction (ACC-6: validate what can be
//! validated). Entities hold these types, not strings.

pub mod access;
pub mod account;
pub mod grant;
pub mod identity;
pub mod login;
pub mod names;
pub mod password;
pub mod ticket;
pub mod vacancy;

pub use access::{AccessRequest, DecisionKind, JournalRow, RequestKind, RequestStatus};
pub use account::{Account, AccountStatus, BlockedReason, Role};
pub use grant::{ExpenseCategory, Grant, GrantReport, Refund, RefundStatus, ReportStatus};
pub use identity::{Bin, Iin};
pub use login::{Email, Login, Phone};
pub use names::PersonName;
pub use ticket::{Ticket, TicketStatus};
pub use vacancy::{CandidateOutcome, EmploymentType, LayoffNotice, OutcomeKind, Vacancy, VacancyActivity, VacancySearch, VacancyStatus};
