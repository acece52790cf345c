//! When to rotate: the [`Rotation`] schedule, UTC period boundaries and the
//! UTC timestamps rotated files are named with.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time-based rotation schedule of a [`File`](super::File) sink.
///
/// Boundaries are UTC hours or days, whatever the machine's time zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rotation {
    /// No time-based rotation (size rotation may still apply). The default.
    #[default]
    Never,
    /// Rotate at the first write at or after each full UTC hour.
    Hourly,
    /// Rotate at the first write at or after each UTC midnight.
    Daily,
}

impl Rotation {
    /// The period length in seconds, `None` for [`Rotation::Never`].
    fn period_secs(self) -> Option<u64> {
        match self {
            Rotation::Never => None,
            Rotation::Hourly => Some(3_600),
            Rotation::Daily => Some(86_400),
        }
    }

    /// The first period boundary strictly after `t`, `None` for `Never`.
    pub(super) fn next_boundary(self, t: SystemTime) -> Option<SystemTime> {
        let period = self.period_secs()?;
        let start = (unix_secs(t) / period) * period;
        Some(UNIX_EPOCH + Duration::from_secs(start + period))
    }

    /// Whether a write at `now` must rotate a file whose period ends at
    /// `boundary`: `now` is past the period, or before its start (the wall
    /// clock stepped back beyond it). Either way `now` lies in another
    /// period than the file's, so a clock that jumps ahead by mistake and is
    /// then corrected suspends time rotation for no longer than one write.
    pub(super) fn is_due(self, boundary: SystemTime, now: SystemTime) -> bool {
        let Some(period) = self.period_secs() else {
            return false;
        };
        let start = boundary
            .checked_sub(Duration::from_secs(period))
            .unwrap_or(UNIX_EPOCH);
        now >= boundary || now < start
    }

    /// The start of the period holding `t` (`t` itself, to the second, for `Never`).
    pub(super) fn period_start(self, t: SystemTime) -> SystemTime {
        let secs = unix_secs(t);
        let start = match self.period_secs() {
            Some(period) => (secs / period) * period,
            None => secs,
        };
        UNIX_EPOCH + Duration::from_secs(start)
    }
}

/// Whole seconds since the Unix epoch; times before it count as the epoch.
pub(super) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `secs` since the epoch as the UTC timestamp `YYYYMMDDTHHMMSS`.
///
/// Fixed width (years past 9999 are clamped) so names sort by age.
pub(super) fn utc_timestamp(secs: u64) -> [u8; 15] {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = *b"00000000T000000";
    put_digits(&mut out[0..4], year.min(9999));
    put_digits(&mut out[4..6], month);
    put_digits(&mut out[6..8], day);
    put_digits(&mut out[9..11], rem / 3_600);
    put_digits(&mut out[11..13], rem % 3_600 / 60);
    put_digits(&mut out[13..15], rem % 60);
    out
}

fn put_digits(out: &mut [u8], mut value: u64) {
    for byte in out.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1st
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn ts(secs: u64) -> String {
        String::from_utf8(utc_timestamp(secs).to_vec()).unwrap()
    }

    #[test]
    fn timestamps_are_utc_and_fixed_width() {
        assert_eq!(ts(0), "19700101T000000");
        assert_eq!(ts(951_827_696), "20000229T123456"); // leap day of a century leap year
        assert_eq!(ts(1_795_256_100), "20261121T101500");
        assert_eq!(ts(1_795_305_599), "20261121T235959");
        assert_eq!(ts(1_795_305_600), "20261122T000000");
        assert_eq!(ts(4_107_542_399), "21000228T235959"); // 2100 is not a leap year
        assert_eq!(ts(4_107_542_400), "21000301T000000");
        assert_eq!(ts(u64::MAX / 4).len(), 15);
    }

    #[test]
    fn boundaries_are_utc_hours_and_days() {
        let t = at(1_795_256_100); // 2026-11-21T10:15:00Z
        assert_eq!(Rotation::Never.next_boundary(t), None);
        assert_eq!(Rotation::Hourly.next_boundary(t), Some(at(1_795_258_800))); // 11:00
        assert_eq!(Rotation::Daily.next_boundary(t), Some(at(1_795_305_600))); // 22nd, 00:00
                                                                               // A time exactly on a boundary belongs to the period it starts.
        assert_eq!(
            Rotation::Hourly.next_boundary(at(1_795_258_800)),
            Some(at(1_795_262_400))
        );
        assert_eq!(Rotation::Hourly.period_start(t), at(1_795_255_200)); // 10:00
        assert_eq!(Rotation::Daily.period_start(t), at(1_795_219_200)); // 21st, 00:00
        assert_eq!(Rotation::Never.period_start(t), t);
        assert_eq!(unix_secs(UNIX_EPOCH - Duration::from_secs(5)), 0);
    }

    #[test]
    fn a_write_outside_the_files_period_is_due_either_way() {
        let boundary = at(1_795_258_800); // 11:00, the end of the 10:00 hour
        let due = |now| Rotation::Hourly.is_due(boundary, at(now));
        assert!(!due(1_795_255_200)); // 10:00, the period's first second
        assert!(!due(1_795_258_799)); // 10:59:59
        assert!(due(1_795_258_800)); // 11:00
        assert!(due(1_795_255_199)); // 09:59:59: the clock stepped back
        assert!(!Rotation::Never.is_due(boundary, at(0)));
    }
}
