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
    sql_common::behaves(
        |definition| SqliteJournal::open(&path, definition),
        |sql| {
            Connection::open(&path).unwrap().execute_batch(sql).unwrap();
        },
    );
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
    sql_common::ids(&SqliteJournal::open(&path, Job::DEFINITION).unwrap());
}

#[test]
fn state_and_instances_in_never_report_an_illegal_last_row() {
    let path = database("heads", true);
    sql_common::hand_edited_heads(
        &SqliteJournal::open(&path, Job::DEFINITION).unwrap(),
        &|sql: &str| Connection::open(&path).unwrap().execute_batch(sql).unwrap(),
    );
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
