//! Journals in a database that many processes share: the `statewright-sql` crate, which the
//! `statewright` facade re-exports as `statewright::sql` (features `sqlite`, `postgres`,
//! `sqlite-async`, `postgres-async`).
//!
//! - [`sqlite`]: SQLite, compiled into the program (nothing to install), for one process or a
//!   few on one machine;
//! - [`postgres`]: PostgreSQL, for many replicas on many machines.
//!
//! Both keep the same tables (created by each backend's `migrate`, from the SQL files shipped
//! in the crate under `sql/migrations/`) and give the same [`Journal`]: the pattern of the file
//! journal (`statewright::journal`, with the `journal` feature), so one thing is learned
//! once.
//!
//! # Synchronous and async
//!
//! [`Journal`] is synchronous: its recorder writes inside `apply`, and no async runtime is
//! needed. `AsyncJournal` (features `sqlite-async`, `postgres-async`) has the same tables,
//! guarantees and methods, each awaited, and its machines record through an awaited recorder
//! (`Dynamic<M, Awaited<AsyncSqlRecorder<B>>>`, whose `apply` is awaited); it never blocks an
//! executor thread and its futures are `Send`. Both run one implementation of the journal: the
//! statements, the checks of rows and ids, the verified replay, conflicts, duplicate event
//! ids, the retry loop and the migrations are written once as async code over the backend,
//! which the synchronous journal runs on backends whose futures are ready at once.
//!
//! | | synchronous | async |
//! | --- | --- | --- |
//! | SQLite | `sqlite::SqliteJournal` (`rusqlite`, SQLite compiled in) | `sqlite::AsyncSqliteJournal`: the same connection on a thread of its own per journal, each statement awaited through a channel; any runtime |
//! | PostgreSQL | `postgres::PgJournal` (the `postgres` client) | `postgres::AsyncPgJournal`: `tokio-postgres`, the client `postgres` wraps (same statements and types; a build with both adds almost nothing); a tokio runtime |
//!
//! Not `sqlx`: its SQLite driver links another version of `libsqlite3-sys` than `rusqlite`
//! does, and cargo allows one crate linking `sqlite3` per build, so the two could not be
//! enabled together (`--all-features` would not build).
//!
//! | table | one row per | key |
//! | --- | --- | --- |
//! | `statewright_machines` | machine type: name, [`Fingerprint`](statewright_runtime::Fingerprint), definition JSON | machine |
//! | `statewright_records` | transition attempt: instance, sequence, from, event, to, outcome (`applied`/`rejected`), wall-clock time (`at_ns`), time in the previous state (`in_state_ns`), the event's id if it had one (`event_id`, see below) | (machine, instance, sequence) |
//! | `statewright_snapshots` | saved [`Snapshot`](statewright_runtime::Snapshot) of an instance, as JSON | (machine, instance, sequence) |
//! | `statewright_schema_version` | applied migration | version |
//!
//! # A transition is never applied without its record, nor recorded twice
//!
//! A [`SqlRecorder`] (from [`Journal::recorder`]) writes each record with one `INSERT`
//! statement, which is its own transaction, before the machine's new state can be observed.
//! The statement claims `(machine, instance, sequence)` under the primary key and checks, in
//! the same statement, that the record continues the instance: #1 leaves the initial state,
//! and every later one leaves the state record `sequence - 1` arrived in. So:
//!
//! - if the `INSERT` fails (connection lost, disk read-only, database locked too long) the
//!   transition does not happen: the typed API returns `Err(Refused)` holding the machine in
//!   its previous state, the dynamic API a [`Rejection`] with
//!   [`Cause::Unrecorded`](statewright_runtime::Cause);
//! - if another writer claimed the sequence number first (a replica applying an event to the
//!   same instance), nothing is written and the error is a [`Conflict`] that carries where the
//!   instance is now. Exactly one of two racing writers wins.
//!
//! Every attempt gets a sequence number, as in the rest of statewright: a rejected event is a
//! row with outcome `rejected` and `to_state = from_state`, and it claims its number under the
//! same rules (so it can conflict too).
//!
//! If the connection is lost while the `INSERT` commits, the client cannot know whether the
//! database committed it: the machine stays in its previous state and the caller gets
//! [`SqlError::Database`]. Read the instance again before going on (the retry helpers do).
//!
//! # Concurrency: reload and retry
//!
//! Optimistic concurrency per instance: writers do not lock an instance, they find out at
//! append time. On a [`Conflict`], load the instance again (its state may have changed, so the
//! event may now be illegal, or already applied by the other writer) and decide again.
//! [`Journal::apply`] does that for the dynamic API; [`retry`] for any closure.
//!
//! # Loading
//!
//! - [`Journal::history`] / [`Journal::entries`]: an instance's records, verified by a replay
//!   against the definition (a row changed by hand is an error naming its sequence number);
//! - [`Journal::state`]: the current state and sequence number, where the verified history
//!   leads (so it costs a replay of the instance); [`Journal::instances`] /
//!   [`Journal::instances_in`] for all instances (every order stuck in `Paid`), each verified
//!   the same way, with an instance that does not verify as an `Err` item of its own;
//! - [`Journal::resume`]: a [`Dynamic`] machine continuing the instance; records carry no state
//!   data, so the caller gives the state's value for the stored state;
//! - [`Journal::save_snapshot`] / [`Journal::load`]: for states with data, a snapshot with the
//!   value, loaded back and checked against the records.
//!
//! # What can go wrong
//!
//! | what happens | what statewright does |
//! | --- | --- |
//! | two writers append to one instance at once (replicas, threads, a stale machine) | the primary key lets exactly one `INSERT` through; the other writes nothing and its caller gets a [`Conflict`] with the instance's current state; [`Journal::apply`] and [`retry`] load the instance again and decide again |
//! | the connection is lost mid-append | the transition does not happen and the caller gets [`SqlError::Database`]; the database may or may not have committed the row (no client can know), so read the instance again before going on; a PostgreSQL journal from `connect` connects again on its next call |
//! | the database refuses a statement (a constraint, permissions, a read-only or full disk) | [`SqlError::Database`], whose message carries the database's own reason (for PostgreSQL its message, SQLSTATE code, detail and hint); the client's error stays in the source chain, for downcasting |
//! | a row is changed by hand: an illegal step, an unknown state, a value of the wrong type (an SQLite blob, text that is not UTF-8) | reading that instance ([`history`](Journal::history), [`state`](Journal::state), [`resume`](Journal::resume), [`load`](Journal::load), [`window`](Journal::window)) is [`SqlError::Corrupt`] naming the row; in [`instances`](Journal::instances) and [`instances_in`](Journal::instances_in) it is an `Err` item of that instance only, the others are listed; nothing panics, nothing is skipped silently. Limit: an edit that still forms a legal path (rows deleted from the end, one legal step swapped for another) cannot be told from a real history |
//! | an instance id or event id that is empty, longer than [`MAX_ID_BYTES`], or holds a control character (NUL among them) | refused with [`SqlError::InvalidId`] before either backend sees it, so SQLite and PostgreSQL take the same ids: an append writes nothing and its transition does not happen; a row stored under such an id (by hand, or by SQLite before this check) is an `Err` item in listings |
//! | the state function given to [`Journal::apply`] panics | the panic unwinds out of `apply`: the function runs after the instance's history was read and before the event is applied, so nothing is written for that attempt, and the journal holds no lock while it runs (it goes on working) |
//! | an async journal's append is dropped while it waits for the database (a `select!`, a timeout, a task aborted) | the machine that awaited it is poisoned and stays in its previous state; the database may or may not have written the row (SQLite's thread, or the PostgreSQL server, finishes what it was sent), as when a connection is lost: the stored history is a legal path either way, so load the instance again to go on. A dropped read changes nothing |
//!
//! # Idempotent apply
//!
//! An [`Idempotent`](statewright_runtime::Idempotent) machine's [`SqlRecorder`] writes each event's id into
//! the `event_id` column, which has a unique index per instance, and [`Journal::window`]
//! rebuilds the window of remembered ids from it after a restart. The index remembers every
//! id for as long as the rows stay, beyond any window and across replicas: an event whose id
//! the instance already has (a duplicate that arrives after the window forgot its id, or one
//! applied by another replica) is not written and not applied, and the error is
//! [`SqlError::DuplicateEvent`] with the sequence number of the stored record.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use statewright::sql::sqlite::{self, SqliteJournal};
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
//! let dir = std::env::temp_dir().join(format!("statewright-sql-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("doors.db");
//! # let _ = std::fs::remove_file(&path);
//! sqlite::migrate(&sqlite::rusqlite::Connection::open(&path)?)?; // once, when deploying
//!
//! let journal = SqliteJournal::open(&path, Door::DEFINITION)?;
//! let mut front = Dynamic::start_with(Door::Closed, journal.recorder("front"))?;
//! front.apply(door::Event::Open)?;
//!
//! // Another process (or a restart) continues from the database.
//! let journal = SqliteJournal::open(&path, Door::DEFINITION)?;
//! let open: Vec<String> = journal.instances_in("Open")?.into_iter().collect::<Result<_, _>>()?;
//! assert_eq!(open, ["front"]);
//! let mut front = journal.resume("front", |_| Door::Open)?;
//! front.apply(door::Event::Close)?;
//! assert_eq!(journal.history("front")?.len(), 2);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sqlite"))]
//! # fn main() {}
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Without a backend feature the crate holds the shared types only, and the statements go unused.
#![cfg_attr(
    not(any(
        feature = "sqlite",
        feature = "postgres",
        feature = "sqlite-async",
        feature = "postgres-async"
    )),
    allow(dead_code)
)]

