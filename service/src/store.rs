//! Storage: the one module of the service that talks to the database.
//!
//! It runs statewright's synchronous SQL journals ([`SqliteJournal`], [`PgJournal`]) on tokio's
//! blocking threads (`spawn_blocking`), one job per journal at a time, and offers the rest of
//! the service `async` methods that return what happened to an order. Everything above this
//! module is independent of the database client: moving to asynchronous journals changes this
//! file only.
//!
//! Each journal is one connection: the store opens [`Config::connections`](crate::Config) of
//! them and sends all the jobs of one order to the same one (by a hash of its id), so that
//! requests for one order in one process take turns, and requests for different orders run in
//! parallel. Writers are never locked out of an order: a record claims the order's next
//! sequence number under the primary key, and a writer that lost the race to another
//! connection, process or replica gets a `Conflict`, loads the order again and retries (at
//! most [`ATTEMPTS`] times).
//!
//! # Idempotency keys
//!
//! The key of `POST /orders/{id}/events` is the record's event id (`Recorder::event_id`), stored
//! in the journal's `event_id` column, which is unique per order. A repeated key is refused by
//! the database (`SqlError::DuplicateEvent`, with the sequence number of the first record), in
//! this process or any other, before or after a restart; the store reads that record back and
//! the service answers from it, so the repeat gets the first answer.

use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::path::PathBuf;
use std::sync::Arc;

use statewright::sql::postgres::postgres::{Client, NoTls};
use statewright::sql::postgres::{self as pg, PgJournal};
use statewright::sql::sqlite::{self, SqliteJournal, rusqlite::Connection};
use statewright::sql::{Backend, Journal, SqlError};
use statewright::{Cause, Dynamic, Record, Recorder, StateMachine, Timestamp};
use tokio::sync::Semaphore;

use crate::machine::{Order, order};

/// How many times an event is tried when other writers keep winning the race for the order.
pub const ATTEMPTS: u32 = 16;

/// Where the records are: an SQLite file, or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite database file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgresql://user@host:port/db` or
    /// `host=... user=...`), without TLS.
    Postgres(String),
}

impl Database {
    /// The database `DATABASE_URL` names: PostgreSQL for a `postgres://` or `postgresql://`
    /// URL or a `key=value` connection string, SQLite for `sqlite:PATH` or any other text (a
    /// path); the [default SQLite file](Database::default_sqlite) when it is unset or empty.
    pub fn from_url(url: Option<&str>) -> Database {
        match url.map(str::trim) {
            None | Some("") => Database::default_sqlite(),
            Some(url)
                if url.starts_with("postgres://")
                    || url.starts_with("postgresql://")
                    || url.contains("host=") =>
            {
                Database::Postgres(url.to_owned())
            }
            Some(url) => Database::Sqlite(PathBuf::from(
                url.strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url),
            )),
        }
    }

    /// `orders.db` in the directory `statewright-service` under the system's temporary
    /// directory: no set-up, and it outlives the process (a restart continues its orders).
    pub fn default_sqlite() -> Database {
        Database::Sqlite(
            std::env::temp_dir()
                .join("statewright-service")
                .join("orders.db"),
        )
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            // Without the password, if the URL has one.
            Database::Postgres(url) => match url.split_once('@') {
                Some((user, rest))
                    if user
                        .find("://")
                        .is_some_and(|i| user[i + 3..].contains(':')) =>
                {
                    let scheme_end = user.find("://").map_or(0, |i| i + 3);
                    let name = user[scheme_end..].split(':').next().unwrap_or("");
                    write!(f, "{}{name}:***@{rest}", &user[..scheme_end])
                }
                _ => f.write_str(url),
            },
        }
    }
}

/// A database error: the order's event was not applied (or it is unknown whether it was:
/// read the order again). The service answers `503`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<SqlError> for StoreError {
    fn from(error: SqlError) -> Self {
        StoreError(error.to_string())
    }
}

