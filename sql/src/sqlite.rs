//! The journal in SQLite (feature `sqlite`): the embedded default for one process, or a few
//! on one machine sharing a file.
//!
//! SQLite is compiled into the program (`rusqlite` with its `bundled` feature): nothing to
//! install. [`SqliteJournal::open`] puts the file in WAL mode and waits up to
//! [`BUSY_TIMEOUT`] for other connections' writes, so several connections (threads or
//! processes) can append to one file; SQLite runs one write at a time.
//!
//! The tables are created by [`migrate`], which the application runs explicitly (once, when
//! deploying, or at startup if it chooses); [`SqliteJournal::open`] never creates or changes
//! tables and says to run `migrate` when they are missing or older. The SQL is shipped in the
//! crate (`sql/migrations/sqlite/`) and readable as [`MIGRATIONS`].
//!
//! See the [`sql`](super) module for the guarantees and an example.

use std::format;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;
use std::vec::Vec;

pub use rusqlite;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, params_from_iter};

use super::{
    Backend, DatabaseError, Journal, Kind, Migrate, Param, Schema, SqlError, SqlRecorder, Stmt,
    Value,
};
use statewright_runtime::Definition;

/// The migrations of this release, oldest first: version and SQL (the files under
/// `sql/migrations/sqlite/`).
pub const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/sqlite/0001_init.sql"))];

/// How long an append waits for another connection's write to finish before it fails with
/// `SQLITE_BUSY` (set by [`SqliteJournal::open`]; set your own on connections you pass to
/// [`SqliteJournal::from_connection`]).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A journal in an SQLite database; see [`Journal`] for its methods and the [`sql`](super)
/// module for an example.
pub type SqliteJournal = Journal<Connection>;

/// The recorder of one instance in a [`SqliteJournal`].
pub type SqliteRecorder = SqlRecorder<Connection>;

/// Creates the journal's tables in the database, or brings them to this release's schema:
/// applies the [`MIGRATIONS`] it does not have yet, in one transaction, and returns their
/// versions (empty when it was up to date). Run it explicitly; journals never do.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "sqlite")] {
/// use statewright::sql::sqlite::{migrate, rusqlite::Connection};
///
/// let connection = Connection::open_in_memory()?;
/// assert_eq!(migrate(&connection)?, [1]);
/// assert!(migrate(&connection)?.is_empty()); // already up to date
/// # }
/// # Ok(())
/// # }
/// ```
pub fn migrate(connection: &Connection) -> Result<Vec<i64>, SqlError> {
    crate::blocking::now(crate::shared::migrate(&mut crate::blocking::SyncMigrator(
        &mut &*connection,
    )))
}

impl super::sealed::Sealed for Connection {}
impl super::sealed::Sealed for &Connection {}

/// The migration runner borrows the connection (`migrate` takes `&Connection`).
impl Schema for &Connection {
    const MIGRATE: &'static str = "statewright::sql::sqlite::migrate";
    const SCHEMA_EXISTS: &'static str = "SELECT COUNT(*) FROM sqlite_master \
         WHERE type = 'table' AND name = 'statewright_schema_version'";

    fn query_i64(&mut self, sql: &str) -> Result<i64, DatabaseError> {
        Ok(self.query_row(sql, [], |row| row.get(0))?)
    }
}

impl Migrate for &Connection {
    // Takes the write lock at once: a second migrator waits, then finds nothing to do.
    const BEGIN_MIGRATION: &'static str = "BEGIN IMMEDIATE";
    const MIGRATIONS: &'static [(i64, &'static str)] = MIGRATIONS;

    fn batch(&mut self, sql: &str) -> Result<(), DatabaseError> {
        Ok(self.execute_batch(sql)?)
    }
}

impl Schema for Connection {
    const MIGRATE: &'static str = <&Connection as Schema>::MIGRATE;
    const SCHEMA_EXISTS: &'static str = <&Connection as Schema>::SCHEMA_EXISTS;

