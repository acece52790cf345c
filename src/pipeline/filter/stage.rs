//! The filters as one worker stage, in the order `mod.rs` recommends.

use std::time::Instant;

use super::{
    Dedupe, Deduper, FilterCounters, RateLimit, RateLimiter, Sampler, Sampling, SizeGuard,
    SizeOutcome, Suppressed,
};
use crate::record::Value;
use crate::Level;

/// The filter settings, from the builder.
#[derive(Clone, Debug, Default)]
pub(crate) struct FilterConfig {
    pub sampling: Option<Sampling>,
    pub dedupe: Option<Dedupe>,
    pub rate_limit: Option<RateLimit>,
    pub size_guard: Option<SizeGuard>,
}

impl FilterConfig {
    /// Checks every configured filter; errors name the setting.
    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        if let Some(s) = &self.sampling {
            s.validate()?;
        }
        if let Some(d) = &self.dedupe {
            d.validate()?;
        }
        if let Some(r) = &self.rate_limit {
            r.validate()?;
        }
        if let Some(g) = &self.size_guard {
            g.validate()?;
        }
        Ok(())
    }
}

/// The worker's filter state.
pub(crate) struct Filters {
    sampler: Option<Sampler>,
    deduper: Option<Deduper>,
    limiter: Option<(RateLimit, RateLimiter)>,
    pub size_guard: Option<SizeGuard>,
    key_scratch: String,
}

impl Filters {
    pub(crate) fn new(cfg: &FilterConfig) -> Filters {
        let now = Instant::now();
        Filters {
            sampler: cfg.sampling.as_ref().map(Sampling::sampler),
            deduper: cfg.dedupe.as_ref().map(Dedupe::deduper),
            limiter: cfg.rate_limit.as_ref().map(|r| (r.clone(), r.limiter(now))),
            size_guard: cfg.size_guard,
            key_scratch: String::with_capacity(64),
        }
    }

    /// True when a record goes on; a removed one is counted.
    pub(crate) fn keep(
        &mut self,
        level: Level,
        target: &str,
        message: &str,
        fields: &[(&str, Value<'_>)],
        counters: &FilterCounters,
    ) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(s) = &mut self.sampler {
            if !s.keep(level) {
                counters.sampled_out.fetch_add(1, Relaxed);
                return false;
            }
        }
        // Audit and security records are never filtered as noise: rate
        // limits and dedupe would otherwise drop them behind INFO floods.
        if level >= Level::Audit || (self.deduper.is_none() && self.limiter.is_none()) {
            return true;
        }
        let now = Instant::now();
        if let Some(d) = &mut self.deduper {
            if !d.keep(level, target, message, now) {
                counters.deduplicated.fetch_add(1, Relaxed);
                return false;
            }
        }
        if let Some((cfg, limiter)) = &mut self.limiter {
            let mut scratch = std::mem::take(&mut self.key_scratch);
            let key = cfg.key_of(fields, &mut scratch);
            let kept = limiter.keep(key, now);
            self.key_scratch = scratch;
            if !kept {
                counters.rate_limited.fetch_add(1, Relaxed);
                return false;
            }
        }
        true
    }

    /// Applies the size guard to the line written from `start` and says
    /// what it did (the caller counts it once per record, whatever the
    /// number of formats).
    pub(crate) fn guard_size(&self, buf: &mut Vec<u8>, start: usize, text: bool) -> SizeOutcome {
        match &self.size_guard {
            None => SizeOutcome::Fits,
            Some(guard) if text => guard.apply_text(buf, start),
            Some(guard) => guard.apply(buf, start),
        }
    }

    /// The next batch of suppressed duplicates to report: those whose window
    /// has closed, or all of them when `all` (flush and shutdown).
    pub(crate) fn take_suppressed(&mut self, all: bool) -> Option<Suppressed<'_>> {
        let d = self.deduper.as_mut()?;
        if all {
            d.flush_suppressed()
        } else {
            d.take_suppressed(Instant::now())
        }
    }
}
