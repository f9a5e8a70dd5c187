//! A durable, crash-safe journal of records (feature `journal`).
//!
//! One append-only file per machine type, one JSON line per record, many instances per file:
//!
//! ```text
//! {"journal":"statewright/1","machine":"Order","fingerprint":"…","definition":"{…}","crc":"…"}
//! {"machine":"Order","instance":"o-17","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"applied","at":1764323663000000000,"in_state_ns":5000000,"crc":"…"}
//! ```
//!
//! The first line is a header with the machine's [`Fingerprint`] and its definition JSON; each
//! record line carries the machine, the instance id, the sequence number, from, event, to,
//! outcome, the wall-clock time (`at`, nanoseconds since the Unix epoch) and the monotonic time
//! spent in the previous state (`in_state_ns`; `null` for the first record after the journal
//! was reopened, since monotonic time does not survive a restart), for an event delivered
//! through [`Idempotent`](crate::Idempotent) the id it was delivered under (`event_id`, a JSON
//! string; absent otherwise, so such lines are as they were before the field existed), and a
//! CRC-32 of the line. [`Journal::window`] rebuilds the window of remembered ids from them.
//!
//! # Transitions that cannot be recorded do not happen
//!
//! A [`JournalRecorder`] is a fallible [`Recorder`]: when its record cannot be written (disk
//! full, I/O error, closed journal), the typed API returns `Err(Refused)` holding the machine in
//! its previous state, and the dynamic API returns a `Rejection` with `Cause::Unrecorded`; a
//! partly written line is cut off again, so the journal holds no trace of the refused record.
//!
//! # Durability: what each policy can lose
//!
//! | [`Durability`] | each record is | a process crash (panic, `kill -9`, OOM) loses | an OS crash or power loss loses |
//! | --- | --- | --- | --- |
//! | `Flush` | written to the file (one `write`) before the transition is applied | nothing | records not yet written back by the OS (typically the last seconds) |
//! | `Sync` | written and `fdatasync`ed before the transition is applied | nothing | nothing (if the disk honours flushes) |
//! | `GroupCommit { records, interval }` | written; synced with the `records`-th unsynced one, and by a background thread once the oldest unsynced record is `interval` old | nothing | the records since the last sync: fewer than `records`, all younger than about `interval` (at most twice it) |
//!
//! After a crash the file may end in a torn line; [`Journal::open`] copies it aside, cuts it
//! and says so in [`Recovery::torn`] (see below).
//!
//! # One writer
//!
//! [`Journal::open`] takes an exclusive OS advisory lock on the file (through
//! [`FileStorage`]) before it reads anything, and the journal holds it until it is closed or
//! its last clone is dropped. A second open of the same file, in this process or in another
//! one, fails with [`JournalError::Locked`] naming the path, and reads, writes and truncates
//! nothing. [`Journal::repair`] takes the same lock.
//!
//! # Recovery
//!
//! [`Journal::open`] reads the file once, a line at a time (in 64 KiB chunks; it never holds
//! more than one line, of at most [`MAX_LINE`] bytes, and the index): it verifies every line's
//! checksum, checks that each instance's records have consecutive sequence numbers and form a
//! legal path of the definition (a verified replay), and indexes each instance's current state
//! and the position of its records. Afterwards, [`Journal::state`] and [`Journal::history`]
//! answer for one instance without scanning the file again; reading a history does not hold up
//! appends.
//!
//! **What recovery cuts.** Every append writes one line that ends in a newline, and nothing
//! is written after it until it has returned. So a crash can leave exactly one kind of damage:
//! bytes after the last newline, at most [`MAX_LINE`] of them (a *torn* line). Recovery cuts
//! those, and only those, after copying them to a side file `<journal>.torn-<offset>` (a
//! fresh name, never overwriting one; synced before the cut) whose path it reports in
//! [`Recovery::torn_copy`]. This includes bytes that form a whole record and miss only the
//! newline: the append that wrote them never returned, so no caller was told that record was
//! recorded, and its transition did not happen.
//!
//! Every complete (newline-terminated) line that fails its checksum, its parse or the replay
//! (a flipped bit, a number that overflows, a duplicate key, a line of zeros) is
//! [`JournalError::Corrupt`] naming its line, wherever it is, the last line included, and the
//! file is left exactly as it was: it could be a record someone was told is durable.
//! [`Journal::repair`] (or `statewright journal repair FILE`) then keeps every valid record
//! and moves the rest into a side file.
//!
//! # What can go wrong
//!
//! | what happens | what statewright does |
//! | --- | --- |
//! | two writers open one file (two processes, or twice in one) | the second gets [`JournalError::Locked`] and changes nothing; a lock that is busy only for a moment (a process that spawns children shares the lock with each child until it execs) is retried for 250 ms. The lock is advisory: programs that ignore it are not stopped |
//! | a crash in the middle of an append | the torn last line is copied to `<journal>.torn-<offset>`, then cut; the records before it are all there (see [Durability](#durability-what-each-policy-can-lose) for what was not yet durable) |
//! | bit rot, or an edit, in a complete line | [`JournalError::Corrupt`] with the line number, the file untouched; [`Journal::repair`] moves the damaged line, and the later records of its instance, into `<journal>.removed` |
//! | an OS crash leaves zeros or garbage ending in a newline | the same: a complete line that is wrong is never cut silently; repair it |
//! | a line longer than [`MAX_LINE`] (4 MiB) | read without being held in memory and reported as [`JournalError::Corrupt`]; an append of such a line is refused with [`JournalError::LineTooLong`] and writes nothing |
//! | a history of a million records is read | the lock is held only to copy the line positions (16 bytes a record); the lines are read through a second handle ([`Storage::reader`]), so appends go on. A storage without a reader reads a line at a time under the lock |
//! | a panic in user code (a guard, a hook, an action) while a machine records | the journal's lock is not held while user code runs (except the [`Clock`] given to [`Journal::with_clock`]), and a lock poisoned by a panic is taken over: every journal operation leaves the journal consistent before anything that can panic. A record written before the panic (an entry hook runs after the record) stays in the journal |
//! | a storage cannot copy the torn bytes aside ([`Storage::set_aside`]) | recovery cuts nothing and fails with the storage's error |
//!
//! ```
//! use statewright::journal::{Durability, Journal, MemoryStorage};
//! use statewright::{state_machine, Dynamic, StateMachine};
//!
//! #[state_machine]
//! #[derive(Debug, Clone, PartialEq)]
//! enum Door {
//!     #[initial]
//!     #[on(open -> Open)]
//!     Closed,
//!     #[on(close -> Closed)]
//!     Open,
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let storage = MemoryStorage::new(); // `Journal::open(path, ...)` for a file
//! let journal = Journal::with_storage(storage.clone(), Door::DEFINITION, Durability::Sync)?;
//! let mut front = Dynamic::start_with(Door::Closed, journal.recorder("front")).unwrap();
//! front.apply(door::Event::Open)?;
//!
//! // After a restart: the journal knows where each door is, and its history.
//! let journal = Journal::with_storage(storage, Door::DEFINITION, Durability::Sync)?;
//! assert_eq!(journal.state("front").unwrap().name(), "Open");
//! let front = Dynamic::resume(Door::Open, journal.history("front")?, journal.recorder("front"))?;
//! assert_eq!(front.sequence(), 1);
//! # Ok(())
//! # }
//! ```

