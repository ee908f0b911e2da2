//! The audit trail (ACS-12): who did what to which record, when, from where, in which request.
//! Entries of changes are written in the same transaction as the change they describe, so a
//! change without its audit entry cannot happen; events that change nothing (reads, refused
//! sign-ins, exports) are recorded on their own.

use crate::codes::Lang;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a command comes from: the request as the edge saw it. Use cases copy it into audit
/// entries and records (the caller's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The request ID of the edge (API Gateway's `requestContext.requestId`), or the event ID
    /// of a scheduled or queued invocation.
    pub request_id: String,
    /// The caller's address as the edge saw it (never a client-supplied header).
    pub source_ip: String,
    /// The caller's language (`Accept-Language`).
    pub lang: Lang,
}

impl Origin {
    /// A system job (the sweep, a consumer, the bootstrap).
    pub fn system(request_id: impl Into<String>) -> Self {
        Self { request_id: request_id.into(), source_ip: "internal".into(), lang: Lang::Kk }
    }

    /// An origin for tests and scripts.
    pub fn test() -> Self {
        Self { request_id: "test".into(), source_ip: "192.0.2.1".into(), lang: Lang::Kk }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at: Timestamp,
    /// Account ID of the actor, or `anonymous` / `system:<name>`.
    pub actor: String,
    /// Dotted verb, e.g. `account.registered`, `session.created`, `account.blocked`.
    pub action: String,
    /// What was acted on, e.g. `account:<id>`.
    pub target: String,
    pub source_ip: String,
    pub request_id: String,
    /// Non-secret details (never passwords, tokens or full IINs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl AuditEntry {
    pub fn new(at: Timestamp, actor: impl Into<String>, action: &str, target: impl Into<String>, origin: &Origin) -> Self {
        Self {
            id: crate::ids::new_id(),
            at,
            actor: actor.into(),
            action: action.to_owned(),
            target: target.into(),
            source_ip: origin.source_ip.clone(),
            request_id: origin.request_id.clone(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}
