//! `make dev`: the whole system on this machine, no AWS account needed.
//!
//! 1. starts moto's server on loopback (DynamoDB, S3, SQS, SES), one request at a time
//!    (`tests/moto_serial.py`);
//! 2. creates the table, bucket and queues of `infra/resources.json` (the definition Terraform
//!    reads too), with the names Terraform gives them for the `local` stage;
//! 3. generates a throw-away token key pair and seeds the local security administrator
//!    (API.md "Local seed");
//! 4. builds every function, then runs `cargo lambda watch`, which serves the API's paths on
//!    one origin;
//! 5. prints `ready: <base URL>` once `GET /v1/accounts/me` answers 401;
//! 6. feeds the queue consumers as Lambda's event source mappings do in AWS (the bridge,
//!    `integration::bridge`): polls the integration and AIS inbound queues for
//!    `labor-market-sync` and the notifications queue for `notify`, invokes them through the
//!    Lambda Invoke API that `cargo lambda watch` serves, deletes what did not fail, and leaves
//!    the rest to the queues' visibility timeouts and redrive policies; relays outbox messages
//!    every 10 s; and stops everything it started on Ctrl-C or SIGTERM.
//!
//! AIS documents go to the bucket (`AIS_DELIVERY=bucket`) under `exchange/ais/`, and e-mail to
//! moto's SES (read back at `/moto-api/data.json`): see the README, "Local mail and AIS
//! documents".
//!
//! Environment: `MOTO_PORT` (default 4566), `WATCH_PORT` (default 9000), `STAGE` (default
//! `local`). Logs of moto go to `target/devstack/moto.log`.

use integration::local::{create_resources, Names, LOCAL_ADMIN_LOGIN, LOCAL_ADMIN_PASSWORD};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

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

/// The status code of a plain HTTP GET on loopback, if anything answers.
async fn http_status(port: u16, path: &str) -> Option<u16> {
    integration::http_request("GET", &format!("http://127.0.0.1:{port}{path}"), &[], &[]).await.ok().map(|(status, _)| status)
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
            // The bucket answers browsers by its own CORS rule (infra/resources.json), as S3 does.
            .env("MOTO_DISABLE_GLOBAL_CORS", "1")
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
    let queue_urls = create_resources(&sdk, &names).await?;
    let queue = |key: &str| queue_urls.get(key).map(|q| q.url.clone()).ok_or_else(|| format!("infra/resources.json has no queue {key:?}"));
    let (integration_url, notifications_url) = (queue("integration")?, queue("notifications")?);
    println!(
        "resources: table {}, bucket {}, queues {}",
        names.table,
        names.bucket,
        names.queues.iter().map(|q| q.1.as_str()).collect::<Vec<_>>().join(", ")
    );

    // 3. keys and the seeded administrator.
    let (private, public) = enbek_http::auth::keys::generate_ed25519_pem().map_err(|_| "cannot generate a key pair".to_string())?;
    let env_file = state.join("functions.env");
    let vars = integration::local::function_env(&names, &queue_urls, &aws_env, &private, &public);
    let lines: Vec<String> =
        vars.iter().map(|(k, v)| if v.contains('\n') { format!("{k}=\"{}\"", escape_pem(v)) } else { format!("{k}={v}") }).collect();
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

    // 6. until Ctrl-C / SIGTERM (handled in `main`), or until a child dies: feed the consumers,
    //    and relay outbox messages the functions could not send (what `outbox-relay` does in AWS).
    let table = enbek_aws::dynamo::Table::new(sdk.dynamodb(), names.table.clone());
    let outbox = enbek_aws::dynamo::DynamoOutbox::new(table);
    let sqs = sdk.sqs();
    let queues = enbek_core::outbox::Queues {
        notifications: Some(std::sync::Arc::new(enbek_aws::sqs::SqsQueue::new(sqs.clone(), &notifications_url))),
        integration: Some(std::sync::Arc::new(enbek_aws::sqs::SqsQueue::new(sqs.clone(), &integration_url))),
    };
    // As the event source mappings of `infra/functions.tf`: each queue to its consumer, with its
    // batch size.
    let mut sources = Vec::new();
    for (key, name, _, def) in &names.queues {
        let url = &queue_urls.get(key).ok_or_else(|| format!("no URL for {key}"))?.url;
        sources.push(integration::bridge::Source::new(&sqs, &def.consumer, url, def.batch_size).await?);
        println!("bridge: {name} → {}", def.consumer);
    }
    let invoker = integration::bridge::HttpInvoker { port: watch_port };
    let mut tick = 0u64;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        children.check()?;
        for source in &sources {
            match integration::bridge::poll_once(&sqs, source, &invoker, 0).await {
                Ok(p) if p.received > 0 => println!(
                    "bridge: {} ← {}: {} received, {} removed (done or moved to the DLQ), {} left for a retry",
                    source.function,
                    source.queue_url.rsplit('/').next().unwrap_or_default(),
                    p.received,
                    p.deleted,
                    p.failed
                ),
                Ok(_) => {}
                Err(e) => eprintln!("bridge: {e}"),
            }
        }
        tick += 1;
        if tick % 10 == 0 {
            match enbek_core::outbox::relay(&outbox, &queues, jiff::Timestamp::now(), enbek_core::outbox::DEFAULT_MAX_ATTEMPTS).await {
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
