//! Authenticated encryption (AES-256-GCM) under a key derived with HKDF-SHA256 from a secret:
//! how the service keeps a secret it must hand on but not show — an idempotent answer for the
//! client that retries (the key is the client's own Idempotency-Key), a temporary password on
//! its way to the corporate e-mail (the key is `MAIL_SEAL_KEY`, shared by `request-access` and
//! `notify` only; the queue, the dead-letter queue and the logs see ciphertext).
//!
//! A sealed value is `nonce (12 bytes) ‖ ciphertext ‖ tag`; `aad` binds it to its place (a
//! record key, an event ID), so it cannot be moved to another.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hkdf::Hkdf;
use sha2::Sha256;

#[derive(Clone)]
pub struct Sealer(Aes256Gcm);

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// The key derived from `secret` with `salt` and the purpose `info`.
    pub fn derive(secret: &[u8], salt: &[u8], info: &str) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(salt), secret);
        let mut okm = [0u8; 32];
        // 32 bytes is a valid HKDF-SHA256 output length; `expand` cannot fail for it.
        let _ = hk.expand(info.as_bytes(), &mut okm);
        Self(Aes256Gcm::new(&okm.into()))
    }

    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let nonce: [u8; 12] = rand::random();
        let mut out = nonce.to_vec();
        // Encryption fails only for inputs beyond 64 GiB.
        out.extend(self.0.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad }).unwrap_or_default());
        out
    }

    /// The plain text, or `None` for another key, another `aad` or altered bytes.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 + 16 {
            return None;
        }
        let (nonce, text) = sealed.split_at(12);
        self.0.decrypt(Nonce::from_slice(nonce), Payload { msg: text, aad }).ok()
    }

    /// [`Sealer::seal`] as URL-safe base64 text (for JSON).
    pub fn seal_text(&self, aad: &str, plain: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.seal(aad.as_bytes(), plain.as_bytes()))
    }

    /// [`Sealer::open`] of [`Sealer::seal_text`]'s output.
    pub fn open_text(&self, aad: &str, sealed: &str) -> Option<String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sealed).ok()?;
        String::from_utf8(self.open(aad.as_bytes(), &bytes)?).ok()
    }
}

impl crate::ports::SecretBox for Sealer {
    fn seal_text(&self, aad: &str, plain: &str) -> String {
        Sealer::seal_text(self, aad, plain)
    }
    fn open_text(&self, aad: &str, sealed: &str) -> Option<String> {
        Sealer::open_text(self, aad, sealed)
    }
}

/// The sealer of temporary passwords on their way to `notify` (ACS-4, ACS-5), from
/// `MAIL_SEAL_KEY` (at least 32 characters).
pub fn mail_sealer(secret: &str) -> Sealer {
    Sealer::derive(secret.as_bytes(), b"enbek/mail", "enbek/mail/temporary-password/v1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_aad() {
        let s = mail_sealer("0123456789abcdef0123456789abcdef");
        let sealed = s.seal_text("event-1", "Tmp-Passw0rd-Xyz");
        assert!(!sealed.contains("Tmp-Passw0rd"));
        assert_eq!(s.open_text("event-1", &sealed).as_deref(), Some("Tmp-Passw0rd-Xyz"));
        assert_eq!(s.open_text("event-2", &sealed), None, "bound to its event");
        assert_eq!(mail_sealer("another-secret-another-secret-xx").open_text("event-1", &sealed), None);
        assert_eq!(s.open_text("event-1", "not base64!"), None);
        assert_ne!(s.seal_text("event-1", "x"), s.seal_text("event-1", "x"), "a fresh nonce each time");
    }
}
