//! One error type for every HTTP answer that is not a success, rendered as RFC 9457
//! `application/problem+json` in the caller's language (API.md "Conventions", ACS-13).
//!
//! Use cases return their own error enums; [`crate::errors`] maps each to an `ApiError` in one
//! place. A 5xx keeps its cause chain for the log and shows the client only a generic text.

use crate::context;
use axum::response::{IntoResponse, Response};
use enbek_core::codes::{Code, Lang};
use enbek_core::input::FieldError;
use http::{header, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    pub errors: Vec<FieldError>,
    /// Extra members of the problem object, e.g. `blocked_reason`.
    pub extensions: Map<String, Value>,
    pub retry_after_secs: Option<u64>,
    /// The cause of a 5xx, with its chain: logged, never sent.
    internal: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code) -> Self {
        Self { status, code, errors: Vec::new(), extensions: Map::new(), retry_after_secs: None, internal: None }
    }

    /// 422 with every bad field. The top-level code is `unknown_field` when the only
    /// problems are unknown fields, `validation_failed` otherwise.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let code = if !errors.is_empty() && errors.iter().all(|e| e.code == Code::UnknownField) {
            Code::UnknownField
        } else {
            Code::ValidationFailed
        };
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code) }
    }

    /// 422 for a single field.
    pub fn field(field: &str, code: Code) -> Self {
        Self::validation(vec![FieldError::new(field, code)])
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Code::Unauthenticated)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, Code::Forbidden)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, Code::NotFound)
    }

    pub fn conflict(code: Code) -> Self {
        Self::new(StatusCode::CONFLICT, code)
    }

    /// 422 `invalid_cursor`: a list cursor that this query did not hand out (from another
    /// query, tampered with, or garbage).
    pub fn invalid_cursor() -> Self {
        Self { code: Code::InvalidCursor, ..Self::validation(vec![FieldError::new("cursor", Code::InvalidCursor)]) }
    }

    pub fn too_many(code: Code, retry_after_secs: u64) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code).with_retry_after(retry_after_secs)
    }

    /// A 500 whose cause (and its chain) is logged with the request ID and never shown.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        Self { internal: Some(enbek_core::telemetry::chain(cause)), ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::InternalError) }
    }

    /// A 500 for a state the code does not expect, described in words.
    pub fn bug(what: &str) -> Self {
        Self { internal: Some(what.to_owned()), ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::InternalError) }
    }

    /// A 503 for a dependency that is down or throttling; safe to retry.
    pub fn unavailable(cause: &(dyn std::error::Error + 'static)) -> Self {
        Self { internal: Some(enbek_core::telemetry::chain(cause)), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, Code::ServiceUnavailable) }
            .with_retry_after(1)
    }

    pub fn with_extension(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.to_owned(), value.into());
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    /// The problem object in `lang`.
    pub fn to_problem(&self, lang: Lang) -> Value {
        let mut body = json!({
            "type": format!("https://enbek.kz/problems/{}", self.code.as_str()),
            "title": self.code.text(lang),
            "status": self.status.as_u16(),
            "detail": self.detail(lang),
            "code": self.code.as_str(),
            "errors": self.errors.iter().map(|e| {
                let mut entry = json!({
                    "field": e.field,
                    "code": e.code.as_str(),
                    "message": e.code.text(lang),
                });
                if let (Some((name, value)), Value::Object(map)) = (&e.extra, &mut entry) {
                    map.insert((*name).to_owned(), Value::String(value.clone()));
                }
                entry
            }).collect::<Vec<_>>(),
        });
        if let Value::Object(map) = &mut body {
            for (k, v) in &self.extensions {
                map.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        body
    }

    fn detail(&self, lang: Lang) -> String {
        match self.errors.len() {
            0 => self.code.text(lang).to_owned(),
            n => match lang {
                Lang::Kk => format!("Қате өрістер саны: {n}."),
                Lang::Ru => format!("Число неверных полей: {n}."),
                Lang::En => format!("{n} field(s) are invalid."),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code.as_str())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(
                status = self.status.as_u16(),
                code = self.code.as_str(),
                cause = self.internal.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let lang = context::lang();
        let body = serde_json::to_vec(&self.to_problem(lang)).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unknown_fields_give_the_unknown_field_code() {
        let e = ApiError::validation(vec![FieldError::new("x", Code::UnknownField)]);
        assert_eq!(e.code, Code::UnknownField);
        let e = ApiError::validation(vec![FieldError::new("x", Code::UnknownField), FieldError::new("login", Code::LoginInvalid)]);
        assert_eq!(e.code, Code::ValidationFailed);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn problem_has_every_rfc9457_member_and_never_the_internal_cause() {
        let cause = std::io::Error::other("dynamodb said: secret table name");
        let e = ApiError::internal(&cause);
        let p = e.to_problem(Lang::Ru);
        for key in ["type", "title", "status", "detail", "code", "errors"] {
            assert!(p.get(key).is_some(), "missing {key}");
        }
        assert_eq!(p["status"], 500);
        assert!(!p.to_string().contains("secret"));
        assert_eq!(p["title"], Code::InternalError.text(Lang::Ru));
        assert_eq!(e.internal.as_deref(), Some("dynamodb said: secret table name"));
    }

    #[test]
    fn field_errors_carry_their_extra_member() {
        let e = ApiError::validation(vec![
            FieldError::new("agreement_version", Code::AgreementRequired).with_extra("current_version", "2024-06-20")
        ]);
        assert_eq!(e.to_problem(Lang::En)["errors"][0]["current_version"], "2024-06-20");
    }
}
