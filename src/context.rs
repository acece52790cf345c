//! Bound context: fields that appear in every record logged inside a scope.
//!
//! ```
//! # let _guard = fapilog::builder().sink(fapilog::sink::Null::new()).install().unwrap();
//! let request_id = "req-123";
//! let _ctx = fapilog::bind!(request_id, user_id = 42u64);
//! fapilog::info!("request handled"); // carries request_id and user_id
//! {
//!     let _inner = fapilog::bind!(user_id = 7u64); // shadows the outer user_id
//!     fapilog::info!("as someone else");
//! }
//! ```
//!
//! Binding encodes the values once, with the same codec as a log call, into
//! an immutable [`Scope`] that points to the scope it was bound in. That is
//! the one allocation; a log call inside a scope only adds a reference count
//! to the scope and stores its address in the record, and the worker reads
//! the fields from there and lets go of it.
//!
//! Precedence: a call's own fields win over bound ones, inner scopes over
//! outer ones. In the envelope, bound `request_id`, `user_id`, `tenant_id`,
//! `trace_id` and `span_id` go to `context` (and `request_id` fills
//! `correlation_id`); other bound fields go to `data`. In the flat format
//! they all sit at the top level.
//!
//! Async code: a scope belongs to a thread, so a future that moves between
//! threads takes its context with it through [`WithLogContext`]; a `bind!`
//! inside such a future lasts across its `.await`s and is seen by no other
//! task:
//!
//! ```
//! use fapilog::context::{Context, WithLogContext};
//! # async fn handle() {}
//! # fn spawn<F: std::future::Future>(_f: F) {}
//! let _ctx = fapilog::bind!(request_id = "req-9");
//! // Capture the current context and carry it into a task on any executor.
//! spawn(handle().with_log_context(Context::current()));
//! // Or, equivalently:
//! spawn(handle().in_current_log_context());
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use crate::record::decode::{decode_values, Value};
use crate::record::encode::encode_values_into_vec;
use crate::record::Fields;

/// One level of bound fields: names, their encoded values, and the scope it
/// was bound in.
pub struct Scope {
    names: Box<[Cow<'static, str>]>,
    /// Values in the slot codec (no header), as a log call encodes them.
    values: Box<[u8]>,
    parent: Option<Arc<Scope>>,
}

impl Scope {
    /// Calls `each(name, value)` for every bound field, innermost scope
    /// first; a name already seen (from an inner scope) is skipped.
    pub(crate) fn for_each_field<'a>(&'a self, mut each: impl FnMut(&'a str, Value<'a>)) {
        let mut scope = Some(self);
        while let Some(s) = scope {
            // SAFETY: `values` was written by `encode_values_into_vec` in
            // this process (text is UTF-8, static strings are `'static`).
            let values = unsafe { decode_values(&s.values) };
            for (name, value) in s.names.iter().zip(values) {
                let Ok(value) = value else { break };
                if !self.shadowed(s, name) {
                    each(name, value);
                }
            }
            scope = s.parent.as_deref();
        }
    }

    /// True when a scope inside `upto` (innermost first) binds `name` too.
    fn shadowed(&self, upto: &Scope, name: &str) -> bool {
        let mut scope = self;
        while !std::ptr::eq(scope, upto) {
            if scope.names.iter().any(|n| n == name) {
                return true;
            }
            scope = scope.parent.as_deref().expect("`upto` is an ancestor");
        }
        false
    }
}

/// The fields a scope makes visible (its own and its parents', inner ones
/// shadowing outer ones), as a map, for `Debug`.
struct Visible<'a>(&'a Scope);

impl std::fmt::Debug for Visible<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        self.0.for_each_field(|name, value| {
            map.entry(&name, &value);
        });
        map.finish()
    }
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("fields", &Visible(self))
            .finish()
    }
}

impl std::fmt::Debug for Context {
    /// The fields bound, innermost first: `Context { fields: {"request_id": …} }`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("Context");
        match &self.0 {
            Some(scope) => s.field("fields", &Visible(scope)),
            None => s.field("fields", &format_args!("{{}}")),
        };
        s.finish()
    }
}

