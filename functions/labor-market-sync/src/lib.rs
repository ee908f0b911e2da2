//! `labor-market-sync`: the integration FIFO queue's documents to AIS "Labor Market" (OPS-3,
//! VAC-2, VAC-5, GRT-4), and AIS's messages from the inbound queue onto the vacancies (VAC-6).
//! The rules are in `enbek_core::usecases::labor_market` and `enbek_core::ais`; this crate is
//! the HTTPS adapter, configuration and wiring.
//!
//! `AIS_DELIVERY` chooses where documents go:
//! - `https` (AWS): POST to `AIS_ENDPOINT` with `Idempotency-Key: <event id>`, within
//!   `AIS_TIMEOUT_MS`, with `Authorization: Bearer <AIS_TOKEN>` if set;
//! - `bucket` (local stages): `exchange/ais/<yyyy-mm-dd>/<type>/<event-id>.json` in the bucket.

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use enbek_aws::consumer::{QueueRoute, SqsControl};
use enbek_aws::dynamo::{DynamoProcessed, DynamoVacancies, Table};
use enbek_core::ais::{Answer, Document, ExchangeFolder, Gateway};
use enbek_core::clock::Clock;
use enbek_core::config::{self, ConfigError};
use enbek_core::usecases::labor_market::LaborMarketSync;
use std::sync::Arc;
use std::time::Duration;

/// Where documents for AIS go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Https { endpoint: String, timeout: Duration, token: Option<String> },
    Bucket { bucket: String },
}

#[derive(Clone, Debug)]
pub struct Config {
    pub table_name: String,
    pub integration: QueueRoute,
    /// AIS's messages to the portal (VAC-6), if this stage receives them.
    pub inbound: Option<QueueRoute>,
    pub delivery: Delivery,
}

/// Plain HTTP only to this machine (a test's or a developer's stand-in for AIS).
fn endpoint_allowed(endpoint: &str) -> bool {
    endpoint.starts_with("https://") || ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| endpoint.starts_with(p))
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let delivery = match config::optional("AIS_DELIVERY", "https").as_str() {
            "https" => {
                let endpoint = config::required("AIS_ENDPOINT")?;
                if !endpoint_allowed(&endpoint) {
                    return Err(ConfigError {
                        variable: "AIS_ENDPOINT",
                        problem: "must be an https:// URL (plain http only on loopback)".into(),
                    });
                }
                let ms: u64 = config::parsed("AIS_TIMEOUT_MS", 5000)?;
                if !(100..=60_000).contains(&ms) {
                    return Err(ConfigError { variable: "AIS_TIMEOUT_MS", problem: format!("{ms} is not within 100..=60000") });
                }
                let token = Some(config::optional("AIS_TOKEN", "")).filter(|t| !t.is_empty());
                Delivery::Https { endpoint, timeout: Duration::from_millis(ms), token }
            }
            "bucket" => Delivery::Bucket { bucket: config::required("FILES_BUCKET")? },
            other => return Err(ConfigError { variable: "AIS_DELIVERY", problem: format!("{other:?} is neither `https` nor `bucket`") }),
        };
        let inbound = match config::optional("AIS_INBOUND_QUEUE_URL", "") {
            url if url.is_empty() => None,
            url => Some(QueueRoute { url, dlq_url: config::required("AIS_INBOUND_DLQ_URL")? }),
        };
        Ok(Self {
            table_name: config::required("TABLE_NAME")?,
            integration: QueueRoute { url: config::required("INTEGRATION_QUEUE_URL")?, dlq_url: config::required("INTEGRATION_DLQ_URL")? },
            inbound,
            delivery,
        })
    }
}

/// AIS "Labor Market" over HTTPS.
pub struct HttpsGateway {
    client: reqwest::Client,
    endpoint: String,
    timeout: Duration,
    token: Option<String>,
}

impl HttpsGateway {
    pub fn new(endpoint: String, timeout: Duration, token: Option<String>) -> Result<Self, String> {
        // The AWS SDK's TLS provider; installing it twice is harmless.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTPS client: {e}"))?;
        Ok(Self { client, endpoint, timeout, token })
    }
}

