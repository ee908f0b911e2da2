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

/// `text` with every word that holds an `@` masked (e-mail addresses in a service's error
/// message are logins here).
pub fn mask_emails(text: &str) -> String {
    text.split(' ')
        .map(|w| if w.contains('@') { mask(w.trim_matches(|c: char| c == ',' || c == '.' || c == ';')) } else { w.to_owned() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The CloudWatch namespace of the service's own metrics.
pub const METRICS_NAMESPACE: &str = "Enbek";

/// One CloudWatch Embedded Metric Format line: counts under [`METRICS_NAMESPACE`] with the
/// dimension `Function`. CloudWatch turns the log line into metrics, so alarms need no API call
/// from the function (and no permission for one). It carries `level: INFO` like the other log
/// lines, so Lambda's JSON log-level filter (`application_log_level`) passes it.
pub fn metrics_line(function: &str, counts: &[(&str, u64)], at: jiff::Timestamp) -> String {
    let metrics: Vec<serde_json::Value> = counts.iter().map(|(name, _)| serde_json::json!({ "Name": name, "Unit": "Count" })).collect();
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": at.as_millisecond(),
            "CloudWatchMetrics": [{ "Namespace": METRICS_NAMESPACE, "Dimensions": [["Function"]], "Metrics": metrics }],
        },
        "Function": function,
        "level": "INFO",
    });
    for (name, value) in counts {
        line[*name] = serde_json::json!(value);
    }
    line.to_string()
}

/// Writes [`metrics_line`] to stdout, where the Lambda runtime's log capture reads it. Nothing
/// when every count is zero (an idle relay run): alarms treat missing data as "nothing happened".
pub fn emit_metrics(function: &str, counts: &[(&str, u64)]) {
    if counts.iter().all(|(_, n)| *n == 0) {
        return;
    }
    println!("{}", metrics_line(function, counts, jiff::Timestamp::now()));
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_embedded_metric_line_declares_its_counts() {
        let at: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        let line: serde_json::Value =
            serde_json::from_str(&super::metrics_line("notify", &[("Delivered", 3), ("Poisoned", 1)], at)).unwrap();
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Enbek");
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Metrics"][1]["Name"], "Poisoned");
        assert_eq!((line["Function"].as_str(), line["Delivered"].as_u64(), line["Poisoned"].as_u64()), (Some("notify"), Some(3), Some(1)));
        assert_eq!(line["_aws"]["Timestamp"], 1_795_564_800_000_i64);
    }

    #[test]
    fn chains_show_every_cause() {
        let e = crate::ports::StoreError::Unavailable(Box::new(std::io::Error::other("connection refused")));
        assert_eq!(super::chain(&e), "storage unavailable: connection refused");
    }

    #[test]
    fn addresses_in_error_texts_are_masked() {
        assert_eq!(super::mask_emails("not verified: erlan@enbek.gov.kz, x"), "not verified: er**************kz x");
    }

    #[test]
    fn mask_hides_the_middle() {
        assert_eq!(super::mask("870412300416"), "87********16");
        assert_eq!(super::mask("abc"), "***");
    }
}