/// What became of an event sent to an order.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Applied now: its record.
    Applied(Record),
    /// Not allowed in the order's state: refused, and the refusal recorded; with the
    /// rejection's message.
    Refused {
        /// The record of the refusal.
        record: Record,
        /// What the rejection says (`` `Order` cannot apply `ship` in state `Pending`; ... ``).
        message: String,
    },
    /// The idempotency key was used before: the record stored with it, the first time.
    Repeated(Record),
    /// No order has this id.
    NotFound,
    /// The idempotency key is not a valid event id (empty, too long, a control character).
    InvalidKey(String),
    /// Other writers kept winning the race for the order: nothing was written.
    Busy,
}

/// An event's outcome and how many conflicts with other writers it went through first.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// What happened.
    pub outcome: Outcome,
    /// Conflicts retried (each one: the order was loaded again and the event applied again).
    pub conflicts: u32,
}

/// A journal and the permit to use it: one job at a time per connection, waited for without
/// holding a thread.
struct Slot<B> {
    journal: Journal<B>,
    turn: Arc<Semaphore>,
}

enum Slots {
    Sqlite(Vec<Slot<Connection>>),
    Postgres(Vec<Slot<pg::Postgres>>),
}

/// The orders' journals; cheap to share (`Arc` it).
pub struct Store {
    slots: Slots,
    database: Database,
}

impl Drop for Store {
    /// The synchronous PostgreSQL client blocks on its own runtime when it is dropped, which
    /// panics on a thread of the service's runtime: the journals are dropped on a thread of
    /// their own.
    fn drop(&mut self) {
        let slots = std::mem::replace(&mut self.slots, Slots::Sqlite(Vec::new()));
        if let Slots::Postgres(slots) = slots {
            let _ = std::thread::Builder::new()
                .name("statewright-service-close".to_owned())
                .spawn(move || drop(slots));
        }
    }
}

/// Runs a blocking journal function on the slot of `$id`, whichever the backend.
macro_rules! on_journal {
    ($store:expr, $id:expr, |$journal:ident| $body:expr) => {
        match &$store.slots {
            Slots::Sqlite(slots) => {
                let slot = &slots[slot_of($id, slots.len())];
                let _turn = slot.turn.acquire().await.map_err(closed)?;
                let $journal = slot.journal.clone();
                blocking(move || $body).await
            }
            Slots::Postgres(slots) => {
                let slot = &slots[slot_of($id, slots.len())];
                let _turn = slot.turn.acquire().await.map_err(closed)?;
                let $journal = slot.journal.clone();
                blocking(move || $body).await
            }
        }
    };
}

fn closed(_: tokio::sync::AcquireError) -> StoreError {
    StoreError("the store is closed".to_owned())
}

/// Runs `job` on a blocking thread.
async fn blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| StoreError(format!("a storage task failed: {e}")))?
}

/// The slot of an order: the same one for every request of the order.
fn slot_of(id: &str, slots: usize) -> usize {
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
    (hash % slots.max(1) as u64) as usize
}

