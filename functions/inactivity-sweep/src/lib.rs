//! `inactivity-sweep`: the nightly block of staff accounts unused for the period of their role
//! (ACS-9; API.md "Inactivity sweep"). Run by an EventBridge Scheduler schedule in
//! Asia/Almaty; by hand with `cargo lambda invoke` (see `events/inactivity-sweep.*.json`).
//! The rules are in `enbek_core::usecases::sweep`; this crate is configuration and input.
//!
//! Input: `{"dry_run"?: bool, "now"?: RFC 3339}`, or the scheduler's event (recognised by its
//! `detail-type`, and then taken as a plain run). `now` is refused unless
//! `SWEEP_ALLOW_NOW_OVERRIDE` is on (local and test stages only). An unknown field is refused
//! too, so that a misspelt `dry_run` never turns into a real sweep.
//!
//! Output: the report (`examined`, `blocked`, `already_blocked`, `skipped_recent_login`,
//! `prewarned`, `exempt`, `complete`, `duration_ms`, `dry_run`), also logged as one line.

use enbek_aws::dynamo::{DynamoOutbox, DynamoSweep, Table};
use enbek_aws::sqs::SqsQueue;
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::outbox::Queues;
use enbek_core::usecases::sweep::{SweepPolicy, SweepRun, Sweeper};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub notifications_queue_url: String,
    pub policy: SweepPolicy,
    /// Whether the input may set `now` (local and test stages; never in production).
    pub allow_now_override: bool,
    /// Accounts read per index query.
    pub page_size: i32,
    /// How long before the invocation's deadline the sweep stops at a page boundary.
    pub stop_margin: Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let periods = config::optional("INACTIVITY_PERIODS", "");
        let mut policy = SweepPolicy::default_for_staff()
            .with_periods(&periods)
            .map_err(|problem| ConfigError { variable: "INACTIVITY_PERIODS", problem })?;
        policy.prewarn_days = config::parsed("INACTIVITY_PREWARN_DAYS", policy.prewarn_days)?;
        policy.exempt = config::list("INACTIVITY_EXEMPT").into_iter().collect();
        if let Some(shortest) = policy.periods.values().min() {
            if policy.prewarn_days >= *shortest {
                return Err(ConfigError {
                    variable: "INACTIVITY_PREWARN_DAYS",
                    problem: format!("{} days is not shorter than the shortest period ({shortest} days)", policy.prewarn_days),
                });
            }
        }
        let page_size: i32 = config::parsed("SWEEP_PAGE_SIZE", 100)?;
        if !(1..=1000).contains(&page_size) {
            return Err(ConfigError { variable: "SWEEP_PAGE_SIZE", problem: format!("{page_size} is not within 1..=1000") });
        }
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            notifications_queue_url: config::required("NOTIFICATIONS_QUEUE_URL")?,
            policy,
            allow_now_override: config::parsed("SWEEP_ALLOW_NOW_OVERRIDE", false)?,
            page_size,
            stop_margin: Duration::from_secs(config::parsed("SWEEP_STOP_MARGIN_SECONDS", 20)?),
        })
    }
}

/// The sweep with its clients, built once.
pub struct Sweep {
    sweeper: Sweeper,
    clock: Arc<dyn Clock>,
    allow_now_override: bool,
    stop_margin: Duration,
}

/// The composition root: `main.rs` and the tests build the sweep here.
pub fn sweep_app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Sweep {
    let table = Table::new(aws.dynamodb(), config.table_name);
    Sweep {
        sweeper: Sweeper {
            store: Arc::new(DynamoSweep::new(table.clone())),
            outbox: Arc::new(DynamoOutbox::new(table)),
            queues: Queues { notifications: Some(Arc::new(SqsQueue::new(aws.sqs(), config.notifications_queue_url))), integration: None },
            policy: config.policy,
            page_size: config.page_size,
        },
        clock,
        allow_now_override: config.allow_now_override,
        stop_margin: config.stop_margin,
    }
}

/// A run asked for by hand or by a test.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    dry_run: bool,
    now: Option<Timestamp>,
}

/// The input, or why it is refused.
fn parse_input(event: Value) -> Result<Input, String> {
    match event {
        Value::Null => Ok(Input::default()),
        // EventBridge's own event (a scheduler or a rule without an input template): a plain run.
        Value::Object(ref o) if o.contains_key("detail-type") => Ok(Input::default()),
        other => {
            serde_json::from_value(other).map_err(|e| format!("invalid input: {e}; expected {{\"dry_run\"?: bool, \"now\"?: RFC 3339}}"))
        }
    }
}

impl Sweep {
    /// One invocation that must be over by `deadline`.
    pub async fn handle(&self, event: Value, deadline: SystemTime) -> Result<Value, lambda_runtime::Error> {
        let input = parse_input(event)?;
        let now = match input.now {
            Some(_) if !self.allow_now_override => {
                return Err("invalid input: `now` is honoured only where SWEEP_ALLOW_NOW_OVERRIDE is on (never in production)".into())
            }
            Some(now) => now,
            None => self.clock.now(),
        };
        let stop_at = deadline.checked_sub(self.stop_margin).unwrap_or(deadline);
        let should_stop = move || SystemTime::now() >= stop_at;
        let report = self.sweeper.run(SweepRun { now, dry_run: input.dry_run }, &should_stop).await?;
        Ok(serde_json::to_value(report)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_input_is_strict_but_takes_the_schedulers_event() {
        assert!(!parse_input(json!({})).unwrap().dry_run);
        assert!(parse_input(json!({"dry_run": true})).unwrap().dry_run);
        assert!(parse_input(Value::Null).is_ok());
        let scheduled = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {}});
        assert!(!parse_input(scheduled).unwrap().dry_run);
        assert!(parse_input(json!({"dryrun": true})).unwrap_err().contains("dryrun"), "a misspelt dry_run is not a real sweep");
        assert!(parse_input(json!({"dry_run": "yes"})).is_err());
        assert!(parse_input(json!({"now": "yesterday"})).is_err());
        assert_eq!(parse_input(json!({"now": "2026-11-25T00:00:00Z"})).unwrap().now, Some("2026-11-25T00:00:00Z".parse().unwrap()));
    }
}
