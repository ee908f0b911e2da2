//! HTTP plumbing shared by every HTTP function: the common layers (request ID, language,
//! access log, CORS, fallbacks), the JSON body reader and per-field parser, and helpers for
//! the caller's address.

pub mod body;
pub mod context;
pub mod layers;
pub mod query;

pub use body::{Fields, JsonObject, MAX_BODY_BYTES};
pub use context::RequestContext;
pub use layers::{with_common_layers, HttpConfig};
pub use query::QueryFields;
