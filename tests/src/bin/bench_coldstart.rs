//! `bench-coldstart` (`make bench`): cold start, size and memory of every function, side by side
//! with a hello-world `lambda_runtime` binary and a Python handler under `awslambdaric`, in one
//! run on this machine (so a noisy machine changes all of them alike; compare the ratios).
//!
//! The harness serves the Lambda Runtime API on loopback (`/2018-06-01/runtime/invocation/next`,
//! `…/{id}/response`, `…/{id}/error`, `/2018-06-01/runtime/init/error`), starts each release
//! `bootstrap` (from `cargo lambda build --release`, `target/lambda/<fn>/bootstrap`) with the
//! environment of the local stage (moto), and measures:
//! - **init**: process start → its first `next` poll (median of `COLD_RUNS` starts, taken
//!   round-robin over the targets);
//! - **first**: process start → the first response (the first invocation, against moto);
//! - **RSS**: peak resident memory (`VmHWM`) at the first response, and after `WARM` more
//!   invocations (`VmRSS`, `VmHWM`): growth would show there;
//! - **warm p50**: the median time from handing out an event to its response.
//!
//! Results go to stdout, as Markdown (`make bench` puts them in its report). It exits non-zero
//! only if a run failed (a function that never polled, or answered an init error).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use integration::sample_event;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What the runtime API saw, in order.
#[derive(Debug)]
enum Seen {
    Next(Instant),
    /// A response, or (with its text) an error the runtime reported.
    Answer(Instant, Option<String>),
}

struct Runtime {
    events: Mutex<VecDeque<Value>>,
    tx: mpsc::UnboundedSender<Seen>,
}

async fn next(State(rt): State<Arc<Runtime>>) -> axum::response::Response {
    let _ = rt.tx.send(Seen::Next(Instant::now()));
    let event = rt.events.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
    let Some(event) = event else {
        // No more work: hold the poll until the harness stops the process.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let deadline = jiff::Timestamp::now().as_millisecond() + 30_000;
    axum::response::Response::builder()
        .header("lambda-runtime-aws-request-id", uuid::Uuid::new_v4().to_string())
        .header("lambda-runtime-deadline-ms", deadline.to_string())
        .header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        .header("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(event.to_string()))
        .unwrap_or_default()
}

async fn response(State(rt): State<Arc<Runtime>>, Path(_id): Path<String>) -> http::StatusCode {
    let _ = rt.tx.send(Seen::Answer(Instant::now(), None));
    http::StatusCode::ACCEPTED
}

async fn error(State(rt): State<Arc<Runtime>>, body: String) -> http::StatusCode {
    let _ = rt.tx.send(Seen::Answer(Instant::now(), Some(body.chars().take(300).collect())));
    http::StatusCode::ACCEPTED
}

/// One started process and what it did.
#[derive(Debug, Default, Clone)]
struct Run {
    init_ms: f64,
    first_ms: f64,
    rss_cold_kib: u64,
    rss_warm_kib: u64,
    hwm_warm_kib: u64,
    warm_p50_ms: f64,
    errors: Vec<String>,
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Starts `program` against a fresh runtime API holding `first` and `warm` copies of `event`.
async fn run_once(
    program: &[String],
    cwd: &std::path::Path,
    env: &[(String, String)],
    event: &Value,
    warm: usize,
    log: &std::path::Path,
) -> Result<Run, String> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rt = Arc::new(Runtime { events: Mutex::new(std::iter::repeat_n(event.clone(), 1 + warm).collect()), tx });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(rt);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut cmd = Command::new(&program[0]);
    cmd.args(&program[1..])
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        // What Lambda sets for every function (the runtime clients read them at start).
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/26/[$LATEST]bench")
        .env("AWS_EXECUTION_ENV", "AWS_Lambda_rust")
        .env("LAMBDA_TASK_ROOT", cwd)
        .stdin(Stdio::null());
    let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    cmd.stdout(log_file.try_clone().map_err(|e| e.to_string())?).stderr(log_file);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("start {}: {e}", program[0]))?;
    let pid = child.id();
    let mut run = Run::default();
    let mut handed_out: Option<Instant> = None;
    let mut warm_times: Vec<f64> = Vec::new();
    let mut responses = 0usize;
    let outcome = tokio::time::timeout(Duration::from_secs(600), async {
        loop {
            let seen = tokio::select! {
                seen = rx.recv() => seen,
                // A process that exits before it has answered everything has failed.
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Err(format!("{} exited ({status}); see {}", program[0], log.display()));
                    }
                    continue;
                }
            };
            let Some(seen) = seen else { break };
            match seen {
                Seen::Next(at) => {
                    if run.init_ms == 0.0 {
                        run.init_ms = (at - start).as_secs_f64() * 1000.0;
                    }
                    handed_out = Some(at);
                }
                Seen::Answer(at, error) => {
                    responses += 1;
                    if responses == 1 {
                        run.first_ms = (at - start).as_secs_f64() * 1000.0;
                        run.rss_cold_kib = proc_status_kib(pid, "VmHWM:");
                    } else if let Some(h) = handed_out {
                        warm_times.push((at - h).as_secs_f64() * 1000.0);
                    }
                    run.errors.extend(error);
                    if responses > warm {
                        return Ok(());
                    }
                }
            }
        }
        Err("the runtime API closed".to_string())
    })
    .await;
    // Let the last `next` poll arrive, then read memory and stop the process.
    tokio::time::sleep(Duration::from_millis(20)).await;
    run.rss_warm_kib = proc_status_kib(pid, "VmRSS:");
    run.hwm_warm_kib = proc_status_kib(pid, "VmHWM:");
    let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).stderr(Stdio::null()).status();
    let _ = child.wait();
    server.abort();
    match outcome {
        Err(_) => return Err(format!("{}: no answer within 600 s", program[0])),
        Ok(Err(e)) => return Err(e),
        Ok(Ok(())) => {}
    }
    if run.init_ms == 0.0 {
        return Err(format!("{}: never polled for an invocation", program[0]));
    }
    warm_times.sort_by(f64::total_cmp);
    run.warm_p50_ms = warm_times.get(warm_times.len() / 2).copied().unwrap_or(0.0);
    Ok(run)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    integration::percentile(&v, 0.5)
}

