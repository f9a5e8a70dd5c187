//! The journal's logic, written once for the synchronous [`Journal`] and the
//! [`AsyncJournal`]: every method here is an `async fn` over an [`AsyncBackend`].
//!
//! The synchronous journal runs these futures on a blocking backend whose futures are ready at
//! their first poll (`crate::blocking::now`); the async journal awaits them on a backend
//! that really waits (a thread of its own for SQLite, `tokio-postgres`). So the statements,
//! the checks of rows and ids, the replay that verifies a history, the conflict and
//! duplicate detection and the retry loop exist once.
//!
//! [`Journal`]: crate::Journal
//! [`AsyncJournal`]: crate::AsyncJournal

use core::future::Future;
use std::borrow::ToOwned;
use std::format;
use std::string::{String, ToString};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;
use statewright_runtime::__private::integration;
use statewright_runtime::{
    Definition, Dynamic, Memory, Outcome, Record, Rejection, Snapshot, StateId, StateInfo,
    StateMachine, Timestamp, Untimed, Window,
};

use crate::{
    Applied, ApplyError, AsConflict, AsyncBackend, Conflict, Entry, Kind, MAX_ID_BYTES, Param,
    SCHEMA_VERSION, SqlError, Stmt, Value,
};

/// What a journal holds: the machine's definition and the database.
#[derive(Clone)]
pub(crate) struct Inner<D> {
    pub(crate) definition: &'static Definition,
    pub(crate) backend: D,
}

/// A recorder of a journal, as the shared logic makes and drives it: the synchronous
/// `SqlRecorder` (whose machines `apply` at once) and the async `Awaited<AsyncSqlRecorder>`.
pub(crate) trait JournalRecorder<D>: Sized {
    /// The recorder of `instance`, which the journal has at `at` (sequence number and state)
    /// when that is known.
    fn new(inner: &Inner<D>, instance: String, at: Option<(u64, StateId)>) -> Self;

    /// `machine.apply(event)`, awaited or not.
    #[allow(clippy::type_complexity)] // the rejection's parameters are each needed
    fn apply<M: StateMachine>(
        machine: &mut Dynamic<M, Self>,
        event: M::Event,
    ) -> impl Future<Output = Result<Record, Rejection<M::Event, SqlError, M::HookError>>>;
}

/// What a recorder knows of its instance, and the record it is about to write.
#[derive(Debug)]
pub(crate) struct Tail {
    pub(crate) instance: String,
    /// When the recorder was made: the start of the first state of a new instance.
    created: Instant,
    /// The sequence number of the last record this recorder wrote and when the instance
    /// entered the state it is in, for `in_state_ns`.
    last: Option<(u64, Instant)>,
    /// The id of the event being applied (`event_id`), for the `event_id` column.
    pub(crate) event_id: Option<String>,
    /// Where the instance is, as of the last read or write of this recorder.
    pub(crate) position: Option<(u64, StateId)>,
}

impl Tail {
    pub(crate) fn new(instance: String, position: Option<(u64, StateId)>) -> Self {
        Tail {
            instance,
            created: Instant::now(),
            last: None,
            event_id: None,
            position,
        }
    }
}

/// The wall-clock time in nanoseconds since the Unix epoch, if it fits.
pub(crate) fn now_ns() -> Option<i64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// A connection the migrations run on, its statements awaited: the synchronous connections
/// through `crate::blocking::Blocking`, `tokio_postgres::Client` directly.
pub(crate) trait Migrator {
    /// What starts the migration transaction (and keeps other migrators out).
    const BEGIN_MIGRATION: &'static str;
    /// The migrations, oldest first: version and SQL.
    const MIGRATIONS: &'static [(i64, &'static str)];

    /// Runs statements without parameters or results.
    fn batch(&mut self, sql: &str) -> impl Future<Output = Result<(), crate::DatabaseError>>;
    /// Runs a query that returns one integer.
    fn query_i64(&mut self, sql: &str) -> impl Future<Output = Result<i64, crate::DatabaseError>>;
}

