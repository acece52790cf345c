//! `cargo run --example log_bridge --features log,tracing`: records that
//! dependencies log through the `log` facade and through `tracing` arrive
//! in fapilog's output beside its own, as flat JSON on stdout; then the
//! counts on stderr.

use std::time::Duration;

/// Stands for a dependency that logs through `log` (as hyper, reqwest or
/// rustls do).
mod database_driver {
    pub fn query(sql: &str) -> usize {
        log::debug!("preparing {sql:?}");
        log::info!(target: "database_driver::pool", rows = 3, elapsed_ms = 1.25, sql; "query done");
        log::warn!("connection {} idle for {} s, closing", 7, 30);
        3
    }
}

/// Stands for a dependency that logs through `tracing` (as h2, tower or
/// sqlx do).
mod http_client {
    pub fn get(path: &str) -> u16 {
        let span = tracing::info_span!("http_get", path);
        let _entered = span.enter();
        tracing::info!(status = 200u16, latency_ms = 12.5, "response for {}", path);
        tracing::trace!("not shown: below the level");
        200
    }
}

fn main() -> Result<(), fapilog::Error> {
    let guard = fapilog::builder()
        .sink(fapilog::sink::Stdout::with_format(
            fapilog::sink::Format::Flat,
        ))
        // The `log` records of `database_driver` at DEBUG too, by their target.
        .directives("info,log_bridge::database_driver=debug")
        .backpressure(Duration::from_millis(50), true)
        .install()?;
    fapilog::integrations::log::init()?;
    fapilog::integrations::tracing::init()?;

    fapilog::info!(user_id = 42u64, "request started");
    let rows = database_driver::query("select * from users");
    let status = http_client::get("/api/v1/users/42");
    fapilog::info!(rows, status, "request handled");

    guard.shutdown();
    let s = fapilog::stats();
    eprintln!(
        "submitted {}, delivered {}, dropped {}",
        s.submitted, s.delivered, s.dropped
    );
    Ok(())
}
