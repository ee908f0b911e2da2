//! Accounts (function `register-account`): self-registration of citizens and employers
//! (ACC-1..3, ACC-6), password change (ACS-5), blocking by a security administrator (ACS-9).

use crate::audit::{AuditEntry, Origin};
use crate::clock::Clock;
use crate::codes::{Code, Lang};
use crate::domain::{password, Account, Bin, BlockedReason, Iin, Login, PersonName, Role};
use crate::input::{parse, FieldError, Fields, Invalid};
use crate::password::{HashError, PasswordHasher};
use crate::ports::{AccountStore, CreateAccountError, RateLimit, RateLimiter, StoreError, UniqueKey, UpdateAccountError};
use serde_json::json;
use std::sync::Arc;

/// Sign-in lock-out: 10 failures for one login within 15 minutes → 429 until the window ends.
/// Wrong current passwords on a password change count against the same limit.
pub const SIGN_IN_LIMIT: RateLimit = RateLimit { max_events: 10, window: jiff::SignedDuration::from_mins(15) };

/// Registrations per source address (configuration `REGISTRATION_ADDRESS_LIMIT`).
pub const DEFAULT_REGISTRATION_ADDRESS_LIMIT: RateLimit = RateLimit { max_events: 10, window: jiff::SignedDuration::from_hours(1) };

/// The rate-limit key of a login's sign-in failures (shared by sign-in and password change).
pub fn sign_in_key(login: &str) -> String {
    format!("signin:{login}")
}

/// The user agreement in force (ACC-3), as `GET /v1/agreement` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub version: String,
    pub url: String,
}

impl Agreement {
    /// The agreement's title in `lang`.
    pub fn title(lang: Lang) -> &'static str {
        match lang {
            Lang::Kk => "«Электрондық еңбек биржасы» платформасын пайдаланушы келісімі",
            Lang::Ru => "Пользовательское соглашение платформы «Электронная биржа труда»",
            Lang::En => "User agreement of the Electronic Labor Exchange platform",
        }
    }
}

/// Who a self-registered account is.
#[derive(Clone, Debug, PartialEq)]
pub enum Identity {
    Citizen { iin: Iin },
    Employer { bin: Bin, company_name: String },
}

/// `POST /v1/accounts`.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub login: Login,
    pub password: String,
    pub last_name: PersonName,
    pub first_name: PersonName,
    pub middle_name: Option<PersonName>,
    pub identity: Identity,
}

impl Registration {
    /// Every field at once (ACC-2, ACC-3, ACC-6, the password policy). `agreement_version` is
    /// the version in force: anything else is `agreement_required`.
    pub fn parse(mut f: Fields, agreement_version: &str) -> Result<Self, Invalid> {
        let login = f.required("login", parse::with(Login::parse));
        let password = f.required("password", parse::raw(1024));
        let role = f.required("role", parse::variant_in(Role::SELF_REGISTERED, Code::InvalidValue));
        let last_name = f.required("last_name", parse::with(PersonName::parse));
        let first_name = f.required("first_name", parse::with(PersonName::parse));
        let middle_name = f.optional("middle_name", parse::with(PersonName::parse));
        // ACC-3: the current agreement must be accepted; anything else is `agreement_required`,
        // which names the version in force.
        let agreement = f.optional("agreement_version", parse::text(64));
        if agreement.as_deref() != Some(agreement_version) {
            f.error_with(
                "agreement_version",
                FieldError::new("", Code::AgreementRequired).with_extra("current_version", agreement_version),
            );
        }
        let identity = match role {
            Some(Role::Citizen) => {
                let iin = f.required("iin", parse::with(Iin::parse));
                f.not_allowed("bin");
                f.not_allowed("company_name");
                iin.map(|iin| Identity::Citizen { iin })
            }
            Some(_) => {
                let bin = f.required("bin", parse::with(Bin::parse));
                let company_name = f.required("company_name", parse::text(300));
                f.not_allowed("iin");
                bin.zip(company_name).map(|(bin, company_name)| Identity::Employer { bin, company_name })
            }
            None => {
                // Unknown role: still check what was sent, so every bad field is reported.
                let _ = f.optional("iin", parse::with(Iin::parse));
                let _ = f.optional("bin", parse::with(Bin::parse));
                let _ = f.optional("company_name", parse::text(300));
                None
            }
        };
        if let Some(pw) = &password {
            let login_text = login.as_ref().map(|l| l.as_str()).unwrap_or("");
            if let Err(code) = password::check_policy(pw, login_text) {
                f.error("password", code);
            }
        }
        f.finish()?;
        match (login, password, last_name, first_name, identity) {
            (Some(login), Some(password), Some(last_name), Some(first_name), Some(identity)) => {
                Ok(Registration { login, password, last_name, first_name, middle_name, identity })
            }
            _ => Err(Invalid::field("role", Code::Required)),
        }
    }
}

/// `PUT /v1/accounts/me/password`.
#[derive(Clone, Debug, PartialEq)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

impl PasswordChange {
    /// The new password must pass the policy for `login` and differ from the current one.
    pub fn parse(mut f: Fields, login: &Login) -> Result<Self, Invalid> {
        let current = f.required("current_password", parse::raw(1024));
        let new = f.required("new_password", parse::raw(1024));
        if let Some(new) = &new {
            if let Err(code) = password::check_policy(new, login.as_str()) {
                f.error("new_password", code);
            } else if current.as_deref() == Some(new.as_str()) {
                f.error("new_password", Code::PasswordReused);
            }
        }
        f.finish()?;
        Ok(PasswordChange { current: current.unwrap_or_default(), new: new.unwrap_or_default() })
    }
}

