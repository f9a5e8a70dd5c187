//! The PostgreSQL journal against a real server: `STATEWRIGHT_POSTGRES_URL`, or the throwaway
//! one `tools/postgres/start.sh` starts. Each test works in its own schema. The shared checks,
//! a race of 8 threads with their own connections, and connections killed mid-append.
#![cfg(feature = "postgres")]

mod sql_common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sql_common::{Job, job, job_state};
use statewright::StateMachine;
use statewright::sql::SqlError;
use statewright::sql::postgres::postgres::{Client, NoTls};
use statewright::sql::postgres::{self, PgJournal};

/// The server's URL: from `STATEWRIGHT_POSTGRES_URL`, or from starting the throwaway server.
/// Without a server the tests fail and say how to get one; they never pass silently.
fn server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("STATEWRIGHT_POSTGRES_URL") {
            return url;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/postgres/start.sh");
        let output = std::process::Command::new("bash").arg(script).output();
        match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned(),
            Ok(out) => panic!(
                "the PostgreSQL tests need a server: set STATEWRIGHT_POSTGRES_URL, or install the \
                 server binaries (`apt-get install postgresql`) so that {script} can start a \
                 throwaway one; it said:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => panic!("cannot run {script}: {e}"),
        }
    })
}

/// A fresh schema of its own for one test (named after the test and this process, so that
/// tests and concurrent runs do not meet), dropped again when the test ends.
struct Schema {
    name: String,
    params: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        // On a thread of its own: the synchronous client cannot run inside the async tests'
        // runtimes.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = Client::connect(server(), NoTls) {
                let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
            }
        })
        .join();
    }
}

/// A fresh schema for test `name`, with the journal's tables if `migrate`.
fn schema(name: &str, migrate: bool) -> Schema {
    let schema = format!("sw_test_{name}_{}", std::process::id());
    let mut admin = Client::connect(server(), NoTls).unwrap();
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let url = server();
    let separator = if url.contains('?') { '&' } else { '?' };
    let params = if url.starts_with("postgres") {
        format!("{url}{separator}options=-csearch_path%3D{schema}")
    } else {
        format!("{url} options='-c search_path={schema}'")
    };
    if migrate {
        let mut client = Client::connect(&params, NoTls).unwrap();
        assert_eq!(postgres::migrate(&mut client).unwrap(), [1]);
    }
    Schema {
        name: schema,
        params,
    }
}

#[test]
fn behaves_like_a_journal() {
    let schema = schema("behaves", true);
    let params = &schema.params;
    sql_common::ready(sql_common::blocking::behaves(
        &|definition| PgJournal::connect(params, definition),
        &|sql| {
            Client::connect(params, NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap()
        },
    ));
}

#[test]
fn eight_threads_race_on_shared_instances() {
    let schema = schema("race", true);
    let params = &schema.params;
    let (rows, conflicts) = sql_common::race(
        || PgJournal::connect(params, Job::DEFINITION).unwrap(),
        8,
        150,
        3,
    );
    println!("postgres race: {rows} records, {conflicts} conflicts");
    assert!(conflicts > 0, "8 threads on 3 instances should collide");
}

#[test]
fn migrations_are_explicit_and_idempotent() {
    let schema = schema("migrations", false);
    let params = &schema.params;
    let missing = PgJournal::connect(params, Job::DEFINITION).unwrap_err();
    assert!(
        matches!(missing, SqlError::SchemaMissing { .. }),
        "{missing}"
    );
    assert!(
        missing
            .to_string()
            .contains("run `statewright::sql::postgres::migrate` once"),
        "{missing}"
    );
    let mut client = Client::connect(params, NoTls).unwrap();
    let tables: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "connecting created no table");
    // Two migrators at once: the advisory lock lets one do the work.
    let results: Vec<Vec<i64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut client = Client::connect(params, NoTls).unwrap();
                    postgres::migrate(&mut client).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.concat(), [1]);
    assert!(postgres::migrate(&mut client).unwrap().is_empty());
    PgJournal::connect(params, Job::DEFINITION).unwrap();
}

/// The pid of the journal's server process.
fn backend_pid(journal: &PgJournal) -> i32 {
    journal.with_client(|c| c.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0))
}

