//! The S3 adapter of the [`FileStore`] port: presigned PUTs bound to content type and length,
//! the checks of what was uploaded (HEAD, the first bytes), presigned downloads, and the
//! objects the service writes itself.
//!
//! **Why not `aws-sdk-s3`.** These five calls are all the service asks of S3, and the S3 SDK
//! crate costs each function that links it 0.85 MiB of its zip (half of it the tables of every
//! CRC variant its checksum support can select at run time), which put three functions over
//! their 4 MiB budget (README, "Budgets"). So the calls are signed here with `aws-sigv4` — the
//! signer the SDK itself uses, with the settings the SDK uses for S3 — and sent through the SDK's
//! own HTTP connector (`aws-smithy-http-client`, the same TLS stack and connect timeout every
//! other client of the process has). The tests at the end sign the same requests with the SDK
//! and require identical URLs and signatures. What the SDK would add and these calls do not
//! need: endpoint rules beyond the standard partition's regional virtual-hosted endpoint (or a
//! local endpoint, by path), flexible checksums (the PUT signs its SHA-256 instead), and its
//! retry strategy, replaced by [`ATTEMPTS`] attempts with jittered backoff for the answers S3
//! documents as retryable.

use crate::Observe;
use async_trait::async_trait;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningInstructions, SigningSettings,
    UriPathNormalizationMode,
};
use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::body::SdkBody;
use enbek_core::ports::{FileStore, StoreError, StoredObject, UploadUrl};
use http::{HeaderMap, Method, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// Attempts per call (the SDK's standard retry mode makes 3 too).
pub const ATTEMPTS: u32 = 3;
/// Longest wait for one attempt's answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// S3 keys in a URL path: everything but the unreserved characters and `/` percent-encoded
/// (how the SDK writes them, and what SigV4's canonical URI of S3 expects, encoded once).
const KEY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');
/// A query value: the same, `/` included.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Where a bucket's objects are.
#[derive(Clone, Debug, PartialEq)]
enum Addressing {
    /// `https://<bucket>.s3.<region>.amazonaws.com/<key>` (AWS, standard partition).
    VirtualHosted,
    /// `<endpoint>/<bucket>/<key>`: a local S3 such as moto (`AWS_ENDPOINT_URL`), where
    /// `<bucket>.localhost` does not resolve.
    Path(String),
}

#[derive(Clone)]
pub struct S3Files {
    bucket: String,
    region: String,
    addressing: Addressing,
    credentials: SharedCredentialsProvider,
    clock: SharedTimeSource,
    transport: Arc<Transport>,
    observers: Vec<Arc<dyn Observe>>,
}

impl std::fmt::Debug for S3Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Files").field("bucket", &self.bucket).field("region", &self.region).field("addressing", &self.addressing).finish()
    }
}

/// The HTTP connector, built on the first call that goes over the network (presigning does
/// not), so a cold start does not pay for a TLS context it may not use; and the credentials,
/// kept until shortly before they expire (as the SDK's identity cache does).
struct Transport {
    settings: HttpConnectorSettings,
    sleep: Option<SharedAsyncSleep>,
    connector: OnceLock<Option<SharedHttpConnector>>,
    credentials: Mutex<Option<(Credentials, SystemTime)>>,
}

/// How long credentials without an expiry are kept, and how long before an expiry they are
/// renewed (the SDK's lazy identity cache uses the same defaults).
const CREDENTIALS_KEPT: Duration = Duration::from_secs(15 * 60);
const CREDENTIALS_RENEWED_BEFORE: Duration = Duration::from_secs(10);

impl Transport {
    fn connector(&self) -> Result<&SharedHttpConnector, StoreError> {
        self.connector
            .get_or_init(|| aws_smithy_http_client::default_connector(&self.settings, self.sleep.clone()))
            .as_ref()
            .ok_or_else(|| StoreError::other("no HTTP connector: aws-smithy-http-client was built without a TLS provider"))
    }
}