/// Applies the migrations the database does not have yet, in one transaction; returns their
/// versions (empty when it was up to date).
pub(crate) async fn migrate<S: Migrator>(backend: &mut S) -> Result<Vec<i64>, SqlError> {
    let during = SqlError::database("migrate");
    backend.batch(S::BEGIN_MIGRATION).await.map_err(during)?;
    let result = async {
        backend
            .batch(
                "CREATE TABLE IF NOT EXISTS statewright_schema_version (\
                 version BIGINT NOT NULL PRIMARY KEY, applied_at_ns BIGINT)",
            )
            .await?;
        let current = backend
            .query_i64("SELECT COALESCE(MAX(version), 0) FROM statewright_schema_version")
            .await?;
        let mut applied = Vec::new();
        for &(version, sql) in S::MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            backend.batch(sql).await?;
            let at = now_ns().map_or("NULL".to_owned(), |ns| ns.to_string());
            backend
                .batch(&format!(
                    "INSERT INTO statewright_schema_version (version, applied_at_ns) VALUES ({version}, {at})"
                ))
                .await?;
            applied.push(version);
        }
        backend.batch("COMMIT").await?;
        Ok(applied)
    }
    .await;
    match result {
        Ok(applied) => Ok(applied),
        Err(error) => {
            let _ = backend.batch("ROLLBACK").await;
            Err(SqlError::Database {
                during: "migrate",
                error,
            })
        }
    }
}

/// Reads one text column; what it holds instead, for an error naming `column`.
pub(crate) fn text(value: &mut Value, column: &str) -> Result<String, String> {
    match value {
        Value::Text(text) => Ok(core::mem::take(text)),
        Value::Int(Some(n)) => Err(format!("its `{column}` is the integer {n}, not text")),
        Value::Int(None) => Err(format!("its `{column}` is NULL")),
        Value::Unreadable(what) => Err(format!("its `{column}` is {what}, not text")),
    }
}

/// Reads one integer column (`None` for `NULL`); what it holds instead, for an error naming
/// `column`.
pub(crate) fn int(value: &Value, column: &str) -> Result<Option<i64>, String> {
    match value {
        Value::Int(n) => Ok(*n),
        Value::Text(text) => Err(format!(
            "its `{column}` is the text {text:?}, not an integer"
        )),
        Value::Unreadable(what) => Err(format!("its `{column}` is {what}, not an integer")),
    }
}

/// Checks an instance id or event id (`what`) against the rules of [`MAX_ID_BYTES`].
pub(crate) fn check_id(what: &'static str, id: &str) -> Result<(), SqlError> {
    let reason = if id.is_empty() {
        String::from("it is empty")
    } else if id.len() > MAX_ID_BYTES {
        format!("it is {} bytes long", id.len())
    } else if let Some((at, c)) = id.char_indices().find(|(_, c)| c.is_control()) {
        if c == '\0' {
            format!("it holds a NUL character at byte {at}, which PostgreSQL text cannot store")
        } else {
            format!("it holds the control character {c:?} at byte {at}")
        }
    } else {
        return Ok(());
    };
    let mut shown: String = id.chars().take(32).collect();
    if shown.len() < id.len() {
        shown.push('…');
    }
    Err(SqlError::InvalidId {
        what,
        id: shown,
        reason,
    })
}

/// The columns [`record_of_row`] reads, and one more of kind `last`.
fn record_columns(last: Kind) -> [Kind; 7] {
    [
        Kind::Int,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Text,
        Kind::Int,
        last,
    ]
}

