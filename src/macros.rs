//! `info!`, `warn!`, … and `event!`: tracing's field grammar.
//!
//! ```
//! # let (req_path, err, peer, n, max) = ("/a", "timeout", "10.0.0.1", 1, 3);
//! # let user = "ada";
//! fapilog::info!(user_id = 42, path = req_path, latency_ms = 3.2, "request handled");
//! fapilog::warn!(target: "app::db", ?err, %peer, "retrying {} of {}", n, max);
//! fapilog::debug!(http.status = 200, "user name" = user, user, "done");
//! ```
//!
//! - `key = value` for any [`ToValue`](crate::record::ToValue); `key = %v`
//!   (`Display`), `key = ?v` (`Debug`);
//! - `ident`, `%ident`, `?ident` shorthands (the name is the variable's),
//!   also for dotted paths (`req.id`);
//! - dotted (`http.status`) and quoted (`"user name"`) field names;
//! - raw identifiers name fields without their `r#` (`r#type = 1` is `type`);
//! - `target: "…"` first, to name the logger (default: the module path);
//! - a message last: a string literal (or `concat!(…)`) with format
//!   arguments. Without one, a field named `message` is the message, as in
//!   tracing (`error!(message = %err)`); with one, `message` is an ordinary
//!   field.
//!
//! Each macro expands to a `static` `Callsite` (an internal type)
//! holding names, level and location, a level check (a constant, one relaxed
//! load and one comparison; per-target directives add a cached per-callsite
//! level), and one call to `fapilog::__private::log` with a tuple of the
//! values, each handed over as its `Capture` (internal too): a
//! number by copy, any string as a `&str`, `%`/`?` values by reference.
//! Values are evaluated only when the level is enabled.
//!
//! A value of a type fapilog cannot copy into a slot does not compile; the
//! error says to log it with `%` or `?`:
//!
//! ```compile_fail
//! let timeout = std::time::Duration::from_secs(1);
//! fapilog::warn!(timeout, "slow call"); // `Duration` cannot be logged as a value
//! ```
//!
//! ```
//! let timeout = std::time::Duration::from_secs(1);
//! fapilog::warn!(?timeout, "slow call");
//! ```

/// Logs a record at a level given as an expression of type [`Level`](crate::Level)
/// that is a constant (`fapilog::Level::Info`).
#[macro_export]
macro_rules! event {
    (target: $target:expr, $lvl:expr, $($rest:tt)*) => {
        $crate::__fields!(@munch (sync $target, $lvl) [] [] {} $($rest)*)
    };
    ($lvl:expr, $($rest:tt)*) => {
        $crate::__fields!(@munch (sync ::core::module_path!(), $lvl) [] [] {} $($rest)*)
    };
}

/// Binds fields to every record logged on this thread until the returned
/// guard drops: `let _ctx = fapilog::bind!(request_id = id, user_id = uid);`.
/// Same field grammar as the log macros, without a message (one does not
/// compile). Nesting works; inner values shadow outer ones. See
/// [`context`](crate::context) for futures.
///
/// ```compile_fail
/// let _ctx = fapilog::bind!(request_id = "r-1", "bound fields have no message");
/// ```
#[macro_export]
macro_rules! bind {
    ($($fields:tt)*) => {
        $crate::__fields!(@munch (bind) [] [] {} $($fields)*)
    };
}

