//! The timestamp clock used on the hot path.
//!
//! # Why not just `SystemTime::now()`
//!
//! A log call has a budget of about 20-40 ns. Reading the wall clock
//! (`clock_gettime(CLOCK_REALTIME)` through the vDSO, which is what
//! `SystemTime::now()` does) costs about 25 ns on the VMs we run on, which
//! would eat the whole budget. Like Quill and NanoLog, the caller therefore
//! only reads the CPU's time-stamp counter (`RDTSC`, about 10 ns) and stores
//! the raw tick count in the record; the consumer thread, which is not on
//! anyone's latency path, converts ticks to Unix nanoseconds with a
//! [`Converter`].
//!
//! # When the TSC is used
//!
//! [`init`] selects the TSC only when all of these hold:
//!
//! * the target is `x86_64` and the build is neither `cfg(miri)` nor
//!   `cfg(fapilog_loom)`;
//! * the CPU reports an *invariant* TSC (CPUID leaf `0x8000_0007`, EDX bit 8):
//!   it ticks at a constant rate in every P-, C- and T-state and is
//!   synchronised across cores, so ticks from any thread are comparable;
//! * `RDTSC` is measured to be cheaper than the system clock over ~1000 reads
//!   of each. Some hypervisors trap `RDTSC`, making it far slower than the
//!   vDSO clock; then the TSC buys nothing.
//!
//! Otherwise [`now_raw`] falls back to the system clock and returns Unix
//! nanoseconds directly; the converter is then the identity. The switch is a
//! relaxed load of a static `AtomicBool` that never changes after `init`, so
//! the branch is perfectly predicted and costs next to nothing.
//!
//! [`init`] must run before the first [`now_raw`] whose value is kept
//! (`install()` calls it before any record can be written): before `init`,
//! `now_raw` returns system-clock nanoseconds, which a TSC converter would
//! misread.
//!
//! # Calibration
//!
//! `init` takes an *anchor* pair `(tsc, unix ns)`, sleeps about 10 ms, takes a
//! second pair and derives the tick period from the two. Each pair is taken as
//! `tsc_a, clock, tsc_b` a few times over, keeping the try with the tightest
//! `tsc_b - tsc_a` bracket and stamping the clock reading with the bracket's
//! midpoint, so a preemption or a slow clock read in the middle of one try
//! does not skew the pair.
//!
//! A [`Converter`] maps a raw value with a line through a *base* pair:
//! `ns = base_ns + ((raw - base_tsc) as i64 * mult) >> 32`, where `mult` is
//! the tick period in nanoseconds as 32.32 fixed point. That is one
//! subtraction, one 64x64→128-bit multiply and a shift: no division. The
//! delta is signed, so records stamped shortly *before* the current base
//! (for example just before a recalibration) convert correctly.
//!
//! [`Converter::recalibrate_if_due`] checks (one `RDTSC` and a compare) whether
//! a second has passed since the base; if so it takes a fresh pair, recomputes
//! the period over the whole span since the anchor (so the period's error,
//! dominated by the uncertainty of the two pairs, shrinks as the span grows)
//! and makes the fresh pair the new base. If the fresh pair lies off the
//! current line by more than 100 µs plus 0.1 % of the time since the last
//! base, or the span's period disagrees with the current one by more than
//! 0.1 %, the wall clock was stepped (by `settimeofday` or an NTP step, say);
//! the converter then follows the clock to the fresh base, re-anchors there
//! and keeps its current period until the new span is long enough.
//!
//! # Accuracy guarantee
//!
//! Converted times stay within 1 ms of the system clock (that is what the
//! tests check); in practice the error is a few microseconds. Right after a
//! base is taken, the error is the pair's bracket (tens of nanoseconds); it
//! then grows by the period's relative error times the time since the base,
//! and the base is renewed about every second. The initial 10 ms calibration
//! gives a period good to a few ppm (a few µs per second), and it improves as
//! the span grows. While NTP slews the clock (at most 500 ppm) the system
//! clock itself runs at a different rate from the TSC; re-basing every second
//! keeps the error below 0.5 ms even then.
//!
//! Conversions are monotone (non-decreasing in the raw value) within one
//! converter between two recalibrations. A recalibration moves the line to
//! the fresh base pair, so the same raw value may convert to a time that
//! differs by the error accumulated since the previous base: a step of
//! typically well under a microsecond, forward or backward. Records converted
//! across a recalibration can therefore be out of order by that much.
//!
//! In fallback mode raw values already are Unix nanoseconds; conversion is
//! the identity and exact.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Whether [`now_raw`] reads the TSC. Written once, by [`init`].
static USE_TSC: AtomicBool = AtomicBool::new(false);

