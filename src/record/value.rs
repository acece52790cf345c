//! What a log call can carry: [`ToValue`] and tuples of them ([`Fields`]).
//!
//! Both traits are sealed, like tracing's `Value`: the types below are the
//! ones fapilog knows how to copy into a slot, and anything else is logged
//! through `%value` (`Display`) or `?value` (`Debug`), which format straight
//! into the slot.
//!
//! Each built-in value also knows its exact encoded size without running any
//! user code. When every value of a call does (and the message is a literal),
//! the call reserves its slots once and writes with no per-value checks and
//! no re-entrancy guard: the fast path of `Ring::write_exact`.
//!
//! The macros hand a call's values over by value, each as its [`Capture`]:
//! a copy of a number, a `&str` for any string. A tuple of references would
//! make every value live in memory, since the slow path (out of line) takes
//! the tuple's address; captured values stay in registers on the fast path,
//! and only a call to the slow path copies them to the stack.

use std::fmt;

use super::encode::{
    raw_fixed, raw_var, Encoder, TAG_BYTES, TAG_F64, TAG_FALSE, TAG_I128, TAG_I64, TAG_NULL,
    TAG_STR, TAG_TRUE, TAG_U128, TAG_U64, VAR_PREFIX,
};

mod sealed {
    /// Keeps [`super::ToValue`] and [`super::Fields`] closed: the raw fast
    /// path trusts their sizes.
    pub trait Sealed {}
}
pub(crate) use sealed::Sealed;

/// A value a log macro accepts: `key = value` works for every `ToValue`.
///
/// Implemented for integers, floats, `bool`, `char`, strings, byte slices,
/// `Option`, references and smart pointers. Use `%value` for anything that
/// implements `Display` and `?value` for `Debug`. Sealed: it cannot be
/// implemented outside fapilog.
pub trait ToValue: Sealed {
    /// Writes `self` into the record.
    #[doc(hidden)]
    fn encode(&self, enc: &mut Encoder<'_>);

    /// The exact number of bytes [`ToValue::encode_raw`] writes, when it can
    /// be known without running user code (`None` for `%`/`?` values).
    #[doc(hidden)]
    #[inline(always)]
    fn encoded_len(&self) -> Option<usize> {
        None
    }

    /// Writes `self` at `dst` with no bounds check; returns the next byte.
    ///
    /// # Safety
    /// Only called when `encoded_len()` is `Some(n)`, with `n` writable
    /// bytes at `dst` that nothing else reads or writes.
    #[doc(hidden)]
    #[inline(always)]
    unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
        dst
    }
}

/// How a log call hands a [`ToValue`] over: the value itself when it is a
/// small `Copy` one, else a borrow (`&str` for every string type).
/// Implemented for every `ToValue`, and sealed with it (see the module docs).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be logged as a value",
    label = "not a fapilog value",
    note = "log it with `%value` (Display) or `?value` (Debug)"
)]
pub trait Capture: ToValue {
    /// What the call hands over.
    type Captured<'a>: ToValue + Copy
    where
        Self: 'a;
    /// `self` as the call hands it over.
    fn capture(&self) -> Self::Captured<'_>;
}

/// A value as a log call hands it over: what the macros wrap each plain
/// `key = value` in.
#[doc(hidden)]
#[inline(always)]
pub fn capture<T: Capture + ?Sized>(value: &T) -> T::Captured<'_> {
    value.capture()
}

/// `Capture` for `Copy` values: the value itself.
macro_rules! captured_by_copy {
    ($($t:ty),*) => {$(
        impl Capture for $t {
            type Captured<'a> = $t;
            #[inline(always)]
            fn capture(&self) -> $t {
                *self
            }
        }
    )*};
}
captured_by_copy!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, i128, u128);
captured_by_copy!(f32, f64, bool, char);

macro_rules! fixed_value {
    ($method:ident as $as:ty, $tag:expr, $len:literal; $($t:ty),*) => {$(
        impl Sealed for $t {}
        impl ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.$method(*self as $as);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                Some(1 + $len)
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                // SAFETY: forwarded from the trait's contract.
                unsafe { raw_fixed(dst, $tag, (*self as $as).to_ne_bytes()) }
            }
        }
    )*};
}
fixed_value!(i64 as i64, TAG_I64, 8; i8, i16, i32, i64, isize);
fixed_value!(u64 as u64, TAG_U64, 8; u8, u16, u32, u64, usize);
fixed_value!(i128 as i128, TAG_I128, 16; i128);
fixed_value!(u128 as u128, TAG_U128, 16; u128);

