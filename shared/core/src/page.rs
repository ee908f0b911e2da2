//! Lists (API.md): `?limit=` 1–100 (default 20) and `?cursor=`; the body is
//! `{"items": [...], "next_cursor": "..." | null}`. Cursors are opaque to clients.

use crate::codes::Code;
use crate::input::Fields;
use serde::Serialize;

pub const DEFAULT_LIMIT: i32 = 20;
pub const MAX_LIMIT: i32 = 100;

/// What page of a list the client asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i32,
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, cursor: None }
    }
}

impl PageRequest {
    /// Reads `limit` and `cursor` from query fields, recording bad values in `f`.
    pub fn parse(f: &mut Fields) -> PageRequest {
        let limit = f
            .optional("limit", |v| {
                let s = v.as_str().ok_or(Code::InvalidType)?;
                match s.parse::<i32>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) && !s.starts_with('+') => Ok(n),
                    _ => Err(Code::InvalidValue),
                }
            })
            .unwrap_or(DEFAULT_LIMIT);
        let cursor = f.optional("cursor", |v| match v.as_str() {
            Some(s) if !s.is_empty() && s.len() <= 2048 => Ok(s.to_owned()),
            _ => Err(Code::InvalidValue),
        });
        PageRequest { limit, cursor }
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<PageRequest, Vec<(String, Code)>> {
        let mut f = Fields::from_query(Some(q)).unwrap();
        let p = PageRequest::parse(&mut f);
        f.finish().map(|_| p).map_err(|e| e.0.into_iter().map(|e| (e.field, e.code)).collect())
    }

    #[test]
    fn limit_is_1_to_100_and_defaults_to_20() {
        assert_eq!(parse("").unwrap(), PageRequest::default());
        assert_eq!(parse("limit=100&cursor=abc").unwrap(), PageRequest { limit: 100, cursor: Some("abc".into()) });
        for bad in ["limit=0", "limit=101", "limit=ten", "limit=+5", "cursor="] {
            assert_eq!(parse(bad).unwrap_err().len(), 1, "{bad}");
        }
    }
}
