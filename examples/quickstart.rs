//! `cargo run --release --example quickstart`: logs a few records as envelope
//! JSON on stdout, then prints the logger's counters on stderr.

use std::time::Duration;

fn main() -> Result<(), fapilog::Error> {
    let guard = fapilog::builder()
        .sink(fapilog::sink::Stdout::json())
        .backpressure(Duration::from_millis(50), true)
        .service("quickstart")
        .install()?;

    let path = "/api/v1/users/42";
    fapilog::info!(
        request_id = "req-123",
        user_id = 42u64,
        path,
        latency_ms = 3.2,
        status = 200u16,
        "request handled"
    );
    let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "connection timed out");
    let peer = std::net::SocketAddr::from(([10, 0, 0, 7], 5432));
    fapilog::warn!(target: "app::db", ?err, %peer, "retrying {} of {}", 2, 5);
    fapilog::error!(
        code = -1i32,
        bytes = &b"\x00\xffraw"[..],
        "control chars stay escaped: \n\t\""
    );
    fapilog::debug!("not shown: the default level is INFO");

    let worker = std::thread::spawn(|| {
        for i in 0..3u32 {
            fapilog::info!(job = i, "background job done");
        }
    });
    worker.join().unwrap();

    guard.shutdown();
    let s = fapilog::stats();
    eprintln!(
        "stats: submitted={} processed={} delivered={} dropped={} producers={} high_water={} slots",
        s.submitted, s.processed, s.delivered, s.dropped, s.producers, s.queue_high_water
    );
    Ok(())
}
