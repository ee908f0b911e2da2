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
use shared::dynamo::{schema, DynamoAccounts, DynamoIdempotency, DynamoRateLimiter, Table};
use shared::http::HttpConfig;
use shared::idempotency::Idempotency;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

pub const AGREEMENT_VERSION: &str = "2024-06-20";
pub const PORTAL_ORIGIN: &str = "https://www.enbek.kz";

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
        Self {
            register_account: register_account::app(register, http("register-account")),
            sign_in: sign_in::app(sign_in, http("sign-in")),
            table,
            clock,
            accounts,
        }
    }

    /// The router API Gateway would send this path to.
    fn route(&self, path: &str) -> Router {
        if path.starts_with("/v1/sessions") {
            self.sign_in.clone()
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

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}
