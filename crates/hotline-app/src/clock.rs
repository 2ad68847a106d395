//! The one place that reads the system clock. Everything else receives "now" from a [`Clock`], so
//! tests can pin and advance time.

use std::sync::Mutex;

use hotline_domain::Timestamp;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the sanctioned call
    fn now(&self) -> Timestamp {
        // Millisecond precision: what the store keeps, so a value read back equals the one written.
        chrono::DurationRound::duration_trunc(chrono::Utc::now(), chrono::Duration::milliseconds(1)).unwrap_or_default()
    }
}

/// A clock that stands still until told to move.
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    pub fn new(t: Timestamp) -> Self {
        Self(Mutex::new(t))
    }

    pub fn set(&self, t: Timestamp) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = t;
    }

    pub fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *t += d;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
