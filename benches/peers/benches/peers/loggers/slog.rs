//! slog + slog-json drain behind slog-async.

use super::{Built, Finished, Logger, Rec, Setup, Target};
use slog::Drain;
use slog_async::OverflowStrategy;
use std::io::{BufWriter, Write};

struct Slog {
    log: slog::Logger,
}

/// slog-json serializes with many small writes, so it gets a `BufWriter`;
/// `flush_each` flushes it after every record (one write per record).
fn logger<W: Write + Send + 'static>(s: &Setup, w: W, flush_each: bool) -> slog::Logger {
    let json = slog_json::Json::new(BufWriter::new(w))
        .add_default_keys()
        .set_flush(flush_each)
        .build()
        .fuse();
    let strategy = if s.lossy {
        OverflowStrategy::Drop
    } else {
        OverflowStrategy::Block
    };
    let drain = slog_async::Async::new(json)
        .chan_size(s.queue)
        .overflow_strategy(strategy)
        .build()
        .fuse();
    slog::Logger::root(drain, slog::o!())
}

pub fn build(s: &Setup) -> Built {
    let (log, sink) = match &s.target {
        Target::Null | Target::Slow => (
            logger(s, s.out.writer(), true),
            "BufWriter<counting writer>, flushed per record",
        ),
        Target::File(dir) => {
            let f = std::fs::File::create(dir.join("slog.log")).expect("create slog.log");
            (logger(s, s.out.wrap(f), false), "BufWriter<File>")
        }
    };
    let strategy = if s.lossy { "Drop" } else { "Block" };
    let note = format!(
        "Json+default keys; Async chan_size={} {strategy}; {sink}",
        s.queue
    );
    (Box::new(Slog { log }), note)
}

impl Logger for Slog {
    #[inline]
    fn log(&self, r: &Rec) {
        slog::info!(self.log, "request handled";
            "request_id" => r.request_id,
            "user_id" => r.user_id,
            "latency_ms" => r.latency_ms,
            "path" => r.path,
            "status" => r.status,
        );
    }

    fn finish(self: Box<Self>, _expect: Option<u64>) -> Finished {
        // Dropping the last handle drops `Async`, which joins its worker
        // after it has handled every queued record; the drain (and its
        // BufWriter) is dropped, hence flushed, on that thread.
        drop(self.log);
        Finished { dropped: None }
    }
}