/// The calibration taken by [`init`].
static CALIBRATION: OnceLock<Calibration> = OnceLock::new();

/// How long `init` waits between its two calibration pairs.
const INIT_SPAN: std::time::Duration = std::time::Duration::from_millis(10);

/// How often a converter re-bases, in nanoseconds.
const RECALIBRATION_PERIOD_NS: u64 = 1_000_000_000;

/// How many `tsc, clock, tsc` tries a calibration pair takes.
const PAIR_TRIES: usize = 7;

/// A recalibration that finds the clock off the current line by more than
/// 1/this of the time since the last base (plus [`STEP_FLOOR_NS`]), or a
/// period disagreeing with the current one by more than 1/this, means the wall
/// clock was stepped (0.1 %: twice NTP's maximum slew rate).
const STEP_DETECTION_RATIO: u64 = 1000;

/// See [`STEP_DETECTION_RATIO`].
const STEP_FLOOR_NS: u64 = 100_000;

/// Hot path: a raw timestamp for a record.
///
/// TSC ticks when the calibration chose the TSC, otherwise nanoseconds since the Unix
/// epoch. Convert with a [`Converter`]. No allocation, no lock: one relaxed
/// atomic load and either `RDTSC` or a system clock read.
#[inline(always)]
pub(crate) fn now_raw() -> u64 {
    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    {
        if USE_TSC.load(Ordering::Relaxed) {
            return rdtsc();
        }
    }
    system_nanos()
}

/// Decides between the TSC and the system clock and takes the first
/// calibration.
///
/// Idempotent and thread-safe; the first call takes about 10 ms (it sleeps to
/// measure the tick rate), later calls return at once.
pub(crate) fn init() {
    calibration();
}

/// True when [`now_raw`] returns TSC ticks.
#[cfg(test)]
pub(crate) fn uses_tsc() -> bool {
    USE_TSC.load(Ordering::Relaxed)
}

/// The global calibration, taking it on first use.
fn calibration() -> &'static Calibration {
    CALIBRATION.get_or_init(|| {
        let calibration = Calibration::take(false);
        USE_TSC.store(calibration.tsc, Ordering::Release);
        calibration
    })
}

/// The system clock in nanoseconds since the Unix epoch (0 before it).
///
/// Kept out of line so that the inlined [`now_raw`] stays small. On Unix it
/// calls `clock_gettime` directly: `SystemTime::now().duration_since(..)`
/// reads the same clock but its checked arithmetic costs another ~15 ns.
#[inline(never)]
fn system_nanos() -> u64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, exclusively borrowed timespec for the call
        // to write; CLOCK_REALTIME exists on every Unix, so the call cannot
        // fail (and on failure `ts` stays zero, giving 0).
        unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
        // Before the epoch (tv_sec < 0) is clamped to 0; u64 nanoseconds last
        // until the year 2554.
        (ts.tv_sec.max(0) as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(ts.tv_nsec as u64)
    }
    #[cfg(not(unix))]
    {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() * 1_000_000_000 + u64::from(d.subsec_nanos()),
            Err(_) => 0,
        }
    }
}

