//! AIS "Labor Market" (OPS-3, order No. 206 §30–35): the documents the portal sends (VAC-2,
//! VAC-5, GRT-4) and the messages it receives (VAC-6). Both are versioned (`schema: 1`); the
//! README lists every field ("AIS documents").
//!
//! An outbound document is the integration event with its schema version and source:
//! `{schema, event_id, type, occurred_at, source, data}`. The required fields of `data` per type
//! are [`DOCUMENT_TYPES`]; an event of another type, or missing one of them, is never sent.

use crate::outbox::Event;
use crate::ports::StoreError;
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

/// The version of the document and message formats.
pub const SCHEMA: u32 = 1;

/// Every outbound type and the fields (JSON pointers into `data`) a document of it carries.
pub const DOCUMENT_TYPES: &[(&str, &[&str])] = &[
    ("vacancy.published", VACANCY),
    ("vacancy.closed", VACANCY),
    (
        "layoff_notice.submitted",
        &[
            "/layoff_notice/id",
            "/layoff_notice/employer_bin",
            "/layoff_notice/company_name",
            "/layoff_notice/reason",
            "/layoff_notice/starts_on",
            "/layoff_notice/ends_on",
            "/layoff_notice/affected",
        ],
    ),
    (
        "grant_report.submitted",
        &[GRANT_ID, GRANT_IIN, GRANT_CONTRACT, "/report/id", "/report/expenses", "/report/total_tiyn", "/report/submitted_at"],
    ),
    (
        "grant_report.decided",
        &[GRANT_ID, GRANT_IIN, GRANT_CONTRACT, "/report/id", "/report/status", "/report/decision", "/report/total_tiyn"],
    ),
    (
        "grant_refund.applied",
        &[GRANT_ID, GRANT_IIN, GRANT_CONTRACT, "/refund/id", "/refund/amount_tiyn", "/refund/reason", "/refund/status"],
    ),
    (
        "grant_refund.decided",
        &[GRANT_ID, GRANT_IIN, GRANT_CONTRACT, "/refund/id", "/refund/amount_tiyn", "/refund/status", "/refund/decision"],
    ),
    (
        "vacancy.candidate_outcome",
        &["/outcome/id", "/outcome/vacancy_id", "/outcome/kind", "/outcome/iin", "/outcome/on", "/employer/bin", "/employer/company_name"],
    ),
];

const VACANCY: &[&str] = &[
    "/vacancy/id",
    "/vacancy/status",
    "/vacancy/title",
    "/vacancy/description",
    "/vacancy/occupation_code",
    "/vacancy/region_code",
    "/vacancy/salary_from",
    "/vacancy/employment_type",
    "/vacancy/positions",
    "/vacancy/contact_name",
    "/vacancy/contact_phone",
    "/vacancy/valid_until",
    "/vacancy/published_at",
    "/employer/bin",
    "/employer/company_name",
];
const GRANT_ID: &str = "/grant/id";
const GRANT_IIN: &str = "/grant/recipient_iin";
const GRANT_CONTRACT: &str = "/grant/contract_number";

/// A document for AIS.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub event_id: String,
    pub kind: String,
    pub occurred_at: Timestamp,
    /// The whole document, as sent.
    pub body: Value,
}

/// The document of an integration event, or why there is none (a poison message).
pub fn document(event: &Event) -> Result<Document, String> {
    let Some((_, required)) = DOCUMENT_TYPES.iter().find(|(t, _)| *t == event.kind) else {
        return Err(format!("no AIS document for events of type {:?}", event.kind));
    };
    let missing: Vec<&str> = required.iter().copied().filter(|p| event.data.pointer(p).is_none_or(Value::is_null)).collect();
    if !missing.is_empty() {
        return Err(format!("a {} event without {}", event.kind, missing.join(", ")));
    }
    Ok(Document {
        event_id: event.event_id.clone(),
        kind: event.kind.clone(),
        occurred_at: event.occurred_at,
        body: json!({
            "schema": SCHEMA,
            "event_id": event.event_id,
            "type": event.kind,
            "occurred_at": event.occurred_at,
            "source": "enbek.kz",
            "data": event.data,
        }),
    })
}

/// What AIS (or the local exchange) made of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Accepted now (2xx).
    Delivered,
    /// Accepted before: the same `Idempotency-Key` (409).
    AlreadyDelivered,
    /// Refused for good (any other 4xx): the status and what AIS said.
    Rejected { status: u16, answer: String },
    /// Not now (5xx, timeout, no connection): try again later.
    Unavailable(String),
}

/// Where documents go: AIS's HTTPS endpoint, or the bucket's exchange folder locally.
#[async_trait]
pub trait Gateway: Send + Sync {
    async fn deliver(&self, document: &Document) -> Answer;
}

