//! The journal in PostgreSQL (feature `postgres`): for many replicas of a service, on many
//! machines, sharing one table of records.
//!
//! Replicas race on the same instances without locking them: each append claims the next
//! sequence number of its instance under the primary key, so when two replicas apply an event
//! to the same instance at the same time, exactly one record is written and the other replica
//! gets a [`Conflict`](super::Conflict) carrying the instance's current state. It loads the
//! instance again and decides again: [`Journal::apply`] and [`retry`](super::retry) do that.
//! See the [`sql`](super) module for the guarantees.
//!
//! # The client: `postgres`, synchronous
//!
//! The journal uses the [`postgres`](https://docs.rs/postgres) crate, the synchronous client
//! of the rust-postgres project, because a [`Recorder`](statewright_runtime::Recorder) is synchronous: its
//! `record` runs inside `apply`, between deciding a transition and applying it, and must
//! return before the new state can be observed. A synchronous client fits that without making
//! every user run an async runtime. (It runs a small tokio runtime of its own inside; for the
//! same reason, do not call the journal on a thread of an async runtime: use
//! `spawn_blocking`, or a thread of your own.)
//!
//! [`PgJournal::connect`] uses unencrypted connections (`NoTls`), which suits a database on
//! the same machine or a private network. For TLS, connect a `postgres::Client` with a TLS
//! connector yourself and pass it to [`PgJournal::from_client`].
//!
//! # Schema
//!
//! [`migrate`] creates the tables (the SQL is shipped in the crate under
//! `sql/migrations/postgres/`, and readable as [`MIGRATIONS`]), under an advisory lock so that
//! replicas starting together do not migrate twice. Run it explicitly; journals never create
//! or change tables when they connect. The tables go in the connection's `search_path`
//! (`options=-c search_path=...` in the connection string chooses a schema).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # #[cfg(feature = "postgres")] {
//! use statewright::sql::postgres::{self, PgJournal};
//! use statewright::{state_machine, StateMachine};
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
//! let url = "host=127.0.0.1 port=54329 user=postgres dbname=postgres";
//! postgres::migrate(&mut postgres::postgres::Client::connect(url, postgres::postgres::NoTls)?)?;
//!
//! let journal = PgJournal::connect(url, Door::DEFINITION)?;
//! // Loads "front", applies `open`, and on a conflict with another replica loads it again
//! // and applies again (at most 5 times); the closure gives the value of a stored state.
//! let applied = journal.apply("front", door::Event::Open, 5, |s| match s.name() {
//!     "Open" => Door::Open,
//!     _ => Door::Closed,
//! })?;
//! println!("{} after {} conflicts", applied.record, applied.conflicts);
//! # }
//! # Ok(())
//! # }
//! ```

use std::string::{String, ToString};
use std::vec::Vec;

#[cfg(feature = "postgres")]
pub use postgres;
#[cfg(feature = "postgres")]
use postgres::{Client, Config, NoTls, Statement};
#[cfg(feature = "postgres-async")]
pub use tokio_postgres;

// The types both clients share (`postgres` re-exports those of `tokio-postgres`), for the
// helpers both journals use.
#[cfg(feature = "postgres")]
use postgres as pg;
#[cfg(not(feature = "postgres"))]
use tokio_postgres as pg;

#[cfg(feature = "postgres")]
use crate::{Backend, DatabaseError, Journal, Migrate, Schema, SqlError, SqlRecorder, Stmt};
use crate::{Kind, Param, Value};
#[cfg(feature = "postgres")]
use statewright_runtime::Definition;

/// The migrations of this release, oldest first: version and SQL (the files under
/// `sql/migrations/postgres/`).
pub const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/postgres/0001_init.sql"))];

/// A query that returns 1 when `statewright_schema_version` exists, else 0.
const SCHEMA_EXISTS: &str = "SELECT CAST(CASE WHEN to_regclass('statewright_schema_version') \
     IS NULL THEN 0 ELSE 1 END AS BIGINT)";

/// What starts a migration: one migrator at a time across replicas; the lock ends with the
/// transaction.
const BEGIN_MIGRATION: &str = "BEGIN; SELECT pg_advisory_xact_lock(8239047147285614101)";

/// A journal in PostgreSQL; see [`Journal`] for its methods.
#[cfg(feature = "postgres")]
pub type PgJournal = Journal<Postgres>;

/// The recorder of one instance in a [`PgJournal`].
#[cfg(feature = "postgres")]
pub type PgRecorder = SqlRecorder<Postgres>;

