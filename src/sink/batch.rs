//! The unit of work handed to sinks: serialized lines plus per-record metadata.

use crate::Level;

/// Metadata of one record in a [`Batch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// Byte offset one past the record's trailing newline.
    end: usize,
    /// The record's level, for level-based routing and labels.
    pub level: Level,
    /// When the record was logged, in nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
}

/// A run of serialized records, each one line ending in `\n`.
///
/// Batches are recycled by the worker: their buffers keep their capacity, so
/// the steady state allocates nothing.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    records: Vec<BatchRecord>,
}

impl Batch {
    /// An empty batch with room for `bytes` bytes and `records` records.
    pub fn with_capacity(bytes: usize, records: usize) -> Batch {
        Batch {
            bytes: Vec::with_capacity(bytes),
            records: Vec::with_capacity(records),
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every record's line, concatenated: ready for one `write_all`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The records, each with its metadata and its line (newline included).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (BatchRecord, &[u8])> + '_ {
        let mut start = 0;
        self.records.iter().map(move |r| {
            let line = &self.bytes[start..r.end];
            start = r.end;
            (*r, line)
        })
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.records.clear();
    }

    /// The buffer the next line is appended to; finish it with [`Batch::end_record`].
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Ends the record whose line was just written to [`Batch::buffer`],
    /// adding the trailing newline if the writer did not.
    pub fn end_record(&mut self, level: Level, timestamp_ns: u64) {
        if self.bytes.last() != Some(&b'\n') {
            self.bytes.push(b'\n');
        }
        self.records.push(BatchRecord {
            end: self.bytes.len(),
            level,
            timestamp_ns,
        });
    }

    /// Appends a finished line (a trailing newline is added if missing).
    pub fn push_line(&mut self, level: Level, timestamp_ns: u64, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.end_record(level, timestamp_ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iter_yields_each_line_with_its_metadata() {
        let mut b = Batch::default();
        b.push_line(Level::Info, 1, b"{\"a\":1}");
        b.push_line(Level::Error, 2, b"{\"b\":2}\n");
        let lines: Vec<_> = b
            .iter()
            .map(|(m, l)| (m.level, m.timestamp_ns, l))
            .collect();
        assert_eq!(
            lines,
            vec![
                (Level::Info, 1, &b"{\"a\":1}\n"[..]),
                (Level::Error, 2, &b"{\"b\":2}\n"[..])
            ]
        );
        assert_eq!(b.as_bytes(), b"{\"a\":1}\n{\"b\":2}\n");
        b.clear();
        assert!(b.is_empty() && b.as_bytes().is_empty());
    }
}
