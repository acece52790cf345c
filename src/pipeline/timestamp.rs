//! RFC 3339 UTC timestamps (`2026-11-21T10:30:00.123Z`), written without
//! allocation and without a date library.
//!
//! The calendar date comes from Howard Hinnant's `civil_from_days`
//! (<https://howardhinnant.github.io/date_algorithms.html>), which is exact
//! for the proleptic Gregorian calendar. A `u64` of nanoseconds since the Unix
//! epoch reaches 2554-07-21T23:34:33.709551615Z, so the year always has four
//! digits.

/// How many fractional digits of the second to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// No fraction: `2026-11-21T10:30:00Z`.
    Seconds,
    /// Milliseconds: `2026-11-21T10:30:00.123Z`.
    #[default]
    Millis,
    /// Microseconds: `2026-11-21T10:30:00.123456Z`.
    Micros,
    /// Nanoseconds: `2026-11-21T10:30:00.123456789Z`.
    Nanos,
}

impl std::str::FromStr for Precision {
    type Err = crate::ParseError;

    /// `seconds` (or `s`), `millis` (`ms`, `milliseconds`), `micros` (`us`,
    /// `microseconds`) or `nanos` (`ns`, `nanoseconds`), in any case.
    fn from_str(s: &str) -> Result<Precision, crate::ParseError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "seconds" | "s" => Precision::Seconds,
            "millis" | "ms" | "milliseconds" => Precision::Millis,
            "micros" | "us" | "microseconds" => Precision::Micros,
            "nanos" | "ns" | "nanoseconds" => Precision::Nanos,
            _ => {
                return Err(crate::ParseError::new(
                    "timestamp precision",
                    s,
                    "seconds, millis, micros or nanos (or s, ms, us, ns); any case",
                ))
            }
        })
    }
}

/// The longest output: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`.
const MAX_LEN: usize = 30;
/// `YYYY-MM-DDTHH:MM:`, the part that changes once a minute.
const PREFIX_LEN: usize = 17;
/// `YYYY-MM-DDTHH:MM:SS`, the part that changes once a second.
const SECONDS_LEN: usize = 19;

const NANOS_PER_SEC: u64 = 1_000_000_000;

/// `"00"`, `"01"`, … `"99"`.
static DIGITS2: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

#[inline(always)]
fn put2(buf: &mut [u8], at: usize, v: u32) {
    buf[at..at + 2].copy_from_slice(&DIGITS2[v as usize]);
}

/// Year, month (1–12) and day (1–31) of `days` days after 1970-01-01.
#[inline]
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1st
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400) as u32 + u32::from(month <= 2);
    (year, month, day)
}

/// Writes `YYYY-MM-DDTHH:MM:` for `secs` into `buf[..17]`.
#[inline]
fn fill_prefix(buf: &mut [u8], secs: u64) {
    let (year, month, day) = civil_from_days(secs / 86_400);
    let sod = (secs % 86_400) as u32;
    put2(buf, 0, year / 100);
    put2(buf, 2, year % 100);
    buf[4] = b'-';
    put2(buf, 5, month);
    buf[7] = b'-';
    put2(buf, 8, day);
    buf[10] = b'T';
    put2(buf, 11, sod / 3600);
    buf[13] = b':';
    put2(buf, 14, sod / 60 % 60);
    buf[16] = b':';
}

/// Writes `SS` for `secs` into `buf[17..19]`.
#[inline]
fn fill_second(buf: &mut [u8], secs: u64) {
    put2(buf, PREFIX_LEN, (secs % 60) as u32);
}

/// Writes `[.fff…]Z` into `buf` from index 19; returns the total length.
#[inline]
fn fill_fraction(buf: &mut [u8; MAX_LEN], nanos: u32, precision: Precision) -> usize {
    let (mut frac, digits) = match precision {
        Precision::Seconds => (0, 0),
        Precision::Millis => (nanos / 1_000_000, 3),
        Precision::Micros => (nanos / 1_000, 6),
        Precision::Nanos => (nanos, 9),
    };
    let mut end = SECONDS_LEN;
    if digits > 0 {
        buf[end] = b'.';
        let first = end + 1;
        end = first + digits;
        // Two digits at a time from the right, then the odd one out.
        let mut i = end;
        while i >= first + 2 {
            i -= 2;
            put2(buf, i, frac % 100);
            frac /= 100;
        }
        if i > first {
            buf[first] = b'0' + frac as u8;
        }
    }
    buf[end] = b'Z';
    end + 1
}

/// Appends `unix_nanos` (nanoseconds since 1970-01-01T00:00:00Z) as an
/// unquoted RFC 3339 UTC timestamp, e.g. `2026-11-21T10:30:00.123Z`. The
/// fraction is truncated, not rounded, to `precision`.
pub fn write_rfc3339(out: &mut Vec<u8>, unix_nanos: u64, precision: Precision) {
    let secs = unix_nanos / NANOS_PER_SEC;
    let nanos = (unix_nanos % NANOS_PER_SEC) as u32;
    let mut buf = [0u8; MAX_LEN];
    fill_prefix(&mut buf, secs);
    fill_second(&mut buf, secs);
    let len = fill_fraction(&mut buf, nanos, precision);
    crate::pipeline::json::write_raw(out, &buf[..len]);
}