/// A request before signing. Its query starts with `x-id=<operation>` where the SDK's does
/// (GET and PUT), so that the URLs are the SDK's to the byte.
struct Call<'a> {
    operation: &'static str,
    method: Method,
    key: &'a str,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    /// Shared by every attempt's request (a clone is a reference count, not a copy).
    body: bytes::Bytes,
}

/// What S3 answered to `operation`.
struct Answer {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The answer as one line (see [`s3_error`]).
    fn explained(&self) -> String {
        s3_error(self.operation, self.status, &self.body)
    }

    /// An answer the caller does not expect: a failure, as S3 explained it.
    fn refused(&self) -> StoreError {
        StoreError::Other(self.explained().into())
    }
}

impl S3Files {
    /// The files of `bucket`, with the region, credentials, clock, endpoint and timeouts of
    /// `config`.
    pub fn new(config: &aws_config::SdkConfig, bucket: impl Into<String>, observers: Vec<Arc<dyn Observe>>) -> Self {
        let mut settings = HttpConnectorSettings::builder();
        if let Some(timeouts) = config.timeout_config() {
            settings.set_connect_timeout(timeouts.connect_timeout());
            settings.set_read_timeout(timeouts.read_timeout());
        }
        Self {
            bucket: bucket.into(),
            region: config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_owned()),
            addressing: match config.endpoint_url() {
                Some(url) if !url.is_empty() => Addressing::Path(url.trim_end_matches('/').to_owned()),
                _ => Addressing::VirtualHosted,
            },
            credentials: config.credentials_provider().unwrap_or_else(|| SharedCredentialsProvider::new(NoCredentials)),
            clock: config.time_source().unwrap_or_default(),
            transport: Arc::new(Transport {
                settings: settings.build(),
                sleep: config.sleep_impl(),
                connector: OnceLock::new(),
                credentials: Mutex::new(None),
            }),
            observers,
        }
    }

    fn url(&self, key: &str, query: &[(&'static str, String)]) -> String {
        let key = utf8_percent_encode(key, KEY);
        let mut url = match &self.addressing {
            Addressing::VirtualHosted => format!("https://{}.s3.{}.amazonaws.com/{key}", self.bucket, self.region),
            Addressing::Path(endpoint) => format!("{endpoint}/{}/{key}", self.bucket),
        };
        for (i, (name, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY));
        }
        url
    }

    /// The credentials to sign with: the kept ones while valid, else the provider's.
    async fn credentials(&self) -> Result<Credentials, StoreError> {
        let now = self.clock.now();
        let kept = |c: &(Credentials, SystemTime)| c.1 > now + CREDENTIALS_RENEWED_BEFORE;
        if let Some((credentials, _)) = self.transport.credentials.lock().unwrap_or_else(|e| e.into_inner()).as_ref().filter(|c| kept(c)) {
            return Ok(credentials.clone());
        }
        let credentials = self.credentials.provide_credentials().await.map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let until = credentials.expiry().unwrap_or(now + CREDENTIALS_KEPT);
        *self.transport.credentials.lock().unwrap_or_else(|e| e.into_inner()) = Some((credentials.clone(), until));
        Ok(credentials)
    }

    /// Signs `call` now (by the configuration's clock): in its query string for `expires_in`
    /// (a URL a browser sends), or in its headers.
    async fn signed(&self, call: &Call<'_>, expires_in: Option<Duration>) -> Result<http::Request<SdkBody>, StoreError> {
        let credentials = self.credentials().await?;
        let url = self.url(call.key, &call.query);
        let headers: Vec<(&str, &str)> = call.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let instructions =
            sigv4(&self.region, &credentials.into(), self.clock.now(), call.method.as_str(), &url, &headers, &call.body, expires_in)?;
        let mut request = http::Request::builder().method(call.method.clone()).uri(&url);
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let mut request = request.body(SdkBody::from(call.body.clone())).map_err(failure)?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }

    /// A presigned URL of `call`, and the headers the browser must send with it.
    async fn presigned(&self, call: Call<'_>, expires_in_secs: u64) -> Result<UploadUrl, StoreError> {
        let request = self.signed(&call, Some(Duration::from_secs(expires_in_secs))).await?;
        Ok(UploadUrl {
            url: request.uri().to_string(),
            expires_in_secs,
            headers: call.headers.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })
    }

    /// Sends `call`, signed afresh for each attempt; retries what S3 documents as retryable
    /// (500, 503 SlowDown), no answer at all, and an attempt that takes longer than
    /// [`ATTEMPT_TIMEOUT`] to its last byte. Any other answer is returned as it is.
    async fn send(&self, call: Call<'_>) -> Result<Answer, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match tokio::time::timeout(ATTEMPT_TIMEOUT, self.attempt(&call)).await {
                Ok(Ok(answer)) if !retryable(answer.status) => return Ok(answer),
                Ok(Ok(answer)) => StoreError::Unavailable(answer.explained().into()),
                Ok(Err(e @ StoreError::Unavailable(_))) => e,
                // A request this adapter could not build or sign: the same again would fail alike.
                Ok(Err(e)) => return Err(e),
                Err(elapsed) => StoreError::Unavailable(Box::new(elapsed)),
            };
            if attempt >= ATTEMPTS {
                return Err(error);
            }
            tracing::warn!(operation = call.operation, attempt, error = %error_chain(&error), "S3 call failed; retrying");
            tokio::time::sleep(backoff(attempt)).await;
        }
    }

    /// One attempt of `call`: S3's answer, whatever its status, read to the end.
    async fn attempt(&self, call: &Call<'_>) -> Result<Answer, StoreError> {
        let request = self.signed(call, None).await?;
        let request = aws_smithy_runtime_api::http::Request::try_from(request).map_err(failure)?;
        let response = self.transport.connector()?.call(request).await.map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        for o in &self.observers {
            o.answered("S3", call.operation);
        }
        let (head, body) = response.try_into_http1x().map_err(failure)?.into_parts();
        let body = http_body_util::BodyExt::collect(body).await.map_err(StoreError::Unavailable)?.to_bytes();
        Ok(Answer { operation: call.operation, status: head.status, headers: head.headers, body })
    }
}