/// Reads the time-stamp counter.
#[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
#[inline(always)]
fn rdtsc() -> u64 {
    // SAFETY: RDTSC is part of the x86_64 baseline: every x86_64 CPU has it,
    // so the intrinsic needs no runtime feature check. It only reads a
    // counter; it touches no memory. (The kernel could forbid it in user mode
    // via CR4.TSD, but Linux only does so for seccomp-strict/PR_SET_TSC
    // processes, and init() would then have faulted before selecting it.)
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Whether the CPU has an invariant TSC (CPUID leaf 0x8000_0007, EDX bit 8).
#[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
fn has_invariant_tsc() -> bool {
    use core::arch::x86_64::{__cpuid, __get_cpuid_max};
    const LEAF: u32 = 0x8000_0007;
    // `__get_cpuid_max` and `__cpuid` are `unsafe fn` on older compilers
    // (our MSRV) and safe on newer ones, hence the `allow`.
    #[allow(unused_unsafe)]
    // SAFETY: CPUID is part of the x86_64 baseline, so the instruction exists.
    // Leaf 0x8000_0000 (queried by `__get_cpuid_max`) is always valid and
    // returns the highest supported extended leaf.
    let (max_extended_leaf, _) = unsafe { __get_cpuid_max(0x8000_0000) };
    if max_extended_leaf < LEAF {
        return false;
    }
    #[allow(unused_unsafe)]
    // SAFETY: CPUID exists on x86_64, and we just checked that the extended
    // leaf 0x8000_0007 is within the supported range.
    let leaf = unsafe { __cpuid(LEAF) };
    leaf.edx & (1 << 8) != 0
}

/// True when ~1000 `RDTSC` reads take less time than ~1000 system clock
/// reads (best of three rounds each, to shrug off a preemption).
#[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
fn rdtsc_is_cheaper() -> bool {
    use std::hint::black_box;
    use std::time::Instant;
    const READS: usize = 1000;
    let mut best_tsc = u128::MAX;
    let mut best_clock = u128::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..READS {
            black_box(rdtsc());
        }
        best_tsc = best_tsc.min(start.elapsed().as_nanos());
        let start = Instant::now();
        for _ in 0..READS {
            black_box(system_nanos());
        }
        best_clock = best_clock.min(start.elapsed().as_nanos());
    }
    best_tsc < best_clock
}

/// Whether this build and CPU should stamp records with the TSC.
fn select_tsc() -> bool {
    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    {
        has_invariant_tsc() && rdtsc_is_cheaper()
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri), not(fapilog_loom))))]
    {
        false
    }
}

/// A simultaneous reading of the TSC and the system clock.
#[derive(Clone, Copy, Debug)]
struct Pair {
    tsc: u64,
    ns: u64,
}

impl Pair {
    /// Reads `tsc, clock, tsc` a few times and keeps the try with the
    /// tightest bracket, stamping the clock reading with its midpoint.
    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    fn take() -> Pair {
        let mut best = Pair { tsc: 0, ns: 0 };
        let mut best_bracket = u64::MAX;
        for _ in 0..PAIR_TRIES {
            let before = rdtsc();
            let ns = system_nanos();
            let after = rdtsc();
            let bracket = after.wrapping_sub(before);
            if bracket < best_bracket {
                best_bracket = bracket;
                best = Pair {
                    tsc: before.wrapping_add(bracket / 2),
                    ns,
                };
            }
        }
        best
    }

    /// Without a TSC there is nothing to pair with.
    #[cfg(not(all(target_arch = "x86_64", not(miri), not(fapilog_loom))))]
    fn take() -> Pair {
        let _ = PAIR_TRIES;
        Pair {
            tsc: 0,
            ns: system_nanos(),
        }
    }
}

/// The tick period from `a` to `b` in nanoseconds, as 32.32 fixed point.
///
/// `None` when the span is empty or runs backwards (the wall clock was
/// stepped back) or the result does not fit.
fn period_between(a: Pair, b: Pair) -> Option<u64> {
    let ticks = b.tsc.checked_sub(a.tsc).filter(|&t| t > 0)?;
    let ns = b.ns.checked_sub(a.ns)?;
    let mult = ((ns as u128) << 32) / ticks as u128;
    u64::try_from(mult).ok().filter(|&m| m > 0)
}

/// The result of [`init`]: which clock is in use and its first calibration.
#[derive(Clone, Copy, Debug)]
struct Calibration {
    /// Whether raw values are TSC ticks.
    tsc: bool,
    /// The first pair (TSC mode only).
    anchor: Pair,
    /// The tick period in ns, 32.32 fixed point (`1 << 32` in fallback mode).
    mult: u64,
}