#[cfg(any(feature = "sqlite-async", feature = "postgres-async"))]
mod asynchronous;
mod blocking;
mod error;
#[cfg(any(feature = "postgres", feature = "postgres-async"))]
pub mod postgres;
mod shared;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use core::future::Future;
use std::borrow::ToOwned;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(any(feature = "sqlite-async", feature = "postgres-async"))]
pub use self::asynchronous::{AsyncJournal, AsyncMachine, AsyncSqlRecorder};
pub use self::error::{AsConflict, Conflict, DatabaseError, SqlError};

use statewright_runtime::{
    Definition, Dynamic, Record, Recorder, Rejection, StateId, StateInfo, StateMachine, Window,
};

use crate::blocking::{Blocking, now};
use crate::shared::{Inner, JournalRecorder, Tail};

/// The schema version this release reads and writes (the number of the newest file under
/// `sql/migrations/<backend>/`).
pub const SCHEMA_VERSION: i64 = 1;

/// A parameter of a statement.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub enum Param<'a> {
    Text(&'a str),
    Int(Option<i64>),
    /// Text or `NULL`.
    MaybeText(Option<&'a str>),
}

/// The type of a result column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Kind {
    Text,
    Int,
}

/// A value of a result column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(hidden)]
pub enum Value {
    Text(String),
    Int(Option<i64>),
    /// A value of the wrong type, or text that is not UTF-8 (a row changed by hand), described
    /// for the error that names its row.
    Unreadable(String),
}

