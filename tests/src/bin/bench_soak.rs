//! `bench-soak` (`make soak`, with `make dev` running): a mixed workload against the local
//! stack over HTTP — public vacancy search 70 %, sign-in 10 %, vacancy publish 10 %, ticket
//! filing 10 % — at `SOAK_LEVELS` concurrency levels (default 1,2,4,8), `SOAK_SECONDS` each
//! (default 30). Reports p50/p99 and status codes per operation and level, then checks that
//! nothing was lost: every 201 has its item in the table, every published vacancy's document
//! reached the AIS exchange folder (the outbox → integration queue → labor-market-sync path),
//! no outbox entry is left behind, and the dead-letter queues are empty. Exits non-zero if a
//! 5xx was answered or something was lost.
//!
//! Latencies here measure moto and `cargo lambda watch` (debug builds, one process per
//! function) on this machine, not AWS. `cargo lambda watch` restarts the functions when a file
//! of the tree changes: do not edit the tree while it runs.

use enbek_core::domain::Role;
use enbek_core::outbox::OutboxStore;
use enbek_core::ports::{AccountStore, TicketStore, VacancyStore};
use integration::{bodies, http_request, local::Names, percentile};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Soak-Tulpar-2026";
const OPS: [&str; 4] = ["search", "sign-in", "publish", "ticket"];

#[derive(Default)]
struct Tally {
    /// Per operation: latencies (ms) and statuses.
    latencies: BTreeMap<&'static str, Vec<f64>>,
    statuses: BTreeMap<&'static str, BTreeMap<u16, u64>>,
    vacancies: Vec<String>,
    tickets: Vec<String>,
    transport_errors: Vec<String>,
}

