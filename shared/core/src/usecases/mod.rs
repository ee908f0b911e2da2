//! Use cases: one method per operation of the API, on a small service struct per capability
//! that holds the ports it needs (built once per process by the function's composition root).
//! Each takes the caller, a typed command and the request's [`Origin`](crate::audit::Origin),
//! and returns a typed outcome or its own error enum; `enbek-http` maps every error enum to a
//! status and code in one place.
//!
//! Commands are parsed by their own `parse` (pure, every bad field at once). Where the caller
//! must be authorised before being told what is wrong with the input, the use case takes the
//! parse result itself (`Result<Command, Invalid>`) and checks the caller first. Where
//! references must be looked up in storage before every bad field can be reported (cited
//! attachments), the use case takes the input's [`Fields`](crate::input::Fields).

pub mod access;
pub mod accounts;
pub mod bootstrap;
pub mod grants;
pub mod labor_market;
pub mod notify;
pub mod sessions;
pub mod sweep;
pub mod tickets;
pub mod vacancies;

use crate::domain::{Account, Role};

/// Whether `account` holds one of `roles`.
pub fn has_role(account: &Account, roles: &[Role]) -> bool {
    roles.contains(&account.role)
}
