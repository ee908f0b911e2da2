//! `Idempotency-Key` on POSTs: a retried request with the same key and body gets the first
//! answer again and creates nothing new; the same key with another request is 422
//! `idempotency_key_reused`; a concurrent duplicate is 409 `request_in_progress`.
//!
//! - **Scope.** A key belongs to the verified token's subject, or, when anonymous, to the
//!   source address API Gateway saw: two anonymous callers never share a key.
//! - **Nothing secret in clear.** The record's key is a SHA-256 of (scope, key); the stored
//!   answer is encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the client's
//!   own `Idempotency-Key`, which is never stored. A table reader therefore cannot read, say,
//!   an anonymous ticket's access code; the client that retries (and so holds the key) gets
//!   the same answer back.
//! - **Only completed outcomes.** 2xx and the deterministic 4xx (400, 403, 404, 413, 415, 422)
//!   are kept; a 401, 409, 423, 429 or 5xx is not, and a retry runs again.
//! - Answers marked [`DoNotStore`] (a temporary password shown once) are never kept.

use crate::auth::extract::bearer;
use crate::auth::TokenVerifier;
use crate::body::read_limited;
use crate::context;
use crate::error::ApiError;
use crate::layers::IDEMPOTENCY_KEY;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use enbek_core::clock::Clock;
use enbek_core::codes::Code;
use enbek_core::ports::{IdempotencyBegin, IdempotencyStore, StoredResponse};
use enbek_core::seal::Sealer;
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub static IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A response extension for answers that carry a secret shown once (a temporary password):
/// the middleware then keeps no copy, and a retry runs the request again (which must answer
/// safely, e.g. 409 `already_decided`).
#[derive(Clone, Copy, Debug)]
pub struct DoNotStore;

#[derive(Clone)]
pub struct Idempotency {
    pub store: Arc<dyn IdempotencyStore>,
    pub verifier: Arc<TokenVerifier>,
    pub clock: Arc<dyn Clock>,
}

fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// Whether an answer is a completed outcome worth replaying.
fn storable(status: StatusCode) -> bool {
    status.is_success()
        || matches!(
            status,
            StatusCode::BAD_REQUEST
                | StatusCode::FORBIDDEN
                | StatusCode::NOT_FOUND
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                | StatusCode::UNPROCESSABLE_ENTITY
        )
}

/// The AEAD that seals the stored answer: its key comes from the client's Idempotency-Key,
/// bound to the scope and the record.
fn cipher(key: &str, scope: &str, record: &str) -> Sealer {
    Sealer::derive(key.as_bytes(), scope.as_bytes(), &format!("enbek/idempotency/v1/{record}"))
}

/// The axum middleware; add it with `axum::middleware::from_fn_with_state`.
pub async fn middleware(State(idem): State<Idempotency>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(req).await;
    };
    let key = match raw.to_str() {
        Ok(k) if valid_key(k) => k.to_owned(),
        _ => return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::IdempotencyKeyInvalid).into_response(),
    };
    let scope = match bearer(req.headers()).and_then(|t| idem.verifier.verify(t)) {
        Some(claims) => format!("account:{}", claims.sub),
        None => format!("anonymous@{}", context::current().source_ip),
    };
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let record = sha256_hex(&[scope.as_bytes(), key.as_bytes()]);
    let content_type = parts.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()).unwrap_or_default();
    let fingerprint = sha256_hex(&[parts.method.as_str().as_bytes(), parts.uri.path().as_bytes(), content_type, &bytes]);
    let aead = cipher(&key, &scope, &record);

    match idem.store.begin(&record, &fingerprint, idem.clock.now()).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(IdempotencyBegin::Mismatch) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::IdempotencyKeyReused).into_response(),
        Ok(IdempotencyBegin::InProgress) => ApiError::conflict(Code::RequestInProgress).with_retry_after(1).into_response(),
        Ok(IdempotencyBegin::Replay(stored)) => match aead.open(record.as_bytes(), &stored.body) {
            Some(body) => replay(StoredResponse { body, ..stored }),
            None => ApiError::bug("an idempotency record that its own key does not open").into_response(),
        },
        Ok(IdempotencyBegin::Started) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (rparts, rbody) = response.into_parts();
            let rbytes = match axum::body::to_bytes(rbody, usize::MAX).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = idem.store.abandon(&record).await;
                    return ApiError::internal(&e).into_response();
                }
            };
            let keep = storable(rparts.status) && rparts.extensions.get::<DoNotStore>().is_none();
            let sealed = keep.then(|| aead.seal(record.as_bytes(), &rbytes));
            let outcome = match sealed {
                None => idem.store.abandon(&record).await,
                Some(body) => {
                    let header_text = |name: &HeaderName| rparts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let stored = StoredResponse {
                        status: rparts.status.as_u16(),
                        content_type: header_text(&header::CONTENT_TYPE),
                        location: header_text(&header::LOCATION),
                        body,
                    };
                    idem.store.complete(&record, &fingerprint, &stored, idem.clock.now()).await
                }
            };
            if let Err(e) = outcome {
                // The answer stands; a retry after the lock expires would run again.
                tracing::error!(error = %enbek_core::telemetry::chain(&e), "could not store the idempotency record");
            }
            Response::from_parts(rparts, Body::from(rbytes))
        }
    }
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    if let Some(v) = stored.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = stored.location.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(IDEMPOTENT_REPLAYED.clone(), HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_answer_opens_only_with_the_clients_key_scope_and_record() {
        let record = sha256_hex(&[b"anonymous@203.0.113.1", b"key-1"]);
        let sealed = cipher("key-1", "anonymous@203.0.113.1", &record).seal(record.as_bytes(), b"{\"access_code\":\"ABCD\"}");
        assert!(!sealed.windows(4).any(|w| w == b"ABCD"), "sealed, not in clear");
        assert_eq!(
            cipher("key-1", "anonymous@203.0.113.1", &record).open(record.as_bytes(), &sealed).unwrap(),
            b"{\"access_code\":\"ABCD\"}"
        );
        assert!(cipher("key-2", "anonymous@203.0.113.1", &record).open(record.as_bytes(), &sealed).is_none(), "another key");
        assert!(cipher("key-1", "anonymous@203.0.113.2", &record).open(record.as_bytes(), &sealed).is_none(), "another scope");
        assert!(cipher("key-1", "anonymous@203.0.113.1", &record).open(b"other", &sealed).is_none(), "another record");
    }

    #[test]
    fn only_completed_outcomes_are_kept() {
        for keep in [200, 201, 204, 400, 403, 404, 413, 415, 422] {
            assert!(storable(StatusCode::from_u16(keep).unwrap()), "{keep}");
        }
        for not in [401, 409, 423, 429, 500, 503] {
            assert!(!storable(StatusCode::from_u16(not).unwrap()), "{not}");
        }
    }
}
