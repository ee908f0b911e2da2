//! The library every function of the Electronic Labor Exchange backend uses.
//!
//! Layering (outer to inner): `http` (axum layers, body parsing, problem+json) →
//! use cases in each function crate → `ports` (narrow traits) → adapters (`dynamo`).
//! Domain value types in `domain` parse their input once ("parse, don't validate").

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod bootstrap;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod config;
pub mod domain;
pub mod dynamo;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod outbox;
pub mod page;
pub mod ports;
pub mod runtime;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sqs")]
pub mod sqs;
pub mod telemetry;

pub use error::ApiError;