/// Like [`event!`], for async code: returns a future that, when the ring is
/// full, yields to the executor (instead of parking the thread) until the
/// worker frees space, within the backpressure wait. No runtime dependency.
///
/// Values are evaluated once, inside the future: `?` in a value applies to
/// the future, not to the enclosing function (compute such a value first),
/// and a value expression's temporaries (a `MutexGuard` in
/// `n = m.lock().unwrap().len()`) live until the call is done, waits for
/// space included. Format arguments of the message, and a `message` field
/// standing for the message, may be evaluated again on each attempt.
#[macro_export]
macro_rules! event_async {
    (target: $target:expr, $lvl:expr, $($rest:tt)*) => {
        $crate::__fields!(@munch (async $target, $lvl) [] [] {} $($rest)*)
    };
    ($lvl:expr, $($rest:tt)*) => {
        $crate::__fields!(@munch (async ::core::module_path!(), $lvl) [] [] {} $($rest)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __fields {
    // The state: the header `$h` (what to emit), the names and the values so
    // far, and `$p`: `{}`, or a field named `message` waiting to become the
    // message if no literal message follows (tracing's `message = …`).

    // message = ?value / %value / value, and the shorthands, once
    (@munch $h:tt $n:tt $v:tt {} message = ? $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h $n $v {("{:?}", $val, {$crate::__private::DebugValue(&$val)})} $($($rest)*)?)
    };
    (@munch $h:tt $n:tt $v:tt {} message = % $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h $n $v {("{}", $val, {$crate::__private::DisplayValue(&$val)})} $($($rest)*)?)
    };
    (@munch $h:tt $n:tt $v:tt {} message = $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h $n $v {("{}", $val, {$crate::__private::capture(&$val)})} $($($rest)*)?)
    };
    // A one-word shorthand may be `message`: `@shorthand` looks (the word
    // itself is passed on, so the value keeps the caller's hygiene).
    (@munch $h:tt $n:tt $v:tt {} ? $k:ident $(, $($rest:tt)*)?) => {
        $crate::__fields!(@shorthand ($k) ("{:?}", $k, {$crate::__private::DebugValue(&$k)}) $h $n $v $($($rest)*)?)
    };
    (@munch $h:tt $n:tt $v:tt {} % $k:ident $(, $($rest:tt)*)?) => {
        $crate::__fields!(@shorthand ($k) ("{}", $k, {$crate::__private::DisplayValue(&$k)}) $h $n $v $($($rest)*)?)
    };
    (@munch $h:tt $n:tt $v:tt {} $k:ident $(, $($rest:tt)*)?) => {
        $crate::__fields!(@shorthand ($k) ("{}", $k, {$crate::__private::capture(&$k)}) $h $n $v $($($rest)*)?)
    };
    (@shorthand (message) ($fmt:literal, $val:expr, $field:tt) $h:tt $n:tt $v:tt $($rest:tt)*) => {
        $crate::__fields!(@munch $h $n $v {($fmt, $val, $field)} $($rest)*)
    };
    (@shorthand ($k:ident) ($fmt:literal, $val:expr, $field:tt) $h:tt [$($n:tt)*] [$($v:tt)*] $($rest:tt)*) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($k)}] [$($v)* $field] {} $($rest)*)
    };
    // key = ?value / key = %value / key = value
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $($k:ident).+ = ? $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::DebugValue(&$val)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $($k:ident).+ = % $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::DisplayValue(&$val)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $($k:ident).+ = $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::capture(&$val)}] $p $($($rest)*)?)
    };
    // "quoted name" = ?value / %value / value
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $k:literal = ? $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$k}] [$($v)* {$crate::__private::DebugValue(&$val)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $k:literal = % $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$k}] [$($v)* {$crate::__private::DisplayValue(&$val)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $k:literal = $val:expr $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$k}] [$($v)* {$crate::__private::capture(&$val)}] $p $($($rest)*)?)
    };
    // ?ident / %ident / ident shorthands
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt ? $($k:ident).+ $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::DebugValue(&$($k).+)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt % $($k:ident).+ $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::DisplayValue(&$($k).+)}] $p $($($rest)*)?)
    };
    (@munch $h:tt [$($n:tt)*] [$($v:tt)*] $p:tt $($k:ident).+ $(, $($rest:tt)*)?) => {
        $crate::__fields!(@munch $h [$($n)* {$crate::__name!($($k).+)}] [$($v)* {$crate::__private::capture(&$($k).+)}] $p $($($rest)*)?)
    };
    // the message, last: a literal, or a macro that makes one (`concat!`)
    (@munch $h:tt $n:tt $v:tt $p:tt $msg:literal $($args:tt)*) => {
        $crate::__fields!(@message $h $n $v $p ($msg $($args)*))
    };
    (@munch $h:tt $n:tt $v:tt $p:tt $mac:ident ! $margs:tt $($args:tt)*) => {
        $crate::__fields!(@message $h $n $v $p ($mac ! $margs $($args)*))
    };
    // no message: a `message` field is the message, as in tracing (but
    // `bind!` has no message, so there it stays a field)
    (@munch (bind) $n:tt $v:tt $p:tt) => {
        $crate::__fields!(@message (bind) $n $v $p (""))
    };
    (@munch $h:tt $n:tt $v:tt {($fmt:literal, $val:expr, $field:tt)}) => {
        $crate::__fields!(@emit $h $n $v ($fmt, $val))
    };
    (@munch $h:tt $n:tt $v:tt {}) => {
        $crate::__fields!(@emit $h $n $v (""))
    };

    // A message given: a waiting `message` field is an ordinary field.
    (@message $h:tt $n:tt $v:tt {} $msg:tt) => {
        $crate::__fields!(@emit $h $n $v $msg)
    };
    (@message $h:tt [$($n:tt)*] [$($v:tt)*] {($fmt:literal, $val:expr, $field:tt)} $msg:tt) => {
        $crate::__fields!(@emit $h [$($n)* {"message"}] [$($v)* $field] $msg)
    };

    (@emit (sync $target:expr, $lvl:expr) [$({$n:expr})*] [$({$v:expr})*] ($($msg:tt)*)) => {{
        if let ::core::option::Option::Some(__callsite) = $crate::__callsite!($target, $lvl, [$($n),*]) {
            $crate::__private::log(__callsite, ::core::format_args!($($msg)*), ($($v,)*));
        }
    }};
    (@emit (bind) [$({$n:expr})*] [$({$v:expr})*] ("")) => {
        $crate::__private::bind(
            {
                const __NAMES: &[&::core::primitive::str] = &[$($n),*];
                __NAMES
            },
            &($($v,)*),
        )
    };
    (@emit (bind) $n:tt $v:tt ($($msg:tt)*)) => {
        ::core::compile_error!("`bind!` takes fields only, not a message")
    };
    (@emit (async $target:expr, $lvl:expr) [$({$n:expr})*] [$({$v:expr})*] ($($msg:tt)*)) => {
        async {
            if let ::core::option::Option::Some(__callsite) = $crate::__callsite!($target, $lvl, [$($n),*]) {
                match ($($v,)*) {
                    __fields => {
                        let mut __wait = $crate::__private::AsyncWait::new(__callsite);
                        while $crate::__private::try_log(__callsite, ::core::format_args!($($msg)*), __fields)
                            == $crate::__private::TryLog::Full
                        {
                            if !__wait.space().await {
                                break;
                            }
                        }
                        __wait.done();
                    }
                }
            }
        }
    };
}

