//! The audit trail (ACS-12): who did what to which record, when, from where, in which request.
//! Entries are written in the same DynamoDB transaction as the change they describe, so a
//! change without its audit row cannot happen.

use crate::http::context;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
    /// An entry for the current request (request ID and source address come from its context).
    pub fn new(at: Timestamp, actor: impl Into<String>, action: &str, target: impl Into<String>) -> Self {
        let ctx = context::current();
        Self {
            id: crate::ids::new_id(),
            at,
            actor: actor.into(),
            action: action.to_owned(),
            target: target.into(),
            source_ip: ctx.source_ip,
            request_id: ctx.request_id,
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}