/// The statements of the journal, written once for both backends (`$n` parameters; the SQLite
/// backend reads them as `?n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Stmt {
    MachineGet,
    MachineAdd,
    Append,
    Latest,
    Rows,
    StateAt,
    Instances,
    HeadsIn,
    SnapshotPut,
    SnapshotGet,
    EventSeen,
    EventIds,
}

impl Stmt {
    /// Every statement, in the order of their indexes.
    pub(crate) const ALL: [Stmt; 12] = [
        Stmt::MachineGet,
        Stmt::MachineAdd,
        Stmt::Append,
        Stmt::Latest,
        Stmt::Rows,
        Stmt::StateAt,
        Stmt::Instances,
        Stmt::HeadsIn,
        Stmt::SnapshotPut,
        Stmt::SnapshotGet,
        Stmt::EventSeen,
        Stmt::EventIds,
    ];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The SQL text, with `$n` parameters.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Stmt::MachineGet => {
                "SELECT fingerprint, definition FROM statewright_machines WHERE machine = $1"
            }
            Stmt::MachineAdd => {
                "INSERT INTO statewright_machines (machine, fingerprint, definition) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
            }
            // Claims (machine, instance, sequence) under the primary key, and writes nothing
            // unless the record continues the instance: #1 from the initial state ($10), or
            // from the state record `sequence - 1` arrived in. An event id ($11) already
            // stored for the instance also writes nothing (its unique index).
            Stmt::Append => {
                "INSERT INTO statewright_records \
                 (machine, instance, sequence, from_state, event, to_state, outcome, at_ns, in_state_ns, event_id) \
                 SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT), CAST($4 AS TEXT), \
                 CAST($5 AS TEXT), CAST($6 AS TEXT), CAST($7 AS TEXT), CAST($8 AS BIGINT), \
                 CAST($9 AS BIGINT), CAST($11 AS TEXT) \
                 WHERE (CAST($3 AS BIGINT) = 1 AND CAST($4 AS TEXT) = CAST($10 AS TEXT)) \
                 OR EXISTS (SELECT 1 FROM statewright_records p WHERE p.machine = $1 \
                 AND p.instance = $2 AND p.sequence = CAST($3 AS BIGINT) - 1 AND p.to_state = $4) \
                 ON CONFLICT DO NOTHING"
            }
            Stmt::Latest => {
                "SELECT to_state, sequence FROM statewright_records \
                 WHERE machine = $1 AND instance = $2 ORDER BY sequence DESC LIMIT 1"
            }
            Stmt::Rows => {
                "SELECT sequence, from_state, event, to_state, outcome, at_ns, in_state_ns \
                 FROM statewright_records WHERE machine = $1 AND instance = $2 ORDER BY sequence"
            }
            Stmt::StateAt => {
                "SELECT to_state FROM statewright_records \
                 WHERE machine = $1 AND instance = $2 AND sequence = $3"
            }
            Stmt::Instances => {
                "SELECT DISTINCT instance FROM statewright_records WHERE machine = $1 \
                 ORDER BY instance"
            }
            Stmt::HeadsIn => {
                "SELECT r.instance FROM statewright_records r \
                 WHERE r.machine = $1 AND r.to_state = $2 AND r.sequence = (SELECT MAX(m.sequence) \
                 FROM statewright_records m WHERE m.machine = r.machine AND m.instance = r.instance) \
                 ORDER BY r.instance"
            }
            Stmt::SnapshotPut => {
                "INSERT INTO statewright_snapshots (machine, instance, sequence, state) \
                 VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (machine, instance, sequence) DO UPDATE SET state = excluded.state"
            }
            Stmt::SnapshotGet => {
                "SELECT sequence, state FROM statewright_snapshots \
                 WHERE machine = $1 AND instance = $2 ORDER BY sequence DESC LIMIT 1"
            }
            Stmt::EventSeen => {
                "SELECT sequence FROM statewright_records \
                 WHERE machine = $1 AND instance = $2 AND event_id = $3"
            }
            Stmt::EventIds => {
                "SELECT sequence, from_state, event, to_state, outcome, at_ns, event_id \
                 FROM statewright_records WHERE machine = $1 AND instance = $2 \
                 AND event_id IS NOT NULL ORDER BY sequence DESC LIMIT $3"
            }
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A database connection the journal's tables can be created in and checked:
/// `rusqlite::Connection` and `postgres::Client`. Sealed; its items are the journal's
/// implementation, not an API.
pub trait Schema: sealed::Sealed {
    /// The function that applies the migrations, for error messages.
    #[doc(hidden)]
    const MIGRATE: &'static str;
    /// A query that returns 1 when `statewright_schema_version` exists, else 0.
    #[doc(hidden)]
    const SCHEMA_EXISTS: &'static str;

    /// Runs a query that returns one integer.
    #[doc(hidden)]
    fn query_i64(&mut self, sql: &str) -> Result<i64, DatabaseError>;
}

/// A connection the migrations run on (what `migrate` takes): a [`Schema`] that can also
/// change it.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) trait Migrate: Schema {
    /// What starts the migration transaction (and keeps other migrators out).
    const BEGIN_MIGRATION: &'static str;
    /// The migrations, oldest first: version and SQL.
    const MIGRATIONS: &'static [(i64, &'static str)];

    /// Runs statements without parameters or results.
    fn batch(&mut self, sql: &str) -> Result<(), DatabaseError>;
}

