//! Passwords: the policy (API.md, ASVS V2.1: 12–128 characters, not the login, not a common
//! password) and temporary passwords for staff accounts (ACS-5). Hashing is a port
//! ([`crate::password::PasswordHasher`]).

use crate::codes::Code;
use rand::Rng;
use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

static COMMON: OnceLock<HashSet<&'static str>> = OnceLock::new();

fn common_passwords() -> &'static HashSet<&'static str> {
    COMMON
        .get_or_init(|| include_str!("../../data/common-passwords.txt").lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect())
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
    fn temporary_passwords_are_long_random_and_pass_the_policy() {
        let a = temporary();
        let b = temporary();
        assert_eq!(a.chars().count(), 20);
        assert_ne!(a, b);
        assert!(check_policy(&a, "x@y.kz").is_ok());
    }
}
