//! `log` and `tracing` each take one logger per process: when another was
//! set first, the bridge's `init()` fails with an error that says so
//! (features `log` and `tracing`).
#![cfg(all(feature = "log", feature = "tracing"))]

use fapilog::Error;

struct Other;

impl log::Log for Other {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, _: &log::Record<'_>) {}
    fn flush(&self) {}
}

#[test]
fn init_fails_naming_the_facade_when_another_logger_was_set_first() {
    log::set_logger(&Other).unwrap();
    let err = fapilog::integrations::log::init().unwrap_err();
    assert!(
        matches!(err, Error::FacadeInUse { facade: "log" }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("fapilog: `log` already sends its records to another logger"),
        "{err}"
    );

    tracing::subscriber::set_global_default(tracing::subscriber::NoSubscriber::default()).unwrap();
    let err = fapilog::integrations::tracing::init().unwrap_err();
    assert!(
        matches!(err, Error::FacadeInUse { facade: "tracing" }),
        "{err:?}"
    );
}
