//! Storage: the one module of the service that talks to the database.
//!
//! It runs statewright's async journals ([`AsyncSqliteJournal`], [`AsyncPgJournal`]) and
//! machines that record through them ([`AsyncMachine`]: a `Dynamic` whose `apply` is awaited),
//! and offers the rest of the service `async` methods that return what happened to an order.
//! No executor thread waits for the database: an SQLite journal runs its connection on a
//! thread of its own and awaits each answer, a PostgreSQL journal is a `tokio-postgres`
//! client. Everything above this module is independent of the database client.
//!
//! # Connections and turns
//!
//! The store opens [`Config::connections`](crate::Config) journals, one connection each, and
//! sends all the statements of one order to the same one (by a hash of its id). A journal runs
//! one statement at a time on its connection (its clones and recorders take turns), so the
//! connections are what runs in parallel; while an order waits for its answer, the other
//! orders' tasks go on.
//!
//! Requests for one order in one process take turns: an event holds the order's turn (an
//! async mutex, one of [`TURNS`], chosen by the same hash) from the moment it loads the order
//! until its record is written. So within a process, events of one order never race each
//! other; the conflict retry below is for other processes (or replicas) writing the same
//! order. Reads (`GET`) take no turn: each reads a consistent, verified history.
//!
//! Writers are never locked out of an order: a record claims the order's next sequence number
//! under the primary key, and a writer that lost the race to another process gets a
//! `Conflict`, loads the order again and retries (at most [`ATTEMPTS`] times).
//!
//! # Idempotency keys
//!
//! The key of `POST /orders/{id}/events` is the record's event id
//! ([`Dynamic::apply_with_id`](statewright::Dynamic)), stored in the journal's `event_id`
//! column, which is unique per order. A repeated key is refused by the database
//! (`SqlError::DuplicateEvent`, with the sequence number of the first record), in this process
//! or any other, before or after a restart; the store reads that record back and the service
//! answers from it, so the repeat gets the first answer.
//!
//! # Cancellation
//!
//! Every method loads the order from the journal and builds its machine afresh; no machine
//! outlives a call. So a call's future dropped halfway (an HTTP client that went away, whose
//! handler axum drops) leaves nothing behind in the process: the machine it was applying,
//! poisoned if the append was cut off, is dropped with it, and the order's turn is given back.
//! What it may leave is in the database: an append that was sent is committed or not, as for
//! a lost connection. Either way the stored history replays, and a retry with the same key
//! finds the record (and answers from it) or writes it. The API does not rely on this alone: it
//! runs every write ([`Store::apply`], [`Store::place`]) in a task of its own
//! ([`crate::api`]), so a disconnect never cuts an append off and the first answer is made
//! and stored even if nobody is left to read it.

use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::path::PathBuf;

use statewright::sql::postgres::AsyncPgJournal;
use statewright::sql::postgres::tokio_postgres::{self, NoTls};
use statewright::sql::sqlite::AsyncSqliteJournal;
use statewright::sql::{AsyncBackend, AsyncJournal, AsyncMachine, SqlError};
use statewright::{Awaited, Dynamic, Record, StateMachine, Timestamp};
use tokio::sync::Mutex;

use crate::machine::{Order, order};

/// How many times an event is tried when other writers keep winning the race for the order.
pub const ATTEMPTS: u32 = 16;

/// How many turns (async mutexes) the orders of a process share: an order takes the one of
/// its hash, so two orders wait for each other only when their hashes meet (rarely).
pub const TURNS: usize = 256;

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

/// The journals, one connection each.
enum Journals {
    Sqlite(Vec<AsyncSqliteJournal>),
    Postgres(Vec<AsyncPgJournal>),
}

/// The orders' journals; cheap to share (`Arc` it).
pub struct Store {
    journals: Journals,
    turns: Vec<Mutex<()>>,
    database: Database,
}

