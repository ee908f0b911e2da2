//! Issuing and verifying access tokens. The algorithm is pinned to EdDSA; `exp`, `nbf`,
//! `iss` and `aud` are all checked (jsonwebtoken leaves `nbf` off by default — it is on here).
//! Token lifetimes are wall-clock time, checked by the library.
//!
//! Every token names its signing key in the header's `kid` (the key's RFC 7638 thumbprint).
//! Verifiers hold the current public key and, during a rotation, the previous one, so the
//! signing key can change without signing anyone out (see the README, "Rotating the token
//! signing key").

use enbek_core::domain::{Account, Role};
use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Digest;
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

/// The RFC 7638 thumbprint of an Ed25519 public key: the `kid` of the tokens it verifies.
pub fn key_id(public: &[u8; 32]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b64.encode(public));
    b64.encode(sha2::Sha256::digest(jwk.as_bytes()))
}

fn pem_der(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The 32-byte public key of an Ed25519 SubjectPublicKeyInfo PEM.
fn spki_public(pem: &str) -> Option<[u8; 32]> {
    let der = pem_der(pem)?;
    (der.len() == 44).then(|| der[12..].try_into().ok()).flatten()
}

/// The 32-byte public key of an Ed25519 PKCS#8 private key PEM.
fn pkcs8_public(pem: &str) -> Option<[u8; 32]> {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
    let der = pem_der(pem)?;
    let pair = Ed25519KeyPair::from_pkcs8(&der).or_else(|_| Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)).ok()?;
    pair.public_key().as_ref().try_into().ok()
}

pub struct TokenIssuer {
    key: EncodingKey,
    kid: String,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenIssuer {
    pub fn from_pem(private_pem: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_pem(private_pem.as_bytes()).map_err(|e| KeyError::Invalid(e.to_string()))?;
        let public = pkcs8_public(private_pem).ok_or_else(|| KeyError::Invalid("not an Ed25519 PKCS#8 key".into()))?;
        // Sign once now so that a key the crypto backend rejects fails at start-up, not per request.
        let issuer =
            Self { key, kid: key_id(&public), issuer: issuer.to_owned(), audience: audience.to_owned(), ttl_secs: super::TOKEN_TTL_SECS };
        issuer.sign(&issuer.claims_at("probe", Role::Citizen, 0, false, unix_now())).map_err(|e| KeyError::Invalid(e.to_string()))?;
        Ok(issuer)
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// The `kid` this issuer puts in its tokens.
    pub fn kid(&self) -> &str {
        &self.kid
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
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.key)
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
    /// The current key and, during a rotation, the previous one, by `kid`.
    keys: Vec<(String, DecodingKey)>,
    validation: Validation,
}

impl TokenVerifier {
    /// A verifier for the current public key (SPKI PEM).
    pub fn from_pem(public_pem: &str, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        Self::from_pems(public_pem, None, issuer, audience)
    }

    /// A verifier for the current public key and, while a rotation runs, the previous one.
    pub fn from_pems(current: &str, previous: Option<&str>, issuer: &str, audience: &str) -> Result<Self, KeyError> {
        let mut keys = Vec::new();
        for pem in std::iter::once(current).chain(previous) {
            let key = DecodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| KeyError::Invalid(e.to_string()))?;
            let public = spki_public(pem).ok_or_else(|| KeyError::Invalid("not an Ed25519 public key".into()))?;
            keys.push((key_id(&public), key));
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Ok(Self { keys, validation })
    }

    /// The claims of a well-signed, current token for this issuer and audience, signed by one
    /// of the keys held (named by the token's `kid`).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let kid = decode_header(token).ok()?.kid?;
        let (_, key) = self.keys.iter().find(|(id, _)| *id == kid)?;
        let claims = decode::<Claims>(token, key, &self.validation).ok()?.claims;
        // A token must not live longer than the policy allows, whoever signed it.
        (claims.exp.saturating_sub(claims.iat) <= super::TOKEN_TTL_SECS).then_some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::generate_ed25519_pem;

    fn account() -> Account {
        let login = enbek_core::domain::Login::parse("a@mail.kz").unwrap();
        let name = enbek_core::domain::PersonName::parse("Әлия").unwrap();
        Account::new(login, Role::Citizen, name.clone(), name, "h".into(), jiff::Timestamp::now())
    }

    #[test]
    fn tokens_name_their_key_and_verify_with_the_current_or_previous_one_only() {
        let (old_private, old_public) = generate_ed25519_pem().unwrap();
        let (new_private, new_public) = generate_ed25519_pem().unwrap();
        let (_, stranger_public) = generate_ed25519_pem().unwrap();
        let old = TokenIssuer::from_pem(&old_private, "iss", "aud").unwrap();
        let new = TokenIssuer::from_pem(&new_private, "iss", "aud").unwrap();
        assert_ne!(old.kid(), new.kid());
        let rotating = TokenVerifier::from_pems(&new_public, Some(&old_public), "iss", "aud").unwrap();
        let a = account();
        assert!(rotating.verify(&old.issue(&a).unwrap()).is_some(), "a token of the previous key still works");
        assert!(rotating.verify(&new.issue(&a).unwrap()).is_some());
        let after = TokenVerifier::from_pem(&new_public, "iss", "aud").unwrap();
        assert!(after.verify(&old.issue(&a).unwrap()).is_none(), "once the previous key is dropped, its tokens stop");
        let other = TokenVerifier::from_pem(&stranger_public, "iss", "aud").unwrap();
        assert!(other.verify(&new.issue(&a).unwrap()).is_none());
    }
}