/// `POST /v1/accounts/{id}/block`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockOrder {
    pub reason: String,
}

impl BlockOrder {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let reason = f.required("reason", parse::text(1000));
        f.finish()?;
        Ok(BlockOrder { reason: reason.unwrap_or_default() })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("the login is taken")]
    LoginTaken,
    /// ACC-1: one citizen account per IIN.
    #[error("this person already has an account")]
    PersonHasAccount,
    #[error("too many registrations from this address; retry in {0} s")]
    TooManyRequests(u64),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("too many failed attempts; retry in {0} s")]
    TooManyAttempts(u64),
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("the account changed concurrently")]
    Conflict,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("only a security administrator blocks accounts")]
    Forbidden,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("no such account")]
    NotFound,
    #[error("an administrator cannot block their own account")]
    SelfBlock,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The account use cases and the ports they run over.
#[derive(Clone)]
pub struct Accounts {
    pub store: Arc<dyn AccountStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
    /// The version of the user agreement in force (ACC-3).
    pub agreement_version: String,
    /// Registrations per source address.
    pub registration_limit: RateLimit,
}

impl Accounts {
    /// Registers a citizen or an employer (ACC-1..3): the login, and a citizen's IIN, are
    /// claimed by conditional writes, so of two concurrent registrations of one login or one
    /// person exactly one succeeds. Registrations are limited per source address.
    pub async fn register(&self, r: Registration, origin: &Origin) -> Result<Account, RegisterError> {
        let now = self.clock.now();
        if let Some(secs) = self.limiter.acquire(&format!("registration:ip:{}", origin.source_ip), &self.registration_limit, now).await? {
            return Err(RegisterError::TooManyRequests(secs));
        }
        let hash = self.hasher.hash(&r.password).await?;
        let role = match r.identity {
            Identity::Citizen { .. } => Role::Citizen,
            Identity::Employer { .. } => Role::Employer,
        };
        let mut account = Account::new(r.login, role, r.last_name, r.first_name, hash, now);
        account.middle_name = r.middle_name;
        let mut extra = Vec::new();
        match r.identity {
            Identity::Citizen { iin } => {
                extra.push(UniqueKey::CitizenIin(iin.clone()));
                account.iin = Some(iin);
            }
            Identity::Employer { bin, company_name } => {
                account.bin = Some(bin);
                account.company_name = Some(company_name);
            }
        }
        account.agreement_version = Some(self.agreement_version.clone());
        account.agreement_accepted_at = Some(now);
        let audit = AuditEntry::new(now, &account.id, "account.registered", format!("account:{}", account.id), origin)
            .with_details(json!({ "role": role, "agreement_version": self.agreement_version }));
        match self.store.create(&account, &extra, &audit).await {
            Ok(()) => Ok(account),
            Err(CreateAccountError::Taken(UniqueKey::CitizenIin(_))) => Err(RegisterError::PersonHasAccount),
            Err(CreateAccountError::Taken(_)) => Err(RegisterError::LoginTaken),
            Err(CreateAccountError::Store(e)) => Err(e.into()),
        }
    }

    /// Replaces the password (a temporary one too, ACS-5) after checking the current one;
    /// wrong current passwords count against the sign-in limit of the login.
    pub async fn change_password(&self, account: &Account, change: PasswordChange, origin: &Origin) -> Result<(), ChangePasswordError> {
        let now = self.clock.now();
        // The attempt takes a slot of the login's limit before the password is verified.
        let key = sign_in_key(account.login.as_str());
        if let Some(secs) = self.limiter.acquire(&key, &SIGN_IN_LIMIT, now).await? {
            return Err(ChangePasswordError::TooManyAttempts(secs));
        }
        if !self.hasher.verify(&change.current, &account.password_hash).await? {
            return Err(ChangePasswordError::WrongCurrentPassword);
        }
        self.limiter.reset(&key).await?;
        let hash = self.hasher.hash(&change.new).await?;
        let audit = AuditEntry::new(now, &account.id, "account.password_changed", format!("account:{}", account.id), origin)
            .with_details(json!({ "was_temporary": account.must_change_password }));
        match self.store.set_password(account, &hash, now, &audit).await {
            Ok(()) => Ok(()),
            Err(UpdateAccountError::Conflict | UpdateAccountError::NotFound) => Err(ChangePasswordError::Conflict),
            Err(UpdateAccountError::Store(e)) => Err(e.into()),
        }
    }

    /// Blocks an account for a security violation (ACS-9), by a security administrator.
    pub async fn block(
        &self,
        admin: &Account,
        target: &str,
        order: Result<BlockOrder, Invalid>,
        origin: &Origin,
    ) -> Result<Account, BlockError> {
        if admin.role != Role::SecurityAdmin {
            return Err(BlockError::Forbidden);
        }
        let order = order?;
        if !crate::ids::is_valid_id(target) {
            return Err(BlockError::NotFound);
        }
        if target == admin.id {
            return Err(BlockError::SelfBlock);
        }
        let now = self.clock.now();
        let audit = AuditEntry::new(now, &admin.id, "account.blocked", format!("account:{target}"), origin)
            .with_details(json!({ "blocked_reason": BlockedReason::Security, "reason": order.reason }));
        match self.store.block(target, BlockedReason::Security, now, &audit).await {
            Ok(account) => Ok(account),
            Err(UpdateAccountError::NotFound) => Err(BlockError::NotFound),
            Err(UpdateAccountError::Conflict) => Err(BlockError::Store(StoreError::Conflict)),
            Err(UpdateAccountError::Store(e)) => Err(e.into()),
        }
    }
}
