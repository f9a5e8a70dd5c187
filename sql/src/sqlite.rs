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
        let open = SqlError::database("open");
        let connection = Connection::open(path).map_err(|e| open(e.into()))?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| {
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| {
                    row.get::<_, std::string::String>(0)
                })
            })
            .map_err(|e| SqlError::database("open")(e.into()))?;
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
