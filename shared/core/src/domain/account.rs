//! The account: one per user for every portal of the platform (ACC-1).

use super::{Bin, Iin, Login, PersonName};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

crate::string_enum! {
    /// Who an account belongs to (API.md "Roles"; ACC-5).
    pub enum Role { Citizen, Employer, CenterStaff, Support, SecurityAdmin, Official }
}

impl Role {
    /// The roles an access request may give (ACS-1).
    pub const STAFF: &'static [Role] = &[Role::CenterStaff, Role::Support, Role::SecurityAdmin, Role::Official];
    /// The roles that register themselves.
    pub const SELF_REGISTERED: &'static [Role] = &[Role::Citizen, Role::Employer];

    /// Staff accounts come from approved access requests (ACS-1) and are swept for
    /// inactivity (ACS-9); citizens and employers register themselves.
    pub fn is_staff(self) -> bool {
        Self::STAFF.contains(&self)
    }
}

crate::string_enum! {
    pub enum AccountStatus { Active, Blocked }
}

crate::string_enum! {
    /// Why an account is blocked (ACS-9: inactivity or a security violation; ACS-8: dismissal).
    pub enum BlockedReason { Inactivity, Security, Dismissal }
}

/// An account as stored. The password hash and token version never leave the service; what
/// the owner sees is the profile view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub login: Login,
    pub role: Role,
    pub status: AccountStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<BlockedReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_at: Option<Timestamp>,
    pub password_hash: String,
    /// Set for temporary passwords (ACS-5): the account may only change its password.
    pub must_change_password: bool,
    /// Bumped on every password change, block and change of rights; tokens carry it and are
    /// refused once it moves on (ASVS 7.4.1/7.4.2).
    pub token_version: u32,
    pub last_name: PersonName,
    pub first_name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<Iin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<Bin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// ACC-3: which version of the user agreement was accepted, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement_accepted_at: Option<Timestamp>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed_at: Option<Timestamp>,
    /// While `must_change_password`: when the temporary password stops opening the account
    /// (ACS-5; a repeated application then issues a new one, order 419 §29).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password_expires_at: Option<Timestamp>,
    /// Staff: the last reactivation, or password reset, by a security administrator (ACS-10);
    /// it counts as activity for the inactivity sweep (ACS-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactivated_at: Option<Timestamp>,
    /// Staff: the activity an inactivity pre-warning was sent for (one warning per period of
    /// inactivity; a sign-in starts a new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_warned_for: Option<Timestamp>,
    /// Staff: the information systems and functions granted by the last approved access
    /// request (ACS-2, ACS-8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
    /// Staff: the registration-journal row of the login issued with the current temporary
    /// password; the first password change completes it (ACS-5, ACS-6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_row: Option<String>,
}

impl Account {
    /// A new, active account with nothing but the essentials; callers set the rest.
    pub fn new(login: Login, role: Role, last_name: PersonName, first_name: PersonName, password_hash: String, now: Timestamp) -> Account {
        Account {
            id: crate::ids::new_id(),
            login,
            role,
            status: AccountStatus::Active,
            blocked_reason: None,
            blocked_at: None,
            password_hash,
            must_change_password: false,
            token_version: 0,
            last_name,
            first_name,
            middle_name: None,
            iin: None,
            bin: None,
            company_name: None,
            agreement_version: None,
            agreement_accepted_at: None,
            created_at: now,
            last_login_at: None,
            password_changed_at: None,
            temporary_password_expires_at: None,
            reactivated_at: None,
            inactivity_warned_for: None,
            systems: Vec::new(),
            functions: Vec::new(),
            journal_row: None,
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.status == AccountStatus::Blocked
    }

    /// The account's last activity (ACS-9): the latest of the last sign-in, the issue of the
    /// login and the last reactivation or password reset by a security administrator.
    pub fn last_activity(&self) -> Timestamp {
        [Some(self.created_at), self.last_login_at, self.reactivated_at].into_iter().flatten().max().unwrap_or(self.created_at)
    }

    /// Whether the inactivity sweep looks at this account: an active staff account (ACS-9).
    pub fn is_swept(&self) -> bool {
        self.role.is_staff() && self.status == AccountStatus::Active
    }

    /// Whether the account's temporary password no longer opens it at `now` (ACS-5).
    pub fn temporary_password_expired(&self, now: Timestamp) -> bool {
        self.must_change_password && self.temporary_password_expires_at.is_some_and(|t| t <= now)
    }

    /// Surname, name and middle name (if any), as the registration journal records the
    /// administrator (appendix 1).
    pub fn full_name(&self) -> String {
        [Some(&self.last_name), Some(&self.first_name), self.middle_name.as_ref()]
            .into_iter()
            .flatten()
            .map(PersonName::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}
