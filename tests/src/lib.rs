//! Test support: a fresh table, bucket and queues per test in the local AWS endpoint
//! (`moto_server`, started by `make test`), the functions built by their own composition roots
//! (`<function>::app`, exactly as `main.rs` builds them) against it, and small helpers to
//! call them in-process.
//!
//! Nothing here mocks AWS: every store call goes over HTTP to moto.

pub mod bodies;
pub mod bridge;
pub mod local;
pub mod metering;
pub mod openapi;

use axum::body::Body;
use axum::Router;
use enbek_aws::dynamo::{schema, DynamoAccounts, Table};
use enbek_core::clock::{Clock, ManualClock};
use enbek_core::password::Argon2Hasher;
use enbek_core::ports::{AccountStore, FileStore};
use enbek_http::auth::{TokenIssuer, TokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use enbek_http::HttpSettings;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use jiff::Timestamp;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub use enbek_testkit::fixtures::{bin_text as bin, iin_text as iin, unique_email, SMALL_PDF};

pub const AGREEMENT_VERSION: &str = "2024-06-20";
pub const PORTAL_ORIGIN: &str = "https://www.enbek.kz";
/// The minimum monthly wage the tests configure (as `MINIMUM_MONTHLY_WAGE` in Cargo.toml).
pub const MINIMUM_WAGE: u64 = 85_000;
/// The secret that seals list cursors in the tests.
pub const CURSOR_SECRET: &str = "test-cursor-secret-0123456789abcdef";
/// Seals temporary passwords between request-access and notify in the tests.
pub const MAIL_SEAL_KEY: &str = "test-mail-seal-key-0123456789abcdef";
/// The sender of the e-mails `notify` sends (its domain is a verified SES identity in moto).
pub use local::MAIL_FROM;
/// How many receives a message gets before the redrive policy moves it to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 3;
/// The password of the staff accounts [`TestStack::staff_token`] creates.
pub const STAFF_PASSWORD: &str = "Staff-Strong-Passw0rd";

/// The local AWS endpoint. Tests fail — they do not skip — when it is not configured.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .unwrap_or_else(|_| panic!("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts moto_server"))
}

/// AWS configuration for the local endpoint (built per test: SDK clients belong to the test's
/// own Tokio runtime).
pub async fn sdk() -> enbek_aws::Aws {
    let _ = endpoint();
    enbek_aws::Aws::load().await
}

fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// A new, empty table with the production shape.
pub async fn fresh_table() -> Table {
    let sdk = sdk().await;
    let client = sdk.dynamodb();
    let name = format!("enbek-test-{}", uuid::Uuid::new_v4().simple());
    schema::ensure_table(&client, &name).await.expect("create test table in moto");
    Table::new(client, name)
}

/// A new bucket in moto, versioned like the real one; returns its name.
pub async fn test_bucket_name() -> String {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let client = local::s3_client(&sdk().await);
    let bucket = format!("enbek-test-{}", short_id());
    client.create_bucket().bucket(&bucket).send().await.expect("create test bucket in moto");
    client
        .put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .expect("enable versioning");
    bucket
}

/// A new bucket in moto, behind the S3 adapter.
pub async fn test_bucket() -> enbek_aws::s3::S3Files {
    let bucket = test_bucket_name().await;
    sdk().await.s3_files(bucket)
}

/// Creates a queue named `name` (FIFO if it ends in `.fifo`); returns its URL.
pub async fn create_queue(client: &aws_sdk_sqs::Client, name: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName;
    let mut req = client.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        req = req.attributes(QueueAttributeName::FifoQueue, "true");
    }
    req.send().await.expect("create test queue in moto").queue_url.expect("queue URL")
}