mod error;
mod line;
mod repair;
mod scan;
mod storage;

use std::borrow::ToOwned;
use std::boxed::Box;
use std::collections::BTreeMap;
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use std::vec::Vec;

pub use self::error::JournalError;
pub use self::repair::{Removed, RepairReport};
pub use self::scan::MAX_LINE;
pub use self::storage::{FileStorage, MemoryStorage, Reader, Storage};

use self::scan::{Lines, Piece};

use crate::clock::{Clock, SystemClock};
use crate::definition::{Definition, StateId, StateInfo};
use crate::fingerprint::Fingerprint;
use crate::record::{Outcome, Record};
use crate::recorder::Recorder;
use crate::replay::{ReplayError, Replayed};
use crate::time::Timestamp;

/// When a journal makes its records durable; see the [module docs](self) for what each policy
/// can lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Each record is written to the file before its transition is applied; the OS decides
    /// when it reaches the disk.
    Flush,
    /// Each record is written and synced to the disk before its transition is applied.
    Sync,
    /// Each record is written; a sync happens at the `records`-th unsynced record, and a
    /// background thread (one per journal, stopped when the journal is dropped) syncs records
    /// that have waited `interval`, measured on the journal's clock.
    GroupCommit {
        /// Records per sync (at least 1).
        records: u32,
        /// The longest time between syncs while appends keep coming.
        interval: Duration,
    },
}

/// What [`Journal::open`] found and repaired.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// Record lines read (the header excluded).
    pub records: u64,
    /// Instances found.
    pub instances: usize,
    /// A torn last line, cut off: `(offset, bytes)` of what was removed: the bytes after the
    /// last newline, which only an interrupted append leaves (see the [module docs](self)).
    pub torn: Option<(u64, u64)>,
    /// Where the torn bytes were copied before they were cut (for a file, the side file
    /// `<journal>.torn-<offset>`), so a person can look at them.
    pub torn_copy: Option<String>,
    /// Whether the file was new (a header was written).
    pub created: bool,
}

/// The `(offset, length)` of an instance's lines, and a reader for them (see
/// [`Storage::reader`]).
type LinesOf = (Vec<(u64, u32)>, Option<Arc<dyn Reader>>);

/// Where one instance is, and where its records are in the file.
#[derive(Debug, Clone)]
struct Instance {
    sequence: u64,
    state: StateId,
    /// Monotonic time when the current state was entered, if known (not after a reopen).
    entered: Option<Duration>,
    /// `(offset, length)` of each record line, newline excluded.
    lines: Vec<(u64, u32)>,
}

struct Inner {
    storage: Box<dyn Storage>,
    /// A second handle on the storage, for reading histories outside the lock.
    reader: Option<Arc<dyn Reader>>,
    durability: Durability,
    clock: Box<dyn Clock + Send>,
    /// Bytes of valid journal: where the next line goes.
    len: u64,
    unsynced: u32,
    last_sync: Duration,
    poisoned: Option<String>,
    closed: bool,
    instances: BTreeMap<String, Instance>,
}

