//! ftlog: a `log` backend with a bounded channel to its logger thread.
//!
//! ftlog defers formatting by boxing a `Display` built by an `FtLogFormat`
//! on the calling thread; its writer thread then prefixes every line with
//! `<time> <delay>ms ` (not configurable). For JSON the format below builds
//! the object (level, message, every `log` key-value) on the calling thread,
//! so each line reads `<time> <delay>ms {"level":..,"message":..,...}`.

use super::{Built, Finished, Logger, Rec, Setup, Target};
use ftlog::appender::FileAppender;
use ftlog::{FtLogFormat, LoggerGuard};
use log::kv::{Error, Key, Value, VisitSource};
use std::fmt::{Display, Write as _};

struct Ftlog {
    guard: LoggerGuard,
}

pub fn build(s: &Setup) -> Built {
    let b = ftlog::builder()
        .format(JsonFormat)
        .max_log_level(log::LevelFilter::Info)
        .bounded(s.queue, !s.lossy)
        .utc();
    let (b, sink) = match &s.target {
        Target::Null | Target::Slow => (b.root(s.out.writer()), "counting writer"),
        Target::File(dir) => (
            b.root(s.out.wrap(FileAppender::new(dir.join("ftlog.log")))),
            "FileAppender (BufWriter)",
        ),
    };
    let guard = b.try_init().expect("one ftlog logger per process");
    let mode = if s.lossy { "discard" } else { "block" };
    let note = format!(
        "bounded({}, {mode}); JSON built on caller by custom FtLogFormat, lines prefixed '<time> <delay>ms '; {sink}",
        s.queue
    );
    (Box::new(Ftlog { guard }), note)
}

impl Logger for Ftlog {
    #[inline]
    fn log(&self, r: &Rec) {
        log::info!(
            request_id = r.request_id,
            user_id = r.user_id,
            latency_ms = r.latency_ms,
            path = r.path,
            status = r.status;
            "request handled"
        );
    }

    fn finish(self: Box<Self>, _expect: Option<u64>) -> Finished {
        // The guard's drop sends Flush and waits until the logger thread has
        // written everything queued before it and flushed the writers.
        drop(self.guard);
        Finished { dropped: None }
    }
}

/// JSON object per record: level, message, then every key-value.
struct JsonFormat;

impl FtLogFormat for JsonFormat {
    fn msg(&self, record: &log::Record) -> Box<dyn Send + Sync + Display> {
        let mut s = String::with_capacity(192);
        s.push_str("{\"level\":\"");
        s.push_str(record.level().as_str());
        s.push_str("\",\"message\":");
        match record.args().as_str() {
            Some(m) => push_str(&mut s, m),
            None => push_str(&mut s, &record.args().to_string()),
        }
        let _ = record.key_values().visit(&mut Fields(&mut s));
        s.push('}');
        Box::new(s)
    }
}

struct Fields<'a>(&'a mut String);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), Error> {
        let s = &mut *self.0;
        s.push(',');
        push_str(s, key.as_str());
        s.push(':');
        if let Some(u) = value.to_u64() {
            let _ = write!(s, "{u}");
        } else if let Some(i) = value.to_i64() {
            let _ = write!(s, "{i}");
        } else if let Some(f) = value.to_f64().filter(|f| f.is_finite()) {
            let _ = write!(s, "{f}");
        } else if let Some(b) = value.to_bool() {
            let _ = write!(s, "{b}");
        } else if let Some(v) = value.to_borrowed_str() {
            push_str(s, v);
        } else {
            push_str(s, &value.to_string());
        }
        Ok(())
    }
}

/// Appends `v` as a JSON string literal.
fn push_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
}
