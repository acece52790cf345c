//! Cutting text at a character boundary, for the places that bound a
//! string's length (the slot encoder, redaction's length limit, the
//! `tracing` bridge's span fields). `str::floor_char_boundary` does this
//! from Rust 1.91; the crate supports 1.85.

/// The largest char boundary of `s` at or below `at` (`s.len()` when `at`
/// is past the end).
#[inline]
pub(crate) fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_before_a_character_it_would_split() {
        let s = "aé€"; // 1 + 2 + 3 bytes
        let cuts: Vec<usize> = (0..=8).map(|at| floor_char_boundary(s, at)).collect();
        assert_eq!(cuts, [0, 1, 1, 3, 3, 3, 6, 6, 6]);
    }
}
