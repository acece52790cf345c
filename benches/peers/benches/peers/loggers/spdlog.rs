//! spdlog-rs: a per-instance `Logger` whose only sink is an `AsyncPoolSink`
//! (own one-thread pool) in front of a JSON-formatted sink.

use super::{Built, Finished, Logger, Rec, Setup, Target};
use spdlog::error::SendToChannelError;
use spdlog::formatter::JsonFormatter;
use spdlog::sink::{AsyncPoolSink, FileSink, OverflowPolicy, Sink, WriteSink};
use spdlog::{Error, ErrorHandler, ThreadPool};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

struct Spdlog {
    logger: spdlog::Logger,
    pool: Arc<ThreadPool>,
    inner: Arc<dyn Sink>,
    dropped: Arc<AtomicU64>,
}

pub fn build(s: &Setup) -> Built {
    let pool = ThreadPool::builder()
        .capacity(NonZeroUsize::new(s.queue).expect("queue > 0"))
        .build_arc()
        .expect("spdlog thread pool");
    let (inner, sink): (Arc<dyn Sink>, _) = match &s.target {
        Target::Null | Target::Slow => (
            WriteSink::builder()
                .target(s.out.writer())
                .formatter(JsonFormatter::new())
                .build_arc()
                .expect("write sink"),
            "WriteSink<counting writer>",
        ),
        Target::File(dir) => (
            FileSink::builder()
                .path(dir.join("spdlog.log"))
                .truncate(true)
                .formatter(JsonFormatter::new())
                .build_arc()
                .expect("file sink"),
            "FileSink (BufWriter)",
        ),
    };
    let policy = if s.lossy {
        OverflowPolicy::DropIncoming
    } else {
        OverflowPolicy::Block
    };
    let async_sink = AsyncPoolSink::builder()
        .sink(inner.clone())
        .thread_pool(pool.clone())
        .overflow_policy(policy)
        .build_arc()
        .expect("async pool sink");
    let dropped = Arc::new(AtomicU64::new(0));
    let counter = dropped.clone();
    let logger = spdlog::Logger::builder()
        .sink(async_sink)
        .error_handler(ErrorHandler::new(move |e| match e {
            Error::SendToChannel(SendToChannelError::Full, _) => {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            e => eprintln!("spdlog: {e}"),
        }))
        .build()
        .expect("spdlog logger");
    let note = format!(
        "JsonFormatter; AsyncPoolSink {policy:?}, pool capacity={} threads=1; {sink}",
        s.queue
    );
    let logger = Spdlog {
        logger,
        pool,
        inner,
        dropped,
    };
    (Box::new(logger), note)
}

impl Logger for Spdlog {
    #[inline]
    fn log(&self, r: &Rec) {
        spdlog::info!(logger: self.logger, "request handled", kv: {
            request_id = r.request_id,
            user_id = r.user_id,
            latency_ms = r.latency_ms,
            path = r.path,
            status = r.status,
        });
    }

    fn finish(self: Box<Self>, _expect: Option<u64>) -> Finished {
        let Spdlog {
            logger,
            pool,
            inner,
            dropped,
        } = *self;
        // Dropping the logger drops the AsyncPoolSink; dropping the last pool
        // handle then joins its thread after every queued task has run.
        drop(logger);
        drop(pool);
        inner.flush().expect("spdlog flush");
        Finished {
            dropped: Some(dropped.load(Ordering::Relaxed)),
        }
    }
}