/// Waits until backend `pid` waits for a lock, then terminates it.
fn terminate_when_waiting(admin: &mut Client, pid: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: bool = admin
            .query_one(
                "SELECT COALESCE((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1), false)",
                &[&pid],
            )
            .unwrap()
            .get(0);
        if waiting {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "backend {pid} never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
}

/// A job in `Running` at #1 appends `pause` while `hold` (run on another session) keeps the
/// append from finishing; its server process is terminated meanwhile, then `release` runs.
/// The transition must not happen, the error must reach the caller, nothing must be recorded,
/// and the same machine's next append must connect again and go through.
fn killed_while_held(name: &str, hold: &str, release: &str) {
    let schema = schema(name, true);
    let params = &schema.params;
    let journal = PgJournal::connect(params, Job::DEFINITION).unwrap();
    let mut job = journal.resume("j", job_state).unwrap();
    job.apply(job::Event::Run).unwrap();
    let pid = backend_pid(&journal);

    let mut admin = Client::connect(params, NoTls).unwrap();
    admin.batch_execute(hold).unwrap();
    let worker = std::thread::spawn(move || {
        let result = job.apply(job::Event::Pause).map(|r| r.to_string());
        (job, result.map_err(|r| r.to_string()))
    });
    let mut watcher = Client::connect(server(), NoTls).unwrap();
    terminate_when_waiting(&mut watcher, pid);
    admin.batch_execute(release).unwrap();
    let (mut job, result) = worker.join().unwrap();
    let error = result.unwrap_err();
    assert!(error.contains("database journal append failed"), "{error}");
    assert_eq!((job.state(), job.sequence()), (&Job::Running, 1));
    assert_eq!(
        journal.history("j").unwrap().len(),
        1,
        "nothing was recorded"
    );

    let record = job.apply(job::Event::Pause).unwrap();
    assert_eq!(record.to_string(), "#2 Running --pause--> Paused");
    assert_ne!(backend_pid(&journal), pid);
}

#[test]
fn a_connection_killed_during_the_insert_leaves_the_machine_where_it_was() {
    // Another session locks the table, so the append waits in the middle of its statement.
    killed_while_held(
        "killed_insert",
        "BEGIN; LOCK TABLE statewright_records IN EXCLUSIVE MODE",
        "ROLLBACK",
    );
}

#[test]
fn a_connection_killed_during_the_commit_leaves_the_machine_where_it_was() {
    // A deferred trigger makes the commit wait for an advisory lock another session holds:
    // the INSERT has decided the transition, the commit has not happened.
    killed_while_held(
        "killed_commit",
        "CREATE FUNCTION wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_advisory_xact_lock(740917); RETURN NULL; END $$; \
         CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON statewright_records \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_at_commit(); \
         SELECT pg_advisory_lock(740917)",
        "SELECT pg_advisory_unlock(740917); DROP TRIGGER wait_at_commit ON statewright_records",
    );
}

#[test]
fn both_backends_accept_and_refuse_the_same_ids() {
    let schema = schema("ids", true);
    sql_common::ready(sql_common::blocking::ids(
        &PgJournal::connect(&schema.params, Job::DEFINITION).unwrap(),
    ));
}

#[test]
fn state_and_instances_in_never_report_an_illegal_last_row() {
    let schema = schema("heads", true);
    let params = &schema.params;
    sql_common::ready(sql_common::blocking::hand_edited_heads(
        &PgJournal::connect(params, Job::DEFINITION).unwrap(),
        &|sql: &str| {
            Client::connect(params, NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap()
        },
    ));
}

#[test]
fn database_errors_carry_the_servers_reason() {
    use std::error::Error;

    let schema = schema("reason", true);
    let params = &schema.params;
    let journal = PgJournal::connect(params, Job::DEFINITION).unwrap();
    Client::connect(params, NoTls)
        .unwrap()
        .batch_execute(
            "ALTER TABLE statewright_records ADD CONSTRAINT no_x CHECK (instance <> 'x')",
        )
        .unwrap();
    let mut machine = statewright::Dynamic::start_with(Job::Idle, journal.recorder("x")).unwrap();
    let rejection = machine.apply(job::Event::Run).unwrap_err();
    let statewright::Cause::Unrecorded(error) = rejection.cause() else {
        panic!("{rejection}");
    };
    let message = error.to_string();
    assert!(
        message.starts_with("database journal append failed: ")
            && message.contains("violates check constraint \"no_x\"")
            && message.contains("SQLSTATE 23514"),
        "{message}"
    );
    // The client's error stays reachable for downcasting, and the chain reaches the server's.
    let client = error.database_error().unwrap();
    let client = client
        .downcast_ref::<statewright::sql::postgres::postgres::Error>()
        .expect("the client's error");
    assert_eq!(
        client.code(),
        Some(&statewright::sql::postgres::postgres::error::SqlState::CHECK_VIOLATION)
    );
    let mut chain = Vec::new();
    let mut source = error.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    assert!(
        chain
            .iter()
            .any(|s| s.contains("violates check constraint")),
        "{chain:?}"
    );
}

/// Terminates backend `pid` at once.
fn terminate(admin: &mut Client, pid: i32) {
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
}

/// A read on a lost connection connects again and runs once more when the journal knows how
/// to connect (`connect`); a journal made `from_client` cannot, and hands the error out.
#[test]
fn a_read_on_a_lost_connection_reconnects_only_when_the_journal_can() {
    let schema = schema("lost_read", true);
    let params = &schema.params;
    let mut admin = Client::connect(params, NoTls).unwrap();

    let journal = PgJournal::connect(params, Job::DEFINITION).unwrap();
    job::start_with(journal.recorder("r")).run().unwrap();
    let pid = backend_pid(&journal);
    terminate(&mut admin, pid);
    let (state, sequence) = journal.state("r").unwrap().unwrap();
    assert_eq!((state.name(), sequence), ("Running", 1));
    assert_ne!(backend_pid(&journal), pid, "a new connection");

    let journal =
        PgJournal::from_client(Client::connect(params, NoTls).unwrap(), Job::DEFINITION).unwrap();
    terminate(&mut admin, backend_pid(&journal));
    let error = journal.state("r").unwrap_err();
    assert!(
        matches!(error, SqlError::Database { during: "read", .. }),
        "{error}"
    );
    // (The client reports the loss as "connection closed" or as the socket's error, as the
    // timing has it.)
    assert!(
        error
            .to_string()
            .starts_with("database journal read failed: "),
        "{error}"
    );
    assert!(journal.state("r").is_err(), "still no connection");
}

/// The async journal: the shared checks inside tokio runtimes of both flavours (what
/// `#[tokio::main]` builds: the synchronous client panicked there), two racing writers, a
/// cancelled append, the migration on a `tokio-postgres` client.
#[cfg(feature = "postgres-async")]
mod awaited {
    use std::future::Future;
    use std::pin::Pin;

    use statewright::sql::SqlError;
    use statewright::sql::postgres::AsyncPgJournal;
    use statewright::sql::postgres::tokio_postgres::{self, NoTls};
    use statewright::{Definition, StateMachine};

    use super::{Schema, sql_common};
    use sql_common::Job;

    /// A fresh schema (made on a thread of its own, with the synchronous client), migrated
    /// here by the async journal's `migrate`.
    async fn schema(name: &str) -> Schema {
        let name = name.to_owned();
        let schema = std::thread::spawn(move || super::schema(&name, false))
            .join()
            .unwrap();
        let client = client(&schema.params).await;
        assert_eq!(AsyncPgJournal::migrate(&client).await.unwrap(), [1]);
        assert!(AsyncPgJournal::migrate(&client).await.unwrap().is_empty());
        schema
    }

    async fn client(params: &str) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(params, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }

    type Opened = Pin<Box<dyn Future<Output = Result<AsyncPgJournal, SqlError>> + Send>>;

    fn opener(params: String) -> impl Fn(&'static Definition) -> Opened + Sync {
        move |definition| {
            let params = params.clone();
            Box::pin(async move { AsyncPgJournal::connect(&params, definition).await })
        }
    }

    fn exec(params: String) -> impl Fn(&str) -> Pin<Box<dyn Future<Output = ()> + Send>> + Sync {
        move |sql| {
            let (params, sql) = (params.clone(), sql.to_owned());
            Box::pin(async move {
                client(&params).await.batch_execute(&sql).await.unwrap();
            })
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn behaves_like_a_journal_in_a_current_thread_runtime() {
        let schema = schema("async_behaves_ct").await;
        let params = schema.params.clone();
        sql_common::awaited::behaves(&opener(params.clone()), &exec(params)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn behaves_like_a_journal_in_a_multi_thread_runtime() {
        let schema = schema("async_behaves_mt").await;
        let params = schema.params.clone();
        tokio::spawn(async move {
            sql_common::awaited::behaves(&opener(params.clone()), &exec(params)).await;
        })
        .await
        .unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn accepts_and_refuses_the_ids_the_others_do() {
        let schema = schema("async_ids").await;
        let journal = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::ids(&journal).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn never_reports_an_illegal_last_row() {
        let schema = schema("async_heads").await;
        let journal = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::hand_edited_heads(&journal, &exec(schema.params.clone())).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_two_racing_writers_exactly_one_wins() {
        let schema = schema("async_race").await;
        let first = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        let second = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::two_writers_race(&first, &second).await;
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_cancelled_append_poisons_the_machine_and_the_history_replays() {
        let schema = schema("async_cancel").await;
        let journal = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        sql_common::awaited::cancelled_append(&journal).await;
    }

    fn assert_send<T: Send>(_: &T) {}

    /// The futures of the journal and of its machines are `Send` (checked when this
    /// compiles), so a multi-thread runtime can move them: `tokio::spawn` here.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn futures_are_send() {
        use statewright::{Awaited, Dynamic};

        let schema = schema("async_send").await;
        let journal = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap();
        let mut machine = Dynamic::start_with(Job::Idle, Awaited(journal.recorder("s-1"))).unwrap();
        let apply = machine.apply(sql_common::job::Event::Run);
        assert_send(&apply);
        apply.await.unwrap();
        let spawned = tokio::spawn({
            let journal = journal.clone();
            async move {
                journal
                    .apply(
                        "s-1",
                        sql_common::job::Event::Pause,
                        3,
                        sql_common::job_state,
                    )
                    .await
                    .map(|applied| applied.record.sequence())
            }
        });
        assert_eq!(spawned.await.unwrap().unwrap(), 2);
        let history = journal.history("s-1");
        assert_send(&history);
        assert_eq!(history.await.unwrap().len(), 2);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_missing_schema_names_the_async_migration() {
        let name = "async_missing".to_owned();
        let schema = std::thread::spawn(move || super::schema(&name, false))
            .join()
            .unwrap();
        let missing = AsyncPgJournal::connect(&schema.params, Job::DEFINITION)
            .await
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("run `statewright::sql::postgres::AsyncPgJournal::migrate` once"),
            "{missing}"
        );
        assert_eq!(Job::DEFINITION.name(), "Job");
    }
}
