//! Typed configuration from the environment. A missing or malformed variable stops the
//! function at start-up with a message naming the variable, never at the first request.

use std::fmt;

#[derive(Debug)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: environment variable {}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// A required variable.
pub fn required(variable: &'static str) -> Result<String, ConfigError> {
    match std::env::var(variable) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        Ok(_) => Err(ConfigError { variable, problem: "is empty".into() }),
        Err(_) => Err(ConfigError { variable, problem: "is not set".into() }),
    }
}

/// An optional variable with a default.
pub fn optional(variable: &'static str, default: &str) -> String {
    std::env::var(variable).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned())
}

/// A variable parsed with `FromStr`.
pub fn parsed<T: std::str::FromStr>(variable: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match std::env::var(variable) {
        Err(_) => Ok(default),
        Ok(v) if v.trim().is_empty() => Ok(default),
        Ok(v) => v.trim().parse().map_err(|e: T::Err| ConfigError { variable, problem: format!("cannot parse {v:?}: {e}") }),
    }
}

/// A required secret of at least 32 characters (a key is derived from it).
pub fn secret(variable: &'static str) -> Result<String, ConfigError> {
    let value = required(variable)?;
    if value.chars().count() < 32 {
        return Err(ConfigError { variable, problem: "is shorter than 32 characters".into() });
    }
    Ok(value)
}

/// A comma-separated list (empty when unset).
pub fn list(variable: &'static str) -> Vec<String> {
    std::env::var(variable).unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A PEM value. Environment files cannot hold newlines, so `\n` escapes are accepted too.
pub fn pem(variable: &'static str) -> Result<String, ConfigError> {
    pem_value(variable, &required(variable)?)
}

/// `raw` as a PEM document (`\n` escapes accepted), or why it is not one; `variable` names
/// where it came from (an environment variable, or the one that names a secret).
pub fn pem_value(variable: &'static str, raw: &str) -> Result<String, ConfigError> {
    let pem = raw.replace("\\n", "\n");
    if !pem.contains("-----BEGIN ") {
        return Err(ConfigError { variable, problem: "is not a PEM document".into() });
    }
    Ok(pem)
}
