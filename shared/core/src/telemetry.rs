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

/// An error and its causes, `outer: cause: root`, for one log field.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
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
    fn chains_show_every_cause() {
        let e = crate::ports::StoreError::Unavailable(Box::new(std::io::Error::other("connection refused")));
        assert_eq!(super::chain(&e), "storage unavailable: connection refused");
    }

    #[test]
    fn mask_hides_the_middle() {
        assert_eq!(super::mask("870412300416"), "87********16");
        assert_eq!(super::mask("abc"), "***");
    }
}
