//! Whole flows against moto, one test binary (one link) for all of them. Each module reads
//! like the rules it checks; domain rules themselves are unit-tested against the in-memory
//! fakes in `shared/core/tests`.

mod access;
mod accounts;
mod adapters;
mod consumers;
mod contracts;
mod events;
mod grants;
mod openapi;
mod sequence;
mod sign_in;
mod sweep;
mod tickets;
mod vacancies;
