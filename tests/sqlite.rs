//! The SQLite journal against real SQLite files in a temporary directory: the shared checks,
//! a race of 8 threads with their own connections, a read-only database, the schema checks.
#![cfg(feature = "sqlite")]

mod sql_common;

use std::path::PathBuf;

use sql_common::{Job, job, job_state};
use statewright::sql::SqlError;
use statewright::sql::sqlite::rusqlite::{Connection, OpenFlags};
use statewright::sql::sqlite::{self, SqliteJournal};
use statewright::{Cause, Dynamic, StateMachine, TypedMachine};

/// A fresh database file for one test, migrated unless `migrate` is false.
fn database(name: &str, migrate: bool) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statewright-sqlite-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if migrate {
        assert_eq!(
            sqlite::migrate(&Connection::open(&path).unwrap()).unwrap(),
            [1]
        );
    }
    path
}

#[test]
fn behaves_like_a_journal() {
    let path = database("behaves", true);
    sql_common::ready(sql_common::blocking::behaves(
        &|definition| SqliteJournal::open(&path, definition),
        &|sql| {
            Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        },
    ));
}

#[test]
fn eight_threads_race_on_shared_instances() {
    let path = database("race", true);
    let (rows, conflicts) = sql_common::race(
        || SqliteJournal::open(&path, Job::DEFINITION).unwrap(),
        8,
        150,
        3,
    );
    println!("sqlite race: {rows} records, {conflicts} conflicts");
    assert!(
        rows > 0 && conflicts > 0,
        "8 threads on 3 instances should collide"
    );
}

#[test]
fn migrations_are_explicit_and_idempotent() {
    let path = database("schema", false);
    let missing = SqliteJournal::open(&path, Job::DEFINITION).unwrap_err();
    assert!(
        matches!(missing, SqlError::SchemaMissing { .. }),
        "{missing}"
    );
    assert_eq!(
        missing.to_string(),
        "the statewright tables are missing from this database; run \
         `statewright::sql::sqlite::migrate` once (journals never create or change tables when \
         they open)"
    );
    let connection = Connection::open(&path).unwrap();
    // Opening created no table.
    let tables: i64 = connection
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    assert_eq!(sqlite::migrate(&connection).unwrap(), [1]);
    assert!(sqlite::migrate(&connection).unwrap().is_empty());
    SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    // A database migrated by a newer release is refused.
    connection
        .execute_batch("INSERT INTO statewright_schema_version (version) VALUES (2)")
        .unwrap();
    let newer = SqliteJournal::open(&path, Job::DEFINITION).unwrap_err();
    assert!(
        matches!(newer, SqlError::SchemaNewer { found: 2, .. }),
        "{newer}"
    );
}