macro_rules! float_value {
    ($($t:ty),*) => {$(
        impl Sealed for $t {}
        impl ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.f64(*self as f64);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                Some(9)
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                // SAFETY: forwarded from the trait's contract.
                unsafe { raw_fixed(dst, TAG_F64, (*self as f64).to_bits().to_ne_bytes()) }
            }
        }
    )*};
}
float_value!(f32, f64);

impl Sealed for bool {}
impl ToValue for bool {
    #[inline(always)]
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.bool(*self);
    }
    #[inline(always)]
    fn encoded_len(&self) -> Option<usize> {
        Some(1)
    }
    #[inline(always)]
    unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
        // SAFETY: forwarded from the trait's contract.
        unsafe { raw_fixed(dst, if *self { TAG_TRUE } else { TAG_FALSE }, []) }
    }
}

/// The encoded size of a string or byte value, for the fast path.
///
/// On 64-bit targets always known: a value too long for its `u32` length
/// prefix is also longer than the largest record (rings hold at most 4 GiB,
/// records at most half of that), so the fast path declines its record
/// before writing anything (`Ring::write_exact`) and the checked path cuts
/// it. Nor can a record's sum of sizes overflow: a value is a slice of
/// mapped memory, under 2^57 bytes on every 64-bit target, and a record has
/// at most 32 values. On narrower targets the sum could wrap, so the fast
/// path takes only values under 64 MiB (32 of them sum to under 2^31).
#[inline(always)]
fn var_len(len: usize) -> Option<usize> {
    #[cfg(target_pointer_width = "64")]
    return Some(VAR_PREFIX + len);
    #[cfg(not(target_pointer_width = "64"))]
    return (len < 1 << 26).then_some(VAR_PREFIX + len);
}

macro_rules! text_value {
    ($(impl$([$($g:tt)*])? for $t:ty;)*) => {$(
        impl$(<$($g)*>)? Sealed for $t {}
        impl$(<$($g)*>)? Capture for $t {
            type Captured<'c> = &'c str where Self: 'c;
            #[inline(always)]
            fn capture(&self) -> &str {
                self
            }
        }
        impl$(<$($g)*>)? ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.str(self);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                var_len(self.len())
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                // SAFETY: forwarded from the trait's contract.
                unsafe { raw_var(dst, TAG_STR, self.as_bytes()) }
            }
        }
    )*};
}
text_value! {
    impl for str;
    impl for String;
    impl['a] for std::borrow::Cow<'a, str>;
}

macro_rules! bytes_value {
    ($(impl$([$($g:tt)*])? for $t:ty;)*) => {$(
        impl$(<$($g)*>)? Sealed for $t {}
        impl$(<$($g)*>)? Capture for $t {
            type Captured<'c> = &'c [u8] where Self: 'c;
            #[inline(always)]
            fn capture(&self) -> &[u8] {
                &self[..]
            }
        }
        impl$(<$($g)*>)? ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.bytes(self);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                var_len(self.len())
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                // SAFETY: forwarded from the trait's contract.
                unsafe { raw_var(dst, TAG_BYTES, &self[..]) }
            }
        }
    )*};
}
bytes_value! {
    impl for [u8];
    impl[const N: usize] for [u8; N];
    impl for Vec<u8>;
}

impl Sealed for char {}
impl ToValue for char {
    #[inline(always)]
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.str(self.encode_utf8(&mut [0; 4]));
    }
    #[inline(always)]
    fn encoded_len(&self) -> Option<usize> {
        Some(VAR_PREFIX + self.len_utf8())
    }
    #[inline(always)]
    unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
        // SAFETY: forwarded from the trait's contract.
        unsafe { raw_var(dst, TAG_STR, self.encode_utf8(&mut [0; 4]).as_bytes()) }
    }
}

impl<T: ToValue> Sealed for Option<T> {}
impl<T: Capture> Capture for Option<T> {
    type Captured<'a>
        = Option<T::Captured<'a>>
    where
        Self: 'a;
    #[inline(always)]
    fn capture(&self) -> Self::Captured<'_> {
        self.as_ref().map(T::capture)
    }
}
impl<T: ToValue> ToValue for Option<T> {
    #[inline(always)]
    fn encode(&self, enc: &mut Encoder<'_>) {
        match self {
            Some(v) => v.encode(enc),
            None => enc.null(),
        }
    }
    #[inline(always)]
    fn encoded_len(&self) -> Option<usize> {
        match self {
            Some(v) => v.encoded_len(),
            None => Some(1),
        }
    }
    #[inline(always)]
    unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
        match self {
            // SAFETY: forwarded from the trait's contract.
            Some(v) => unsafe { v.encode_raw(dst) },
            // SAFETY: forwarded from the trait's contract.
            None => unsafe { raw_fixed(dst, TAG_NULL, []) },
        }
    }
}