impl std::fmt::Debug for ContextGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextGuard").finish_non_exhaustive()
    }
}

impl<F> std::fmt::Debug for WithContext<F> {
    /// The task's context; the future itself is not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithContext")
            .field("ctx", &self.ctx)
            .finish_non_exhaustive()
    }
}

/// A captured bound context: clone it into tasks and re-apply it there.
#[derive(Clone, Default)]
pub struct Context(Option<Arc<Scope>>);

impl Context {
    /// The context bound on this thread now (empty if none).
    pub fn current() -> Context {
        let ptr = crate::logger::current_scope();
        if ptr.is_null() {
            return Context(None);
        }
        // SAFETY: the thread-local holds one strong count of this scope for
        // as long as it points to it; we add one of our own.
        unsafe {
            Arc::increment_strong_count(ptr);
            Context(Some(Arc::from_raw(ptr)))
        }
    }

    /// References to this context's innermost scope (tests check that
    /// records give theirs back).
    #[doc(hidden)]
    pub fn __strong_count(&self) -> usize {
        self.0.as_ref().map_or(0, Arc::strong_count)
    }

    /// True when no field is bound.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Makes this the thread's context until the guard drops.
    pub fn enter(&self) -> ContextGuard {
        ContextGuard::install(self.0.clone())
    }

    /// This context with more fields bound on top (`names` pairs with the
    /// tuple of values, as `bind!` passes them).
    #[doc(hidden)]
    pub fn with_fields<F: Fields>(&self, names: &'static [&'static str], fields: &F) -> Context {
        let mut values = Vec::new();
        encode_values_into_vec(&mut values, fields);
        Context(Some(Arc::new(Scope {
            names: names.iter().map(|n| Cow::Borrowed(*n)).collect(),
            values: values.into_boxed_slice(),
            parent: self.0.clone(),
        })))
    }

    /// This context with one more field, named at run time (for middleware
    /// that binds headers).
    pub fn with_field(
        &self,
        name: impl Into<Cow<'static, str>>,
        value: &dyn crate::record::ToValue,
    ) -> Context {
        let mut values = Vec::new();
        encode_values_into_vec(&mut values, &crate::record::DynFields(&[value]));
        Context(Some(Arc::new(Scope {
            names: Box::new([name.into()]),
            values: values.into_boxed_slice(),
            parent: self.0.clone(),
        })))
    }
}

/// Restores the previous context when dropped. Not `Send`: a scope belongs
/// to the thread that entered it.
///
/// Guards are meant to drop in the reverse order of their creation, as
/// scoped variables do. One dropped out of order (a struct's fields drop in
/// declaration order) leaves the newer bindings in place; once the newest
/// drops too, the thread is back to what was bound before the oldest.
///
/// In async code, hold a guard across an `.await` only inside a future run
/// with [`WithLogContext`], which keeps the binding with the task between
/// polls; elsewhere, other tasks polled on the thread meanwhile would log
/// with it.
#[must_use = "the context is unbound when the guard drops: bind it with `let _ctx = ...`"]
pub struct ContextGuard {
    id: u64,
    _not_send: PhantomData<*const ()>,
}

/// The thread's entered contexts, oldest first: each entry holds the
/// context that was current before it (one owned strong count, or null),
/// which its guard's drop restores. The current context itself is the
/// lease's (`logger::replace_scope`).
#[derive(Default)]
struct Entered {
    stack: Vec<(u64, *const Scope)>,
}

/// Guard ids, unique in the process (an entry a future carried to another
/// thread must not be mistaken for one of that thread's).
static NEXT_GUARD_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Drop for Entered {
    fn drop(&mut self) {
        // Guards that were leaked (`mem::forget`) or outlive the thread's
        // locals: release what their entries hold.
        for (_, previous) in self.stack.drain(..) {
            release(previous);
        }
    }
}

thread_local! {
    static ENTERED: std::cell::RefCell<Entered> = std::cell::RefCell::default();
}

/// Releases one owned strong count (nothing for null).
fn release(scope: *const Scope) {
    if !scope.is_null() {
        // SAFETY: the callers pass a count they own (from `Arc::into_raw`
        // or handed over by `replace_scope`), exactly once.
        drop(unsafe { Arc::from_raw(scope) });
    }
}

