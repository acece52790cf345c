//! The filters' contract, checked with a counting global allocator: once
//! warm, sampling, de-duplication (with evictions and reports), per-key rate
//! limiting (with evictions) and the size guard (cutting and summarizing)
//! allocate nothing per record.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static THIS_THREAD: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn warm_filters_allocate_nothing_per_record() {
    let mut workload = fapilog::__fuzz::FilterSteadyState::new();
    workload.run(5_000); // every table slot used, every key string sized
    let before = THIS_THREAD.with(Cell::get);
    workload.run(20_000);
    let allocations = THIS_THREAD.with(Cell::get) - before;
    assert_eq!(allocations, 0, "allocations in 20,000 warm records");
}
