//! Token-bucket rate limiting, globally or per value of a field.

use std::fmt::Write as _;
use std::time::Instant;

use super::table::{random_seed, Table};
use crate::record::Value;
use crate::Error;

/// Let through at most `burst` records at once and `per_second` on average.
///
/// A token bucket holding up to `burst` tokens, refilled at `per_second`;
/// each record takes one token and is dropped when none is left. It starts
/// full.
///
/// With `key_field`, each distinct value of that field (its text for a
/// string, its `Display` text for a number or boolean, bytes as lossy
/// UTF-8) has its own bucket;
/// records without the field (or with a `null`) share one more bucket. At
/// most `max_keys` buckets are kept: a new key evicts the one used least
/// recently, so a key that comes back after being evicted starts with a full
/// bucket again. Memory is allocated once; afterwards a record allocates
/// nothing, except a new key longer than every key its bucket held before.
///
/// ```
/// let r = fapilog::filter::RateLimit::new(100.0, 20).per_key("user_id");
/// assert!(r.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    /// Average records per second let through (per key), finite and > 0.
    pub per_second: f64,
    /// Records let through at once after a quiet period (per key), ≥ 1.
    pub burst: u32,
    /// The field whose value selects the bucket (`None`: one bucket).
    pub key_field: Option<String>,
    /// The most keys tracked at once (default 1024), ≥ 1.
    pub max_keys: usize,
}

impl RateLimit {
    /// Keys tracked by default with [`RateLimit::per_key`].
    pub const DEFAULT_MAX_KEYS: usize = 1024;

    /// One bucket: `per_second` on average, `burst` at once.
    pub fn new(per_second: f64, burst: u32) -> RateLimit {
        RateLimit {
            per_second,
            burst,
            key_field: None,
            max_keys: RateLimit::DEFAULT_MAX_KEYS,
        }
    }

    /// One bucket per value of the field named `field`.
    pub fn per_key(mut self, field: impl Into<String>) -> RateLimit {
        self.key_field = Some(field.into());
        self
    }

    /// The most keys tracked at once.
    pub fn max_keys(mut self, max_keys: usize) -> RateLimit {
        self.max_keys = max_keys;
        self
    }

    /// Checks the settings; the error names the one at fault
    /// (`rate_limit.per_second`, `rate_limit.burst`, `rate_limit.key_field`,
    /// `rate_limit.max_keys`).
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.per_second.is_finite() && self.per_second > 0.0) {
            return Err(Error::invalid(
                "rate_limit.per_second",
                self.per_second,
                "a finite number of records per second above 0",
            ));
        }
        if self.burst == 0 {
            return Err(Error::invalid("rate_limit.burst", 0, "at least 1"));
        }
        if let Some(field) = &self.key_field {
            if field.is_empty() {
                return Err(Error::invalid(
                    "rate_limit.key_field",
                    "\"\"",
                    "a field name",
                ));
            }
            if self.max_keys == 0 {
                return Err(Error::invalid("rate_limit.max_keys", 0, "at least 1"));
            }
        }
        Ok(())
    }

    /// The worker-side state, every bucket full at `now`. Call
    /// [`RateLimit::validate`] first.
    pub(crate) fn limiter(&self, now: Instant) -> RateLimiter {
        RateLimiter {
            per_second: self.per_second,
            burst: self.burst.max(1) as f64,
            shared: Bucket::full(self.burst.max(1) as f64, now),
            keys: self
                .key_field
                .as_ref()
                .map(|_| Table::new(self.max_keys, random_seed())),
        }
    }

    /// The key of a record for [`RateLimiter::keep`]: the value of the
    /// `key_field` field among `fields`, borrowed when it is a string,
    /// otherwise written into `scratch`. `None` when not keyed, or when the
    /// record has no such field or it is `null`.
    pub(crate) fn key_of<'a>(
        &self,
        fields: &[(&str, Value<'a>)],
        scratch: &'a mut String,
    ) -> Option<&'a str> {
        let name = self.key_field.as_deref()?;
        let (_, value) = fields.iter().find(|(n, _)| *n == name)?;
        scratch.clear();
        let _ = match *value {
            Value::Null => return None,
            Value::Str { text, .. } => return Some(text),
            Value::Bytes { bytes, .. } => match std::str::from_utf8(bytes) {
                Ok(text) => return Some(text),
                Err(_) => {
                    // As `from_utf8_lossy`, without its allocation.
                    for chunk in bytes.utf8_chunks() {
                        scratch.push_str(chunk.valid());
                        if !chunk.invalid().is_empty() {
                            scratch.push(char::REPLACEMENT_CHARACTER);
                        }
                    }
                    Ok(())
                }
            },
            Value::Bool(b) => write!(scratch, "{b}"),
            Value::I64(v) => write!(scratch, "{v}"),
            Value::U64(v) => write!(scratch, "{v}"),
            Value::I128(v) => write!(scratch, "{v}"),
            Value::U128(v) => write!(scratch, "{v}"),
            Value::F64(v) => write!(scratch, "{v}"),
        };
        Some(scratch.as_str())
    }
}

