//! The filters' contract, checked with a counting global allocator: once
//! warm, sampling, de-duplication (with evictions and reports), per-key rate
//! limiting (with evictions) and the size guard (cutting and summarizing)
//! allocate nothing per record.

mod common;

use common::counting_alloc::{self, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn warm_filters_allocate_nothing_per_record() {
    let mut workload = fapilog::__fuzz::FilterSteadyState::new();
    workload.run(5_000); // every table slot used, every key string sized
    let allocations = counting_alloc::allocations_on_this_thread(|| workload.run(20_000));
    assert_eq!(allocations, 0, "allocations in 20,000 warm records");
}