#[async_trait]
impl FileStore for S3Files {
    async fn presign_put(&self, key: &str, content_type: &str, size_bytes: u64, expires_in_secs: u64) -> Result<UploadUrl, StoreError> {
        let call = Call {
            operation: "PutObject",
            method: Method::PUT,
            key,
            query: vec![("x-id", "PutObject".to_owned())],
            headers: vec![("content-length", size_bytes.to_string()), ("content-type", content_type.to_owned())],
            body: bytes::Bytes::new(),
        };
        self.presigned(call, expires_in_secs).await
    }

    async fn head(&self, key: &str) -> Result<Option<StoredObject>, StoreError> {
        let answer = self
            .send(Call { operation: "HeadObject", method: Method::HEAD, key, query: vec![], headers: vec![], body: bytes::Bytes::new() })
            .await?;
        match answer.status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(StoredObject {
                size_bytes: answer.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0),
                content_type: answer.header("content-type").map(str::to_owned),
                version_id: answer.header("x-amz-version-id").map(str::to_owned),
                etag: answer.header("etag").map(str::to_owned),
            })),
            _ => Err(answer.refused()),
        }
    }

    async fn first_bytes(&self, key: &str, version: Option<&str>, n: u64) -> Result<Vec<u8>, StoreError> {
        let call = Call {
            operation: "GetObject",
            method: Method::GET,
            key,
            query: [("x-id", "GetObject".to_owned())].into_iter().chain(version.map(|v| ("versionId", v.to_owned()))).collect(),
            headers: vec![("range", format!("bytes=0-{}", n.saturating_sub(1)))],
            body: bytes::Bytes::new(),
        };
        let answer = self.send(call).await?;
        match answer.status {
            s if s.is_success() => Ok(answer.body.iter().copied().take(n as usize).collect()),
            // An empty object has no byte 0 to start a range at.
            StatusCode::RANGE_NOT_SATISFIABLE => Ok(Vec::new()),
            _ => Err(answer.refused()),
        }
    }

    async fn presign_get(&self, key: &str, version: Option<&str>, file_name: &str, expires_in_secs: u64) -> Result<String, StoreError> {
        let mut query = vec![("x-id", "GetObject".to_owned()), ("response-content-disposition", content_disposition(file_name))];
        query.extend(version.map(|v| ("versionId", v.to_owned())));
        let call = Call { operation: "GetObject", method: Method::GET, key, query, headers: vec![], body: bytes::Bytes::new() };
        Ok(self.presigned(call, expires_in_secs).await?.url)
    }

    async fn put(&self, key: &str, content_type: &str, body: Vec<u8>) -> Result<(), StoreError> {
        let call = Call {
            operation: "PutObject",
            method: Method::PUT,
            key,
            query: vec![("x-id", "PutObject".to_owned())],
            headers: vec![
                ("content-length", body.len().to_string()),
                ("content-type", content_type.to_owned()),
                ("x-amz-server-side-encryption", "AES256".to_owned()),
            ],
            body: body.into(),
        };
        let answer = self.send(call).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(answer.refused())
        }
    }
}

