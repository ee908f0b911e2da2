//! Password hashing as a port. Use cases hash and verify through [`PasswordHasher`]; the
//! Argon2id implementation ([`Argon2Hasher`], cargo feature `argon2`) is linked only by the
//! functions that hash or verify passwords, and tests may use a cheap fake.

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A PHC string for `password`. CPU-bound: implementations keep it off the async runtime.
    async fn hash(&self, password: &str) -> Result<String, HashError>;
    /// Whether `password` matches `phc`; `false` for a malformed hash.
    async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError>;
    /// Costs as much as [`Self::verify`] and always fails: sign-in runs it for unknown logins,
    /// so that the answer time does not tell which logins exist.
    async fn verify_dummy(&self, password: &str) -> Result<bool, HashError>;
}

#[cfg(feature = "argon2")]
pub use self::argon::{Argon2Hasher, ARGON2_M_KIB, ARGON2_P, ARGON2_T, DUMMY_HASH};

#[cfg(feature = "argon2")]
mod argon {
    use super::{HashError, PasswordHasher};
    use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    use async_trait::async_trait;
    use rand::Rng;

    /// Argon2id memory cost in KiB (19 MiB), iterations and lanes (ASVS 5.0 11.4.2).
    pub const ARGON2_M_KIB: u32 = 19 * 1024;
    pub const ARGON2_T: u32 = 2;
    pub const ARGON2_P: u32 = 1;

    /// A hash that matches no known password, with the production parameters.
    pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2lnbi1pbi1kdW1teS1zYWx0$0ZVnpo9n0p5zTzGmV3Q3DRG3K0r1Rj1u0F3nVQxkq8I";

    fn argon2() -> Argon2<'static> {
        // The constants are valid (a test pins them); the default is the same OWASP setting.
        let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    fn hash_now(password: &str) -> Result<String, HashError> {
        let mut bytes = [0u8; 16];
        rand::rng().fill(&mut bytes);
        let salt = SaltString::encode_b64(&bytes).map_err(|e| HashError(e.to_string()))?;
        Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| HashError(e.to_string()))?.to_string())
    }

    fn verify_now(password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
            Err(_) => false,
        }
    }

    /// Argon2id, m=19 MiB, t=2, p=1, on Tokio's blocking pool (tens of milliseconds each).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Argon2Hasher;

    impl Argon2Hasher {
        /// Hashes on the calling thread (scripts, seeds, benchmarks).
        pub fn hash_blocking(password: &str) -> Result<String, HashError> {
            hash_now(password)
        }

        /// Verifies on the calling thread (benchmarks).
        pub fn verify_blocking(password: &str, phc: &str) -> bool {
            verify_now(password, phc)
        }
    }

    async fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, HashError> {
        tokio::task::spawn_blocking(f).await.map_err(|e| HashError(e.to_string()))
    }

    #[async_trait]
    impl PasswordHasher for Argon2Hasher {
        async fn hash(&self, password: &str) -> Result<String, HashError> {
            let password = password.to_owned();
            off_runtime(move || hash_now(&password)).await?
        }

        async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
            let (password, phc) = (password.to_owned(), phc.to_owned());
            off_runtime(move || verify_now(&password, &phc)).await
        }

        async fn verify_dummy(&self, password: &str) -> Result<bool, HashError> {
            let password = password.to_owned();
            off_runtime(move || {
                let _ = verify_now(&password, DUMMY_HASH);
                false
            })
            .await
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn hashes_are_argon2id_with_the_required_parameters_and_verify() {
            let h = hash_now("Tulpar-Dala-2026").unwrap();
            assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
            assert!(verify_now("Tulpar-Dala-2026", &h));
            assert!(!verify_now("Tulpar-Dala-2027", &h));
            assert!(!verify_now("x", "not a hash"));
        }

        #[test]
        fn the_dummy_hash_uses_the_production_parameters() {
            // Otherwise unknown logins would be measurably faster than wrong passwords.
            let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
            assert_eq!(parsed.algorithm.as_str(), "argon2id");
            let real = hash_now("anything-at-all-123").unwrap();
            let real = PasswordHash::new(&real).unwrap();
            assert_eq!(parsed.params, real.params);
        }
    }
}
