//! Requests per second and latency of the service's events route, next to a plain axum
//! handler that does the same `INSERT` without statewright: `cargo bench -p
//! statewright-service --bench http` (release). SQLite always; PostgreSQL too when
//! `STATEWRIGHT_POSTGRES_URL` is set. The ratio is the cost of the machine and its checks
//! (loading and replaying the order's history, the legality check, the idempotency key).
//!
//! Both servers run in this process on `127.0.0.1:0` with the same number of connections, and
//! both are async in the same way: on SQLite, the plain handler sends its `INSERT` to a
//! connection on a thread of its own and awaits it (an `AsyncSqliteJournal`'s connection,
//! through `with_connection`: the transport the service's journals use); on PostgreSQL it
//! runs a prepared `INSERT` on a `tokio-postgres` client. `CLIENTS` clients each take orders
//! through `pay`, `ship`, `deliver` (every request is an applied transition); only the event
//! requests are timed. `STATEWRIGHT_BENCH_ORDERS` orders per run (default 1000, so 3000 timed
//! requests); `STATEWRIGHT_BENCH_CONNECTIONS` connections per server (default 4).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use statewright::StateMachine;
use statewright::sql::postgres::tokio_postgres::{self, Client, NoTls, Statement};
use statewright::sql::sqlite::AsyncSqliteJournal;
use statewright_service::machine::Order;
use statewright_service::{Config, Database, start};

const CLIENTS: usize = 32;
/// Database connections per server, unless `STATEWRIGHT_BENCH_CONNECTIONS` says otherwise.
const CONNECTIONS: usize = 4;

