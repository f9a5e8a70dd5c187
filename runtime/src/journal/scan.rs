//! Reading a journal's lines in order without holding the whole store in memory.

use std::io;
use std::vec::Vec;

use super::Storage;

/// The longest line a journal reads or writes, in bytes, newline excluded: 4 MiB. A record
/// line is a few hundred bytes plus its instance and event ids; a header holds the
/// definition's JSON. A longer line is refused when appended, and reported as corrupt when
/// read, without ever being held in memory whole.
///
/// ```
/// use statewright::journal::{Durability, Journal, JournalError, MemoryStorage, MAX_LINE};
/// use statewright::{state_machine, Recorder, Record, Outcome, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open)]
///     Closed,
///     #[on(close -> Closed)]
///     Open,
/// }
///
/// let journal = Journal::with_storage(MemoryStorage::new(), Door::DEFINITION, Durability::Sync).unwrap();
/// let record = Record::from_names(Door::DEFINITION, 1, "Closed", "open", "Open", Outcome::Applied, None).unwrap();
/// let err = journal.recorder("d".repeat(MAX_LINE)).record(&record).unwrap_err();
/// assert!(matches!(err, JournalError::LineTooLong { .. }));
/// ```
pub const MAX_LINE: usize = 4 << 20;

/// Bytes read from the store at a time.
pub(crate) const CHUNK: usize = 64 << 10;

/// One piece of a journal, as [`Lines`] finds it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// A line ending in a newline, without the newline.
    Line { offset: u64, bytes: &'a [u8] },
    /// Bytes after the last newline (what an interrupted append leaves), at most
    /// [`MAX_LINE`] of them.
    Tail { offset: u64, bytes: &'a [u8] },
    /// More than [`MAX_LINE`] bytes without a newline: `len` bytes from `offset`, followed by
    /// a newline when `terminated` (never held in memory).
    TooLong {
        offset: u64,
        len: u64,
        terminated: bool,
    },
}

/// The lines of a store, read [`CHUNK`] bytes at a time: it holds at most one line and one
/// chunk.
pub(crate) struct Lines<'s> {
    storage: &'s mut dyn Storage,
    size: u64,
    /// Bytes read from the store, from `buf_offset`.
    buf: Vec<u8>,
    buf_offset: u64,
    /// Where the next piece starts in `buf`.
    start: usize,
    /// Where to look for the next newline in `buf` (bytes before it have none).
    scanned: usize,
    /// Where a line longer than [`MAX_LINE`] started, while its bytes are skipped.
    skipping: Option<u64>,
    done: bool,
}

impl<'s> Lines<'s> {
    /// The lines of the first `size` bytes of `storage`.
    pub(crate) fn new(storage: &'s mut dyn Storage, size: u64) -> Self {
        Lines {
            storage,
            size,
            buf: Vec::new(),
            buf_offset: 0,
            start: 0,
            scanned: 0,
            skipping: None,
            done: false,
        }
    }

    /// The next piece, or `None` at the end.
    pub(crate) fn next_piece(&mut self) -> io::Result<Option<Piece<'_>>> {
        if self.done {
            return Ok(None);
        }
        loop {
            if let Some(at) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + at;
                let (start, offset) = (self.start, self.buf_offset + self.start as u64);
                self.start = end + 1;
                self.scanned = end + 1;
                if let Some(from) = self.skipping.take() {
                    let len = self.buf_offset + end as u64 - from;
                    return Ok(Some(Piece::TooLong {
                        offset: from,
                        len,
                        terminated: true,
                    }));
                }
                if end - start > MAX_LINE {
                    return Ok(Some(Piece::TooLong {
                        offset,
                        len: (end - start) as u64,
                        terminated: true,
                    }));
                }
                return Ok(Some(Piece::Line {
                    offset,
                    bytes: &self.buf[start..end],
                }));
            }
            self.scanned = self.buf.len();
            let offset = self.buf_offset + self.start as u64;
            if self.skipping.is_none() && self.buf.len() - self.start > MAX_LINE {
                self.skipping = Some(offset);
            }
            let next = self.buf_offset + self.buf.len() as u64;
            if next >= self.size {
                self.done = true;
                if let Some(from) = self.skipping.take() {
                    return Ok(Some(Piece::TooLong {
                        offset: from,
                        len: self.size - from,
                        terminated: false,
                    }));
                }
                if self.start == self.buf.len() {
                    return Ok(None);
                }
                return Ok(Some(Piece::Tail {
                    offset,
                    bytes: &self.buf[self.start..],
                }));
            }
            // Drop what was handed out (all of it while a long line is skipped), read on.
            let keep_from = if self.skipping.is_some() {
                self.buf.len()
            } else {
                self.start
            };
            self.buf.drain(..keep_from);
            self.buf_offset += keep_from as u64;
            self.scanned -= keep_from;
            self.start -= self.start.min(keep_from);
            let len = usize::try_from(self.size - next).map_or(CHUNK, |left| left.min(CHUNK));
            let chunk = self.storage.read_at(next, len)?;
            self.buf.extend_from_slice(&chunk);
        }
    }
}

