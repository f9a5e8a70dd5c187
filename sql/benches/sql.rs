//! Appends per second of the database journals against a plain INSERT loop of the same rows
//! (the limit of the database on this machine), for SQLite and PostgreSQL, with 1 and 8
//! concurrent writers: `cargo bench -p statewright-sql --features sqlite,postgres --bench sql`.
//!
//! Each writer has its own connection and its own orders (so no conflicts: this measures
//! throughput, not races), each walking `Pending -> Paid -> Shipped -> Delivered` (3 records).
//! Per round and variant the tables are new (a new SQLite file in WAL mode; a new PostgreSQL
//! schema), migrated and registered before the clock starts. Variants, interleaved per round:
//!
//! - `plain INSERT`: a prepared `INSERT INTO statewright_records ... VALUES (...)` of the very
//!   rows the journal writes, autocommit, one per record;
//! - `recorder`: a `Dynamic` machine per order applying its events through the journal's
//!   recorder (one `INSERT ... SELECT ... WHERE <continues the instance>` per record);
//! - `Journal::apply`: what a replica does per event: load the order (its history, verified),
//!   then apply through the recorder.
//!
//! PostgreSQL: `STATEWRIGHT_POSTGRES_URL`, default `tools/postgres/start.sh`'s server.
//! `STATEWRIGHT_BENCH_ROUNDS` (default 5) and `STATEWRIGHT_BENCH_RECORDS` (records per round,
//! default 1200) set the size. Not a timed test: nothing fails when it is slow.

use std::sync::Barrier;
use std::time::Instant;

use statewright::sql::postgres::postgres::{Client, NoTls};
use statewright::sql::postgres::{self, PgJournal};
use statewright::sql::sqlite::rusqlite::Connection;
use statewright::sql::sqlite::{self, SqliteJournal};
use statewright::sql::{Backend, Journal};
use statewright::{Dynamic, StateInfo, StateMachine, state_machine};

#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid,
    #[on(deliver -> Delivered)]
    Shipped,
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

fn order_state(state: StateInfo) -> Order {
    match state.name() {
        "Paid" => Order::Paid,
        "Shipped" => Order::Shipped,
        "Delivered" => Order::Delivered,
        "Cancelled" => Order::Cancelled,
        _ => Order::Pending,
    }
}

const WALK: [(&str, &str, &str); 3] = [
    ("Pending", "pay", "Paid"),
    ("Paid", "ship", "Shipped"),
    ("Shipped", "deliver", "Delivered"),
];

fn events() -> [order::Event; 3] {
    [order::Event::Pay, order::Event::Ship, order::Event::Deliver]
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    Recorder,
    Apply,
}

const VARIANTS: [(Variant, &str); 3] = [
    (Variant::Plain, "plain INSERT"),
    (Variant::Recorder, "recorder"),
    (Variant::Apply, "Journal::apply"),
];

/// A database for one round of one variant.
trait Database: Sync {
    type B: Backend;
    /// Fresh, migrated tables; returns what `journal` and `plain` connect to.
    fn fresh(&self, round: usize, variant: usize) -> String;
    fn journal(&self, at: &str) -> Journal<Self::B>;
    /// A plain INSERT loop of `orders` orders' rows for writer `w`.
    fn plain(&self, at: &str, w: usize, orders: usize);
}

struct Sqlite {
    dir: std::path::PathBuf,
}

impl Database for Sqlite {
    type B = Connection;