macro_rules! pointer_value {
    ($(<$a:lifetime>)? for $t:ty) => {
        impl<$($a,)? T: ToValue + ?Sized> Sealed for $t {}
        impl<$($a,)? T: Capture + ?Sized> Capture for $t {
            type Captured<'c> = T::Captured<'c> where Self: 'c;
            #[inline(always)]
            fn capture(&self) -> Self::Captured<'_> {
                (**self).capture()
            }
        }
        impl<$($a,)? T: ToValue + ?Sized> ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                (**self).encode(enc);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                (**self).encoded_len()
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                // SAFETY: forwarded from the trait's contract.
                unsafe { (**self).encode_raw(dst) }
            }
        }
    };
}
pointer_value!(<'a> for &'a T);
pointer_value!(<'a> for &'a mut T);
pointer_value!(for Box<T>);
pointer_value!(for std::sync::Arc<T>);
pointer_value!(for std::rc::Rc<T>);

/// A value known only by its trait object is handed over as that borrow.
impl<'v> Capture for dyn ToValue + 'v {
    type Captured<'a>
        = &'a (dyn ToValue + 'v)
    where
        Self: 'a;
    #[inline(always)]
    fn capture(&self) -> Self::Captured<'_> {
        self
    }
}

/// Non-zero and wrapping integers are their number: `$v => $number` says
/// how to get it from a copy `$v` of the value.
macro_rules! number_wrapper {
    ($v:ident => $number:expr; $($t:ty),*) => {$(
        impl Sealed for $t {}
        impl Capture for $t {
            type Captured<'a> = $t;
            #[inline(always)]
            fn capture(&self) -> $t {
                *self
            }
        }
        impl ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                let $v = *self;
                $number.encode(enc);
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                let $v = *self;
                $number.encoded_len()
            }
            #[inline(always)]
            unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
                let $v = *self;
                // SAFETY: forwarded from the trait's contract.
                unsafe { $number.encode_raw(dst) }
            }
        }
    )*};
}
number_wrapper!(v => v.get();
    std::num::NonZeroI8, std::num::NonZeroI16, std::num::NonZeroI32, std::num::NonZeroI64,
    std::num::NonZeroI128, std::num::NonZeroIsize, std::num::NonZeroU8, std::num::NonZeroU16,
    std::num::NonZeroU32, std::num::NonZeroU64, std::num::NonZeroU128, std::num::NonZeroUsize
);
number_wrapper!(v => v.0;
    std::num::Wrapping<i8>, std::num::Wrapping<i16>, std::num::Wrapping<i32>,
    std::num::Wrapping<i64>, std::num::Wrapping<i128>, std::num::Wrapping<isize>,
    std::num::Wrapping<u8>, std::num::Wrapping<u16>, std::num::Wrapping<u32>,
    std::num::Wrapping<u64>, std::num::Wrapping<u128>, std::num::Wrapping<usize>
);

/// An error as a trait object (`error = &e as &dyn Error`) is written with
/// its `Display`, as tracing records it.
macro_rules! error_value {
    ($($t:ty),*) => {$(
        impl Sealed for $t {}
        impl Capture for $t {
            type Captured<'a> = &'a $t where Self: 'a;
            #[inline(always)]
            fn capture(&self) -> Self::Captured<'_> {
                self
            }
        }
        impl ToValue for $t {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.fmt(|w| write!(w, "{self}"));
            }
        }
    )*};
}
error_value!(
    dyn std::error::Error + 'static,
    dyn std::error::Error + Send + 'static,
    dyn std::error::Error + Send + Sync + 'static
);

/// `format_args!(…)` as a value is written as the text it formats.
impl Sealed for fmt::Arguments<'_> {}
impl<'f> Capture for fmt::Arguments<'f> {
    type Captured<'a>
        = fmt::Arguments<'f>
    where
        Self: 'a;
    #[inline(always)]
    fn capture(&self) -> fmt::Arguments<'f> {
        *self
    }
}
impl ToValue for fmt::Arguments<'_> {
    #[inline(always)]
    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.fmt(|w| w.write_fmt(*self));
    }
}