#[cfg(feature = "postgres")]
/// Creates the journal's tables in the database (in the connection's `search_path`), or
/// brings them to this release's schema: applies the [`MIGRATIONS`] it does not have yet, in
/// one transaction under an advisory lock, and returns their versions (empty when it was up to
/// date). Run it explicitly; journals never do.
pub fn migrate(client: &mut Client) -> Result<Vec<i64>, SqlError> {
    crate::blocking::now(crate::shared::migrate(&mut crate::blocking::SyncMigrator(
        client,
    )))
}

#[cfg(feature = "postgres")]
impl super::sealed::Sealed for Client {}
#[cfg(feature = "postgres")]
impl super::sealed::Sealed for Postgres {}

#[cfg(feature = "postgres")]
impl Schema for Client {
    const MIGRATE: &'static str = "statewright::sql::postgres::migrate";
    const SCHEMA_EXISTS: &'static str = SCHEMA_EXISTS;

    fn query_i64(&mut self, sql: &str) -> Result<i64, DatabaseError> {
        Ok(self.query_one(sql, &[])?.try_get(0)?)
    }
}

#[cfg(feature = "postgres")]
impl Migrate for Client {
    const BEGIN_MIGRATION: &'static str = BEGIN_MIGRATION;
    const MIGRATIONS: &'static [(i64, &'static str)] = MIGRATIONS;

    fn batch(&mut self, sql: &str) -> Result<(), DatabaseError> {
        Ok(self.batch_execute(sql)?)
    }
}

#[cfg(feature = "postgres")]
/// A PostgreSQL connection as a journal holds it: the client, what it connected with (to
/// connect again after the connection was lost) and its prepared statements.
pub struct Postgres {
    client: Client,
    config: Option<Config>,
    statements: Vec<Option<Statement>>,
    /// An error said the connection is gone (see [`Postgres::note_lost`]).
    lost: bool,
}

#[cfg(feature = "postgres")]
impl Postgres {
    fn new(client: Client, config: Option<Config>) -> Self {
        Postgres {
            client,
            config,
            statements: Stmt::ALL.iter().map(|_| None).collect(),
            lost: false,
        }
    }

    /// Whether `error` says the connection is gone: closed, broken at the socket, or ended by
    /// the server (SQLSTATE class 08, connection exception, or 57P01-57P03, a shutdown). The
    /// client may not report itself closed yet when the error is the first sign of it; the next
    /// statement connects again.
    fn note_lost(&mut self, error: &postgres::Error) {
        self.lost |= self.client.is_closed() || says_lost(error);
    }

    /// The statement, prepared on this connection the first time it is used. Connects again
    /// first if the connection was lost (nothing is in flight then).
    fn statement(&mut self, stmt: Stmt) -> Result<Statement, DatabaseError> {
        if self.lost || self.client.is_closed() {
            if let Some(config) = &self.config {
                self.client = config.connect(NoTls)?;
                self.statements.iter_mut().for_each(|slot| *slot = None);
                self.lost = false;
            }
        }
        if let Some(Some(prepared)) = self.statements.get(stmt.index()) {
            return Ok(prepared.clone());
        }
        let prepared = self.client.prepare(stmt.text()).inspect_err(|e| {
            self.note_lost(e);
        })?;
        if let Some(slot) = self.statements.get_mut(stmt.index()) {
            *slot = Some(prepared.clone());
        }
        Ok(prepared)
    }
}

/// Whether `error` says the connection is gone: closed, broken at the socket, or ended by the
/// server (SQLSTATE class 08, connection exception, or 57P01-57P03, a shutdown).
fn says_lost(error: &pg::Error) -> bool {
    let io = std::error::Error::source(error).is_some_and(|e| e.is::<std::io::Error>());
    let ended = error.code().is_some_and(|code| {
        let code = code.code();
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
    });
    error.is_closed() || io || ended
}

/// The parameters as the client takes them.
fn params<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn pg::types::ToSql + Sync)> {
    params
        .iter()
        .map(|param| match param {
            Param::Text(text) => text as &(dyn pg::types::ToSql + Sync),
            Param::Int(int) => int as &(dyn pg::types::ToSql + Sync),
            Param::MaybeText(text) => text as &(dyn pg::types::ToSql + Sync),
        })
        .collect()
}

