//! Passwords: the policy (API.md, ASVS V2.1: 12–128 characters, not the login, not a common
//! password), Argon2id hashing (ASVS 5.0 11.4.2: m ≥ 19 MiB, t ≥ 2, p = 1), and temporary
//! passwords for staff accounts (ACS-5).

use crate::codes::Code;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;
/// Argon2id memory cost in KiB (19 MiB), iterations and lanes.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();

fn common_passwords() -> &'static HashSet<&'static str> {
    COMMON.get_or_init(|| {
        include_str!("../../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// How many passwords the shipped common-password list holds.
pub fn common_password_count() -> usize {
    common_passwords().len()
}

/// Checks a new password against the policy. `login` is the (normalised) login it belongs to.
pub fn check_policy(password: &str, login: &str) -> Result<(), Code> {
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(Code::PasswordWeak);
    }
    let lower = password.to_lowercase();
    let trimmed = lower.trim();
    let login_lower = login.trim().to_lowercase();
    if trimmed == login_lower || login_lower.split('@').next() == Some(trimmed) {
        return Err(Code::PasswordWeak);
    }
    if common_passwords().contains(trimmed) {
        return Err(Code::PasswordWeak);
    }
    // A single repeated character is as good as a dictionary word.
    let mut it = trimmed.chars();
    if let Some(first) = it.next() {
        if it.all(|c| c == first) {
            return Err(Code::PasswordWeak);
        }
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // The constants are valid (the hash test pins them); the default is the same OWASP setting.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). CPU-bound
/// (tens of milliseconds): on a request path use [`hash_off_runtime`].
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// [`hash`] on the blocking pool, so a request's runtime thread is not held for the tens of
/// milliseconds Argon2id takes. The error says why (a failed task or a failed hash).
pub async fn hash_off_runtime(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Verifies a password against a PHC string; `false` for a malformed hash.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash that matches no known password, with the production parameters. Sign-in verifies against it
/// when the login is unknown, so that an unknown login costs as much time as a wrong password
/// and the answer time does not tell which logins exist.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2lnbi1pbi1kdW1teS1zYWx0$0ZVnpo9n0p5zTzGmV3Q3DRG3K0r1Rj1u0F3nVQxkq8I";

/// Verifies against [`DUMMY_HASH`]; always `false`, and as slow as a real verification.
pub fn verify_dummy(password: &str) -> bool {
    let _ = verify(password, DUMMY_HASH);
    false
}

const TEMP_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A temporary password of 20 characters drawn from an OS-seeded CSPRNG, without look-alike
/// characters (0/O, 1/l/I). 20 × log2(57) ≈ 116 bits.
pub fn temporary() -> String {
    let mut rng = rand::rng();
    (0..20).map(|_| TEMP_ALPHABET[rng.random_range(0..TEMP_ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let login = "aigerim@mail.kz";
        let cases: &[(&str, bool, &str)] = &[
            ("Tulpar-Dala-2026", true, "long, not common"),
            ("Жылқы-Дала-2026", true, "Cyrillic counts by characters"),
            ("short-1A", false, "8 chars"),
            ("elevenchars", false, "11 chars"),
            (&"x9".repeat(64), true, "128 chars"),
            (&"x9".repeat(65), false, "130 chars"),
            ("aigerim@mail.kz", false, "equal to the login"),
            ("AIGERIM@MAIL.KZ", false, "the login in upper case"),
            ("passwordpassword", false, "common"),
            ("QWERTYUIOPASDF", false, "common, any case"),
            ("qwertyuiop123", false, "common (zxcvbn list)"),
            ("aaaaaaaaaaaaaaa", false, "one repeated character"),
        ];
        for (pw, ok, why) in cases {
            assert_eq!(check_policy(pw, login).is_ok(), *ok, "{pw}: {why}");
        }
        assert!(check_policy("aigerim-strong-2026", login).is_ok());
    }

    #[test]
    fn the_common_list_shipped_with_the_code_is_large() {
        assert!(common_password_count() >= 10_000, "{}", common_password_count());
    }

    #[test]
    fn hashes_are_argon2id_with_the_required_parameters_and_verify() {
        let h = hash("Tulpar-Dala-2026").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("Tulpar-Dala-2026", &h));
        assert!(!verify("Tulpar-Dala-2027", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_uses_the_production_parameters() {
        // Otherwise unknown logins would be measurably faster than wrong passwords.
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let real = hash("anything-at-all-123").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(parsed.params, real.params);
        assert!(!verify_dummy("anything"));
    }

    #[test]
    fn temporary_passwords_are_long_random_and_pass_the_policy() {
        let a = temporary();
        let b = temporary();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b);
        assert!(check_policy(&a, "x@y.kz").is_ok());
    }
}
