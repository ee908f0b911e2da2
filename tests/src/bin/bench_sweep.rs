//! Benchmark (not a test): the inactivity sweep (ACS-9) against a naive full-table scan of the
//! same table in the same run. `BENCH_ACCOUNTS` (default 100 000) accounts are loaded into
//! moto, `BENCH_STALE` (default 5 000) of them staff unused for more than 30 days; the rest
//! are citizens, employers and recently active staff. For each approach: wall time, DynamoDB
//! items read and requests, counted by an SDK interceptor ([`integration::metering`]).
//!
//! moto copies the whole table inside every TransactWriteItems (to roll it back), so 5 000
//! blocks against a 100 000-account table would take hours there (not in DynamoDB). The
//! full-size sweep is therefore a dry run — it reads exactly what a real run reads — and a
//! real run on a small table (`BENCH_SMALL_ACCOUNTS`, `BENCH_SMALL_STALE`) measures what each
//! block adds. Run with `make bench` (release build, against a private moto server).

use enbek_core::domain::{Account, Role};
use integration::metering::{Meter, Usage};
use integration::TestStack;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `total` accounts, `stale` of them staff unused for 31..=400 days; of the rest a tenth are
/// staff active within 20 days and the others citizens and employers of any age.
fn population(now: Timestamp, total: usize, stale: usize) -> Vec<Account> {
    let staff = [Role::CenterStaff, Role::Support, Role::Official, Role::SecurityAdmin];
    let day = SignedDuration::from_hours(24);
    (0..total)
        .map(|i| {
            let (role, last) = if i < stale {
                (staff[i % staff.len()], now - day * (31 + (i % 370) as i32))
            } else if i % 10 == 0 {
                (staff[i % staff.len()], now - day * (i % 20) as i32)
            } else {
                (if i % 3 == 0 { Role::Employer } else { Role::Citizen }, now - day * (i % 900) as i32)
            };
            let mut a = enbek_testkit::fixtures::account(role, "$argon2id$bench", last - day * 30);
            a.last_login_at = Some(last);
            a
        })
        .collect()
}

async fn load(stack: &TestStack, accounts: &[Account]) {
    let started = Instant::now();
    let mut loaded = 0;
    for chunk in accounts.chunks(5_000) {
        enbek_aws::dynamo::accounts::bulk_load_accounts(&stack.table, chunk).await.expect("load accounts");
        loaded += chunk.len();
        eprintln!("loaded {loaded} of {} ({:.0} s)", accounts.len(), started.elapsed().as_secs_f64());
    }
    println!("loaded {} accounts in {:.0} s", accounts.len(), started.elapsed().as_secs_f64());
}

/// The naive sweep: scan the whole table for active staff older than the cutoff.
async fn naive_scan(stack: &TestStack, meter: &Meter, cutoff: Timestamp) -> (usize, Duration, Usage) {
    let client = stack.sdk.clone().with_interceptor(meter.clone()).dynamodb();
    meter.take();
    let started = Instant::now();
    let mut found = 0;
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(&stack.table.name)
            .filter_expression(
                "entity = :account AND #status = :active AND #role IN (:a, :b, :c, :d) AND \
                 (last_login_at < :cutoff OR (attribute_not_exists(last_login_at) AND created_at < :cutoff))",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#role", "role")
            .expression_attribute_values(":account", s("account"))
            .expression_attribute_values(":active", s("active"))
            .expression_attribute_values(":a", s("center_staff"))
            .expression_attribute_values(":b", s("support"))
            .expression_attribute_values(":c", s("official"))
            .expression_attribute_values(":d", s("security_admin"))
            .expression_attribute_values(":cutoff", s(&cutoff.to_string()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        found += out.items().len();
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    (found, started.elapsed(), meter.take())
}

fn s(v: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v.to_owned())
}

/// One sweep through the function's own composition root, with every client metered.
async fn sweep(stack: &TestStack, meter: &Meter, input: Value) -> (Value, Duration, Usage) {
    let function =
        inactivity_sweep::sweep_app(stack.sweep_config(), &stack.sdk.clone().with_interceptor(meter.clone()), stack.clock.clone());
    meter.take();
    let started = Instant::now();
    let report = function.handle(input, SystemTime::now() + Duration::from_secs(3600)).await.expect("the sweep");
    (report, started.elapsed(), meter.take())
}

fn row(name: &str, found: u64, wall: Duration, usage: &Usage, candidates: usize) {
    println!(
        "| {name} | {found} | {:.2} s | {} | {:.3} | {} | {:?} |",
        wall.as_secs_f64(),
        usage.items_read,
        usage.items_read as f64 / candidates as f64,
        usage.total_requests(),
        usage.requests
    );
}

#[tokio::main]
async fn main() {
    let total = env("BENCH_ACCOUNTS", 100_000);
    let stale = env("BENCH_STALE", 5_000);
    let meter = Meter::default();
    let stack = TestStack::new().await;
    let now = stack.now();
    load(&stack, &population(now, total, stale)).await;
    // The sweep blocks activity older than 30 calendar days; no account is 25..30 days old,
    // so the warning adds no candidates and both approaches look for the same accounts.
    let cutoff = now - SignedDuration::from_hours(24 * 30);

    println!("\n{total} accounts, {stale} stale staff (the candidates)\n");
    println!("| approach | found | wall time | items read | read / candidates | requests | by operation |");
    println!("|---|---|---|---|---|---|---|");
    let (found, wall, usage) = naive_scan(&stack, &meter, cutoff).await;
    assert_eq!(found, stale, "the scan finds the candidates");
    row("naive Scan with a filter", found as u64, wall, &usage, stale);
    let (report, wall, usage) = sweep(&stack, &meter, json!({"dry_run": true, "now": now.to_string()})).await;
    assert_eq!(report["blocked"].as_u64(), Some(stale as u64), "{report}");
    assert!(usage.items_read as f64 <= 1.05 * stale as f64, "the goal: at most 1.05 × the candidates ({})", usage.items_read);
    row("sweep (dry run: every read of a real run)", report["blocked"].as_u64().unwrap_or(0), wall, &usage, stale);

    // What each block adds, on a table small enough for moto's transactions.
    let small_total = env("BENCH_SMALL_ACCOUNTS", 2_000);
    let small_stale = env("BENCH_SMALL_STALE", 200);
    let small = TestStack::new().await;
    load(&small, &population(small.now(), small_total, small_stale)).await;
    let (report, wall, usage) = sweep(&small, &meter, json!({"now": small.now().to_string()})).await;
    assert_eq!(report["blocked"].as_u64(), Some(small_stale as u64), "{report}");
    println!("\nreal run on {small_total} accounts, {small_stale} stale: {report}");
    println!("| approach | blocked | wall time | items read | read / candidates | requests | by operation |");
    println!("|---|---|---|---|---|---|---|");
    row("sweep (real run)", small_stale as u64, wall, &usage, small_stale);
    let per_block = |op: &str| usage.of(op) as f64 / small_stale as f64;
    println!(
        "\nper block: {:.2} TransactWriteItems, {:.2} SQS SendMessage, {:.2} other writes",
        per_block("DynamoDB.TransactWriteItems"),
        per_block("SQS.SendMessage"),
        (usage.total_requests() - usage.of("DynamoDB.Query") - usage.of("DynamoDB.TransactWriteItems") - usage.of("SQS.SendMessage"))
            as f64
            / small_stale as f64,
    );
}