/// The local exchange: each document as `exchange/ais/<yyyy-mm-dd>/<type>/<event-id>.json` in the
/// bucket (the day in Asia/Almaty), for a person to read what would have been sent.
pub struct ExchangeFolder {
    pub files: std::sync::Arc<dyn crate::ports::FileStore>,
}

impl ExchangeFolder {
    pub fn key(document: &Document) -> String {
        let day = document.occurred_at.to_zoned(crate::calendar::almaty()).date();
        format!("exchange/ais/{day}/{}/{}.json", document.kind, document.event_id)
    }
}

#[async_trait]
impl Gateway for ExchangeFolder {
    async fn deliver(&self, document: &Document) -> Answer {
        let body = serde_json::to_vec_pretty(&document.body).unwrap_or_default();
        match self.files.put(&Self::key(document), "application/json", body).await {
            Ok(()) => Answer::Delivered,
            Err(e) => Answer::Unavailable(crate::telemetry::chain(&e)),
        }
    }
}

/// A message from AIS (VAC-6, order 206 §33): the responses to a vacancy so far.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inbound {
    pub schema: u32,
    pub message_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub vacancy_id: String,
    /// How many people have responded to the vacancy through AIS, in all, as of `as_of`.
    pub responses_count: u32,
    pub as_of: Timestamp,
}

/// The type of [`Inbound`] messages.
pub const INBOUND_RESPONSES: &str = "vacancy.responses";

impl Inbound {
    /// A message, or why it is not a valid one (poison).
    pub fn parse(body: &str) -> Result<Self, String> {
        let m: Inbound = serde_json::from_str(body).map_err(|e| format!("not an AIS message of schema {SCHEMA}: {e}"))?;
        if m.schema != SCHEMA {
            return Err(format!("schema {} is not {SCHEMA}", m.schema));
        }
        if m.kind != INBOUND_RESPONSES {
            return Err(format!("type {:?} is not {INBOUND_RESPONSES:?}", m.kind));
        }
        if m.message_id.trim().is_empty() || m.vacancy_id.trim().is_empty() {
            return Err("empty message_id or vacancy_id".into());
        }
        Ok(m)
    }

    /// As an event, for the processed-event record.
    pub fn as_event(&self) -> Event {
        Event { event_id: self.message_id.clone(), kind: self.kind.clone(), occurred_at: self.as_of, data: Value::Null }
    }
}

/// The store behind inbound messages.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Records the response count as of `as_of` on the vacancy unless a later count is there:
    /// `Ok(None)` if the vacancy does not exist, `Ok(Some(false))` for a stale count.
    async fn record_responses(&self, vacancy_id: &str, count: u32, as_of: Timestamp, now: Timestamp) -> Result<Option<bool>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: Value) -> Event {
        Event { event_id: "e1".into(), kind: kind.into(), occurred_at: "2026-11-25T19:30:00Z".parse().unwrap(), data }
    }

    #[test]
    fn a_document_carries_its_schema_and_every_required_field() {
        let data = json!({"grant": {"id": "g", "recipient_iin": "870412300416", "contract_number": "1"},
                          "refund": {"id": "r", "amount_tiyn": 5, "reason": "x", "status": "applied"}});
        let d = document(&event("grant_refund.applied", data.clone())).unwrap();
        assert_eq!(
            (d.body["schema"].as_u64(), d.body["type"].as_str(), d.body["data"].clone()),
            (Some(1), Some("grant_refund.applied"), data.clone())
        );
        let mut partial = data;
        partial["refund"]["amount_tiyn"] = Value::Null;
        assert!(document(&event("grant_refund.applied", partial)).unwrap_err().contains("/refund/amount_tiyn"));
        assert!(document(&event("account.inactivity_blocked", json!({}))).unwrap_err().contains("no AIS document"));
        // The exchange key's day is Almaty's: 19:30 UTC is already the 26th there.
        assert_eq!(ExchangeFolder::key(&d), "exchange/ais/2026-11-26/grant_refund.applied/e1.json");
    }

    #[test]
    fn inbound_messages_are_strict() {
        let ok = r#"{"schema":1,"message_id":"m1","type":"vacancy.responses","vacancy_id":"v1","responses_count":3,"as_of":"2026-11-25T10:00:00Z"}"#;
        assert_eq!(Inbound::parse(ok).unwrap().responses_count, 3);
        for bad in [
            ok.replace("\"schema\":1", "\"schema\":2"),
            ok.replace("vacancy.responses", "vacancy.hired"),
            ok.replace("\"responses_count\":3", "\"responses_count\":-1"),
            ok.replace("\"v1\"", "\"\""),
            ok.replace("}", ",\"extra\":1}"),
            "not json".to_owned(),
        ] {
            assert!(Inbound::parse(&bad).is_err(), "{bad}");
        }
    }
}
