//! `make dev`: the whole system on this machine, no AWS account needed.
//!
//! 1. starts moto's server on loopback (DynamoDB, S3, SQS, SES), one request at a time
//!    (`tests/moto_serial.py`);
//! 2. creates the table, bucket and queues with the names Terraform uses for the `local` stage;
//! 3. generates a throw-away token key pair and seeds the local security administrator
//!    (API.md "Local seed");
//! 4. builds every function, then runs `cargo lambda watch`, which serves the API's paths on
//!    one origin;
//! 5. prints `ready: <base URL>` once `GET /v1/accounts/me` answers 401, relays outbox messages
//!    every 10 s, and stops everything it started on Ctrl-C or SIGTERM.
//!
//! Environment: `MOTO_PORT` (default 4566), `WATCH_PORT` (default 9000), `STAGE` (default
//! `local`). Logs of moto go to `target/devstack/moto.log`.

use aws_sdk_sqs::types::QueueAttributeName;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const LOCAL_ADMIN_LOGIN: &str = "admin@enbek.local";
pub const LOCAL_ADMIN_PASSWORD: &str = "Local-Admin-Passw0rd";

/// Resource names, as `infra/` names them: `enbek-<stage>[-<what>]`.
struct Names {
    table: String,
    bucket: String,
    queues: Vec<(String, bool)>,
}

impl Names {
    fn new(stage: &str) -> Self {
        let p = format!("enbek-{stage}");
        Self {
            table: p.clone(),
            bucket: format!("{p}-files"),
            queues: vec![(format!("{p}-integration.fifo"), true), (format!("{p}-notifications"), false)],
        }
    }
}

struct Children(Vec<Child>);

impl Children {
    /// An error if any child has exited.
    fn check(&mut self) -> Result<(), String> {
        for child in self.0.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("a child process exited ({status}); stopping"));
            }
        }
        Ok(())
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in self.0.iter_mut().rev() {
            // Each child leads its own process group: end the group (cargo, the functions…).
            let _ = Command::new("kill").arg("-TERM").arg(format!("-{}", child.id())).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn(cmd: &mut Command) -> Result<Child, String> {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0).spawn().map_err(|e| format!("cannot start {cmd:?}: {e}"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

async fn port_open(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
}

/// The status code of a plain HTTP GET on loopback.
async fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.ok()?;
    let mut buf = vec![0u8; 64];
    let n = stream.read(&mut buf).await.ok()?;
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Polls `ready` until it holds; fails early if one of `children` exits meanwhile.
async fn wait_for(what: &str, secs: u64, children: &mut Children, mut ready: impl AsyncFnMut() -> bool) -> Result<(), String> {
    for _ in 0..secs * 5 {
        if ready().await {
            return Ok(());
        }
        children.check()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("{what} did not become ready within {secs} s"))
}

fn env_port(name: &str, default: u16) -> Result<u16, String> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|_| format!("{name}={v:?} is not a port number")),
        Err(_) => Ok(default),
    }
}

