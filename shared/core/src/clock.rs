//! Time comes from a port so that tests can move it (lock-out expiry, inactivity, deadlines).

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// Wall-clock time, truncated to milliseconds so that stored timestamps sort as text.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = Timestamp::now().as_millisecond();
        Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// A clock that stands still until moved. For tests and for replaying a sweep at a given time.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t = t.checked_add(by).unwrap_or(*t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Fixed-width UTC text of a timestamp (`2026-11-23T08:00:00.000Z`), for sort keys: RFC 3339
/// with exactly three fractional digits, so that text order is time order.
pub fn sort_key(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_like_time() {
        let a: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-01-01T00:00:00.5Z".parse().unwrap();
        let c: Timestamp = "2026-01-01T00:00:01Z".parse().unwrap();
        assert_eq!(sort_key(a), "2026-01-01T00:00:00.000Z");
        assert!(sort_key(a) < sort_key(b) && sort_key(b) < sort_key(c));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let t: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let c = ManualClock::new(t);
        assert_eq!(c.now(), t);
        c.advance(SignedDuration::from_mins(15));
        assert_eq!(c.now(), "2026-11-23T10:15:00Z".parse::<Timestamp>().unwrap());
    }
}
