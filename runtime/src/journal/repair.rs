//! Repairing a journal file that recovery refuses: [`Journal::repair`].

use std::collections::BTreeMap;
use std::fmt;
use std::format;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

use super::scan::{CHUNK, Lines, MAX_LINE, Piece};
use super::storage::{self, FileStorage, Reader, Storage};
use super::{Instance, Journal, JournalError, check_header, line, open_error, step, to_record};
use crate::definition::Definition;
use crate::diagram::Chart;

/// What [`Journal::repair`] kept and removed (see its example).
///
/// ```
/// use statewright::journal::{Removed, RepairReport};
///
/// let report = RepairReport {
///     records: 2,
///     removed: vec![Removed { line: 3, offset: 1540, len: 180, reason: "checksum mismatch".into() }],
///     side_file: Some("orders.journal.removed".into()),
/// };
/// assert_eq!(report.removed[0].to_string(), "line 3 (180 bytes at offset 1540): checksum mismatch");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RepairReport {
    /// Record lines kept.
    pub records: u64,
    /// The lines removed, in file order (empty when the journal needed no repair).
    pub removed: Vec<Removed>,
    /// The side file holding the removed bytes, verbatim and in order (`None` when nothing
    /// was removed).
    pub side_file: Option<PathBuf>,
}

/// One line [`Journal::repair`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Its line number in the journal before the repair, from 1 (the header).
    pub line: u64,
    /// Where it started, in bytes.
    pub offset: u64,
    /// Its length in bytes, newline included.
    pub len: u64,
    /// Why it was removed.
    pub reason: String,
}

impl fmt::Display for Removed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} ({} bytes at offset {}): {}",
            self.line, self.len, self.offset, self.reason
        )
    }
}

