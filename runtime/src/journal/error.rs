//! What can go wrong with a journal.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::string::String;
use std::vec::Vec;

use crate::fingerprint::Fingerprint;
use crate::recorder::RecordError;

/// Why a journal could not be opened, recovered, read or appended to.
///
/// Appending errors reach the caller of the transition (the typed API's `Refused`, the dynamic
/// API's `Rejection` with [`Cause::Unrecorded`](crate::Cause)); the machine stays in its
/// previous state and the journal holds no part of the refused record.
#[derive(Debug)]
#[non_exhaustive]
pub enum JournalError {
    /// The storage failed (disk full, I/O error, closed file). `during` says what the journal
    /// was doing.
    Io {
        /// `"append"`, `"sync"`, `"read"`, `"open"`, ...
        during: &'static str,
        /// The error.
        error: io::Error,
    },
    /// A failed append could not be undone, or a sync of records already applied failed: the
    /// journal refuses every further append until it is reopened (which recovers it).
    Poisoned(String),
    /// The journal was closed with [`Journal::close`](super::Journal::close).
    Closed,
    /// The file is open in another [`Journal`](super::Journal), in this process or in
    /// another one (it holds an exclusive advisory lock on the file): a journal file has one
    /// writer. Nothing was read or changed; close the other journal first.
    Locked {
        /// The journal file.
        path: PathBuf,
    },
    /// The file does not start with a statewright journal header.
    NotAJournal(String),
    /// The journal was written by a different definition of the machine.
    DefinitionMismatch {
        /// The machine name in the journal.
        machine: String,
        /// The journal's fingerprint.
        found: Fingerprint,
        /// The current definition's fingerprint.
        expected: Fingerprint,
        /// What differs, one line each (`+ Paid --refund--> Refunded`), from the journal's
        /// version to the current one.
        changes: Vec<String>,
    },
    /// A complete line of the journal (anywhere, the last one included) is damaged, too long,
    /// or does not follow from the lines before it. Nothing after it is trusted; nothing is
    /// skipped or cut silently, and the file is left as it was:
    /// [`Journal::repair`](super::Journal::repair) keeps the valid records and moves the rest
    /// into a side file.
    Corrupt {
        /// The line number, from 1 (the header).
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The record's sequence number is not the next one of its instance: another machine
    /// (or another process) wrote to the same instance, or the machine was resumed from an
    /// older state.
    SequenceConflict {
        /// The instance.
        instance: String,
        /// The sequence number the journal expected.
        expected: u64,
        /// The one the record had.
        found: u64,
    },
    /// The record starts from a state the instance is not in, according to the journal.
    StateConflict {
        /// The instance.
        instance: String,
        /// The instance's state in the journal.
        journal: &'static str,
        /// The record's `from` state.
        record: &'static str,
    },
    /// The record is not a step the journal could read back: not a transition of the
    /// definition from the instance's state, or a rejection of an event that nothing (no
    /// guard, no hook) could have declined there. Machines never write one; a record built by
    /// hand ([`Record::new`](crate::Record::new)) can be one.
    IllegalStep {
        /// The instance.
        instance: String,
        /// Why the step is refused.
        reason: String,
    },
    /// The line to write is longer than [`MAX_LINE`](super::MAX_LINE) bytes (very long
    /// instance or event ids, or an enormous definition in the header): it is not written,
    /// since recovery would refuse it.
    LineTooLong {
        /// The line's length in bytes, newline excluded.
        len: usize,
    },
    /// The record belongs to a different machine than the journal's.
    WrongMachine {
        /// The journal's machine.
        journal: &'static str,
        /// The record's machine.
        record: &'static str,
    },
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Io { during, error } => write!(f, "journal {during} failed: {error}"),
            JournalError::Poisoned(why) => {
                write!(f, "the journal refuses appends until it is reopened: {why}")
            }
            JournalError::Closed => f.write_str("the journal is closed"),
            JournalError::Locked { path } => write!(
                f,
                "the journal file `{}` is already open (another `Journal`, in this process or another one); a journal file has one writer: close that one first",
                path.display()
            ),
            JournalError::NotAJournal(why) => write!(f, "not a statewright journal: {why}"),
            JournalError::DefinitionMismatch {
                machine,
                found,
                expected,
                changes,
            } => {
                write!(
                    f,
                    "the journal of `{machine}` was written by a different definition (fingerprint {found}, now {expected})"
                )?;
                if !changes.is_empty() {
                    write!(f, "; changes since: {}", changes.join(", "))?;
                }
                Ok(())
            }
            JournalError::Corrupt { line, reason } => {
                write!(f, "journal line {line} is corrupt: {reason}")
            }
            JournalError::SequenceConflict {
                instance,
                expected,
                found,
            } => write!(
                f,
                "instance `{instance}`: expected record #{expected}, got #{found} (another machine writes to this instance, or this one was resumed from an older state)"
            ),
            JournalError::StateConflict {
                instance,
                journal,
                record,
            } => write!(
                f,
                "instance `{instance}` is in `{journal}` according to the journal, but the record leaves `{record}`"
            ),
            JournalError::IllegalStep { instance, reason } => write!(
                f,
                "instance `{instance}`: {reason}; the journal writes only steps it can read back"
            ),
            JournalError::LineTooLong { len } => write!(
                f,
                "a journal line of {len} bytes is longer than the limit of {} bytes; use shorter instance and event ids",
                super::MAX_LINE
            ),
            JournalError::WrongMachine { journal, record } => write!(
                f,
                "a record of `{record}` cannot go into the journal of `{journal}`"
            ),
        }
    }
}

impl JournalError {
    /// The storage's I/O error, for [`JournalError::Io`] (for example to check
    /// `raw_os_error()` for `ENOSPC`).
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            JournalError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl RecordError for JournalError {}
