//! Invalid settings fail at `install()` with an error that names the setting
//! (or the sink), nothing panics, and nothing is left installed.

mod common;

use common::{serial, Collect};
use fapilog::sink::Format;
use fapilog::Error;
use std::io;
use std::time::Duration;

fn install_error(b: fapilog::LoggerBuilder) -> Error {
    match b.install() {
        Ok(_) => panic!("install should have failed"),
        Err(e) => e,
    }
}

fn assert_names_setting(e: &Error, setting: &str) {
    match e {
        Error::InvalidSetting { setting: s, .. } => assert_eq!(*s, setting, "{e}"),
        other => panic!("expected InvalidSetting({setting}), got {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(&format!("`{setting}`")),
        "the message names the setting: {text}"
    );
}

#[test]
fn each_invalid_setting_is_named() {
    let _serial = serial();
    let cases: Vec<(fapilog::LoggerBuilder, &str)> = vec![
        (fapilog::builder().capacity(0), "capacity"),
        (fapilog::builder().capacity(1000), "capacity"),
        (fapilog::builder().capacity(8).slot_size(64), "capacity"),
        (fapilog::builder().slot_size(16), "slot_size"),
        (fapilog::builder().slot_size(100), "slot_size"),
        (fapilog::builder().slot_size(0), "slot_size"),
        (
            fapilog::builder().capacity(64).protected_reserve(32),
            "protected_reserve",
        ),
        (fapilog::builder().batch_records(0), "batch_records"),
        (fapilog::builder().batch_bytes(0), "batch_bytes"),
        (fapilog::builder().sink_queue(0), "sink_queue"),
        (
            fapilog::builder().flush_timeout(Duration::ZERO),
            "flush_timeout",
        ),
        (fapilog::builder().pin_worker(100_000), "pin_worker"),
    ];
    for (builder, setting) in cases {
        let e = install_error(builder.sink(Collect::new(Format::Flat)));
        assert_names_setting(&e, setting);
    }
    // Nothing was installed by any of them.
    let ok = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install();
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn an_unwritable_log_directory_names_the_sink_and_the_path() {
    let _serial = serial();
    let file = std::env::temp_dir().join(format!("fapilog-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"a regular file").unwrap();
    let dir = file.join("logs");
    let e = install_error(fapilog::builder().sink(fapilog::sink::File::new(&dir)));
    match &e {
        Error::SinkOpen { sink, .. } => assert!(sink.starts_with("file:"), "{sink}"),
        other => panic!("expected SinkOpen, got {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(&*dir.to_string_lossy()),
        "the message names the path: {text}"
    );
    std::fs::remove_file(&file).unwrap();
}

struct Refuses;

impl fapilog::sink::Sink for Refuses {
    fn name(&self) -> &str {
        "refuses"
    }
    fn open(&mut self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "no server on 127.0.0.1:9",
        ))
    }
    fn write_batch(&mut self, _: &fapilog::sink::Batch) -> io::Result<()> {
        unreachable!("never opened")
    }
}

#[test]
fn a_sink_that_cannot_open_fails_the_install_and_installs_nothing() {
    let _serial = serial();
    let working = Collect::new(Format::Flat);
    let e = install_error(fapilog::builder().sink(working.clone()).sink(Refuses));
    assert!(
        e.to_string().contains("`refuses`") && e.to_string().contains("127.0.0.1:9"),
        "{e}"
    );
    fapilog::info!("nobody listens");
    assert!(fapilog::flush());
    assert!(working.lines().is_empty());
    let guard = fapilog::builder()
        .sink(working.clone())
        .install()
        .expect("a later install works");
    fapilog::info!("now installed");
    drop(guard);
    assert_eq!(working.lines().len(), 1);
}
