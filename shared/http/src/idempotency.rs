//! `Idempotency-Key` on POSTs that create something: a retried request with the same key and
//! body gets the first response again and creates nothing new; the same key with another
//! request is 422 `idempotency_key_reused`. Keys are scoped to the caller (the verified
//! token's subject, or `anonymous`), so they should be unguessable (a UUID per operation).
//! A 5xx is not remembered: the retry runs again.

use crate::auth::extract::bearer;
use crate::auth::TokenVerifier;
use crate::body::read_limited;
use crate::error::ApiError;
use crate::layers::IDEMPOTENCY_KEY;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use enbek_core::clock::Clock;
use enbek_core::codes::Code;
use enbek_core::ports::{IdempotencyBegin, IdempotencyStore, StoredResponse};
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
    let principal = bearer(req.headers()).and_then(|t| idem.verifier.verify(t)).map(|c| c.sub).unwrap_or_else(|| "anonymous".to_owned());
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let record = sha256_hex(&[principal.as_bytes(), key.as_bytes()]);
    let content_type = parts.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()).unwrap_or_default();
    let fingerprint = sha256_hex(&[parts.method.as_str().as_bytes(), parts.uri.path().as_bytes(), content_type, &bytes]);

    match idem.store.begin(&record, &fingerprint, idem.clock.now()).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(IdempotencyBegin::Mismatch) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::IdempotencyKeyReused).into_response(),
        Ok(IdempotencyBegin::InProgress) => ApiError::conflict(Code::RequestInProgress).with_retry_after(1).into_response(),
        Ok(IdempotencyBegin::Replay(stored)) => replay(stored),
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
            let outcome = if rparts.status.is_server_error() || rparts.extensions.get::<DoNotStore>().is_some() {
                idem.store.abandon(&record).await
            } else {
                let header_text = |name: &HeaderName| rparts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let stored = StoredResponse {
                    status: rparts.status.as_u16(),
                    content_type: header_text(&header::CONTENT_TYPE),
                    location: header_text(&header::LOCATION),
                    body: rbytes.to_vec(),
                };
                idem.store.complete(&record, &fingerprint, &stored, idem.clock.now()).await
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