/// A database the journal can live in: an SQLite connection
/// ([`SqliteJournal`](sqlite::SqliteJournal)) or a PostgreSQL client
/// ([`PgJournal`](postgres::PgJournal)). Sealed; its items are the journal's implementation,
/// not an API.
pub trait Backend: Send + 'static + sealed::Sealed {
    /// The connection, for the schema checks.
    #[doc(hidden)]
    type Conn: Schema;

    /// The connection.
    #[doc(hidden)]
    fn conn(&mut self) -> &mut Self::Conn;
    /// Runs a journal statement; returns the rows changed.
    #[doc(hidden)]
    fn execute(&mut self, stmt: Stmt, params: &[Param<'_>]) -> Result<u64, DatabaseError>;
    /// Runs a journal query; returns the rows, each with `columns.len()` values.
    #[doc(hidden)]
    fn query(
        &mut self,
        stmt: Stmt,
        params: &[Param<'_>],
        columns: &[Kind],
    ) -> Result<Vec<Vec<Value>>, DatabaseError>;
}

/// A database as the journals' shared logic reads and writes it, statement by statement,
/// each awaited: the async journals' backends
/// ([`AsyncSqlite`](sqlite::AsyncSqlite), [`AsyncPostgres`](postgres::AsyncPostgres)), and
/// each synchronous [`Backend`] behind its journal's mutex (whose futures are ready at once).
/// Sealed; its items are the journal's implementation, not an API.
pub trait AsyncBackend: Clone + Send + Sync + 'static + sealed::Sealed {
    /// The function that applies the migrations, for error messages.
    #[doc(hidden)]
    const MIGRATE: &'static str;
    /// A query that returns 1 when `statewright_schema_version` exists, else 0.
    #[doc(hidden)]
    const SCHEMA_EXISTS: &'static str;

    /// Runs a query that returns one integer.
    #[doc(hidden)]
    fn query_i64(&self, sql: &str) -> impl Future<Output = Result<i64, DatabaseError>> + Send;
    /// Runs a journal statement; returns the rows changed.
    #[doc(hidden)]
    fn execute(
        &self,
        stmt: Stmt,
        params: &[Param<'_>],
    ) -> impl Future<Output = Result<u64, DatabaseError>> + Send;
    /// Runs a journal query; returns the rows, each with `columns.len()` values.
    #[doc(hidden)]
    fn query(
        &self,
        stmt: Stmt,
        params: &[Param<'_>],
        columns: &[Kind],
    ) -> impl Future<Output = Result<Vec<Vec<Value>>, DatabaseError>> + Send;
}

/// A record as a journal holds it: with the time the instance spent in the record's `from`
/// state, measured with a monotonic clock by the process that wrote it (`None` when that
/// process did not see the instance enter the state: another replica moved it there, or it
/// was resumed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// The record.
    pub record: Record,
    /// Time in the `from` state.
    pub in_state: Option<Duration>,
}

/// What [`Journal::apply`] applied: the record, and how many conflicts it retried past.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Applied {
    /// The record of the transition.
    pub record: Record,
    /// Conflicts with other writers before it went through.
    pub conflicts: u32,
}

/// Why [`Journal::apply`] applied nothing; also a handy error type for [`retry`] closures
/// that load an instance and apply an event (`?` converts both errors).
#[derive(Debug)]
pub enum ApplyError<E, H = core::convert::Infallible> {
    /// The event was refused: not allowed in the instance's current state (the rejection is
    /// recorded), or its record could not be written (a database error, or still a
    /// [`Conflict`] after the last attempt). The event is handed back in the rejection.
    Rejected {
        /// The rejection.
        rejection: Rejection<E, SqlError, H>,
        /// Conflicts with other writers before it, this one included if it is one.
        conflicts: u32,
    },
    /// The instance could not be loaded.
    Load {
        /// The error.
        error: SqlError,
        /// Conflicts with other writers before it.
        conflicts: u32,
    },
}

impl<E, H> From<SqlError> for ApplyError<E, H> {
    /// A load error, with no conflicts counted (for `?` in a [`retry`] closure).
    fn from(error: SqlError) -> Self {
        ApplyError::Load {
            error,
            conflicts: 0,
        }
    }
}

impl<E, H> From<Rejection<E, SqlError, H>> for ApplyError<E, H> {
    /// A rejection, with no conflicts counted (for `?` in a [`retry`] closure).
    fn from(rejection: Rejection<E, SqlError, H>) -> Self {
        ApplyError::Rejected {
            rejection,
            conflicts: 0,
        }
    }
}

impl<E, H> ApplyError<E, H> {
    /// Conflicts with other writers on the way.
    pub fn conflicts(&self) -> u32 {
        match self {
            ApplyError::Rejected { conflicts, .. } | ApplyError::Load { conflicts, .. } => {
                *conflicts
            }
        }
    }
}

impl<E, H: core::fmt::Display> core::fmt::Display for ApplyError<E, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ApplyError::Rejected { rejection, .. } => rejection.fmt(f),
            ApplyError::Load { error, .. } => error.fmt(f),
        }
    }
}

impl<E: core::fmt::Debug, H: core::fmt::Debug + core::fmt::Display> std::error::Error
    for ApplyError<E, H>
{
}

impl<E, H> AsConflict for ApplyError<E, H> {
    fn as_conflict(&self) -> Option<&Conflict> {
        match self {
            ApplyError::Rejected { rejection, .. } => rejection.as_conflict(),
            ApplyError::Load { error, .. } => error.conflict(),
        }
    }
}

