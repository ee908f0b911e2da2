//! Sign-in (function `sign-in`).
//!
//! One answer for an unknown login and a wrong password, in comparable time (an unknown login
//! is verified against a dummy hash with the same cost, and costs the same storage round
//! trips). Every attempt first reserves a slot of two limits, atomically: 10 per login in 15
//! minutes (a success clears it) and, against password spraying, a configured number of
//! failures per source address (a success gives its slot back). A blocked account is told so
//! only after the right password, so blocking does not reveal that a login exists; so is an
//! expired temporary password (ACS-5). Refused sign-ins are in the audit trail (ACS-12); a
//! successful one records `last_login_at` (feeds ACS-9).

use super::accounts::{sign_in_key, SIGN_IN_LIMIT};
use crate::audit::{AuditEntry, Origin};
use crate::clock::Clock;
use crate::domain::{Account, BlockedReason, Login};
use crate::input::{parse, Fields, Invalid};
use crate::password::{HashError, PasswordHasher};
use crate::ports::{AccountStore, AuditLog, RateLimit, RateLimiter, StoreError, UpdateAccountError};
use serde_json::json;
use std::sync::Arc;

/// Failed sign-ins per source address (configuration `SIGN_IN_ADDRESS_LIMIT`).
pub const DEFAULT_SIGN_IN_ADDRESS_LIMIT: RateLimit = RateLimit { max_events: 30, window: jiff::SignedDuration::from_mins(10) };

/// `POST /v1/sessions`.
#[derive(Clone, Debug, PartialEq)]
pub struct Credentials {
    /// The login as normalised (ACC-2), or lower-cased if it is no valid login at all: such a
    /// login cannot exist, but it goes through the same steps.
    pub login: String,
    pub password: String,
}

impl Credentials {
    pub fn parse(mut f: Fields) -> Result<Self, Invalid> {
        let login = f.required("login", parse::text(320));
        let password = f.required("password", parse::raw(1024));
        f.finish()?;
        let login = login.unwrap_or_default();
        let login = Login::parse(&login).map(|l| l.as_str().to_owned()).unwrap_or_else(|_| login.to_lowercase());
        Ok(Credentials { login, password: password.unwrap_or_default() })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown login or wrong password: the same answer.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("the account is blocked ({0})")]
    Blocked(BlockedReason),
    /// The right temporary password, too late (ACS-5, order 419 §29).
    #[error("the temporary password has expired")]
    TemporaryPasswordExpired,
    #[error("too many attempts; retry in {0} s")]
    TooManyAttempts(u64),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Sessions {
    pub accounts: Arc<dyn AccountStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// Failed sign-ins per source address.
    pub address_limit: RateLimit,
}

impl Sessions {
    /// The account the credentials open, with its sign-in recorded.
    pub async fn sign_in(&self, c: Credentials, origin: &Origin) -> Result<Account, SignInError> {
        let now = self.clock.now();
        let login_key = sign_in_key(&c.login);
        let address_key = format!("signin:ip:{}", origin.source_ip);
        if let Some(secs) = self.limiter.acquire(&login_key, &SIGN_IN_LIMIT, now).await? {
            return Err(SignInError::TooManyAttempts(secs));
        }
        if let Some(secs) = self.limiter.acquire(&address_key, &self.address_limit, now).await? {
            self.limiter.release(&login_key).await?;
            return Err(SignInError::TooManyAttempts(secs));
        }
        let account = match Login::parse(&c.login) {
            Ok(login) => self.accounts.find_by_login(&login).await?,
            // Same round trips as a valid login that is unknown.
            Err(_) => {
                self.accounts.get(&crate::ids::new_id()).await?;
                self.accounts.get(&crate::ids::new_id()).await?;
                None
            }
        };
        let matches = match &account {
            Some(a) => self.hasher.verify(&c.password, &a.password_hash).await?,
            None => self.hasher.verify_dummy(&c.password).await?,
        };
        let account = match account {
            Some(a) if matches => a,
            other => {
                // Both slots stay taken: this was a failure.
                let target = other.as_ref().map(|a| format!("account:{}", a.id)).unwrap_or_else(|| "login:unknown".to_owned());
                let mut details = json!({ "reason": "invalid_credentials" });
                if other.is_none() {
                    details["login"] = json!(crate::telemetry::mask(&c.login));
                }
                self.refused(origin, target, details).await?;
                tracing::info!(outcome = "invalid_credentials", "sign-in refused");
                return Err(SignInError::InvalidCredentials);
            }
        };
        // The right password: not a guess, whatever comes next.
        self.limiter.reset(&login_key).await?;
        self.limiter.release(&address_key).await?;
        if account.is_blocked() {
            let reason = account.blocked_reason.unwrap_or(BlockedReason::Security);
            self.refused(origin, format!("account:{}", account.id), json!({ "reason": "account_blocked", "blocked_reason": reason }))
                .await?;
            return Err(SignInError::Blocked(reason));
        }
        if account.temporary_password_expired(now) {
            self.refused(origin, format!("account:{}", account.id), json!({ "reason": "temporary_password_expired" })).await?;
            return Err(SignInError::TemporaryPasswordExpired);
        }
        let audit = AuditEntry::new(now, &account.id, "session.created", format!("account:{}", account.id), origin);
        match self.accounts.record_sign_in(&account, now, &audit).await {
            Ok(()) => {}
            Err(UpdateAccountError::Store(e)) => return Err(e.into()),
            Err(UpdateAccountError::NotFound | UpdateAccountError::Conflict) => return Err(SignInError::InvalidCredentials),
        }
        let mut account = account;
        account.last_login_at = Some(now);
        Ok(account)
    }

    /// ACS-12: a refused sign-in, by an anonymous actor, never with the password.
    async fn refused(&self, origin: &Origin, target: String, details: serde_json::Value) -> Result<(), StoreError> {
        let entry = AuditEntry::new(self.clock.now(), "anonymous", "session.refused", target, origin).with_details(details);
        self.audit.record(&entry).await
    }
}
