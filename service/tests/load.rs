//! A bounded load on the service with SQLite: 64 clients, `STATEWRIGHT_LOAD_REQUESTS` requests
//! in all (20,000 by default), with duplicate keys and events out of order. Afterwards every
//! order's history replays, no record is lost or written twice, every `2xx` (and `409`)
//! answer's record is in the database, and every duplicate got the first answer.

mod common;

use std::time::{Duration, Instant};

use common::{KeyRow, Scratch, check_rows, drive, get, load, load_requests};
use reqwest::StatusCode;
use statewright::StateMachine;
use statewright::sql::sqlite::AsyncSqliteJournal;
use statewright_service::machine::Order;
use statewright_service::{Config, Database, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_twenty_thousand_requests() {
    let scratch = Scratch::new("load");
    let service = start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::Sqlite(scratch.db()),
        expire_after: Duration::from_secs(3600),
        sweep_every: Duration::from_secs(3600),
        connections: 2,
    })
    .await
    .unwrap();
    let total = load_requests();
    let (orders, requests) = load(total, 15);
    let started = Instant::now();
    let (ids, answers) = drive(&[service.url()], orders, requests, 64, Box::new(|| {})).await;
    let elapsed = started.elapsed();
    println!(
        "load: {total} requests ({orders} orders) from 64 clients in {:.1} s ({:.0} requests/s); \
         statuses {:?}; {} repeated keys answered from the database; {} conflicts retried; \
         {} 503s retried",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        answers.statuses,
        answers.replayed,
        answers.conflicts,
        answers.retried_503,
    );
    assert!(answers.replayed > 0, "the load has duplicates");
    assert!(
        answers.statuses.get(&409).copied().unwrap_or(0) > 0,
        "and events out of order"
    );

    // Every order's history replays (the service verifies it, and so does a journal here).
    let http = common::client();
    for id in ids.iter().step_by(ids.len() / 50 + 1) {
        let order = get(&http, &service.url(), &format!("/orders/{id}")).await;
        assert_eq!(order.status, StatusCode::OK, "{}", order.text);
    }
    service.stop().await.unwrap();
    let journal = AsyncSqliteJournal::open(scratch.db(), Order::DEFINITION)
        .await
        .unwrap();
    for id in &ids {
        let history = journal.history(id).await.unwrap();
        assert!(!history.is_empty(), "{id}");
    }
    let (rows, unkeyed) = journal
        .with_connection(|c| {
            let mut statement = c
                .prepare(
                    "SELECT instance, event_id, sequence, outcome FROM statewright_records \
                     WHERE event_id IS NOT NULL",
                )
                .unwrap();
            let rows: Vec<KeyRow> = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let unkeyed: i64 = c
                .query_row(
                    "SELECT COUNT(*) FROM statewright_records WHERE event_id IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            (rows, unkeyed)
        })
        .await;
    check_rows(&answers, &rows, unkeyed, orders);
}
