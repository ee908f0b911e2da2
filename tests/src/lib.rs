//! Test support: a fresh table per test in the local AWS endpoint (`moto_server`, started by
//! `make test`), the functions' routers wired to the real DynamoDB adapters, and small helpers
//! to call them in-process.
//!
//! Nothing here mocks AWS: every store call goes over HTTP to moto.

use axum::body::Body;
use axum::Router;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use jiff::Timestamp;
use serde_json::{json, Value};
use shared::auth::{Authenticator, TokenIssuer, TokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use shared::clock::{Clock, ManualClock};
use shared::dynamo::{
    schema, DynamoAccounts, DynamoAttachments, DynamoIdempotency, DynamoOutbox, DynamoRateLimiter, DynamoTickets, Table,
};
use shared::http::HttpConfig;
use shared::idempotency::Idempotency;
use shared::outbox::Queues;
use shared::ports::{FileStore, OutboundMessage, Queue, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub const AGREEMENT_VERSION: &str = "2024-06-20";
pub const PORTAL_ORIGIN: &str = "https://www.enbek.kz";
/// The minimum monthly wage the tests configure (as `MINIMUM_MONTHLY_WAGE` in Cargo.toml).
pub const MINIMUM_WAGE: u64 = 85_000;

/// The local AWS endpoint. Tests fail — they do not skip — when it is not configured.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        panic!("AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts moto_server")
    })
}

/// AWS configuration for the local endpoint (built per test: SDK clients belong to the test's
/// own Tokio runtime).
pub async fn sdk() -> aws_config::SdkConfig {
    let _ = endpoint();
    shared::aws::load().await
}

/// A new, empty table with the production shape.
pub async fn fresh_table() -> Table {
    let sdk = sdk().await;
    let client = shared::aws::dynamodb(&sdk);
    let name = format!("enbek-test-{}", uuid::Uuid::new_v4().simple());
    schema::ensure_table(&client, &name).await.expect("create test table in moto");
    Table::new(client, name)
}

/// A new bucket in moto, behind the S3 adapter.
pub async fn test_bucket() -> shared::s3::S3Files {
    let client = shared::aws::s3(&sdk().await);
    let bucket = format!("enbek-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    client.create_bucket().bucket(&bucket).send().await.expect("create test bucket in moto");
    shared::s3::S3Files::new(client, &bucket)
}

/// A new queue in moto (FIFO if asked); returns its URL.
pub async fn test_queue(client: &aws_sdk_sqs::Client, fifo: bool) -> String {
    use aws_sdk_sqs::types::QueueAttributeName;
    let id = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let mut req = client.create_queue();
    req = if fifo {
        req.queue_name(format!("enbek-test-{id}.fifo")).attributes(QueueAttributeName::FifoQueue, "true")
    } else {
        req.queue_name(format!("enbek-test-{id}"))
    };
    req.send().await.expect("create test queue in moto").queue_url.expect("queue URL")
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

/// A plain HTTP/1.1 PUT on loopback; returns the status code.
pub async fn http_put(url: &str, headers: &[(String, String)], body: &[u8]) -> u16 {
    let rest = url.strip_prefix("http://").expect("local endpoints are plain HTTP");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = tokio::net::TcpStream::connect(authority).await.expect("connect");
    let mut req = format!("PUT {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Uploads `body` through a presigned PUT, as a browser would.
pub async fn upload(files: &shared::s3::S3Files, key: &str, content_type: &str, body: &[u8]) {
    let url = files.presign_put(key, content_type, body.len() as u64, 300).await.expect("presign");
    let mut headers = url.headers.clone();
    headers.push(("Content-Type".into(), content_type.into()));
    assert_eq!(http_put(&url.url, &headers, body).await, 200);
}

/// A queue that can be made to fail, in front of a real one (for outbox tests).
pub struct SwitchableQueue {
    pub inner: shared::sqs::SqsQueue,
    pub failing: AtomicBool,
}

impl SwitchableQueue {
    pub fn fail(&self, yes: bool) {
        self.failing.store(yes, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl Queue for SwitchableQueue {
    async fn send(&self, message: &OutboundMessage) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable("injected SQS failure".into()));
        }
        self.inner.send(message).await
    }
}

/// A real PDF's first bytes and some body.
pub const SMALL_PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";

/// One Ed25519 key pair per test process, and a second one for forged tokens.
pub fn keys() -> &'static ((String, String), (String, String)) {
    static KEYS: OnceLock<((String, String), (String, String))> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            shared::auth::keys::generate_ed25519_pem().expect("key pair"),
            shared::auth::keys::generate_ed25519_pem().expect("key pair"),
        )
    })
}

pub fn issuer() -> TokenIssuer {
    TokenIssuer::from_pem(&keys().0 .0, DEFAULT_ISSUER, DEFAULT_AUDIENCE).expect("issuer")
}