/// The `%value` and `?value` wrappers: the value is formatted straight into
/// the slot through `fmt::Write`, and handed over as a reference.
macro_rules! formatted_value {
    ($(#[$doc:meta])* $ty:ident, $fmt:path, $spec:literal) => {
        $(#[$doc])*
        #[doc(hidden)]
        #[derive(Clone, Copy)]
        pub struct $ty<T>(pub T);

        impl<T: $fmt> Sealed for $ty<T> {}
        impl<T: $fmt> Capture for $ty<T> {
            type Captured<'a>
                = $ty<&'a T>
            where
                Self: 'a;
            #[inline(always)]
            fn capture(&self) -> $ty<&T> {
                $ty(&self.0)
            }
        }
        impl<T: $fmt> ToValue for $ty<T> {
            #[inline(always)]
            fn encode(&self, enc: &mut Encoder<'_>) {
                enc.fmt(|w| write!(w, $spec, self.0));
            }
        }
    };
}
formatted_value!(
    /// `%value`: written with `Display`, straight into the slot.
    DisplayValue,
    fmt::Display,
    "{}"
);
formatted_value!(
    /// `?value`: written with `Debug`, straight into the slot.
    DebugValue,
    fmt::Debug,
    "{:?}"
);

/// The values of one call, as a tuple: `(a, b, c)` for three fields.
/// Implemented for tuples of up to 32 [`ToValue`]s. Sealed.
pub trait Fields: Sealed {
    /// How many values.
    const COUNT: usize;
    /// Encodes each value in order.
    fn encode_all(&self, enc: &mut Encoder<'_>);
    /// How many values this instance holds (differs from `COUNT` only for
    /// run-time lists).
    fn count(&self) -> usize {
        Self::COUNT
    }
    /// The exact bytes of all values, when every one knows its size.
    #[doc(hidden)]
    #[inline(always)]
    fn encoded_len(&self) -> Option<usize> {
        None
    }
    /// Writes every value at `dst` with no check; returns the next byte.
    ///
    /// # Safety
    /// As [`ToValue::encode_raw`], with `encoded_len()` bytes.
    #[doc(hidden)]
    #[inline(always)]
    unsafe fn encode_raw(&self, dst: *mut u8) -> *mut u8 {
        dst
    }
}

macro_rules! fields_tuple {
    ($($n:tt $t:ident)*) => {
        impl<$($t: ToValue),*> Sealed for ($($t,)*) {}
        impl<$($t: ToValue),*> Fields for ($($t,)*) {
            const COUNT: usize = 0 $(+ { let _ = $n; 1 })*;
            #[inline(always)]
            #[allow(unused_variables)]
            fn encode_all(&self, enc: &mut Encoder<'_>) {
                $(self.$n.encode(enc);)*
            }
            #[inline(always)]
            fn encoded_len(&self) -> Option<usize> {
                #[allow(unused_mut)]
                let mut n = 0;
                $(n += self.$n.encoded_len()?;)*
                Some(n)
            }
            #[inline(always)]
            #[allow(unused_mut)]
            unsafe fn encode_raw(&self, mut dst: *mut u8) -> *mut u8 {
                // SAFETY: the values' sizes add up to `encoded_len()`, which
                // the caller guarantees is writable at `dst`.
                $(dst = unsafe { self.$n.encode_raw(dst) };)*
                dst
            }
        }
    };
}

fields_tuple!();
fields_tuple!(0 A);
fields_tuple!(0 A 1 B);
fields_tuple!(0 A 1 B 2 C);
fields_tuple!(0 A 1 B 2 C 3 D);
fields_tuple!(0 A 1 B 2 C 3 D 4 E);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA 27 AB);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA 27 AB 28 AC);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA 27 AB 28 AC 29 AD);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA 27 AB 28 AC 29 AD 30 AE);
fields_tuple!(0 A 1 B 2 C 3 D 4 E 5 F 6 G 7 H 8 I 9 J 10 K 11 L 12 M 13 N 14 O 15 P 16 Q 17 R 18 S 19 T 20 U 21 V 22 W 23 X 24 Y 25 Z 26 AA 27 AB 28 AC 29 AD 30 AE 31 AF);

/// A dynamic list of values, for encoding values whose count is only known
/// at run time (tests, fuzzing). Always takes the checked path.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct DynFields<'a>(pub &'a [&'a dyn ToValue]);

impl Sealed for DynFields<'_> {}
impl Fields for DynFields<'_> {
    const COUNT: usize = 0;
    fn encode_all(&self, enc: &mut Encoder<'_>) {
        for v in self.0 {
            v.encode(enc);
        }
    }
    fn count(&self) -> usize {
        self.0.len()
    }
}