    fn query_i64(&mut self, sql: &str) -> Result<i64, DatabaseError> {
        (&*self).query_i64(sql)
    }
}

/// A statement's text with SQLite's `?n` parameters.
fn sql(stmt: Stmt) -> &'static str {
    static TEXTS: OnceLock<Vec<std::string::String>> = OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        Stmt::ALL
            .iter()
            .map(|stmt| stmt.text().replace('$', "?"))
            .collect()
    });
    texts.get(stmt.index()).map_or("", |text| text.as_str())
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Text(text) => ValueRef::Text(text.as_bytes()),
            Param::Int(Some(int)) => ValueRef::Integer(int),
            Param::Int(None) | Param::MaybeText(None) => ValueRef::Null,
            Param::MaybeText(Some(text)) => ValueRef::Text(text.as_bytes()),
        }))
    }
}

/// A column's value as the journal reads it.
fn value(kind: Kind, value: ValueRef<'_>) -> Value {
    match (kind, value) {
        (Kind::Text, ValueRef::Text(bytes)) => match std::str::from_utf8(bytes) {
            Ok(text) => Value::Text(text.into()),
            Err(_) => Value::Unreadable(format!("text that is not UTF-8 ({})", hex(bytes))),
        },
        (Kind::Int, ValueRef::Integer(n)) => Value::Int(Some(n)),
        (Kind::Int, ValueRef::Null) => Value::Int(None),
        (_, ValueRef::Blob(bytes)) => Value::Unreadable(format!("the blob {}", hex(bytes))),
        (_, ValueRef::Text(bytes)) => Value::Unreadable(format!(
            "the text {:?}",
            std::string::String::from_utf8_lossy(&bytes[..bytes.len().min(32)])
        )),
        (_, ValueRef::Integer(n)) => Value::Unreadable(format!("the integer {n}")),
        (_, ValueRef::Real(x)) => Value::Unreadable(format!("the number {x}")),
        (_, ValueRef::Null) => Value::Unreadable("NULL".into()),
    }
}