/// The rows as the journal reads them: `columns` of each; a value that does not read fails its
/// row only, not the query.
fn rows_read(rows: Vec<pg::Row>, columns: &[Kind]) -> Vec<Vec<Value>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(columns.len());
        for (i, kind) in columns.iter().enumerate() {
            values.push(match kind {
                Kind::Text => row
                    .try_get::<_, String>(i)
                    .map_or_else(|e| Value::Unreadable(e.to_string()), Value::Text),
                Kind::Int => row
                    .try_get::<_, Option<i64>>(i)
                    .map_or_else(|e| Value::Unreadable(e.to_string()), Value::Int),
            });
        }
        out.push(values);
    }
    out
}

#[cfg(feature = "postgres")]
impl Backend for Postgres {
    type Conn = Client;

    fn conn(&mut self) -> &mut Client {
        &mut self.client
    }

    fn execute(&mut self, stmt: Stmt, values: &[Param<'_>]) -> Result<u64, DatabaseError> {
        let statement = self.statement(stmt)?;
        match self.client.execute(&statement, &params(values)) {
            Ok(written) => Ok(written),
            Err(error) => {
                self.note_lost(&error);
                Err(error.into())
            }
        }
    }

    /// Reads are idempotent: when the connection turns out to be lost, the read connects
    /// again and runs once more. (Appends never run twice on their own: whether a lost one
    /// committed is for the caller to find out by reading.)
    fn query(
        &mut self,
        stmt: Stmt,
        values: &[Param<'_>],
        columns: &[Kind],
    ) -> Result<Vec<Vec<Value>>, DatabaseError> {
        let run = |this: &mut Self| -> Result<Vec<postgres::Row>, DatabaseError> {
            let statement = this.statement(stmt)?;
            this.client
                .query(&statement, &params(values))
                .map_err(|error| {
                    this.note_lost(&error);
                    error.into()
                })
        };
        let rows = match run(self) {
            // Lost before or during the read: connect again and read once more.
            Err(_) if self.lost && self.config.is_some() => run(self)?,
            result => result?,
        };
        Ok(rows_read(rows, columns))
    }
}

#[cfg(feature = "postgres")]
impl Journal<Postgres> {
    /// Connects to PostgreSQL with `params` (`"host=127.0.0.1 port=5432 user=app dbname=app"`
    /// or a `postgresql://` URL; no TLS) and opens the journal of `definition`: the schema must
    /// be this release's (else [`SqlError::SchemaMissing`] or [`SqlError::SchemaOutdated`]:
    /// run [`migrate`]), and the machine's fingerprint must be the one recorded for it (else
    /// [`SqlError::DefinitionMismatch`]); a machine the database has not seen is registered.
    ///
    /// When the connection is lost, the append that notices fails (the transition does not
    /// happen) and the next one connects again with the same parameters.
    pub fn connect(params: &str, definition: &'static Definition) -> Result<PgJournal, SqlError> {
        let connect = SqlError::database("connect");
        let config: Config = params
            .parse()
            .map_err(|e: postgres::Error| connect(e.into()))?;
        let client = config
            .connect(NoTls)
            .map_err(|e| SqlError::database("connect")(e.into()))?;
        Journal::with_backend(Postgres::new(client, Some(config)), definition)
    }

    /// [`connect`](Journal::connect) on a client you connected (with TLS, for example). The
    /// journal cannot connect again on its own when this client's connection is lost: open a
    /// new journal then.
    pub fn from_client(
        client: Client,
        definition: &'static Definition,
    ) -> Result<PgJournal, SqlError> {
        Journal::with_backend(Postgres::new(client, None), definition)
    }

    /// Runs `f` on the journal's client (for your own queries), while recorders of this
    /// journal wait.
    pub fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> T) -> T {
        let mut guard = self.lock();
        f(&mut guard.client)
    }
}

#[cfg(feature = "postgres-async")]
pub use self::asynchronous::{AsyncPgJournal, AsyncPgRecorder, AsyncPostgres};

/// The async journal in PostgreSQL, through `tokio-postgres`.
#[cfg(feature = "postgres-async")]
mod asynchronous {
    use std::sync::Arc;
    use std::vec::Vec;

    use statewright_runtime::Definition;
    use tokio_postgres::{Client, Config, NoTls, Row, Statement};

    use super::{BEGIN_MIGRATION, MIGRATIONS, SCHEMA_EXISTS, params, rows_read, says_lost};
    use crate::shared::Migrator;
    use crate::{
        AsyncBackend, AsyncJournal, AsyncSqlRecorder, DatabaseError, Kind, Param, SqlError, Stmt,
        Value,
    };