/// Runs `attempt` until it succeeds, fails with an error that is not a [`Conflict`], or has
/// run `attempts` times (at least once); returns its last result. From the second call on,
/// `attempt` gets the conflict that ended the previous one, which says where the instance is
/// now.
///
/// `attempt` must load the instance again each time (a machine that lost a race is behind the
/// database): with [`Journal::resume`] or [`Journal::load`], for example. For the dynamic API,
/// [`Journal::apply`] is this loop already written.
///
/// ```
/// # #[cfg(feature = "sqlite")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use statewright::sql::sqlite::{self, SqliteJournal};
/// use statewright::sql::{retry, ApplyError};
/// use statewright::{state_machine, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq)]
/// enum Light {
///     #[initial]
///     #[on(toggle -> On)]
///     Off,
///     #[on(toggle -> Off)]
///     On,
/// }
///
/// fn light(name: &str) -> Light {
///     if name == "On" { Light::On } else { Light::Off }
/// }
///
/// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
/// sqlite::migrate(&connection)?;
/// let journal = SqliteJournal::from_connection(connection, Light::DEFINITION)?;
///
/// // A second writer for the same lamp moves it first: the first write conflicts.
/// let mut stale = journal.resume("hall", |s| light(s.name()))?;
/// journal.resume("hall", |s| light(s.name()))?.apply(light::Event::Toggle)?;
/// let conflict = stale.apply(light::Event::Toggle).unwrap_err();
/// assert!(conflict.to_string().contains("has the instance in `On` at #1"));
///
/// // With `retry`, each attempt loads the lamp again: the second one goes through.
/// // `ApplyError` takes both a load error and a rejection with `?`.
/// let mut attempts = 0;
/// let record = retry(3, |_previous_conflict| -> Result<_, ApplyError<light::Event>> {
///     attempts += 1;
///     let mut lamp = journal.resume("hall", |s| light(s.name()))?;
///     if attempts == 1 {
///         // Another writer gets in between (for the example's sake).
///         journal.resume("hall", |s| light(s.name()))?.apply(light::Event::Toggle)?;
///     }
///     Ok(lamp.apply(light::Event::Toggle)?)
/// })?;
/// assert_eq!((attempts, record.sequence()), (2, 3));
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sqlite"))]
/// # fn main() {}
/// ```
pub fn retry<T, E: AsConflict>(
    attempts: u32,
    mut attempt: impl FnMut(Option<&Conflict>) -> Result<T, E>,
) -> Result<T, E> {
    let mut result = attempt(None);
    for _ in 1..attempts {
        match &result {
            Err(error) if error.as_conflict().is_some() => {
                result = attempt(error.as_conflict());
            }
            _ => break,
        }
    }
    result
}

/// A journal of one machine's records in a database, for any number of instances; see the
/// [module docs](self). Open one with [`SqliteJournal::open`](sqlite::SqliteJournal) or
/// [`PgJournal::connect`](postgres::PgJournal).
///
/// Cheap to clone: clones share one connection (and take turns on it). For writers that
/// should not wait for each other, open one journal (one connection) each.
pub struct Journal<B> {
    inner: Inner<Blocking<B>>,
}

impl<B> Clone for Journal<B> {
    fn clone(&self) -> Self {
        Journal {
            inner: self.inner.clone(),
        }
    }
}

impl<B> core::fmt::Debug for Journal<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Journal")
            .field("machine", &self.inner.definition.name())
            .finish_non_exhaustive()
    }
}

/// The longest instance id or event id a database journal takes, in bytes of UTF-8.
///
/// Both backends take the same ids: 1 to `MAX_ID_BYTES` bytes of text without control
/// characters (`char::is_control`: NUL, which PostgreSQL text cannot hold, tabs, line breaks,
/// escape sequences). Anything else is refused with [`SqlError::InvalidId`] before the
/// database sees it. The limit keeps the primary key and the event id index of PostgreSQL
/// within its index row size (about 2.7 kB), with room for the machine's name.
///
/// ```
/// # #[cfg(feature = "sqlite")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use statewright::sql::sqlite::{self, SqliteJournal};
/// use statewright::sql::{SqlError, MAX_ID_BYTES};
/// use statewright::{state_machine, StateMachine};
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
/// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
/// sqlite::migrate(&connection)?;
/// let journal = SqliteJournal::from_connection(connection, Door::DEFINITION)?;
/// assert!(journal.state(&"d".repeat(MAX_ID_BYTES))?.is_none());
/// let too_long = journal.state(&"d".repeat(MAX_ID_BYTES + 1)).unwrap_err();
/// assert!(matches!(too_long, SqlError::InvalidId { .. }), "{too_long}");
/// assert!(journal.state("front\0door").is_err());
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sqlite"))]
/// # fn main() {}
/// ```
pub const MAX_ID_BYTES: usize = 1024;

