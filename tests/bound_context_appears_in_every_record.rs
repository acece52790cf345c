//! `bind!` and `Context`: fields bound once appear in every record of the
//! scope, on threads and across `.await` on a work-stealing executor.

mod common;

use common::{parse, serial, Collect};
use fapilog::context::{Context, WithLogContext};
use fapilog::sink::Format;
use simd_json::prelude::*;

#[test]
fn bound_fields_land_where_the_python_library_puts_them() {
    let _serial = serial();
    let envelope = Collect::new(Format::Envelope);
    let flat = Collect::new(Format::Flat);
    let guard = common::builder()
        .sink(envelope.clone())
        .sink(flat.clone())
        .install()
        .unwrap();
    {
        let request_id = String::from("req-123");
        let _outer = fapilog::bind!(request_id, user_id = 42u64, tenant = "acme");
        fapilog::info!(path = "/a", "one");
        {
            let _inner = fapilog::bind!(user_id = 7u64, trace_id = %"tr-1");
            fapilog::info!("two");
            fapilog::info!(user_id = 9u64, "three: the call's own field wins");
        }
        fapilog::info!("four: the inner scope is gone");
    }
    fapilog::info!("five: nothing bound");
    drop(guard);

    let lines: Vec<_> = envelope.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(lines.len(), 5);
    let ctx = |i: usize| &lines[i]["log"]["context"];
    let data = |i: usize| &lines[i]["log"]["data"];
    assert_eq!(ctx(0)["request_id"], "req-123");
    assert_eq!(
        ctx(0)["correlation_id"],
        "req-123",
        "correlation_id comes from the bound request_id"
    );
    assert_eq!(ctx(0)["user_id"], 42u64);
    assert_eq!(data(0)["tenant"], "acme");
    assert_eq!(data(0)["path"], "/a");
    assert_eq!(ctx(1)["user_id"], 7u64, "inner shadows outer");
    assert_eq!(ctx(1)["trace_id"], "tr-1");
    assert_eq!(ctx(1)["request_id"], "req-123");
    assert_eq!(ctx(2)["user_id"], 9u64, "call fields shadow bound ones");
    assert_eq!(ctx(3)["user_id"], 42u64);
    assert!(ctx(3).get("trace_id").is_none());
    assert!(ctx(4).get("request_id").is_none());
    assert_eq!(ctx(4)["correlation_id"], ());
    // Keys stay sorted and appear once.
    let two = &envelope.lines()[1];
    let order: Vec<usize> = [
        "\"correlation_id\"",
        "\"message_id\"",
        "\"request_id\"",
        "\"trace_id\"",
        "\"user_id\"",
    ]
    .iter()
    .map(|k| two.find(k).unwrap_or_else(|| panic!("{k} in {two}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{two}");
    assert_eq!(two.matches("\"user_id\"").count(), 1, "{two}");

    let flat: Vec<_> = flat.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(
        flat[1]["request_id"], "req-123",
        "flat: bound fields at the top level"
    );
    assert_eq!(flat[1]["user_id"], 7u64);
    assert_eq!(flat[1]["tenant"], "acme");
    assert!(flat[4].get("tenant").is_none());
}

#[test]
fn a_field_named_at_run_time_can_be_bound() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    let header = String::from("x-tenant");
    {
        let _ctx = Context::current()
            .with_field(header.clone(), &"acme")
            .enter();
        fapilog::info!("tagged");
    }
    drop(guard);
    assert_eq!(parse(&sink.lines()[0])["x-tenant"], "acme");
}

#[test]
fn context_follows_futures_across_threads_of_a_work_stealing_runtime() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    // Fewer tasks and steps under miri, which interprets every poll.
    let (tasks_n, steps) = if cfg!(miri) { (3, 5) } else { (8, 50) };
    rt.block_on(async {
        let mut tasks = Vec::new();
        for t in 0..tasks_n {
            let ctx = Context::current().with_field("request_id", &format!("req-{t}"));
            tasks.push(tokio::spawn(
                async move {
                    for i in 0..steps {
                        tokio::task::yield_now().await;
                        fapilog::info!(t, i, "step");
                    }
                }
                .with_log_context(ctx),
            ));
        }
        {
            let _ctx = fapilog::bind!(request_id = "req-main");
            let captured = async {
                tokio::task::yield_now().await;
                fapilog::info!(t = 99u64, i = 0u64, "captured");
            }
            .in_current_log_context();
            tokio::spawn(captured).await.unwrap();
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    drop(rt);
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len() as u64, tasks_n * steps + 1);
    for line in &lines {
        let v = parse(line);
        let t = v["t"].as_u64().unwrap();
        let want = if t == 99 {
            "req-main".to_string()
        } else {
            format!("req-{t}")
        };
        assert_eq!(v["request_id"].as_str(), Some(want.as_str()), "{line}");
    }
    assert!(
        Context::current().is_empty(),
        "nothing leaks into the test thread"
    );
}

struct Explodes;

impl std::fmt::Display for Explodes {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("Display bug")
    }
}

#[test]
fn records_give_back_their_reference_to_the_bound_context() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    let _ctx = fapilog::bind!(request_id = "req-1");
    let probe = Context::current();
    let baseline = probe.__strong_count(); // the thread's binding + `probe`
    let n = if cfg!(miri) { 50 } else { 1_000 };
    for i in 0..n {
        fapilog::info!(i, "fast path");
        fapilog::info!(i = %i, "checked path");
    }
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| fapilog::info!(bad = %Explodes, "never written"));
    std::panic::set_hook(previous_hook);
    assert!(caught.is_err());
    assert!(fapilog::flush());
    assert_eq!(
        probe.__strong_count(),
        baseline,
        "every record released its count"
    );
    drop(guard);
    let records = sink
        .lines()
        .iter()
        .filter(|l| !common::is_drop_summary(l))
        .count();
    assert_eq!(records, 2 * n, "plus the summary of the one drop");
    assert_eq!(
        fapilog::stats().dropped_for(fapilog::DropReason::Panicked),
        1
    );
}