impl Store {
    /// Opens `connections` journals (at least one) on `database`, after applying
    /// statewright's migrations (each backend's `migrate`: creates the tables, or does nothing
    /// when they are there; safe when several processes start together).
    pub async fn open(database: Database, connections: usize) -> Result<Store, StoreError> {
        let connections = connections.max(1);
        let db = database.clone();
        let slots = blocking(move || -> Result<Slots, StoreError> {
            Ok(match &db {
                Database::Sqlite(path) => {
                    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            StoreError(format!("cannot create {}: {e}", dir.display()))
                        })?;
                    }
                    let connection = Connection::open(path)
                        .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
                    // Several connections, and several processes, may migrate at once: wait.
                    connection
                        .busy_timeout(sqlite::BUSY_TIMEOUT)
                        .map_err(|e| StoreError(e.to_string()))?;
                    sqlite::migrate(&connection)?;
                    Slots::Sqlite(
                        (0..connections)
                            .map(|_| {
                                Ok(Slot {
                                    journal: SqliteJournal::open(path, Order::DEFINITION)?,
                                    turn: Arc::new(Semaphore::new(1)),
                                })
                            })
                            .collect::<Result<_, SqlError>>()?,
                    )
                }
                Database::Postgres(url) => {
                    let mut client = Client::connect(url, NoTls)
                        .map_err(|e| StoreError(format!("cannot connect to {db}: {e}")))?;
                    pg::migrate(&mut client)?;
                    Slots::Postgres(
                        (0..connections)
                            .map(|_| {
                                Ok(Slot {
                                    journal: PgJournal::connect(url, Order::DEFINITION)?,
                                    turn: Arc::new(Semaphore::new(1)),
                                })
                            })
                            .collect::<Result<_, SqlError>>()?,
                    )
                }
            })
        })
        .await?;
        Ok(Store { slots, database })
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// Creates the order `id` and places it (the internal event `place`: `New` to `Pending`);
    /// returns the record.
    pub async fn place(&self, id: &str) -> Result<Record, StoreError> {
        let instance = id.to_owned();
        on_journal!(self, id, |journal| place(&journal, &instance))
    }

    /// Applies `event` to the order `id`, with the idempotency key `key` as the event id.
    pub async fn apply(
        &self,
        id: &str,
        key: &str,
        event: order::Event,
    ) -> Result<Answer, StoreError> {
        let (instance, key) = (id.to_owned(), key.to_owned());
        on_journal!(self, id, |journal| apply(&journal, &instance, &key, event))
    }

    /// The order's verified history (its records, checked by a replay against the
    /// definition), or `None` when no order has this id.
    pub async fn history(&self, id: &str) -> Result<Option<Vec<Record>>, StoreError> {
        let instance = id.to_owned();
        on_journal!(self, id, |journal| history(&journal, &instance))
    }

    /// Fires the order's timeout (the internal event `timeout`: `Pending` to `Expired`) if it
    /// is still `Pending`; returns the record, or `None` when it had moved on (or no order
    /// has this id).
    pub async fn expire(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let instance = id.to_owned();
        on_journal!(self, id, |journal| expire(&journal, &instance))
    }

    /// Every order in `Pending`, with the time it was placed (the wall-clock time of the
    /// record that entered `Pending`). An order whose records do not verify is left out and
    /// reported on standard error.
    pub async fn pending(&self) -> Result<Vec<(String, Option<Timestamp>)>, StoreError> {
        on_journal!(self, "", |journal| pending(&journal))
    }
}

/// `place`, on a blocking thread.
fn place<B: Backend>(journal: &Journal<B>, id: &str) -> Result<Record, StoreError> {
    let mut order = Dynamic::start_with(Order::New, journal.recorder(id))
        .map_err(|e| StoreError(e.to_string()))?;
    order
        .apply_internal(order::Event::Place)
        .map_err(|rejection| StoreError(rejection.to_string()))
}

/// The error of a rejection whose record was not written, if that was the reason.
fn unrecorded<H>(cause: &Cause<SqlError, H>) -> Option<&SqlError> {
    match cause {
        Cause::Unrecorded(error)
        | Cause::IllegalUnrecorded(error)
        | Cause::DeclinedUnrecorded(error)
        | Cause::VetoedUnrecorded(_, error) => Some(error),
        _ => None,
    }
}