/// A token bucket.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(burst: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: burst,
            last: now,
        }
    }

    /// Refills for the time since the last call, then takes a token if there
    /// is one. A clock going backwards refills nothing.
    fn take(&mut self, now: Instant, per_second: f64, burst: f64) -> bool {
        if now > self.last {
            let elapsed = now.duration_since(self.last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * per_second).min(burst);
            self.last = now;
        }
        // A hair of slack so that exact refills (0.1 s × 10/s) never fall
        // short by a rounding error.
        if self.tokens >= 1.0 - 1e-9 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            true
        } else {
            false
        }
    }
}

/// The rate limiting decision for each record, on the worker.
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    /// The bucket when not keyed, and for records without a key.
    shared: Bucket,
    keys: Option<Table<Bucket>>,
}

impl RateLimiter {
    /// Whether to keep a record with this key (see [`RateLimit::key_of`]) at
    /// `now`. The key is ignored when the limit is not keyed.
    pub(crate) fn keep(&mut self, key: Option<&str>, now: Instant) -> bool {
        let RateLimiter {
            per_second,
            burst,
            shared,
            keys,
        } = self;
        let bucket = match (keys, key) {
            (Some(table), Some(key)) => {
                let entry = table.entry(0, key, "", || Bucket::full(*burst, now));
                &mut table.slot_mut(entry.index).value
            }
            _ => shared,
        };
        bucket.take(now, *per_second, *burst)
    }

    /// Keys tracked now.
    #[cfg(test)]
    fn keys(&self) -> usize {
        self.keys.as_ref().map_or(0, Table::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn burst_then_the_steady_rate() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(10.0, 5).limiter(t0);
        // The burst, all at once; then nothing.
        assert_eq!((0..20).filter(|_| r.keep(None, t0)).count(), 5);
        // One token every 100 ms.
        assert!(!r.keep(None, t0 + ms(99)));
        assert!(r.keep(None, t0 + ms(100)));
        assert!(!r.keep(None, t0 + ms(100)));
        // Over 10 s (1 s under miri) of a record every ms, 10/s get through.
        let span_ms = if cfg!(miri) { 1_000 } else { 10_000 };
        let mut kept = 0;
        for i in 1..=span_ms {
            kept += r.keep(None, t0 + ms(100 + i)) as u64;
        }
        assert_eq!(kept, span_ms / 100);
        // After a long pause the bucket holds `burst`, no more.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!((0..20).filter(|_| r.keep(None, later)).count(), 5);
    }

    #[test]
    fn fractional_rates() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(0.5, 1).limiter(t0);
        assert!(r.keep(None, t0));
        assert!(!r.keep(None, t0 + ms(1999)));
        assert!(r.keep(None, t0 + ms(2000)));
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut r = RateLimit::new(1.0, 1).limiter(t0);
        assert!(r.keep(None, t0));
        assert!(!r.keep(None, t0 - Duration::from_secs(5)));
        assert!(!r.keep(None, t0 + ms(999)));
        assert!(r.keep(None, t0 + ms(1000)));
    }