/// A durable journal of one machine's records, for any number of instances; see the
/// [module docs](self). Cheap to clone: clones share the same file.
#[derive(Clone)]
pub struct Journal {
    definition: &'static Definition,
    inner: Arc<Owner>,
    recovery: Recovery,
}

/// The journal's state, shared by its clones. When the last clone is dropped, it releases the
/// storage (for a file, its lock) in the thread that drops it: the group-commit thread may hold
/// `Inner` a moment longer, and the file must not stay locked until it lets go.
struct Owner(Arc<Mutex<Inner>>);

impl Drop for Owner {
    /// Syncs what group commit or flush left unsynced (errors cannot be reported here: call
    /// [`Journal::sync`] or [`Journal::close`] to see them) and releases the storage. `Inner`
    /// itself has no `Drop`: an `Inner` is only dropped without its `Owner` when opening the
    /// journal failed, and then there is nothing unsynced to keep.
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .release();
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("machine", &self.definition.name())
            .field("recovery", &self.recovery)
            .finish_non_exhaustive()
    }
}

/// The header line of a journal of `definition`.
fn header_line(definition: &'static Definition) -> Vec<u8> {
    line::header(
        definition.name(),
        &definition.fingerprint().to_string(),
        &definition.chart().to_json(),
    )
}

impl Journal {
    /// Opens the journal file at `path` (creating it with a header if it does not exist),
    /// recovers it (see [`Recovery`]) and checks that it was written by `definition`.
    pub fn open(
        path: impl AsRef<Path>,
        definition: &'static Definition,
        durability: Durability,
    ) -> Result<Journal, JournalError> {
        let storage =
            FileStorage::open(path.as_ref()).map_err(|error| open_error(path.as_ref(), error))?;
        Journal::with_storage(storage, definition, durability)
    }

    /// [`open`](Journal::open) on any [`Storage`], with the system clock.
    pub fn with_storage(
        storage: impl Storage + 'static,
        definition: &'static Definition,
        durability: Durability,
    ) -> Result<Journal, JournalError> {
        Journal::with_clock(storage, definition, durability, SystemClock::new())
    }

    /// [`open`](Journal::open) on any [`Storage`] with any [`Clock`] (a
    /// [`ManualClock`](crate::ManualClock) in tests).
    pub fn with_clock(
        storage: impl Storage + 'static,
        definition: &'static Definition,
        durability: Durability,
        clock: impl Clock + Send + 'static,
    ) -> Result<Journal, JournalError> {
        let mut storage: Box<dyn Storage> = Box::new(storage);
        let size = storage.size().map_err(|error| JournalError::Io {
            during: "read",
            error,
        })?;
        let reader = storage.reader().map(Arc::from);
        let mut recovery = Recovery::default();
        let mut inner = Inner {
            storage,
            reader,
            durability,
            last_sync: clock.monotonic(),
            clock: Box::new(clock),
            len: 0,
            unsynced: 0,
            poisoned: None,
            closed: false,
            instances: BTreeMap::new(),
        };
        if size == 0 {
            let header = header_line(definition);
            inner.write(&header, Durability::Sync)?;
            inner.len = header.len() as u64;
            recovery.created = true;
        } else {
            recover(&mut inner, size, definition, &mut recovery)?;
        }
        recovery.instances = inner.instances.len();
        let inner = Arc::new(Mutex::new(inner));
        if let Durability::GroupCommit { interval, .. } = durability {
            spawn_syncer(Arc::downgrade(&inner), interval);
        }
        let inner = Arc::new(Owner(inner));
        Ok(Journal {
            definition,
            inner,
            recovery,
        })
    }

    /// Copies the journal in `old`, written by an older definition of the machine, into the
    /// empty `new` storage for `definition`, renaming states and events as `migration` says,
    /// and opens it. Every record is verified against the current definition; `old` is only
    /// read, so a crash during a migration loses nothing (start it again on an empty `new`).
    /// A torn last line of `old` is left out, as recovery would.
    pub fn migrate(
        mut old: impl Storage,
        mut new: impl Storage + 'static,
        definition: &'static Definition,
        durability: Durability,
        migration: &crate::snapshot::Migration,
    ) -> Result<Journal, JournalError> {
        let read = |error| JournalError::Io {
            during: "read",
            error,
        };
        if new.size().map_err(read)? != 0 {
            return Err(JournalError::NotAJournal(String::from(
                "the storage to migrate into is not empty",
            )));
        }
        let size = old.size().map_err(read)?;
        let mut lines = Lines::new(&mut old, size);
        let header = match lines.next_piece().map_err(read)? {
            Some(Piece::Line { bytes, .. }) => line::read_header(bytes)
                .map_err(|e| JournalError::NotAJournal(format!("line 1: {e}")))?,
            _ => {
                return Err(JournalError::NotAJournal(String::from(
                    "no complete first line",
                )));
            }
        };
        let found: Fingerprint = header.fingerprint.parse().map_err(|_| {
            JournalError::NotAJournal(format!("bad fingerprint `{}`", header.fingerprint))
        })?;
        if found != migration.fingerprint() {
            return Err(JournalError::DefinitionMismatch {
                machine: header.machine,
                found,
                expected: migration.fingerprint(),
                changes: Vec::new(),
            });
        }
        let mut out = header_line(definition);
        let mut number = 1;
        while let Some(piece) = lines.next_piece().map_err(read)? {
            number += 1;
            let text = match piece {
                Piece::Line { bytes, .. } => bytes,
                // A torn last line is left out, as recovery would.
                Piece::Tail { .. } => break,
                Piece::TooLong { len, .. } => {
                    return Err(JournalError::Corrupt {
                        line: number,
                        reason: format!(
                            "{len} bytes, longer than any journal line (at most {MAX_LINE})"
                        ),
                    });
                }
            };
            let record = line::read_record(text).map_err(|e| JournalError::Corrupt {
                line: number,
                reason: e.to_string(),
            })?;
            out.extend(line::record(&line::NewRecord {
                machine: definition.name(),
                instance: &record.instance,
                sequence: record.sequence,
                from: migration.state(&record.from),
                event: migration.event(&record.event),
                to: migration.state(&record.to),
                outcome: &record.outcome,
                at: record.at,
                in_state_ns: record.in_state_ns,
                event_id: record.event_id.as_deref(),
            }));
        }
        drop(lines);
        new.append(&out)
            .and_then(|()| new.sync())
            .map_err(|error| JournalError::Io {
                during: "append",
                error,
            })?;
        Journal::with_storage(new, definition, durability)
    }