pub fn verifier() -> TokenVerifier {
    TokenVerifier::from_pem(&keys().0 .1, DEFAULT_ISSUER, DEFAULT_AUDIENCE).expect("verifier")
}

/// `prefix` (7 digits) + the first serial from `serial` whose 11 digits have a check digit,
/// completed with it.
fn with_check_digit(prefix: &str, serial: u32) -> String {
    for s in serial..serial + 100 {
        let first11 = format!("{prefix}{s:04}");
        let digits: Vec<u32> = first11.bytes().map(|b| u32::from(b - b'0')).collect();
        if let Some(c) = shared::domain::identity::check_digit(&digits) {
            return format!("{first11}{c}");
        }
    }
    unreachable!("some serial in a hundred has a check digit")
}

/// An IIN with a valid check digit for the given birth date (YYMMDD), century digit and serial.
pub fn iin(yymmdd: &str, century_digit: u32, serial: u32) -> String {
    with_check_digit(&format!("{yymmdd}{century_digit}"), serial)
}

/// A BIN (resident legal entity, August 2004) with a valid check digit.
pub fn bin(serial: u32) -> String {
    with_check_digit("0408400", serial)
}

/// A unique e-mail login for a test.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}.{}@mail.kz", &uuid::Uuid::new_v4().simple().to_string()[..10])
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
                a.iter()
                    .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
                    .collect()
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

/// The HTTP functions wired to one fresh table and one movable clock.
pub struct TestStack {
    pub table: Table,
    pub clock: Arc<ManualClock>,
    pub accounts: Arc<DynamoAccounts>,
    pub register_account: Router,
    pub sign_in: Router,
    pub file_ticket: Router,
    pub request_access: Router,
    pub post_vacancy: Router,
    /// The `integration` FIFO queue and the switch in front of it.
    pub integration_url: String,
    pub integration: Arc<SwitchableQueue>,
    pub files: Arc<shared::s3::S3Files>,
    pub sqs: aws_sdk_sqs::Client,
    /// The `notifications` queue and the switch in front of it.
    pub notifications_url: String,
    pub notifications: Arc<SwitchableQueue>,
    pub outbox: Arc<DynamoOutbox>,
}

impl TestStack {
    pub async fn new() -> Self {
        let table = fresh_table().await;
        let clock = Arc::new(ManualClock::new(Timestamp::now()));
        let accounts = Arc::new(DynamoAccounts::new(table.clone()));
        let verifier = Arc::new(verifier());
        let http = |function| HttpConfig {
            function,
            cors_origins: vec![http::HeaderValue::from_static(PORTAL_ORIGIN)],
        };
        let register = register_account::AppState {
            accounts: accounts.clone(),
            limiter: Arc::new(DynamoRateLimiter::new(table.clone())),
            auth: Authenticator { verifier: verifier.clone(), accounts: accounts.clone() },
            clock: clock.clone(),
            agreement_version: AGREEMENT_VERSION.to_owned(),
            idempotency: Idempotency {
                store: Arc::new(DynamoIdempotency::new(table.clone())),
                verifier,
                clock: clock.clone(),
            },
        };
        let sign_in = sign_in::AppState {
            accounts: accounts.clone(),
            limiter: Arc::new(DynamoRateLimiter::new(table.clone())),
            issuer: Arc::new(issuer()),
            clock: clock.clone(),
        };
        let sdk = sdk().await;
        let sqs = shared::aws::sqs(&sdk);
        let notifications_url = test_queue(&sqs, false).await;
        let notifications = Arc::new(SwitchableQueue {
            inner: shared::sqs::SqsQueue::new(sqs.clone(), &notifications_url),
            failing: AtomicBool::new(false),
        });
        let files = Arc::new(test_bucket().await);
        let outbox = Arc::new(DynamoOutbox::new(table.clone()));
        let queues = Queues { notifications: Some(notifications.clone()), integration: None };
        let tickets = file_ticket::AppState {
            tickets: Arc::new(DynamoTickets::new(table.clone())),
            attachments: Arc::new(DynamoAttachments::new(table.clone())),
            files: files.clone(),
            limiter: Arc::new(DynamoRateLimiter::new(table.clone())),
            outbox: outbox.clone(),
            queues,
            auth: register.auth.clone(),
            clock: clock.clone(),
            idempotency: register.idempotency.clone(),
        };
        let access = request_access::AppState {
            requests: Arc::new(shared::dynamo::DynamoAccessRequests::new(table.clone())),
            accounts: accounts.clone(),
            attachments: Arc::new(DynamoAttachments::new(table.clone())),
            files: files.clone(),
            outbox: outbox.clone(),
            queues: Queues { notifications: Some(notifications.clone()), integration: None },
            auth: register.auth.clone(),
            clock: clock.clone(),
            idempotency: register.idempotency.clone(),
        };
        let integration_url = test_queue(&sqs, true).await;
        let integration = Arc::new(SwitchableQueue {
            inner: shared::sqs::SqsQueue::new(sqs.clone(), &integration_url),
            failing: AtomicBool::new(false),
        });
        let vacancies = post_vacancy::AppState {
            vacancies: Arc::new(shared::dynamo::DynamoVacancies::new(table.clone())),
            outbox: outbox.clone(),
            queues: Queues { notifications: None, integration: Some(integration.clone()) },
            auth: register.auth.clone(),
            clock: clock.clone(),
            idempotency: register.idempotency.clone(),
            minimum_wage: MINIMUM_WAGE,
        };
        Self {
            post_vacancy: post_vacancy::app(vacancies, http("post-vacancy")),
            integration_url,
            integration,
            request_access: request_access::app(access, http("request-access")),
            register_account: register_account::app(register, http("register-account")),
            sign_in: sign_in::app(sign_in, http("sign-in")),
            file_ticket: file_ticket::app(tickets, http("file-ticket")),
            files,
            sqs,
            notifications_url,
            notifications,
            outbox,
            table,
            clock,
            accounts,
        }
    }