#[derive(Clone)]
struct Target {
    name: String,
    program: Vec<String>,
    cwd: std::path::PathBuf,
    zip: Option<std::path::PathBuf>,
    env: Vec<(String, String)>,
    event: Value,
}

/// The `bootstrap` of a function's `bootstrap.zip` (what AWS runs), unpacked under
/// `target/tmp/bench-coldstart/<function>/`.
fn unpack(root: &std::path::Path, function: &str) -> Result<String, String> {
    let zip = root.join("target/lambda").join(function).join("bootstrap.zip");
    if !zip.exists() {
        return Err(format!("{} is missing: run `make build-release`", zip.display()));
    }
    let dir = root.join("target/tmp/bench-coldstart").join(function);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let status = Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('bootstrap', sys.argv[2])"])
        .arg(&zip)
        .arg(&dir)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("cannot unpack {}", zip.display()));
    }
    let bootstrap = dir.join("bootstrap");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    Ok(bootstrap.display().to_string())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    integration::exit_code("bench-coldstart", bench().await)
}

async fn bench() -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let cold_runs = env_number("COLD_RUNS", 9);
    let warm = env_number("WARM", 1000);
    let endpoint = integration::endpoint();

    // The local stage's resources and the environment every function gets there.
    let sdk = integration::sdk().await;
    let names = integration::local::Names::new(&format!("bench{}", &uuid::Uuid::new_v4().simple().to_string()[..6]));
    let urls = integration::local::create_resources(&sdk, &names).await?;
    let (private, public) = enbek_http::auth::keys::generate_ed25519_pem().map_err(|_| "key pair")?;
    let aws_env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_REGION", "us-east-1"),
    ];
    let base_env = integration::local::function_env(&names, &urls, &aws_env, &private, &public);
    let accounts = enbek_aws::dynamo::DynamoAccounts::new(enbek_aws::dynamo::Table::new(sdk.dynamodb(), names.table.clone()));
    enbek_core::usecases::bootstrap::seed_local_admin(
        &accounts,
        &enbek_core::password::Argon2Hasher,
        &enbek_core::clock::SystemClock,
        integration::local::LOCAL_ADMIN_LOGIN,
        integration::local::LOCAL_ADMIN_PASSWORD,
    )
    .await
    .map_err(|e| format!("seed admin: {e}"))?;
    let admin = enbek_core::ports::AccountStore::find_by_login(
        &accounts,
        &enbek_core::domain::Login::parse(integration::local::LOCAL_ADMIN_LOGIN).map_err(|_| "login")?,
    )
    .await
    .map_err(|e| e.to_string())?
    .ok_or("seeded admin")?;
    let issuer = enbek_http::auth::TokenIssuer::from_pem(&private, enbek_http::auth::DEFAULT_ISSUER, enbek_http::auth::DEFAULT_AUDIENCE)
        .map_err(|_| "issuer")?;
    let token = issuer.issue(&admin).map_err(|e| e.to_string())?;

    let queue = |key: &str| urls.get(key).map(|q| q.url.rsplit('/').next().unwrap_or_default().to_owned()).unwrap_or_default();
    let (integration_queue, notifications_queue) = (queue("integration"), queue("notifications"));
    let (sync_event_id, notify_event_id) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
    let lambda = root.join("target/lambda");
    // Each function with an event whose first invocation reaches moto.
    let functions: Vec<(&str, Value)> = vec![
        ("register-account", sample_event("register-account.get-me.json", &[("token", &token)])),
        ("sign-in", sample_event("sign-in.post-sessions.json", &[])),
        ("post-vacancy", sample_event("post-vacancy.get-vacancies.json", &[])),
        ("file-ticket", sample_event("file-ticket.get-tickets.json", &[("token", &token)])),
        ("request-access", sample_event("request-access.get-access-requests.json", &[("token", &token)])),
        ("submit-grant-report", sample_event("submit-grant-report.get-grants.json", &[("token", &token)])),
        (
            "labor-market-sync",
            sample_event("labor-market-sync.integration.json", &[("event_id", &sync_event_id), ("integration_queue", &integration_queue)]),
        ),
        (
            "notify",
            sample_event(
                "notify.ticket-updated.json",
                &[("event_id", &notify_event_id), ("to", "author@mail.kz"), ("notifications_queue", &notifications_queue)],
            ),
        ),
        ("outbox-relay", json!({})),
        ("inactivity-sweep", json!({ "dry_run": true })),
    ];
    // The local stage's environment and what Lambda names per function (128 MB, as measured).
    let lambda_env = |function: &str| {
        let mut env = base_env.clone();
        env.extend([
            ("AWS_LAMBDA_FUNCTION_NAME".to_owned(), function.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".to_owned(), "128".to_owned()),
        ]);
        env
    };
    let mut targets = vec![Target {
        name: "hello-world (Rust baseline)".into(),
        program: vec![unpack(&root, "hello-world")?],
        cwd: root.clone(),
        zip: Some(lambda.join("hello-world/bootstrap.zip")),
        env: lambda_env("hello-world"),
        event: json!({ "hello": "world" }),
    }];
    let python = root.join("target/tools/bench-python/bin/python");
    if !python.exists() {
        return Err(format!("{} is missing: run `make bench`, which installs awslambdaric and boto3 there", python.display()));
    }
    targets.push(Target {
        name: "Python 3.11 + boto3 (awslambdaric)".into(),
        program: vec![python.display().to_string(), "-m".into(), "awslambdaric".into(), "handler.handler".into()],
        cwd: root.join("bench/python"),
        zip: None,
        env: lambda_env("python"),
        event: json!({}),
    });
    for (name, event) in functions {
        let mut env = lambda_env(name);
        env.extend(integration::local::static_env(&root, name));
        targets.push(Target {
            name: name.into(),
            program: vec![unpack(&root, name)?],
            cwd: root.clone(),
            zip: Some(lambda.join(name).join("bootstrap.zip")),
            env,
            event,
        });
    }
    // What SSL_CERT_FILE (set for every function in AWS and here) saves: the same function
    // left to find the platform's certificates itself (the bundle and every file of the
    // certificate directory).
    if let Some(relay) = targets.iter().find(|t| t.name == "outbox-relay") {
        let mut without = Target { name: "outbox-relay without SSL_CERT_FILE".into(), ..relay.clone() };
        without.env.retain(|(k, _)| k != "SSL_CERT_FILE");
        targets.push(without);
    }

    // Round-robin: every round starts each target once, so a noisy moment of the machine falls
    // on all of them alike. The first round also runs the warm invocations.
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    let mut inits = vec![Vec::new(); targets.len()];
    let mut firsts = vec![Vec::new(); targets.len()];
    let mut warm_runs: Vec<Option<Run>> = vec![None; targets.len()];
    for round in 0..cold_runs {
        for (k, t) in targets.iter().enumerate() {
            let log = root.join("target/tmp/bench-coldstart").join(format!("{}.log", t.name.replace([' ', '(', ')', '/'], "_")));
            match run_once(&t.program, &t.cwd, &t.env, &t.event, if round == 0 { warm } else { 0 }, &log).await {
                Ok(r) => {
                    inits[k].push(r.init_ms);
                    firsts[k].push(r.first_ms);
                    if round == 0 {
                        warm_runs[k] = Some(r);
                    }
                }
                Err(e) => failed.push(format!("{}: {e}", t.name)),
            }
        }
    }
    for (k, t) in targets.iter().enumerate() {
        let Some(w) = warm_runs[k].take() else { continue };
        let (init, first) = (median(std::mem::take(&mut inits[k])), median(std::mem::take(&mut firsts[k])));
        let zip = t.zip.as_ref().and_then(|z| std::fs::metadata(z).ok()).map(|m| m.len() as f64 / 1_048_576.0);
        eprintln!(
            "{:<36} init {init:>7.1} ms  first {first:>7.1} ms  rss cold {:>6} KiB  after {warm}: rss {:>6} KiB hwm {:>6} KiB  warm p50 {:>6.2} ms  errors {}",
            t.name,
            w.rss_cold_kib,
            w.rss_warm_kib,
            w.hwm_warm_kib,
            w.warm_p50_ms,
            w.errors.len()
        );
        rows.push((t.name.clone(), init, first, zip, w));
    }

    let hello = rows.iter().find(|r| r.0.starts_with("hello-world")).map(|r| r.1).unwrap_or(0.0);
    let python_init = rows.iter().find(|r| r.0.starts_with("Python")).map(|r| r.1).unwrap_or(0.0);
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut md = format!(
        "Machine: {} cores, {}. `COLD_RUNS={cold_runs}` starts per target, round-robin (median), `WARM={warm}` warm invocations after the first start. Functions run the x86_64 release `bootstrap` of `cargo lambda build --release` locally against moto, with the environment of the local stage; ratios are within this one run.\n\n| target | zip MiB | init ms | init / hello-world | init / Python | first response ms | peak RSS at first response MiB | RSS after {warm} warm MiB | peak after {warm} MiB | warm p50 ms | error answers |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default().lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("").trim(),
    );
    for (name, init, first, zip, w) in &rows {
        md.push_str(&format!(
            "| {name} | {} | {init:.1} | {:.2} | {:.2} | {first:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {} |\n",
            zip.map(|z| format!("{z:.2}")).unwrap_or_else(|| "—".into()),
            if hello > 0.0 { init / hello } else { 0.0 },
            if python_init > 0.0 { init / python_init } else { 0.0 },
            mib(w.rss_cold_kib),
            mib(w.rss_warm_kib),
            mib(w.hwm_warm_kib),
            w.warm_p50_ms,
            w.errors.len(),
        ));
    }
    if !failed.is_empty() {
        md.push_str(&format!("\nFailed runs:\n\n{}\n", failed.iter().map(|f| format!("- {f}")).collect::<Vec<_>>().join("\n")));
    }
    println!("{md}");
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} run(s) failed:\n{}", failed.len(), failed.join("\n")))
    }
}