    /// The positions of `instance`'s lines and a reader to read them with, outside the lock;
    /// `None` for an instance without records.
    fn lines_of(&self, instance: &str) -> Result<Option<LinesOf>, JournalError> {
        let inner = self.lock();
        if inner.closed {
            return Err(JournalError::Closed);
        }
        Ok(inner
            .instances
            .get(instance)
            .map(|i| (i.lines.clone(), inner.reader.clone())))
    }

    /// Reads again the record line at `offset` (`len` bytes), which recovery or an append
    /// verified, through `reader` (without the lock) or else the storage (under it): one that
    /// fails now was changed under the journal, an error naming its line. The line was
    /// completely written before its position was recorded, and only bytes past every
    /// recorded line are ever cut, so a reader never sees half a line.
    fn reread(
        &self,
        reader: Option<&dyn Reader>,
        offset: u64,
        len: u32,
    ) -> Result<(line::RecordLine, Record), JournalError> {
        let mut read = |offset: u64, len: usize| match reader {
            Some(reader) => reader.read_at(offset, len),
            None => {
                let mut inner = self.lock();
                if inner.closed {
                    return Err(std::io::Error::other("the journal is closed"));
                }
                inner.storage.read_at(offset, len)
            }
        };
        let bytes = read(offset, len as usize).map_err(|error| JournalError::Io {
            during: "read",
            error,
        })?;
        let parsed = line::read_record(&bytes)
            .map_err(|reason| reason.to_string())
            .and_then(|line| to_record(self.definition, &line).map(|record| (line, record)));
        parsed.map_err(|reason| JournalError::Corrupt {
            line: scan::line_number(&mut read, offset),
            reason: format!("it changed since the journal was opened: {reason}"),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every operation leaves `Inner` consistent before anything that can panic.
        self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The machine the journal records.
    pub fn definition(&self) -> &'static Definition {
        self.definition
    }

    /// What opening the journal found and repaired.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    /// A recorder that appends `instance`'s records to this journal. Give it to a new machine
    /// (`start_with`) or to a resumed one ([`Dynamic::resume`](crate::Dynamic::resume) with
    /// [`history`](Journal::history)). Records that do not continue the instance's journal
    /// (a second machine for the same instance) are refused with
    /// [`JournalError::SequenceConflict`].
    pub fn recorder(&self, instance: impl Into<String>) -> JournalRecorder {
        let instance = instance.into();
        let now = self.lock().clock.monotonic();
        JournalRecorder {
            journal: self.clone(),
            instance,
            created: now,
            event_id: None,
        }
    }

    /// The current state of `instance`, or `None` when the journal has no record of it.
    pub fn state(&self, instance: &str) -> Option<StateInfo> {
        let inner = self.lock();
        let state = inner.instances.get(instance)?.state;
        self.definition.get_state(state)
    }

    /// The sequence number of `instance`'s last record (0 when there is none).
    pub fn sequence(&self, instance: &str) -> u64 {
        self.lock()
            .instances
            .get(instance)
            .map_or(0, |i| i.sequence)
    }

    /// Every instance with its current state and last sequence number, ordered by id.
    pub fn instances(&self) -> Vec<(String, StateInfo, u64)> {
        let inner = self.lock();
        inner
            .instances
            .iter()
            .filter_map(|(id, i)| {
                Some((id.clone(), self.definition.get_state(i.state)?, i.sequence))
            })
            .collect()
    }

    /// The instances currently in the state named `state` (for example every order stuck in
    /// `Paid`), ordered by id.
    pub fn instances_in(&self, state: &str) -> Vec<String> {
        self.instances()
            .into_iter()
            .filter(|(_, s, _)| s.name() == state)
            .map(|(id, _, _)| id)
            .collect()
    }

    /// `instance`'s records, in order (empty when it has none), read back from the file and
    /// verified again: what [`Dynamic::resume`](crate::Dynamic::resume) takes.
    pub fn history(&self, instance: &str) -> Result<Vec<Record>, JournalError> {
        Ok(self
            .entries(instance)?
            .into_iter()
            .map(|entry| entry.record)
            .collect())
    }

    /// `instance`'s records with the time it spent in each record's `from` state.
    ///
    /// Reading does not hold up appends: the journal's lock is held only to copy the
    /// positions of the instance's lines (when the storage has a [`Reader`]; otherwise a
    /// line at a time).
    pub fn entries(&self, instance: &str) -> Result<Vec<Entry>, JournalError> {
        let Some((lines, reader)) = self.lines_of(instance)? else {
            return Ok(Vec::new());
        };
        let mut records = Vec::with_capacity(lines.len());
        for (offset, len) in lines {
            let (line, record) = self.reread(reader.as_deref(), offset, len)?;
            records.push(Entry {
                record,
                in_state: line.in_state_ns.map(Duration::from_nanos),
            });
        }
        Ok(records)
    }

    /// The window of event ids of `instance` as its records in the journal leave it: the
    /// newest `max_ids` ids stored with its records (each with the record of its newest
    /// application and the journal's wall-clock time of it), forgetting those `max_age` old,
    /// if given. An [`Idempotent`](crate::Idempotent) machine resumed after a restart takes
    /// it, so duplicates delivered across the restart are still recognised.
    ///
    /// It reads the instance's lines from the newest back until it has `max_ids` ids (all of
    /// them when fewer ids were stored), verifying each as [`history`](Self::history) does.
    ///
    /// ```
    /// use statewright::journal::{Durability, Journal, MemoryStorage};
    /// use statewright::{state_machine, Dynamic, Idempotent, StateMachine, SystemClock, Window};
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
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let storage = MemoryStorage::new();
    /// let journal = Journal::with_storage(storage.clone(), Door::DEFINITION, Durability::Sync)?;
    /// let door = Dynamic::start_with(Door::Closed, journal.recorder("front")).unwrap();
    /// let mut door = Idempotent::new(door, Window::new(100), SystemClock::new());
    /// door.apply("m-1", door::Event::Open);
    ///
    /// // After a restart:
    /// let journal = Journal::with_storage(storage, Door::DEFINITION, Durability::Sync)?;
    /// let door = Dynamic::resume(Door::Open, journal.history("front")?, journal.recorder("front"))?;
    /// let window = journal.window("front", 100, None)?;
    /// let mut door = Idempotent::new(door, window, SystemClock::new());
    /// assert!(door.apply("m-1", door::Event::Open).is_duplicate());
    /// assert_eq!(journal.sequence("front"), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn window(
        &self,
        instance: &str,
        max_ids: usize,
        max_age: Option<Duration>,
    ) -> Result<crate::idempotent::Window, JournalError> {
        let mut window = crate::idempotent::Window::new(max_ids);
        if let Some(age) = max_age {
            window = window.with_max_age(age);
        }
        let Some((lines, reader)) = self.lines_of(instance)? else {
            return Ok(window);
        };
        // Newest first; the newest application of an id is the one remembered.
        let mut found: Vec<(String, Record, Option<Timestamp>)> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (offset, len) in lines.into_iter().rev() {
            if found.len() >= max_ids {
                break;
            }
            let (line, record) = self.reread(reader.as_deref(), offset, len)?;
            if let Some(id) = line.event_id {
                if seen.insert(id.clone()) {
                    found.push((id, record, line.at.map(Timestamp::from_unix_nanos)));
                }
            }
        }
        for (id, record, at) in found.into_iter().rev() {
            window.remember(&id, record, at);
        }
        Ok(window)
    }

    /// Makes every record appended so far durable (for [`Durability::GroupCommit`] and
    /// [`Durability::Flush`]; a no-op cost for `Sync`).
    pub fn sync(&self) -> Result<(), JournalError> {
        let mut inner = self.lock();
        inner.check_open()?;
        inner.sync()
    }

    /// Syncs and closes the journal: every later append or read, through any clone or
    /// recorder, fails with [`JournalError::Closed`]. Closing releases the storage (for a
    /// file, its lock), so the file can be opened again while clones of this journal live.
    pub fn close(&self) -> Result<(), JournalError> {
        let mut inner = self.lock();
        let result = if inner.poisoned.is_none() && !inner.closed {
            inner.sync()
        } else {
            Ok(())
        };
        inner.release();
        result
    }

    /// Appends `record` for `instance`.
    fn append(
        &self,
        instance: &str,
        record: &Record,
        created: Duration,
        event_id: Option<&str>,
    ) -> Result<(), JournalError> {
        let definition = self.definition;
        // `Definition`'s `==` compares addresses first: the same static costs no more.
        if *record.definition() != *definition {
            return Err(JournalError::WrongMachine {
                journal: definition.name(),
                record: record.machine(),
            });
        }
        let mut inner = self.lock();
        inner.check_open()?;
        let now = inner.clock.monotonic();
        let known = inner.instances.get(instance);
        let expected = known.map_or(1, |i| i.sequence + 1);
        if record.sequence() != expected {
            return Err(JournalError::SequenceConflict {
                instance: instance.to_owned(),
                expected,
                found: record.sequence(),
            });
        }
        let entered = match known {
            Some(i) if i.state != record.from_id() => {
                return Err(JournalError::StateConflict {
                    instance: instance.to_owned(),
                    journal: definition.state_name(i.state),
                    record: record.from().name(),
                });
            }
            Some(i) => i.entered,
            // A new instance starts in the initial state, as recovery assumes.
            None if record.from_id() != definition.initial().id() => {
                return Err(JournalError::StateConflict {
                    instance: instance.to_owned(),
                    journal: definition.initial().name(),
                    record: record.from().name(),
                });
            }
            None => Some(created),
        };
        // Sequence and state agree; the step itself must be one recovery accepts.
        let state = known.map_or(definition.initial().id(), |i| i.state);
        if let (Some(reason), _) = follows(definition, state, expected - 1, record) {
            return Err(JournalError::IllegalStep {
                instance: instance.to_owned(),
                reason,
            });
        }
        let in_state =
            entered.map(|e| u64::try_from(now.saturating_sub(e).as_nanos()).unwrap_or(u64::MAX));
        let bytes = line::record(&line::NewRecord {
            machine: definition.name(),
            instance,
            sequence: record.sequence(),
            from: record.from().name(),
            event: record.event().name(),
            to: record.to().name(),
            outcome: record.outcome().as_str(),
            at: inner.clock.now().map(Timestamp::unix_nanos),
            in_state_ns: in_state,
            event_id,
        });
        let durability = inner.durability;
        inner.write(&bytes, durability)?;
        let offset = inner.len;
        inner.len += bytes.len() as u64;
        // The id is copied only for an instance's first record, not on every append.
        if !inner.instances.contains_key(instance) {
            let new = Instance {
                sequence: 0,
                state: record.from_id(),
                entered: Some(created),
                lines: Vec::new(),
            };
            inner.instances.insert(instance.to_owned(), new);
        }
        let Some(entry) = inner.instances.get_mut(instance) else {
            return Ok(()); // inserted just above
        };
        entry.sequence = record.sequence();
        entry.lines.push((offset, (bytes.len() - 1) as u32));
        if record.outcome() == Outcome::Applied {
            entry.state = record.to_id();
            entry.entered = Some(now);
        }
        Ok(())
    }
}

impl Inner {
    /// Syncs what is unsynced (errors cannot be reported here), closes the journal and drops
    /// its storage: a file's lock is released.
    fn release(&mut self) {
        if self.poisoned.is_none() && !self.closed && self.unsynced > 0 {
            let _ = self.storage.sync();
        }
        self.closed = true;
        self.storage = Box::new(storage::Released);
        self.reader = None;
    }

