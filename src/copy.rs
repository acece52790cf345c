//! Copies of short byte strings (ids, paths, keys, numbers: most of what a
//! log line holds) without a call to `memcpy`, whose dispatch costs more
//! than the copy at these sizes. Used by the record encoder on the caller's
//! thread and by the JSON writer on the worker.

use std::ptr;

/// Copies all of `src` to `dst`: up to 32 bytes as two overlapping moves of
/// 16, 8 or 4 bytes (or the first, middle and last byte), longer strings
/// with `memcpy`.
///
/// # Safety
/// `dst..dst + src.len()` must be valid for writes and not overlap `src`.
#[inline(always)]
pub(crate) unsafe fn copy_bytes(src: &[u8], dst: *mut u8) {
    let n = src.len();
    // SAFETY: each case writes only within `dst..dst + n`, which the caller
    // guarantees is writable and apart from `src`.
    unsafe {
        if n > 32 {
            ptr::copy_nonoverlapping(src.as_ptr(), dst, n);
        } else if n >= 16 {
            copy_ends::<16>(src, dst);
        } else if n >= 8 {
            copy_ends::<8>(src, dst);
        } else if n >= 4 {
            copy_ends::<4>(src, dst);
        } else if n > 0 {
            // First, middle and last byte: all of them for n <= 3.
            for i in [0, n / 2, n - 1] {
                dst.add(i).write(src[i]);
            }
        }
    }
}

/// Copies `src` (`N..=2 * N` bytes) to `dst` as two overlapping `N`-byte
/// moves: the first `N` bytes, then the last `N`.
///
/// # Safety
/// As [`copy_bytes`].
#[inline(always)]
unsafe fn copy_ends<const N: usize>(src: &[u8], dst: *mut u8) {
    let n = src.len();
    debug_assert!(N <= n && n <= 2 * N);
    let head: [u8; N] = src[..N].try_into().expect("N bytes");
    let tail: [u8; N] = src[n - N..].try_into().expect("N bytes");
    // SAFETY: both stores fall within `dst..dst + n` (as `N <= n`), which the
    // caller guarantees is writable.
    unsafe {
        dst.cast::<[u8; N]>().write_unaligned(head);
        dst.add(n - N).cast::<[u8; N]>().write_unaligned(tail);
    }
}

#[cfg(test)]
mod tests {
    use super::copy_bytes;

    #[test]
    fn every_length_is_copied_whole_and_nothing_past_it() {
        let src: Vec<u8> = (1..=80).collect();
        for n in 0..=src.len() {
            let mut dst = [0u8; 96];
            // SAFETY: `dst` has room for all 80 bytes and is apart from `src`.
            unsafe { copy_bytes(&src[..n], dst.as_mut_ptr()) };
            assert_eq!(&dst[..n], &src[..n], "length {n}");
            assert!(dst[n..].iter().all(|&b| b == 0), "length {n}");
        }
    }
}
