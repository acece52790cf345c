//! Throughput of the redaction scanner: `cargo bench --bench redaction`.
//!
//! Runs `Redactor::redact_text` with every preset (credentials, PCI,
//! contact) on ~1 MiB of realistic clean log text (words, paths, numbers,
//! timestamps, JSON-ish fragments), as one string and line by line (values
//! of ~120 bytes, as the worker sees them), and on dirty text (a secret
//! every ~200 bytes). A plain `memchr(b'@')` pass over the clean text is the
//! reference, and each preset alone is timed on the clean text. Reports the
//! best of several rounds in GB/s (10^9 bytes/s).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bumpalo::Bump;
use fapilog::redact::{RedactionConfig, Redactor};

const TARGET: usize = 1 << 20;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next() as usize % xs.len()]
    }
}

const WORDS: &[&str] = &[
    "request",
    "handled",
    "retrying",
    "connection",
    "to",
    "the",
    "database",
    "after",
    "timeout",
    "user",
    "created",
    "order",
    "shipped",
    "cache",
    "miss",
    "for",
    "key",
    "upstream",
    "returned",
    "backoff",
    "scheduled",
    "job",
    "completed",
    "in",
    "worker",
    "started",
    "listening",
    "on",
    "tokenizer",
    "loaded",
    "basic",
    "setup",
    "done",
    "author",
    "footprint",
    "bearer",
    "of",
    "news",
    "ERROR",
    "WARN",
    "INFO",
    "GET",
    "POST",
    "HTTP",
    "OK",
    "Accepted",
    "ASIAN",
    "market",
];

fn clean_line(rng: &mut Rng) -> String {
    let mut line = format!(
        "2024-05-{:02}T{:02}:{:02}:{:02}.{:03}Z INFO app::http ",
        rng.next() % 28 + 1,
        rng.next() % 24,
        rng.next() % 60,
        rng.next() % 60,
        rng.next() % 1000
    );
    for _ in 0..6 {
        line.push_str(rng.pick(WORDS));
        line.push(' ');
    }
    match rng.next() % 6 {
        0 => line.push_str(&format!(
            "path=/api/v1/users/{}/orders?page={} ",
            rng.next() % 100_000,
            rng.next() % 50
        )),
        1 => line.push_str(&format!(
            "{{\"order_id\":{},\"items\":{},\"region\":\"eu-west-1\",\"amount\":{}.{:02}}} ",
            rng.next() % 1_000_000_000,
            rng.next() % 9,
            rng.next() % 10_000,
            rng.next() % 100
        )),
        2 => line.push_str(&format!(
            "peer=10.{}.{}.{}:{} host=db-01.internal version=1.{}.{} ",
            rng.next() % 256,
            rng.next() % 256,
            rng.next() % 256,
            rng.next() % 65536,
            rng.next() % 30,
            rng.next() % 10
        )),
        // 16-digit ids starting with 1 (never cards), hex span ids.
        3 => line.push_str(&format!(
            "order_no={} trace_id={:016x}{:016x} span_id={:016x} ",
            1_000_000_000_000_000 + rng.next() % 999_999_999_999_999,
            rng.next(),
            rng.next(),
            rng.next()
        )),
        4 => line.push_str(&format!(
            "ts_ms={} latency_ms={}.{} ",
            1_716_000_000_000 + rng.next() % 1_000_000_000,
            rng.next() % 500,
            rng.next() % 10
        )),
        _ => line.push_str(&format!(
            "file=/var/lib/app/data/{:x}.json size={} ",
            rng.next(),
            rng.next() % 1_000_000
        )),
    }
    line.push_str(&format!(
        "status={} latency_ms={}.{}\n",
        200 + rng.next() % 300,
        rng.next() % 100,
        rng.next() % 10
    ));
    line
}

const SECRETS: &[&str] = &[
    "postgres://app:hunter2@db:5432/app",
    "Authorization: Bearer x9AbCdEf0123456789",
    "AKIAIOSFODNN7EXAMPLE",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    "4111 1111 1111 1111",
    "jane.doe@example.com",
    "+44 20 7946 0958",
];

