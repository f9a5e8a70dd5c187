//! Two replicas of an order service share one PostgreSQL journal:
//! `cargo run --example replicas --features postgres`.
//!
//! Two worker threads, each with its own connection (standing in for two replicas on two
//! machines), take order events from one shuffled stream in which some events arrive twice.
//! Each event is applied with `Journal::apply`: load the order, apply, and when the other
//! replica wrote to the same order first (a conflict), load it again and apply again. An event
//! that is not allowed in the order's state (a duplicate, or one that arrived out of order) is
//! refused and recorded as rejected. At the end the example prints each order's history, read
//! back and verified from the database, and the number of conflicts.
//!
//! It needs a PostgreSQL server: `STATEWRIGHT_POSTGRES_URL`, or by default the throwaway one
//! that `tools/postgres/start.sh` starts (`postgresql://postgres@127.0.0.1:54329/postgres`).
//! It works in its own schema, `statewright_example`, which it creates afresh each run.

use std::collections::VecDeque;
use std::error::Error;
use std::sync::Mutex;

use statewright::sql::ApplyError;
use statewright::sql::postgres::postgres::{Client, NoTls};
use statewright::sql::postgres::{self, PgJournal};
use statewright::{StateInfo, StateMachine, state_machine};

/// The lifecycle of a customer order.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Created, waiting for payment.
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    /// Payment captured.
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid,
    /// Handed to the carrier.
    #[on(deliver -> Delivered)]
    Shipped,
    /// Received by the customer.
    #[terminal]
    Delivered,
    /// Cancelled before shipping.
    #[terminal]
    Cancelled,
}

/// The value of a stored state (the order's states carry no data).
fn order_state(state: StateInfo) -> Order {
    match state.name() {
        "Paid" => Order::Paid,
        "Shipped" => Order::Shipped,
        "Delivered" => Order::Delivered,
        "Cancelled" => Order::Cancelled,
        _ => Order::Pending,
    }
}

/// SplitMix64, so that every run shuffles the same way.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The stream: per order, its events in order, some of them twice; then the orders'
/// streams interleaved at random, each order's events keeping their order mostly (a
/// duplicate can land anywhere after the original).
fn stream(orders: usize, rng: &mut Rng) -> Vec<(String, order::Event)> {
    let mut per_order: Vec<VecDeque<(String, order::Event)>> = (0..orders)
        .map(|i| {
            let id = format!("o-{}", i + 1);
            let script = if i % 4 == 3 {
                vec![order::Event::Pay, order::Event::Cancel]
            } else {
                vec![order::Event::Pay, order::Event::Ship, order::Event::Deliver]
            };
            let mut events = VecDeque::new();
            for event in script {
                events.push_back((id.clone(), event.clone()));
                if rng.below(3) == 0 {
                    // A message delivered twice.
                    events.push_back((id.clone(), event));
                }
            }
            events
        })
        .collect();
    let mut out = Vec::new();
    while per_order.iter().any(|events| !events.is_empty()) {
        let i = rng.below(per_order.len());
        if let Some(event) = per_order[i].pop_front() {
            out.push(event);
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let server = std::env::var("STATEWRIGHT_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:54329/postgres".to_owned());
    let mut admin = Client::connect(&server, NoTls).map_err(|e| {
        format!(
            "cannot connect to {server}: {e}\nstart a local server with `tools/postgres/start.sh` \
             (it needs `apt-get install postgresql`) or set STATEWRIGHT_POSTGRES_URL"
        )
    })?;
    admin.batch_execute(
        "DROP SCHEMA IF EXISTS statewright_example CASCADE; CREATE SCHEMA statewright_example",
    )?;
    let separator = if server.contains('?') { '&' } else { '?' };
    let url = format!("{server}{separator}options=-csearch_path%3Dstatewright_example");

    // Once, when deploying: the journal's tables. Journals never create them on their own.
    let applied = postgres::migrate(&mut Client::connect(&url, NoTls)?)?;
    println!("== migrations applied: {applied:?}");

    let mut rng = Rng(2026);
    let events = stream(8, &mut rng);
    println!(
        "== {} events for 8 orders, shuffled, some twice",
        events.len()
    );
    let queue = Mutex::new(VecDeque::from(events));

    let totals = std::thread::scope(|scope| {
        let workers: Vec<_> = ["replica-a", "replica-b"]
            .into_iter()
            .map(|name| {
                let queue = &queue;
                let url = &url;
                scope.spawn(move || -> Result<(u32, u32, u32), String> {
                    // Each replica has its own connection.
                    let journal =
                        PgJournal::connect(url, Order::DEFINITION).map_err(|e| e.to_string())?;
                    let (mut applied, mut refused, mut conflicts) = (0, 0, 0);
                    loop {
                        let next = queue.lock().map_err(|e| e.to_string())?.pop_front();
                        let Some((id, event)) = next else {
                            return Ok((applied, refused, conflicts));
                        };
                        match journal.apply(&id, event, 10, order_state) {
                            Ok(done) => {
                                conflicts += done.conflicts;
                                applied += 1;
                                println!("{name}: {id} {}", done.record);
                            }
                            Err(ApplyError::Rejected {
                                rejection,
                                conflicts: c,
                            }) if rejection.is_illegal() => {
                                conflicts += c;
                                refused += 1;
                                println!("{name}: {id} refused: {rejection}");
                            }
                            Err(error) => return Err(format!("{name}: {id}: {error}")),
                        }
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().map_err(|_| "a worker panicked".to_owned())?)
            .collect::<Result<Vec<_>, String>>()
    })?;

    println!("\n== the orders, read back from the database (each history verified)");
    let journal = PgJournal::connect(&url, Order::DEFINITION)?;
    for instance in journal.instances()? {
        let (id, state, sequence) = instance?;
        println!("{id}: {} after {sequence} records", state.name());
        for record in journal.history(&id)? {
            println!("    {record}");
        }
    }
    let (applied, refused, conflicts) = totals
        .iter()
        .fold((0, 0, 0), |(a, r, c), t| (a + t.0, r + t.1, c + t.2));
    println!(
        "\n== {applied} events applied, {refused} refused (duplicates or out of order, recorded \
         as rejected), {conflicts} conflicts between the replicas (each reloaded and retried)"
    );
    Ok(())
}
