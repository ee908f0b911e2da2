//! Extractors for signed-in callers. Every authenticated request re-reads the account
//! (strongly consistent), so a blocked account or a token issued before the last password
//! change or rights change is refused at once (ASVS 7.4.1/7.4.2), not when the token expires.

use super::tokens::TokenVerifier;
use crate::context;
use crate::error::ApiError;
use axum::extract::{FromRef, FromRequestParts};
use enbek_core::codes::Code;
use enbek_core::domain::{Account, BlockedReason, Role};
use enbek_core::ports::AccountStore;
use http::request::Parts;
use http::{header, HeaderMap, StatusCode};
use std::sync::Arc;

/// What authentication needs: the public key and the account store.
#[derive(Clone)]
pub struct Authenticator {
    pub verifier: Arc<TokenVerifier>,
    pub accounts: Arc<dyn AccountStore>,
}

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// 423 `account_blocked` with the reason (API.md).
pub fn blocked_error(reason: Option<BlockedReason>) -> ApiError {
    ApiError::new(StatusCode::LOCKED, Code::AccountBlocked)
        .with_extension("blocked_reason", reason.unwrap_or(BlockedReason::Security).as_str())
}

impl Authenticator {
    /// The account behind the request's token: 401 when missing, forged, expired, or behind
    /// the account's token version; 423 when the account is blocked.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Account, ApiError> {
        let token = bearer(headers).ok_or_else(ApiError::unauthenticated)?;
        let claims = self.verifier.verify(token).ok_or_else(ApiError::unauthenticated)?;
        let account = self.accounts.get(&claims.sub).await?.ok_or_else(ApiError::unauthenticated)?;
        if account.is_blocked() {
            return Err(blocked_error(account.blocked_reason));
        }
        if claims.ver != account.token_version || claims.role != account.role {
            return Err(ApiError::unauthenticated());
        }
        context::set_actor(&account.id);
        Ok(account)
    }
}

/// A signed-in caller whose password is not temporary.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Account);

impl Authenticated {
    /// 403 `forbidden` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&Account, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            Err(ApiError::forbidden())
        }
    }
}

impl<S> FromRequestParts<S> for Authenticated
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let account = Authenticator::from_ref(state).authenticate(&parts.headers).await?;
        if account.must_change_password {
            return Err(ApiError::new(StatusCode::FORBIDDEN, Code::PasswordChangeRequired));
        }
        Ok(Authenticated(account))
    }
}

/// A signed-in caller who may only change the password (any account, temporary or not).
#[derive(Clone, Debug)]
pub struct PasswordChangeOnly(pub Account);

impl<S> FromRequestParts<S> for PasswordChangeOnly
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(PasswordChangeOnly(Authenticator::from_ref(state).authenticate(&parts.headers).await?))
    }
}

/// A caller who may or may not be signed in (support tickets: a user who cannot sign in must
/// still reach support). No `Authorization` header is `None`; a header that does not
/// authenticate is refused like anywhere else, never silently treated as anonymous.
#[derive(Clone, Debug)]
pub struct MaybeAuthenticated(pub Option<Account>);

impl<S> FromRequestParts<S> for MaybeAuthenticated
where
    Authenticator: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeAuthenticated(None));
        }
        let Authenticated(account) = Authenticated::from_request_parts(parts, state).await?;
        Ok(MaybeAuthenticated(Some(account)))
    }
}
