//! List cursors bound to their query. The stores hand out raw cursors (their own encoding of
//! where a page ended); before one leaves the service it is sealed with an HMAC-SHA256 over
//! the route's path, the query's parameters (all but `cursor` and `limit`) and the raw cursor.
//! A cursor replayed on another list, another range or another filter, or altered in any way,
//! fails to open: 422 `invalid_cursor`, never a store error (API.md "Conventions").

use crate::error::ApiError;
use crate::views::PageView;
use axum::extract::{FromRef, FromRequestParts};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use enbek_core::input::{FieldError, Fields, Invalid};
use enbek_core::page::Page;
use hmac::{Hmac, Mac};
use http::request::Parts;
use serde_json::{Map, Value};
use sha2::Sha256;
use std::sync::Arc;

/// The key that seals cursors (derived from the `CURSOR_SECRET` configuration).
pub struct CursorSeal {
    key: [u8; 32],
}

impl CursorSeal {
    pub fn new(secret: &str) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"enbek/cursor/v1"), secret.as_bytes());
        let mut key = [0u8; 32];
        // 32 bytes is a valid HKDF-SHA256 output length; `expand` cannot fail for it.
        let _ = hk.expand(b"hmac-sha256", &mut key);
        Self { key }
    }

    fn mac(&self, binding: &str, raw: &[u8]) -> Hmac<Sha256> {
        // Any key length is valid for HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(&(binding.len() as u64).to_be_bytes());
        mac.update(binding.as_bytes());
        mac.update(raw);
        mac
    }

    /// `raw` sealed for the query `binding`.
    pub fn seal(&self, binding: &str, raw: &str) -> String {
        let tag = self.mac(binding, raw.as_bytes()).finalize().into_bytes();
        format!("{}.{}", URL_SAFE_NO_PAD.encode(raw), URL_SAFE_NO_PAD.encode(&tag[..16]))
    }

    /// The raw cursor, if `sealed` was sealed for `binding` by this key.
    pub fn open(&self, binding: &str, sealed: &str) -> Option<String> {
        let (raw, tag) = sealed.split_once('.')?;
        let raw = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(binding, &raw).verify_truncated_left(&tag).ok()?;
        String::from_utf8(raw).ok()
    }
}

/// The query string of a list, with its cursor opened: `Fields` to parse (the `cursor` value
/// is the store's raw cursor), and the [`Sealer`] of the next cursor.
pub struct ListQuery {
    pub fields: Fields,
    pub sealer: Sealer,
}

/// Seals a list's next cursor for the query that produced it.
pub struct Sealer {
    binding: String,
    seal: Arc<CursorSeal>,
}

impl Sealer {
    /// The page as a view, its next cursor sealed for this same query.
    pub fn page<T, U>(&self, page: Page<T>, view: impl FnMut(T) -> U) -> PageView<U> {
        let next = page.next_cursor.as_deref().map(|raw| self.seal.seal(&self.binding, raw));
        let mut out = PageView::of(page, view);
        out.next_cursor = next;
        out
    }
}

/// What a cursor is bound to: the path and every parameter but `cursor` and `limit` (a
/// client may change the page size while walking a list), in a canonical order.
fn binding(path: &str, map: &Map<String, Value>) -> String {
    let mut params: Vec<(&String, &str)> =
        map.iter().filter(|(k, _)| *k != "cursor" && *k != "limit").map(|(k, v)| (k, v.as_str().unwrap_or(""))).collect();
    params.sort();
    let mut out = path.to_owned();
    for (k, v) in params {
        out.push('\n');
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

impl<S> FromRequestParts<S> for ListQuery
where
    Arc<CursorSeal>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let seal = Arc::<CursorSeal>::from_ref(state);
        let mut map = Map::new();
        let mut repeated = Vec::new();
        for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            if map.insert(k.to_string(), Value::String(v.into_owned())).is_some() {
                repeated.push(FieldError::new(k.to_string(), enbek_core::codes::Code::InvalidValue));
            }
        }
        if !repeated.is_empty() {
            return Err(Invalid(repeated).into());
        }
        let binding = binding(parts.uri.path(), &map);
        if let Some(Value::String(sealed)) = map.get("cursor") {
            let raw = seal.open(&binding, sealed).ok_or_else(ApiError::invalid_cursor)?;
            map.insert("cursor".into(), Value::String(raw));
        }
        Ok(ListQuery { fields: Fields::new(map), sealer: Sealer { binding, seal } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_opens_only_for_the_query_it_was_sealed_for() {
        let seal = CursorSeal::new("secret-1");
        let sealed = seal.seal("/v1/access-journal\nfrom=2026-11-01", "raw-cursor");
        assert_eq!(seal.open("/v1/access-journal\nfrom=2026-11-01", &sealed).as_deref(), Some("raw-cursor"));
        assert_eq!(seal.open("/v1/access-journal\nfrom=2026-11-02", &sealed), None, "another range");
        assert_eq!(seal.open("/v1/tickets", &sealed), None, "another list");
        assert_eq!(CursorSeal::new("secret-2").open("/v1/access-journal\nfrom=2026-11-01", &sealed), None, "another key");
        let mut tampered = sealed.clone();
        tampered.insert(0, 'A');
        assert_eq!(seal.open("/v1/access-journal\nfrom=2026-11-01", &tampered), None);
        assert_eq!(seal.open("x", "garbage"), None);
    }

    #[test]
    fn the_binding_ignores_limit_and_the_order_of_parameters() {
        let m = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect::<Map<_, _>>();
        assert_eq!(
            binding("/p", &m(&[("a", "1"), ("b", "2"), ("limit", "5")])),
            binding("/p", &m(&[("b", "2"), ("a", "1"), ("cursor", "x")]))
        );
        assert_ne!(binding("/p", &m(&[("a", "1")])), binding("/p", &m(&[("a", "2")])));
    }
}
