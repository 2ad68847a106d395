//! Slowing down guessing: failed attempts per key (a client address, an account, a phone), with a
//! pause that doubles with each failure past a free allowance.
//!
//! A key is never locked for long: the pause is capped, and it only ever applies to the key that
//! failed. Which keys an attempt counts against is the caller's choice, so that the owner of an
//! account or an order, trying from their own device, is not locked out by someone else's guesses
//! (see `App::login` and `App::track_public`).

use std::collections::HashMap;
use std::sync::Mutex;

use hotline_domain::Timestamp;

/// How one kind of key is throttled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    /// Failures in a window before the first pause: the attempt after the `free`-th failure waits.
    pub free: u32,
    /// The first pause (seconds), doubled at each further failure…
    pub first_pause_secs: i64,
    /// …up to this.
    pub max_pause_secs: i64,
    /// Failures older than this are forgotten.
    pub window_secs: i64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Timestamp,
    paused_until: Option<Timestamp>,
}

/// Failures per key under one [`Rule`].
pub(crate) struct Throttle {
    rule: Rule,
    entries: Mutex<HashMap<String, Entry>>,
}

/// Keys kept at most (beyond it, expired ones are dropped; an attacker flooding new keys only
/// forgets their own).
const MAX_KEYS: usize = 200_000;

impl Throttle {
    pub(crate) fn new(rule: Rule) -> Self {
        Self { rule, entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `Err(seconds to wait)` while `key` is paused.
    pub(crate) fn check(&self, key: &str, now: Timestamp) -> Result<(), u64> {
        match self.lock().get(key).and_then(|e| e.paused_until) {
            Some(until) if until > now => Err(u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)),
            _ => Ok(()),
        }
    }

    /// Records a failure; from the `free`-th on, the key is paused, twice as long each time.
    pub(crate) fn fail(&self, key: &str, now: Timestamp) {
        let rule = self.rule;
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, e| (now - e.last).num_seconds() < rule.window_secs || e.paused_until.is_some_and(|u| u > now));
        }
        let e = map.entry(key.to_owned()).or_insert(Entry { failures: 0, last: now, paused_until: None });
        if (now - e.last).num_seconds() >= rule.window_secs {
            *e = Entry { failures: 0, last: now, paused_until: None };
        }
        e.failures += 1;
        e.last = now;
        if e.failures >= rule.free {
            let doublings = (e.failures - rule.free).min(30);
            let pause = rule.first_pause_secs.saturating_mul(1_i64 << doublings).min(rule.max_pause_secs);
            e.paused_until = Some(now + chrono::Duration::seconds(pause));
        }
    }

    /// Forgets `key`'s failures (a success).
    pub(crate) fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

/// The throttles of logins and order tracking, and the bound on password hashing.
pub(crate) struct Guards {
    /// One account from one client: a person mistyping, or a guesser at one account.
    pub login_pair: Throttle,
    /// One client over all accounts: a guesser spraying passwords.
    pub login_client: Throttle,
    /// One account over all clients: a distributed guesser. Capped at a minute's pause, so no one
    /// can shut a colleague out of her account for longer.
    pub login_account: Throttle,
    /// One client's failed trackings over all numbers and phones.
    pub track_client: Throttle,
    /// One client trying one phone against many numbers (finding a person's orders).
    pub track_phone: Throttle,
    /// Password hashes computed at once (each takes tens of milliseconds and 19 MiB).
    pub hashing: tokio::sync::Semaphore,
    /// Hashes waiting for a permit; past [`MAX_HASH_QUEUE`] a login is told to retry.
    pub hash_queue: std::sync::atomic::AtomicUsize,
}

/// Password checks that may wait for a permit; more are refused with 503 at once rather than
/// piling up.
pub(crate) const MAX_HASH_QUEUE: usize = 64;

impl Default for Guards {
    fn default() -> Self {
        let hour = 3600;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            login_pair: Throttle::new(Rule { free: 5, first_pause_secs: 1, max_pause_secs: 15 * 60, window_secs: hour }),
            login_client: Throttle::new(Rule { free: 30, first_pause_secs: 1, max_pause_secs: 15 * 60, window_secs: hour }),
            login_account: Throttle::new(Rule { free: 50, first_pause_secs: 1, max_pause_secs: 60, window_secs: hour }),
            track_client: Throttle::new(Rule { free: 10, first_pause_secs: 2, max_pause_secs: 15 * 60, window_secs: hour }),
            track_phone: Throttle::new(Rule { free: 3, first_pause_secs: 2, max_pause_secs: 15 * 60, window_secs: hour }),
            // Half the cores at most: the other half keeps serving everyone else.
            hashing: tokio::sync::Semaphore::new((cores / 2).max(1)),
            hash_queue: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).expect("time")
    }

    const RULE: Rule = Rule { free: 3, first_pause_secs: 2, max_pause_secs: 60, window_secs: 3600 };

    #[test]
    fn the_free_allowance_passes_then_each_failure_doubles_the_pause_up_to_the_cap() {
        let t = Throttle::new(RULE);
        for i in 0..2 {
            assert_eq!(t.check("k", at(i)), Ok(()));
            t.fail("k", at(i));
        }
        assert_eq!(t.check("k", at(2)), Ok(()), "two failures, no pause");
        // (failure number, pause it starts)
        for (n, pause) in [(3, 2), (4, 4), (5, 8), (6, 16), (7, 32), (8, 60), (9, 60)] {
            let now = at(100 * n);
            t.fail("k", now);
            assert_eq!(t.check("k", now), Err(pause as u64), "failure {n}");
            assert_eq!(t.check("k", now + chrono::Duration::seconds(pause)), Ok(()), "failure {n} waits {pause} s, no more");
        }
    }

    #[test]
    fn a_pause_is_for_the_failing_key_only_and_a_success_or_the_window_clears_it() {
        let t = Throttle::new(RULE);
        for i in 0..5 {
            t.fail("attacker", at(i));
        }
        assert!(t.check("attacker", at(5)).is_err());
        assert_eq!(t.check("owner", at(5)), Ok(()));
        t.clear("attacker");
        assert_eq!(t.check("attacker", at(5)), Ok(()));
        for i in 0..5 {
            t.fail("slow", at(i));
        }
        t.fail("slow", at(5000));
        assert_eq!(t.check("slow", at(5000)), Ok(()), "failures older than the window are forgotten: this is the first");
    }
}