/// How a repair decides whether a record continues its instance.
enum Rules {
    /// The machine's definition: exactly the rules recovery applies.
    Definition(&'static Definition, BTreeMap<String, Instance>),
    /// The definition JSON in the header (what a tool without the machine's code has): the
    /// record's states and event exist, an applied record follows a transition of the chart, a
    /// rejected one stays in its state, and each instance's records are consecutive and
    /// continue from its state.
    Chart(Chart, String, BTreeMap<String, (u64, usize)>),
}

impl Rules {
    /// Takes `text`, a record line, as the next record of its instance, or says why not.
    fn take(&mut self, text: &[u8]) -> Result<(), String> {
        let line = line::read_record(text).map_err(|e| e.to_string())?;
        match self {
            Rules::Definition(definition, instances) => {
                let record = to_record(definition, &line)?;
                match step(instances, definition, &line.instance, &record) {
                    None => Ok(()),
                    Some(reason) => Err(format!("instance `{}`: {reason}", line.instance)),
                }
            }
            Rules::Chart(chart, machine, instances) => {
                if line.machine != *machine {
                    return Err(format!("a record of `{}`", line.machine));
                }
                let state = |name: &str| {
                    chart
                        .state_index(name)
                        .ok_or_else(|| format!("unknown state `{name}`"))
                };
                let (from, to) = (state(&line.from)?, state(&line.to)?);
                let legal = match line.outcome.as_str() {
                    "applied" => chart
                        .transitions()
                        .iter()
                        .any(|t| t.from() == from && t.event() == line.event && t.to() == to),
                    "rejected" => from == to,
                    other => return Err(format!("unknown outcome `{other}`")),
                };
                let (sequence, at) = instances
                    .get(&line.instance)
                    .copied()
                    .unwrap_or((0, chart.initial()));
                let instance = &line.instance;
                if line.sequence != sequence + 1 {
                    return Err(format!(
                        "instance `{instance}`: record #{} follows #{sequence}",
                        line.sequence
                    ));
                }
                if from != at {
                    return Err(format!(
                        "instance `{instance}`: record #{} leaves `{}`, but the instance is in `{}`",
                        line.sequence,
                        line.from,
                        chart.states()[at].name()
                    ));
                }
                if !legal {
                    return Err(format!(
                        "instance `{instance}`: `#{} {} --{}--> {}` ({}) is not a legal step of `{machine}`",
                        line.sequence, line.from, line.event, line.to, line.outcome
                    ));
                }
                instances.insert(line.instance, (line.sequence, to));
                Ok(())
            }
        }
    }
}

impl Journal {
    /// Repairs the journal file at `path`, which [`open`](Journal::open) refuses as
    /// [`Corrupt`](JournalError::Corrupt): keeps every record line that is intact and
    /// continues its instance's records, and moves every other line (damaged, too long, or
    /// following a removed record of its instance) and a torn last line, verbatim and in
    /// order, into a new side file `<path>.removed` (or `<path>.removed-<n>`; `<path>` is the
    /// file a symbolic link names), so nothing is
    /// lost: a person can look at what was removed, and put back what they judge right.
    ///
    /// With `definition`, records are checked exactly as [`open`](Journal::open) checks
    /// them (and the header must be `definition`'s). Without one (a tool that does not have
    /// the machine's code, such as `statewright journal repair`), they are checked against
    /// the definition JSON in the journal's header: states, events and transitions, sequence
    /// numbers and continuity; a rejection that only the machine's guards and hooks can tell
    /// apart from an illegal one is kept, and `open` still reports it if it is wrong.
    ///
    /// The repair holds the journal's lock (an open journal is refused with
    /// [`Locked`](JournalError::Locked)), reads the file once a line at a time, writes the
    /// kept lines to a new file, syncs it and the side file, and renames it over the journal:
    /// a crash at any point leaves either the old journal or the repaired one (and perhaps
    /// the unfinished `<path>.repairing`, which can be deleted). A journal that needs no
    /// repair is left untouched. The header must be intact.
    ///
    /// ```
    /// use statewright::journal::{Durability, Journal};
    /// use statewright::{state_machine, Dynamic, StateMachine};
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
    /// let dir = std::env::temp_dir().join(format!("statewright-repair-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("doors.journal");
    /// let journal = Journal::open(&path, Door::DEFINITION, Durability::Sync)?;
    /// Dynamic::start_with(Door::Closed, journal.recorder("front"))?.apply(door::Event::Open)?;
    /// Dynamic::start_with(Door::Closed, journal.recorder("back"))?.apply(door::Event::Open)?;
    /// drop(journal);
    /// // A bit flips in the line of `front`.
    /// let mut bytes = std::fs::read(&path)?;
    /// let at = bytes.windows(7).position(|w| w == b"\"front\"").unwrap();
    /// bytes[at + 1] ^= 0x20;
    /// std::fs::write(&path, &bytes)?;
    /// assert!(Journal::open(&path, Door::DEFINITION, Durability::Sync).is_err());
    ///
    /// let report = Journal::repair(&path, Some(Door::DEFINITION))?;
    /// assert_eq!(report.records, 1);
    /// assert_eq!(report.removed[0].line, 2);
    /// assert!(std::fs::read(report.side_file.unwrap())?.starts_with(b"{\"machine\":\"Door\",\"instance\":\"Front\""));
    /// let journal = Journal::open(&path, Door::DEFINITION, Durability::Sync)?;
    /// assert_eq!(journal.state("back").unwrap().name(), "Open");
    /// assert_eq!(journal.state("front"), None);
    /// # drop(journal);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn repair(
        path: impl AsRef<Path>,
        definition: Option<&'static Definition>,
    ) -> Result<RepairReport, JournalError> {
        let named = path.as_ref();
        // The file itself, not a symbolic link to it: the repaired journal is renamed over
        // the file, which would otherwise replace the link.
        let path = &std::fs::canonicalize(named).map_err(|error| JournalError::Io {
            during: "open",
            error: if error.kind() == io::ErrorKind::NotFound {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("`{}` does not exist", named.display()),
                )
            } else {
                error
            },
        })?;
        let mut storage = FileStorage::open(path).map_err(|error| open_error(named, error))?;
        let permissions = std::fs::metadata(path)
            .map_err(|error| JournalError::Io {
                during: "open",
                error,
            })?
            .permissions();
        let io = |during: &'static str| move |error| JournalError::Io { during, error };
        let size = storage.size().map_err(io("read"))?;
        let reader = storage.reader().ok_or_else(|| JournalError::Io {
            during: "open",
            error: io::Error::other("the journal cannot be opened a second time for reading"),
        })?;
        let (file, temporary) = storage::create_side(path, "repairing").map_err(io("create"))?;
        let mut repair = Repair {
            path,
            kept: BufWriter::new(file),
            side: None,
            report: RepairReport::default(),
        };
        let result = repair.run(&mut storage, reader.as_ref(), size, definition);
        let Repair {
            kept, side, report, ..
        } = repair;
        let finish = result.and_then(|()| {
            if report.removed.is_empty() {
                return Ok(());
            }
            let mut side = side.ok_or_else(|| JournalError::Io {
                during: "repair",
                error: io::Error::other("removed lines without a side file"),
            })?;
            side.0.flush().map_err(io("write the side file"))?;
            side.0
                .get_ref()
                .sync_all()
                .map_err(io("sync the side file"))?;
            let kept = kept.into_inner().map_err(|e| JournalError::Io {
                during: "write the repaired journal",
                error: e.into_error(),
            })?;
            kept.set_permissions(permissions)
                .map_err(io("copy the journal's permissions"))?;
            kept.sync_all().map_err(io("sync the repaired journal"))?;
            std::fs::rename(&temporary, path).map_err(io("rename the repaired journal"))?;
            storage::sync_directory(path).map_err(io("sync the journal's directory"))
        });
        if finish.is_err() || report.removed.is_empty() {
            let _ = std::fs::remove_file(&temporary);
        }
        finish.map(|()| report)
    }
}

