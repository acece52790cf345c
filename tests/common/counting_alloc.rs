//! A global allocator that counts allocations (and reallocations), on all
//! threads and on the calling one, for the tests that check what a call or
//! a record costs. Each such test binary installs it:
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: common::counting_alloc::Counting = common::counting_alloc::Counting;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Forwards to the system allocator and counts.
pub struct Counting;

static ALL_THREADS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static THIS_THREAD: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    ALL_THREADS.fetch_add(1, Ordering::Relaxed);
    let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations made so far by every thread.
pub fn all_threads() -> u64 {
    ALL_THREADS.load(Ordering::Relaxed)
}

/// The allocations `f` makes on this thread.
pub fn allocations_on_this_thread(f: impl FnOnce()) -> u64 {
    let before = THIS_THREAD.with(Cell::get);
    f();
    THIS_THREAD.with(Cell::get) - before
}
