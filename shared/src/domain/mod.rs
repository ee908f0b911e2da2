//! Domain value types. Each `parse` is the only way to build one, so a value of the type is
//! valid by construction (ACC-6: validate what can be validated).

pub mod access;
pub mod account;
pub mod identity;
pub mod login;
pub mod names;
pub mod password;
pub mod ticket;
pub mod vacancy;

pub use account::{Account, AccountStatus, BlockedReason, Role};
pub use identity::{Bin, Iin};
pub use login::{Email, Login, Phone};
pub use names::PersonName;
pub use ticket::{Ticket, TicketAttachment, TicketStatus};
pub use access::{AccessRequest, JournalRow, RequestKind, RequestStatus};
pub use vacancy::{LayoffNotice, Vacancy, VacancySearch, VacancyStatus};