/// `apply`, on a blocking thread: load, apply with the key, and on a conflict load again.
fn apply<B: Backend>(
    journal: &Journal<B>,
    id: &str,
    key: &str,
    mut event: order::Event,
) -> Result<Answer, StoreError> {
    let mut conflicts = 0;
    loop {
        let answer = |outcome, conflicts| Ok(Answer { outcome, conflicts });
        let Some(records) = history(journal, id)? else {
            return answer(Outcome::NotFound, conflicts);
        };
        let state = records
            .last()
            .map_or(Order::DEFINITION.initial(), Record::to);
        let mut order = Dynamic::resume(Order::from_state(state), &records, journal.recorder(id))
            .map_err(|e| StoreError(e.to_string()))?;
        order.recorder_mut().event_id(Some(key));
        let rejection = match order.apply(event) {
            Ok(record) => return answer(Outcome::Applied(record), conflicts),
            Err(rejection) => rejection,
        };
        match unrecorded(rejection.cause()) {
            None if rejection.is_illegal() => {
                let message = rejection.to_string();
                let record = rejection
                    .record()
                    .ok_or_else(|| StoreError("a refusal without its record".to_owned()))?;
                return answer(Outcome::Refused { record, message }, conflicts);
            }
            // `Internal` (the wire refuses internal events before they get here), or a cause
            // this machine cannot have (guards, hooks).
            None => return Err(StoreError(rejection.to_string())),
            Some(SqlError::DuplicateEvent { sequence, .. }) => {
                // Read again: another writer may have stored it after `records` was read.
                let first = sequence.and_then(|sequence| {
                    let index = usize::try_from(sequence).ok()?.checked_sub(1)?;
                    history(journal, id).ok()??.get(index).copied()
                });
                return match first {
                    Some(record) => answer(Outcome::Repeated(record), conflicts),
                    None => Err(StoreError(format!(
                        "the idempotency key `{key}` of order `{id}` is stored, but its record \
                         could not be read"
                    ))),
                };
            }
            Some(error @ SqlError::InvalidId { what, .. }) if *what == "event id" => {
                return answer(Outcome::InvalidKey(error.to_string()), conflicts);
            }
            Some(SqlError::Conflict(_)) => {
                conflicts += 1;
                if conflicts >= ATTEMPTS {
                    return answer(Outcome::Busy, conflicts);
                }
                event = rejection.into_event();
            }
            Some(error) => return Err(StoreError(error.to_string())),
        }
    }
}

/// `history`, on a blocking thread. An id that no journal takes (too long, a control
/// character) names no order.
fn history<B: Backend>(journal: &Journal<B>, id: &str) -> Result<Option<Vec<Record>>, StoreError> {
    match journal.history(id) {
        Ok(records) if records.is_empty() => Ok(None),
        Ok(records) => Ok(Some(records)),
        Err(SqlError::InvalidId { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// `expire`, on a blocking thread.
fn expire<B: Backend>(journal: &Journal<B>, id: &str) -> Result<Option<Record>, StoreError> {
    for _ in 0..ATTEMPTS {
        let Some(history) = history(journal, id)? else {
            return Ok(None);
        };
        let state = history
            .last()
            .map_or(Order::DEFINITION.initial(), Record::to);
        if Order::from_state(state) != Order::Pending {
            return Ok(None);
        }
        let mut order = Dynamic::resume(Order::Pending, &history, journal.recorder(id))
            .map_err(|e| StoreError(e.to_string()))?;
        match order.apply_internal(order::Event::Timeout) {
            Ok(record) => return Ok(Some(record)),
            Err(rejection) => match unrecorded(rejection.cause()) {
                Some(SqlError::Conflict(_)) => continue,
                _ => return Err(StoreError(rejection.to_string())),
            },
        }
    }
    Err(StoreError(format!(
        "order `{id}`: other writers kept winning the race; its timeout fires on the next try"
    )))
}

/// `pending`, on a blocking thread.
fn pending<B: Backend>(
    journal: &Journal<B>,
) -> Result<Vec<(String, Option<Timestamp>)>, StoreError> {
    let mut found = Vec::new();
    for id in journal.instances_in("Pending")? {
        let id = match id {
            Ok(id) => id,
            Err(error) => {
                eprintln!("statewright-service: an order does not verify and is left out: {error}");
                continue;
            }
        };
        match journal.history(&id) {
            Ok(records) => {
                let placed = records
                    .iter()
                    .rev()
                    .find(|record| record.is_applied())
                    .and_then(Record::at);
                found.push((id, placed));
            }
            Err(error) => {
                eprintln!("statewright-service: order `{id}` does not verify: {error}");
            }
        }
    }
    Ok(found)
}