/// Runs an async journal function on the journal of `$id`, whichever the backend.
macro_rules! on_journal {
    ($store:expr, $id:expr, |$journal:ident| $body:expr) => {
        match &$store.journals {
            Journals::Sqlite(journals) => {
                let $journal = &journals[index_of($id, journals.len())];
                $body.await
            }
            Journals::Postgres(journals) => {
                let $journal = &journals[index_of($id, journals.len())];
                $body.await
            }
        }
    };
}

/// The index of an order's journal, or turn: the same one for every request of the order.
fn index_of(id: &str, n: usize) -> usize {
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(id);
    (hash % n.max(1) as u64) as usize
}

impl Store {
    /// Opens `connections` journals (at least one) on `database`, after applying
    /// statewright's migrations (each backend's `migrate`: creates the tables, or does nothing
    /// when they are there; safe when several processes start together).
    pub async fn open(database: Database, connections: usize) -> Result<Store, StoreError> {
        let connections = connections.max(1);
        let journals = match &database {
            Database::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    // Once, at start, before serving: a `mkdir` does not need a thread of its own.
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
                }
                // Waits for other connections and processes that migrate at the same time.
                AsyncSqliteJournal::migrate(path)
                    .await
                    .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
                let mut journals = Vec::with_capacity(connections);
                for _ in 0..connections {
                    journals.push(AsyncSqliteJournal::open(path, Order::DEFINITION).await?);
                }
                Journals::Sqlite(journals)
            }
            Database::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(url, NoTls)
                    .await
                    .map_err(|e| StoreError(format!("cannot connect to {database}: {e}")))?;
                let driver = tokio::spawn(connection);
                let migrated = AsyncPgJournal::migrate(&client).await;
                drop(client);
                let _ = driver.await;
                migrated?;
                let mut journals = Vec::with_capacity(connections);
                for _ in 0..connections {
                    journals.push(AsyncPgJournal::connect(url, Order::DEFINITION).await?);
                }
                Journals::Postgres(journals)
            }
        };
        Ok(Store {
            journals,
            turns: (0..TURNS).map(|_| Mutex::new(())).collect(),
            database,
        })
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The turn of the order `id` in this process.
    fn turn(&self, id: &str) -> &Mutex<()> {
        &self.turns[index_of(id, self.turns.len())]
    }

    /// Creates the order `id` and places it (the internal event `place`: `New` to `Pending`);
    /// returns the record.
    ///
    /// Cancel safety: dropped halfway, the order may or may not exist (see the
    /// [module docs](self)); the API runs it in a task of its own.
    pub async fn place(&self, id: &str) -> Result<Record, StoreError> {
        let _turn = self.turn(id).lock().await;
        on_journal!(self, id, |journal| place(journal, id))
    }

    /// Applies `event` to the order `id`, with the idempotency key `key` as the event id.
    ///
    /// Cancel safety: dropped halfway, the event's record may or may not be stored; a retry
    /// with the same key answers from it, or applies the event (see the [module docs](self)).
    /// The API runs it in a task of its own.
    pub async fn apply(
        &self,
        id: &str,
        key: &str,
        event: order::Event,
    ) -> Result<Answer, StoreError> {
        let _turn = self.turn(id).lock().await;
        on_journal!(self, id, |journal| apply(journal, id, key, event))
    }

    /// The order's verified history (its records, checked by a replay against the
    /// definition), or `None` when no order has this id. Cancel safe (a read).
    pub async fn history(&self, id: &str) -> Result<Option<Vec<Record>>, StoreError> {
        on_journal!(self, id, |journal| history(journal, id))
    }

    /// Fires the order's timeout (the internal event `timeout`: `Pending` to `Expired`) if it
    /// is still `Pending`; returns the record, or `None` when it had moved on (or no order
    /// has this id). The timer runs it in a task of its own.
    pub async fn expire(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let _turn = self.turn(id).lock().await;
        on_journal!(self, id, |journal| expire(journal, id))
    }

    /// Every order in `Pending`, with the time it was placed (the wall-clock time of the
    /// record that entered `Pending`). An order whose records do not verify is left out and
    /// reported on standard error. Cancel safe (reads).
    pub async fn pending(&self) -> Result<Vec<(String, Option<Timestamp>)>, StoreError> {
        on_journal!(self, "", |journal| pending(journal))
    }
}

