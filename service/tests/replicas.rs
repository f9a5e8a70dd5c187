//! Two service processes on one PostgreSQL database under the load of `tests/load.rs`, one of
//! them killed with SIGKILL halfway: nothing that was acknowledged is lost, the survivor keeps
//! serving (the clients of the killed one move to it and retry with the same keys), and the
//! conflicts between the two are resolved by retry.
//!
//! Needs `STATEWRIGHT_POSTGRES_URL` (`.ci/run` starts a server with `tools/postgres/start.sh`);
//! without it the test says so and passes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::{KeyRow, check_rows, drive, get, load, load_requests};
use reqwest::StatusCode;
use statewright::StateMachine;
use statewright::sql::postgres::AsyncPgJournal;
use statewright::sql::postgres::tokio_postgres::{self, NoTls};
use statewright_service::machine::Order;

/// A service process, killed when dropped (a failed assertion leaves no process behind).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `sql` on a connection of its own to `url`.
async fn admin(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = driver.await;
}

/// A service process on `url`; its base URL, read from the first line it prints.
fn spawn(url: &str) -> (Process, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_statewright-service"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--expire-after",
            "1h",
            "--connections",
            "4",
        ])
        .env("DATABASE_URL", url)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    // The rest of its output is not read; it does not need it to be.
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the service printed {line:?}"))
        .to_owned();
    (Process(child), base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_one_killed_halfway() {
    let Ok(server) = std::env::var("STATEWRIGHT_POSTGRES_URL") else {
        println!(
            "skipped: STATEWRIGHT_POSTGRES_URL is not set (start a server with \
             `bash tools/postgres/start.sh | tail -n1`)"
        );
        return;
    };
    // A schema of its own.
    let schema = format!("sw_service_{}", std::process::id());
    let admin_url = server.clone();
    let create = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
    admin(&admin_url, &create).await;
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{separator}options=-csearch_path%3D{schema}");

    let (a, base_a) = spawn(&url);
    let (b, base_b) = spawn(&url);
    let a = Arc::new(Mutex::new(a));
    let killed_at: Arc<Mutex<Option<Instant>>> = Arc::default();

    // Contention first: 64 clients pay the same few orders at once through both processes,
    // each with a key of its own. Each order is paid once; every other attempt is refused
    // (409), many of them after a conflict with the other process, reloaded and retried.
    let http = common::client();
    let mut hot = Vec::new();
    let mut hot_conflicts = 0;
    // Rounds until the two processes have met (they do, in the first round or two).
    for _round in 0..20 {
        let orders = [
            common::create(&http, &base_a).await.unwrap(),
            common::create(&http, &base_b).await.unwrap(),
        ];
        let mut tasks = Vec::new();
        for w in 0..64 {
            let (http, id) = (http.clone(), orders[w % 2].clone());
            let base = if w % 4 < 2 {
                base_a.clone()
            } else {
                base_b.clone()
            };
            tasks.push(tokio::spawn(async move {
                common::send(
                    &http,
                    &base,
                    &id,
                    Some(&format!("hot-{w}")),
                    r#"{"type":"pay"}"#,
                )
                .await
                .unwrap()
            }));
        }
        let mut paid = 0;
        for task in tasks {
            let reply = task.await.unwrap();
            hot_conflicts += reply.conflicts;
            match reply.status {
                StatusCode::OK => paid += 1,
                StatusCode::CONFLICT => {}
                other => panic!("{other}: {}", reply.text),
            }
        }
        assert_eq!(paid, 2, "each order is paid exactly once");
        hot.extend(orders);
        if hot_conflicts > 0 {
            break;
        }
    }
    println!(
        "contention: 64 payments each of {} orders through 2 processes: {hot_conflicts} \
         conflicts retried",
        hot.len()
    );
    assert!(hot_conflicts > 0, "two writers on the same orders conflict");

    let total = load_requests();
    let (orders, requests) = load(total, 16);
    let started = Instant::now();
    let kill = {
        let (a, killed_at) = (a.clone(), killed_at.clone());
        Box::new(move || {
            // SIGKILL: no shutdown, requests in flight are cut.
            a.lock().unwrap().0.kill().unwrap();
            *killed_at.lock().unwrap() = Some(Instant::now());
        })
    };
    let (ids, answers) = drive(
        &[base_a.clone(), base_b.clone()],
        orders,
        requests,
        64,
        kill,
    )
    .await;
    let elapsed = started.elapsed();
    let _ = a.lock().unwrap().0.wait();
    assert!(
        killed_at.lock().unwrap().is_some(),
        "the first replica was killed"
    );
    println!(
        "replicas: {total} requests ({orders} orders) from 64 clients to 2 processes, one \
         killed halfway, in {:.1} s ({:.0} requests/s); statuses {:?}; {} repeated keys \
         answered from the database; {} conflicts between writers retried; {} 503s retried",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        answers.statuses,
        answers.replayed,
        answers.conflicts,
        answers.retried_503,
    );

    // The survivor keeps serving: every order reads back from it.
    for id in ids.iter().step_by(ids.len() / 50 + 1) {
        let order = get(&http, &base_b, &format!("/orders/{id}")).await;
        assert_eq!(order.status, StatusCode::OK, "{}", order.text);
    }
    let fresh = common::create(&http, &base_b).await.unwrap();
    let pay = common::send(&http, &base_b, &fresh, Some("after"), r#"{"type":"pay"}"#)
        .await
        .unwrap();
    assert_eq!(pay.status, StatusCode::OK);
    drop(b);
    let left_out: Vec<String> = hot.iter().cloned().chain([fresh]).collect();

    // Nothing acknowledged is lost, nothing is written twice, every history replays.
    let journal = AsyncPgJournal::connect(&url, Order::DEFINITION)
        .await
        .unwrap();
    for id in &ids {
        assert!(!journal.history(id).await.unwrap().is_empty(), "{id}");
    }
    drop(journal);
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    let driver = tokio::spawn(connection);
    let rows: Vec<KeyRow> = client
        .query(
            "SELECT instance, event_id, sequence, outcome FROM statewright_records \
             WHERE event_id IS NOT NULL AND instance <> ALL($1)",
            &[&left_out],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let unkeyed: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM statewright_records WHERE event_id IS NULL \
             AND instance <> ALL($1)",
            &[&left_out],
        )
        .await
        .unwrap()
        .get(0);
    drop(client);
    let _ = driver.await;
    admin(&server, &format!("DROP SCHEMA {schema} CASCADE")).await;
    check_rows(&answers, &rows, unkeyed, orders);
}