/// The number (from 1) of the line that starts at byte `offset`, counting newlines before it
/// a chunk at a time; 0 when they cannot be read. For error messages.
pub(crate) fn line_number(
    read: &mut dyn FnMut(u64, usize) -> io::Result<Vec<u8>>,
    offset: u64,
) -> u64 {
    let mut newlines = 0;
    let mut at = 0;
    while at < offset {
        let len = usize::try_from(offset - at).map_or(CHUNK, |left| left.min(CHUNK));
        let Ok(chunk) = read(at, len) else {
            return 0;
        };
        newlines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        at += len as u64;
    }
    newlines + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::MemoryStorage;
    use std::format;

    fn pieces(bytes: &[u8]) -> Vec<std::string::String> {
        let mut storage = MemoryStorage::from_bytes(bytes.to_vec());
        let size = bytes.len() as u64;
        let mut lines = Lines::new(&mut storage, size);
        let mut out = Vec::new();
        while let Some(piece) = lines.next_piece().unwrap() {
            out.push(match piece {
                Piece::Line { offset, bytes } => format!("line {offset} {}", bytes.len()),
                Piece::Tail { offset, bytes } => format!("tail {offset} {}", bytes.len()),
                Piece::TooLong {
                    offset,
                    len,
                    terminated,
                } => format!("long {offset} {len} {terminated}"),
            });
        }
        out
    }

    #[test]
    fn lines_tails_and_long_lines_across_chunks() {
        assert!(pieces(b"").is_empty());
        assert_eq!(pieces(b"ab\n\ncd"), ["line 0 2", "line 3 0", "tail 4 2"]);
        let mut long = std::vec![b'x'; CHUNK * 3 + 5];
        long.push(b'\n');
        long.extend_from_slice(b"y\n");
        assert_eq!(
            pieces(&long),
            [
                format!("line 0 {}", CHUNK * 3 + 5),
                format!("line {} 1", CHUNK * 3 + 6)
            ]
        );
        let mut huge = std::vec![b'x'; MAX_LINE];
        assert_eq!(pieces(&huge), [format!("tail 0 {MAX_LINE}")]);
        huge.push(b'x');
        assert_eq!(pieces(&huge), [format!("long 0 {} false", MAX_LINE + 1)]);
        huge.push(b'\n');
        huge.extend_from_slice(b"z\n");
        assert_eq!(
            pieces(&huge),
            [
                format!("long 0 {} true", MAX_LINE + 1),
                format!("line {} 1", MAX_LINE + 2)
            ]
        );
        // Exactly at the limit, a line is a line.
        let mut limit = std::vec![b'x'; MAX_LINE];
        limit.extend_from_slice(b"\nz");
        assert_eq!(
            pieces(&limit),
            [
                format!("line 0 {MAX_LINE}"),
                format!("tail {} 1", MAX_LINE + 1)
            ]
        );
    }

    #[test]
    fn long_lines_after_other_lines_are_measured_from_their_own_start() {
        let with = |len: usize, end: &[u8]| {
            let mut bytes = b"ab\n".to_vec();
            bytes.extend(core::iter::repeat_n(b'x', len));
            bytes.extend_from_slice(end);
            pieces(&bytes)
        };
        // Found long once its newline is read...
        assert_eq!(
            with(MAX_LINE + 1, b"\nz\n"),
            [
                std::string::String::from("line 0 2"),
                format!("long 3 {} true", MAX_LINE + 1),
                format!("line {} 1", MAX_LINE + 5)
            ]
        );
        // ...or while its bytes are still being skipped, chunks before its newline.
        let len = MAX_LINE + CHUNK + 10;
        assert_eq!(
            with(len, b"\nz\n"),
            [
                std::string::String::from("line 0 2"),
                format!("long 3 {len} true"),
                format!("line {} 1", len + 4)
            ]
        );
        // Without a newline at all.
        assert_eq!(
            with(MAX_LINE + 1, b""),
            [
                std::string::String::from("line 0 2"),
                format!("long 3 {} false", MAX_LINE + 1)
            ]
        );
    }

    #[test]
    fn every_line_is_found_across_many_chunks() {
        // Lines of 100 bytes: chunk boundaries fall inside lines, at every offset mod 100.
        let n = CHUNK * 3 / 100 + 1;
        let bytes: Vec<u8> = (0..n)
            .flat_map(|_| core::iter::repeat_n(b'a', 99).chain([b'\n']))
            .collect();
        let expected: Vec<std::string::String> =
            (0..n).map(|i| format!("line {} 99", i * 100)).collect();
        assert_eq!(pieces(&bytes), expected);
    }

    #[test]
    fn line_numbers_count_newlines_before_an_offset() {
        let mut bytes = std::vec![b'a'; CHUNK * 2];
        bytes[10] = b'\n';
        bytes[CHUNK + 3] = b'\n';
        bytes[CHUNK + 100] = b'\n';
        let storage = MemoryStorage::from_bytes(bytes);
        let mut read = |o, l| crate::journal::Reader::read_at(&storage, o, l);
        assert_eq!(line_number(&mut read, 0), 1);
        assert_eq!(line_number(&mut read, 11), 2);
        // Only the newlines before the offset count, in the last chunk too.
        assert_eq!(line_number(&mut read, CHUNK as u64 + 4), 3);
        assert_eq!(line_number(&mut read, CHUNK as u64 * 2), 4);
    }
}