impl<B: Backend> Journal<B> {
    /// Checks the schema and the machine's fingerprint row (adding the row for a machine the
    /// database has not seen), and makes the journal.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn with_backend(
        backend: B,
        definition: &'static Definition,
    ) -> Result<Self, SqlError> {
        now(Inner::open(Blocking::new(backend), definition)).map(|inner| Journal { inner })
    }

    /// The connection, while recorders of this journal wait.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, B> {
        self.inner.backend.lock()
    }

    /// The machine the journal records.
    pub fn definition(&self) -> &'static Definition {
        self.inner.definition
    }

    /// A recorder that appends `instance`'s records: give it to a new machine (`start_with`),
    /// or get a machine that continues a stored instance from [`resume`](Journal::resume) or
    /// [`load`](Journal::load). A record that does not continue the instance in the database
    /// (another writer got there first) is refused with [`SqlError::Conflict`].
    pub fn recorder(&self, instance: impl Into<String>) -> SqlRecorder<B> {
        SqlRecorder::new(&self.inner, instance.into(), None)
    }

    /// The current state of `instance` and the sequence number of its last record, or `None`
    /// when the journal has no record of it: where its [verified history](Journal::history)
    /// leads, so never a state that a row changed by hand claims but no legal path reaches
    /// (that is [`SqlError::Corrupt`], naming the row).
    ///
    /// Cost: it reads and replays all of the instance's records (one query; the replay is a
    /// table lookup per record), as [`history`](Journal::history) does.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
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
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Door::DEFINITION)?;
    /// Dynamic::start_with(Door::Closed, journal.recorder("front"))?.apply(door::Event::Open)?;
    /// let (state, sequence) = journal.state("front")?.expect("front is stored");
    /// assert_eq!((state.name(), sequence), ("Open", 1));
    /// assert!(journal.state("back")?.is_none());
    ///
    /// // A row changed by hand to a state no legal path reaches is an error, not a state.
    /// journal.with_connection(|c| {
    ///     c.execute_batch("UPDATE statewright_records SET to_state = 'Closed'")
    /// })?;
    /// assert!(journal.state("front").is_err());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub fn state(&self, instance: &str) -> Result<Option<(StateInfo, u64)>, SqlError> {
        now(self.inner.state(instance))
    }

    /// Every instance with its current state and last sequence number, ordered by id, each
    /// verified as [`state`](Journal::state) is. An instance that does not verify (a row
    /// changed by hand, a value of the wrong type, an id that breaks the rules of
    /// [`MAX_ID_BYTES`]) is an `Err` item of its own; the other instances are listed as
    /// usual. The outer `Err` is for a database that cannot be read at all.
    ///
    /// Cost: one query for the ids, then one query and a replay per instance: it reads every
    /// record of the machine. For a quick look at a large table, query
    /// `statewright_records` yourself (unverified).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
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
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Door::DEFINITION)?;
    /// for id in ["back", "front"] {
    ///     Dynamic::start_with(Door::Closed, journal.recorder(id))?.apply(door::Event::Open)?;
    /// }
    /// journal.with_connection(|c| {
    ///     c.execute_batch("UPDATE statewright_records SET to_state = X'00' WHERE instance = 'back'")
    /// })?;
    /// let all = journal.instances()?;
    /// assert!(all[0].is_err(), "back's row is a blob");
    /// let (id, state, sequence) = all[1].as_ref().map_err(|e| e.to_string())?;
    /// assert_eq!((id.as_str(), state.name(), *sequence), ("front", "Open", 1));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    #[allow(clippy::type_complexity)] // one result per instance, in one result for the query
    pub fn instances(&self) -> Result<Vec<Result<(String, StateInfo, u64), SqlError>>, SqlError> {
        now(self.inner.instances())
    }

    /// The instances currently in the state named `state` (for example every order stuck in
    /// `Paid`), ordered by id; a name that is not a state of the machine is an error.
    ///
    /// Each instance whose newest row names the state is verified as [`state`](Journal::state)
    /// is: one whose history does not lead there (a row changed by hand) is an `Err` item of
    /// its own, never listed as in the state; the others are listed as usual. Cost: one query
    /// for the candidates, then one query and a replay per candidate.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
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
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Door::DEFINITION)?;
    /// Dynamic::start_with(Door::Closed, journal.recorder("front"))?.apply(door::Event::Open)?;
    /// // All or nothing, if any corrupt instance should stop you:
    /// let open: Vec<String> = journal.instances_in("Open")?.into_iter().collect::<Result<_, _>>()?;
    /// assert_eq!(open, ["front"]);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub fn instances_in(&self, state: &str) -> Result<Vec<Result<String, SqlError>>, SqlError> {
        now(self.inner.instances_in(state))
    }

    /// `instance`'s records, in order (empty when it has none), verified: they must form a
    /// legal path of the definition from the initial state, numbered from 1 without gaps, and
    /// a rejection is only legal for an event the state does not allow. What
    /// [`Dynamic::resume`] takes.
    pub fn history(&self, instance: &str) -> Result<Vec<Record>, SqlError> {
        now(self.inner.history(instance))
    }

    /// `instance`'s records with the time it spent in each record's `from` state, verified as
    /// [`history`](Journal::history) says.
    pub fn entries(&self, instance: &str) -> Result<Vec<Entry>, SqlError> {
        now(self.inner.entries(instance))
    }

    /// The window of event ids of `instance`: the newest `max_ids` ids stored with its records
    /// (each with its record and the time it was written), forgetting those `max_age` old, if
    /// given. An [`Idempotent`](statewright_runtime::Idempotent) machine resumed after a restart takes it.
    /// A row that does not read back (an unknown state) is [`SqlError::Corrupt`].
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
    /// use statewright::{state_machine, Delivery, Dynamic, Idempotent, StateMachine, SystemClock, Window};
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
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Door::DEFINITION)?;
    /// let door = Dynamic::start_with(Door::Closed, journal.recorder("front"))?;
    /// let mut door = Idempotent::new(door, Window::new(100), SystemClock::new());
    /// door.apply("m-1", door::Event::Open);
    ///
    /// // After a restart:
    /// let window = journal.window("front", 100, None)?;
    /// let mut door = Idempotent::new(journal.resume("front", |_| Door::Open)?, window, SystemClock::new());
    /// assert!(door.apply("m-1", door::Event::Open).is_duplicate());
    ///
    /// // Beyond the window, the database still knows the id: nothing is applied.
    /// let mut door = Idempotent::new(journal.resume("front", |_| Door::Open)?, Window::new(0), SystemClock::new());
    /// let Delivery::Rejected(rejection) = door.apply("m-1", door::Event::Open) else { panic!() };
    /// assert!(rejection.to_string().contains("already has the event `m-1`"), "{rejection}");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub fn window(
        &self,
        instance: &str,
        max_ids: usize,
        max_age: Option<Duration>,
    ) -> Result<Window, SqlError> {
        now(self.inner.window(instance, max_ids, max_age))
    }

    /// A dynamic machine that continues `instance` (a new one in the initial state when the
    /// journal has no record of it), recording into this journal.
    ///
    /// Records carry no state data, so `state` gives the state's value for the stored state
    /// (for states without data, just the variant; for others, from the application's own
    /// tables, or use snapshots and [`load`](Journal::load)). The history is verified and
    /// must lead to that value's state ([`Dynamic::resume`]). A machine with a shared context
    /// resumes with [`resume_with_context`](Journal::resume_with_context).
    pub fn resume<M: StateMachine<Context = ()>>(
        &self,
        instance: &str,
        state: impl FnOnce(StateInfo) -> M,
    ) -> Result<Dynamic<M, SqlRecorder<B>>, SqlError> {
        self.resume_with_context(instance, (), state)
    }

    /// [`resume`](Journal::resume) for a machine with a shared context, which the
    /// application stores itself (or in a snapshot: see [`load`](Journal::load)).
    pub fn resume_with_context<M: StateMachine>(
        &self,
        instance: &str,
        context: M::Context,
        state: impl FnOnce(StateInfo) -> M,
    ) -> Result<Dynamic<M, SqlRecorder<B>>, SqlError> {
        now(self.inner.resume_with_context(instance, context, state))
    }

    /// Applies `event` to `instance`: loads it ([`resume`](Journal::resume), with `state`
    /// giving the stored state's value), applies the event, and on a [`Conflict`] loads it
    /// again and applies again, at most `attempts` times in all (at least once). An event that
    /// is not allowed in the state it meets is refused and recorded, as `apply` does.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
    /// use statewright::{state_machine, StateMachine};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq)]
    /// enum Ticket {
    ///     #[initial]
    ///     #[on(take -> Taken)]
    ///     Open,
    ///     #[on(close -> Closed)]
    ///     Taken,
    ///     #[terminal]
    ///     Closed,
    /// }
    ///
    /// let ticket = |state: statewright::StateInfo| match state.name() {
    ///     "Open" => Ticket::Open,
    ///     "Taken" => Ticket::Taken,
    ///     _ => Ticket::Closed,
    /// };
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Ticket::DEFINITION)?;
    ///
    /// let applied = journal.apply("t-1", ticket::Event::Take, 5, ticket)?;
    /// assert_eq!((applied.record.to_string().as_str(), applied.conflicts), ("#1 Open --take--> Taken", 0));
    /// // The same event again (a duplicate message) is refused and recorded as rejected.
    /// let duplicate = journal.apply("t-1", ticket::Event::Take, 5, ticket).unwrap_err();
    /// assert!(duplicate.to_string().contains("cannot apply `take` in state `Taken`"));
    /// assert_eq!(journal.history("t-1")?.len(), 2);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's parameters are each needed
    pub fn apply<M: StateMachine<Context = ()>>(
        &self,
        instance: &str,
        event: M::Event,
        attempts: u32,
        state: impl FnMut(StateInfo) -> M,
    ) -> Result<Applied, ApplyError<M::Event, M::HookError>> {
        now(self
            .inner
            .apply::<M, SqlRecorder<B>>(instance, event, attempts, state))
    }

    /// Saves a snapshot of `machine` (state data included) as `instance`, at its sequence
    /// number, for [`load`](Journal::load). The journal must have the instance in the same
    /// state at that number (a machine that lost a race cannot save its stale state).
    ///
    /// Saving is a separate statement from the transition's record: save after the
    /// transition went through. A snapshot that is missing or behind is safe; `load` then
    /// refuses to guess the state's data ([`SqlError::NoSnapshot`]).
    pub fn save_snapshot<M, R>(
        &self,
        machine: &Dynamic<M, R>,
        instance: &str,
    ) -> Result<(), SqlError>
    where
        M: StateMachine<Context: Clone + Serialize> + Clone + Serialize,
    {
        now(self.inner.save_snapshot(machine, instance))
    }

    /// The machine of `instance` from its newest snapshot, continuing its records: `None` when
    /// the journal has no record and no snapshot of it (start a new machine then).
    ///
    /// What is checked: the history is verified ([`history`](Journal::history)); the snapshot
    /// must have been written by this definition (its fingerprint), be of this instance and
    /// be in the state the records have at its sequence number. Records after the snapshot
    /// are supported when they are rejections (the state and its data are unchanged); an
    /// applied transition after it is refused with [`SqlError::NoSnapshot`], since records
    /// carry no state data and the new state's data cannot be justified. A snapshot that does
    /// not read back (tampered JSON, an unknown state) is [`SqlError::Corrupt`].
    ///
    /// ```
    /// # #[cfg(feature = "sqlite")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, SqliteJournal};
    /// use statewright::{state_machine, Dynamic, StateMachine};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    /// enum Order {
    ///     #[initial]
    ///     #[on(pay -> Paid)]
    ///     Pending,
    ///     #[on(ship -> Shipped)]
    ///     Paid { amount_cents: u64 },
    ///     #[terminal]
    ///     Shipped,
    /// }
    ///
    /// let connection = sqlite::rusqlite::Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = SqliteJournal::from_connection(connection, Order::DEFINITION)?;
    /// let mut o = Dynamic::start_with(Order::Pending, journal.recorder("o-1"))?;
    /// o.apply(order::Event::Pay { amount_cents: 990 })?;
    /// journal.save_snapshot(&o, "o-1")?;
    ///
    /// let o = journal.load::<Order>("o-1")?.expect("o-1 is stored");
    /// assert_eq!(o.state(), &Order::Paid { amount_cents: 990 });
    /// assert_eq!(o.sequence(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite"))]
    /// # fn main() {}
    /// ```
    pub fn load<M>(&self, instance: &str) -> Result<Option<Dynamic<M, SqlRecorder<B>>>, SqlError>
    where
        M: StateMachine<Context: Clone + DeserializeOwned> + Clone + DeserializeOwned,
    {
        now(self.inner.load(instance))
    }
}