impl Calibration {
    /// Selects the clock (the system clock when `force_fallback`) and, for
    /// the TSC, measures its period over [`INIT_SPAN`].
    fn take(force_fallback: bool) -> Calibration {
        if force_fallback || !select_tsc() {
            return Calibration::fallback();
        }
        let anchor = Pair::take();
        std::thread::sleep(INIT_SPAN);
        let second = Pair::take();
        match period_between(anchor, second) {
            Some(mult) => Calibration {
                tsc: true,
                anchor,
                mult,
            },
            // The wall clock was stepped back during the sleep, or the TSC
            // did not advance: do not trust either.
            None => Calibration::fallback(),
        }
    }

    /// Raw values are Unix nanoseconds.
    fn fallback() -> Calibration {
        Calibration {
            tsc: false,
            anchor: Pair { tsc: 0, ns: 0 },
            mult: 1 << 32,
        }
    }
}

/// Converts raw timestamps from [`now_raw`] to Unix nanoseconds.
///
/// Owned by a consumer thread. Call [`Converter::recalibrate_if_due`] now and
/// then (say once per batch) to keep it within microseconds of the system
/// clock; see the module docs for the accuracy and monotonicity guarantees.
#[derive(Clone, Debug)]
pub(crate) struct Converter {
    /// Whether raw values are TSC ticks.
    tsc: bool,
    /// The pair the current period is measured from.
    anchor: Pair,
    /// Raw value of the base pair.
    base_raw: u64,
    /// Unix nanoseconds of the base pair.
    base_ns: u64,
    /// Tick period in nanoseconds, 32.32 fixed point.
    mult: u64,
    /// Raw value after which [`Converter::recalibrate_if_due`] re-bases.
    next_due: u64,
}

impl Converter {
    /// A converter from the current calibration (taking it if [`init`] has
    /// not run yet), based at a fresh pair.
    pub(crate) fn new() -> Converter {
        Converter::from_calibration(calibration())
    }

    fn from_calibration(calibration: &Calibration) -> Converter {
        let mut converter = Converter {
            tsc: calibration.tsc,
            anchor: calibration.anchor,
            base_raw: calibration.anchor.tsc,
            base_ns: calibration.anchor.ns,
            mult: calibration.mult,
            // Identity in fallback mode: nothing ever falls due.
            next_due: u64::MAX,
        };
        converter.recalibrate();
        converter
    }

    /// Unix nanoseconds for a raw value from [`now_raw`].
    ///
    /// Raw values before the base (stamped before the last recalibration)
    /// convert correctly: the delta is signed.
    #[inline]
    pub(crate) fn to_unix_nanos(&self, raw: u64) -> u64 {
        // Reinterpreting the wrapped difference as i64 gives the signed
        // distance from the base for any |delta| < 2^63 ticks (decades).
        let delta = raw.wrapping_sub(self.base_raw) as i64;
        // |delta| <= 2^63 and mult < 2^64, so the product fits in i128. The
        // arithmetic shift rounds towards -inf, which keeps the map monotone.
        // The offset (ns) fits in i64 for anything under 292 years.
        let offset = ((delta as i128 * self.mult as i128) >> 32) as i64;
        self.base_ns.saturating_add_signed(offset)
    }

    /// Re-bases if about a second has passed since the last base (TSC mode
    /// only; in fallback mode conversion is exact and this does nothing).
    ///
    /// The check is one `RDTSC` and a comparison.
    #[inline]
    pub(crate) fn recalibrate_if_due(&mut self) {
        if self.next_due != u64::MAX && now_raw_for(self.tsc) >= self.next_due {
            self.recalibrate();
        }
    }

