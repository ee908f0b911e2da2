//! Query strings, parsed with the same per-field machinery as bodies: every bad parameter is
//! reported at once (422), unknown parameters are `unknown_field`, a repeated one is
//! `invalid_value`.

use super::body::Fields;
use crate::codes::Code;
use crate::error::{ApiError, FieldError};
use axum::extract::FromRequestParts;
use http::request::Parts;
use serde_json::{Map, Value};

/// The query string as [`Fields`] whose values are all strings.
#[derive(Debug)]
pub struct QueryFields(pub Fields);

impl QueryFields {
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut map = Map::new();
        let mut repeated = Vec::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if map.insert(k.to_string(), Value::String(v.into_owned())).is_some() {
                repeated.push(FieldError::new(k.to_string(), Code::InvalidValue));
            }
        }
        if !repeated.is_empty() {
            return Err(ApiError::validation(repeated));
        }
        Ok(QueryFields(Fields::new(map)))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryFields {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        QueryFields::parse(parts.uri.query())
    }
}

/// Query-value parsers.
pub mod param {
    use super::*;

    /// `true` or `false`.
    pub fn boolean(v: &Value) -> Result<bool, Code> {
        match v.as_str() {
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            _ => Err(Code::InvalidValue),
        }
    }

    /// A calendar date `YYYY-MM-DD`.
    pub fn date(v: &Value) -> Result<jiff::civil::Date, Code> {
        let s = v.as_str().ok_or(Code::InvalidType)?;
        if s.len() != 10 {
            return Err(Code::InvalidValue);
        }
        s.parse().map_err(|_| Code::InvalidValue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(q: &str) -> Vec<(String, Code)> {
        match QueryFields::parse(Some(q)) {
            Ok(QueryFields(mut f)) => {
                let _ = f.optional("overdue", param::boolean);
                let _ = f.optional("from", param::date);
                f.finish().err().map(|e| e.errors.into_iter().map(|e| (e.field, e.code)).collect()).unwrap_or_default()
            }
            Err(e) => e.errors.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        assert!(errors("overdue=true&from=2026-01-31").is_empty());
        assert_eq!(
            errors("overdue=yes&from=2026-02-30&colour=red"),
            vec![
                ("overdue".into(), Code::InvalidValue),
                ("from".into(), Code::InvalidValue),
                ("colour".into(), Code::UnknownField)
            ]
        );
        assert_eq!(errors("overdue=true&overdue=false"), vec![("overdue".into(), Code::InvalidValue)]);
    }
}