/// At most this much of AIS's answer is kept (in the processed-event record and the log).
const ANSWER_LIMIT: usize = 500;

/// AIS's status as an [`Answer`]: 2xx delivered, 409 delivered before, 408/429 and 5xx later,
/// any other 4xx never.
pub fn answer_of(status: u16, body: &str) -> Answer {
    let answer: String = body.chars().take(ANSWER_LIMIT).collect();
    match status {
        200..=299 => Answer::Delivered,
        409 => Answer::AlreadyDelivered,
        408 | 429 => Answer::Unavailable(format!("AIS answered {status}: {answer}")),
        400..=499 => Answer::Rejected { status, answer },
        _ => Answer::Unavailable(format!("AIS answered {status}: {answer}")),
    }
}

#[async_trait]
impl Gateway for HttpsGateway {
    async fn deliver(&self, document: &Document) -> Answer {
        let mut request = self
            .client
            .post(&self.endpoint)
            .header("content-type", "application/json")
            .header("idempotency-key", &document.event_id)
            .body(serde_json::to_vec(&document.body).unwrap_or_default());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                answer_of(status, &body)
            }
            Err(e) if e.is_timeout() => Answer::Unavailable(format!("AIS did not answer within {} ms", self.timeout.as_millis())),
            Err(e) => Answer::Unavailable(format!("AIS unreachable: {}", enbek_core::telemetry::chain(&e))),
        }
    }
}

/// The consumer with its clients, built once.
pub struct App {
    pub sync: LaborMarketSync,
    pub control: SqsControl,
}

/// The composition root: `main.rs` and the tests build the consumer here.
pub fn sync_app(config: Config, aws: &enbek_aws::Aws, clock: Arc<dyn Clock>) -> Result<App, String> {
    let table = Table::new(aws.dynamodb(), config.table_name);
    let gateway: Arc<dyn Gateway> = match config.delivery {
        Delivery::Https { endpoint, timeout, token } => Arc::new(HttpsGateway::new(endpoint, timeout, token)?),
        Delivery::Bucket { bucket } => Arc::new(ExchangeFolder { files: Arc::new(aws.s3_files(bucket)) }),
    };
    let inbound_queue = config.inbound.as_ref().map(|r| r.name().to_owned());
    let routes = std::iter::once(config.integration).chain(config.inbound).collect();
    Ok(App {
        sync: LaborMarketSync {
            gateway,
            activity: Arc::new(DynamoVacancies::new(table.clone())),
            processed: Arc::new(DynamoProcessed::new(table)),
            clock,
            inbound_queue,
        },
        control: SqsControl::new(aws.sqs(), routes),
    })
}

impl App {
    /// One SQS batch (from either queue): the failed message IDs out.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        enbek_aws::consumer::consume(&self.sync, &self.control, &event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ais_statuses_map_to_delivered_duplicate_poison_or_retry() {
        assert_eq!(answer_of(201, ""), Answer::Delivered);
        assert_eq!(answer_of(409, "seen"), Answer::AlreadyDelivered);
        assert_eq!(answer_of(400, "bad bin"), Answer::Rejected { status: 400, answer: "bad bin".into() });
        assert_eq!(answer_of(422, &"x".repeat(2000)), Answer::Rejected { status: 422, answer: "x".repeat(ANSWER_LIMIT) });
        assert!(matches!(answer_of(429, ""), Answer::Unavailable(_)), "throttling is not poison");
        assert!(matches!(answer_of(408, ""), Answer::Unavailable(_)));
        assert!(matches!(answer_of(503, ""), Answer::Unavailable(_)));
        assert!(matches!(answer_of(302, ""), Answer::Unavailable(_)), "a redirect is not followed nor taken as delivered");
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        assert!(endpoint_allowed("https://ais.enbek.kz/api/v1/documents"));
        assert!(endpoint_allowed("http://127.0.0.1:8080/documents"));
        assert!(!endpoint_allowed("http://ais.enbek.kz/documents"));
        assert!(!endpoint_allowed("http://127.0.0.1.evil.example/documents"));
    }
}
