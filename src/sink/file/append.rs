//! Appending one batch to the current file: written through before
//! returning, and in the file whole or not at all.
//!
//! Nothing is buffered between batches (a batch is already one large run of
//! lines), so a failure to write belongs to the batch at hand: the sink
//! returns it from `write_batch` and the pipeline counts the batch lost or
//! hands it to the fallback sink, instead of counting it delivered and
//! losing it at a later flush.
//!
//! A write can fail part way (a disk filling up mid-batch takes some bytes,
//! then refuses the rest). The part that got in is then cut off again, so
//! the batch is reported failed *and* absent, and no line is both in the
//! file and in the fallback. Cutting back is only done when the file is
//! exactly as long as this sink made it (no one else appended meanwhile);
//! when it cannot be done (a device, a failing truncate), the lines written
//! whole stay in the file although the batch is reported failed (they may
//! then appear twice, or be counted dropped although written: counted lost,
//! never counted delivered and lost), and a partial last line is ended with
//! a newline before anything else is written, so it never glues onto the
//! next line.

use std::fs;
use std::io::{self, Write};

/// Where batches are appended: a writer whose length can be read and cut
/// back.
pub(super) trait Dest: Write {
    /// The destination's length in bytes.
    fn len(&self) -> io::Result<u64>;
    /// Cuts the destination back to `len` bytes; appends then resume there.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

impl Dest for fs::File {
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        // Opened with `O_APPEND`: the next write goes to the new end.
        self.set_len(len)
    }
}

/// Appends batches of whole lines, keeping count of the destination's size.
pub(super) struct Appender<W: Dest> {
    out: W,
    /// Bytes in the destination.
    size: u64,
    /// A failed write left a partial line that could not be cut off: end
    /// it before writing on.
    torn: bool,
}

impl<W: Dest> Appender<W> {
    /// Appends to `out`, which already holds `size` bytes.
    pub(super) fn new(out: W, size: u64) -> Appender<W> {
        Appender {
            out,
            size,
            torn: false,
        }
    }

    /// Whether the destination ends in a partial line (left by an earlier
    /// run), to be ended with a newline before the first batch.
    pub(super) fn torn(mut self, torn: bool) -> Appender<W> {
        self.torn = torn;
        self
    }

    /// The destination.
    pub(super) fn get_ref(&self) -> &W {
        &self.out
    }

    /// Bytes in the destination.
    pub(super) fn size(&self) -> u64 {
        self.size
    }