impl ContextGuard {
    fn install(scope: Option<Arc<Scope>>) -> ContextGuard {
        let new = scope.map_or(std::ptr::null(), Arc::into_raw);
        let previous = crate::logger::replace_scope(new);
        let id = NEXT_GUARD_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = ENTERED
            .try_with(|entered| {
                entered.borrow_mut().stack.push((id, previous));
                id
            })
            // The thread is exiting: nothing can be restored later anyway.
            .unwrap_or_else(|_| {
                release(previous);
                u64::MAX
            });
        ContextGuard {
            id,
            _not_send: PhantomData,
        }
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|entered| {
            let mut entered = entered.borrow_mut();
            let Some(at) = entered.stack.iter().rposition(|(id, _)| *id == self.id) else {
                return;
            };
            let (_, previous) = entered.stack.remove(at);
            match entered.stack.get_mut(at) {
                // The newest guard: its context gives way to the previous one.
                None => release(crate::logger::replace_scope(previous)),
                // Out of order: newer contexts stay. The next newer one was
                // entered on top of ours, and will now restore what ours
                // replaced instead of ours.
                Some((_, ours)) => release(std::mem::replace(ours, previous)),
            }
        });
    }
}

/// Binds fields on top of the current context until the guard drops: what
/// `bind!` expands to.
#[doc(hidden)]
pub fn bind<F: Fields>(names: &'static [&'static str], fields: &F) -> ContextGuard {
    Context::current().with_fields(names, fields).enter()
}

/// Carries a [`Context`] into a future: every poll runs with it bound, on
/// whatever thread the executor polls it. Work-stealing executors included.
pub trait WithLogContext: Future + Sized {
    /// Runs this future with `ctx` bound.
    fn with_log_context(self, ctx: Context) -> WithContext<Self> {
        WithContext {
            inner: self,
            ctx,
            held: Held(Vec::new()),
        }
    }

    /// Runs this future with the context bound here and now.
    fn in_current_log_context(self) -> WithContext<Self> {
        self.with_log_context(Context::current())
    }
}

impl<F: Future> WithLogContext for F {}

/// A future running with a bound context. See [`WithLogContext`].
///
/// `bind!` inside the future works across `.await`: a guard its body still
/// holds when a poll ends belongs to the task, not to the thread. Its
/// binding is kept for the task's next poll and taken off the thread
/// meanwhile, so other tasks polled there never see it.
pub struct WithContext<F> {
    inner: F,
    /// The task's context: what the last poll ended with.
    ctx: Context,
    /// Entries of the guards the body holds, off the thread between polls.
    held: Held,
}

/// Thread-stack entries (guard id, the scope its drop restores) that a
/// future's body entered and still holds.
struct Held(Vec<(u64, *const Scope)>);

// SAFETY: each pointer is one owned strong count of an `Arc<Scope>`, and
// `Scope` is `Send + Sync` (names, bytes and an `Arc` of the same), so the
// counts may be carried to and released on any thread. (The guards they
// belong to are not `Send`, so a future holding one stays on its thread
// anyway.)
unsafe impl Send for Held {}
// SAFETY: as above; a shared `&Held` gives no access to the pointers.
unsafe impl Sync for Held {}

impl Drop for Held {
    fn drop(&mut self) {
        // The future was dropped between polls: its guards already dropped
        // (finding no entry on the thread) or were leaked.
        for (_, previous) in self.0.drain(..) {
            release(previous);
        }
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`; `ctx` and `held` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let guard = this.ctx.enter();
        let ours = ENTERED.try_with(|e| e.borrow().stack.len()).unwrap_or(0);
        // The body's guards go back on the thread, above ours.
        let _ = ENTERED.try_with(|e| e.borrow_mut().stack.append(&mut this.held.0));
        // SAFETY: as above, `inner` stays where it is.
        let poll = unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx);
        // What the body bound and still holds is the task's from now on.
        this.ctx = Context::current();
        let _ = ENTERED.try_with(|e| this.held.0 = e.borrow_mut().stack.split_off(ours));
        drop(guard);
        poll
    }
}
