//! Structured JSON logs. Nothing here logs request bodies; code that logs a person's data uses
//! [`mask`] (full IINs, logins, passwords and tokens never reach a log line).

use tracing_subscriber::EnvFilter;

/// JSON logs to stdout (CloudWatch in AWS), level from `RUST_LOG` (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}

/// Keeps the first two and last two characters of an identifier: `87********01`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..2].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 4));
    out.extend(&chars[chars.len() - 2..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn mask_hides_the_middle() {
        assert_eq!(super::mask("870412300416"), "87********16");
        assert_eq!(super::mask("abc"), "***");
    }
}