    /// Writes `bytes` (whole lines) through to the destination. On error
    /// none of them stay in it, unless cutting back failed (see the module
    /// docs).
    pub(super) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.end_torn_line()?;
        let mut written = 0;
        let error = loop {
            if written == bytes.len() {
                self.size += written as u64;
                return Ok(());
            }
            match self.out.write(&bytes[written..]) {
                Ok(0) => break io::Error::from(io::ErrorKind::WriteZero),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break e,
            }
        };
        if written > 0 && !self.take_back(written as u64) {
            self.size += written as u64;
            self.torn = bytes[written - 1] != b'\n';
        }
        Err(error)
    }

    /// Cuts off the `written` bytes of a failed batch; false if they stay.
    fn take_back(&mut self, written: u64) -> bool {
        let ours = matches!(self.out.len(), Ok(len) if len == self.size + written);
        ours && self.out.truncate(self.size).is_ok()
    }

    /// Ends the partial line a failed write left, if any.
    pub(super) fn end_torn_line(&mut self) -> io::Result<()> {
        if self.torn {
            self.out.write_all(b"\n")?;
            self.size += 1;
            self.torn = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes bytes until `room` of them are stored, then fails like a full
    /// disk; `cut` says whether it can be cut back.
    struct Disk {
        data: Vec<u8>,
        room: usize,
        cut: bool,
    }

    impl Write for Disk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let free = self.room.saturating_sub(self.data.len());
            if free == 0 {
                return Err(io::Error::other("no space left"));
            }
            let n = buf.len().min(free);
            self.data.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Dest for Disk {
        fn len(&self) -> io::Result<u64> {
            Ok(self.data.len() as u64)
        }
        fn truncate(&mut self, len: u64) -> io::Result<()> {
            if !self.cut {
                return Err(io::Error::other("cannot truncate"));
            }
            self.data.truncate(len as usize);
            Ok(())
        }
    }

    fn appender(room: usize, cut: bool) -> Appender<Disk> {
        let disk = Disk {
            data: Vec::new(),
            room,
            cut,
        };
        Appender::new(disk, 0)
    }

    /// `n` lines of 17 bytes, so a page-sized cut falls inside a line.
    fn lines(tag: char, n: usize) -> Vec<u8> {
        // `{tag}-line-{i:09}\n`, built by hand: formatting thousands of lines
        // takes minutes under miri.
        let mut out = Vec::with_capacity(n * 17);
        for i in 0..n {
            let mut line = *b"?-line-000000000\n";
            line[0] = tag as u8;
            let mut v = i;
            for digit in line[7..16].iter_mut().rev() {
                *digit = b'0' + (v % 10) as u8;
                v /= 10;
            }
            out.extend_from_slice(&line);
        }
        out
    }

    #[test]
    fn every_batch_is_in_the_destination_when_write_returns() {
        let mut a = appender(usize::MAX, true);
        let (first, second) = (lines('a', 1), lines('b', 3_000));
        a.write(&first).unwrap();
        assert_eq!(a.out.data, first, "a small batch is not held back");
        a.write(&second).unwrap();
        assert_eq!(a.out.data, [&first[..], &second].concat());
        assert_eq!(a.size(), a.out.data.len() as u64);
    }

    #[test]
    fn a_batch_cut_short_is_taken_back_whole() {
        let first = lines('a', 3);
        let mut a = appender(first.len() + 100, true); // room ends inside a line
        a.write(&first).unwrap();
        assert!(a.write(&lines('b', 5_000)).is_err());
        assert_eq!(a.out.data, first, "none of the failed batch stays");
        assert_eq!(a.size(), first.len() as u64);
        a.out.room = usize::MAX; // space again
        let next = lines('c', 2);
        a.write(&next).unwrap();
        assert_eq!(a.out.data, [&first[..], &next].concat());
        assert_eq!(a.size(), a.out.data.len() as u64);
    }

    #[test]
    fn a_batch_refused_at_once_changes_nothing() {
        let mut a = appender(0, true);
        assert!(a.write(&lines('a', 1)).is_err());
        assert!(a.out.data.is_empty() && a.size() == 0 && !a.torn);
    }

    #[test]
    fn a_torn_line_that_cannot_be_taken_back_is_ended_before_the_next_batch() {
        let mut a = appender(100, false);
        let big = lines('a', 5_000);
        assert!(a.write(&big).is_err());
        assert!(a.torn, "100 bytes is not a whole number of 17-byte lines");
        assert_eq!(a.size(), 100);
        a.out.room = usize::MAX;
        let next = lines('b', 2);
        a.write(&next).unwrap();
        let data = &a.out.data;
        assert_eq!(&data[..100], &big[..100]);
        assert_eq!(&data[100..], [&b"\n"[..], &next].concat());
        assert_eq!(a.size(), data.len() as u64);
    }

    #[test]
    fn a_partial_line_found_at_start_is_ended_before_the_first_batch() {
        let mut disk = appender(usize::MAX, true).out;
        disk.data.extend_from_slice(b"cut sh");
        let mut a = Appender::new(disk, 6).torn(true);
        a.write(&lines('a', 1)).unwrap();
        assert_eq!(a.out.data, [&b"cut sh\n"[..], &lines('a', 1)].concat());
        assert_eq!(a.size(), a.out.data.len() as u64);
    }

    #[test]
    fn lines_that_cannot_be_taken_back_on_a_line_boundary_add_nothing() {
        let mut a = appender(17 * 3, false);
        assert!(a.write(&lines('a', 5_000)).is_err());
        assert!(!a.torn);
        a.out.room = usize::MAX;
        a.write(&lines('b', 1)).unwrap();
        assert_eq!(a.out.data, [&lines('a', 3)[..], &lines('b', 1)].concat());
    }

    #[test]
    fn what_someone_else_appended_is_never_cut() {
        let mut a = appender(200, true);
        a.write(&lines('a', 1)).unwrap();
        a.out.data.extend_from_slice(b"another writer\n"); // behind our back
        assert!(a.write(&lines('b', 100)).is_err());
        assert!(a
            .out
            .data
            .starts_with(&[&lines('a', 1)[..], b"another writer\n"].concat()));
        assert_eq!(a.out.data.len(), 200, "the partial batch stays");
    }

    #[test]
    fn a_file_cut_back_takes_appends_at_its_new_end() {
        let path = std::env::temp_dir().join(format!("fapilog-append-{}", std::process::id()));
        let _ = fs::remove_file(&path);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"kept\npartial li").unwrap();
        assert_eq!(Dest::len(&file).unwrap(), 15);
        Dest::truncate(&mut file, 5).unwrap();
        file.write_all(b"next\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"kept\nnext\n");
        fs::remove_file(&path).unwrap();
    }
}