#[test]
fn a_read_only_database_refuses_the_transition_and_the_machine_stays() {
    let path = database("read-only", true);
    {
        let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
        let mut job = Dynamic::start_with(Job::Idle, journal.recorder("j")).unwrap();
        job.apply(job::Event::Run).unwrap();
    }
    // The file opened read-only, as on a read-only disk. (CI runs as root, where `chmod` does
    // not stop writes, so the test asks SQLite for a read-only connection instead.)
    let connection = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let journal = SqliteJournal::from_connection(connection, Job::DEFINITION).unwrap();
    let mut job = journal.resume("j", job_state).unwrap();
    let rejection = job.apply(job::Event::Pause).unwrap_err();
    let Cause::Unrecorded(error) = rejection.cause() else {
        panic!("{rejection}");
    };
    assert!(
        matches!(
            error,
            SqlError::Database {
                during: "append",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("readonly"), "{error}");
    assert_eq!((job.state(), job.sequence()), (&Job::Running, 1));
    assert_eq!(journal.history("j").unwrap().len(), 1);

    // The same on an open journal whose connection stops accepting writes, and recovers.
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    let job = journal.resume("j", job_state).unwrap();
    journal.with_connection(|c| c.execute_batch("PRAGMA query_only = ON").unwrap());
    let typed = job.into_typed();
    let job::Typed::Running(running) = typed else {
        panic!("running");
    };
    let refused = running.pause().unwrap_err();
    assert!(
        refused.error().to_string().contains("readonly"),
        "{}",
        refused.error()
    );
    let running = refused.into_machine();
    assert_eq!(running.sequence(), 1);
    journal.with_connection(|c| c.execute_batch("PRAGMA query_only = OFF").unwrap());
    let paused = running.pause().unwrap();
    assert_eq!(paused.sequence(), 2);
    assert_eq!(journal.state("j").unwrap().unwrap().0.name(), "Paused");
}

#[test]
fn both_backends_accept_and_refuse_the_same_ids() {
    let path = database("ids", true);
    sql_common::ready(sql_common::blocking::ids(
        &SqliteJournal::open(&path, Job::DEFINITION).unwrap(),
    ));
}

#[test]
fn state_and_instances_in_never_report_an_illegal_last_row() {
    let path = database("heads", true);
    sql_common::ready(sql_common::blocking::hand_edited_heads(
        &SqliteJournal::open(&path, Job::DEFINITION).unwrap(),
        &|sql: &str| Connection::open(&path).unwrap().execute_batch(sql).unwrap(),
    ));
}

#[test]
fn a_blob_row_is_an_error_of_its_instance_only() {
    let path = database("blob", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    for id in ["a", "b", "c"] {
        job::start_with(journal.recorder(id)).run().unwrap();
    }
    let connection = Connection::open(&path).unwrap();
    connection
        .execute_batch("UPDATE statewright_records SET instance = X'00ff' WHERE instance = 'a'")
        .unwrap();
    connection
        .execute_batch(
            "UPDATE statewright_records SET to_state = X'52756e6e696e67' WHERE instance = 'c'",
        )
        .unwrap();
    let all = journal
        .instances()
        .expect("one bad row must not fail the others");
    let shown: Vec<_> = all
        .iter()
        .map(|item| match item {
            Ok((id, state, sequence)) => format!("{id} {} #{sequence}", state.name()),
            Err(error) => error.to_string(),
        })
        .collect();
    // SQLite orders text before blobs.
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert_eq!(shown[0], "b Running #1");
    assert_eq!(
        shown[1],
        "the journal of instance `c` is corrupt at record #1: its `to_state` is the blob \
         x'52756e6e696e67', not text"
    );
    assert!(
        shown[2].contains("its instance id is the blob x'00ff', not text"),
        "{shown:?}"
    );
    // The good instance reads on its own too; the bad one is an error, not a panic.
    assert_eq!(journal.state("b").unwrap().unwrap().0.name(), "Running");
    assert!(journal.state("c").is_err());
    assert!(
        journal.instances_in("Running").unwrap()[0]
            .as_ref()
            .is_ok_and(|id| id == "b")
    );
}

/// `Journal::apply` loads the instance again after each lost race, up to `attempts` loads, and
/// counts the races it lost; a rejection that is not a conflict ends it at once.
#[test]
#[allow(clippy::result_large_err)] // `ApplyError` hands the whole rejection back, by design
fn apply_retries_lost_races_and_counts_them() {
    use statewright::sql::{ApplyError, retry};

    let path = database("apply-retry", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    // Another writer, on its own connection, that moves the job between each load and its
    // write: pause when the loaded job runs, proceed when it is paused.
    let other = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    let interfere = |state: statewright::StateInfo| {
        let event = match state.name() {
            "Running" => job::Event::Pause,
            _ => job::Event::Proceed,
        };
        other.apply("r-1", event, 1, job_state).unwrap();
    };
    job::start_with(journal.recorder("r-1")).run().unwrap();

    // Two lost races, then the third load goes through.
    let mut loads = 0;
    let applied = journal
        .apply("r-1", job::Event::Halt, 3, |state| {
            loads += 1;
            if loads < 3 {
                interfere(state);
            }
            job_state(state)
        })
        .unwrap();
    assert_eq!((loads, applied.conflicts), (3, 2));
    assert_eq!(applied.record.to_string(), "#4 Running --halt--> Idle");

    // Every race lost: the last conflict, with the event handed back.
    job::start_with(journal.recorder("r-2")).run().unwrap();
    let mut loads = 0;
    let error = journal
        .apply("r-2", job::Event::Halt, 2, |state| {
            loads += 1;
            let event = match state.name() {
                "Running" => job::Event::Pause,
                _ => job::Event::Proceed,
            };
            other.apply("r-2", event, 1, job_state).unwrap();
            job_state(state)
        })
        .unwrap_err();
    assert_eq!((loads, error.conflicts()), (2, 2));
    let conflict = statewright::sql::AsConflict::as_conflict(&error).expect("a conflict");
    assert_eq!(
        (conflict.attempted, conflict.current),
        (3, Some(("Running", 3)))
    );
    assert_eq!(
        error.to_string(),
        "`Job` did not apply `halt` in state `Paused`: its record could not be written: \
         conflict on `Job` instance `r-2`: record #3 leaving `Paused` was not written, the \
         journal has the instance in `Running` at #3; load it again and retry"
    );
    let ApplyError::Rejected { rejection, .. } = error else {
        panic!("not a rejection: {error}");
    };
    assert_eq!(rejection.into_event(), job::Event::Halt);

    // An illegal event is not a conflict: one load, no retry.
    let mut loads = 0;
    let error = journal
        .apply("r-1", job::Event::Proceed, 5, |state| {
            loads += 1;
            job_state(state)
        })
        .unwrap_err();
    assert_eq!((loads, error.conflicts()), (1, 0));
    assert!(statewright::sql::AsConflict::as_conflict(&error).is_none());
    assert_eq!(
        error.to_string(),
        "`Job` cannot apply `proceed` in state `Idle`; allowed: `run`"
    );

    // `retry` over a stale machine: each attempt loads again; the first one loses.
    let mut attempts = 0;
    let record = retry(3, |previous| -> Result<_, ApplyError<job::Event>> {
        attempts += 1;
        assert_eq!(previous.is_some(), attempts > 1);
        let mut stale = journal.resume("r-1", job_state)?;
        if attempts == 1 {
            other.apply("r-1", job::Event::Run, 1, job_state).unwrap();
        }
        Ok(stale.apply(job::Event::Run)?)
    });
    let error = record.unwrap_err();
    assert_eq!(
        attempts, 2,
        "the second attempt finds `Running`: illegal, no retry"
    );
    assert_eq!(error.conflicts(), 0);
    assert_eq!(
        error.to_string(),
        "`Job` cannot apply `run` in state `Running`; allowed: `pause`, `halt`"
    );
}

#[test]
fn records_and_migrations_carry_the_wall_clock_time() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    };
    let before = now();
    let path = database("times", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    job::start_with(journal.recorder("t-1")).run().unwrap();
    let after = now();
    let stored: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT at_ns FROM statewright_records WHERE instance = 't-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let migrated: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT applied_at_ns FROM statewright_schema_version",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for (what, at) in [("record", stored), ("migration", migrated)] {
        let at = u128::try_from(at).unwrap();
        assert!(
            before <= at && at <= after,
            "{what}: {before} <= {at} <= {after}"
        );
    }
}

#[test]
fn a_journal_refuses_another_machine_and_shows_its_own() {
    let path = database("machines", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    assert_eq!(format!("{journal:?}"), "Journal { machine: \"Job\", .. }");
    let error = journal.resume("x", |_| sql_common::Gate::Shut).unwrap_err();
    assert!(
        matches!(
            error,
            SqlError::WrongMachine {
                journal: "Job",
                record: "Gate"
            }
        ),
        "{error}"
    );
    journal.resume("x", job_state).unwrap();
}

#[test]
fn an_empty_version_table_is_a_missing_schema() {
    let path = database("empty-version", false);
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE statewright_schema_version (version BIGINT NOT NULL PRIMARY KEY, \
             applied_at_ns BIGINT)",
        )
        .unwrap();
    let error = SqliteJournal::open(&path, Job::DEFINITION).unwrap_err();
    assert!(matches!(error, SqlError::SchemaMissing { .. }), "{error}");
}

#[test]
fn invalid_ids_are_shown_short_with_the_rule_they_break() {
    let path = database("id-messages", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    let rule = "instance ids must be 1 to 1024 bytes of text without control characters";
    let long = format!("{}{}", "é".repeat(20), "x".repeat(1100));
    for (id, message) in [
        (
            "a\0b".to_owned(),
            format!(
                "invalid instance id \"a\\0b\": it holds a NUL character at byte 1, which \
                 PostgreSQL text cannot store; {rule}"
            ),
        ),
        (
            "tab\there".to_owned(),
            format!(
                "invalid instance id \"tab\\there\": it holds the control character '\\t' at \
                 byte 3; {rule}"
            ),
        ),
        (
            long,
            format!(
                "invalid instance id \"{}{}…\": it is 1140 bytes long; {rule}",
                "é".repeat(20),
                "x".repeat(12)
            ),
        ),
    ] {
        assert_eq!(journal.state(&id).unwrap_err().to_string(), message);
    }
}

/// The time in a state is measured only by a writer that saw the instance enter it: the one
/// that started it, not one that resumed it.
#[test]
fn time_in_state_is_known_only_to_the_writer_that_saw_the_entry() {
    let path = database("in-state", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    job::start_with(journal.recorder("s-1"))
        .run()
        .unwrap()
        .pause()
        .unwrap();
    let mut resumed = journal.resume("s-1", job_state).unwrap();
    resumed.apply(job::Event::Proceed).unwrap();
    resumed.apply(job::Event::Halt).unwrap();
    let known: Vec<bool> = journal
        .entries("s-1")
        .unwrap()
        .iter()
        .map(|e| e.in_state.is_some())
        .collect();
    assert_eq!(known, [true, true, false, true]);
}

/// A recorder that wrote #1 and is then given to a machine resumed at #3 (another writer
/// wrote #2 and #3) did not see that machine enter its state: no time in state for #4.
#[test]
fn a_reused_recorder_does_not_claim_an_entry_it_did_not_see() {
    let path = database("reused", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    let mut first = Dynamic::start_with(Job::Idle, journal.recorder("q-1")).unwrap();
    first.apply(job::Event::Run).unwrap();
    let (_, _, recorder) = first.into_parts();
    let mut other = journal.resume("q-1", job_state).unwrap();
    other.apply(job::Event::Pause).unwrap();
    other.apply(job::Event::Proceed).unwrap();
    let history = journal.history("q-1").unwrap();
    let mut again = Dynamic::resume(Job::Running, &history, recorder).unwrap();
    again.apply(job::Event::Halt).unwrap();
    let known: Vec<bool> = journal
        .entries("q-1")
        .unwrap()
        .iter()
        .map(|e| e.in_state.is_some())
        .collect();
    assert_eq!(known, [true, false, true, false]);
}

/// `AsConflict` finds the conflict in each error a closure given to `retry` may return: the
/// typed API's `Refused`, `SqlError`, `Conflict` itself; and nothing in other errors.
#[test]
fn every_error_with_a_conflict_shows_it() {
    use statewright::sql::AsConflict;

    let path = database("as-conflict", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    job::start_with(journal.recorder("c-1")).run().unwrap();
    // A second typed machine for the same instance loses the race at #1.
    let refused = job::start_with(journal.recorder("c-1")).run().unwrap_err();
    let expected = (1, "Idle", Some(("Running", 1)));
    let seen = |c: &statewright::sql::Conflict| (c.attempted, c.from, c.current);
    assert_eq!(refused.as_conflict().map(seen), Some(expected));
    let error: &SqlError = refused.error();
    assert_eq!(error.as_conflict().map(seen), Some(expected));
    let conflict = error.conflict().unwrap().clone();
    assert_eq!(conflict.as_conflict().map(seen), Some(expected));

    // A rejection holding a conflict, and one holding none.
    let mut lost = Dynamic::start_with(Job::Idle, journal.recorder("c-1")).unwrap();
    let rejection = lost.apply(job::Event::Run).unwrap_err();
    assert_eq!(rejection.as_conflict().map(seen), Some(expected));
    let illegal = lost.apply(job::Event::Pause).unwrap_err();
    assert!(
        matches!(illegal.cause(), Cause::IllegalUnrecorded(_)),
        "{illegal}"
    );
    assert_eq!(
        illegal.as_conflict().map(seen),
        Some((1, "Idle", Some(("Running", 1))))
    );
    let mut fresh = Dynamic::start_with(Job::Idle, journal.recorder("c-2")).unwrap();
    let plain = fresh.apply(job::Event::Pause).unwrap_err();
    assert!(matches!(plain.cause(), Cause::Illegal), "{plain}");
    assert!(plain.as_conflict().is_none());
}

/// A blob where text belongs is shown as a literal of at most 32 bytes, with its length when
/// it is longer.
#[test]
fn a_long_blob_is_shown_cut_with_its_length() {
    let path = database("long-blob", true);
    let journal = SqliteJournal::open(&path, Job::DEFINITION).unwrap();
    for id in ["exactly", "longer"] {
        job::start_with(journal.recorder(id)).run().unwrap();
    }
    let connection = Connection::open(&path).unwrap();
    let blob = |n: usize| format!("X'{}'", "ab".repeat(n));
    connection
        .execute_batch(&format!(
            "UPDATE statewright_records SET to_state = {} WHERE instance = 'exactly';
             UPDATE statewright_records SET to_state = {} WHERE instance = 'longer'",
            blob(32),
            blob(33)
        ))
        .unwrap();
    let shown = |id: &str| journal.state(id).unwrap_err().to_string();
    assert_eq!(
        shown("exactly"),
        format!(
            "the journal of instance `exactly` is corrupt at record #1: its `to_state` is the \
             blob x'{}', not text",
            "ab".repeat(32)
        )
    );
    assert_eq!(
        shown("longer"),
        format!(
            "the journal of instance `longer` is corrupt at record #1: its `to_state` is the \
             blob x'{}'... (33 bytes), not text",
            "ab".repeat(32)
        )
    );
}

/// The async journal: the shared checks inside tokio runtimes of both flavours (what
/// `#[tokio::main]` builds), two racing writers, a cancelled append, `Send` futures.
#[cfg(feature = "sqlite-async")]
mod awaited {
    use std::future::Future;
    use std::path::PathBuf;
    use std::pin::Pin;

    use statewright::sql::sqlite::AsyncSqliteJournal;
    use statewright::sql::{AsyncJournal, SqlError};
    use statewright::{Awaited, Definition, Dynamic, StateMachine};

    use super::{database, sql_common};
    use sql_common::{Job, job, job_state};

    type Opened = Pin<Box<dyn Future<Output = Result<AsyncSqliteJournal, SqlError>> + Send>>;

    fn opener(path: PathBuf) -> impl Fn(&'static Definition) -> Opened + Sync {
        move |definition| {
            let path = path.clone();
            Box::pin(async move { AsyncSqliteJournal::open(&path, definition).await })
        }
    }

    /// Runs SQL on a connection of its own (a test may block).
    fn exec(path: PathBuf) -> impl Fn(&str) -> Pin<Box<dyn Future<Output = ()> + Send>> + Sync {
        move |sql| {
            rusqlite_exec(&path, sql);
            Box::pin(std::future::ready(()))
        }
    }

    fn rusqlite_exec(path: &std::path::Path, sql: &str) {
        super::Connection::open(path)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn behaves_like_a_journal_in_a_current_thread_runtime() {
        let path = database("async-behaves-ct", true);
        sql_common::awaited::behaves(&opener(path.clone()), &exec(path)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn behaves_like_a_journal_in_a_multi_thread_runtime() {
        let path = database("async-behaves-mt", true);
        // On a worker of the runtime, as a service's request handler would run it.
        tokio::spawn(async move {
            sql_common::awaited::behaves(&opener(path.clone()), &exec(path)).await;
        })
        .await
        .unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accepts_and_refuses_the_ids_the_others_do() {
        let path = database("async-ids", true);
        let journal = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::ids(&journal).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn never_reports_an_illegal_last_row() {
        let path = database("async-heads", true);
        let journal = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::hand_edited_heads(&journal, &exec(path)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_two_racing_writers_exactly_one_wins() {
        let path = database("async-race", true);
        let first = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        let second = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::two_writers_race(&first, &second).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_cancelled_append_poisons_the_machine_and_the_history_replays() {
        let path = database("async-cancel", true);
        let journal = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::cancelled_append(&journal).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn migrations_are_explicit_and_run_off_the_executor() {
        let path = database("async-migrate", false);
        let missing = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("run `statewright::sql::sqlite::migrate` once"),
            "{missing}"
        );
        assert_eq!(AsyncSqliteJournal::migrate(&path).await.unwrap(), [1]);
        assert!(AsyncSqliteJournal::migrate(&path).await.unwrap().is_empty());
        let journal = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        let count = journal
            .with_connection(|c| {
                c.query_row("SELECT COUNT(*) FROM statewright_machines", [], |row| {
                    row.get::<_, i64>(0)
                })
            })
            .await
            .unwrap();
        assert_eq!(count, 1);
    }

    /// A panic in a closure run on the journal's thread reaches the caller, and the journal
    /// goes on working.
    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_on_the_journals_thread_reaches_the_caller() {
        let path = database("async-panic", true);
        let journal = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        let spawned = tokio::spawn({
            let journal = journal.clone();
            async move { journal.with_connection(|_| panic!("boom")).await }
        });
        assert!(spawned.await.unwrap_err().is_panic());
        journal
            .apply("p-1", job::Event::Run, 1, job_state)
            .await
            .unwrap();
    }

    fn assert_send<T: Send>(_: &T) {}

    /// The futures of a journal and of an awaited machine are `Send`, for `tokio::spawn` on a
    /// multi-thread runtime (checked when this compiles).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn futures_are_send() {
        let path = database("async-send", true);
        let journal: AsyncJournal<_> = AsyncSqliteJournal::open(&path, Job::DEFINITION)
            .await
            .unwrap();
        let mut machine = Dynamic::start_with(Job::Idle, Awaited(journal.recorder("s-1"))).unwrap();
        let apply = machine.apply(job::Event::Run);
        assert_send(&apply);
        apply.await.unwrap();
        let applied = journal.apply("s-1", job::Event::Pause, 3, job_state);
        assert_send(&applied);
        applied.await.unwrap();
        let resumed = journal.resume("s-1", job_state);
        assert_send(&resumed);
        let mut machine = resumed.await.unwrap();
        tokio::spawn(async move { machine.apply(job::Event::Proceed).await.map(|_| ()) })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(journal.history("s-1").await.unwrap().len(), 3);
        assert_eq!(Job::DEFINITION.name(), "Job");
    }
}
