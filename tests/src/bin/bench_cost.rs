//! `bench-cost` (`make bench`): what a request costs in AWS, per route and per consumer
//! message, and a stated month of the portal's traffic, at us-east-1 list prices.
//!
//! Each route runs `COST_SAMPLES` times (default 20) through its function's own composition
//! root, in-process against moto, with every AWS client metered ([`integration::metering`]):
//! requests by service and operation, DynamoDB items and capacity units. What a route puts on
//! a queue is then consumed by the consumer functions (in-process, through the same bridge
//! `make dev` uses, one message per batch: the SQS receive and delete that Lambda's poller
//! makes are counted with it), and is the route's *follow-on*.
//!
//! **Duration.** Lambda bills each invocation's duration, rounded up to the millisecond, times
//! its memory. The memory is Terraform's (`infra/functions.tf`). The duration is measured here
//! as wall time and CPU time of the process (`getrusage`): the CPU part is scaled to the share
//! of a vCPU Lambda gives that memory (one full vCPU at 1 769 MB), the rest (waiting on moto)
//! is kept as measured. Waiting on moto on loopback is not waiting on DynamoDB from Lambda
//! (single-digit milliseconds a call): the figures are an estimate, stated as such.
//!
//! Writes `bench/results/` through `make bench`'s report (stdout). Exits non-zero only if a
//! run failed.

use http::{Method, StatusCode};
use integration::bridge::{poll_once, Source};
use integration::metering::{Meter, Usage};
use integration::{bearer, bodies, InProcess, TestStack};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

/// us-east-1 list prices (USD), from AWS's pricing pages as of this date; free tiers and
/// savings plans left out. Recheck them before a budget is built on these figures.
const PRICES_AS_OF: &str = "2025-01 (aws.amazon.com/{lambda,api-gateway,dynamodb,sqs,s3,ses}/pricing, us-east-1)";
/// Lambda, Arm (Graviton2; the architecture Terraform deploys), per GB-second of duration.
const LAMBDA_GB_SECOND_ARM: f64 = 0.000_013_333_4;
/// Lambda, per request.
const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
/// API Gateway HTTP API, per request (first 300 million a month; 512 KB increments).
const HTTP_API_REQUEST: f64 = 1.00 / 1e6;
/// DynamoDB on-demand, per write request unit and per read request unit (standard table class).
const DYNAMODB_WRU: f64 = 0.625 / 1e6;
const DYNAMODB_RRU: f64 = 0.125 / 1e6;
/// SQS, per request (64 KiB chunk), standard queues; FIFO queues are $0.50 a million.
const SQS_REQUEST: f64 = 0.40 / 1e6;
/// S3 Standard, PUT/COPY/POST/LIST and GET/HEAD requests.
const S3_PUT: f64 = 0.005 / 1000.0;
const S3_GET: f64 = 0.0004 / 1000.0;
/// SES, per outbound message.
const SES_MESSAGE: f64 = 0.10 / 1000.0;
/// Lambda's CPU share: one vCPU at this memory (MB), proportionally less below it.
const FULL_VCPU_MB: f64 = 1769.0;

/// The month the total is stated for.
const MONTH_SEARCHES: f64 = 1_000_000.0;
const MONTH_REGISTRATIONS: f64 = 50_000.0;
const MONTH_TICKETS: f64 = 10_000.0;
const MONTH_ACCESS_REQUESTS: f64 = 500.0;
const MONTH_NIGHTS: f64 = 30.0;
const STAFF: usize = 20_000;
/// The relay runs every minute (infra/schedules.tf).
const MONTH_RELAY_RUNS: f64 = 30.0 * 24.0 * 60.0;

fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// The memory (MB) Terraform gives each function: `infra/functions.tf`'s `defaults` and the
/// functions that set their own.
fn terraform_memory(root: &std::path::Path) -> Result<BTreeMap<String, f64>, String> {
    let tf = std::fs::read_to_string(root.join("infra/functions.tf")).map_err(|e| format!("infra/functions.tf: {e}"))?;
    let number_after = |line: &str, key: &str| -> Option<f64> {
        let rest = &line[line.find(key)? + key.len()..];
        let rest = rest.trim_start().strip_prefix('=')?.trim_start();
        rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    let default = tf
        .lines()
        .find(|l| l.trim_start().starts_with("defaults"))
        .and_then(|l| number_after(l, "memory"))
        .ok_or("no default memory in infra/functions.tf")?;
    let mut memory = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in tf.lines() {
        let t = line.trim();
        // A function's block: `"name" = {` at four spaces.
        if line.starts_with("    \"") && t.ends_with("= {") {
            current = t.split('"').nth(1).map(str::to_owned);
            if let Some(name) = &current {
                memory.insert(name.clone(), default);
            }
        } else if let (Some(name), Some(mb)) = (&current, t.starts_with("memory").then(|| number_after(t, "memory")).flatten()) {
            memory.insert(name.clone(), mb);
        }
    }
    if memory.len() < 10 {
        return Err(format!("read the memory of only {} functions from infra/functions.tf", memory.len()));
    }
    Ok(memory)
}

/// Invocations of one kind and what they used.
#[derive(Default, Clone)]
struct Measured {
    n: u64,
    usage: Usage,
    /// Estimated billed milliseconds, summed.
    billed_ms: f64,
    /// Messages consumed per consumer, summed (the follow-on).
    follow_on: BTreeMap<String, u64>,
    /// S3 PUTs a browser makes (uploads to presigned URLs), summed.
    client_puts: u64,
}

impl Measured {
    /// `n` invocations more, with what they used together.
    fn record(&mut self, n: u64, usage: &Usage, billed_ms: f64) {
        self.n += n;
        self.usage += usage;
        self.billed_ms += billed_ms;
    }

    fn mean_billed_ms(&self) -> f64 {
        self.billed_ms / self.n.max(1) as f64
    }
}

struct Bench {
    meter: Meter,
    memory: BTreeMap<String, f64>,
    consumers: InProcess,
    sources: Vec<Source>,
    /// Per consumer, every message consumed.
    consumed: BTreeMap<String, Measured>,
}

impl Bench {
    /// Runs `call` as `function`: its result, what it asked of AWS and its billed milliseconds.
    async fn metered<T, F: std::future::Future<Output = T>>(&self, function: &str, call: F) -> (T, Usage, f64) {
        self.meter.take();
        let (cpu0, t0) = (cpu_time(), Instant::now());
        let out = call.await;
        let (wall, cpu) = (t0.elapsed(), cpu_time().saturating_sub(cpu0));
        (out, self.meter.take(), self.billed(function, wall, cpu))
    }

    /// Runs `call` once for `function`, metered and timed, then consumes what it queued.
    async fn once<T, F: std::future::Future<Output = T>>(&mut self, stack: &TestStack, m: &mut Measured, function: &str, call: F) -> T {
        let (out, usage, billed) = self.metered(function, call).await;
        m.record(1, &usage, billed);
        for (consumer, count) in self.consume(stack).await {
            *m.follow_on.entry(consumer).or_default() += count;
        }
        out
    }

    /// One request to the function API Gateway routes `path` to, metered as [`Bench::once`]; an
    /// answer that is not a success fails the bench.
    async fn request(
        &mut self,
        stack: &TestStack,
        m: &mut Measured,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        token: Option<&str>,
    ) -> Result<integration::TestResponse, String> {
        let route = path.split('?').next().unwrap_or(path);
        let function = integration::function_of(route).ok_or_else(|| format!("no route for {route}"))?;
        let auth = token.map(bearer);
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let res = self.once(stack, m, &function, stack.call(method.clone(), path, body, &headers)).await;
        if !res.status.is_success() {
            return Err(format!("{method} {path}: {} {}", res.status, res.body));
        }
        Ok(res)
    }

    /// Lambda's billed milliseconds for `wall` and `cpu` measured here, at the function's memory.
    fn billed(&self, function: &str, wall: Duration, cpu: Duration) -> f64 {
        let share = (memory_of(&self.memory, function) / FULL_VCPU_MB).min(1.0);
        let waiting = wall.saturating_sub(cpu).as_secs_f64() * 1000.0;
        (waiting + cpu.as_secs_f64() * 1000.0 / share).ceil().max(1.0)
    }

    /// Consumes every queued message, one per batch; the count per consumer.
    async fn consume(&mut self, stack: &TestStack) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for source in self.sources.clone() {
            loop {
                let (polled, usage, billed) = self.metered(&source.function, poll_once(&stack.sqs, &source, &self.consumers, 0)).await;
                let polled = polled.unwrap_or_default();
                if polled.received == 0 {
                    break;
                }
                self.consumed.entry(source.function.clone()).or_default().record(polled.received as u64, &usage, billed);
                *counts.entry(source.function.clone()).or_default() += polled.received as u64;
            }
        }
        counts
    }
}