    /// Every message now in the `integration` queue, parsed.
    pub async fn integration_sent(&self) -> Vec<Value> {
        receive_all(&self.sqs, &self.integration_url)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).expect("integration bodies are JSON"))
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

    /// Every message now in the `notifications` queue, parsed.
    pub async fn notifications_sent(&self) -> Vec<Value> {
        receive_all(&self.sqs, &self.notifications_url)
            .await
            .iter()
            .map(|b| serde_json::from_str(b).expect("notification bodies are JSON"))
            .collect()
    }

    /// Declares an attachment through `path` (e.g. `/v1/tickets/attachments`) and uploads
    /// `body` with the returned URL and headers; returns the attachment ID.
    pub async fn attach(&self, path: &str, token: Option<&str>, file_name: &str, content_type: &str, body: &[u8]) -> String {
        let auth = token.map(bearer);
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let res = self
            .call(
                Method::POST,
                path,
                Some(json!({"file_name": file_name, "content_type": content_type, "size_bytes": body.len()})),
                &headers,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let url = res.body["upload_url"].as_str().expect("upload_url");
        let mut put_headers: Vec<(String, String)> = res.body["upload_headers"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect())
            .unwrap_or_default();
        put_headers.push(("Content-Type".into(), content_type.into()));
        assert_eq!(http_put(url, &put_headers, body).await, 200, "upload to the presigned URL");
        res.body["attachment_id"].as_str().expect("attachment_id").to_owned()
    }

    /// The router API Gateway would send this path to.
    fn route(&self, path: &str) -> Router {
        if path.starts_with("/v1/sessions") {
            self.sign_in.clone()
        } else if path.starts_with("/v1/tickets") {
            self.file_ticket.clone()
        } else if path.starts_with("/v1/vacancies") || path.starts_with("/v1/layoff-notices") {
            self.post_vacancy.clone()
        } else if path.starts_with("/v1/access-") {
            self.request_access.clone()
        } else {
            self.register_account.clone()
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
    pub async fn call_from(&self, source_ip: &str, method: Method, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> TestResponse {
        let mut req = Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut ctx = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
        ctx.http.source_ip = Some(source_ip.to_owned());
        let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
        let mut req = req.body(body).expect("request");
        req.extensions_mut().insert(lambda_http::request::RequestContext::ApiGatewayV2(ctx));
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

    /// A valid registration body for a citizen.
    pub fn citizen_body(&self, login: &str, password: &str) -> Value {
        json!({
            "login": login,
            "password": password,
            "role": "citizen",
            "last_name": "Сейтқали",
            "first_name": "Әйгерім",
            "iin": iin("900315", 4, 1),
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

    /// Seeds a security administrator with a known password; returns its token.
    pub async fn admin_token(&self) -> (String, String) {
        let login = unique_email("ib-admin");
        let password = "Admin-Strong-Passw0rd";
        shared::bootstrap::seed_local_admin(self.accounts.as_ref(), self.clock.as_ref(), &login, password)
            .await
            .expect("seed admin");
        let account = shared::ports::AccountStore::find_by_login(self.accounts.as_ref(), &login).await.unwrap().unwrap();
        (account.id, self.token(&login, password).await)
    }
}

impl TestStack {
    /// Creates a staff account of `role` directly in the store (as an approved access request
    /// would) and signs it in; returns (account ID, token).
    pub async fn staff_token(&self, role: shared::domain::Role) -> (String, String) {
        let login = unique_email(role.as_str());
        let password = "Staff-Strong-Passw0rd";
        let now = self.clock.now();
        let hash = shared::domain::password::hash(password).expect("hash");
        let account = shared::domain::Account::new_staff(&login, role, "Қызметкер", "Сынақ", hash, false, now);
        let audit = shared::audit::AuditEntry::new(now, "system:test", "account.created", format!("account:{}", account.id));
        shared::ports::AccountStore::create(self.accounts.as_ref(), &account, &[], &audit).await.expect("create staff account");
        (account.id, self.token(&login, password).await)
    }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