struct Fixture {
    base: String,
    citizens: Vec<(String, String)>,
    employers: Vec<String>,
    valid_until: String,
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

async fn call(base: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(t) = token {
        headers.push(("Authorization".to_owned(), integration::bearer(t)));
    }
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    // A request that hangs (a function restarted under it) is an error, not a stalled soak.
    let (status, raw) = tokio::time::timeout(Duration::from_secs(60), http_request(method, &format!("{base}{path}"), &headers, &body))
        .await
        .map_err(|_| format!("{method} {path}: no answer within 60 s"))??;
    Ok((status, serde_json::from_slice(&raw).unwrap_or(Value::Null)))
}

/// One operation, chosen by `roll` (0..100): search 70, sign-in 10, publish 10, ticket 10.
async fn operation(f: &Fixture, roll: u64, n: u64, tally: &Mutex<Tally>) {
    let pick = |len: usize| (n as usize).wrapping_mul(7919) % len.max(1);
    let (op, started) = (
        match roll {
            0..70 => 0,
            70..80 => 1,
            80..90 => 2,
            _ => 3,
        },
        Instant::now(),
    );
    let result = match op {
        0 => {
            // `q=бухгалтер`, percent-encoded as a browser sends it.
            let query = [
                "limit=20",
                "region_code=75&limit=20",
                "q=%D0%B1%D1%83%D1%85%D0%B3%D0%B0%D0%BB%D1%82%D0%B5%D1%80&limit=20",
                "occupation_code=2411&limit=20",
            ][n as usize % 4];
            call(&f.base, "GET", &format!("/v1/vacancies?{query}"), None, None).await
        }
        1 => {
            let (login, _) = &f.citizens[pick(f.citizens.len())];
            call(&f.base, "POST", "/v1/sessions", None, Some(&json!({"login": login, "password": PASSWORD}))).await
        }
        2 => {
            let mut body = bodies::vacancy(&format!("Бухгалтер {n}"), "751110000", "2411");
            body["valid_until"] = json!(f.valid_until);
            call(&f.base, "POST", "/v1/vacancies", Some(&f.employers[pick(f.employers.len())]), Some(&body)).await
        }
        _ => {
            // Each citizen files at most 20 tickets an hour: spread them.
            let (_, token) = &f.citizens[n as usize % f.citizens.len()];
            call(&f.base, "POST", "/v1/tickets", Some(token), Some(&bodies::ticket())).await
        }
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
    match result {
        Ok((status, body)) => {
            t.latencies.entry(OPS[op]).or_default().push(ms);
            *t.statuses.entry(OPS[op]).or_default().entry(status).or_default() += 1;
            if status == 201 {
                let id = body["id"].as_str().unwrap_or_default().to_owned();
                match op {
                    2 => t.vacancies.push(id),
                    3 => t.tickets.push(id),
                    _ => {}
                }
            }
        }
        Err(e) => t.transport_errors.push(format!("{}: {e}", OPS[op])),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    integration::exit_code("bench-soak", soak().await)
}

async fn soak() -> Result<(), String> {
    let base = format!("http://127.0.0.1:{}", env("WATCH_PORT", "9000"));
    let levels: Vec<usize> = env("SOAK_LEVELS", "1,2,4,8").split(',').filter_map(|l| l.trim().parse().ok()).collect();
    let seconds: u64 = env("SOAK_SECONDS", "30").parse().map_err(|_| "SOAK_SECONDS is not a number")?;
    // `make dev`'s moto and credentials, unless told otherwise.
    let endpoint = env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{}", env("MOTO_PORT", "4566")));
    for (k, v) in [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_REGION", "us-east-1"),
    ] {
        if std::env::var_os(k).is_none() {
            std::env::set_var(k, v);
        }
    }
    match call(&base, "GET", "/v1/accounts/me", None, None).await {
        Ok((401, _)) => {}
        other => return Err(format!("the local stack does not answer at {base} ({other:?}): start `make dev` first")),
    }
    let names = Names::new(&env("STAGE", "local"));
    let sdk = integration::sdk().await;
    let table = enbek_aws::dynamo::Table::new(sdk.dynamodb(), names.table.clone());
    let accounts = enbek_aws::dynamo::DynamoAccounts::new(table.clone());

    // Accounts made in the table (registration allows 10 an hour per address, and every
    // request here comes from one), then signed in over HTTP.
    let hash = enbek_core::password::Argon2Hasher::hash_blocking(PASSWORD).map_err(|e| e.to_string())?;
    let now = jiff::Timestamp::now();
    let (n_citizens, n_employers) = (env("SOAK_CITIZENS", "40").parse().unwrap_or(40), 4);
    let mut logins = Vec::new();
    for i in 0..n_citizens + n_employers {
        let role = if i < n_citizens { Role::Citizen } else { Role::Employer };
        let account = enbek_testkit::fixtures::account(role, &hash, now);
        accounts
            .create(&account, &[], &enbek_testkit::fixtures::audit(now, "bench-soak", "account.created"))
            .await
            .map_err(|e| format!("create an account: {}", enbek_core::telemetry::chain(&e)))?;
        logins.push((role, account.login.as_str().to_owned()));
    }
    let mut citizens = Vec::new();
    let mut employers = Vec::new();
    for (role, login) in logins {
        let (status, body) = call(&base, "POST", "/v1/sessions", None, Some(&json!({"login": login, "password": PASSWORD}))).await?;
        if status != 200 {
            return Err(format!("sign-in of {login}: {status} {body}"));
        }
        let token = body["access_token"].as_str().unwrap_or_default().to_owned();
        match role {
            Role::Citizen => citizens.push((login, token)),
            _ => employers.push(token),
        }
    }
    eprintln!("{} citizens and {} employers signed in", citizens.len(), employers.len());
    let fixture =
        Arc::new(Fixture { base, citizens, employers, valid_until: (jiff::Zoned::now().date() + jiff::Span::new().days(60)).to_string() });

    let mut md = format!(
        "# Soak against `make dev` — {}\n\nLocal stack (`make dev`: moto + `cargo lambda watch`, debug builds), {} cores. Mix: search 70 %, sign-in 10 %, publish 10 %, ticket 10 %; {seconds} s per level. **These latencies measure moto and `cargo lambda watch` on this machine, not AWS.**\n\n| concurrency | operation | requests | p50 ms | p99 ms | statuses |\n|---|---|---|---|---|---|\n",
        jiff::Zoned::now().date(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let mut all = Tally::default();
    let mut throughput = Vec::new();
    let counter = Arc::new(AtomicU64::new(0));
    for &level in &levels {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let until = Instant::now() + Duration::from_secs(seconds);
        let workers: Vec<_> = (0..level)
            .map(|_| {
                let (f, tally, counter) = (fixture.clone(), tally.clone(), counter.clone());
                tokio::spawn(async move {
                    while Instant::now() < until {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        // A fixed, even spread over the mix (n · 37 mod 100 visits every roll).
                        operation(&f, (n * 37) % 100, n, &tally).await;
                    }
                })
            })
            .collect();
        for w in workers {
            w.await.map_err(|e| e.to_string())?;
        }
        let mut t = std::mem::take(&mut *tally.lock().unwrap_or_else(|e| e.into_inner()));
        let total: usize = t.latencies.values().map(Vec::len).sum();
        for op in OPS {
            let mut l = t.latencies.remove(op).unwrap_or_default();
            l.sort_by(f64::total_cmp);
            let statuses =
                t.statuses.get(op).map(|s| s.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(", ")).unwrap_or_default();
            md.push_str(&format!(
                "| {level} | {op} | {} | {:.0} | {:.0} | {statuses} |\n",
                l.len(),
                percentile(&l, 0.5),
                percentile(&l, 0.99)
            ));
            for (s, c) in t.statuses.get(op).into_iter().flatten() {
                *all.statuses.entry(op).or_default().entry(*s).or_default() += c;
            }
        }
        eprintln!("level {level}: {total} requests in {seconds} s ({:.1}/s)", total as f64 / seconds as f64);
        throughput.push(format!("{level}: {:.1}/s", total as f64 / seconds as f64));
        all.vacancies.append(&mut t.vacancies);
        all.tickets.append(&mut t.tickets);
        all.transport_errors.append(&mut t.transport_errors);
    }

    // Nothing lost.
    let vacancies = enbek_aws::dynamo::DynamoVacancies::new(table.clone());
    let tickets = enbek_aws::dynamo::DynamoTickets::new(table.clone());
    let mut missing = Vec::new();
    for id in &all.vacancies {
        if vacancies.get(id).await.map_err(|e| e.to_string())?.is_none() {
            missing.push(format!("vacancy {id}"));
        }
    }
    for id in &all.tickets {
        if tickets.get(id).await.map_err(|e| e.to_string())?.is_none() {
            missing.push(format!("ticket {id}"));
        }
    }
    // Each published vacancy's document in the AIS exchange folder (the dev runner feeds
    // labor-market-sync; the relay sends what the functions could not), within two minutes.
    let s3 = integration::local::s3_client(&sdk);
    let wanted: HashSet<&str> = all.vacancies.iter().map(String::as_str).collect();
    let mut delivered: HashSet<String> = HashSet::new();
    let mut read_keys: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !wanted.iter().all(|id| delivered.contains(*id)) && Instant::now() < deadline {
        for (_, doc) in integration::local::exchange_documents(&s3, &names.bucket, "/vacancy.published/", &mut read_keys).await? {
            if let Some(id) = doc["data"]["vacancy"]["id"].as_str() {
                delivered.insert(id.to_owned());
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let undelivered: Vec<&&str> = wanted.iter().filter(|id| !delivered.contains(**id)).collect();
    let outbox = enbek_aws::dynamo::DynamoOutbox::new(table.clone());
    let outbox_left = OutboxStore::pending(&outbox, jiff::Timestamp::now(), 100).await.map_err(|e| e.to_string())?.len()
        + OutboxStore::failed(&outbox, 100).await.map_err(|e| e.to_string())?.len();
    let sqs = sdk.sqs();
    let mut dead = 0u64;
    for (_, _, dlq, _) in &names.queues {
        let url = sqs.get_queue_url().queue_name(dlq).send().await.map_err(|e| format!("{dlq}: {e}"))?.queue_url.unwrap_or_default();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        dead += attrs
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    let server_errors: u64 = all.statuses.values().flat_map(|s| s.iter()).filter(|(s, _)| **s >= 500).map(|(_, c)| c).sum();
    md.push_str(&format!("\nThroughput by concurrency (all operations): {}.\n", throughput.join(", ")));
    md.push_str(&format!(
        "\nNothing lost: {} vacancies and {} tickets answered 201; {} of them missing from the table; {} of {} vacancy documents delivered to the AIS exchange folder; {outbox_left} outbox entries left; {dead} messages in the dead-letter queues; {server_errors} answers 5xx; {} transport errors.\n",
        all.vacancies.len(),
        all.tickets.len(),
        missing.len(),
        wanted.len() - undelivered.len(),
        wanted.len(),
        all.transport_errors.len(),
    ));
    println!("{md}");
    if server_errors > 0
        || !missing.is_empty()
        || !undelivered.is_empty()
        || outbox_left > 0
        || dead > 0
        || !all.transport_errors.is_empty()
    {
        return Err(format!(
            "lost or failed: {server_errors} 5xx, missing {missing:?}, undelivered {undelivered:?}, {outbox_left} outbox entries left, {dead} dead letters, transport errors {:?}",
            all.transport_errors.iter().take(5).collect::<Vec<_>>()
        ));
    }
    Ok(())
}