/// A row's record: columns sequence, from, event, to, outcome, at (nanoseconds), checked
/// against `definition`; and its time.
fn record_of_row(
    definition: &'static Definition,
    instance: &str,
    row: &mut [Value],
) -> Result<(Record, Option<Timestamp>), SqlError> {
    let sequence = int(&row[0], "sequence").map_err(|e| corrupt(instance, None, e))?;
    let number = sequence.and_then(|n| u64::try_from(n).ok());
    let corrupt = |reason: String| corrupt(instance, number, reason);
    let number = number.ok_or_else(|| {
        corrupt(format!(
            "sequence number {} is not a positive integer",
            sequence.map_or("NULL".to_owned(), |n| n.to_string())
        ))
    })?;
    let outcome = match text(&mut row[4], "outcome").map_err(corrupt)?.as_str() {
        "applied" => Outcome::Applied,
        "rejected" => Outcome::Rejected,
        other => return Err(corrupt(format!("unknown outcome `{other}`"))),
    };
    let time = int(&row[5], "at_ns")
        .map_err(corrupt)?
        .and_then(|ns| u64::try_from(ns).ok())
        .map(Timestamp::from_unix_nanos);
    let from = text(&mut row[1], "from_state").map_err(corrupt)?;
    let event = text(&mut row[2], "event").map_err(corrupt)?;
    let to = text(&mut row[3], "to_state").map_err(corrupt)?;
    let record = Record::from_names(definition, number, &from, &event, &to, outcome, time)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok((record, time))
}

/// The error for a row of `instance` that no definition would have written.
fn corrupt(instance: &str, sequence: Option<u64>, reason: String) -> SqlError {
    SqlError::Corrupt {
        instance: instance.to_owned(),
        sequence,
        reason,
    }
}

