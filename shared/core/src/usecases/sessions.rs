//! Sign-in (function `sign-in`).
//!
//! One answer for an unknown login and a wrong password, in comparable time (an unknown login
//! is verified against a dummy hash with the same cost, and costs the same storage round
//! trips); 10 failures for one login in 15 minutes lock it until the window ends; a blocked
//! account is told so only after the right password, so blocking does not reveal that a login
//! exists. A successful sign-in records `last_login_at` (feeds ACS-9).

use super::accounts::{sign_in_key, SIGN_IN_LIMIT};
use crate::audit::{AuditEntry, Origin};
use crate::clock::Clock;
use crate::domain::{Account, BlockedReason, Login};
use crate::input::{parse, Fields, Invalid};
use crate::password::{HashError, PasswordHasher};
use crate::ports::{AccountStore, RateLimiter, StoreError, UpdateAccountError};
use std::sync::Arc;

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
    #[error("too many failed attempts; retry in {0} s")]
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
    pub clock: Arc<dyn Clock>,
}

impl Sessions {
    /// The account the credentials open, with its sign-in recorded.
    pub async fn sign_in(&self, c: Credentials, origin: &Origin) -> Result<Account, SignInError> {
        let key = sign_in_key(&c.login);
        let now = self.clock.now();
        if let Some(secs) = self.limiter.retry_after(&key, &SIGN_IN_LIMIT, now).await? {
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
            _ => {
                self.limiter.record(&key, &SIGN_IN_LIMIT, now).await?;
                tracing::info!(outcome = "invalid_credentials", "sign-in refused");
                return Err(SignInError::InvalidCredentials);
            }
        };
        if account.is_blocked() {
            return Err(SignInError::Blocked(account.blocked_reason.unwrap_or(BlockedReason::Security)));
        }
        self.limiter.reset(&key).await?;
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
}
