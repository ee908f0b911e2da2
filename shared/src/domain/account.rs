//! The account: one per user for every portal of the platform (ACC-1).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Citizen,
    Employer,
    CenterStaff,
    Support,
    SecurityAdmin,
    Official,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Citizen, Role::Employer, Role::CenterStaff, Role::Support, Role::SecurityAdmin, Role::Official];

    /// The roles an access request may give (ACS-1).
    pub const STAFF: &'static [(&'static str, Role)] = &[
        ("center_staff", Role::CenterStaff),
        ("support", Role::Support),
        ("security_admin", Role::SecurityAdmin),
        ("official", Role::Official),
    ];

    /// Staff accounts come from approved access requests (ACS-1) and are swept for
    /// inactivity (ACS-9); citizens and employers register themselves.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Citizen | Role::Employer)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Employer => "employer",
            Role::CenterStaff => "center_staff",
            Role::Support => "support",
            Role::SecurityAdmin => "security_admin",
            Role::Official => "official",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Blocked,
}

/// Why an account is blocked (ACS-9: inactivity or a security violation; ACS-8: dismissal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockedReason {
    Inactivity,
    Security,
    Dismissal,
}

impl BlockedReason {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockedReason::Inactivity => "inactivity",
            BlockedReason::Security => "security",
            BlockedReason::Dismissal => "dismissal",
        }
    }
}

/// An account as stored. The password hash and token version never leave the service; the
/// public view is [`Account::profile`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub login: String,
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
    pub last_name: String,
    pub first_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
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
    /// A new, active staff account (security administrators, and accounts issued on approved
    /// access requests, ACS-1): no agreement, no IIN unless the caller sets it.
    pub fn new_staff(login: &str, role: Role, last_name: &str, first_name: &str, password_hash: String, must_change_password: bool, now: jiff::Timestamp) -> Account {
        Account {
            id: crate::ids::new_id(),
            login: login.to_owned(),
            role,
            status: AccountStatus::Active,
            blocked_reason: None,
            blocked_at: None,
            password_hash,
            must_change_password,
            token_version: 0,
            last_name: last_name.to_owned(),
            first_name: first_name.to_owned(),
            middle_name: None,
            iin: None,
            bin: None,
            company_name: None,
            agreement_version: None,
            agreement_accepted_at: None,
            created_at: now,
            last_login_at: None,
            password_changed_at: None,
            systems: Vec::new(),
            functions: Vec::new(),
            journal_row: None,
        }
    }

    pub fn is_blocked(&self) -> bool {
        self.status == AccountStatus::Blocked
    }

    /// What the owner may see of the account (never the password hash).
    pub fn profile(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "login": self.login,
            "role": self.role,
            "status": self.status,
            "blocked_reason": self.blocked_reason,
            "must_change_password": self.must_change_password,
            "last_name": self.last_name,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "iin": self.iin,
            "bin": self.bin,
            "company_name": self.company_name,
            "agreement_version": self.agreement_version,
            "agreement_accepted_at": self.agreement_accepted_at,
            "created_at": self.created_at,
            "last_login_at": self.last_login_at,
            "systems": self.systems,
            "functions": self.functions,
        })
    }
}