    /// A journal in PostgreSQL for async code, through `tokio-postgres`; see
    /// [`AsyncJournal`] for its methods. Needs a tokio runtime (current-thread or
    /// multi-thread): the connection's I/O runs in a task of its own.
    ///
    /// ```no_run
    /// # #[cfg(feature = "postgres-async")]
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::postgres::{tokio_postgres, AsyncPgJournal};
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
    /// let url = "host=127.0.0.1 port=54329 user=postgres dbname=postgres";
    /// let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    /// tokio::spawn(connection);
    /// AsyncPgJournal::migrate(&client).await?; // once, when deploying
    ///
    /// let journal = AsyncPgJournal::connect(url, Door::DEFINITION).await?;
    /// let applied = journal
    ///     .apply("front", door::Event::Open, 5, |s| match s.name() {
    ///         "Open" => Door::Open,
    ///         _ => Door::Closed,
    ///     })
    ///     .await?;
    /// println!("{} after {} conflicts", applied.record, applied.conflicts);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "postgres-async"))]
    /// # fn main() {}
    /// ```
    pub type AsyncPgJournal = AsyncJournal<AsyncPostgres>;

    /// The recorder of one instance in an [`AsyncPgJournal`].
    pub type AsyncPgRecorder = AsyncSqlRecorder<AsyncPostgres>;

    /// A `tokio-postgres` connection as an [`AsyncPgJournal`] holds it: the client, what it
    /// connected with (to connect again after the connection was lost) and its prepared
    /// statements. Clones share them and take turns.
    #[derive(Clone)]
    pub struct AsyncPostgres {
        shared: Arc<Shared>,
    }

    struct Shared {
        config: Option<Config>,
        connection: tokio::sync::Mutex<Connection>,
    }

    struct Connection {
        client: Client,
        statements: Vec<Option<Statement>>,
        /// An error said the connection is gone.
        lost: bool,
    }

    impl core::fmt::Debug for AsyncPostgres {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.debug_struct("AsyncPostgres").finish_non_exhaustive()
        }
    }