    fn check_open(&self) -> Result<(), JournalError> {
        if self.closed {
            return Err(JournalError::Closed);
        }
        if let Some(why) = &self.poisoned {
            return Err(JournalError::Poisoned(why.clone()));
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<(), JournalError> {
        match self.storage.sync() {
            Ok(()) => {
                self.unsynced = 0;
                self.last_sync = self.clock.monotonic();
                Ok(())
            }
            Err(error) => {
                // Records already applied may not be durable: stop accepting new ones.
                self.poisoned = Some(format!("a sync failed: {error}"));
                Err(JournalError::Io {
                    during: "sync",
                    error,
                })
            }
        }
    }

    /// Appends one line and makes it as durable as `durability` asks, or leaves the storage as
    /// it was and returns the error.
    fn write(&mut self, bytes: &[u8], durability: Durability) -> Result<(), JournalError> {
        if bytes.len() > MAX_LINE + 1 {
            return Err(JournalError::LineTooLong {
                len: bytes.len() - 1,
            });
        }
        let undo = |inner: &mut Inner, during: &'static str, error: std::io::Error| {
            if let Err(undo) = inner.storage.truncate(inner.len) {
                inner.poisoned = Some(format!(
                    "a failed {during} ({error}) left a partial line that could not be removed ({undo})"
                ));
            }
            JournalError::Io { during, error }
        };
        if let Err(error) = self.storage.append(bytes) {
            return Err(undo(self, "append", error));
        }
        self.unsynced = self.unsynced.saturating_add(1);
        let due = match durability {
            Durability::Flush => false,
            Durability::Sync => true,
            Durability::GroupCommit { records, interval } => {
                self.unsynced >= records.max(1)
                    || self.clock.monotonic().saturating_sub(self.last_sync) >= interval
            }
        };
        if due {
            if let Err(error) = self.storage.sync() {
                if self.unsynced > 1 {
                    // Earlier records were applied and may not be durable.
                    self.poisoned = Some(format!("a sync failed: {error}"));
                }
                return Err(undo(self, "sync", error));
            }
            self.unsynced = 0;
            self.last_sync = self.clock.monotonic();
        }
        Ok(())
    }
}

/// The group-commit syncer: every `interval`, syncs what has waited that long. It holds only
/// a weak reference, so it ends once every clone of the journal is dropped (within one
/// `interval`). A failed sync poisons the journal, as [`Journal::sync`] does.
fn spawn_syncer(inner: std::sync::Weak<Mutex<Inner>>, interval: Duration) {
    let period = interval.max(Duration::from_millis(1));
    let spawned = std::thread::Builder::new()
        .name(String::from("statewright-journal-sync"))
        .spawn(move || {
            loop {
                std::thread::sleep(period);
                let Some(inner) = inner.upgrade() else {
                    return;
                };
                let mut inner = inner.lock().unwrap_or_else(PoisonError::into_inner);
                if inner.closed || inner.poisoned.is_some() {
                    return;
                }
                let waited = inner.clock.monotonic().saturating_sub(inner.last_sync);
                if inner.unsynced > 0 && waited >= interval {
                    let _ = inner.sync();
                }
            }
        });
    // Without a thread (a platform that has none), appends still sync every `interval`.
    drop(spawned);
}

/// The error of opening the journal file at `path`: `Locked` when another journal holds it.
fn open_error(path: &Path, error: std::io::Error) -> JournalError {
    if error.kind() == std::io::ErrorKind::WouldBlock {
        JournalError::Locked {
            path: path.to_path_buf(),
        }
    } else {
        JournalError::Io {
            during: "open",
            error,
        }
    }
}

/// A record line turned back into a [`Record`] of `definition`.
fn to_record(definition: &'static Definition, line: &line::RecordLine) -> Result<Record, String> {
    if line.machine != definition.name() {
        return Err(format!("a record of `{}`", line.machine));
    }
    let outcome = match line.outcome.as_str() {
        "applied" => Outcome::Applied,
        "rejected" => Outcome::Rejected,
        other => return Err(format!("unknown outcome `{other}`")),
    };
    Record::from_names(
        definition,
        line.sequence,
        &line.from,
        &line.event,
        &line.to,
        outcome,
        line.at.map(Timestamp::from_unix_nanos),
    )
    .map_err(|e| e.to_string())
}

/// Reads a journal of `size` bytes into `inner`, a line at a time: header, records, torn
/// tail (copied aside, then cut). Anything else that is wrong is an error, and nothing is
/// changed.
fn recover(
    inner: &mut Inner,
    size: u64,
    definition: &'static Definition,
    recovery: &mut Recovery,
) -> Result<(), JournalError> {
    let read = |error| JournalError::Io {
        during: "read",
        error,
    };
    let mut lines = Lines::new(inner.storage.as_mut(), size);
    let first = match lines.next_piece().map_err(read)? {
        Some(Piece::Line { bytes, .. }) => line::read_header(bytes)
            .map_err(|e| JournalError::NotAJournal(format!("line 1: {e}")))?,
        Some(Piece::Tail { bytes, .. }) => {
            // No complete line. A crash while the header was being written leaves a prefix
            // of it: start over. Anything else is not ours to cut.
            let header = header_line(definition);
            if !header.starts_with(bytes) {
                return Err(JournalError::NotAJournal(String::from(
                    "no complete first line",
                )));
            }
            let torn = bytes.to_vec();
            drop(lines);
            cut_torn(inner, 0, &torn, recovery)?;
            inner.write(&header, Durability::Sync)?;
            inner.len = header.len() as u64;
            recovery.created = true;
            return Ok(());
        }
        Some(Piece::TooLong { .. }) => {
            return Err(JournalError::NotAJournal(format!(
                "line 1 is longer than {MAX_LINE} bytes"
            )));
        }
        None => unreachable!("a store of {size} bytes has a first piece"),
    };
    check_header(&first, definition)?;

    let mut number = 1;
    let mut torn: Option<(u64, Vec<u8>)> = None;
    while let Some(piece) = lines.next_piece().map_err(read)? {
        number += 1;
        let corrupt = |reason: String| JournalError::Corrupt {
            line: number,
            reason,
        };
        let (offset, text) = match piece {
            Piece::Line { offset, bytes } => (offset, bytes),
            Piece::Tail { offset, bytes } => {
                torn = Some((offset, bytes.to_vec()));
                break;
            }
            Piece::TooLong {
                len, terminated, ..
            } => {
                return Err(corrupt(format!(
                    "{len} bytes{}, longer than any journal line (at most {MAX_LINE})",
                    if terminated { "" } else { " without a newline" }
                )));
            }
        };
        let line = line::read_record(text).map_err(|e| corrupt(e.to_string()))?;
        let record = to_record(definition, &line).map_err(&corrupt)?;
        if let Some(reason) = step(&mut inner.instances, definition, &line.instance, &record) {
            return Err(corrupt(format!("instance `{}`: {reason}", line.instance)));
        }
        if let Some(instance) = inner.instances.get_mut(&line.instance) {
            instance.lines.push((offset, text.len() as u32));
        }
        recovery.records += 1;
    }
    drop(lines);
    inner.len = size;
    if let Some((offset, bytes)) = torn {
        cut_torn(inner, offset, &bytes, recovery)?;
        inner.len = offset;
    }
    Ok(())
}

/// Checks a journal's header against `definition`.
fn check_header(
    header: &line::Header,
    definition: &'static Definition,
) -> Result<(), JournalError> {
    if header.journal != line::FORMAT {
        return Err(JournalError::NotAJournal(format!(
            "format `{}`; this version reads `{}`",
            header.journal,
            line::FORMAT
        )));
    }
    let expected = definition.fingerprint();
    let found: Fingerprint = header.fingerprint.parse().map_err(|_| {
        JournalError::NotAJournal(format!("bad fingerprint `{}`", header.fingerprint))
    })?;
    if found != expected || header.machine != definition.name() {
        let changes = crate::diagram::json::changes_since(&header.definition, &definition.chart());
        return Err(JournalError::DefinitionMismatch {
            machine: header.machine.clone(),
            found,
            expected,
            changes,
        });
    }
    Ok(())
}

/// Applies `record` of `instance` to the index, or says why it does not follow the instance's
/// records before it (and leaves the index as it was).
fn step(
    instances: &mut BTreeMap<String, Instance>,
    definition: &'static Definition,
    instance: &str,
    record: &Record,
) -> Option<String> {
    let (sequence, state) = instances
        .get(instance)
        .map_or((0, definition.initial().id()), |i| (i.sequence, i.state));
    let (reason, at) = follows(definition, state, sequence, record);
    if reason.is_none() {
        let entry = instances
            .entry(instance.to_owned())
            .or_insert_with(|| Instance {
                sequence: 0,
                state: definition.initial().id(),
                entered: None,
                lines: Vec::new(),
            });
        entry.sequence = at.sequence();
        entry.state = at.state_id();
    }
    reason
}

/// Why `record` cannot follow an instance at `sequence` in `state` (`None` when it can), and
/// where the instance is after it. Recovery and [`Journal::append`] share this rule, so that
/// the journal never writes a line it would refuse to read back.
fn follows(
    definition: &'static Definition,
    state: StateId,
    sequence: u64,
    record: &Record,
) -> (Option<String>, Replayed) {
    // The step rules are replay's; the journal adds one: a rejection is recorded only for an
    // event that is not allowed, or one that a guard or a hook can decline (`apply` writes
    // nothing else), so any other rejection of an allowed event is not a legal line.
    let mut at = Replayed::start(definition, state, sequence);
    let rejected_allowed = record.outcome() == Outcome::Rejected
        && definition
            .target(record.from_id(), record.event_id())
            .is_some()
        && !definition.can_decline(record.from_id(), record.event_id());
    let reason = match at.step(record) {
        Err(ReplayError::Gap { found, .. }) => Some(format!("record #{found} follows #{sequence}")),
        Err(ReplayError::WrongStart {
            found, expected, ..
        })
        | Err(ReplayError::Discontinuity {
            found, expected, ..
        }) => Some(format!(
            "record #{} leaves `{found}`, but the instance is in `{expected}`",
            record.sequence()
        )),
        Err(_) => Some(format!(
            "`{record}` is not a legal step of `{}`",
            definition.name()
        )),
        Ok(()) if rejected_allowed => Some(format!(
            "`{record}` is not a legal step of `{}`",
            definition.name()
        )),
        Ok(()) => None,
    };
    (reason, at)
}

/// Copies the torn `bytes` at `offset` aside, then cuts them off and syncs.
fn cut_torn(
    inner: &mut Inner,
    offset: u64,
    bytes: &[u8],
    recovery: &mut Recovery,
) -> Result<(), JournalError> {
    let kept = inner
        .storage
        .set_aside(offset, bytes)
        .map_err(|error| JournalError::Io {
            during: "copy a torn line aside",
            error,
        })?;
    inner
        .storage
        .truncate(offset)
        .and_then(|()| inner.storage.sync())
        .map_err(|error| JournalError::Io {
            during: "truncate a torn line",
            error,
        })?;
    recovery.torn = Some((offset, bytes.len() as u64));
    recovery.torn_copy = Some(kept);
    Ok(())
}

/// A record as the journal holds it: with the time the instance spent in the record's `from`
/// state before it, measured with a monotonic clock (`None` for the first record after the
/// journal was reopened: monotonic time does not survive a restart).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The record.
    pub record: Record,
    /// Time in the `from` state.
    pub in_state: Option<Duration>,
}

/// The [`Recorder`] of one instance in a [`Journal`]: see [`Journal::recorder`].
#[derive(Debug, Clone)]
pub struct JournalRecorder {
    journal: Journal,
    instance: String,
    /// Monotonic time when the handle was made: the start of the first state of a new
    /// instance.
    created: Duration,
    /// The id of the event being applied ([`Recorder::event_id`]), written into its line.
    event_id: Option<String>,
}

impl JournalRecorder {
    /// The instance this recorder writes.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }
}

impl Recorder for JournalRecorder {
    type Error = JournalError;
    /// The journal writes the time of its own [`Clock`] into each line; the record handed to
    /// it does not read the system clock a second time.
    #[inline(always)]
    fn timestamps(&self) -> bool {
        false
    }

    fn record(&mut self, record: &Record) -> Result<(), JournalError> {
        self.journal.append(
            &self.instance,
            record,
            self.created,
            self.event_id.as_deref(),
        )
    }

    /// Keeps the id for the next record's line (`"event_id"`), from which
    /// [`Journal::window`] rebuilds an [`Idempotent`](crate::Idempotent) machine's window.
    fn event_id(&mut self, id: Option<&str>) {
        self.event_id = id.map(ToOwned::to_owned);
    }

    fn instance(&self) -> Option<&str> {
        Some(&self.instance)
    }

    /// The instance's last sequence number and state in the journal; `(0, initial)` for an
    /// instance the journal has no record of (the journal holds all of an instance's records,
    /// so it knows there are none).
    fn position(&self) -> Option<(u64, StateId)> {
        let inner = self.journal.lock();
        Some(match inner.instances.get(&self.instance) {
            Some(instance) => (instance.sequence, instance.state),
            None => (0, self.journal.definition.initial().id()),
        })
    }
}

#[cfg(test)]
mod tests;
