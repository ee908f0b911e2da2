//! Reading a JSON request body and parsing it field by field so that *every* bad field is
//! reported at once (API.md: one `errors[]` entry per bad field, unknown fields rejected).
//!
//! serde's derive stops at the first error and cannot say "this field is missing *and* that
//! one is malformed", so bodies are read into a JSON object and each use case pulls its
//! fields out with [`Fields`], parsing each into a domain type; whatever is left over is an
//! unknown field.

use crate::codes::Code;
use crate::error::{ApiError, FieldError};
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use http::{header, StatusCode};
use serde_json::{Map, Value};

/// Bodies over 256 KiB are refused with 413 (API.md).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Reads at most [`MAX_BODY_BYTES`] of a body: 413 beyond that.
pub async fn read_limited(body: Body) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .map(|s| s.is::<http_body_util::LengthLimitError>())
            .unwrap_or(false)
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

/// A request body that is a JSON object. 415 if it is not declared as JSON, 413 if too
/// large, 400 `malformed_body` if it is not a well-formed JSON object.
#[derive(Debug)]
pub struct JsonObject(pub Map<String, Value>);

impl JsonObject {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ApiError> {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            _ => Err(ApiError::new(StatusCode::BAD_REQUEST, Code::MalformedBody)),
        }
    }

    pub fn fields(self) -> Fields {
        Fields::new(self.0)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Code::UnsupportedMediaType));
        }
        let bytes = read_limited(req.into_body()).await?;
        JsonObject::from_bytes(&bytes)
    }
}

