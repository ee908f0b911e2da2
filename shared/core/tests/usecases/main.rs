//! The use cases' rules, against the in-memory fakes of `enbek-testkit`: no AWS, no HTTP,
//! milliseconds per test. Test names cite the requirement they check.

mod access;
mod accounts;
mod consumers;
mod grants;
mod sessions;
mod support;
mod sweep;
mod tickets;
mod vacancies;