/// A repair under way.
struct Repair<'p> {
    path: &'p Path,
    kept: BufWriter<File>,
    side: Option<(BufWriter<File>, PathBuf)>,
    report: RepairReport,
}

impl Repair<'_> {
    fn run(
        &mut self,
        storage: &mut FileStorage,
        reader: &dyn Reader,
        size: u64,
        definition: Option<&'static Definition>,
    ) -> Result<(), JournalError> {
        let read = |error| JournalError::Io {
            during: "read",
            error,
        };
        let write = |error| JournalError::Io {
            during: "write the repaired journal",
            error,
        };
        let mut lines = Lines::new(storage, size);
        let header = match lines.next_piece().map_err(read)? {
            Some(Piece::Line { bytes, .. }) => {
                let header = line::read_header(bytes).map_err(|e| {
                    JournalError::NotAJournal(format!(
                        "line 1: {e}; a journal's header cannot be repaired"
                    ))
                })?;
                self.kept.write_all(bytes).map_err(write)?;
                self.kept.write_all(b"\n").map_err(write)?;
                header
            }
            _ => {
                return Err(JournalError::NotAJournal(String::from(
                    "no complete first line; a journal's header cannot be repaired",
                )));
            }
        };
        let mut rules = match definition {
            Some(definition) => {
                check_header(&header, definition)?;
                Rules::Definition(definition, BTreeMap::new())
            }
            None => {
                let chart = serde_json::from_str::<Chart>(&header.definition).map_err(|e| {
                    JournalError::NotAJournal(format!("line 1: its definition JSON: {e}"))
                })?;
                Rules::Chart(chart, header.machine.clone(), BTreeMap::new())
            }
        };
        let mut number = 1;
        while let Some(piece) = lines.next_piece().map_err(read)? {
            number += 1;
            match piece {
                Piece::Line { offset, bytes } => match rules.take(bytes) {
                    Ok(()) => {
                        self.kept.write_all(bytes).map_err(write)?;
                        self.kept.write_all(b"\n").map_err(write)?;
                        self.report.records += 1;
                    }
                    Err(reason) => {
                        let mut line = bytes.to_vec();
                        line.push(b'\n');
                        self.remove(number, offset, &line, reason)?;
                    }
                },
                Piece::Tail { offset, bytes } => {
                    let bytes = bytes.to_vec();
                    let reason = String::from("a torn last line (no newline)");
                    self.remove(number, offset, &bytes, reason)?;
                }
                Piece::TooLong {
                    offset,
                    len,
                    terminated,
                } => {
                    let len = len + u64::from(terminated);
                    let reason = format!("longer than any journal line (at most {MAX_LINE} bytes)");
                    self.remove_range(number, offset, len, reader, reason)?;
                }
            }
        }
        self.kept.flush().map_err(write)
    }

    fn side(&mut self) -> Result<&mut BufWriter<File>, JournalError> {
        if self.side.is_none() {
            let (file, path) =
                storage::create_side(self.path, "removed").map_err(|error| JournalError::Io {
                    during: "create the side file",
                    error,
                })?;
            self.report.side_file = Some(path.clone());
            self.side = Some((BufWriter::new(file), path));
        }
        match &mut self.side {
            Some((file, _)) => Ok(file),
            None => unreachable!("created just above"),
        }
    }

    fn remove(
        &mut self,
        line: u64,
        offset: u64,
        bytes: &[u8],
        reason: String,
    ) -> Result<(), JournalError> {
        self.side()?
            .write_all(bytes)
            .map_err(|error| JournalError::Io {
                during: "write the side file",
                error,
            })?;
        self.report.removed.push(Removed {
            line,
            offset,
            len: bytes.len() as u64,
            reason,
        });
        Ok(())
    }

    /// Removes `len` bytes at `offset`, copied a chunk at a time (a line too long to hold).
    fn remove_range(
        &mut self,
        line: u64,
        offset: u64,
        len: u64,
        reader: &dyn Reader,
        reason: String,
    ) -> Result<(), JournalError> {
        let side = self.side()?;
        let mut at = 0;
        while at < len {
            let n = usize::try_from(len - at).map_or(CHUNK, |left| left.min(CHUNK));
            let chunk = reader
                .read_at(offset + at, n)
                .map_err(|error| JournalError::Io {
                    during: "read",
                    error,
                })?;
            side.write_all(&chunk).map_err(|error| JournalError::Io {
                during: "write the side file",
                error,
            })?;
            at += n as u64;
        }
        self.report.removed.push(Removed {
            line,
            offset,
            len,
            reason,
        });
        Ok(())
    }
}