/// Pulls fields out of a JSON object, collecting one [`FieldError`] per bad field.
#[derive(Debug)]
pub struct Fields {
    map: Map<String, Value>,
    prefix: String,
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Self { map, prefix: String::new(), errors: Vec::new() }
    }

    fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    /// Records an error on `name` (for checks that span several fields).
    pub fn error(&mut self, name: &str, code: Code) {
        let path = self.path(name);
        self.errors.push(FieldError::new(path, code));
    }

    /// Removes and returns a field; `null` counts as absent.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    /// A required field: `required` when absent or null, the parser's code when it fails.
    pub fn required<T>(&mut self, name: &str, parse: impl FnOnce(&Value) -> Result<T, Code>) -> Option<T> {
        match self.take(name) {
            None => {
                self.error(name, Code::Required);
                None
            }
            Some(v) => self.run(name, &v, parse),
        }
    }

    /// An optional field: `None` when absent or null.
    pub fn optional<T>(&mut self, name: &str, parse: impl FnOnce(&Value) -> Result<T, Code>) -> Option<T> {
        let v = self.take(name)?;
        self.run(name, &v, parse)
    }

    /// A field that must not be sent in this variant of the request (e.g. `bin` for a citizen).
    pub fn not_allowed(&mut self, name: &str) {
        if self.take(name).is_some() {
            self.error(name, Code::NotAllowed);
        }
    }

    fn run<T>(&mut self, name: &str, v: &Value, parse: impl FnOnce(&Value) -> Result<T, Code>) -> Option<T> {
        match parse(v) {
            Ok(t) => Some(t),
            Err(code) => {
                self.error(name, code);
                None
            }
        }
    }

    /// A nested object, parsed by `parse` with paths prefixed by `name.`.
    pub fn object<T>(&mut self, name: &str, required: bool, parse: impl FnOnce(&mut Fields) -> Option<T>) -> Option<T> {
        match self.take(name) {
            None => {
                if required {
                    self.error(name, Code::Required);
                }
                None
            }
            Some(Value::Object(map)) => {
                let mut inner = Fields { map, prefix: self.path(name), errors: Vec::new() };
                let out = parse(&mut inner);
                let ok = inner.errors.is_empty() && inner.map.is_empty();
                self.errors.extend(inner.into_errors());
                out.filter(|_| ok)
            }
            Some(_) => {
                self.error(name, Code::InvalidType);
                None
            }
        }
    }

    fn into_errors(mut self) -> Vec<FieldError> {
        let mut leftovers: Vec<String> = self.map.keys().cloned().collect();
        leftovers.sort();
        for key in leftovers {
            let path = self.path(&key);
            self.errors.push(FieldError::new(path, Code::UnknownField));
        }
        self.errors
    }

    /// Ends parsing: 422 with every collected error, including one `unknown_field` per field
    /// nobody asked for.
    pub fn finish(self) -> Result<(), ApiError> {
        let errors = self.into_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// A field that a successful [`Fields::finish`] guarantees is set: `None` here is a bug in
/// the handler, answered as a 500, never a panic.
pub fn parsed<T>(v: Option<T>) -> Result<T, ApiError> {
    v.ok_or_else(|| ApiError::internal("a validated field is missing"))
}

/// Value parsers for [`Fields`].
pub mod parse {
    use super::*;

    /// A string taken as sent (passwords: no trimming), at most `max_chars` characters.
    pub fn raw(max_chars: usize) -> impl FnOnce(&Value) -> Result<String, Code> {
        move |v| match v {
            Value::String(s) if s.is_empty() => Err(Code::Required),
            Value::String(s) if s.chars().count() > max_chars => Err(Code::TooLong),
            Value::String(s) => Ok(s.clone()),
            _ => Err(Code::InvalidType),
        }
    }

    /// A trimmed, non-empty string of at most `max_chars` characters.
    pub fn text(max_chars: usize) -> impl FnOnce(&Value) -> Result<String, Code> {
        move |v| match v {
            Value::String(s) => {
                let t = s.trim();
                if t.is_empty() {
                    Err(Code::Required)
                } else if t.chars().count() > max_chars {
                    Err(Code::TooLong)
                } else {
                    Ok(t.to_owned())
                }
            }
            _ => Err(Code::InvalidType),
        }
    }

    /// A string parsed by a domain constructor, e.g. `parse::with(Iin::parse)`.
    pub fn with<T>(f: impl FnOnce(&str) -> Result<T, Code>) -> impl FnOnce(&Value) -> Result<T, Code> {
        move |v| match v {
            Value::String(s) => f(s),
            _ => Err(Code::InvalidType),
        }
    }

    /// One of a fixed set of strings, mapped to a value.
    pub fn one_of<T: Copy>(allowed: &'static [(&'static str, T)]) -> impl FnOnce(&Value) -> Result<T, Code> {
        move |v| match v {
            Value::String(s) => allowed.iter().find(|(k, _)| k == s).map(|(_, t)| *t).ok_or(Code::InvalidValue),
            _ => Err(Code::InvalidType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        match v {
            Value::Object(m) => Fields::new(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn reports_every_bad_field_and_every_unknown_one() {
        let mut f = fields(json!({"a": 5, "b": "  ", "zz": 1, "yy": null, "c": {"d": 1, "e": true}}));
        assert!(f.required("a", parse::text(10)).is_none());
        assert!(f.required("b", parse::text(10)).is_none());
        assert!(f.required("missing", parse::text(10)).is_none());
        let c = f.object("c", true, |c| c.required("d", parse::text(3)));
        assert!(c.is_none());
        let err = f.finish().unwrap_err();
        let got: Vec<(String, Code)> = err.errors.iter().map(|e| (e.field.clone(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), Code::InvalidType),
                ("b".into(), Code::Required),
                ("missing".into(), Code::Required),
                ("c.d".into(), Code::InvalidType),
                ("c.e".into(), Code::UnknownField),
                ("yy".into(), Code::UnknownField),
                ("zz".into(), Code::UnknownField),
            ]
        );
        assert_eq!(err.code, Code::ValidationFailed);
    }

    #[test]
    fn null_is_absent_for_known_fields_and_length_counts_characters_not_bytes() {
        let mut f = fields(json!({"name": "Әлия", "long": "ққққ", "opt": null}));
        assert_eq!(f.required("name", parse::text(4)).as_deref(), Some("Әлия"));
        assert!(f.required("long", parse::text(3)).is_none());
        assert!(f.optional("opt", parse::text(3)).is_none());
        let err = f.finish().unwrap_err();
        assert_eq!(err.errors, vec![FieldError::new("long", Code::TooLong)]);
    }

    #[test]
    fn malformed_or_non_object_json_is_malformed_body() {
        for body in [&b"{"[..], b"[]", b"\"x\"", b"", b"{\"a\":1}x"] {
            let err = JsonObject::from_bytes(body).unwrap_err();
            assert_eq!(err.code, Code::MalformedBody, "{:?}", String::from_utf8_lossy(body));
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
        }
    }
}
