//! tracing + tracing-subscriber's JSON formatter + tracing-appender's
//! non-blocking writer, installed as the global default subscriber.

use super::{Built, Finished, Logger, Rec, Setup, Target, DRAIN_TIMEOUT};
use crate::harness::Output;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};

struct Tracing {
    guard: WorkerGuard,
    dropped: ErrorCounter,
    out: Output,
}

pub fn build(s: &Setup) -> Built {
    let builder = NonBlockingBuilder::default()
        .buffered_lines_limit(s.queue)
        .lossy(s.lossy);
    let (writer, guard) = match &s.target {
        Target::Null | Target::Slow => builder.finish(s.out.writer()),
        // The real appender behind an 8 KiB `BufWriter`, as slog, ftlog and
        // spdlog-rs write through one (the appender alone makes one
        // write(2) per line). The worker flushes it whenever its channel
        // runs empty and when the guard drops; lines are counted as they
        // leave the buffer for the file.
        Target::File(dir) => builder.finish(std::io::BufWriter::new(
            s.out
                .wrap(tracing_appender::rolling::never(dir, "tracing.log")),
        )),
    };
    let dropped = writer.error_counter();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber per process");
    let sink = match s.target {
        Target::File(_) => "BufWriter<rolling::never file>",
        _ => "counting writer",
    };
    let note = format!(
        "fmt().json() global; NonBlocking lines_limit={} lossy={}; {sink}",
        s.queue, s.lossy
    );
    let logger = Tracing {
        guard,
        dropped,
        out: s.out.clone(),
    };
    (Box::new(logger), note)
}

impl Logger for Tracing {
    #[inline]
    fn log(&self, r: &Rec) {
        tracing::info!(
            request_id = r.request_id,
            user_id = r.user_id,
            latency_ms = r.latency_ms,
            path = r.path,
            status = r.status,
            "request handled"
        );
    }

    fn finish(self: Box<Self>, expect: Option<u64>) -> Finished {
        let Tracing {
            guard,
            dropped,
            out,
        } = *self;
        // WorkerGuard::drop waits at most ~1.1 s for the worker, so a
        // lossless run also waits for the writer to have seen every line.
        drop(guard);
        if let Some(n) = expect {
            assert!(out.wait_lines(n, DRAIN_TIMEOUT), "tracing: drain timed out");
        }
        Finished {
            dropped: Some(dropped.dropped_lines() as u64),
        }
    }
}