/// A new queue with a dead-letter queue after [`MAX_RECEIVE_COUNT`] receives, as `infra/` and the
/// dev stack make them; returns `(url, dlq_url)`.
pub async fn test_queue_with_dlq(client: &aws_sdk_sqs::Client, fifo: bool) -> (String, String) {
    let base = format!("enbek-test-{}", short_id());
    let suffix = if fifo { ".fifo" } else { "" };
    let q = local::create_queue_with_dlq(client, &format!("{base}{suffix}"), &format!("{base}-dlq{suffix}"), fifo, MAX_RECEIVE_COUNT, 30)
        .await
        .expect("create test queues in moto");
    (q.url, q.dlq)
}

/// The messages now in a queue with their attributes, left in place (visible again at once).
pub async fn peek_all(client: &aws_sdk_sqs::Client, url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let got = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(0)
        .message_attribute_names("All")
        .send()
        .await
        .expect("receive");
    let messages = got.messages.unwrap_or_default();
    for m in &messages {
        if let Some(h) = m.receipt_handle() {
            client.change_message_visibility().queue_url(url).receipt_handle(h).visibility_timeout(0).send().await.expect("release");
        }
    }
    messages
}

/// The e-mails moto's SES has sent to `to` (`{source, destinations, subject, body}`; moto keeps
/// the HTML part as `body`), oldest first.
pub async fn mail_sent_to(to: &str) -> Vec<Value> {
    let (status, body) = http_get(&format!("{}/moto-api/data.json", endpoint())).await;
    assert_eq!(status, 200, "moto's data.json");
    let data: Value = serde_json::from_slice(&body).expect("moto's data.json is JSON");
    let mut sent: Vec<Value> = Vec::new();
    for m in data["ses"]["Message"].as_array().into_iter().flatten() {
        if m["destinations"]["ToAddresses"].as_array().into_iter().flatten().any(|a| a == to) {
            sent.push(m.clone());
        }
    }
    sent
}

/// HTML text as a person reads it (the entities the template engine writes, undone).
pub fn html_text(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// A new queue in moto (FIFO if asked); returns its URL.
pub async fn test_queue(client: &aws_sdk_sqs::Client, fifo: bool) -> String {
    let name = if fifo { format!("enbek-test-{}.fifo", short_id()) } else { format!("enbek-test-{}", short_id()) };
    create_queue(client, &name).await
}

/// Receives (and deletes) every message now in a queue; returns the bodies in order.
pub async fn receive_all(client: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let got = client.receive_message().queue_url(url).max_number_of_messages(10).wait_time_seconds(0).send().await.expect("receive");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return bodies;
        }
        for m in messages {
            if let Some(handle) = m.receipt_handle() {
                client.delete_message().queue_url(url).receipt_handle(handle).send().await.expect("delete");
            }
            bodies.extend(m.body);
        }
    }
}

/// One plain HTTP/1.1 request on loopback (`Connection: close`); the status code and the body
/// (de-chunked). The `Content-Length` sent is the body's own, like a browser's, whatever
/// `headers` lists: a signed header that disagrees with it makes the signature fail, as in S3.
pub async fn http_request(method: &str, url: &str, headers: &[(String, String)], body: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("{url}: local endpoints are plain HTTP"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(authority).await.map_err(|e| format!("connect {authority}: {e}"))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-length")) {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(req.as_bytes()).await.map_err(|e| format!("write: {e}"))?;
    stream.write_all(body).await.map_err(|e| format!("write: {e}"))?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.map_err(|e| format!("read: {e}"))?;
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(out.len());
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = out[split..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok((status, body))
}

/// A plain HTTP/1.1 PUT on loopback, as a browser uploads; returns the status code.
pub async fn http_put(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    tokio::time::timeout(std::time::Duration::from_secs(30), http_request("PUT", url, headers, body))
        .await
        .expect("an answer within 30 s")
        .expect("PUT on loopback")
        .0
}

/// A plain HTTP/1.1 GET on loopback; returns the status code and the body.
pub async fn http_get(url: &str) -> (u16, Vec<u8>) {
    http_request("GET", url, &[], &[]).await.expect("GET on loopback")
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// Uploads `body` through a presigned PUT, as a browser would.
pub async fn upload(files: &enbek_aws::s3::S3Files, key: &str, content_type: &str, body: &[u8]) {
    let url = files.presign_put(key, content_type, body.len() as u64, 300).await.expect("presign");
    let mut headers = url.headers.clone();
    headers.push(("Content-Type".into(), content_type.into()));
    assert_eq!(http_put(&url.url, &headers, body).await, 200);
}

/// One Ed25519 key pair per test process, and a second one for forged tokens.
pub fn keys() -> &'static ((String, String), (String, String)) {
    static KEYS: OnceLock<((String, String), (String, String))> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            enbek_http::auth::keys::generate_ed25519_pem().expect("key pair"),
            enbek_http::auth::keys::generate_ed25519_pem().expect("key pair"),
        )
    })
}

