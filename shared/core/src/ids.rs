//! Server-generated identifiers: UUID v7 (time-ordered, so they sort roughly by creation).

pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Whether `s` looks like an ID this service issued (so garbage never reaches a key).
pub fn is_valid_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}
