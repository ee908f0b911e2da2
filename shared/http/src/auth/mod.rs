//! Access tokens (EdDSA-signed JWTs) and the extractors that turn a bearer token into the
//! signed-in account. Only `sign-in` holds the private key; every other function verifies
//! with the public key.

pub mod extract;
pub mod keys;
pub mod tokens;

pub use extract::{Authenticated, Authenticator, MaybeAuthenticated, PasswordChangeOnly};
pub use tokens::{Claims, TokenIssuer, TokenVerifier};

pub const DEFAULT_ISSUER: &str = "https://enbek.kz/accounts";
pub const DEFAULT_AUDIENCE: &str = "enbek-api";
/// Access tokens live 15 minutes at most.
pub const TOKEN_TTL_SECS: u64 = 900;