pub fn issuer() -> TokenIssuer {
    TokenIssuer::from_pem(&keys().0 .0, DEFAULT_ISSUER, DEFAULT_AUDIENCE).expect("issuer")
}

pub fn verifier() -> TokenVerifier {
    TokenVerifier::from_pem(&keys().0 .1, DEFAULT_ISSUER, DEFAULT_AUDIENCE).expect("verifier")
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl TestResponse {
    /// The `errors[]` of a problem as (field, code) pairs.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter().map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned())).collect()
            })
            .unwrap_or_default()
    }

    /// The field errors, in any order, are exactly `want`.
    pub fn assert_field_errors(&self, want: &[(&str, &str)]) {
        let mut got = self.field_errors();
        got.sort();
        let mut want: Vec<(String, String)> = want.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect();
        want.sort();
        assert_eq!(got, want, "{}", self.body);
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Every log line written in this test process from the first call on (JSON, DEBUG level),
/// for tests that check what never reaches a log.
pub fn captured_logs() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOGS: OnceLock<&'static std::sync::Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer: &'static std::sync::Mutex<Vec<u8>> = Box::leak(Box::new(std::sync::Mutex::new(Vec::new())));
        let subscriber =
            tracing_subscriber::fmt().json().with_max_level(tracing::Level::DEBUG).with_writer(move || LogSink(buffer)).finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
        buffer
    })
}

