//! Settings from the environment, for what operators change at deploy
//! time: the variables, what they set and their precedence are documented
//! on `LoggerBuilder` (`settings.md`, "Environment").

use std::path::PathBuf;
use std::time::Duration;

use super::{DefaultSink, Fallback, LoggerBuilder, Preset};
use crate::pipeline::filter::Sampling;
use crate::pipeline::redact::{Preset as RedactionPreset, RedactionConfig};
use crate::Error;

/// Reads environment variables (a map in tests).
pub(super) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn parse<T: std::str::FromStr>(
    var: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<T, Error> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::invalid(var, format!("{value:?}"), expected))
}

/// A boolean as environment variables spell it: `true`/`false`, `1`/`0`,
/// `yes`/`no`, `on`/`off`, in any case.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

impl LoggerBuilder {
    /// Fills in settings from the environment (see the module table).
    pub(super) fn apply_env(&mut self, env: Lookup<'_>) -> Result<(), Error> {
        let get = |var: &str| env(var).filter(|v| !v.trim().is_empty());
        if let Some(v) = get("FAPILOG_PRESET") {
            let preset = Preset::parse(&v).ok_or_else(|| {
                Error::invalid(
                    "FAPILOG_PRESET",
                    format!("{v:?}"),
                    "dev, production, serverless, hardened or minimal",
                )
            })?;
            self.apply_preset(preset, true);
        }
        let unset = |b: &LoggerBuilder, setting: &str| !b.explicit.contains(&setting);
        if let (Some(v), true) = (get("FAPILOG_FORMAT"), unset(self, "format")) {
            self.default_sink = match v.trim().to_ascii_lowercase().as_str() {
                "json" | "envelope" => DefaultSink::Json,
                "flat" => DefaultSink::Flat,
                "pretty" => DefaultSink::Pretty,
                _ => {
                    return Err(Error::invalid(
                        "FAPILOG_FORMAT",
                        format!("{v:?}"),
                        "json, flat or pretty",
                    ))
                }
            };
        }
        if let (Some(v), true) = (get("FAPILOG_CAPACITY"), unset(self, "capacity")) {
            self.capacity = parse("FAPILOG_CAPACITY", &v, "a number of slots (a power of two)")?;
            self.from_env.push(("capacity", "FAPILOG_CAPACITY", v));
        }
        if let (Some(v), true) = (get("FAPILOG_SLOT_SIZE"), unset(self, "slot_size")) {
            self.slot_size = parse(
                "FAPILOG_SLOT_SIZE",
                &v,
                "a number of bytes (a power of two)",
            )?;
            self.from_env.push(("slot_size", "FAPILOG_SLOT_SIZE", v));
        }
        if unset(self, "backpressure") {
            if let Some(v) = get("FAPILOG_BACKPRESSURE_WAIT_MS") {
                self.wait = Duration::from_millis(parse(
                    "FAPILOG_BACKPRESSURE_WAIT_MS",
                    &v,
                    "milliseconds",
                )?);
                self.from_env
                    .push(("backpressure", "FAPILOG_BACKPRESSURE_WAIT_MS", v));
            }
            if let Some(v) = get("FAPILOG_DROP_ON_FULL") {
                self.drop_on_full = parse_bool(&v).ok_or_else(|| {
                    Error::invalid(
                        "FAPILOG_DROP_ON_FULL",
                        format!("{v:?}"),
                        "true or false (or 1/0, yes/no, on/off; any case)",
                    )
                })?;
            }
        }
        if let (Some(v), true) = (
            get("FAPILOG_FLUSH_TIMEOUT_MS"),
            unset(self, "flush_timeout"),
        ) {
            self.flush_timeout =
                Duration::from_millis(parse("FAPILOG_FLUSH_TIMEOUT_MS", &v, "milliseconds")?);
            self.from_env
                .push(("flush_timeout", "FAPILOG_FLUSH_TIMEOUT_MS", v));
        }
        if let (Some(v), true) = (get("FAPILOG_SAMPLING_RATE"), unset(self, "sampling")) {
            let rate: f64 = parse("FAPILOG_SAMPLING_RATE", &v, "a rate from 0 to 1")?;
            let sampling = Sampling::new(rate);
            sampling.validate().map_err(|_| {
                Error::invalid(
                    "FAPILOG_SAMPLING_RATE",
                    format!("{v:?}"),
                    "a rate from 0 to 1",
                )
            })?;
            self.filters.sampling = Some(sampling);
        }
        if let Some(v) = get("FAPILOG_FALLBACK_DIR") {
            // Checked when the file fallback opens at install. Not a "fill
            // in": a preset's "no fallback" gives way, only a sink given in
            // code does not.
            self.fallback_dir = Some(PathBuf::from(v));
            if !self.fallback.chosen_in_code() {
                self.fallback = Fallback::File;
            }
        }
        if let (Some(v), true) = (get("FAPILOG_REDACTION"), unset(self, "redaction")) {
            self.redaction = match v.trim().to_ascii_lowercase().as_str() {
                "off" | "none" => None,
                "credentials" => {
                    Some(RedactionConfig::new().with_preset(RedactionPreset::Credentials))
                }
                "recommended" | "all" => Some(RedactionConfig::recommended()),
                _ => {
                    return Err(Error::invalid(
                        "FAPILOG_REDACTION",
                        format!("{v:?}"),
                        "off, credentials or recommended",
                    ))
                }
            };
        }
        Ok(())
    }
}