/// The [`Recorder`] of one instance in a database [`Journal`]: see [`Journal::recorder`].
///
/// Each record is one `INSERT` (its own transaction) before the transition is applied; see
/// the [module docs](self) for what that guarantees.
#[derive(Debug)]
pub struct SqlRecorder<B> {
    journal: Journal<B>,
    tail: Tail,
}

impl<B> SqlRecorder<B> {
    /// The instance this recorder writes.
    pub fn instance(&self) -> &str {
        &self.tail.instance
    }

    /// The journal.
    pub fn journal(&self) -> &Journal<B> {
        &self.journal
    }
}

impl<B: Backend> JournalRecorder<Blocking<B>> for SqlRecorder<B> {
    fn new(inner: &Inner<Blocking<B>>, instance: String, at: Option<(u64, StateId)>) -> Self {
        SqlRecorder {
            journal: Journal {
                inner: inner.clone(),
            },
            tail: Tail::new(instance, at),
        }
    }

    fn apply<M: StateMachine>(
        machine: &mut Dynamic<M, Self>,
        event: M::Event,
    ) -> impl Future<Output = Result<Record, Rejection<M::Event, SqlError, M::HookError>>> {
        core::future::ready(machine.apply(event))
    }
}

impl<B: Backend> Recorder for SqlRecorder<B> {
    type Error = SqlError;

