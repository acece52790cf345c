//! loom model of the ring: claim, publish, consume and wrap, through both
//! the checked and the exact fast write path, with a producer and the
//! consumer on two threads. Run it with
//! `RUSTFLAGS="--cfg fapilog_loom" CARGO_TARGET_DIR=target/loom cargo test --lib ring::loom_tests`.

use super::*;
use crate::record::Callsite;
use crate::record::{RecordView, Value};
use crate::Level;
use loom::sync::Arc;
use std::time::Duration;

static CS: Callsite = Callsite::new(Level::Info, "loom", "loom_tests.rs", 1, &["n", "s"]);

#[test]
fn claim_publish_consume_and_wrap() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        // 4 slots of 128 bytes: a record of up to 128 bytes (header 32,
        // message 17, u64 9, string 5 + len) takes one slot, a longer one
        // two, so the fourth record (two slots) starts in the last slot and
        // must wrap to the start behind padding.
        let ring = Arc::new(Ring::new(RingShape {
            slots: 4,
            slot_size: 128,
            protected_reserve: 0,
            policy: WaitPolicy::NO_WAIT,
            protected_from: 8,
            protected_policy: WaitPolicy::NO_WAIT,
        }));
        let lens = [0usize, 1, 2, 100];
        let producer = {
            let ring = ring.clone();
            loom::thread::spawn(move || {
                let block = WaitPolicy {
                    wait: Duration::ZERO,
                    drop_on_full: false,
                };
                for (n, len) in lens.iter().enumerate() {
                    let s = "w".repeat(*len);
                    let stamp = Stamp {
                        callsite: &CS,
                        timestamp: 0,
                        context: std::ptr::null(),
                    };
                    let fields = (n as u64, s.as_str());
                    let exact_len = crate::record::Fields::encoded_len(&fields).unwrap();
                    // Even records try the exact fast path first, as a log
                    // call does; it declines (writing nothing) when it would
                    // have to wait or wrap, and the checked path takes over.
                    // SAFETY: this thread is the ring's only producer.
                    let ok = unsafe {
                        (n % 2 == 0
                            && ring.write_exact(false, &stamp, "m", &fields, exact_len)
                                == Exact::Written)
                            || ring.write(&block, false, &stamp, format_args!("m"), &fields)
                    };
                    assert!(ok);
                }
            })
        };
        let mut seen = 0usize;
        while seen < lens.len() {
            // SAFETY: the model's main thread is the only consumer.
            unsafe {
                ring.consume(usize::MAX, |bytes| {
                    // SAFETY: written by the encoder in this process.
                    let r = RecordView::decode(bytes).unwrap();
                    let f: Vec<_> = r.fields().map(|f| f.unwrap().1).collect();
                    assert_eq!(f[0], Value::U64(seen as u64));
                    assert!(matches!(f[1], Value::Str { text, .. } if text.len() == lens[seen]));
                    seen += 1;
                })
            };
            loom::thread::yield_now();
        }
        producer.join().unwrap();
    });
}