    fn fresh(&self, round: usize, variant: usize) -> String {
        let path = self.dir.join(format!("r{round}-v{variant}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        sqlite::migrate(&Connection::open(&path).unwrap()).unwrap();
        // Registers the machine (and sets WAL) before the clock starts.
        SqliteJournal::open(&path, Order::DEFINITION).unwrap();
        path.display().to_string()
    }

    fn journal(&self, at: &str) -> Journal<Connection> {
        SqliteJournal::open(at, Order::DEFINITION).unwrap()
    }

    fn plain(&self, at: &str, w: usize, orders: usize) {
        // The journal's connection setup: WAL (already set on the file) and the busy timeout.
        let conn = Connection::open(at).unwrap();
        conn.busy_timeout(sqlite::BUSY_TIMEOUT).unwrap();
        let mut insert = conn
            .prepare(
                "INSERT INTO statewright_records (machine, instance, sequence, from_state, event, \
                 to_state, outcome, at_ns, in_state_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .unwrap();
        for o in 0..orders {
            let id = format!("w{w}-o{o}");
            for (i, (from, event, to)) in WALK.iter().enumerate() {
                insert
                    .execute(statewright::sql::sqlite::rusqlite::params![
                        "Order",
                        id,
                        i as i64 + 1,
                        from,
                        event,
                        to,
                        "applied",
                        now_ns(),
                        1_000_i64
                    ])
                    .unwrap();
            }
        }
    }
}

struct Postgres {
    server: String,
}

impl Database for Postgres {
    type B = postgres::Postgres;

    fn fresh(&self, round: usize, variant: usize) -> String {
        let schema = format!("sw_bench_r{round}_v{variant}");
        let mut admin = Client::connect(&self.server, NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let separator = if self.server.contains('?') { '&' } else { '?' };
        let url = format!("{}{separator}options=-csearch_path%3D{schema}", self.server);
        postgres::migrate(&mut Client::connect(&url, NoTls).unwrap()).unwrap();
        PgJournal::connect(&url, Order::DEFINITION).unwrap();
        url
    }

    fn journal(&self, at: &str) -> Journal<postgres::Postgres> {
        PgJournal::connect(at, Order::DEFINITION).unwrap()
    }

    fn plain(&self, at: &str, w: usize, orders: usize) {
        let mut client = Client::connect(at, NoTls).unwrap();
        let insert = client
            .prepare(
                "INSERT INTO statewright_records (machine, instance, sequence, from_state, event, \
                 to_state, outcome, at_ns, in_state_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .unwrap();
        for o in 0..orders {
            let id = format!("w{w}-o{o}");
            for (i, (from, event, to)) in WALK.iter().enumerate() {
                let sequence = i as i64 + 1;
                let at_ns = now_ns();
                let in_state = Some(1_000_i64);
                client
                    .execute(
                        &insert,
                        &[
                            &"Order", &id, &sequence, from, event, to, &"applied", &at_ns,
                            &in_state,
                        ],
                    )
                    .unwrap();
            }
        }
    }
}

fn now_ns() -> Option<i64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
}

/// One timed run: `writers` threads, `orders` orders each; returns records per second.
fn run<D: Database>(db: &D, at: &str, variant: Variant, writers: usize, orders: usize) -> f64 {
    let barrier = Barrier::new(writers + 1);
    // The scope returns once every writer is done: the clock runs from the barrier to then.
    let start = std::thread::scope(|scope| {
        for w in 0..writers {
            let barrier = &barrier;
            scope.spawn(move || {
                let journal = (variant != Variant::Plain).then(|| db.journal(at));
                barrier.wait();
                match (variant, journal) {
                    (Variant::Plain, _) => db.plain(at, w, orders),
                    (Variant::Recorder, Some(journal)) => {
                        for o in 0..orders {
                            let id = format!("w{w}-o{o}");
                            let mut machine =
                                Dynamic::start_with(Order::Pending, journal.recorder(id)).unwrap();
                            for event in events() {
                                machine.apply(event).unwrap();
                            }
                        }
                    }
                    (Variant::Apply, Some(journal)) => {
                        for o in 0..orders {
                            let id = format!("w{w}-o{o}");
                            for event in events() {
                                journal.apply(&id, event, 3, order_state).unwrap();
                            }
                        }
                    }
                    _ => unreachable!("journal variants open a journal"),
                }
            });
        }
        barrier.wait();
        Instant::now()
    });
    (writers * orders * WALK.len()) as f64 / start.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn bench<D: Database>(name: &str, db: &D, rounds: usize, records: usize) {
    for writers in [1, 8] {
        let orders = (records / WALK.len() / writers).max(1);
        let mut results: Vec<Vec<f64>> = vec![Vec::new(); VARIANTS.len()];
        for round in 0..rounds {
            for k in 0..VARIANTS.len() {
                // Rotate which variant goes first.
                let v = (k + round) % VARIANTS.len();
                let at = db.fresh(round, v);
                results[v].push(run(db, &at, VARIANTS[v].0, writers, orders));
            }
        }
        let plain = median(&mut results[0].clone());
        for (v, (_, label)) in VARIANTS.iter().enumerate() {
            let mut r = results[v].clone();
            let m = median(&mut r);
            let (lo, hi) = (r[0], r[r.len() - 1]);
            println!(
                "| {name} | {writers} | {label} | {} | {m:.0} | {lo:.0}-{hi:.0} | {:.2} |",
                writers * orders * WALK.len(),
                m / plain
            );
        }
    }
}

fn main() {
    let rounds = env("STATEWRIGHT_BENCH_ROUNDS", 5).max(1);
    let records = env("STATEWRIGHT_BENCH_RECORDS", 1200).max(24);
    let dir = std::env::temp_dir().join(format!("statewright-sql-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = std::env::var("STATEWRIGHT_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:54329/postgres".to_owned());
    if let Err(e) = Client::connect(&server, NoTls) {
        eprintln!(
            "cannot connect to PostgreSQL at {server}: {e}; start tools/postgres/start.sh or set \
             STATEWRIGHT_POSTGRES_URL"
        );
        std::process::exit(1);
    }
    println!(
        "{rounds} rounds, about {records} records per round and variant; medians of records/s"
    );
    println!();
    println!("| database | writers | variant | records | records/s | min-max | ratio to plain |");
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
    bench("SQLite", &Sqlite { dir: dir.clone() }, rounds, records);
    bench("PostgreSQL", &Postgres { server }, rounds, records);
    let _ = std::fs::remove_dir_all(&dir);
}