struct LogSink(&'static std::sync::Mutex<Vec<u8>>);

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Which queue a test takes down.
#[derive(Clone, Copy, Debug)]
pub enum QueueName {
    Notifications,
    Integration,
}

/// The HTTP functions, built by their own `app`, on one fresh table, bucket and pair of
/// queues, with one movable clock.
pub struct TestStack {
    pub sdk: enbek_aws::Aws,
    pub table: Table,
    pub clock: Arc<ManualClock>,
    pub accounts: Arc<DynamoAccounts>,
    pub register_account: Router,
    pub sign_in: Router,
    pub file_ticket: Router,
    pub request_access: Router,
    pub post_vacancy: Router,
    pub submit_grant_report: Router,
    pub files: Arc<enbek_aws::s3::S3Files>,
    pub bucket: String,
    pub sqs: aws_sdk_sqs::Client,
    pub notifications_url: String,
    pub integration_url: String,
    pub notifications_dlq_url: String,
    pub integration_dlq_url: String,
    /// AIS "Labor Market"'s messages to the portal (VAC-6), and its dead-letter queue.
    pub inbound_url: String,
    pub inbound_dlq_url: String,
    /// Serials for distinct IINs of registered citizens (ACC-1: one account per person).
    serial: std::sync::atomic::AtomicU32,
}

impl TestStack {
    /// The settings every HTTP function gets, for this stack's table.
    pub fn http_settings(table: &Table) -> HttpSettings {
        HttpSettings {
            table_name: table.name.clone(),
            cors_origins: vec![http::HeaderValue::from_static(PORTAL_ORIGIN)],
            jwt_issuer: DEFAULT_ISSUER.into(),
            jwt_audience: DEFAULT_AUDIENCE.into(),
            jwt_public_key: keys().0 .1.clone(),
            jwt_previous_public_key: None,
            cursor_secret: Some(CURSOR_SECRET.into()),
        }
    }

    pub async fn new() -> Self {
        Self::with_cors(&[PORTAL_ORIGIN]).await
    }

    /// A stack whose functions, and bucket, allow browsers from `origins` (CORS).
    pub async fn with_cors(origins: &[&str]) -> Self {
        Self::build(origins, sdk().await).await
    }

    /// A stack whose functions' AWS clients (and the stack's own) report to `meter`.
    pub async fn metered(meter: metering::Meter) -> Self {
        Self::build(&[PORTAL_ORIGIN], sdk().await.with_interceptor(meter.clone()).with_observer(meter)).await
    }

    async fn build(origins: &[&str], sdk: enbek_aws::Aws) -> Self {
        let table = fresh_table().await;
        let clock = Arc::new(ManualClock::new(Timestamp::now()));
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        let mut http = Self::http_settings(&table);
        http.cors_origins = origins.iter().map(|o| http::HeaderValue::from_str(o).expect("an origin")).collect();
        let sqs = sdk.sqs();
        let (notifications_url, notifications_dlq_url) = test_queue_with_dlq(&sqs, false).await;
        let (integration_url, integration_dlq_url) = test_queue_with_dlq(&sqs, true).await;
        let (inbound_url, inbound_dlq_url) = test_queue_with_dlq(&sqs, false).await;
        local::verify_mail_domain(&sdk).await.expect("SES identity in moto");
        let bucket = test_bucket_name().await;
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        local::put_bucket_cors(&local::s3_client(&sdk), &bucket, &origins).await.expect("bucket CORS in moto");

        let register_account = register_account::app(
            register_account::Config {
                http: http.clone(),
                agreement_version: AGREEMENT_VERSION.into(),
                agreement_url: format!("https://www.enbek.kz/agreement/{AGREEMENT_VERSION}"),
                registration_limit: enbek_core::usecases::accounts::DEFAULT_REGISTRATION_ADDRESS_LIMIT,
            },
            &sdk,
            dyn_clock.clone(),
        )
        .expect("register-account");
        let sign_in = sign_in::app(
            sign_in::Config {
                http: http.clone(),
                jwt_private_key: keys().0 .0.clone(),
                address_limit: enbek_core::usecases::sessions::DEFAULT_SIGN_IN_ADDRESS_LIMIT,
            },
            &sdk,
            dyn_clock.clone(),
        )
        .expect("sign-in");
        let file_ticket = file_ticket::app(
            file_ticket::Config { http: http.clone(), files_bucket: bucket.clone(), notifications_queue_url: notifications_url.clone() },
            &sdk,
            dyn_clock.clone(),
        )
        .expect("file-ticket");
        let request_access = request_access::app(
            request_access::Config {
                http: http.clone(),
                files_bucket: bucket.clone(),
                notifications_queue_url: notifications_url.clone(),
                temporary_password_ttl: enbek_core::usecases::access::DEFAULT_TEMPORARY_PASSWORD_TTL,
                mail_seal_key: MAIL_SEAL_KEY.into(),
            },
            &sdk,
            dyn_clock.clone(),
        )
        .expect("request-access");
        let post_vacancy = post_vacancy::app(
            post_vacancy::Config { http: http.clone(), integration_queue_url: integration_url.clone(), minimum_wage: MINIMUM_WAGE },
            &sdk,
            dyn_clock.clone(),
        )
        .expect("post-vacancy");
        let submit_grant_report = submit_grant_report::app(
            submit_grant_report::Config {
                http,
                files_bucket: bucket.clone(),
                integration_queue_url: integration_url.clone(),
                notifications_queue_url: notifications_url.clone(),
                max_amount_tiyn: enbek_core::domain::grant::DEFAULT_MAX_AMOUNT_TIYN,
                attachment_required_above_tiyn: None,
            },
            &sdk,
            dyn_clock,
        )
        .expect("submit-grant-report");
        Self {
            files: Arc::new(sdk.s3_files(&bucket)),
            bucket,
            accounts: Arc::new(DynamoAccounts::new(table.clone())),
            sdk,
            table,
            clock,
            register_account,
            sign_in,
            file_ticket,
            request_access,
            post_vacancy,
            submit_grant_report,
            sqs,
            notifications_url,
            integration_url,
            notifications_dlq_url,
            integration_dlq_url,
            inbound_url,
            inbound_dlq_url,
            serial: std::sync::atomic::AtomicU32::new(1),
        }
    }

    fn queue_url(&self, which: QueueName) -> &str {
        match which {
            QueueName::Notifications => &self.notifications_url,
            QueueName::Integration => &self.integration_url,
        }
    }

    /// An SQS outage: the queue disappears (its URL stays where the functions send).
    pub async fn queue_down(&self, which: QueueName) {
        self.sqs.delete_queue().queue_url(self.queue_url(which)).send().await.expect("delete queue");
    }

    /// The queue is back, at the same URL.
    pub async fn queue_up(&self, which: QueueName) {
        let url = self.queue_url(which).to_owned();
        let name = url.rsplit('/').next().expect("a queue name").to_owned();
        assert_eq!(create_queue(&self.sqs, &name).await, url, "the recreated queue has the same URL");
    }

    /// The `outbox-relay` function, built by its own composition root.
    pub fn relay_function(&self, max_attempts: u32) -> outbox_relay::Relay {
        let config = outbox_relay::Config {
            table_name: self.table.name.clone(),
            notifications_queue_url: self.notifications_url.clone(),
            integration_queue_url: self.integration_url.clone(),
            max_attempts,
        };
        outbox_relay::relay_app(config, &self.sdk, self.clock.clone())
    }

    /// One run of the `outbox-relay` function at `now`.
    pub async fn relay(&self, now: Timestamp) -> Result<Value, String> {
        let relay = self.relay_function(enbek_core::outbox::DEFAULT_MAX_ATTEMPTS);
        relay.handle(json!({ "now": now.to_string() })).await.map_err(|e| e.to_string())
    }

    /// The `notify` function, built by its own composition root.
    pub fn notify_function(&self) -> notify::App {
        let config = notify::Config {
            table_name: self.table.name.clone(),
            queue: enbek_aws::consumer::QueueRoute { url: self.notifications_url.clone(), dlq_url: self.notifications_dlq_url.clone() },
            mail_from: MAIL_FROM.into(),
            mail_seal_key: MAIL_SEAL_KEY.into(),
            configuration_set: None,
        };
        notify::notify_app(config, &self.sdk, self.clock.clone())
    }

    /// The `labor-market-sync` function delivering through `delivery`, built by its own
    /// composition root.
    pub fn sync_function(&self, delivery: labor_market_sync::Delivery) -> labor_market_sync::App {
        let config = labor_market_sync::Config {
            table_name: self.table.name.clone(),
            integration: enbek_aws::consumer::QueueRoute { url: self.integration_url.clone(), dlq_url: self.integration_dlq_url.clone() },
            inbound: Some(enbek_aws::consumer::QueueRoute { url: self.inbound_url.clone(), dlq_url: self.inbound_dlq_url.clone() }),
            delivery,
        };
        labor_market_sync::sync_app(config, &self.sdk, self.clock.clone()).expect("labor-market-sync")
    }

    /// `labor-market-sync` writing into this stack's bucket, as on the local stage.
    pub fn sync_to_bucket(&self) -> labor_market_sync::App {
        self.sync_function(labor_market_sync::Delivery::Bucket { bucket: self.bucket.clone() })
    }

    /// The bridge's source for one of this stack's queues.
    pub async fn source(&self, function: &str, queue_url: &str, batch_size: i32) -> bridge::Source {
        bridge::Source::new(&self.sqs, function, queue_url, batch_size).await.expect("bridge source")
    }

    /// The `inactivity-sweep` function, built by its own composition root, as configured on a
    /// test stage (`now` may be set) and then adjusted by `tune`.
    pub fn sweep_function(&self, tune: impl FnOnce(&mut inactivity_sweep::Config)) -> inactivity_sweep::Sweep {
        let mut config = self.sweep_config();
        tune(&mut config);
        inactivity_sweep::sweep_app(config, &self.sdk, self.clock.clone())
    }

    /// The sweep's configuration on a test stage: defaults, and `now` may be set.
    pub fn sweep_config(&self) -> inactivity_sweep::Config {
        inactivity_sweep::Config {
            table_name: self.table.name.clone(),
            notifications_queue_url: self.notifications_url.clone(),
            policy: enbek_core::usecases::sweep::SweepPolicy::default_for_staff(),
            allow_now_override: true,
            page_size: 100,
            stop_margin: std::time::Duration::ZERO,
        }
    }

    /// One run of the sweep with `input`, far from its deadline.
    pub async fn sweep(&self, input: Value) -> Value {
        let deadline = std::time::SystemTime::now() + std::time::Duration::from_secs(900);
        self.sweep_function(|_| {}).handle(input, deadline).await.expect("the sweep runs")
    }

    /// Every message now in the `integration` queue, parsed.
    pub async fn integration_sent(&self) -> Vec<Value> {
        receive_all(&self.sqs, &self.integration_url)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).expect("integration bodies are JSON"))
            .collect()
    }

    /// Every message now in the `notifications` queue, parsed.
    pub async fn notifications_sent(&self) -> Vec<Value> {
        receive_all(&self.sqs, &self.notifications_url)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).expect("notification bodies are JSON"))
            .collect()
    }

    /// Registers an employer (BIN from `serial`) and returns (account ID, token).
    pub async fn employer_token(&self, serial: u32, company: &str) -> (String, String) {
        let login = unique_email("hr");
        let body = json!({
            "login": login, "password": "Tulpar-Dala-2026", "role": "employer",
            "last_name": "Ахметова", "first_name": "Динара",
            "bin": bin(serial), "company_name": company, "agreement_version": AGREEMENT_VERSION,
        });
        let res = self.call(Method::POST, "/v1/accounts", Some(body), &[]).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        (res.body["id"].as_str().expect("id").to_owned(), self.token(&login, "Tulpar-Dala-2026").await)
    }

    /// Declares an attachment through `path` (e.g. `/v1/tickets/attachments`) and uploads
    /// `body` with the returned URL and headers; returns the attachment ID.
    pub async fn attach(&self, path: &str, token: Option<&str>, file_name: &str, content_type: &str, body: &[u8]) -> String {
        let declared = self.declare_attachment(path, token, file_name, content_type, body.len()).await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.body);
        upload_declared(&declared, content_type, body).await
    }

    /// Declares an attachment through `path` (`POST …/attachments`); the answer as it came.
    pub async fn declare_attachment(
        &self,
        path: &str,
        token: Option<&str>,
        file_name: &str,
        content_type: &str,
        size: usize,
    ) -> TestResponse {
        let auth = token.map(bearer);
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        self.call(Method::POST, path, Some(bodies::attachment(file_name, content_type, size)), &headers).await
    }

    /// The router API Gateway would send this path to.
    /// The router of the function that serves `path`, as API Gateway routes it
    /// (`infra/resources.json`).
    /// The router of the function API Gateway sends `path` to.
    pub fn route(&self, path: &str) -> Router {
        match function_of(path).as_deref() {
            Some("sign-in") => self.sign_in.clone(),
            Some("file-ticket") => self.file_ticket.clone(),
            Some("post-vacancy") => self.post_vacancy.clone(),
            Some("submit-grant-report") => self.submit_grant_report.clone(),
            Some("request-access") => self.request_access.clone(),
            // register-account, and paths no route has (its router answers 404 for them).
            _ => self.register_account.clone(),
        }
    }

    /// Sends a request; `body` is sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        self.send(req.body(body).expect("request")).await
    }

    /// Sends a request as API Gateway would deliver it from `source_ip`.
    pub async fn call_from(
        &self,
        source_ip: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        let mut req = req.body(body).expect("request");
        as_from_gateway(&mut req, source_ip);
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let router = self.route(req.uri().path());
        let res = router.oneshot(req).await.expect("routers are infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let raw = res.into_body().collect().await.expect("body").to_bytes().to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        TestResponse { status, headers, body, raw }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A valid registration body for a citizen (a person of their own: a fresh IIN).
    pub fn citizen_body(&self, login: &str, password: &str) -> Value {
        let serial = self.serial.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        json!({
            "login": login,
            "password": password,
            "role": "citizen",
            "last_name": "Сейтқали",
            "first_name": "Әйгерім",
            "iin": iin("900315", 4, serial * 101 % 9000),
            "agreement_version": AGREEMENT_VERSION,
        })
    }

    /// Registers a citizen and returns the account ID.
    pub async fn register_citizen(&self, login: &str, password: &str) -> String {
        let res = self.call(Method::POST, "/v1/accounts", Some(self.citizen_body(login, password)), &[]).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.body["id"].as_str().expect("id").to_owned()
    }

    /// Signs in and returns the response.
    pub async fn sign_in(&self, login: &str, password: &str) -> TestResponse {
        self.call(Method::POST, "/v1/sessions", Some(json!({"login": login, "password": password})), &[]).await
    }

    /// Signs in and returns the access token (panics unless 200).
    pub async fn token(&self, login: &str, password: &str) -> String {
        let res = self.sign_in(login, password).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.body["access_token"].as_str().expect("token").to_owned()
    }

    /// `PUT /v1/accounts/me/password` with `token` (a bare token, or `Bearer …`).
    pub async fn change_password(&self, token: &str, current: &str, new: &str) -> TestResponse {
        let auth = if token.starts_with("Bearer ") { token.to_owned() } else { bearer(token) };
        let body = json!({"current_password": current, "new_password": new});
        self.call(Method::PUT, "/v1/accounts/me/password", Some(body), &[("authorization", &auth)]).await
    }

    /// Seeds a security administrator with a known password; returns (ID, token).
    pub async fn admin_token(&self) -> (String, String) {
        let login = unique_email("ib-admin");
        let password = "Admin-Strong-Passw0rd";
        enbek_core::usecases::bootstrap::seed_local_admin(self.accounts.as_ref(), &Argon2Hasher, self.clock.as_ref(), &login, password)
            .await
            .expect("seed admin");
        let login = enbek_core::domain::Login::parse(&login).expect("login");
        let account = self.accounts.find_by_login(&login).await.unwrap().unwrap();
        (account.id, self.token(login.as_str(), password).await)
    }

    /// Creates a staff account of `role` directly in the store (as an approved access request
    /// would) and signs it in; returns (account ID, token).
    pub async fn staff_token(&self, role: enbek_core::domain::Role) -> (String, String) {
        let password = STAFF_PASSWORD;
        let now = self.clock.now();
        let hash = Argon2Hasher::hash_blocking(password).expect("hash");
        let account = enbek_testkit::fixtures::account(role, &hash, now);
        let audit = enbek_testkit::fixtures::audit(now, "system:test", "account.created");
        self.accounts.create(&account, &[], &audit).await.expect("create staff account");
        (account.id.clone(), self.token(account.login.as_str(), password).await)
    }
}

/// Uploads `body` as a browser would, with the URL and headers of a declaration's answer
/// (`declared`, a 201); returns the attachment ID.
pub async fn upload_declared(declared: &TestResponse, content_type: &str, body: &[u8]) -> String {
    let (url, headers) = upload_request(declared, content_type);
    assert_eq!(http_put(&url, &headers, body).await, 200, "upload to the presigned URL");
    declared.body["attachment_id"].as_str().expect("attachment_id").to_owned()
}

/// The URL and headers a browser PUTs a declared upload with: the declaration's answer's
/// `upload_url` and `upload_headers`, and the file's `Content-Type`.
pub fn upload_request(declared: &TestResponse, content_type: &str) -> (String, Vec<(String, String)>) {
    let url = declared.body["upload_url"].as_str().expect("upload_url").to_owned();
    let mut headers: Vec<(String, String)> = declared.body["upload_headers"]
        .as_object()
        .expect("upload_headers")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("an upload header's value is a string").to_owned()))
        .collect();
    headers.push(("Content-Type".into(), content_type.into()));
    (url, headers)
}