#[test]
fn guards_dropped_out_of_order_leave_nothing_bound_behind() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    {
        let outer = fapilog::bind!(request_id = "req-1");
        let inner = fapilog::bind!(user_id = 7u64);
        drop(outer);
        fapilog::info!("outer dropped, inner alive");
        drop(inner);
    }
    fapilog::info!("both guards gone");
    {
        // Three deep, the middle one first.
        let a = fapilog::bind!(a = 1u8);
        let b = fapilog::bind!(b = 2u8);
        let c = fapilog::bind!(c = 3u8);
        drop(b);
        fapilog::info!("b dropped");
        drop(c);
        fapilog::info!("c dropped");
        drop(a);
    }
    fapilog::info!("all gone");
    drop(guard);
    let lines = sink.lines();
    let f: Vec<_> = lines.iter().map(|l| parse(l)).collect();
    // The newer binding stays while its guard lives (with what it was bound
    // in); once every guard is gone, nothing is bound.
    assert_eq!(f[0]["user_id"], 7u64);
    assert!(
        !lines[1].contains("req-1") && !lines[1].contains("user_id"),
        "{}",
        lines[1]
    );
    assert_eq!(f[2]["c"], 3u64);
    assert_eq!(f[3]["a"], 1u64);
    assert!(!lines[3].contains(r#""c""#), "{}", lines[3]);
    assert!(!lines[4].contains(r#""a""#), "{}", lines[4]);
}

#[test]
fn bind_inside_a_task_lasts_across_await_and_stays_in_the_task() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let a = async {
            let _tenant = fapilog::bind!(tenant_id = "t-a");
            fapilog::info!("a before await");
            tokio::task::yield_now().await;
            fapilog::info!("a after await");
            {
                let _user = fapilog::bind!(user_id = 1u64);
                tokio::task::yield_now().await;
                fapilog::info!("a with user");
            }
            tokio::task::yield_now().await;
            fapilog::info!("a without user");
        }
        .with_log_context(Context::current().with_field("request_id", &"req-a"));
        let b = async {
            for _ in 0..4 {
                fapilog::info!("b");
                tokio::task::yield_now().await;
            }
        }
        .with_log_context(Context::current().with_field("request_id", &"req-b"));
        tokio::join!(a, b);
    });
    fapilog::info!("outside");
    drop(guard);
    let lines = sink.lines();
    let by_message = |m: &str| {
        let needle = format!(r#""message":"{m}""#);
        lines
            .iter()
            .filter(|l| l.contains(&needle))
            .map(|l| parse(l))
            .collect::<Vec<_>>()
    };
    for m in [
        "a before await",
        "a after await",
        "a with user",
        "a without user",
    ] {
        let f = by_message(m);
        assert_eq!(f.len(), 1, "{m}");
        let field = |k: &str| f[0].get(k).and_then(|v| v.as_str()).map(str::to_owned);
        assert_eq!(field("tenant_id").as_deref(), Some("t-a"), "{m}");
        assert_eq!(field("request_id").as_deref(), Some("req-a"), "{m}");
    }
    let with_user = &by_message("a with user")[0];
    assert_eq!(with_user.get("user_id").and_then(|v| v.as_u64()), Some(1));
    assert!(by_message("a without user")[0].get("user_id").is_none());
    let b = by_message("b");
    assert_eq!(b.len(), 4);
    for f in &b {
        assert_eq!(f["request_id"], "req-b");
        let leaked = f.get("tenant_id").is_some() || f.get("user_id").is_some();
        assert!(!leaked, "task a's binding leaked into b");
    }
    let outside = &by_message("outside")[0];
    assert!(outside.get("tenant_id").is_none() && outside.get("request_id").is_none());
}