    #[test]
    fn keys_have_independent_buckets() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(1.0, 2).per_key("user").limiter(t0);
        assert!(r.keep(Some("alice"), t0));
        assert!(r.keep(Some("alice"), t0));
        assert!(!r.keep(Some("alice"), t0));
        assert!(r.keep(Some("bob"), t0));
        assert!(r.keep(Some("bob"), t0));
        assert!(!r.keep(Some("bob"), t0));
        // No key: the shared bucket.
        assert!(r.keep(None, t0));
        assert!(r.keep(None, t0));
        assert!(!r.keep(None, t0));
        assert!(r.keep(Some("alice"), t0 + ms(1000)));
        assert!(!r.keep(Some("alice"), t0 + ms(1000)));
        assert_eq!(r.keys(), 2);
    }

    #[test]
    fn unkeyed_limits_ignore_the_key() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(1.0, 2).limiter(t0);
        assert!(r.keep(Some("a"), t0));
        assert!(r.keep(Some("b"), t0));
        assert!(!r.keep(Some("c"), t0));
        assert!(!r.keep(None, t0));
    }

    #[test]
    fn the_stalest_key_is_evicted_and_comes_back_full() {
        let t0 = Instant::now();
        let mut r = RateLimit::new(1.0, 1).per_key("k").max_keys(2).limiter(t0);
        assert!(r.keep(Some("a"), t0));
        assert!(r.keep(Some("b"), t0 + ms(1)));
        assert!(!r.keep(Some("a"), t0 + ms(2))); // a is now the most recent
        assert!(r.keep(Some("c"), t0 + ms(3))); // evicts b, the stalest
        assert_eq!(r.keys(), 2);
        assert!(!r.keep(Some("a"), t0 + ms(4))); // a kept its (empty) bucket
        assert!(r.keep(Some("b"), t0 + ms(5))); // b starts over, full
    }

    #[test]
    fn validation_names_the_setting() {
        let bad = [
            (RateLimit::new(0.0, 1), "rate_limit.per_second"),
            (RateLimit::new(-1.0, 1), "rate_limit.per_second"),
            (RateLimit::new(f64::NAN, 1), "rate_limit.per_second"),
            (RateLimit::new(f64::INFINITY, 1), "rate_limit.per_second"),
            (RateLimit::new(1.0, 0), "rate_limit.burst"),
            (RateLimit::new(1.0, 1).per_key(""), "rate_limit.key_field"),
            (
                RateLimit::new(1.0, 1).per_key("k").max_keys(0),
                "rate_limit.max_keys",
            ),
        ];
        for (limit, setting) in bad {
            let shown = limit.validate().unwrap_err().to_string();
            assert!(shown.contains(&format!("`{setting}`")), "{shown}");
        }
        assert!(RateLimit::new(1e-3, 1).validate().is_ok());
        assert!(RateLimit::new(1.0, 1).max_keys(0).validate().is_ok()); // unkeyed
    }

    #[test]
    fn keys_come_from_the_named_field() {
        let limit = RateLimit::new(1.0, 1).per_key("user");
        let mut scratch = String::new();
        let str_field = [
            ("other", Value::U64(1)),
            (
                "user",
                Value::Str {
                    text: "alice",
                    truncated: false,
                },
            ),
        ];
        assert_eq!(limit.key_of(&str_field, &mut scratch), Some("alice"));
        let cases = [
            (Value::U64(42), Some("42")),
            (Value::I64(-7), Some("-7")),
            (Value::Bool(true), Some("true")),
            (Value::F64(1.5), Some("1.5")),
            (
                Value::U128(u128::MAX),
                Some("340282366920938463463374607431768211455"),
            ),
            (
                Value::Bytes {
                    bytes: b"ok",
                    truncated: false,
                },
                Some("ok"),
            ),
            (
                Value::Bytes {
                    bytes: b"\xffx",
                    truncated: false,
                },
                Some("\u{fffd}x"),
            ),
            (Value::Null, None),
        ];
        for (value, want) in cases {
            let mut scratch = String::new();
            assert_eq!(limit.key_of(&[("user", value)], &mut scratch), want);
        }
        let mut scratch = String::new();
        assert_eq!(limit.key_of(&[("x", Value::U64(1))], &mut scratch), None);
        let unkeyed = RateLimit::new(1.0, 1);
        let mut scratch = String::new();
        assert_eq!(unkeyed.key_of(&str_field, &mut scratch), None);
    }
}