/// The `p` quantile (0..=1) of `sorted` (nearest rank; the median for 0.5), 0 when empty: the
/// benchmarks' p50/p90/p99.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Milliseconds of each sample, sorted, for [`percentile`].
pub fn sorted_ms(samples: &[std::time::Duration]) -> Vec<f64> {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// A tool's exit status: success, or its error on stderr after its name.
pub fn exit_code(tool: &str, result: Result<(), String>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{tool}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The sample event `events/<name>` (an API Gateway or SQS event, a schedule's or an
/// operator's input) with its `{placeholders}` filled in from `values`.
pub fn sample_event(name: &str, values: &[(&str, &str)]) -> Value {
    let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (k, v) in values {
        text = text.replace(&format!("{{{k}}}"), v);
    }
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{name}: {e}"))
}

/// Gives `req` the request context API Gateway (HTTP API, payload v2) adds: the caller's address
/// and a request ID.
pub fn as_from_gateway<B>(req: &mut Request<B>, source_ip: &str) {
    let mut ctx = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
    ctx.http.source_ip = Some(source_ip.to_owned());
    ctx.request_id = Some(uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(lambda_http::request::RequestContext::ApiGatewayV2(ctx));
}

/// The function API Gateway sends `path` to: the route of `infra/resources.json` whose segments
/// match (`{name}` matches any one segment).
pub fn function_of(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    enbek_aws::resources::resources().routes.into_iter().find_map(|(route, function)| {
        let pattern: Vec<&str> = route.split('/').collect();
        let matches = pattern.len() == segments.len()
            && pattern.iter().zip(&segments).all(|(p, s)| (p.starts_with('{') && p.ends_with('}') && !s.is_empty()) || p == s);
        matches.then_some(function)
    })
}

/// The consumer functions' own handlers, invoked in-process with the JSON event Lambda sends
/// (what the bridge hands `cargo lambda watch` in the dev stack).
#[derive(Default)]
pub struct InProcess {
    pub notify: Option<notify::App>,
    pub sync: Option<labor_market_sync::App>,
}

#[async_trait::async_trait]
impl bridge::Invoker for InProcess {
    async fn invoke(&self, function: &str, event: Value) -> Result<Value, String> {
        let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(event).map_err(|e| format!("not an SQS event: {e}"))?;
        let answer = match function {
            "notify" => self.notify.as_ref().ok_or("notify is not wired")?.handle(event).await,
            "labor-market-sync" => self.sync.as_ref().ok_or("labor-market-sync is not wired")?.handle(event).await,
            other => return Err(format!("no function {other}")),
        };
        serde_json::to_value(answer).map_err(|e| e.to_string())
    }
}