/// The order `id` as stored, as a machine that records into `journal`; `None` when no order
/// has this id (an id that no journal takes, too long or with a control character, names no
/// order either).
async fn load<B: AsyncBackend>(
    journal: &AsyncJournal<B>,
    id: &str,
) -> Result<Option<AsyncMachine<Order, B>>, StoreError> {
    match journal.resume(id, Order::from_state).await {
        Ok(order) if order.sequence() == 0 => Ok(None),
        Ok(order) => Ok(Some(order)),
        Err(SqlError::InvalidId { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

async fn place<B: AsyncBackend>(journal: &AsyncJournal<B>, id: &str) -> Result<Record, StoreError> {
    let mut order = Dynamic::start_with(Order::New, Awaited(journal.recorder(id)))
        .map_err(|e| StoreError(e.to_string()))?;
    order
        .apply_internal(order::Event::Place)
        .await
        .map_err(|rejection| StoreError(rejection.to_string()))
}

/// Load, apply with the key, and on a conflict load again.
async fn apply<B: AsyncBackend>(
    journal: &AsyncJournal<B>,
    id: &str,
    key: &str,
    mut event: order::Event,
) -> Result<Answer, StoreError> {
    let mut conflicts = 0;
    loop {
        let answer = |outcome, conflicts| Ok(Answer { outcome, conflicts });
        let Some(mut order) = load(journal, id).await? else {
            return answer(Outcome::NotFound, conflicts);
        };
        let rejection = match order.apply_with_id(key, event).await {
            Ok(record) => return answer(Outcome::Applied(record), conflicts),
            Err(rejection) => rejection,
        };
        match rejection.cause().recorder_error() {
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
                // Read again: another writer may have stored it after the order was loaded.
                let first = match sequence.and_then(|s| usize::try_from(s).ok()?.checked_sub(1)) {
                    Some(index) => history(journal, id)
                        .await?
                        .and_then(|records| records.get(index).copied()),
                    None => None,
                };
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

/// The order's verified history; `None` when no order has this id (or it is no valid id).
async fn history<B: AsyncBackend>(
    journal: &AsyncJournal<B>,
    id: &str,
) -> Result<Option<Vec<Record>>, StoreError> {
    match journal.history(id).await {
        Ok(records) if records.is_empty() => Ok(None),
        Ok(records) => Ok(Some(records)),
        Err(SqlError::InvalidId { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

async fn expire<B: AsyncBackend>(
    journal: &AsyncJournal<B>,
    id: &str,
) -> Result<Option<Record>, StoreError> {
    for _ in 0..ATTEMPTS {
        let Some(mut order) = load(journal, id).await? else {
            return Ok(None);
        };
        if *order.state() != Order::Pending {
            return Ok(None);
        }
        match order.apply_internal(order::Event::Timeout).await {
            Ok(record) => return Ok(Some(record)),
            Err(rejection) => match rejection.cause().recorder_error() {
                Some(SqlError::Conflict(_)) => continue,
                _ => return Err(StoreError(rejection.to_string())),
            },
        }
    }
    Err(StoreError(format!(
        "order `{id}`: other writers kept winning the race; its timeout fires on the next try"
    )))
}

async fn pending<B: AsyncBackend>(
    journal: &AsyncJournal<B>,
) -> Result<Vec<(String, Option<Timestamp>)>, StoreError> {
    let mut found = Vec::new();
    for id in journal.instances_in("Pending").await? {
        let id = match id {
            Ok(id) => id,
            Err(error) => {
                eprintln!("statewright-service: an order does not verify and is left out: {error}");
                continue;
            }
        };
        match journal.history(&id).await {
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