fn connections() -> usize {
    std::env::var("STATEWRIGHT_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(CONNECTIONS)
}

/// The plain handler's database: as many connections as the service has, taken in turn.
enum Plain {
    /// Connections on threads of their own (the journals' transport, used for plain SQL).
    Sqlite(Vec<AsyncSqliteJournal>),
    /// Clients, with the `INSERT` prepared on each.
    Postgres(Vec<(Client, Statement)>),
}

/// A copy of the journal's records table, without statewright.
const TABLE: &str = "CREATE TABLE plain_records (machine TEXT NOT NULL, instance TEXT NOT NULL, \
    sequence BIGINT NOT NULL, from_state TEXT NOT NULL, event TEXT NOT NULL, to_state TEXT NOT NULL, \
    outcome TEXT NOT NULL, at_ns BIGINT, in_state_ns BIGINT, event_id TEXT, \
    PRIMARY KEY (machine, instance, sequence))";

const INSERT: &str = "INSERT INTO plain_records (machine, instance, sequence, from_state, event, \
    to_state, outcome, at_ns, in_state_ns, event_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

static SEQUENCE: AtomicI64 = AtomicI64::new(1);
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

async fn plain_event(
    State(db): State<Arc<Plain>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let event: serde_json::Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    };
    let name = event["type"].as_str().unwrap_or("").to_owned();
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let answer = format!(r#"{{"order":"{id}","event":"{name}","sequence":{sequence}}}"#);
    match &*db {
        Plain::Sqlite(connections) => {
            connections[slot % connections.len()]
                .with_connection(move |c| {
                    c.prepare_cached(&INSERT.replace('$', "?"))
                        .unwrap()
                        .execute(statewright::sql::sqlite::rusqlite::params![
                            "Order", id, sequence, "A", name, "B", "applied", at, 0i64, key
                        ])
                        .unwrap();
                })
                .await;
        }
        Plain::Postgres(clients) => {
            let (client, insert) = &clients[slot % clients.len()];
            client
                .execute(
                    insert,
                    &[
                        &"Order", &id, &sequence, &"A", &name, &"B", &"applied", &at, &0i64, &key,
                    ],
                )
                .await
                .unwrap();
        }
    }
    (StatusCode::OK, answer)
}

/// A `tokio-postgres` client on `url`, its connection driven by a task.
async fn pg_client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Latencies of `orders` orders taken through pay, ship, deliver by `CLIENTS` clients.
async fn run(base: &str, path: &str, orders: Vec<String>) -> (Duration, Vec<Duration>) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let orders = Arc::new(orders);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (http, orders, next, base, path) = (
            http.clone(),
            orders.clone(),
            next.clone(),
            base.to_owned(),
            path.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = orders.get(i) else {
                    return latencies;
                };
                for (j, event) in ["pay", "ship", "deliver"].iter().enumerate() {
                    let sent = Instant::now();
                    let response = http
                        .post(format!("{base}/{path}/{id}/events"))
                        .header("Idempotency-Key", format!("k-{j}"))
                        .body(format!(r#"{{"type":"{event}"}}"#))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200);
                    response.bytes().await.unwrap();
                    latencies.push(sent.elapsed());
                }
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (started.elapsed(), all)
}

fn summary(
    name: &str,
    (wall, mut latencies): (Duration, Vec<Duration>),
) -> (f64, Duration, Duration) {
    latencies.sort();
    let n = latencies.len();
    let rps = n as f64 / wall.as_secs_f64();
    let p50 = latencies[n / 2];
    let p99 = latencies[(n * 99 / 100).min(n - 1)];
    println!(
        "{name:<28} {n:>6} requests  {rps:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    (rps, p50, p99)
}

async fn compare(label: &str, database: Database, plain: Plain, orders: usize) {
    let service = start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database,
        expire_after: Duration::from_secs(3600),
        sweep_every: Duration::from_secs(3600),
        connections: connections(),
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_base = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/plain/{id}/events", post(plain_event))
        .with_state(Arc::new(plain));
    tokio::spawn(async move { axum::serve(listener, router).await });

    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..orders {
        let text = http
            .post(format!("{}/orders", service.url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        ids.push(v["order"].as_str().unwrap().to_owned());
    }
    let plain_ids: Vec<String> = (0..orders).map(|i| format!("p-{i}")).collect();
    // One measured run of each, statewright first (the plain one first gave the same picture).
    let (sw, plain) = {
        let sw = summary(
            &format!("{label}: statewright"),
            run(&service.url(), "orders", ids).await,
        );
        let plain = summary(
            &format!("{label}: plain INSERT"),
            run(&plain_base, "plain", plain_ids).await,
        );
        (sw, plain)
    };
    println!(
        "{label}: plain / statewright: throughput {:.2}x, p50 {:.2}x, p99 {:.2}x",
        plain.0 / sw.0,
        sw.1.as_secs_f64() / plain.1.as_secs_f64(),
        sw.2.as_secs_f64() / plain.2.as_secs_f64(),
    );
    service.stop().await.unwrap();
}

#[tokio::main]
async fn main() {
    let orders = std::env::var("STATEWRIGHT_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let n = connections();
    println!("{CLIENTS} clients, {n} connections per server, {orders} orders x 3 events");

    let dir =
        std::env::temp_dir().join(format!("statewright-service-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plain_path = dir.join("plain.db");
    AsyncSqliteJournal::migrate(&plain_path).await.unwrap();
    let mut connections = Vec::new();
    for _ in 0..n {
        connections.push(
            AsyncSqliteJournal::open(&plain_path, Order::DEFINITION)
                .await
                .unwrap(),
        );
    }
    connections[0]
        .with_connection(|c| c.execute_batch(TABLE))
        .await
        .unwrap();
    compare(
        "sqlite",
        Database::Sqlite(dir.join("orders.db")),
        Plain::Sqlite(connections),
        orders,
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);

    let Ok(server) = std::env::var("STATEWRIGHT_POSTGRES_URL") else {
        println!("postgres: skipped (STATEWRIGHT_POSTGRES_URL is not set)");
        return;
    };
    let schema = format!("sw_service_bench_{}", std::process::id());
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{separator}options=-csearch_path%3D{schema}");
    let admin = pg_client(&server).await;
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .await
        .unwrap();
    let mut clients = Vec::new();
    for i in 0..n {
        let client = pg_client(&url).await;
        if i == 0 {
            client.batch_execute(TABLE).await.unwrap();
        }
        let insert = client.prepare(INSERT).await.unwrap();
        clients.push((client, insert));
    }
    compare(
        "postgres",
        Database::Postgres(url),
        Plain::Postgres(clients),
        orders,
    )
    .await;
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}
