//! The hot-path contract, checked with a counting global allocator: an
//! enabled call allocates nothing on the caller's thread, for every value
//! kind the macros accept, and the worker and sink threads allocate nothing
//! per record once warmed up.

mod common;

use std::fmt;
use std::time::Duration;

use common::counting_alloc::{self, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Shown(u32);
impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shown-{}", self.0)
    }
}

#[derive(Debug)]
#[allow(dead_code)]
struct Dbg {
    a: u32,
    b: &'static str,
}

/// One call per value kind.
fn every_kind(i: u32, owned: &String) {
    let bytes = [0u8, 159, 146, 150];
    let dbg = Dbg { a: i, b: "b" };
    fapilog::info!(
        i8v = -1i8,
        u16v = 2u16,
        i = i,
        u64v = 4u64,
        isize = -5isize,
        "ints"
    );
    fapilog::info!(i128v = i128::MIN, u128v = u128::MAX, "wide ints");
    fapilog::info!(f = 1.5f64, g = 2.5f32, nan = f64::NAN, "floats");
    fapilog::info!(
        yes = true,
        c = 'x',
        none = Option::<u32>::None,
        some = Some(3u8),
        "bool char option"
    );
    fapilog::info!(s = "a str", owned, "strings");
    fapilog::info!(b = &bytes[..], arr = bytes, "bytes");
    fapilog::info!(%i, shown = %Shown(i), "display");
    fapilog::info!(?dbg, opt = ?Some("x"), "debug");
    fapilog::info!("format args {} {:?} {:>8.3}", i, "q", 1.25f64);
    fapilog::info!(
        request_id = "req-0123456789ab",
        user_id = 42u64,
        latency_ms = 3.2,
        path = "/api/v1/users/42",
        status = 200u16,
        "request handled"
    );
}

#[test]
fn no_allocation_per_call_on_the_caller_nor_per_record_on_the_worker() {
    let null = fapilog::sink::Null::new();
    let flat = fapilog::sink::Null::with_format(fapilog::sink::Format::Flat);
    let guard = fapilog::builder()
        .sink(null.clone())
        .sink(flat)
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();

    // Warm up: the first call leases this thread's ring; the worker grows
    // its batches and pools to their steady size.
    let owned = String::from("an owned string");
    for i in 0..4_000 {
        every_kind(i, &owned);
    }
    common::wait_processed(40_000);
    std::thread::sleep(Duration::from_millis(50));

    // Producer side: zero allocations on this thread, per value kind.
    let all_before = counting_alloc::all_threads();
    let here = counting_alloc::allocations_on_this_thread(|| {
        for i in 0..2_000 {
            every_kind(i, &owned);
        }
    });
    assert_eq!(here, 0, "allocations on the caller for 20,000 calls");
    // Consumer side: nothing else in the process allocates while the worker
    // and the sink threads process those 20,000 records.
    common::wait_processed(60_000);
    let everywhere = counting_alloc::all_threads() - all_before;
    assert_eq!(
        everywhere, 0,
        "allocations on any thread while 20,000 records were processed"
    );

    // Binding may allocate; logging inside a bound scope may not, and the
    // worker reads the bound fields without allocating either.
    let _ctx = fapilog::bind!(request_id = "req-0123456789ab", user_id = 42u64, tenant = %"acme");
    // Longer records: the worker's per-pass arena grows once more.
    for i in 0..100 {
        every_kind(i, &owned);
    }
    common::wait_processed(61_000);
    std::thread::sleep(Duration::from_millis(50));
    let all_before = counting_alloc::all_threads();
    let in_scope = counting_alloc::allocations_on_this_thread(|| {
        for i in 0..100 {
            every_kind(i, &owned);
        }
    });
    assert_eq!(
        in_scope, 0,
        "allocations on the caller for 1,000 calls inside a bound scope"
    );
    common::wait_processed(62_000);
    let everywhere = counting_alloc::all_threads() - all_before;
    assert_eq!(
        everywhere, 0,
        "allocations on any thread while 1,000 bound records were processed"
    );

    drop(guard);
    assert_eq!(null.records(), 62_000);
}
