//! Parsing request input field by field, so that *every* bad field is reported at once (API.md:
//! one `errors[]` entry per bad field, unknown fields rejected).
//!
//! serde's derive stops at the first error and cannot say "this field is missing *and* that
//! one is malformed", so bodies and query strings are read into a JSON object and each command
//! pulls its fields out with [`Fields`], parsing each into a domain type; whatever is left over
//! is an unknown field. The result is a typed command or [`Invalid`] with every [`FieldError`].

use crate::codes::Code;
use crate::enums::StringEnum;
use serde_json::{Map, Value};

/// One bad field of a request: its path (`login`, `user.iin`, `expenses.3.amount_tiyn`) and
/// its machine code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: Code,
    /// Extra members of the error entry (e.g. `current_version` for `agreement_required`).
    pub extra: Option<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: Code) -> Self {
        Self { field: field.into(), code, extra: None }
    }

    pub fn with_extra(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra = Some((name, value.into()));
        self
    }
}

/// Input that does not make a valid command: every bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn field(field: impl Into<String>, code: Code) -> Self {
        Invalid(vec![FieldError::new(field, code)])
    }
}

/// Why a body is not a JSON object at all (400 `malformed_body`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the body is not a well-formed JSON object")]
pub struct Malformed;

/// Reads a JSON object from bytes.
pub fn object_from_bytes(bytes: &[u8]) -> Result<Map<String, Value>, Malformed> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Malformed),
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

    /// The fields of a JSON value that must be an object (tests, nested documents).
    pub fn of(value: Value) -> Result<Self, Malformed> {
        match value {
            Value::Object(map) => Ok(Self::new(map)),
            _ => Err(Malformed),
        }
    }

    /// A query string as fields whose values are all strings. A repeated parameter is
    /// `invalid_value`.
    pub fn from_query(query: Option<&str>) -> Result<Self, Invalid> {
        let mut map = Map::new();
        let mut repeated = Vec::new();
        for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if map.insert(k.to_string(), Value::String(v.into_owned())).is_some() {
                repeated.push(FieldError::new(k.to_string(), Code::InvalidValue));
            }
        }
        if repeated.is_empty() {
            Ok(Self::new(map))
        } else {
            Err(Invalid(repeated))
        }
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

    /// Records a prepared error on `name`.
    pub fn error_with(&mut self, name: &str, error: FieldError) {
        let path = self.path(name);
        self.errors.push(FieldError { field: path, ..error });
    }

    /// Whether any error was recorded so far.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
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

    /// A list of objects of `min..=max` items, each parsed by `parse` with paths
    /// `name.<index>.field`. `None` unless every item parsed.
    pub fn list_of<T>(
        &mut self,
        name: &str,
        min: usize,
        max: usize,
        mut parse: impl FnMut(usize, &mut Fields) -> Option<T>,
    ) -> Option<Vec<T>> {
        let items = match self.take(name) {
            None => {
                if min > 0 {
                    self.error(name, Code::Required);
                }
                return if min == 0 { Some(Vec::new()) } else { None };
            }
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.error(name, Code::InvalidType);
                return None;
            }
        };
        if items.len() < min {
            self.error(name, Code::Required);
            return None;
        }
        if items.len() > max {
            self.error(name, Code::TooMany);
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        let mut all = true;
        for (i, item) in items.into_iter().enumerate() {
            let key = i.to_string();
            match item {
                Value::Object(map) => {
                    let mut inner = Fields { map, prefix: format!("{}.{}", self.path(name), key), errors: Vec::new() };
                    let parsed = parse(i, &mut inner);
                    let ok = inner.errors.is_empty() && inner.map.is_empty();
                    self.errors.extend(inner.into_errors());
                    match parsed.filter(|_| ok) {
                        Some(t) => out.push(t),
                        None => all = false,
                    }
                }
                _ => {
                    self.error(&format!("{name}.{key}"), Code::InvalidType);
                    all = false;
                }
            }
        }
        all.then_some(out)
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

    /// Ends parsing: every collected error, including one `unknown_field` per field nobody
    /// asked for.
    pub fn finish(self) -> Result<(), Invalid> {
        let errors = self.into_errors();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
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

    /// A trimmed string of `min..=max` characters (shorter is `invalid_value`).
    pub fn text_between(min: usize, max: usize) -> impl FnOnce(&Value) -> Result<String, Code> {
        move |v| {
            let t = text(max)(v)?;
            if t.chars().count() < min {
                Err(Code::InvalidValue)
            } else {
                Ok(t)
            }
        }
    }

    /// A string parsed by a domain constructor, e.g. `parse::with(Iin::parse)`.
    pub fn with<T>(f: impl FnOnce(&str) -> Result<T, Code>) -> impl FnOnce(&Value) -> Result<T, Code> {
        move |v| match v {
            Value::String(s) => f(s),
            _ => Err(Code::InvalidType),
        }
    }

    /// One value of a string enum.
    pub fn variant<T: StringEnum>(v: &Value) -> Result<T, Code> {
        match v {
            Value::String(s) => T::parse(s).ok_or(Code::InvalidValue),
            _ => Err(Code::InvalidType),
        }
    }

    /// One value of a string enum among `allowed`; any other value is `otherwise`.
    pub fn variant_in<T: StringEnum>(allowed: &'static [T], otherwise: Code) -> impl FnOnce(&Value) -> Result<T, Code> {
        move |v| match v {
            Value::String(s) => T::parse(s).filter(|t| allowed.contains(t)).ok_or(otherwise),
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

    /// A JSON integer in `min..=max`. `1.5`, `1e3` and anything beyond `i64` are
    /// `invalid_value`; a string or other type is `invalid_type`. Money never passes through a
    /// float.
    pub fn integer(min: i64, max: i64) -> impl FnOnce(&Value) -> Result<i64, Code> {
        move |v| match v {
            Value::Number(n) => n.as_i64().filter(|n| (min..=max).contains(n)).ok_or(Code::InvalidValue),
            _ => Err(Code::InvalidType),
        }
    }

    /// A calendar date `YYYY-MM-DD` (in a JSON string or a query value) between years 1900 and
    /// 2999: anything else is `invalid_value`, so no date can overflow later arithmetic.
    pub fn date(v: &Value) -> Result<jiff::civil::Date, Code> {
        let s = v.as_str().ok_or(Code::InvalidType)?;
        if s.len() != 10 {
            return Err(Code::InvalidValue);
        }
        let d: jiff::civil::Date = s.parse().map_err(|_| Code::InvalidValue)?;
        if !(1900..=2999).contains(&d.year()) {
            return Err(Code::InvalidValue);
        }
        Ok(d)
    }

    /// `true` or `false` (query values are strings).
    pub fn boolean(v: &Value) -> Result<bool, Code> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            Value::String(_) => Err(Code::InvalidValue),
            _ => Err(Code::InvalidType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        Fields::of(v).unwrap()
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
        let got: Vec<(String, Code)> = err.0.iter().map(|e| (e.field.clone(), e.code)).collect();
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
    }

    #[test]
    fn null_is_absent_for_known_fields_and_length_counts_characters_not_bytes() {
        let mut f = fields(json!({"name": "Әлия", "long": "ққққ", "opt": null}));
        assert_eq!(f.required("name", parse::text(4)).as_deref(), Some("Әлия"));
        assert!(f.required("long", parse::text(3)).is_none());
        assert!(f.optional("opt", parse::text(3)).is_none());
        assert_eq!(f.finish().unwrap_err().0, vec![FieldError::new("long", Code::TooLong)]);
    }

    #[test]
    fn lists_of_objects_report_per_item_paths() {
        let mut f = fields(json!({"items": [{"n": 1}, {"n": "x", "extra": 1}, 5]}));
        let got = f.list_of("items", 1, 10, |_, i| i.required("n", parse::integer(1, 10)));
        assert!(got.is_none());
        let err = f.finish().unwrap_err();
        let paths: Vec<(&str, Code)> = err.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(paths, vec![("items.1.n", Code::InvalidType), ("items.1.extra", Code::UnknownField), ("items.2", Code::InvalidType)]);
        let mut f = fields(json!({"items": []}));
        assert!(f.list_of("items", 1, 10, |_, i| i.required("n", parse::integer(1, 10))).is_none());
        assert_eq!(f.finish().unwrap_err().0, vec![FieldError::new("items", Code::Required)]);
    }

    #[test]
    fn integers_only_no_floats_no_exponents_no_overflow() {
        let p = |v: Value| parse::integer(1, i64::MAX)(&v);
        assert_eq!(p(json!(15)), Ok(15));
        for bad in [json!(1.5), json!(1e3), json!(-1), json!(0), json!(u64::MAX)] {
            assert_eq!(p(bad.clone()), Err(Code::InvalidValue), "{bad}");
        }
        assert_eq!(p(json!("15")), Err(Code::InvalidType));
        // Beyond u64 serde_json reads a float: still refused.
        assert_eq!(p(serde_json::from_str("123456789012345678901234567890").unwrap()), Err(Code::InvalidValue));
    }

    #[test]
    fn dates_are_iso_days_within_a_sane_range() {
        assert_eq!(parse::date(&json!("2026-02-28")), Ok(jiff::civil::date(2026, 2, 28)));
        for bad in ["2026-02-30", "9999-12-31", "0001-01-01", "2026-2-3", "yesterday"] {
            assert_eq!(parse::date(&json!(bad)), Err(Code::InvalidValue), "{bad}");
        }
    }

    #[test]
    fn every_bad_query_parameter_is_reported() {
        let mut f = Fields::from_query(Some("overdue=yes&from=2026-02-30&colour=red")).unwrap();
        let _ = f.optional("overdue", parse::boolean);
        let _ = f.optional("from", parse::date);
        let codes: Vec<(String, Code)> = f.finish().unwrap_err().0.into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            vec![("overdue".into(), Code::InvalidValue), ("from".into(), Code::InvalidValue), ("colour".into(), Code::UnknownField)]
        );
        let repeated = Fields::from_query(Some("overdue=true&overdue=false")).unwrap_err();
        assert_eq!(repeated.0, vec![FieldError::new("overdue", Code::InvalidValue)]);
    }

    #[test]
    fn malformed_or_non_object_json_is_malformed() {
        for body in [&b"{"[..], b"[]", b"\"x\"", b"", b"{\"a\":1}x"] {
            assert_eq!(object_from_bytes(body), Err(Malformed), "{:?}", String::from_utf8_lossy(body));
        }
    }
}
