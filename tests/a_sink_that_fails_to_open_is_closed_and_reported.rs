//! `install()` opens every sink on the installing thread. A sink whose
//! `open` fails (an error, or a panic: no panic escapes `install()`) fails
//! the install with `Error::SinkOpen` naming it, and every sink opened
//! before it, the fallback too, is closed again: nothing is left open, and
//! a later install works.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::serial;
use fapilog::sink::{Batch, Sink};
use fapilog::Error;

/// What the test sinks did, in order: `"a open"`, `"a close"`, ….
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    fn push(&self, name: &str, what: &str) {
        self.0.lock().unwrap().push(format!("{name} {what}"));
    }

    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// How a test sink's `open` (or `close`) goes.
#[derive(Clone, Copy)]
enum Outcome {
    Ok,
    Error,
    Panic,
    PanicWithAString,
}

impl Outcome {
    fn run(self, name: &str, what: &str) -> io::Result<()> {
        match self {
            Outcome::Ok => Ok(()),
            Outcome::Error => Err(io::Error::other(format!("{name} cannot {what}"))),
            Outcome::Panic => panic!("{what} exploded (expected by the test)"),
            Outcome::PanicWithAString => {
                std::panic::panic_any(format!("{name}: {what} exploded (a String)"))
            }
        }
    }
}

struct Tracked {
    name: &'static str,
    open: Outcome,
    close: Outcome,
    events: Events,
}

impl Tracked {
    fn new(name: &'static str, events: &Events) -> Tracked {
        Tracked {
            name,
            open: Outcome::Ok,
            close: Outcome::Ok,
            events: events.clone(),
        }
    }

    fn open_goes(mut self, open: Outcome) -> Tracked {
        self.open = open;
        self
    }

    fn close_goes(mut self, close: Outcome) -> Tracked {
        self.close = close;
        self
    }
}

impl Sink for Tracked {
    fn name(&self) -> &str {
        self.name
    }
    fn open(&mut self) -> io::Result<()> {
        self.events.push(self.name, "open");
        self.open.run(self.name, "open")
    }
    fn write_batch(&mut self, _: &Batch) -> io::Result<()> {
        Ok(())
    }
    fn close(&mut self) -> io::Result<()> {
        self.events.push(self.name, "close");
        self.close.run(self.name, "close")
    }
}

/// The sink an `Error::SinkOpen` names, and its text.
fn sink_open(e: &Error) -> (String, String) {
    match e {
        Error::SinkOpen { sink, source } => (sink.clone(), source.to_string()),
        other => panic!("expected SinkOpen, got {other:?}"),
    }
}

/// A later install works: nothing was left installed.
fn a_later_install_works() {
    let guard = fapilog::builder()
        .sink(common::Collect::new(fapilog::sink::Format::Flat))
        .install()
        .expect("a later install");
    assert!(guard.shutdown());
}

#[test]
fn a_panic_in_open_fails_the_install_naming_the_sink_and_the_panic() {
    let _serial = serial();
    let events = Events::default();
    let installed = std::panic::catch_unwind(|| {
        fapilog::builder()
            .sink(Tracked::new("exploding", &events).open_goes(Outcome::Panic))
            .install()
    });
    let e = installed
        .expect("install() does not panic")
        .expect_err("the sink did not open");
    assert_eq!(
        sink_open(&e),
        (
            "exploding".to_string(),
            "panicked: open exploded (expected by the test)".to_string()
        )
    );
    assert_eq!(
        e.to_string(),
        "fapilog: sink `exploding` failed to open: panicked: open exploded (expected by the test)"
    );
    // It never opened: it is not closed either.
    assert_eq!(events.all(), ["exploding open"]);
    a_later_install_works();
}

#[test]
fn a_fallback_whose_open_panics_fails_the_install_naming_it() {
    let _serial = serial();
    let events = Events::default();
    let installed = std::panic::catch_unwind(|| {
        fapilog::builder()
            .sink(Tracked::new("a", &events))
            .fallback(Tracked::new("spare", &events).open_goes(Outcome::PanicWithAString))
            .install()
    });
    let e = installed
        .expect("install() does not panic")
        .expect_err("the fallback did not open");
    assert_eq!(
        sink_open(&e),
        (
            "spare (fallback)".to_string(),
            "panicked: spare: open exploded (a String)".to_string()
        )
    );
    // The fallback opens first: nothing else was opened.
    assert_eq!(events.all(), ["spare open"]);
    a_later_install_works();
}

#[test]
fn the_sinks_opened_before_one_that_fails_are_closed_the_fallback_too() {
    let _serial = serial();
    for failing in [Outcome::Error, Outcome::Panic] {
        let events = Events::default();
        let e = fapilog::builder()
            .sink(Tracked::new("a", &events))
            .sink(Tracked::new("b", &events))
            .sink(Tracked::new("c", &events).open_goes(failing))
            .sink(Tracked::new("d", &events))
            .fallback(Tracked::new("spare", &events))
            .install()
            .expect_err("c did not open");
        assert_eq!(sink_open(&e).0, "c");
        assert_eq!(
            events.all(),
            [
                "spare open",
                "a open",
                "b open",
                "c open",
                // Closed in the order of a shutdown: the sinks, then the
                // fallback. `c` never opened, `d` was never opened.
                "a close",
                "b close",
                "spare close",
            ]
        );
        a_later_install_works();
    }
}

#[test]
fn a_close_that_fails_or_panics_after_a_failed_open_changes_nothing() {
    let _serial = serial();
    let events = Events::default();
    let installed = std::panic::catch_unwind(|| {
        fapilog::builder()
            .sink(Tracked::new("a", &events).close_goes(Outcome::Panic))
            .sink(Tracked::new("b", &events).close_goes(Outcome::Error))
            .sink(Tracked::new("c", &events).open_goes(Outcome::Error))
            .install()
    });
    let e = installed
        .expect("install() does not panic")
        .expect_err("c did not open");
    assert_eq!(
        sink_open(&e),
        ("c".to_string(), "c cannot open".to_string()),
        "the open's error is the one told"
    );
    assert_eq!(
        events.all(),
        ["a open", "b open", "c open", "a close", "b close"]
    );
    a_later_install_works();
}
