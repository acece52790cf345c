//! Probabilistic sampling: keep a fraction of the records.

use crate::{Error, Level};

/// Keep each record with probability `rate`.
///
/// ERROR and above are never sampled out unless `sample_errors` is set;
/// AUDIT and SECURITY never are (no filter removes them as noise). With
/// a `seed`, the sequence of decisions is the same in every run (for the
/// same sequence of records); without one it is seeded from the process's
/// random state.
///
/// ```
/// let s = fapilog::filter::Sampling::new(0.25).seed(42);
/// assert!(s.validate().is_ok());
/// assert!(fapilog::filter::Sampling::new(1.5).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sampling {
    /// The fraction of records kept, in `0.0..=1.0`.
    pub rate: f64,
    /// Seed of the decision sequence (`None`: random).
    pub seed: Option<u64>,
    /// Sample ERROR and above too (default false: they are always kept).
    pub sample_errors: bool,
}

impl Default for Sampling {
    /// Keep everything.
    fn default() -> Sampling {
        Sampling::new(1.0)
    }
}

impl Sampling {
    /// Keep `rate` of the records below ERROR, with a random seed.
    pub fn new(rate: f64) -> Sampling {
        Sampling {
            rate,
            seed: None,
            sample_errors: false,
        }
    }

    /// A fixed seed, for a reproducible sequence of decisions.
    pub fn seed(mut self, seed: u64) -> Sampling {
        self.seed = Some(seed);
        self
    }

    /// Whether ERROR and above are sampled too.
    pub fn sample_errors(mut self, yes: bool) -> Sampling {
        self.sample_errors = yes;
        self
    }

    /// Checks the settings; the error names `sampling.rate`.
    pub fn validate(&self) -> Result<(), Error> {
        if (0.0..=1.0).contains(&self.rate) {
            Ok(())
        } else {
            Err(Error::invalid(
                "sampling.rate",
                self.rate,
                "a number from 0.0 to 1.0",
            ))
        }
    }

    /// The worker-side state. Call [`Sampling::validate`] first: an invalid
    /// rate is clamped (NaN keeps everything).
    pub(crate) fn sampler(&self) -> Sampler {
        let rate = if self.rate.is_nan() {
            1.0
        } else {
            self.rate.clamp(0.0, 1.0)
        };
        // keep iff a uniform 53-bit draw is below rate × 2^53.
        let threshold = (rate * (1u64 << 53) as f64) as u64;
        Sampler {
            threshold,
            all: rate >= 1.0,
            sample_errors: self.sample_errors,
            rng: SplitMix64(self.seed.unwrap_or_else(super::table::random_seed)),
        }
    }
}

/// The sampling decision for each record, on the worker.
pub(crate) struct Sampler {
    threshold: u64,
    all: bool,
    sample_errors: bool,
    rng: SplitMix64,
}

impl Sampler {
    /// Whether to keep a record at `level`. Consumes one draw per record that
    /// is subject to sampling (none for protected levels or at rate 1).
    #[inline]
    pub(crate) fn keep(&mut self, level: Level) -> bool {
        if self.all || level >= Level::Audit || (!self.sample_errors && level >= Level::Error) {
            return true;
        }
        (self.rng.next() >> 11) < self.threshold
    }
}

/// SplitMix64 (Steele, Lea & Flood): tiny, fast, passes BigCrush, and every
/// seed (zero included) gives a full-period sequence.
struct SplitMix64(u64);

impl SplitMix64 {
    #[inline]
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(s: &Sampling, level: Level, n: usize) -> usize {
        let mut sampler = s.sampler();
        (0..n).filter(|_| sampler.keep(level)).count()
    }

    #[test]
    fn keeps_about_the_rate() {
        // Within 7 standard deviations or more of the expected count.
        let (draws, tolerance) = if cfg!(miri) {
            (5_000, 250)
        } else {
            (100_000, 1_000)
        };
        let near = |n: usize, rate: f64| n.abs_diff((draws as f64 * rate) as usize) <= tolerance;
        for seed in [0, 1, 42, u64::MAX] {
            let n = kept(&Sampling::new(0.25).seed(seed), Level::Info, draws);
            assert!(near(n, 0.25), "seed {seed}: kept {n} of {draws}");
        }
        let n = kept(&Sampling::new(0.9), Level::Debug, draws);
        assert!(near(n, 0.9), "kept {n} of {draws}");
    }

    #[test]
    fn errors_and_above_are_kept_unless_sample_errors() {
        let s = Sampling::new(0.0).seed(1);
        for level in Level::ALL {
            let n = kept(&s, level, 1000);
            assert_eq!(n, if level >= Level::Error { 1000 } else { 0 }, "{level}");
        }
        let s = Sampling::new(0.25).seed(1).sample_errors(true);
        let (draws, tolerance) = if cfg!(miri) {
            (5_000, 250)
        } else {
            (100_000, 1_000)
        };
        let n = kept(&s, Level::Critical, draws);
        assert!(n.abs_diff(draws / 4) <= tolerance, "kept {n} of {draws}");
        for level in [Level::Audit, Level::Security] {
            assert_eq!(kept(&s, level, 1000), 1000, "{level} is never sampled");
        }
    }

    #[test]
    fn a_seed_reproduces_the_sequence() {
        let decisions = |seed| {
            let mut s = Sampling::new(0.5).seed(seed).sampler();
            (0..1000).map(|_| s.keep(Level::Info)).collect::<Vec<_>>()
        };
        assert_eq!(decisions(7), decisions(7));
        assert_ne!(decisions(7), decisions(8));
    }

    #[test]
    fn rate_edges() {
        assert_eq!(kept(&Sampling::new(0.0), Level::Trace, 10_000), 0);
        assert_eq!(kept(&Sampling::new(1.0), Level::Trace, 10_000), 10_000);
        assert_eq!(kept(&Sampling::default(), Level::Info, 10), 10);
        // The smallest positive rate keeps (almost) nothing, and is valid.
        assert!(Sampling::new(f64::MIN_POSITIVE).validate().is_ok());
        assert!(kept(&Sampling::new(f64::MIN_POSITIVE), Level::Info, 10_000) <= 1);
    }

    #[test]
    fn invalid_rates_are_rejected_naming_the_setting() {
        for rate in [-0.01, 1.0001, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = Sampling::new(rate).validate().unwrap_err();
            let shown = e.to_string();
            assert!(shown.contains("`sampling.rate`"), "{shown}");
            assert!(shown.contains("0.0 to 1.0"), "{shown}");
        }
        for rate in [0.0, -0.0, 0.5, 1.0] {
            assert!(Sampling::new(rate).validate().is_ok(), "{rate}");
        }
    }
}