impl<D: AsyncBackend> Inner<D> {
    /// Checks the schema and the machine's fingerprint row (adding the row for a machine the
    /// database has not seen), and makes the journal.
    pub(crate) async fn open(
        backend: D,
        definition: &'static Definition,
    ) -> Result<Self, SqlError> {
        let migrate = D::MIGRATE;
        let read = SqlError::database("read the schema version");
        if backend.query_i64(D::SCHEMA_EXISTS).await.map_err(read)? == 0 {
            return Err(SqlError::SchemaMissing { migrate });
        }
        let found = backend
            .query_i64("SELECT COALESCE(MAX(version), 0) FROM statewright_schema_version")
            .await
            .map_err(SqlError::database("read the schema version"))?;
        if found < SCHEMA_VERSION {
            return Err(if found == 0 {
                SqlError::SchemaMissing { migrate }
            } else {
                SqlError::SchemaOutdated {
                    found,
                    expected: SCHEMA_VERSION,
                    migrate,
                }
            });
        }
        if found > SCHEMA_VERSION {
            return Err(SqlError::SchemaNewer {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let name = definition.name();
        let fingerprint = definition.fingerprint();
        const COLUMNS: [Kind; 2] = [Kind::Text, Kind::Text];
        let mut rows = backend
            .query(Stmt::MachineGet, &[Param::Text(name)], &COLUMNS)
            .await
            .map_err(SqlError::database("read the machine"))?;
        if rows.is_empty() {
            let json = definition.chart().to_json();
            let fingerprint = fingerprint.to_string();
            let params = [
                Param::Text(name),
                Param::Text(&fingerprint),
                Param::Text(&json),
            ];
            backend
                .execute(Stmt::MachineAdd, &params)
                .await
                .map_err(SqlError::database("register the machine"))?;
            rows = backend
                .query(Stmt::MachineGet, &[Param::Text(name)], &COLUMNS)
                .await
                .map_err(SqlError::database("read the machine"))?;
        }
        let Some(mut row) = rows.pop() else {
            return Err(SqlError::Corrupt {
                instance: String::new(),
                sequence: None,
                reason: format!("the row of machine `{name}` vanished"),
            });
        };
        let stored = text(&mut row[0], "fingerprint").unwrap_or_else(|unreadable| unreadable);
        if stored.parse() != Ok(fingerprint) {
            let changes = match text(&mut row[1], "definition") {
                Ok(old) => integration::changes_since(&old, &definition.chart()),
                Err(unreadable) => std::vec![format!("(not listed: {unreadable})")],
            };
            return Err(SqlError::DefinitionMismatch {
                machine: name,
                found: stored,
                expected: fingerprint,
                changes,
            });
        }
        Ok(Inner {
            definition,
            backend,
        })
    }

    /// The state a stored name stands for, or a [`SqlError::Corrupt`] naming it.
    fn state_named(
        &self,
        name: &str,
        instance: &str,
        sequence: i64,
    ) -> Result<(StateInfo, u64), SqlError> {
        let corrupt = |reason: String| SqlError::Corrupt {
            instance: instance.to_owned(),
            sequence: u64::try_from(sequence).ok(),
            reason,
        };
        let state = self.definition.state(name).ok_or_else(|| {
            corrupt(format!(
                "`{name}` is not a state of `{}`",
                self.definition.name()
            ))
        })?;
        let sequence = u64::try_from(sequence)
            .map_err(|_| corrupt(format!("negative sequence number {sequence}")))?;
        Ok((state, sequence))
    }

    /// The newest row of `instance`: its state and sequence number.
    pub(crate) async fn latest(
        &self,
        instance: &str,
    ) -> Result<Option<(StateInfo, u64)>, SqlError> {
        let params = [Param::Text(self.definition.name()), Param::Text(instance)];
        let mut rows = self
            .backend
            .query(Stmt::Latest, &params, &[Kind::Text, Kind::Int])
            .await
            .map_err(SqlError::database("read"))?;
        match rows.pop() {
            Some(mut row) => {
                let sequence = int(&row[1], "sequence")
                    .and_then(|n| n.ok_or_else(|| String::from("its `sequence` is NULL")))
                    .map_err(|e| corrupt(instance, None, e))?;
                let name = text(&mut row[0], "to_state")
                    .map_err(|e| corrupt(instance, u64::try_from(sequence).ok(), e))?;
                self.state_named(&name, instance, sequence).map(Some)
            }
            None => Ok(None),
        }
    }

    pub(crate) async fn state(&self, instance: &str) -> Result<Option<(StateInfo, u64)>, SqlError> {
        Ok(self
            .history(instance)
            .await?
            .last()
            .map(|record| (record.to(), record.sequence())))
    }

    #[allow(clippy::type_complexity)] // one result per instance, in one result for the query
    pub(crate) async fn instances(
        &self,
    ) -> Result<Vec<Result<(String, StateInfo, u64), SqlError>>, SqlError> {
        let ids = self
            .ids(Stmt::Instances, &[Param::Text(self.definition.name())])
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let id = match id {
                Ok(id) => id,
                Err(error) => {
                    out.push(Err(error));
                    continue;
                }
            };
            // `None`: its rows were deleted since the first query.
            match self.state(&id).await {
                Ok(Some((state, sequence))) => out.push(Ok((id, state, sequence))),
                Ok(None) => {}
                Err(error) => out.push(Err(error)),
            }
        }
        Ok(out)
    }

    pub(crate) async fn instances_in(
        &self,
        state: &str,
    ) -> Result<Vec<Result<String, SqlError>>, SqlError> {
        if self.definition.state(state).is_none() {
            return Err(SqlError::UnknownState {
                machine: self.definition.name(),
                name: state.to_owned(),
            });
        }
        let params = [Param::Text(self.definition.name()), Param::Text(state)];
        let ids = self.ids(Stmt::HeadsIn, &params).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let id = match id {
                Ok(id) => id,
                Err(error) => {
                    out.push(Err(error));
                    continue;
                }
            };
            match self.state(&id).await {
                // Moved on (or deleted) since the first query: not in the state now.
                Ok(Some((now, _))) if now.name() != state => {}
                Ok(None) => {}
                Ok(Some(_)) => out.push(Ok(id)),
                Err(error) => out.push(Err(error)),
            }
        }
        Ok(out)
    }

    /// The instance ids a query returns in its first column: each one text that follows the
    /// rules of [`MAX_ID_BYTES`], or the error of its instance.
    async fn ids(
        &self,
        stmt: Stmt,
        params: &[Param<'_>],
    ) -> Result<Vec<Result<String, SqlError>>, SqlError> {
        let rows = self
            .backend
            .query(stmt, params, &[Kind::Text])
            .await
            .map_err(SqlError::database("read"))?;
        Ok(rows
            .into_iter()
            .map(|mut row| {
                let id = match &row[0] {
                    Value::Unreadable(what) => Err(corrupt(
                        what,
                        None,
                        format!(
                            "its instance id is {what}, not text; fix or delete its rows with SQL"
                        ),
                    )),
                    _ => text(&mut row[0], "instance").map_err(|e| corrupt("?", None, e)),
                }?;
                check_id("instance id", &id)?;
                Ok(id)
            })
            .collect())
    }

    pub(crate) async fn history(&self, instance: &str) -> Result<Vec<Record>, SqlError> {
        Ok(self
            .entries(instance)
            .await?
            .into_iter()
            .map(|entry| entry.record)
            .collect())
    }

    pub(crate) async fn entries(&self, instance: &str) -> Result<Vec<Entry>, SqlError> {
        check_id("instance id", instance)?;
        let definition = self.definition;
        let params = [Param::Text(definition.name()), Param::Text(instance)];
        let kinds = record_columns(Kind::Int); // then `in_state_ns`
        let rows = self
            .backend
            .query(Stmt::Rows, &params, &kinds)
            .await
            .map_err(SqlError::database("read"))?;
        let mut at = integration::replay_from(definition, definition.initial().id(), 0);
        let mut entries = Vec::with_capacity(rows.len());
        for mut row in rows {
            let (record, _) = record_of_row(definition, instance, &mut row)?;
            let corrupt = |reason: String| corrupt(instance, Some(record.sequence()), reason);
            let (from, event) = (record.from().name(), record.event().name());
            let outcome = record.outcome();
            integration::replay_step(&mut at, &record).map_err(|e| corrupt(e.to_string()))?;
            // `apply` records a rejection only for an event the state does not allow, or one
            // that a guard or a hook can decline.
            if outcome == Outcome::Rejected
                && definition
                    .target(record.from_id(), record.event_id())
                    .is_some()
                && !definition.can_decline(record.from_id(), record.event_id())
            {
                return Err(corrupt(format!(
                    "`{event}` is allowed in `{from}`, so it cannot have been rejected there"
                )));
            }
            let in_state = int(&row[6], "in_state_ns").map_err(corrupt)?;
            entries.push(Entry {
                record,
                in_state: in_state
                    .and_then(|ns| u64::try_from(ns).ok())
                    .map(Duration::from_nanos),
            });
        }
        Ok(entries)
    }

    pub(crate) async fn window(
        &self,
        instance: &str,
        max_ids: usize,
        max_age: Option<Duration>,
    ) -> Result<Window, SqlError> {
        check_id("instance id", instance)?;
        let definition = self.definition;
        let mut window = Window::new(max_ids);
        if let Some(age) = max_age {
            window = window.with_max_age(age);
        }
        if max_ids == 0 {
            return Ok(window);
        }
        let limit = i64::try_from(max_ids).unwrap_or(i64::MAX);
        let params = [
            Param::Text(definition.name()),
            Param::Text(instance),
            Param::Int(Some(limit)),
        ];
        let kinds = record_columns(Kind::Text); // then `event_id`
        let rows = self
            .backend
            .query(Stmt::EventIds, &params, &kinds)
            .await
            .map_err(SqlError::database("read"))?;
        let mut found = Vec::with_capacity(rows.len());
        for mut row in rows {
            let (record, time) = record_of_row(definition, instance, &mut row)?;
            let id = text(&mut row[6], "event_id")
                .map_err(|e| corrupt(instance, Some(record.sequence()), e))?;
            found.push((id, record, time));
        }
        // Oldest first, as they were remembered.
        for (id, record, at) in found.into_iter().rev() {
            integration::remember(&mut window, &id, record, at);
        }
        Ok(window)
    }

    /// Checks that `M` is the journal's machine.
    pub(crate) fn check_machine<M: StateMachine>(&self) -> Result<(), SqlError> {
        let theirs = M::DEFINITION;
        if *theirs == *self.definition {
            Ok(())
        } else {
            Err(SqlError::WrongMachine {
                journal: self.definition.name(),
                record: theirs.name(),
            })
        }
    }

    pub(crate) async fn resume_with_context<M: StateMachine, R: JournalRecorder<D>>(
        &self,
        instance: &str,
        context: M::Context,
        state: impl FnOnce(StateInfo) -> M,
    ) -> Result<Dynamic<M, R>, SqlError> {
        self.check_machine::<M>()?;
        let history = self.history(instance).await?;
        let current = history.last().map_or(self.definition.initial(), Record::to);
        let recorder = R::new(
            self,
            instance.to_owned(),
            Some((history.len() as u64, current.id())),
        );
        Dynamic::resume_with_context(state(current), context, &history, recorder).map_err(|e| {
            SqlError::Resume {
                instance: instance.to_owned(),
                reason: e.to_string(),
            }
        })
    }

    #[allow(clippy::type_complexity)] // the rejection's parameters are each needed
    pub(crate) async fn apply<M: StateMachine<Context = ()>, R: JournalRecorder<D>>(
        &self,
        instance: &str,
        event: M::Event,
        attempts: u32,
        mut state: impl FnMut(StateInfo) -> M,
    ) -> Result<Applied, ApplyError<M::Event, M::HookError>> {
        let mut event = event;
        let mut conflicts = 0;
        loop {
            let mut machine: Dynamic<M, R> =
                match self.resume_with_context(instance, (), &mut state).await {
                    Ok(machine) => machine,
                    Err(error) => return Err(ApplyError::Load { error, conflicts }),
                };
            match R::apply(&mut machine, event).await {
                Ok(record) => return Ok(Applied { record, conflicts }),
                Err(rejection) if rejection.as_conflict().is_some() => {
                    conflicts += 1;
                    if conflicts >= attempts.max(1) {
                        return Err(ApplyError::Rejected {
                            rejection,
                            conflicts,
                        });
                    }
                    event = rejection.into_event();
                }
                Err(rejection) => {
                    return Err(ApplyError::Rejected {
                        rejection,
                        conflicts,
                    });
                }
            }
        }
    }

    pub(crate) async fn save_snapshot<M, R>(
        &self,
        machine: &Dynamic<M, R>,
        instance: &str,
    ) -> Result<(), SqlError>
    where
        M: StateMachine<Context: Clone + Serialize> + Clone + Serialize,
    {
        self.check_machine::<M>()?;
        check_id("instance id", instance)?;
        let name = self.definition.name();
        let sequence = machine.sequence();
        let mismatch = |reason: String| SqlError::Resume {
            instance: instance.to_owned(),
            reason,
        };
        let number = i64::try_from(sequence)
            .map_err(|_| mismatch(format!("sequence number {sequence} is too large")))?;
        let stored = if sequence == 0 {
            Some(self.definition.initial().name().to_owned())
        } else {
            let params = [
                Param::Text(name),
                Param::Text(instance),
                Param::Int(Some(number)),
            ];
            self.backend
                .query(Stmt::StateAt, &params, &[Kind::Text])
                .await
                .map_err(SqlError::database("read"))?
                .pop()
                .map(|mut row| {
                    text(&mut row[0], "to_state").unwrap_or_else(|unreadable| unreadable)
                })
        };
        let state = machine.state_info().name();
        if stored.as_deref() != Some(state) {
            return Err(mismatch(match stored {
                Some(stored) => format!(
                    "the machine is in `{state}` at #{sequence}, the journal has `{stored}` there"
                ),
                None => format!("the journal has no record #{sequence}"),
            }));
        }
        let json = serde_json::to_string(&Snapshot::of(machine, instance))
            .map_err(|e| mismatch(format!("its state does not serialize: {e}")))?;
        let params = [
            Param::Text(name),
            Param::Text(instance),
            Param::Int(Some(number)),
            Param::Text(&json),
        ];
        self.backend
            .execute(Stmt::SnapshotPut, &params)
            .await
            .map_err(SqlError::database("save a snapshot"))?;
        Ok(())
    }

    pub(crate) async fn load<M, R: JournalRecorder<D>>(
        &self,
        instance: &str,
    ) -> Result<Option<Dynamic<M, R>>, SqlError>
    where
        M: StateMachine<Context: Clone + DeserializeOwned> + Clone + DeserializeOwned,
    {
        self.check_machine::<M>()?;
        let history = self.history(instance).await?;
        let params = [Param::Text(self.definition.name()), Param::Text(instance)];
        let snapshot = self
            .backend
            .query(Stmt::SnapshotGet, &params, &[Kind::Int, Kind::Text])
            .await
            .map_err(SqlError::database("read a snapshot"))?
            .pop();
        let latest = history.len() as u64;
        let current = history.last().map_or(self.definition.initial(), Record::to);
        let state = current.name();
        let Some(mut row) = snapshot else {
            if history.is_empty() {
                return Ok(None);
            }
            return Err(SqlError::NoSnapshot {
                instance: instance.to_owned(),
                snapshot: None,
                sequence: latest,
                state,
            });
        };
        let at = int(&row[0], "sequence")
            .and_then(|n| n.ok_or_else(|| String::from("its `sequence` is NULL")))
            .map_err(|e| SqlError::Corrupt {
                instance: instance.to_owned(),
                sequence: None,
                reason: format!("its snapshot row: {e}"),
            })?;
        let corrupt = |reason: String| SqlError::Corrupt {
            instance: instance.to_owned(),
            sequence: u64::try_from(at).ok(),
            reason: format!("its snapshot {reason}"),
        };
        let at = u64::try_from(at)
            .ok()
            .filter(|at| *at <= latest)
            .ok_or_else(|| {
                corrupt(format!(
                    "is at #{at}, but the instance has {latest} records"
                ))
            })?;
        // Records are numbered from 1 without gaps (verified), so those after the snapshot
        // are `history[at..]`.
        if history[at as usize..].iter().any(Record::is_applied) {
            return Err(SqlError::NoSnapshot {
                instance: instance.to_owned(),
                snapshot: Some(at),
                sequence: latest,
                state,
            });
        }
        let json = text(&mut row[1], "state").map_err(|e| corrupt(format!("row: {e}")))?;
        let snapshot: Snapshot<M, M::Context> =
            serde_json::from_str(&json).map_err(|e| corrupt(format!("does not read: {e}")))?;
        if snapshot.instance() != instance || snapshot.sequence() != at {
            return Err(corrupt(format!(
                "says it is instance `{}` at #{}",
                snapshot.instance(),
                snapshot.sequence()
            )));
        }
        // Checks the format and the definition's fingerprint.
        let (value, context, _, _) = snapshot
            .restore(Untimed(Memory::new()))
            .map_err(|e| corrupt(format!("does not restore: {e}")))?
            .into_all_parts();
        let recorder = R::new(self, instance.to_owned(), Some((latest, current.id())));
        Dynamic::resume_with_context(value, context, &history, recorder)
            .map(Some)
            .map_err(|e| corrupt(format!("does not match the records: {e}")))
    }

    /// Writes `record` of `tail`'s instance: one `INSERT` that claims its sequence number and
    /// checks that it continues the instance. When it writes nothing, says why: the event id
    /// is already stored ([`SqlError::DuplicateEvent`]) or another writer got there first
    /// ([`SqlError::Conflict`], with where the instance is now).
    pub(crate) async fn append(&self, tail: &mut Tail, record: &Record) -> Result<(), SqlError> {
        let definition = self.definition;
        if *record.definition() != *definition {
            return Err(SqlError::WrongMachine {
                journal: definition.name(),
                record: record.machine(),
            });
        }
        // The same ids for both backends, before either sees them.
        check_id("instance id", &tail.instance)?;
        if let Some(id) = &tail.event_id {
            check_id("event id", id)?;
        }
        let sequence = record.sequence();
        let number = i64::try_from(sequence).map_err(|_| SqlError::Corrupt {
            instance: tail.instance.clone(),
            sequence: Some(sequence),
            reason: String::from("the sequence number does not fit the database's 64-bit integers"),
        })?;
        let now = Instant::now();
        let entered = match tail.last {
            _ if sequence == 1 => Some(tail.created),
            Some((last, entered)) if last + 1 == sequence => Some(entered),
            _ => None,
        };
        let in_state =
            entered.map(|e| i64::try_from(now.duration_since(e).as_nanos()).unwrap_or(i64::MAX));
        let params = [
            Param::Text(definition.name()),
            Param::Text(&tail.instance),
            Param::Int(Some(number)),
            Param::Text(record.from().name()),
            Param::Text(record.event().name()),
            Param::Text(record.to().name()),
            Param::Text(record.outcome().as_str()),
            Param::Int(now_ns()),
            Param::Int(in_state),
            Param::Text(definition.initial().name()),
            Param::MaybeText(tail.event_id.as_deref()),
        ];
        let written = self
            .backend
            .execute(Stmt::Append, &params)
            .await
            .map_err(SqlError::database("append"))?;
        if written == 1 {
            tail.last = match record.outcome() {
                Outcome::Applied => Some((sequence, now)),
                // A rejection (the state is unchanged).
                _ => entered.map(|e| (sequence, e)),
            };
            tail.position = Some((sequence, record.to_id()));
            return Ok(());
        }
        if let Some(id) = &tail.event_id {
            let params = [
                Param::Text(definition.name()),
                Param::Text(&tail.instance),
                Param::Text(id),
            ];
            let rows = self
                .backend
                .query(Stmt::EventSeen, &params, &[Kind::Int])
                .await
                .map_err(SqlError::database("read"))?;
            if let Some(row) = rows.first() {
                return Err(SqlError::DuplicateEvent {
                    instance: tail.instance.clone(),
                    event_id: id.clone(),
                    sequence: row
                        .first()
                        .and_then(|n| int(n, "sequence").ok().flatten())
                        .and_then(|n| u64::try_from(n).ok()),
                });
            }
        }
        let current = self.latest(&tail.instance).await?;
        tail.position = current.map(|(state, sequence)| (sequence, state.id()));
        Err(SqlError::Conflict(Conflict {
            machine: definition.name(),
            instance: tail.instance.clone(),
            attempted: sequence,
            from: record.from().name(),
            current: current.map(|(state, sequence)| (state.name(), sequence)),
        }))
    }

    /// The instance's last sequence number and state in the database; `(0, initial)` for an
    /// instance it has no record of; `None` when the database cannot be read.
    pub(crate) async fn position(&self, instance: &str) -> Option<(u64, StateId)> {
        check_id("instance id", instance).ok()?;
        match self.latest(instance).await {
            Ok(Some((state, sequence))) => Some((sequence, state.id())),
            Ok(None) => Some((0, self.definition.initial().id())),
            Err(_) => None,
        }
    }
}
