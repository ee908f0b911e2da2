//! Extractors that read a request's input into [`Fields`]: the JSON body (415 if not JSON,
//! 413 over 256 KiB, 400 `malformed_body` if not a JSON object) and the query string.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use bytes::Bytes;
use enbek_core::codes::Code;
use enbek_core::input::{object_from_bytes, Fields};
use http::request::Parts;
use http::{header, StatusCode};

/// Bodies over 256 KiB are refused with 413 (API.md).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads at most [`MAX_BODY_BYTES`] of a body: 413 beyond that.
pub async fn read_limited(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let too_large = std::error::Error::source(&e).map(|s| s.is::<http_body_util::LengthLimitError>()).unwrap_or(false)
            || e.to_string().contains("length limit");
        if too_large {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::PayloadTooLarge)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedBody)
        }
    })
}

/// Whether a `Content-Type` names JSON (`application/json`, `application/*+json`).
pub fn is_json_content_type(value: Option<&http::HeaderValue>) -> bool {
    let Some(ct) = value.and_then(|v| v.to_str().ok()) else { return false };
    let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A request body that is a JSON object, as [`Fields`].
#[derive(Debug)]
pub struct JsonBody(pub Fields);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType));
        }
        let bytes = read_limited(req.into_body()).await?;
        let map = object_from_bytes(&bytes).map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedBody))?;
        Ok(JsonBody(Fields::new(map)))
    }
}

/// The query string as [`Fields`] whose values are all strings: every bad parameter is
/// reported at once (422), unknown parameters are `unknown_field`, a repeated one is
/// `invalid_value`.
#[derive(Debug)]
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Query(Fields::from_query(parts.uri.query())?))
    }
}