    /// Takes a fresh pair, recomputes the period over the span since the
    /// anchor and re-bases at the fresh pair. Does nothing in fallback mode.
    fn recalibrate(&mut self) {
        if !self.tsc {
            return;
        }
        let pair = Pair::take();
        // Where the current line puts the fresh pair, against the clock: a
        // few µs off at most, unless the wall clock was stepped.
        let error = pair.ns as i64 - self.to_unix_nanos(pair.tsc) as i64;
        let elapsed = pair.ns.saturating_sub(self.base_ns);
        let stepped = error.unsigned_abs() > STEP_FLOOR_NS + elapsed / STEP_DETECTION_RATIO;
        if stepped {
            // Measure the period from here on, keeping the current one
            // meanwhile.
            self.anchor = pair;
        } else if pair.ns.saturating_sub(self.anchor.ns) > INIT_SPAN.as_nanos() as u64 {
            match period_between(self.anchor, pair) {
                Some(mult) if mult.abs_diff(self.mult) <= self.mult / STEP_DETECTION_RATIO => {
                    self.mult = mult;
                }
                // A step the check above missed (one that happened long
                // ago): as above.
                _ => self.anchor = pair,
            }
        }
        self.base_raw = pair.tsc;
        self.base_ns = pair.ns;
        let ticks_per_period = ((RECALIBRATION_PERIOD_NS as u128) << 32) / self.mult as u128;
        self.next_due = pair
            .tsc
            .saturating_add(u64::try_from(ticks_per_period).unwrap_or(u64::MAX))
            .min(u64::MAX - 1);
    }
}

