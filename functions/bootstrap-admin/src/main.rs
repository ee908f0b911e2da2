//! `bootstrap-admin`: creates the first security administrator, once, with a temporary
//! password that must be changed at first sign-in (ACS-5). Invoked by the operator after the
//! first deployment:
//!
//! ```text
//! aws lambda invoke --function-name enbek-<stage>-bootstrap-admin \
//!   --payload '{"login":"ib-admin@enbek.kz","last_name":"…","first_name":"…"}' out.json
//! ```
//!
//! The answer holds the login and the temporary password; a second invocation is refused.

use enbek_aws::dynamo::{DynamoAccounts, Table};
use enbek_core::clock::SystemClock;
use enbek_core::password::Argon2Hasher;
use enbek_core::usecases::bootstrap::create_first_admin;
use lambda_runtime::{service_fn, LambdaEvent};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    login: String,
    last_name: String,
    first_name: String,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    enbek_core::telemetry::init();
    let table_name = enbek_core::config::required("TABLE_NAME")?;
    // ACS-5: how long the temporary password opens the account (default 72 hours).
    let ttl_hours: i64 = enbek_core::config::parsed("TEMPORARY_PASSWORD_TTL_HOURS", 72)?;
    let ttl = jiff::SignedDuration::from_hours(ttl_hours);
    let aws = enbek_aws::Aws::load().await;
    let accounts = DynamoAccounts::new(Table::new(aws.dynamodb(), table_name));
    let accounts = &accounts;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let input: Input = serde_json::from_value(event.payload).map_err(|e| format!("expected {{login, last_name, first_name}}: {e}"))?;
        match create_first_admin(accounts, &Argon2Hasher, &SystemClock, ttl, &input.login, &input.last_name, &input.first_name).await {
            Ok(admin) => {
                tracing::info!(account_id = %admin.account_id, "first security administrator created");
                Ok::<Value, lambda_runtime::Error>(json!({
                    "account_id": admin.account_id,
                    "login": admin.login,
                    "temporary_password": admin.temporary_password,
                    "must_change_password": true,
                    "journal_number": admin.journal_number,
                }))
            }
            Err(e) => Err(e.to_string().into()),
        }
    }))
    .await
}
