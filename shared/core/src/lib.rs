//! The core of the Electronic Labor Exchange backend: domain types and rules, the use cases
//! (one per operation), and the ports (narrow traits) they run over. Nothing here knows AWS,
//! HTTP or the Lambda runtime: adapters (`enbek-aws`) implement the ports, the HTTP layer
//! (`enbek-http`) parses requests into commands and maps outcomes and errors to responses, and
//! `enbek-testkit` holds in-memory fakes so every rule here is tested in milliseconds.
//!
//! Layering (outer to inner): a function's handler → a use case in [`usecases`] → [`ports`] →
//! adapters. Domain value types in [`domain`] parse their input once ("parse, don't validate").

pub mod ais;
pub mod attachments;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod codes;
pub mod config;
pub mod consume;
pub mod domain;
pub mod enums;
pub mod ids;
pub mod input;
pub mod mail;
pub mod outbox;
pub mod page;
pub mod password;
pub mod ports;
#[cfg(feature = "seal")]
pub mod seal;
pub mod telemetry;
pub mod usecases;

#[doc(hidden)]
pub use strum;
#[cfg(feature = "openapi")]
pub use utoipa;
