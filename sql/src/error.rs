//! What can go wrong with a database journal, and the conflict of two writers.

use std::boxed::Box;
use std::error::Error;
use std::fmt;
use std::string::String;
use std::vec::Vec;
#[cfg(all(feature = "postgres-async", not(feature = "postgres")))]
use tokio_postgres::Error as PgError;

#[cfg(feature = "postgres")]
use postgres::Error as PgError;
use statewright_runtime::{Fingerprint, RecordError, Refused, Rejection};

/// An error of the database client (`rusqlite::Error`, `postgres::Error`), boxed so that both
/// backends share one error type; [`SqlError::database_error`] gives it back for downcasting.
pub type DatabaseError = Box<dyn Error + Send + Sync + 'static>;

/// Why a database journal could not be opened, read or appended to.
///
/// Appending errors reach the caller of the transition (the typed API's
/// [`Refused`], the dynamic API's [`Rejection`] with [`Cause::Unrecorded`](statewright_runtime::Cause::Unrecorded)); the machine
/// stays in its previous state.
#[derive(Debug)]
#[non_exhaustive]
pub enum SqlError {
    /// The database refused or failed (connection lost, disk read-only, locked too long).
    /// `during` says what the journal was doing; the message carries the database's own
    /// reason (for PostgreSQL: its message and SQLSTATE code, with detail and hint if any).
    ///
    /// When the connection was lost during an append, the database may or may not have
    /// committed the record: read the instance again (as [`retry`](super::retry) and
    /// [`Journal::apply`](super::Journal::apply) do) before deciding what to do next.
    Database {
        /// `"append"`, `"read"`, `"connect"`, `"migrate"`, ...
        during: &'static str,
        /// The client's error.
        error: DatabaseError,
    },
    /// The statewright tables are not there: `migrate` was never run on this database.
    SchemaMissing {
        /// The function that creates them.
        migrate: &'static str,
    },
    /// The tables are of an older schema version than this release uses.
    SchemaOutdated {
        /// The database's version.
        found: i64,
        /// This release's version.
        expected: i64,
        /// The function that upgrades them.
        migrate: &'static str,
    },
    /// The tables are of a newer schema version than this release knows.
    SchemaNewer {
        /// The database's version.
        found: i64,
        /// The newest version this release knows.
        supported: i64,
    },
    /// The database holds this machine's records for a different definition.
    DefinitionMismatch {
        /// The machine.
        machine: &'static str,
        /// The fingerprint in the database (as stored).
        found: String,
        /// The current definition's fingerprint.
        expected: Fingerprint,
        /// What differs, one line each, from the stored definition to the current one.
        changes: Vec<String>,
    },
    /// Another writer appended to the instance first; see [`Conflict`].
    Conflict(Conflict),
    /// A row does not follow from the rows before it, or does not read back (an unknown
    /// state, a damaged snapshot): the data was changed outside statewright. Nothing is
    /// skipped silently.
    Corrupt {
        /// The instance.
        instance: String,
        /// The sequence number of the offending row, when there is one.
        sequence: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// The record belongs to a different machine than the journal's.
    WrongMachine {
        /// The journal's machine.
        journal: &'static str,
        /// The record's machine.
        record: &'static str,
    },
    /// [`Journal::instances_in`](super::Journal::instances_in) was given a name that is not a
    /// state of the machine.
    UnknownState {
        /// The machine.
        machine: &'static str,
        /// The name.
        name: String,
    },
    /// [`Journal::load`](super::Journal::load) found no snapshot that the records justify:
    /// none at all, or one followed by applied transitions (records carry no state data).
    NoSnapshot {
        /// The instance.
        instance: String,
        /// The sequence number of the newest snapshot, if there is one.
        snapshot: Option<u64>,
        /// The instance's last sequence number.
        sequence: u64,
        /// The instance's current state.
        state: &'static str,
    },
    /// The instance already has a record of an event delivered under this id (the
    /// `event_id` column's unique index): nothing was written and the event was not applied.
    /// An [`Idempotent`](statewright_runtime::Idempotent) machine whose window had forgotten the id, or
    /// another replica, delivered it again.
    DuplicateEvent {
        /// The instance.
        instance: String,
        /// The event's id.
        event_id: String,
        /// The sequence number of the record stored with the id, when it could be read.
        sequence: Option<u64>,
    },
    /// An instance id or event id breaks the rules both backends share (see
    /// [`MAX_ID_BYTES`](super::MAX_ID_BYTES)): empty, longer than 1024 bytes, or holding a
    /// control character (NUL among them, which PostgreSQL text cannot store). Checked before
    /// the database sees the id, so SQLite and PostgreSQL accept and refuse the same ids; an
    /// append with such an id writes nothing and its transition does not happen.
    InvalidId {
        /// `"instance id"` or `"event id"`.
        what: &'static str,
        /// The id, cut to its first 32 characters when longer.
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A machine does not match the journal: the state value given to
    /// [`Journal::resume`](super::Journal::resume) is not where the records lead, or the
    /// machine given to [`Journal::save_snapshot`](super::Journal::save_snapshot) is not in
    /// the state the records have at its sequence number.
    Resume {
        /// The instance.
        instance: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlError::Database { during, error } => {
                write!(f, "database journal {during} failed: ")?;
                // The client's own `Display` says only "db error": the server's reason is in
                // the `DbError` it carries.
                #[cfg(any(feature = "postgres", feature = "postgres-async"))]
                if let Some(db) = error
                    .downcast_ref::<PgError>()
                    .and_then(PgError::as_db_error)
                {
                    write!(f, "{} (SQLSTATE {})", db.message(), db.code().code())?;
                    if let Some(detail) = db.detail() {
                        write!(f, "; {detail}")?;
                    }
                    if let Some(hint) = db.hint() {
                        write!(f, "; {hint}")?;
                    }
                    return Ok(());
                }
                write!(f, "{error}")
            }
            SqlError::SchemaMissing { migrate } => write!(
                f,
                "the statewright tables are missing from this database; run `{migrate}` once \
                 (journals never create or change tables when they open)"
            ),
            SqlError::SchemaOutdated {
                found,
                expected,
                migrate,
            } => write!(
                f,
                "the statewright tables are at schema version {found}, this release needs \
                 {expected}; run `{migrate}` to upgrade them"
            ),
            SqlError::SchemaNewer { found, supported } => write!(
                f,
                "the statewright tables are at schema version {found}, newer than this release \
                 knows ({supported}); upgrade statewright"
            ),
            SqlError::DefinitionMismatch {
                machine,
                found,
                expected,
                changes,
            } => {
                write!(
                    f,
                    "the database holds records of `{machine}` written by a different definition \
                     (fingerprint {found}, now {expected})"
                )?;
                if !changes.is_empty() {
                    write!(f, "; changes since: {}", changes.join(", "))?;
                }
                Ok(())
            }
            SqlError::Conflict(conflict) => conflict.fmt(f),
            SqlError::Corrupt {
                instance,
                sequence,
                reason,
            } => match sequence {
                Some(sequence) => write!(
                    f,
                    "the journal of instance `{instance}` is corrupt at record #{sequence}: {reason}"
                ),
                None => write!(
                    f,
                    "the journal of instance `{instance}` is corrupt: {reason}"
                ),
            },
            SqlError::WrongMachine { journal, record } => write!(
                f,
                "a record of `{record}` cannot go into the journal of `{journal}`"
            ),
            SqlError::UnknownState { machine, name } => {
                write!(f, "`{machine}` has no state `{name}`")
            }
            SqlError::NoSnapshot {
                instance,
                snapshot,
                sequence,
                state,
            } => {
                match snapshot {
                    Some(at) => write!(
                        f,
                        "the newest snapshot of instance `{instance}` is at record #{at}, but \
                         transitions were applied after it (now `{state}` at #{sequence})"
                    )?,
                    None => write!(
                        f,
                        "instance `{instance}` has no snapshot (it is in `{state}` at #{sequence})"
                    )?,
                }
                f.write_str(
                    "; save snapshots after transitions, or resume it with `Journal::resume` and \
                     the state's data",
                )
            }
            SqlError::InvalidId { what, id, reason } => write!(
                f,
                "invalid {what} {id:?}: {reason}; {what}s must be 1 to {} bytes of text without \
                 control characters",
                super::MAX_ID_BYTES
            ),
            SqlError::Resume { instance, reason } => {
                write!(f, "cannot resume instance `{instance}`: {reason}")
            }
            SqlError::DuplicateEvent {
                instance,
                event_id,
                sequence,
            } => {
                write!(
                    f,
                    "instance `{instance}` already has the event `{event_id}`"
                )?;
                if let Some(sequence) = sequence {
                    write!(f, " (record #{sequence})")?;
                }
                f.write_str("; it was not applied again")
            }
        }
    }
}

impl SqlError {
    /// The database client's error, for [`SqlError::Database`]; downcast it to
    /// `rusqlite::Error` or `postgres::Error` for details.
    pub fn database_error(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        match self {
            SqlError::Database { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }

    /// The conflict, for [`SqlError::Conflict`].
    pub fn conflict(&self) -> Option<&Conflict> {
        match self {
            SqlError::Conflict(conflict) => Some(conflict),
            _ => None,
        }
    }

    pub(crate) fn database(during: &'static str) -> impl FnOnce(DatabaseError) -> SqlError {
        move |error| SqlError::Database { during, error }
    }
}

impl Error for SqlError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SqlError::Database { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

impl RecordError for SqlError {}

/// Another writer (a replica, a second machine for the same instance) appended to the instance
/// first, so this record was not written and its transition did not happen.
///
/// It says which record was attempted and where the instance is now according to the
/// database. Load the instance again and decide again: [`retry`](super::retry) and
/// [`Journal::apply`](super::Journal::apply) do that.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conflict {
    /// The machine.
    pub machine: &'static str,
    /// The instance.
    pub instance: String,
    /// The sequence number the record claimed.
    pub attempted: u64,
    /// The state the record left.
    pub from: &'static str,
    /// The instance's current state and last sequence number in the database; `None` when it
    /// has no records (the record did not start at #1 from the initial state).
    pub current: Option<(&'static str, u64)>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Conflict {
            machine,
            instance,
            attempted,
            from,
            ..
        } = self;
        write!(
            f,
            "conflict on `{machine}` instance `{instance}`: record #{attempted} leaving `{from}` was not written, "
        )?;
        match self.current {
            Some((state, sequence)) => write!(
                f,
                "the journal has the instance in `{state}` at #{sequence}"
            )?,
            None => f.write_str("the journal has no record of the instance")?,
        }
        f.write_str("; load it again and retry")
    }
}

impl Error for Conflict {}

/// Errors that may hold a [`Conflict`]: what [`retry`](super::retry) retries on. Implemented
/// for [`SqlError`], [`Conflict`], the dynamic API's [`Rejection`] and the typed API's
/// [`Refused`] with an [`SqlError`]; implement it for your own error type to retry closures
/// that return it.
pub trait AsConflict {
    /// The conflict, if this error is one.
    fn as_conflict(&self) -> Option<&Conflict>;
}

impl AsConflict for SqlError {
    fn as_conflict(&self) -> Option<&Conflict> {
        self.conflict()
    }
}

impl AsConflict for Conflict {
    fn as_conflict(&self) -> Option<&Conflict> {
        Some(self)
    }
}

impl<E, H> AsConflict for Rejection<E, SqlError, H> {
    fn as_conflict(&self) -> Option<&Conflict> {
        self.cause().recorder_error()?.conflict()
    }
}

impl<M> AsConflict for Refused<M, SqlError> {
    fn as_conflict(&self) -> Option<&Conflict> {
        self.error().conflict()
    }
}
