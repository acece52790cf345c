//! fapilog itself.

use super::{Built, Finished, Logger, Rec, Setup, Target};
use crate::harness::Output;
use fapilog::sink::{Batch, Sink};
use fapilog::Level;
use std::io;
use std::sync::Mutex;
use std::time::Duration;

struct Fapilog {
    // In a Mutex only so `Fapilog: Sync` whatever `Guard` is; never locked
    // while logging.
    guard: Mutex<fapilog::Guard>,
}

/// The harness's counting (optionally slow) sink: one "write" per batch.
/// It counts the bench's own INFO records only, not fapilog's WARNING
/// "N records dropped" summaries, which are no calls of the bench.
struct Counting(Output);

impl Sink for Counting {
    fn name(&self) -> &str {
        "peer-bench-counting"
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        let calls = batch.iter().filter(|(r, _)| r.level == Level::Info);
        self.0.on_write(calls.count() as u64);
        Ok(())
    }
}

/// Batches queued for the sink in drop mode (see `build`).
const HANDOFF_QUEUE: usize = 2;

pub fn build(s: &Setup) -> Built {
    // Lossless = block while the ring is full; lossy = drop at once (no wait).
    let (wait, drop_on_full) = if s.lossy {
        (Duration::ZERO, true)
    } else {
        (Duration::ZERO, false)
    };
    // INFO gets the whole ring, as the peers' records get their whole
    // queue (by default an eighth is kept for ERROR and above).
    // The ring counts slots, and this record takes two (header, message and
    // five values: about 100 bytes in 64-byte slots): twice the queue in
    // slots holds as many records as the peers' queues.
    let b = fapilog::builder()
        .backpressure(wait, drop_on_full)
        .capacity(2 * s.queue)
        .protected_reserve(0);
    // Drop mode (the slow sink): the worker never waits for a busy sink, it
    // drops the batch (`sink_full`), so what fapilog holds for a slow sink
    // is the hand-off: (sink_queue + 2) batches (queued, being written, being
    // built). Sized to the peers' queue; by default it is 18 x 1,024 records.
    let (b, handoff) = if s.lossy {
        let batch = s.queue / (HANDOFF_QUEUE + 2);
        (
            b.batch_records(batch).sink_queue(HANDOFF_QUEUE),
            format!(", hand-off {} x {batch} records", HANDOFF_QUEUE + 2),
        )
    } else {
        (b, String::new())
    };
    let (b, sink) = match &s.target {
        Target::Null | Target::Slow => (
            b.sink(Counting(s.out.clone())),
            "counting sink (envelope JSON, 1 write per batch)",
        ),
        Target::File(dir) => (
            b.sink(fapilog::sink::File::new(dir).file_name("fapilog.log")),
            "sink::File (envelope JSON)",
        ),
    };
    let guard = b.install().expect("install fapilog");
    let mode = if s.lossy { "drop at once" } else { "block" };
    let note = format!(
        "capacity={} slots (= {} records) per producer, protected_reserve=0{handoff}, {mode}; {sink}",
        2 * s.queue,
        s.queue
    );
    let guard = Mutex::new(guard);
    (Box::new(Fapilog { guard }), note)
}

impl Logger for Fapilog {
    #[inline]
    fn log(&self, r: &Rec) {
        fapilog::info!(
            request_id = r.request_id,
            user_id = r.user_id,
            latency_ms = r.latency_ms,
            path = r.path,
            status = r.status,
            "request handled"
        );
    }

    fn finish(self: Box<Self>, _expect: Option<u64>) -> Finished {
        // Dropping the guard drains every ring and flushes every sink.
        drop(self.guard.into_inner());
        Finished {
            dropped: Some(fapilog::stats().dropped),
        }
    }
}