/// Writes the same text as [`write_rfc3339`], remembering the
/// `YYYY-MM-DDTHH:MM:SS` of the last second it saw (and the minute's
/// `YYYY-MM-DDTHH:MM:`), so that most calls only format the fraction.
#[derive(Clone, Debug)]
pub struct TimestampCache {
    /// `secs` of the text in `buf`; `u64::MAX` (unreachable) when empty.
    second: u64,
    /// The last timestamp written: its first [`SECONDS_LEN`] bytes are those
    /// of `second`, the rest is rewritten by every call.
    buf: [u8; MAX_LEN],
}

impl Default for TimestampCache {
    fn default() -> Self {
        Self::new()
    }
}

impl TimestampCache {
    /// An empty cache.
    pub const fn new() -> Self {
        Self {
            second: u64::MAX,
            buf: [0; MAX_LEN],
        }
    }

    /// Appends exactly what [`write_rfc3339`] would.
    #[inline]
    pub fn write(&mut self, out: &mut Vec<u8>, unix_nanos: u64, precision: Precision) {
        let secs = unix_nanos / NANOS_PER_SEC;
        let nanos = (unix_nanos % NANOS_PER_SEC) as u32;
        if secs != self.second {
            // `u64::MAX / 60` is no minute a `u64` of nanoseconds reaches.
            if secs / 60 != self.second / 60 {
                fill_prefix(&mut self.buf, secs);
            }
            fill_second(&mut self.buf, secs);
            self.second = secs;
        }
        let len = fill_fraction(&mut self.buf, nanos, precision);
        crate::pipeline::json::write_raw(out, &self.buf[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: u64 = 1_000_000_000;

    fn ts(nanos: u64, p: Precision) -> String {
        let mut out = Vec::new();
        write_rfc3339(&mut out, nanos, p);
        String::from_utf8(out).unwrap()
    }

    /// Hinnant's `days_from_civil`, the inverse of the function under test.
    fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn is_leap(y: u64) -> bool {
        (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    }

    /// A slow, obviously correct reference: walk years, then months.
    fn naive_civil(mut days: u64) -> (u64, u64, u64) {
        let mut year = 1970;
        loop {
            let len = if is_leap(year) { 366 } else { 365 };
            if days < len {
                break;
            }
            days -= len;
            year += 1;
        }
        let feb = if is_leap(year) { 29 } else { 28 };
        let months = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut month = 0;
        while days >= months[month] {
            days -= months[month];
            month += 1;
        }
        (year, month as u64 + 1, days + 1)
    }

    /// Parses our own output strictly and turns it back into nanoseconds
    /// (truncated to the precision).
    fn parse(s: &str, p: Precision) -> u64 {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> u64 {
            assert!(b[r.clone()].iter().all(u8::is_ascii_digit), "{s}");
            s[r].parse().unwrap()
        };
        assert_eq!(
            (b[4], b[7], b[10], b[13], b[16]),
            (b'-', b'-', b'T', b':', b':'),
            "{s}"
        );
        let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
        let (h, mi, sec) = (num(11..13), num(14..16), num(17..19));
        assert!((1..=12).contains(&mo) && (1..=31).contains(&d), "{s}");
        assert!(h < 24 && mi < 60 && sec < 60, "{s}");
        let days = days_from_civil(y as i64, mo as i64, d as i64);
        // days_from_civil normalizes invalid dates: re-check the round trip.
        assert_eq!(naive_civil(days as u64), (y, mo, d), "{s}");
        let (frac, scale) = match p {
            Precision::Seconds => (0, 0),
            Precision::Millis => (num(20..23), 1_000_000),
            Precision::Micros => (num(20..26), 1_000),
            Precision::Nanos => (num(20..29), 1),
        };
        let len = match p {
            Precision::Seconds => 20,
            Precision::Millis => 24,
            Precision::Micros => 27,
            Precision::Nanos => 30,
        };
        assert_eq!(b.len(), len, "{s}");
        if p != Precision::Seconds {
            assert_eq!(b[19], b'.', "{s}");
        }
        assert_eq!(b[len - 1], b'Z', "{s}");
        ((days as u64 * 86_400 + h * 3600 + mi * 60 + sec) * NS) + frac * scale
    }

    fn truncate(nanos: u64, p: Precision) -> u64 {
        let unit = match p {
            Precision::Seconds => NS,
            Precision::Millis => 1_000_000,
            Precision::Micros => 1_000,
            Precision::Nanos => 1,
        };
        nanos - nanos % unit
    }

    const ALL: [Precision; 4] = [
        Precision::Seconds,
        Precision::Millis,
        Precision::Micros,
        Precision::Nanos,
    ];

    #[test]
    fn known_instants() {
        assert_eq!(ts(0, Precision::Seconds), "1970-01-01T00:00:00Z");
        assert_eq!(ts(0, Precision::Millis), "1970-01-01T00:00:00.000Z");
        assert_eq!(ts(0, Precision::Micros), "1970-01-01T00:00:00.000000Z");
        assert_eq!(ts(0, Precision::Nanos), "1970-01-01T00:00:00.000000000Z");

        let t = 1_795_257_000 * NS + 123_456_789;
        assert_eq!(ts(t, Precision::Seconds), "2026-11-21T10:30:00Z");
        assert_eq!(ts(t, Precision::Millis), "2026-11-21T10:30:00.123Z");
        assert_eq!(ts(t, Precision::Micros), "2026-11-21T10:30:00.123456Z");
        assert_eq!(ts(t, Precision::Nanos), "2026-11-21T10:30:00.123456789Z");
        assert_eq!(Precision::default(), Precision::Millis);

        // Leap day, and the second after it.
        let leap = 1_709_251_199 * NS + 999_999_999;
        assert_eq!(ts(leap, Precision::Nanos), "2024-02-29T23:59:59.999999999Z");
        assert_eq!(ts(leap + 1, Precision::Millis), "2024-03-01T00:00:00.000Z");

        // 2100 is not a leap year, 2400 is.
        assert_eq!(
            ts(4_107_456_000 * NS, Precision::Seconds),
            "2100-02-28T00:00:00Z"
        );
        assert_eq!(
            ts(4_107_542_400 * NS - 1, Precision::Millis),
            "2100-02-28T23:59:59.999Z"
        );
        assert_eq!(
            ts(4_107_542_400 * NS, Precision::Seconds),
            "2100-03-01T00:00:00Z"
        );
        assert_eq!(
            ts(13_574_606_400 * NS, Precision::Seconds),
            "2400-02-29T12:00:00Z"
        );
        assert_eq!(
            ts(4_102_444_800 * NS - 1, Precision::Nanos),
            "2099-12-31T23:59:59.999999999Z"
        );
        assert_eq!(
            ts(4_102_444_800 * NS, Precision::Seconds),
            "2100-01-01T00:00:00Z"
        );

        // The end of the u64 range.
        assert_eq!(
            ts(u64::MAX, Precision::Nanos),
            "2554-07-21T23:34:33.709551615Z"
        );
    }

    #[test]
    fn appends() {
        let mut out = b"ts=".to_vec();
        write_rfc3339(&mut out, 0, Precision::Seconds);
        assert_eq!(out, b"ts=1970-01-01T00:00:00Z");
    }

    #[test]
    fn every_day_matches_naive_calendar() {
        // Each day from 1970 into 2560, one instant per day at a varying time
        // (under miri, the first 800: past the leap day of 1972).
        let mut reference = (1970u64, 1u64, 1u64);
        let mut day = 0u64;
        let last = if cfg!(miri) { 800 } else { u64::MAX };
        while day * 86_400 * NS <= u64::MAX - 86_400 * NS && day < last {
            let nanos = day * 86_400 * NS + (day * 7_919 % 86_400) * NS;
            let s = ts(nanos, Precision::Seconds);
            let (y, m, d) = reference;
            assert_eq!(&s[..10], format!("{y:04}-{m:02}-{d:02}"), "day {day}");
            // Advance the reference calendar by one day.
            let feb = if is_leap(y) { 29 } else { 28 };
            let len = [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1];
            reference = if d < len {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
            day += 1;
        }
        assert!(day > 213_000 || cfg!(miri));
    }

    #[test]
    fn random_instants_round_trip() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut cache = TimestampCache::new();
        for i in 0..if cfg!(miri) { 200 } else { 5_000 } {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let nanos = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let p = ALL[i % 4];
            let s = ts(nanos, p);
            assert_eq!(parse(&s, p), truncate(nanos, p), "{nanos} -> {s}");
            let mut cached = Vec::new();
            cache.write(&mut cached, nanos, p);
            assert_eq!(cached, s.as_bytes());
        }
    }

    #[test]
    fn cache_matches_uncached() {
        let mut cache = TimestampCache::default();
        // Walk across minute, hour, day, month and year boundaries, forwards
        // and with occasional jumps backwards.
        let starts = [
            0,
            1_709_251_199 * NS - 90 * NS,
            4_102_444_800 * NS - 61 * NS,
        ];
        for start in starts {
            for step in 0..400u64 {
                let nanos = start + step * 997_000_001
                    - (step % 37 == 0) as u64 * 60 * NS * (start > 0) as u64;
                for p in ALL {
                    let mut a = Vec::new();
                    write_rfc3339(&mut a, nanos, p);
                    let mut b = b"x".to_vec();
                    cache.write(&mut b, nanos, p);
                    assert_eq!(&b[1..], &a[..], "{nanos}");
                }
            }
        }
    }
}
