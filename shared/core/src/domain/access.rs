//! Access requests to the ministry's information systems (order No. 419, ACS-1..11) and the
//! registration journal of issued logins (appendix 1, ACS-6).

use super::{Bin, Email, Iin, Login, PersonName, Phone, Role};
use crate::attachments::AttachmentRef;
use crate::calendar::local_date;
use crate::codes::Lang;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

crate::string_enum! {
    /// What an access request asks for.
    pub enum RequestKind {
        /// Register a user and grant rights (ACS-1).
        Grant,
        /// Replace role, systems and functions (ACS-8).
        Change,
        /// Block the account (dismissal, or a security violation).
        Block,
        /// Unblock with a fresh temporary password (ACS-10).
        Reactivate,
    }
}

impl RequestKind {
    /// Kinds that name the role, systems and functions to give.
    pub fn grants_rights(self) -> bool {
        matches!(self, RequestKind::Grant | RequestKind::Change)
    }

    /// Kinds whose approval issues a login or a new temporary password (a journal row, ACS-6).
    pub fn issues_password(self) -> bool {
        matches!(self, RequestKind::Grant | RequestKind::Reactivate)
    }
}

crate::string_enum! {
    pub enum RequestStatus { Pending, Approved, Refused }
}

impl RequestStatus {
    /// Position in the administrator's list: pending first.
    pub fn rank(self) -> u8 {
        match self {
            RequestStatus::Pending => 0,
            RequestStatus::Approved => 1,
            RequestStatus::Refused => 2,
        }
    }
}

crate::string_enum! {
    /// The kinds of organization whose staff may get access (ACS-11).
    pub enum OrganizationKind { StateBody, PublicInstitution }
}

crate::string_enum! {
    /// The order an access request rests on (ACS-3; ACS-8 for `duties_change`, order 419 §27).
    pub enum BasisKind { Hiring, Transfer, Dismissal, DutiesChange }
}

impl BasisKind {
    /// Russian name of the order, for the journal's "basis" column.
    pub fn title_ru(self) -> &'static str {
        match self {
            BasisKind::Hiring => "приказ о приёме",
            BasisKind::Transfer => "приказ о переводе",
            BasisKind::Dismissal => "приказ об увольнении",
            BasisKind::DutiesChange => "приказ об изменении обязанностей",
        }
    }
}

crate::string_enum! {
    pub enum DecisionKind { Approve, Refuse }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub name: String,
    pub bin: Bin,
    pub kind: OrganizationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The person the request is about (appendix 2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestUser {
    pub last_name: PersonName,
    pub first_name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<PersonName>,
    pub iin: Iin,
    pub position: String,
    pub department: String,
    pub office_number: String,
    pub mobile_phone: Phone,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10.61.4.17"))]
    pub ip_address: std::net::IpAddr,
    /// The corporate e-mail: the login of a granted account (ACC-2) and where answers go.
    pub email: Email,
}

impl RequestUser {
    pub fn full_name(&self) -> String {
        [Some(&self.last_name), Some(&self.first_name), self.middle_name.as_ref()]
            .into_iter()
            .flatten()
            .map(PersonName::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    pub kind: BasisKind,
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub approved_on: Date,
}

impl Basis {
    /// ACS-3: the order must be approved within one year before `on`, the date of the
    /// application.
    pub fn is_current_on(&self, on: Date) -> bool {
        on.checked_sub(1.year()).map(|earliest| self.approved_on >= earliest).unwrap_or(true)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    pub number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: Date,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub decision: DecisionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub decided_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: Timestamp,
    /// The account created or changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The registration-journal number of the issued login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_number: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub id: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// The person's existing login (appendix 2): for change, block and reactivate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<Login>,
    pub organization: Organization,
    pub user: RequestUser,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default)]
    pub systems: Vec<String>,
    #[serde(default)]
    pub functions: Vec<String>,
    pub basis: Basis,
    pub basis_document: AttachmentRef,
    pub letter: Letter,
    pub submitted_by: String,
    pub received_at: Timestamp,
    pub due_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The submitter's language, for the answer.
    pub lang: Lang,
}

impl AccessRequest {
    /// ACS-4: answered within 3 working days.
    pub const ANSWER_WORKING_DAYS: u32 = 3;

    /// The date of application (Asia/Almaty): what the basis is judged against (ACS-3).
    pub fn received_on(&self) -> Date {
        local_date(self.received_at)
    }
}

/// A row of the registration journal (order No. 419, appendix 1; ACS-6). Written once, when a
/// login (or a new temporary password) is issued; only `registration_completed_at` is set
/// later, by the system, when the temporary password is replaced (ACS-5).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalRow {
    /// № п/п.
    pub number: u64,
    /// Region / applicant's letter number and date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub letter_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub letter_date: Date,
    /// Owner's incoming number and date: the access request and its receipt.
    pub incoming_number: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub incoming_date: Date,
    pub user_full_name: String,
    pub login: Login,
    /// Systems granted.
    pub systems: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub registered_at: Timestamp,
    /// Basis: the order.
    pub basis: String,
    /// The administrator who issued the login.
    pub administrator: String,
    /// Note: what was issued (new login; reactivation).
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub registration_completed_at: Option<Timestamp>,
    pub account_id: String,
    pub request_id: String,
}

impl JournalRow {
    /// The row's sort key: registration time, then number (unique).
    pub fn row_key(registered_at: Timestamp, number: u64) -> String {
        format!("{}#{number:010}", crate::clock::sort_key(registered_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn acs_3_the_basis_must_be_approved_within_one_year_before_the_date() {
        let basis = |d| Basis { kind: BasisKind::Hiring, number: "12-к".into(), approved_on: d };
        let on = date(2026, 11, 23);
        assert!(basis(date(2025, 11, 23)).is_current_on(on), "exactly one year: still within");
        assert!(!basis(date(2025, 11, 22)).is_current_on(on), "a day more: expired");
        assert!(basis(date(2026, 11, 23)).is_current_on(on));
        // 29 Feb: one year before 28 Feb 2025 is 28 Feb 2024 (jiff clamps to the month's end).
        assert!(basis(date(2024, 2, 29)).is_current_on(date(2025, 2, 28)));
    }

    #[test]
    fn pending_requests_sort_first() {
        assert!(RequestStatus::Pending.rank() < RequestStatus::Approved.rank());
        assert!(RequestStatus::Approved.rank() < RequestStatus::Refused.rank());
    }
}
