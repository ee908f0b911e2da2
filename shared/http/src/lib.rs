//! What every HTTP function shares: the common layers (request ID, language, access log,
//! CORS, fallbacks), the input extractors, problem+json with the single mapping from use-case
//! errors to statuses ([`errors`]), access tokens and the signed-in caller, the
//! `Idempotency-Key` layer, the typed response views, and start-up wiring.
//! Non-HTTP functions do not depend on this crate.

pub mod auth;
pub mod body;
pub mod context;
pub mod cursor;
pub mod error;
pub mod errors;
pub mod idempotency;
pub mod layers;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod runtime;
pub mod views;

pub use body::{JsonBody, Query};
pub use error::ApiError;
pub use layers::{with_common_layers, HttpConfig};
pub use runtime::{HttpBase, HttpSettings, StartError};