/// SigV4 as the SDK signs S3 requests (`aws-runtime`'s settings for S3): the path encoded
/// once and not normalised; in headers, the payload's SHA-256 in `x-amz-content-sha256`; in a
/// presigned URL, `UNSIGNED-PAYLOAD` (the browser's body is bound by the signed
/// `content-length` and `content-type` instead).
#[allow(clippy::too_many_arguments)]
fn sigv4(
    region: &str,
    identity: &Identity,
    time: SystemTime,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    expires_in: Option<Duration>,
) -> Result<SigningInstructions, StoreError> {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let body = match expires_in {
        Some(expires_in) => {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(expires_in);
            SignableBody::UnsignedPayload
        }
        None => {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            SignableBody::Bytes(body)
        }
    };
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name("s3")
        .time(time)
        .settings(settings)
        .build()
        .map_err(failure)?
        .into();
    let signable = SignableRequest::new(method, url, headers.iter().copied(), body).map_err(failure)?;
    Ok(sign(signable, &params).map_err(failure)?.into_parts().0)
}

/// The answers S3 asks to be retried: 500 InternalError, 503 SlowDown / ServiceUnavailable,
/// and gateway failures in front of it.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

/// Full jitter over 100 ms × 2^(attempt-1) (the SDK's standard mode uses the same base).
fn backoff(attempt: u32) -> Duration {
    let cap = 100u64 << (attempt - 1).min(6);
    Duration::from_millis(rand::random_range(0..=cap))
}

/// S3's error answer, as one line: the operation, the status and S3's `<Code>` and
/// `<Message>` when the body has them (a HEAD answer has no body).
fn s3_error(operation: &str, status: StatusCode, body: &[u8]) -> String {
    let body = String::from_utf8_lossy(body);
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = body.find(&open)? + open.len();
        Some(body[start..].split('<').next().unwrap_or_default().to_owned())
    };
    match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("S3 {operation}: {status}: {code}: {message}"),
        (Some(code), None) => format!("S3 {operation}: {status}: {code}"),
        _ => format!("S3 {operation}: {status}"),
    }
}

/// A failure of this adapter's own (building or signing a request): not worth retrying.
fn failure(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Other(Box::new(e))
}