    /// Connects, and spawns the task that drives the connection (it ends when the client is
    /// dropped or the connection is lost).
    async fn connect(config: &Config) -> Result<Client, tokio_postgres::Error> {
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    impl AsyncPostgres {
        fn new(client: Client, config: Option<Config>) -> Self {
            AsyncPostgres {
                shared: Arc::new(Shared {
                    config,
                    connection: tokio::sync::Mutex::new(Connection {
                        client,
                        statements: Stmt::ALL.iter().map(|_| None).collect(),
                        lost: false,
                    }),
                }),
            }
        }
    }

    impl Connection {
        fn note_lost(&mut self, error: &tokio_postgres::Error) {
            self.lost |= self.client.is_closed() || says_lost(error);
        }

        /// The statement, prepared on this connection the first time it is used. Connects
        /// again first if the connection was lost.
        async fn statement(
            &mut self,
            config: Option<&Config>,
            stmt: Stmt,
        ) -> Result<Statement, DatabaseError> {
            if self.lost || self.client.is_closed() {
                if let Some(config) = config {
                    self.client = connect(config).await?;
                    self.statements.iter_mut().for_each(|slot| *slot = None);
                    self.lost = false;
                }
            }
            if let Some(Some(prepared)) = self.statements.get(stmt.index()) {
                return Ok(prepared.clone());
            }
            let prepared = match self.client.prepare(stmt.text()).await {
                Ok(prepared) => prepared,
                Err(error) => {
                    self.note_lost(&error);
                    return Err(error.into());
                }
            };
            if let Some(slot) = self.statements.get_mut(stmt.index()) {
                *slot = Some(prepared.clone());
            }
            Ok(prepared)
        }

        async fn read(
            &mut self,
            config: Option<&Config>,
            stmt: Stmt,
            values: &[Param<'_>],
        ) -> Result<Vec<Row>, DatabaseError> {
            let statement = self.statement(config, stmt).await?;
            match self.client.query(&statement, &params(values)).await {
                Ok(rows) => Ok(rows),
                Err(error) => {
                    self.note_lost(&error);
                    Err(error.into())
                }
            }
        }
    }

    impl crate::sealed::Sealed for AsyncPostgres {}

    impl AsyncBackend for AsyncPostgres {
        const MIGRATE: &'static str = "statewright::sql::postgres::AsyncPgJournal::migrate";
        const SCHEMA_EXISTS: &'static str = SCHEMA_EXISTS;

        async fn query_i64(&self, sql: &str) -> Result<i64, DatabaseError> {
            {
                let mut connection = self.shared.connection.lock().await;
                match connection.client.query_one(sql, &[]).await {
                    Ok(row) => Ok(row.try_get(0)?),
                    Err(error) => {
                        connection.note_lost(&error);
                        Err(error.into())
                    }
                }
            }
        }

        async fn execute(&self, stmt: Stmt, values: &[Param<'_>]) -> Result<u64, DatabaseError> {
            {
                let mut connection = self.shared.connection.lock().await;
                let statement = connection
                    .statement(self.shared.config.as_ref(), stmt)
                    .await?;
                match connection.client.execute(&statement, &params(values)).await {
                    Ok(written) => Ok(written),
                    Err(error) => {
                        connection.note_lost(&error);
                        Err(error.into())
                    }
                }
            }
        }

        /// Reads are idempotent: when the connection turns out to be lost, the read connects
        /// again and runs once more (appends never run twice on their own).
        async fn query(
            &self,
            stmt: Stmt,
            values: &[Param<'_>],
            columns: &[Kind],
        ) -> Result<Vec<Vec<Value>>, DatabaseError> {
            {
                let config = self.shared.config.as_ref();
                let mut connection = self.shared.connection.lock().await;
                let rows = match connection.read(config, stmt, values).await {
                    // Lost before or during the read: connect again and read once more.
                    Err(_) if connection.lost && config.is_some() => {
                        connection.read(config, stmt, values).await?
                    }
                    result => result?,
                };
                Ok(rows_read(rows, columns))
            }
        }
    }

    /// The migrations on a client of the caller's.
    struct PgMigrator<'a>(&'a Client);

    impl Migrator for PgMigrator<'_> {
        const BEGIN_MIGRATION: &'static str = BEGIN_MIGRATION;
        const MIGRATIONS: &'static [(i64, &'static str)] = MIGRATIONS;

        async fn batch(&mut self, sql: &str) -> Result<(), DatabaseError> {
            Ok(self.0.batch_execute(sql).await?)
        }

        async fn query_i64(&mut self, sql: &str) -> Result<i64, DatabaseError> {
            Ok(self.0.query_one(sql, &[]).await?.try_get(0)?)
        }
    }

    impl AsyncJournal<AsyncPostgres> {
        /// Connects to PostgreSQL with `params` (`"host=127.0.0.1 port=5432 user=app
        /// dbname=app"` or a `postgresql://` URL; no TLS) and opens the journal of
        /// `definition`, with the checks of [`PgJournal::connect`](super::PgJournal): the
        /// schema must be this release's (else run [`migrate`](Self::migrate)), and the
        /// machine's fingerprint must be the one recorded for it. When the connection is lost,
        /// the append that notices fails and the next statement connects again.
        ///
        /// # Panics
        ///
        /// Outside a tokio runtime (the connection runs in a task of its own).
        pub async fn connect(
            params: &str,
            definition: &'static Definition,
        ) -> Result<AsyncPgJournal, SqlError> {
            let config: Config = params
                .parse()
                .map_err(|e: tokio_postgres::Error| SqlError::database("connect")(e.into()))?;
            let client = connect(&config)
                .await
                .map_err(|e| SqlError::database("connect")(e.into()))?;
            AsyncJournal::with_backend(AsyncPostgres::new(client, Some(config)), definition).await
        }

        /// [`connect`](Self::connect) on a client you connected (with TLS, for example, and
        /// its connection spawned). The journal cannot connect again on its own when this
        /// client's connection is lost: open a new journal then.
        pub async fn from_client(
            client: Client,
            definition: &'static Definition,
        ) -> Result<AsyncPgJournal, SqlError> {
            AsyncJournal::with_backend(AsyncPostgres::new(client, None), definition).await
        }

        /// Creates the journal's tables in the database (in the client's `search_path`) or
        /// brings them to this release's schema, as [`migrate`](super::migrate) does (one
        /// transaction under an advisory lock), on a client of yours; returns the versions it
        /// applied. Run it explicitly; journals never do.
        pub async fn migrate(client: &Client) -> Result<Vec<i64>, SqlError> {
            crate::shared::migrate(&mut PgMigrator(client)).await
        }
    }
}