/// The call's static callsite when its level is enabled, else `None`. The
/// callsite and the level check live in a block of their own, so that their
/// item names can never shadow a name in the caller's values or format
/// arguments, which are written outside it.
#[doc(hidden)]
#[macro_export]
macro_rules! __callsite {
    ($target:expr, $lvl:expr, [$($n:expr),*]) => {{
        const __LEVEL: $crate::Level = $lvl;
        static __CALLSITE: $crate::record::Callsite = $crate::record::Callsite::new(
            __LEVEL, $target, ::core::file!(), ::core::line!(), &[$($n),*],
        );
        if $crate::__private::statically_enabled(__LEVEL) && $crate::__private::enabled_at(__LEVEL, &__CALLSITE) {
            ::core::option::Option::Some(&__CALLSITE)
        } else {
            ::core::option::Option::None
        }
    }};
}

/// A field's name from its identifiers, without the `r#` of a raw one
/// (`r#type` is named `type`, as in tracing).
#[doc(hidden)]
#[macro_export]
macro_rules! __name {
    ($($k:ident).+) => {
        $crate::__private::field_name(::core::stringify!($($k).+))
    };
}

/// Logs at `TRACE`: very fine-grained diagnostics. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! trace {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Trace, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Trace, $($rest)*)
    };
}

/// Returns a future that logs at `TRACE`: very fine-grained diagnostics. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! trace_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Trace, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Trace, $($rest)*)
    };
}

/// Logs at `DEBUG`: diagnostics for developers. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! debug {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Debug, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Debug, $($rest)*)
    };
}

/// Returns a future that logs at `DEBUG`: diagnostics for developers. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! debug_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Debug, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Debug, $($rest)*)
    };
}

/// Logs at `INFO`: normal operation. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! info {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Info, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Info, $($rest)*)
    };
}

/// Returns a future that logs at `INFO`: normal operation. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! info_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Info, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Info, $($rest)*)
    };
}

/// Logs at `WARNING`: something unexpected that was handled (level `WARNING`). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! warn {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Warning, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Warning, $($rest)*)
    };
}

/// Returns a future that logs at `WARNING`: something unexpected that was handled (level `WARNING`). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! warn_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Warning, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Warning, $($rest)*)
    };
}

/// Logs at `ERROR`: a failed operation (protected from drops by default). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! error {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Error, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Error, $($rest)*)
    };
}

/// Returns a future that logs at `ERROR`: a failed operation (protected from drops by default). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! error_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Error, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Error, $($rest)*)
    };
}

/// Logs at `CRITICAL`: the program or a large part of it cannot go on. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! critical {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Critical, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Critical, $($rest)*)
    };
}

/// Returns a future that logs at `CRITICAL`: the program or a large part of it cannot go on. See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! critical_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Critical, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Critical, $($rest)*)
    };
}

/// Logs at `AUDIT`: an audit-trail record (above `CRITICAL`). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! audit {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Audit, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Audit, $($rest)*)
    };
}

/// Returns a future that logs at `AUDIT`: an audit-trail record (above `CRITICAL`). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! audit_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Audit, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Audit, $($rest)*)
    };
}

/// Logs at `SECURITY`: a security event (the highest level). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! security {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event!(target: $target, $crate::Level::Security, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event!($crate::Level::Security, $($rest)*)
    };
}

/// Returns a future that logs at `SECURITY`: a security event (the highest level). See the [module docs](crate::macros) for the grammar.
#[macro_export]
macro_rules! security_async {
    (target: $target:expr, $($rest:tt)*) => {
        $crate::event_async!(target: $target, $crate::Level::Security, $($rest)*)
    };
    ($($rest:tt)*) => {
        $crate::event_async!($crate::Level::Security, $($rest)*)
    };
}