fn error_chain(e: &StoreError) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Credentials that are never there: a configuration without any (it fails at the call, with
/// the SDK's own error, as an SDK client would).
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded("no credentials provider in the AWS configuration"),
        ))
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback for old
/// clients, the user's file name (Cyrillic included) for the rest.
fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_with_the_users_file_name_safely_encoded() {
        assert_eq!(
            content_disposition("приказ 12.pdf"),
            "attachment; filename=\"______ 12.pdf\"; filename*=UTF-8''%D0%BF%D1%80%D0%B8%D0%BA%D0%B0%D0%B7%2012.pdf"
        );
        assert_eq!(content_disposition("a\"b.pdf"), "attachment; filename=\"a_b.pdf\"; filename*=UTF-8''a%22b.pdf");
    }

    #[test]
    fn s3_errors_read_as_one_line() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        assert_eq!(s3_error("PutObject", StatusCode::FORBIDDEN, body), "S3 PutObject: 403 Forbidden: AccessDenied: Access Denied");
        assert_eq!(s3_error("HeadObject", StatusCode::FORBIDDEN, b""), "S3 HeadObject: 403 Forbidden");
    }

    #[test]
    fn only_what_s3_asks_to_retry_is_retried_and_backoff_stays_bounded() {
        assert!(retryable(StatusCode::SERVICE_UNAVAILABLE) && retryable(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!retryable(StatusCode::FORBIDDEN) && !retryable(StatusCode::NOT_FOUND) && !retryable(StatusCode::RANGE_NOT_SATISFIABLE));
        for attempt in 1..=ATTEMPTS {
            assert!(backoff(attempt) <= Duration::from_millis(100 << (attempt - 1)));
        }
    }

    /// The same requests made by `aws-sdk-s3` and by this adapter, at the same instant with
    /// the same (session) credentials: presigned URLs must be identical, and a request signed
    /// in its headers must carry the signature the SDK's settings give it.
    mod same_as_the_sdk {
        use super::*;
        use aws_sdk_s3::presigning::PresigningConfig;
        use aws_smithy_async::time::StaticTimeSource;
        use aws_smithy_runtime_api::client::http::{http_client_fn, HttpConnectorFuture};
        use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
        use std::sync::Mutex;

        /// A connector that keeps the request it is sent and answers 200 with no body.
        #[derive(Clone, Debug, Default)]
        struct Capture(Arc<Mutex<Option<HttpRequest>>>);

        impl HttpConnector for Capture {
            fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
                *self.0.lock().unwrap() = Some(request);
                HttpConnectorFuture::ready(Ok(HttpResponse::new(200.try_into().unwrap(), SdkBody::empty())))
            }
        }

        impl Capture {
            fn expect_request(&self) -> HttpRequest {
                self.0.lock().unwrap().take().expect("a request was sent")
            }
        }

        const BUCKET: &str = "enbek-prod-files";
        const KEY: &str = "tickets/0193a1b2-attachment/приказ №1.pdf";

        fn at() -> SystemTime {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000)
        }

        /// Session credentials, as Lambda's are.
        fn credentials() -> Credentials {
            Credentials::new("ASIAEXAMPLE", "secret/key+example", Some("session-token".into()), None, "test")
        }

        fn config(endpoint: Option<&str>) -> aws_config::SdkConfig {
            let mut b = aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-central-1"))
                .credentials_provider(SharedCredentialsProvider::new(credentials()))
                .time_source(StaticTimeSource::new(at()));
            if let Some(e) = endpoint {
                b = b.endpoint_url(e);
            }
            b.build()
        }

        fn sdk(config: &aws_config::SdkConfig) -> (aws_sdk_s3::Client, Capture) {
            let capture = Capture::default();
            let connector = SharedHttpConnector::new(capture.clone());
            let path_style = config.endpoint_url().is_some();
            let conf = aws_sdk_s3::config::Builder::from(config)
                .force_path_style(path_style)
                .http_client(http_client_fn(move |_, _| connector.clone()))
                .build();
            (aws_sdk_s3::Client::from_conf(conf), capture)
        }

        fn ours(config: &aws_config::SdkConfig) -> (S3Files, Capture) {
            let capture = Capture::default();
            let files = S3Files::new(config, BUCKET, vec![]);
            files.transport.connector.set(Some(SharedHttpConnector::new(capture.clone()))).expect("not yet built");
            (files, capture)
        }

        fn presigning() -> PresigningConfig {
            PresigningConfig::builder().start_time(at()).expires_in(Duration::from_secs(900)).build().unwrap()
        }

        fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
            r.headers().get(name)
        }

        /// The SDK's request signed again by [`sigv4`] (without the headers signing adds, and
        /// the SDK's bookkeeping headers it adds after signing): the same `Authorization`
        /// means the same canonical request and settings.
        fn resigned(r: &HttpRequest) -> String {
            let added =
                ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "amz-sdk-invocation-id", "amz-sdk-request"];
            let headers: Vec<(&str, &str)> =
                r.headers().iter().filter(|(k, _)| !added.contains(&k.to_ascii_lowercase().as_str())).collect();
            let body = r.body().bytes().expect("an in-memory body");
            let instructions = sigv4("eu-central-1", &credentials().into(), at(), r.method(), r.uri(), &headers, body, None).unwrap();
            let authorization = instructions.headers().find(|(k, _)| *k == "authorization").map(|(_, v)| v.to_owned());
            authorization.unwrap()
        }

        fn assert_same_request(sdk: &HttpRequest, ours: &HttpRequest) {
            assert_eq!(sdk.method(), ours.method());
            assert_eq!(sdk.uri(), ours.uri());
            for h in ["x-amz-content-sha256", "x-amz-security-token", "x-amz-date", "range", "content-type", "x-amz-server-side-encryption"]
            {
                assert_eq!(header(sdk, h), header(ours, h), "{h}");
            }
            assert_eq!(
                resigned(sdk),
                header(sdk, "authorization").unwrap(),
                "the SDK's signature, recomputed with this adapter's settings"
            );
        }

        #[tokio::test]
        async fn presigned_upload_urls_are_the_sdks() {
            for endpoint in [None, Some("http://127.0.0.1:5000")] {
                let config = config(endpoint);
                let presigned = sdk(&config)
                    .0
                    .put_object()
                    .bucket(BUCKET)
                    .key(KEY)
                    .content_type("application/pdf")
                    .content_length(12345)
                    .presigned(presigning())
                    .await
                    .unwrap();
                let mine = ours(&config).0.presign_put(KEY, "application/pdf", 12345, 900).await.unwrap();
                assert_eq!(mine.url, presigned.uri());
                let mut theirs: Vec<(String, String)> = presigned.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                theirs.sort();
                let mut headers = mine.headers.clone();
                headers.sort();
                assert_eq!(headers, theirs);
            }
        }

        #[tokio::test]
        async fn presigned_download_urls_are_the_sdks() {
            let config = config(None);
            for version in [None, Some("3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo")] {
                let presigned = sdk(&config)
                    .0
                    .get_object()
                    .bucket(BUCKET)
                    .key(KEY)
                    .set_version_id(version.map(str::to_owned))
                    .response_content_disposition(content_disposition("приказ 12.pdf"))
                    .presigned(presigning())
                    .await
                    .unwrap();
                let mine = ours(&config).0.presign_get(KEY, version, "приказ 12.pdf", 900).await.unwrap();
                assert_eq!(mine, presigned.uri());
            }
        }

        #[tokio::test]
        async fn a_head_is_the_sdks() {
            for endpoint in [None, Some("http://127.0.0.1:5000")] {
                let config = config(endpoint);
                let (client, theirs) = sdk(&config);
                let _ = client.head_object().bucket(BUCKET).key(KEY).send().await;
                let (files, mine) = ours(&config);
                files.head(KEY).await.unwrap();
                assert_same_request(&theirs.expect_request(), &mine.expect_request());
            }
        }

        #[tokio::test]
        async fn a_ranged_get_of_a_version_is_the_sdks() {
            let config = config(None);
            let (client, theirs) = sdk(&config);
            let _ = client.get_object().bucket(BUCKET).key(KEY).version_id("v1").range("bytes=0-7").send().await;
            let (files, mine) = ours(&config);
            files.first_bytes(KEY, Some("v1"), 8).await.unwrap();
            assert_same_request(&theirs.expect_request(), &mine.expect_request());
        }

        #[tokio::test]
        async fn an_encrypted_put_is_signed_as_the_sdk_would() {
            let config = config(None);
            let (client, theirs) = sdk(&config);
            let body = b"id,name\n1,\xd0\x90\n".to_vec();
            let _ = client
                .put_object()
                .bucket(BUCKET)
                .key(KEY)
                .content_type("text/csv; charset=utf-8")
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                .body(body.clone().into())
                .send()
                .await;
            let (files, mine) = ours(&config);
            files.put(KEY, "text/csv; charset=utf-8", body.clone()).await.unwrap();
            let (theirs, mine) = (theirs.expect_request(), mine.expect_request());
            assert_eq!((theirs.method(), theirs.uri()), (mine.method(), mine.uri()));
            assert_eq!(mine.body().bytes(), Some(&body[..]));
            for h in ["content-type", "x-amz-server-side-encryption", "x-amz-security-token", "x-amz-date"] {
                assert_eq!(header(&theirs, h), header(&mine, h), "{h}");
            }
            assert_eq!(resigned(&theirs), header(&theirs, "authorization").unwrap());
        }
    }

    /// What the adapter does with S3's answers: a connector that answers from a script.
    mod answers {
        use super::*;
        use aws_credential_types::Credentials;
        use aws_smithy_runtime_api::client::http::HttpConnectorFuture;
        use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
        use aws_smithy_runtime_api::client::result::ConnectorError;
        use std::collections::VecDeque;
        use std::sync::Mutex;

        /// One scripted answer: a status with headers, or no answer at all.
        enum Next {
            Status(u16, &'static [(&'static str, &'static str)]),
            Reset,
        }

        #[derive(Clone, Debug, Default)]
        struct Script(Arc<Mutex<VecDeque<Next>>>);

        impl std::fmt::Debug for Next {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    Next::Status(s, _) => write!(f, "{s}"),
                    Next::Reset => write!(f, "reset"),
                }
            }
        }

        impl HttpConnector for Script {
            fn call(&self, _: HttpRequest) -> HttpConnectorFuture {
                let next = self.0.lock().unwrap().pop_front().expect("a call beyond the script");
                HttpConnectorFuture::ready(match next {
                    Next::Status(status, headers) => {
                        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
                        for (k, v) in headers {
                            response.headers_mut().insert(*k, *v);
                        }
                        Ok(response)
                    }
                    Next::Reset => Err(ConnectorError::io("connection reset by peer".into())),
                })
            }
        }

        /// Counts the answers the adapter reports (what the bench meter counts).
        #[derive(Debug, Default)]
        struct Answers(Mutex<Vec<&'static str>>);

        impl Observe for Answers {
            fn answered(&self, service: &'static str, operation: &'static str) {
                assert_eq!(service, "S3");
                self.0.lock().unwrap().push(operation);
            }
        }

        fn scripted(script: Vec<Next>) -> (S3Files, Script, Arc<Answers>) {
            scripted_with(script, SharedCredentialsProvider::new(Credentials::new("AKIDEXAMPLE", "secret", None, None, "test")))
        }

        fn scripted_with(script: Vec<Next>, credentials: SharedCredentialsProvider) -> (S3Files, Script, Arc<Answers>) {
            let config = aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("eu-central-1"))
                .credentials_provider(credentials)
                .build();
            let answers = Arc::new(Answers::default());
            let files = S3Files::new(&config, "enbek-prod-files", vec![answers.clone()]);
            let connector = Script(Arc::new(Mutex::new(script.into())));
            files.transport.connector.set(Some(SharedHttpConnector::new(connector.clone()))).expect("not yet built");
            (files, connector, answers)
        }

        const FOUND: &[(&str, &str)] =
            &[("content-length", "45"), ("content-type", "application/pdf"), ("x-amz-version-id", "v2"), ("etag", "\"abc\"")];

        #[tokio::test]
        async fn a_call_with_no_answer_or_a_503_is_tried_again_and_then_answers() {
            let (files, script, answers) = scripted(vec![Next::Reset, Next::Status(503, &[]), Next::Status(200, FOUND)]);
            let object = files.head("k").await.unwrap().expect("found");
            assert_eq!(
                object,
                StoredObject {
                    size_bytes: 45,
                    content_type: Some("application/pdf".into()),
                    version_id: Some("v2".into()),
                    etag: Some("\"abc\"".into())
                }
            );
            assert!(script.0.lock().unwrap().is_empty(), "three attempts");
            assert_eq!(*answers.0.lock().unwrap(), ["HeadObject", "HeadObject"], "two answers arrived (a reset is not one)");
        }

        #[tokio::test]
        async fn after_three_failed_attempts_the_store_is_unavailable() {
            let (files, _, _) = scripted(vec![Next::Status(503, &[]), Next::Status(500, &[]), Next::Reset]);
            assert!(matches!(files.put("k", "text/csv", b"a".to_vec()).await, Err(StoreError::Unavailable(_))));
        }

        #[tokio::test]
        async fn a_refusal_is_not_retried_and_a_missing_object_is_none() {
            // One scripted answer each: a second call would panic.
            let (files, _, _) = scripted(vec![Next::Status(403, &[])]);
            let err = files.first_bytes("k", None, 8).await.unwrap_err();
            assert!(matches!(err, StoreError::Other(_)) && error_chain(&err).contains("403"), "{}", error_chain(&err));
            let (files, _, _) = scripted(vec![Next::Status(404, &[])]);
            assert_eq!(files.head("k").await.unwrap(), None);
            let (files, _, _) = scripted(vec![Next::Status(416, &[])]);
            assert_eq!(files.first_bytes("k", None, 8).await.unwrap(), Vec::<u8>::new(), "an empty object has no first bytes");
        }

        /// Credentials that expire `lifetime` from now (never, if `None`); counts the asks.
        #[derive(Debug)]
        struct Counted(Arc<std::sync::atomic::AtomicUsize>, Option<Duration>);

        impl ProvideCredentials for Counted {
            fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
            where
                Self: 'a,
            {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let expiry = self.1.map(|d| SystemTime::now() + d);
                aws_credential_types::provider::future::ProvideCredentials::ready(Ok(Credentials::new(
                    "ASIA", "secret", None, expiry, "counted",
                )))
            }
        }

        #[tokio::test]
        async fn credentials_are_asked_for_once_while_valid_and_again_near_their_expiry() {
            for (lifetime, asks) in [(None, 1), (Some(Duration::from_secs(3600)), 1), (Some(Duration::from_secs(5)), 2)] {
                let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let provider = SharedCredentialsProvider::new(Counted(counter.clone(), lifetime));
                let (files, _, _) = scripted_with(vec![Next::Status(200, FOUND), Next::Status(200, FOUND)], provider);
                files.head("a").await.unwrap();
                files.head("b").await.unwrap();
                assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), asks, "lifetime {lifetime:?}");
            }
        }

        #[tokio::test]
        async fn presigning_sends_nothing() {
            let (files, _, answers) = scripted(vec![]);
            let url = files.presign_put("tickets/a", "image/png", 10, 900).await.unwrap();
            assert!(url.url.starts_with("https://enbek-prod-files.s3.eu-central-1.amazonaws.com/tickets/a?x-id=PutObject&"), "{}", url.url);
            files.presign_get("tickets/a", Some("v1"), "a.png", 300).await.unwrap();
            assert!(answers.0.lock().unwrap().is_empty());
        }
    }
}