/// A raw reading from the TSC or the system clock, chosen by the caller
/// rather than by the global switch (so tests can run both side by side).
#[inline]
fn now_raw_for(tsc: bool) -> u64 {
    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    {
        if tsc {
            return rdtsc();
        }
    }
    let _ = tsc;
    system_nanos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// 1 ms, the guaranteed bound.
    const BOUND_NS: u64 = 1_000_000;

    #[cfg(not(miri))]
    const SAMPLES: usize = 2000;
    #[cfg(miri)]
    const SAMPLES: usize = 20;

    /// Checks `samples` conversions, each against the system clock read
    /// just before and just after the raw value; returns the worst error.
    fn check_samples(converter: &Converter, samples: usize) -> u64 {
        let mut worst = 0;
        for _ in 0..samples {
            let before = system_nanos();
            let raw = now_raw_for(converter.tsc);
            let after = system_nanos();
            let converted = converter.to_unix_nanos(raw);
            assert!(
                converted + BOUND_NS >= before && converted <= after + BOUND_NS,
                "converted {converted} not within 1 ms of [{before}, {after}] (raw {raw}, {converter:?})"
            );
            let error = before
                .saturating_sub(converted)
                .max(converted.saturating_sub(after));
            worst = worst.max(error);
        }
        worst
    }

    /// Checks right away, then for ~1.5 s with recalibrations in between.
    fn check_over_time(mut converter: Converter) {
        let worst = check_samples(&converter, SAMPLES);
        eprintln!(
            "tsc={} worst error right after init: {worst} ns",
            converter.tsc
        );
        #[cfg(not(miri))]
        let (rounds, sleep) = (15, Duration::from_millis(100));
        #[cfg(miri)]
        let (rounds, sleep) = (3, Duration::from_millis(500));
        let mut worst = 0;
        for _ in 0..rounds {
            std::thread::sleep(sleep);
            converter.recalibrate_if_due();
            worst = worst.max(check_samples(&converter, SAMPLES / 10));
        }
        eprintln!("tsc={} worst error over 1.5 s: {worst} ns", converter.tsc);
    }

    #[test]
    fn converted_now_is_within_1ms_of_system_time() {
        init();
        assert_eq!(calibration().tsc, uses_tsc());
        eprintln!("uses_tsc = {}", uses_tsc());
        let converter = Converter::new();
        // The global path as well as the per-converter one.
        let before = system_nanos();
        let converted = converter.to_unix_nanos(now_raw());
        let after = system_nanos();
        assert!(converted + BOUND_NS >= before && converted <= after + BOUND_NS);
        check_over_time(converter);
    }

    #[test]
    fn fallback_is_within_1ms_of_system_time() {
        let calibration = Calibration::take(true);
        assert!(!calibration.tsc);
        let converter = Converter::from_calibration(&calibration);
        let raw = now_raw_for(false);
        assert_eq!(
            converter.to_unix_nanos(raw),
            raw,
            "fallback is the identity"
        );
        check_over_time(converter);
    }

    #[cfg(any(miri, fapilog_loom, not(target_arch = "x86_64")))]
    #[test]
    fn fallback_is_selected_without_a_usable_tsc() {
        init();
        assert!(!uses_tsc());
    }

    #[test]
    fn conversion_is_monotone() {
        let converter = Converter::new();
        let base = converter.base_raw;
        // Around the base, including before it, with small and large steps.
        let mut raw = base.wrapping_sub(1 << 20);
        let mut previous = converter.to_unix_nanos(raw);
        let (count, step) = if cfg!(miri) {
            (500, 4099)
        } else {
            (1 << 21, 1)
        };
        for i in 0..count {
            raw = raw.wrapping_add(step + (i as u64 % 7));
            let converted = converter.to_unix_nanos(raw);
            assert!(converted >= previous, "{raw}: {converted} < {previous}");
            previous = converted;
        }
        // Far away from the base too.
        let mut previous = 0;
        for shift in (0..40).rev() {
            let converted = converter.to_unix_nanos(base.wrapping_sub(1 << shift));
            assert!(converted >= previous);
            previous = converted;
        }
        for shift in 0..40 {
            let converted = converter.to_unix_nanos(base.wrapping_add(1 << shift));
            assert!(converted >= previous);
            previous = converted;
        }
    }

    #[test]
    fn conversion_is_monotone_on_a_synthetic_line() {
        // A 3 GHz TSC: a period of 1/3 ns.
        let anchor = Pair {
            tsc: 1 << 40,
            ns: 1_700_000_000_000_000_000,
        };
        let converter = Converter {
            tsc: true,
            anchor,
            base_raw: anchor.tsc,
            base_ns: anchor.ns,
            mult: (1u64 << 32) / 3,
            next_due: u64::MAX - 1,
        };
        let mut previous = 0;
        for raw in
            (anchor.tsc - 100_000..anchor.tsc + 100_000).step_by(if cfg!(miri) { 997 } else { 1 })
        {
            let converted = converter.to_unix_nanos(raw);
            assert!(converted >= previous);
            previous = converted;
        }
        // A signed delta: 3000 ticks before the base is 1 µs before it.
        assert_eq!(converter.to_unix_nanos(anchor.tsc - 3000), anchor.ns - 1000);
        assert_eq!(converter.to_unix_nanos(anchor.tsc + 3000), anchor.ns + 999);
    }

    #[test]
    fn raw_from_before_a_recalibration_converts_correctly() {
        let mut converter = Converter::new();
        let mut stamps = Vec::new();
        for _ in 0..if cfg!(miri) { 5 } else { 50 } {
            let before = system_nanos();
            let raw = now_raw_for(converter.tsc);
            let after = system_nanos();
            stamps.push((before, raw, after));
        }
        let old_base = converter.base_raw;
        std::thread::sleep(Duration::from_millis(1100));
        converter.recalibrate_if_due();
        if converter.tsc {
            assert_ne!(converter.base_raw, old_base, "a recalibration was due");
        }
        // Forced recalibrations too, in case the one above was early.
        converter.recalibrate();
        for &(before, raw, after) in &stamps {
            if converter.tsc {
                assert!(raw < converter.base_raw, "the raw value precedes the base");
            }
            let converted = converter.to_unix_nanos(raw);
            assert!(
                converted + BOUND_NS >= before && converted <= after + BOUND_NS,
                "converted {converted} not within 1 ms of [{before}, {after}]"
            );
        }
    }

    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    #[test]
    fn a_stepped_wall_clock_re_anchors() {
        // An anchor whose wall-clock reading is absurdly far behind, as if the
        // clock had been stepped forward since.
        let calibration = Calibration {
            tsc: true,
            anchor: Pair { tsc: 0, ns: 1 },
            mult: 1 << 32,
        };
        let mut converter = Converter::from_calibration(&calibration);
        // The period over that span is absurd, so the converter re-anchored
        // at its fresh base pair and kept its period.
        assert_eq!(converter.mult, 1 << 32);
        assert_eq!(converter.anchor.tsc, converter.base_raw);
        let anchor = converter.anchor;
        converter.recalibrate();
        // Too short a span since the new anchor to re-measure the period.
        assert_eq!(converter.mult, 1 << 32);
        assert_eq!(converter.anchor.tsc, anchor.tsc);
        assert!(converter.base_raw > anchor.tsc);
    }

    #[cfg(all(target_arch = "x86_64", not(miri), not(fapilog_loom)))]
    #[test]
    fn a_clock_step_since_the_last_base_is_followed() {
        let mut converter = Converter::new();
        let mult = converter.mult;
        // As if the wall clock had been stepped back by 5 ms since the base.
        converter.base_ns += 5_000_000;
        converter.anchor.ns += 5_000_000;
        converter.recalibrate();
        assert_eq!(converter.mult, mult, "the period is kept");
        assert_eq!(converter.anchor.tsc, converter.base_raw, "re-anchored");
        let before = system_nanos();
        let converted = converter.to_unix_nanos(now_raw_for(true));
        let after = system_nanos();
        assert!(converted + BOUND_NS >= before && converted <= after + BOUND_NS);
    }

    #[test]
    fn init_is_idempotent_and_thread_safe() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    init();
                    uses_tsc()
                })
            })
            .collect();
        let results: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(results.iter().all(|&r| r == results[0]));
        init();
        assert_eq!(uses_tsc(), results[0]);
    }

    /// Prints costs and accuracy; asserts nothing about time. Run with
    /// `cargo test --release --lib clock::tests::report -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement to read, not a check"]
    fn report_costs_and_accuracy() {
        use std::hint::black_box;
        use std::time::Instant;
        const CALLS: u32 = 10_000_000;
        init();
        eprintln!("uses_tsc = {}", uses_tsc());
        let per_call = |start: Instant| start.elapsed().as_nanos() as f64 / f64::from(CALLS);
        let start = Instant::now();
        for _ in 0..CALLS {
            black_box(now_raw());
        }
        eprintln!("now_raw():                      {:.2} ns", per_call(start));
        let start = Instant::now();
        for _ in 0..CALLS {
            black_box(now_raw_for(black_box(false)));
        }
        eprintln!("fallback (system clock) read:   {:.2} ns", per_call(start));
        let start = Instant::now();
        for _ in 0..CALLS {
            black_box(SystemTime::now());
        }
        eprintln!("SystemTime::now():              {:.2} ns", per_call(start));
        let mut converter = Converter::new();
        let raw = now_raw();
        let start = Instant::now();
        for i in 0..CALLS {
            black_box(converter.to_unix_nanos(black_box(raw.wrapping_add(u64::from(i)))));
        }
        eprintln!("to_unix_nanos():                {:.2} ns", per_call(start));
        let start = Instant::now();
        for _ in 0..CALLS {
            converter.recalibrate_if_due();
        }
        eprintln!("recalibrate_if_due() (not due): {:.2} ns", per_call(start));
        let start = Instant::now();
        for _ in 0..1000 {
            converter.recalibrate();
        }
        eprintln!(
            "recalibrate():                  {:.0} ns",
            start.elapsed().as_nanos() as f64 / 1000.0
        );
        // Accuracy: the converted stamp against the midpoint of the tightest
        // of a few system clock brackets around it, every 10 ms for 5 s.
        let mut converter = Converter::new();
        let mut worst = 0i64;
        let mut widest = 0;
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
            converter.recalibrate_if_due();
            let mut best = (u64::MAX, 0i64);
            for _ in 0..5 {
                let before = system_nanos();
                let raw = now_raw();
                let after = system_nanos();
                let error = converter.to_unix_nanos(raw) as i64 - (before / 2 + after / 2) as i64;
                if after - before < best.0 {
                    best = (after - before, error);
                }
            }
            if best.1.abs() > worst.abs() {
                worst = best.1;
            }
            widest = widest.max(best.0);
        }
        eprintln!("worst error over 5 s:           {worst} ns (clock brackets up to {widest} ns)");
    }
}