/// A function's memory setting (MB) as Terraform gives it; 128 MB (Lambda's default) for
/// one it does not name.
fn memory_of(memory: &BTreeMap<String, f64>, function: &str) -> f64 {
    memory.get(function).copied().unwrap_or(128.0)
}

/// Dollars per invocation, by line.
#[derive(Default, Clone, Copy)]
struct Cost {
    lambda: f64,
    api: f64,
    dynamodb: f64,
    sqs: f64,
    s3: f64,
    ses: f64,
}

impl Cost {
    fn total(&self) -> f64 {
        self.lambda + self.api + self.dynamodb + self.sqs + self.s3 + self.ses
    }

    fn plus(self, o: Cost, times: f64) -> Cost {
        Cost {
            lambda: self.lambda + o.lambda * times,
            api: self.api + o.api * times,
            dynamodb: self.dynamodb + o.dynamodb * times,
            sqs: self.sqs + o.sqs * times,
            s3: self.s3 + o.s3 * times,
            ses: self.ses + o.ses * times,
        }
    }
}

/// The mean cost of one of `m`'s invocations (without its follow-on).
fn cost(m: &Measured, memory_mb: f64, http: bool) -> Cost {
    let n = m.n.max(1) as f64;
    let ops = |f: &dyn Fn(&str) -> bool| m.usage.requests.iter().filter(|(op, _)| f(op)).map(|(_, c)| *c as f64).sum::<f64>() / n;
    let s3_put = ops(&|op| matches!(op, "S3.PutObject" | "S3.CopyObject" | "S3.ListObjectsV2")) + m.client_puts as f64 / n;
    let s3_get = ops(&|op| matches!(op, "S3.GetObject" | "S3.HeadObject"));
    Cost {
        lambda: m.mean_billed_ms() / 1000.0 * memory_mb / 1024.0 * LAMBDA_GB_SECOND_ARM + LAMBDA_REQUEST,
        api: if http { HTTP_API_REQUEST } else { 0.0 },
        dynamodb: (m.usage.read_units * DYNAMODB_RRU + m.usage.write_units * DYNAMODB_WRU) / n,
        sqs: ops(&|op| op.starts_with("SQS.")) * SQS_REQUEST,
        s3: s3_put * S3_PUT + s3_get * S3_GET,
        ses: ops(&|op| op == "SESv2.SendEmail") * SES_MESSAGE,
    }
}

struct Row {
    name: String,
    function: String,
    http: bool,
    m: Measured,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    integration::exit_code("bench-cost", bench().await)
}