/// Creates what is missing; returns each queue's URL (integration, notifications).
async fn create_resources(sdk: &enbek_aws::Aws, names: &Names) -> Result<Vec<String>, String> {
    let dynamo = sdk.dynamodb();
    enbek_aws::dynamo::schema::ensure_table(&dynamo, &names.table).await?;

    let s3 = sdk.s3();
    if s3.head_bucket().bucket(&names.bucket).send().await.is_err() {
        s3.create_bucket()
            .bucket(&names.bucket)
            .send()
            .await
            .map_err(|e| format!("create bucket: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    }
    // Versioned, as in AWS: a cited attachment is pinned to the version checked.
    s3.put_bucket_versioning()
        .bucket(&names.bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder().status(aws_sdk_s3::types::BucketVersioningStatus::Enabled).build(),
        )
        .send()
        .await
        .map_err(|e| format!("bucket versioning: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;

    let sqs = sdk.sqs();
    let mut urls = Vec::new();
    for (queue, fifo) in &names.queues {
        let dlq_name = if *fifo { queue.replace(".fifo", "-dlq.fifo") } else { format!("{queue}-dlq") };
        let mut dlq = sqs.create_queue().queue_name(&dlq_name);
        if *fifo {
            dlq = dlq.attributes(QueueAttributeName::FifoQueue, "true");
        }
        let dlq_url = dlq
            .send()
            .await
            .map_err(|e| format!("create {dlq_name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
            .queue_url
            .unwrap_or_default();
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| format!("read {dlq_name}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .unwrap_or_default();
        let mut q = sqs
            .create_queue()
            .queue_name(queue)
            .attributes(QueueAttributeName::VisibilityTimeout, "60")
            .attributes(QueueAttributeName::RedrivePolicy, format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}"#));
        if *fifo {
            q = q.attributes(QueueAttributeName::FifoQueue, "true").attributes(QueueAttributeName::ContentBasedDeduplication, "false");
        }
        let created = q.send().await.map_err(|e| format!("create {queue}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        urls.push(created.queue_url.unwrap_or_default());
    }
    Ok(urls)
}

fn escape_pem(pem: &str) -> String {
    pem.trim_end().replace('\n', "\\n")
}

async fn run(children: &mut Children) -> Result<(), String> {
    let moto_port = env_port("MOTO_PORT", 4566)?;
    let watch_port = env_port("WATCH_PORT", 9000)?;
    let stage = std::env::var("STAGE").unwrap_or_else(|_| "local".into());
    let names = Names::new(&stage);
    let root = workspace_root();
    let state = root.join("target/devstack");
    std::fs::create_dir_all(&state).map_err(|e| format!("create {}: {e}", state.display()))?;

    for (port, var) in [(moto_port, "MOTO_PORT"), (watch_port, "WATCH_PORT")] {
        if port_open(port).await {
            return Err(format!("port {port} is already in use (is another `make dev` running?); set {var} to use another"));
        }
    }

    // 1. moto
    let log = std::fs::File::create(state.join("moto.log")).map_err(|e| e.to_string())?;
    let log2 = log.try_clone().map_err(|e| e.to_string())?;
    children.0.push(spawn(
        Command::new("python3")
            .current_dir(&root)
            .args(["tests/moto_serial.py", "-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2),
    )?);
    wait_for("moto_server", 60, children, async || http_status(moto_port, "/moto-api/").await == Some(200)).await?;
    println!("moto_server: http://127.0.0.1:{moto_port} (log: {})", state.join("moto.log").display());

    // 2. resources, with the endpoint every function will use.
    let endpoint = format!("http://127.0.0.1:{moto_port}");
    let aws_env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_REGION", "us-east-1"),
    ];
    for (k, v) in aws_env {
        std::env::set_var(k, v);
    }
    let sdk = enbek_aws::Aws::load().await;
    let urls = create_resources(&sdk, &names).await?;
    let (integration_url, notifications_url) = (urls[0].clone(), urls[1].clone());
    println!(
        "resources: table {}, bucket {}, queues {}",
        names.table,
        names.bucket,
        names.queues.iter().map(|q| q.0.as_str()).collect::<Vec<_>>().join(", ")
    );

    // 3. keys and the seeded administrator.
    let (private, public) = enbek_http::auth::keys::generate_ed25519_pem().map_err(|_| "cannot generate a key pair".to_string())?;
    let env_file = state.join("functions.env");
    let mut lines: Vec<String> = aws_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    lines.push(format!("TABLE_NAME={}", names.table));
    lines.push(format!("FILES_BUCKET={}", names.bucket));
    lines.push(format!("NOTIFICATIONS_QUEUE_URL={notifications_url}"));
    lines.push(format!("INTEGRATION_QUEUE_URL={integration_url}"));
    lines.push(format!("JWT_PRIVATE_KEY=\"{}\"", escape_pem(&private)));
    lines.push(format!("JWT_PUBLIC_KEY=\"{}\"", escape_pem(&public)));
    // Seals list cursors: a fresh secret per run (cursors do not outlive the local stack).
    lines.push(format!("CURSOR_SECRET={}", uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string()));
    // The local stage may run the sweep as of another date (never set in AWS).
    lines.push("SWEEP_ALLOW_NOW_OVERRIDE=true".into());
    std::fs::write(&env_file, lines.join("\n") + "\n").map_err(|e| e.to_string())?;
    let accounts = enbek_aws::dynamo::DynamoAccounts::new(enbek_aws::dynamo::Table::new(sdk.dynamodb(), names.table.clone()));
    let seeded = enbek_core::usecases::bootstrap::seed_local_admin(
        &accounts,
        &enbek_core::password::Argon2Hasher,
        &enbek_core::clock::SystemClock,
        LOCAL_ADMIN_LOGIN,
        LOCAL_ADMIN_PASSWORD,
    )
    .await
    .map_err(|e| format!("seed admin: {e}"))?;
    println!("admin: {LOCAL_ADMIN_LOGIN} / {LOCAL_ADMIN_PASSWORD}{}", if seeded { "" } else { " (already there)" });

    // 4. build every function first, so no request waits for a compile.
    let status = Command::new("cargo")
        .current_dir(&root)
        .args(["build", "--workspace", "--bins"])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err("cargo build failed".into());
    }
    children.0.push(spawn(
        Command::new("cargo")
            .current_dir(&root)
            .args(["lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", &watch_port.to_string(), "--disable-cors"])
            .arg("--env-file")
            .arg(&env_file)
            .stdin(Stdio::null()),
    )?);
    wait_for("cargo lambda watch", 600, children, async || http_status(watch_port, "/v1/accounts/me").await == Some(401)).await?;
    println!("ready: http://127.0.0.1:{watch_port}");

    // 5. until Ctrl-C / SIGTERM (handled in `main`), or until a child dies; meanwhile relay
    //    outbox messages the functions could not send (what `outbox-relay` does in AWS).
    let table = enbek_aws::dynamo::Table::new(sdk.dynamodb(), names.table.clone());
    let outbox = enbek_aws::dynamo::DynamoOutbox::new(table);
    let sqs = sdk.sqs();
    let queues = enbek_core::outbox::Queues {
        notifications: Some(std::sync::Arc::new(enbek_aws::sqs::SqsQueue::new(sqs.clone(), &notifications_url))),
        integration: Some(std::sync::Arc::new(enbek_aws::sqs::SqsQueue::new(sqs, &integration_url))),
    };
    let mut tick = 0u64;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        children.check()?;
        tick += 1;
        if tick % 10 == 0 {
            match enbek_core::outbox::relay(&outbox, &queues, jiff::Timestamp::now()).await {
                Ok(r) if r.examined > 0 => println!("outbox relay: sent {}, failed {}", r.sent, r.failed),
                Ok(_) => {}
                Err(e) => eprintln!("outbox relay: {e}"),
            }
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut children = Children(Vec::new());
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
        eprintln!("devstack: cannot install the SIGTERM handler");
        return ExitCode::FAILURE;
    };
    // Children lead their own process groups, so a terminal's Ctrl-C reaches only this
    // process; it stops them all when `children` is dropped.
    let result = tokio::select! {
        r = run(&mut children) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = term.recv() => Ok(()),
    };
    println!("devstack: stopping");
    drop(children);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("devstack: {e}");
            ExitCode::FAILURE
        }
    }
}