/// Bytes as an SQL blob literal, `x'00ff'`, cut after 32 bytes.
fn hex(bytes: &[u8]) -> std::string::String {
    let mut out = std::string::String::from("x'");
    for b in bytes.iter().take(32) {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('\'');
    if bytes.len() > 32 {
        out.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    out
}

impl Backend for Connection {
    type Conn = Connection;

    fn conn(&mut self) -> &mut Connection {
        self
    }

    fn execute(&mut self, stmt: Stmt, params: &[Param<'_>]) -> Result<u64, DatabaseError> {
        let changed = self
            .prepare_cached(sql(stmt))?
            .execute(params_from_iter(params))?;
        Ok(changed as u64)
    }

    fn query(
        &mut self,
        stmt: Stmt,
        params: &[Param<'_>],
        columns: &[Kind],
    ) -> Result<Vec<Vec<Value>>, DatabaseError> {
        let mut statement = self.prepare_cached(sql(stmt))?;
        // A value of the wrong type (SQLite keeps any type in any column) becomes an
        // `Unreadable` value that fails its row only, not the query.
        let rows = statement.query_map(params_from_iter(params), |row| {
            columns
                .iter()
                .enumerate()
                .map(|(i, kind)| Ok(value(*kind, row.get_ref(i)?)))
                .collect::<rusqlite::Result<Vec<Value>>>()
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// The database file at `path` (created empty if there is none), in WAL mode with a
/// [`BUSY_TIMEOUT`]: how both journals open a path.
fn open_file(path: &Path) -> Result<Connection, DatabaseError> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, std::string::String>(0)
    })?;
    Ok(connection)
}

impl Journal<Connection> {
    /// Opens the journal of `definition` in the SQLite database file at `path` (creating an
    /// empty file if there is none), in WAL mode with a [`BUSY_TIMEOUT`], and checks it: the
    /// schema must be this release's (else [`SqlError::SchemaMissing`] or
    /// [`SqlError::SchemaOutdated`]: run [`migrate`]), and the machine's fingerprint must be
    /// the one recorded for it (else [`SqlError::DefinitionMismatch`]); a machine the
    /// database has not seen is registered.
    pub fn open(
        path: impl AsRef<Path>,
        definition: &'static Definition,
    ) -> Result<SqliteJournal, SqlError> {
        let connection = open_file(path.as_ref()).map_err(SqlError::database("open"))?;
        Journal::from_connection(connection, definition)
    }

    /// [`open`](Journal::open) on a connection you configured (in memory, read-only, with
    /// your own pragmas): checks it the same way, and uses it as it is.
    pub fn from_connection(
        connection: Connection,
        definition: &'static Definition,
    ) -> Result<SqliteJournal, SqlError> {
        Journal::with_backend(connection, definition)
    }

    /// Runs `f` on the journal's connection (for your own queries, or pragmas), while
    /// recorders of this journal wait.
    pub fn with_connection<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut guard = self.lock();
        f(&mut guard)
    }
}

#[cfg(feature = "sqlite-async")]
pub use self::asynchronous::{AsyncSqlite, AsyncSqliteJournal, AsyncSqliteRecorder};

/// The async journal in SQLite: the synchronous backend above, on a thread of its own.
#[cfg(feature = "sqlite-async")]
mod asynchronous {
    use core::future::Future;
    use std::boxed::Box;
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::path::{Path, PathBuf};
    use std::string::String;
    use std::sync::mpsc;
    use std::vec::Vec;

    use rusqlite::Connection;
    use statewright_runtime::Definition;
    use tokio::sync::oneshot;

    use super::open_file;
    use crate::{
        AsyncBackend, AsyncJournal, AsyncSqlRecorder, Backend, DatabaseError, Kind, Param, Schema,
        SqlError, Stmt, Value,
    };

    /// A journal in an SQLite database for async code; see [`AsyncJournal`] for its methods.
    ///
    /// Its connection lives on a thread of its own (one per journal, shared by its clones and
    /// recorders, ended when the last of them is dropped): each statement is sent there and
    /// its answer awaited, so no executor thread ever waits for SQLite (for the disk, or for
    /// another connection's write lock, up to [`BUSY_TIMEOUT`](super::BUSY_TIMEOUT)). Any async runtime will do,
    /// current-thread or multi-thread. It is the synchronous journal's connection and SQL,
    /// run by the same code ([`SqliteJournal`](super::SqliteJournal)).
    pub type AsyncSqliteJournal = AsyncJournal<AsyncSqlite>;

    /// The recorder of one instance in an [`AsyncSqliteJournal`].
    pub type AsyncSqliteRecorder = AsyncSqlRecorder<AsyncSqlite>;

    /// What runs on the journal's thread.
    type Job = Box<dyn FnOnce(&mut Connection) + Send>;

    /// An SQLite connection on a thread of its own, as an [`AsyncSqliteJournal`] holds it.
    /// Clones send to the same thread.
    #[derive(Clone)]
    pub struct AsyncSqlite {
        jobs: mpsc::Sender<Job>,
    }

    impl core::fmt::Debug for AsyncSqlite {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("AsyncSqlite").finish_non_exhaustive()
        }
    }

    /// The error when the journal's thread is gone (it could not start).
    fn stopped() -> DatabaseError {
        "the SQLite journal's thread has stopped".into()
    }

    impl AsyncSqlite {
        /// Starts the thread, which opens the connection with `open` and then runs the jobs
        /// sent to it, in order, until every sender is dropped.
        async fn start(
            open: impl FnOnce() -> Result<Connection, DatabaseError> + Send + 'static,
        ) -> Result<Self, DatabaseError> {
            let (jobs, receiver) = mpsc::channel::<Job>();
            let (opened, is_open) = oneshot::channel();
            std::thread::Builder::new()
                .name(String::from("statewright-sqlite"))
                .spawn(move || {
                    let mut connection = match open() {
                        Ok(connection) => {
                            let _ = opened.send(Ok(()));
                            connection
                        }
                        Err(error) => {
                            let _ = opened.send(Err(error));
                            return;
                        }
                    };
                    for job in receiver {
                        job(&mut connection);
                    }
                })?;
            is_open.await.map_err(|_| stopped())??;
            Ok(AsyncSqlite { jobs })
        }

        /// Runs `job` on the connection, on the journal's thread, and awaits its result. A
        /// panic in `job` is caught there (the thread goes on) and resumed here.
        ///
        /// Cancel safety: the job is sent at the first poll; once sent it runs to its end even
        /// when this future is dropped (its result is then dropped).
        async fn call<T: Send + 'static>(
            &self,
            job: impl FnOnce(&mut Connection) -> T + Send + 'static,
        ) -> Result<T, DatabaseError> {
            let (answer, answered) = oneshot::channel();
            self.jobs
                .send(Box::new(move |connection: &mut Connection| {
                    let _ = answer.send(catch_unwind(AssertUnwindSafe(|| job(connection))));
                }))
                .map_err(|_| stopped())?;
            match answered.await {
                Ok(Ok(result)) => Ok(result),
                Ok(Err(panic)) => resume_unwind(panic),
                Err(_) => Err(stopped()),
            }
        }
    }

    /// A statement's parameter, owned, to be sent to the journal's thread.
    enum Owned {
        Text(String),
        Int(Option<i64>),
        MaybeText(Option<String>),
    }

    fn own(params: &[Param<'_>]) -> Vec<Owned> {
        params
            .iter()
            .map(|param| match *param {
                Param::Text(text) => Owned::Text(text.into()),
                Param::Int(int) => Owned::Int(int),
                Param::MaybeText(text) => Owned::MaybeText(text.map(String::from)),
            })
            .collect()
    }

    fn borrow(params: &[Owned]) -> Vec<Param<'_>> {
        params
            .iter()
            .map(|param| match param {
                Owned::Text(text) => Param::Text(text),
                Owned::Int(int) => Param::Int(*int),
                Owned::MaybeText(text) => Param::MaybeText(text.as_deref()),
            })
            .collect()
    }

    impl crate::sealed::Sealed for AsyncSqlite {}

    impl AsyncBackend for AsyncSqlite {
        const MIGRATE: &'static str = <Connection as Schema>::MIGRATE;
        const SCHEMA_EXISTS: &'static str = <Connection as Schema>::SCHEMA_EXISTS;

        fn query_i64(&self, sql: &str) -> impl Future<Output = Result<i64, DatabaseError>> + Send {
            let sql = String::from(sql);
            async move { self.call(move |c| c.query_i64(&sql)).await? }
        }

        fn execute(
            &self,
            stmt: Stmt,
            params: &[Param<'_>],
        ) -> impl Future<Output = Result<u64, DatabaseError>> + Send {
            let params = own(params);
            async move {
                self.call(move |c| Backend::execute(c, stmt, &borrow(&params)))
                    .await?
            }
        }

        fn query(
            &self,
            stmt: Stmt,
            params: &[Param<'_>],
            columns: &[Kind],
        ) -> impl Future<Output = Result<Vec<Vec<Value>>, DatabaseError>> + Send {
            let (params, columns) = (own(params), columns.to_vec());
            async move {
                self.call(move |c| Backend::query(c, stmt, &borrow(&params), &columns))
                    .await?
            }
        }
    }

    impl AsyncJournal<AsyncSqlite> {
        /// Opens the journal of `definition` in the SQLite database file at `path`, as
        /// [`SqliteJournal::open`](super::SqliteJournal) does (creating an empty file if there
        /// is none, WAL mode, a [`BUSY_TIMEOUT`](super::BUSY_TIMEOUT)) and with the same checks: the schema must be
        /// this release's (else [`SqlError::SchemaMissing`] or [`SqlError::SchemaOutdated`]:
        /// run [`migrate`](Self::migrate)), and the machine's fingerprint must be the one
        /// recorded for it (else [`SqlError::DefinitionMismatch`]). The file is opened on the
        /// journal's own thread.
        ///
        /// ```
        /// # #[cfg(feature = "sqlite-async")]
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// use statewright::sql::sqlite::AsyncSqliteJournal;
        /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
        /// let dir = std::env::temp_dir().join(format!("statewright-async-doc-{}", std::process::id()));
        /// std::fs::create_dir_all(&dir)?;
        /// let path = dir.join("doors.db");
        /// # let _ = std::fs::remove_file(&path);
        /// AsyncSqliteJournal::migrate(&path).await?; // once, when deploying
        ///
        /// let journal = AsyncSqliteJournal::open(&path, Door::DEFINITION).await?;
        /// let mut front = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("front")))?;
        /// front.apply(door::Event::Open).await?;
        /// let (state, sequence) = journal.state("front").await?.expect("front is stored");
        /// assert_eq!((state.name(), sequence), ("Open", 1));
        /// # std::fs::remove_dir_all(&dir)?;
        /// # Ok(())
        /// # }
        /// # #[cfg(not(feature = "sqlite-async"))]
        /// # fn main() {}
        /// ```
        pub async fn open(
            path: impl AsRef<Path>,
            definition: &'static Definition,
        ) -> Result<AsyncSqliteJournal, SqlError> {
            let path: PathBuf = path.as_ref().into();
            let backend = AsyncSqlite::start(move || open_file(&path))
                .await
                .map_err(SqlError::database("open"))?;
            AsyncJournal::with_backend(backend, definition).await
        }

        /// [`open`](Self::open) on a connection you configured (in memory, read-only, with
        /// your own pragmas): checks it the same way, and moves it to the journal's thread.
        pub async fn from_connection(
            connection: Connection,
            definition: &'static Definition,
        ) -> Result<AsyncSqliteJournal, SqlError> {
            let backend = AsyncSqlite::start(move || Ok(connection))
                .await
                .map_err(SqlError::database("open"))?;
            AsyncJournal::with_backend(backend, definition).await
        }

        /// [`migrate`](super::migrate) on the database file at `path`, on a thread of its own:
        /// creates the journal's tables or brings them to this release's schema, and returns
        /// the versions it applied (empty when it was up to date). Run it explicitly; journals
        /// never do.
        pub async fn migrate(path: impl AsRef<Path>) -> Result<Vec<i64>, SqlError> {
            let path: PathBuf = path.as_ref().into();
            let thread = AsyncSqlite::start(move || open_file(&path))
                .await
                .map_err(SqlError::database("migrate"))?;
            thread
                .call(|connection| super::migrate(connection))
                .await
                .map_err(SqlError::database("migrate"))?
        }

        /// Runs `f` on the journal's connection, on the journal's thread (for your own
        /// queries, or pragmas), while recorders of this journal wait; a panic in `f` is
        /// resumed here.
        ///
        /// ```
        /// # #[cfg(feature = "sqlite-async")]
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
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
        /// let connection = Connection::open_in_memory()?;
        /// sqlite::migrate(&connection)?;
        /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
        /// let machines: i64 = journal
        ///     .with_connection(|c| {
        ///         c.query_row("SELECT COUNT(*) FROM statewright_machines", [], |row| row.get(0))
        ///     })
        ///     .await?;
        /// assert_eq!(machines, 1);
        /// # Ok(())
        /// # }
        /// # #[cfg(not(feature = "sqlite-async"))]
        /// # fn main() {}
        /// ```
        ///
        /// # Panics
        ///
        /// When the journal's thread has stopped, which it does only if it could not start.
        pub async fn with_connection<T: Send + 'static>(
            &self,
            f: impl FnOnce(&mut Connection) -> T + Send + 'static,
        ) -> T {
            match self.backend().call(f).await {
                Ok(result) => result,
                Err(error) => panic!("{error}"),
            }
        }
    }
}