async fn bench() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let samples: u32 = std::env::var("COST_SAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let memory = terraform_memory(&root)?;
    let meter = Meter::default();
    let stack = TestStack::metered(meter.clone()).await;
    let consumers = InProcess { notify: Some(stack.notify_function()), sync: Some(stack.sync_to_bucket()) };
    let sources =
        vec![stack.source("notify", &stack.notifications_url, 1).await, stack.source("labor-market-sync", &stack.integration_url, 1).await];
    let mut b = Bench { meter, memory, consumers, sources, consumed: BTreeMap::new() };
    let mut rows: Vec<Row> = Vec::new();
    let valid_until = (jiff::Zoned::now().date() + jiff::Span::new().days(60)).to_string();

    // Registration (citizens, each from an address of its own: 10 a hour per address).
    let password = "Tulpar-Dala-2026";
    let mut m = Measured::default();
    let mut logins = Vec::new();
    for i in 0..samples {
        let login = integration::unique_email("cost");
        let body = stack.citizen_body(&login, password);
        let ip = format!("198.51.100.{}", 1 + i % 250);
        let res = b.once(&stack, &mut m, "register-account", stack.call_from(&ip, Method::POST, "/v1/accounts", Some(body), &[])).await;
        if res.status != StatusCode::CREATED {
            return Err(format!("registration: {} {}", res.status, res.body));
        }
        logins.push(login);
    }
    rows.push(Row { name: "POST /v1/accounts (registration)".into(), function: "register-account".into(), http: true, m });

    // Sign-in (Argon2id verification).
    let mut m = Measured::default();
    let mut tokens = Vec::new();
    for login in &logins {
        let res =
            b.request(&stack, &mut m, Method::POST, "/v1/sessions", Some(json!({"login": login, "password": password})), None).await?;
        tokens.push(res.body["access_token"].as_str().unwrap_or_default().to_owned());
    }
    rows.push(Row { name: "POST /v1/sessions (sign-in)".into(), function: "sign-in".into(), http: true, m });

    let mut m = Measured::default();
    for token in &tokens {
        b.request(&stack, &mut m, Method::GET, "/v1/accounts/me", None, Some(token)).await?;
    }
    rows.push(Row { name: "GET /v1/accounts/me".into(), function: "register-account".into(), http: true, m });

    // Vacancies: publish (an integration document follows each), then search them.
    let (_, employer) = stack.employer_token(42, "ТОО «Бенчмарк»").await;
    let titles = ["Бухгалтер", "Главный бухгалтер", "Жұмысшы", "Инженер связи", "Мұғалім"];
    let mut m = Measured::default();
    let mut vacancy_ids = Vec::new();
    for i in 0..samples.max(25) {
        let mut body = bodies::vacancy(&format!("{} {i}", titles[i as usize % titles.len()]), "751110000", "2411");
        body["valid_until"] = json!(valid_until);
        let res = b.request(&stack, &mut m, Method::POST, "/v1/vacancies", Some(body), Some(&employer)).await?;
        vacancy_ids.push(res.body["id"].as_str().unwrap_or_default().to_owned());
    }
    rows.push(Row { name: "POST /v1/vacancies (publish)".into(), function: "post-vacancy".into(), http: true, m });

    for (name, query) in
        [("GET /v1/vacancies?limit=20 (search)", "limit=20"), ("GET /v1/vacancies?q=бухгалтер&limit=20", "q=бухгалтер&limit=20")]
    {
        let mut m = Measured::default();
        for _ in 0..samples {
            b.request(&stack, &mut m, Method::GET, &format!("/v1/vacancies?{query}"), None, None).await?;
        }
        rows.push(Row { name: name.into(), function: "post-vacancy".into(), http: true, m });
    }
    let mut m = Measured::default();
    for id in vacancy_ids.iter().take(samples as usize) {
        b.request(&stack, &mut m, Method::GET, &format!("/v1/vacancies/{id}"), None, None).await?;
    }
    rows.push(Row { name: "GET /v1/vacancies/{id}".into(), function: "post-vacancy".into(), http: true, m });

    // Tickets, filed by signed-in citizens (20 a hour per account).
    let mut m = Measured::default();
    for token in &tokens {
        b.request(&stack, &mut m, Method::POST, "/v1/tickets", Some(bodies::ticket()), Some(token)).await?;
    }
    rows.push(Row { name: "POST /v1/tickets (filing)".into(), function: "file-ticket".into(), http: true, m });

    // Access requests: the basis document (declared, then uploaded by the browser), the
    // request, and the security administrator's grant (a mail with the login follows).
    let (_, admin) = stack.admin_token().await;
    let (mut declare, mut submit, mut decide) = (Measured::default(), Measured::default(), Measured::default());
    for i in 0..samples {
        let declaration = bodies::attachment("приказ.pdf", "application/pdf", integration::SMALL_PDF.len());
        let declared =
            b.request(&stack, &mut declare, Method::POST, "/v1/access-requests/attachments", Some(declaration), Some(&admin)).await?;
        declare.client_puts += 1;
        let document = integration::upload_declared(&declared, "application/pdf", integration::SMALL_PDF).await;
        let iin = integration::iin("850704", 3, 100 + i);
        let email = integration::unique_email("cost.staff").replace("@mail.kz", "@enbek.gov.kz");
        let body = bodies::access_request("grant", &iin, &email, &document);
        let res = b.request(&stack, &mut submit, Method::POST, "/v1/access-requests", Some(body), Some(&admin)).await?;
        let id = res.body["id"].as_str().unwrap_or_default().to_owned();
        let path = format!("/v1/access-requests/{id}/decision");
        b.request(&stack, &mut decide, Method::POST, &path, Some(json!({"decision": "approve"})), Some(&admin)).await?;
    }
    rows.push(Row {
        name: "POST /v1/access-requests/attachments (+ the browser's upload)".into(),
        function: "request-access".into(),
        http: true,
        m: declare,
    });
    rows.push(Row { name: "POST /v1/access-requests".into(), function: "request-access".into(), http: true, m: submit });
    rows.push(Row {
        name: "POST /v1/access-requests/{id}/decision (grant)".into(),
        function: "request-access".into(),
        http: true,
        m: decide,
    });

    // The relay's run every minute, with nothing left to send (the usual case).
    let mut m = Measured::default();
    for _ in 0..samples {
        let now = stack.now();
        b.once(&stack, &mut m, "outbox-relay", stack.relay(now)).await.map_err(|e| format!("relay: {e}"))?;
    }
    rows.push(Row { name: "outbox-relay, one scheduled run (nothing to send)".into(), function: "outbox-relay".into(), http: false, m });

    // The nightly sweep over STAFF staff accounts: a night's candidates are those inside the
    // warning window (25–30 days unused) or past it; assumed 1 % of the staff, half of each.
    // The sweep reads only the candidates (its index range below the cutoff; `bench-sweep`
    // shows 1.00 × the candidates at 100 000 accounts), so the active staff are represented by
    // a few hundred: moto copies the whole table in every transaction, DynamoDB does not.
    let candidates = std::env::var("COST_SWEEP_CANDIDATES").ok().and_then(|v| v.parse().ok()).unwrap_or(STAFF / 100);
    let loaded = candidates + 800;
    let now = stack.now();
    let day = SignedDuration::from_hours(24);
    let staff = [enbek_core::domain::Role::CenterStaff, enbek_core::domain::Role::Support, enbek_core::domain::Role::Official];
    let accounts: Vec<_> = (0..loaded)
        .map(|i| {
            let unused_days = if i < candidates / 2 {
                31 + (i % 30) as i32
            } else if i < candidates {
                26 + (i % 4) as i32
            } else {
                (i % 20) as i32
            };
            let last: Timestamp = now - day * unused_days;
            let mut a = enbek_testkit::fixtures::account(staff[i % staff.len()], "$argon2id$bench", last - day * 30);
            a.last_login_at = Some(last);
            a
        })
        .collect();
    enbek_aws::dynamo::accounts::bulk_load_accounts(&stack.table, &accounts).await.map_err(|e| format!("load staff: {e}"))?;
    let sweep = inactivity_sweep::sweep_app(stack.sweep_config(), &stack.sdk, stack.clock.clone());
    let mut night = Measured::default();
    let report = b
        .once(&stack, &mut night, "inactivity-sweep", sweep.handle(json!({}), SystemTime::now() + Duration::from_secs(900)))
        .await
        .map_err(|e| format!("sweep: {e}"))?;
    if report["blocked"].as_u64().unwrap_or(0) == 0 {
        return Err(format!("sweep: {report}"));
    }
    rows.push(Row {
        name: format!("inactivity-sweep, one night over {STAFF} staff ({candidates} candidates, the only accounts it reads)"),
        function: "inactivity-sweep".into(),
        http: false,
        m: night,
    });
    println!("sweep: {report}");

    // The consumers, per message.
    let Bench { consumed, memory, .. } = b;
    for (function, m) in &consumed {
        rows.push(Row { name: format!("{function}, one message"), function: function.clone(), http: false, m: m.clone() });
    }
    let per_message: BTreeMap<String, Cost> = consumed.iter().map(|(f, m)| (f.clone(), cost(m, memory_of(&memory, f), false))).collect();
    let with_follow_on = |row: &Row| -> Cost {
        let own = cost(&row.m, memory_of(&memory, &row.function), row.http);
        row.m
            .follow_on
            .iter()
            .fold(own, |c, (f, n)| c.plus(per_message.get(f).copied().unwrap_or_default(), *n as f64 / row.m.n.max(1) as f64))
    };

    // The report.
    let usd = |v: f64| {
        if v >= 100.0 {
            format!("{v:.0}")
        } else if v >= 1.0 {
            format!("{v:.2}")
        } else {
            format!("{v:.3}")
        }
    };
    let mut md = format!(
        "Prices: {PRICES_AS_OF}. Lambda Arm ${LAMBDA_GB_SECOND_ARM}/GB-s + $0.20/M requests; HTTP API $1.00/M; DynamoDB on-demand $0.625/M WRU, $0.125/M RRU; SQS $0.40/M; S3 $0.005/1000 PUT, $0.0004/1000 GET; SES $0.10/1000. Memory from `infra/functions.tf`. {samples} samples per route, in-process against moto. Billed ms = time waiting on moto + CPU time ÷ the vCPU share of the memory (memory ÷ 1 769 MB), rounded up: an estimate, not a measurement in AWS.\n\n\
         ### Per route and per consumer message (mean of the samples)\n\n\
         | route / message | function | MB | billed ms | AWS requests (per invocation) | DynamoDB items read / written | RRU / WRU | follow-on messages | $ per million (own) | $ per million (with follow-on) |\n|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for row in &rows {
        let n = row.m.n.max(1);
        let per = row.m.usage.per(n);
        let follow: Vec<String> = row.m.follow_on.iter().map(|(f, c)| format!("{f} {:.2}", *c as f64 / n as f64)).collect();
        let mb = memory_of(&memory, &row.function);
        md.push_str(&format!(
            "| {} | {} | {mb:.0} | {:.1} | {} | {:.1} / {:.1} | {:.2} / {:.2} | {} | {} | {} |\n",
            row.name,
            row.function,
            row.m.mean_billed_ms(),
            per.summary(),
            row.m.usage.items_read as f64 / n as f64,
            row.m.usage.items_written as f64 / n as f64,
            row.m.usage.read_units / n as f64,
            row.m.usage.write_units / n as f64,
            if follow.is_empty() { "—".into() } else { follow.join(", ") },
            usd(cost(&row.m, mb, row.http).total() * 1e6),
            usd(with_follow_on(row).total() * 1e6),
        ));
    }

    md.push_str(
        "\nRead with care: *billed ms* waits on moto, which walks a whole table for every index query and copies it for every transaction (the sweep's 200 transactions are most of its time here; DynamoDB answers each in milliseconds); the CPU part is this machine's. A consumer message counts the `ReceiveMessage` and `DeleteMessageBatch` that Lambda's poller makes for it (one message a batch: the most requests a message can cost). labor-market-sync delivers into the bucket here (one S3 PUT); in AWS it posts to AIS over HTTPS, which AWS does not bill per request. *Own* is the route alone; *with follow-on* adds what its queued messages cost the consumers.\n",
    );

    // The month.
    let find = |prefix: &str| rows.iter().find(|r| r.name.starts_with(prefix));
    let mut lines: Vec<(String, f64, Cost)> = Vec::new();
    let mut line = |label: &str, times: f64, parts: &[&str]| {
        let c = parts.iter().filter_map(|p| find(p)).fold(Cost::default(), |c, r| c.plus(with_follow_on(r), 1.0));
        lines.push((label.to_owned(), times, c));
    };
    line("vacancy searches (first page)", MONTH_SEARCHES, &["GET /v1/vacancies?limit=20"]);
    line("registrations", MONTH_REGISTRATIONS, &["POST /v1/accounts"]);
    line("tickets filed", MONTH_TICKETS, &["POST /v1/tickets"]);
    line(
        "access requests (document, request, grant, mail)",
        MONTH_ACCESS_REQUESTS,
        &["POST /v1/access-requests/attachments", "POST /v1/access-requests", "POST /v1/access-requests/{id}/decision"],
    );
    line(&format!("nightly sweeps over {STAFF} staff (with their mails)"), MONTH_NIGHTS, &["inactivity-sweep"]);
    line("outbox-relay runs (every minute)", MONTH_RELAY_RUNS, &["outbox-relay"]);
    md.push_str("\n### A month\n\n| traffic | count | Lambda | HTTP API | DynamoDB | SQS | S3 | SES | total $ |\n|---|---|---|---|---|---|---|---|---|\n");
    let mut total = Cost::default();
    for (label, times, c) in &lines {
        md.push_str(&format!(
            "| {label} | {times:.0} | {} | {} | {} | {} | {} | {} | **{}** |\n",
            usd(c.lambda * times),
            usd(c.api * times),
            usd(c.dynamodb * times),
            usd(c.sqs * times),
            usd(c.s3 * times),
            usd(c.ses * times),
            usd(c.total() * times)
        ));
        total = total.plus(*c, *times);
    }
    md.push_str(&format!(
        "| **total** | | {} | {} | {} | {} | {} | {} | **{}** |\n",
        usd(total.lambda),
        usd(total.api),
        usd(total.dynamodb),
        usd(total.sqs),
        usd(total.s3),
        usd(total.ses),
        usd(total.total())
    ));
    md.push_str(
        "\nNot in the total: Lambda's pollers' empty long polls on the three queues (about 5 connections per queue, one request per 20 s each: ~1.9 M SQS requests, ~$0.78 a month, modelled, not measured), CloudWatch Logs and alarms, X-Ray, Secrets Manager ($0.40 a secret a month), KMS, storage and backups, data transfer, and every free tier.\n",
    );
    println!("{md}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_memory_of_every_function_is_read_from_terraform() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
        let memory = super::terraform_memory(root).expect("infra/functions.tf");
        // Argon2 functions set their own; the rest take the defaults'.
        assert_eq!(memory.get("sign-in"), Some(&512.0));
        assert_eq!(memory.get("request-access"), Some(&512.0));
        assert_eq!(memory.get("post-vacancy"), Some(&256.0));
        assert_eq!(memory.get("notify"), Some(&256.0));
        assert_eq!(memory.len(), 11, "{memory:?}");
    }
}
