//! Issuing and verifying access tokens. The algorithm is pinned to EdDSA; `exp`, `nbf`,
//! `iss` and `aud` are all checked (jsonwebtoken leaves `nbf` off by default — it is on here).
//! Token lifetimes are wall-clock time, checked by the library.

use enbek_core::domain::{Account, Role};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The account ID.
    pub sub: String,
    pub role: Role,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
    /// The account's token version at issue; a token whose version is behind the account's
    /// (password changed, blocked, rights changed) is refused.
    pub ver: u32,
    /// Issued for a temporary password: opens only the password change (ACS-5).
    pub mcp: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a valid Ed25519 key in PEM form: {0}")]
    Invalid(String),
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub struct TokenIssuer {
    key: EncodingKey,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenIssuer {
    pub fn from_pem(private_pem: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_pem(private_pem.as_bytes()).map_err(|e| KeyError::Invalid(e.to_string()))?;
        // Sign once now so that a key the crypto backend rejects fails at start-up, not per request.
        let issuer = Self { key, issuer: issuer.to_owned(), audience: audience.to_owned(), ttl_secs: super::TOKEN_TTL_SECS };
        issuer.sign(&issuer.claims_at("probe", Role::Citizen, 0, false, unix_now())).map_err(|e| KeyError::Invalid(e.to_string()))?;
        Ok(issuer)
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    fn claims_at(&self, sub: &str, role: Role, ver: u32, mcp: bool, now: u64) -> Claims {
        Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            role,
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().simple().to_string(),
            ver,
            mcp,
        }
    }

    /// Any claims, signed (tests use this to craft expired or future tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::EdDSA), claims, &self.key)
    }

    /// An access token for `account`, valid from now for the TTL.
    pub fn issue(&self, account: &Account) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = self.claims_at(&account.id, account.role, account.token_version, account.must_change_password, unix_now());
        self.sign(&claims)
    }

    /// Claims as `issue` would make them at `now` (Unix seconds), for tests.
    pub fn claims_for(&self, account: &Account, now: u64) -> Claims {
        self.claims_at(&account.id, account.role, account.token_version, account.must_change_password, now)
    }
}

pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn from_pem(public_pem: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let key = DecodingKey::from_ed_pem(public_pem.as_bytes()).map_err(|e| KeyError::Invalid(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Ok(Self { key, validation })
    }

    /// The claims of a well-signed, current token for this issuer and audience.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let claims = decode::<Claims>(token, &self.key, &self.validation).ok()?.claims;
        // A token must not live longer than the policy allows, whoever signed it.
        (claims.exp.saturating_sub(claims.iat) <= super::TOKEN_TTL_SECS).then_some(claims)
    }
}