    /// The journal writes the time of the append into each row; the record handed to it does
    /// not read the clock a second time.
    #[inline(always)]
    fn timestamps(&self) -> bool {
        false
    }

    fn record(&mut self, record: &Record) -> Result<(), SqlError> {
        now(self.journal.inner.append(&mut self.tail, record))
    }

    fn instance(&self) -> Option<&str> {
        Some(&self.tail.instance)
    }

    /// Keeps the id for the next record's `event_id` column, from which [`Journal::window`]
    /// rebuilds an [`Idempotent`](statewright_runtime::Idempotent) machine's window.
    fn event_id(&mut self, id: Option<&str>) {
        self.tail.event_id = id.map(ToOwned::to_owned);
    }

    /// The instance's last sequence number and state in the database; `(0, initial)` for an
    /// instance it has no record of; `None` when the database cannot be read (then a restore
    /// cannot check against it: [`Journal::load`] checks on its own).
    fn position(&self) -> Option<(u64, StateId)> {
        now(self.journal.inner.position(&self.tail.instance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_listed_in_index_order() {
        for (i, stmt) in Stmt::ALL.iter().enumerate() {
            assert_eq!(stmt.index(), i);
            assert!(
                !stmt.text().contains('?'),
                "{stmt:?} uses `$n` parameters only"
            );
        }
    }

    #[test]
    fn retry_stops_at_success_other_errors_and_the_limit() {
        let conflict = Conflict {
            machine: "M",
            instance: "i".into(),
            attempted: 2,
            from: "A",
            current: Some(("B", 2)),
        };
        let mut calls = 0;
        let result: Result<(), SqlError> = retry(3, |previous| {
            calls += 1;
            assert_eq!(previous.is_some(), calls > 1);
            Err(SqlError::Conflict(conflict.clone()))
        });
        assert_eq!(calls, 3);
        assert!(result.unwrap_err().conflict().is_some());

        let mut calls = 0;
        let result: Result<u32, SqlError> = retry(5, |_| {
            calls += 1;
            if calls < 2 {
                Err(SqlError::Conflict(conflict.clone()))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result.unwrap(), 2);

        let mut calls = 0;
        let result: Result<(), SqlError> = retry(5, |_| {
            calls += 1;
            Err(SqlError::UnknownState {
                machine: "M",
                name: "X".into(),
            })
        });
        assert_eq!(calls, 1);
        assert!(result.is_err());
        // Zero attempts still runs once.
        let result: Result<u8, SqlError> = retry(0, |_| Ok(7));
        assert_eq!(result.unwrap(), 7);
    }

    #[test]
    fn messages_say_what_to_do() {
        let conflict = Conflict {
            machine: "Order",
            instance: "o-1".into(),
            attempted: 3,
            from: "Paid",
            current: Some(("Shipped", 3)),
        };
        assert_eq!(
            conflict.to_string(),
            "conflict on `Order` instance `o-1`: record #3 leaving `Paid` was not written, the \
             journal has the instance in `Shipped` at #3; load it again and retry"
        );
        let missing = SqlError::SchemaMissing {
            migrate: "statewright::sql::sqlite::migrate",
        };
        assert!(
            missing
                .to_string()
                .contains("run `statewright::sql::sqlite::migrate` once")
        );
        let outdated = SqlError::SchemaOutdated {
            found: 1,
            expected: 2,
            migrate: "m",
        };
        assert!(
            outdated
                .to_string()
                .starts_with("the statewright tables are at schema version 1")
        );
    }
}