fn corpus(dirty: bool) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut text = String::with_capacity(TARGET + 512);
    let mut since_secret = 0;
    while text.len() < TARGET {
        let line = clean_line(&mut rng);
        since_secret += line.len();
        text.push_str(&line);
        if dirty && since_secret >= 200 {
            text.push_str(rng.pick(SECRETS));
            text.push('\n');
            since_secret = 0;
        }
    }
    text
}

/// Best time of `rounds` runs of `f`.
fn best(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn gbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e9
}

fn main() {
    let redactor = Redactor::new(RedactionConfig::recommended());
    let clean = corpus(false);
    let dirty = corpus(true);
    let mut arena = Bump::new();
    let rounds = 100;

    // The clean corpus really is clean: borrowed back, nothing counted.
    let out = redactor.redact_text(None, &clean, &arena).unwrap();
    if !std::ptr::eq(out, clean.as_str()) {
        let first = clean
            .bytes()
            .zip(out.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "the clean corpus has a hit near {:?}: {:?}",
            &clean[first.saturating_sub(60)..first + 40],
            redactor.counters()
        );
    }
    assert_eq!(redactor.counters().total(), 0);

    let memchr = best(rounds, || {
        black_box(memchr::memchr_iter(b'@', black_box(clean.as_bytes())).count());
    });
    let whole = best(rounds, || {
        black_box(
            redactor
                .redact_text(None, black_box(&clean), &arena)
                .unwrap(),
        );
    });
    let lines: Vec<&str> = clean.lines().collect();
    let by_line = best(rounds, || {
        for line in &lines {
            black_box(redactor.redact_text(None, black_box(line), &arena).unwrap());
        }
    });
    let dirty_whole = best(rounds, || {
        arena.reset();
        black_box(
            redactor
                .redact_text(None, black_box(&dirty), &arena)
                .unwrap(),
        );
    });
    let dirty_lines: Vec<&str> = dirty.lines().collect();
    let dirty_by_line = best(rounds, || {
        arena.reset();
        for line in &dirty_lines {
            black_box(redactor.redact_text(None, black_box(line), &arena).unwrap());
        }
    });

    let secrets = {
        let fresh = Redactor::new(RedactionConfig::recommended());
        fresh.redact_text(None, &dirty, &arena).unwrap();
        fresh.counters().total()
    };
    println!("redaction throughput, every preset, best of {rounds} rounds");
    println!(
        "  clean text: {} bytes, {} lines; dirty text: {} bytes, {secrets} redactions",
        clean.len(),
        lines.len(),
        dirty.len()
    );
    let row = |name: &str, bytes: usize, d: Duration| {
        println!(
            "  {name:<40} {:>8.3} ms  {:>6.2} GB/s",
            d.as_secs_f64() * 1e3,
            gbps(bytes, d)
        );
    };
    row("memchr(b'@') over clean (reference)", clean.len(), memchr);
    row("redact_text, clean, one 1 MiB string", clean.len(), whole);
    row("redact_text, clean, line by line", clean.len(), by_line);
    row("redact_text, dirty, one string", dirty.len(), dirty_whole);
    row(
        "redact_text, dirty, line by line",
        dirty.len(),
        dirty_by_line,
    );
    println!(
        "  clean one-string time / memchr time: {:.1}x",
        whole.as_secs_f64() / memchr.as_secs_f64()
    );
    println!("  one preset at a time, clean, one string:");
    {
        use fapilog::redact::Preset;
        for (name, cfg) in [
            (
                "credentials",
                RedactionConfig::new().with_preset(Preset::Credentials),
            ),
            ("pci", RedactionConfig::new().with_preset(Preset::PciDss)),
            (
                "contact",
                RedactionConfig::new().with_preset(Preset::ContactInfo),
            ),
            ("none", RedactionConfig::new()),
        ] {
            let r = Redactor::new(cfg);
            let d = best(rounds, || {
                black_box(r.redact_text(None, black_box(&clean), &arena).unwrap());
            });
            println!("    {name:<12} {:>6.2} GB/s", gbps(clean.len(), d));
        }
    }
}
