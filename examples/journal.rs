//! Orders recorded in a durable journal, then recovered after a "restart":
//! `cargo run --example journal --features journal`.
//!
//! 1. A handful of orders go through a journal file: some delivered, some cancelled, one left
//!    in `Paid`, and one illegal event, which is refused and recorded as rejected.
//! 2. Everything is dropped, as if the process stopped.
//! 3. The journal is reopened: it says what recovery found, where each order is, which orders
//!    are stuck in `Paid`, and an order's full history with the time it spent in each state.
//! 4. The stuck order is resumed from the journal and continues.

use std::error::Error;
use std::thread::sleep;
use std::time::Duration;

use statewright::journal::{Durability, Journal};
use statewright::{Dynamic, StateMachine, TypedMachine, state_machine};

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
    Paid { amount_cents: u64 },
    /// Handed to the carrier.
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    /// Received by the customer.
    #[terminal]
    Delivered,
    /// Cancelled before shipping.
    #[terminal]
    Cancelled,
}

/// Time passing between events, so that the times in state mean something.
fn a_moment(ms: u64) {
    sleep(Duration::from_millis(ms));
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!(
        "statewright-journal-example-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("orders.journal");

    println!("== 1. orders go through the journal {}", path.display());
    // `Sync`: each record is on disk before its transition is applied. `Flush` and
    // `GroupCommit` trade some of that for throughput (see the journal's module docs).
    let journal = Journal::open(&path, Order::DEFINITION, Durability::Sync)?;

    // o-1, typed: each transition returns `Result`, since writing its record can fail
    // (the machine comes back unchanged in the error).
    let o1 = order::start_with(journal.recorder("o-1"));
    a_moment(10);
    let o1 = o1.pay(order::Paid { amount_cents: 4200 })?;
    a_moment(25);
    let o1 = o1.ship_with(|paid| order::Shipped {
        tracking: format!("TRK-{}", paid.amount_cents),
    })?;
    a_moment(40);
    let o1 = o1.deliver()?;
    println!("o-1: delivered after {} records", o1.sequence());

    // o-2, dynamic: events arrive as data.
    let mut o2 = Dynamic::start_with(Order::Pending, journal.recorder("o-2"))?;
    a_moment(5);
    println!("o-2: {}", o2.apply(order::Event::Cancel)?);

    // o-3: paid, then an illegal event (it cannot be delivered before it ships). The event
    // is refused and handed back, the state is unchanged, and the attempt is recorded.
    let mut o3 = Dynamic::start_with(Order::Pending, journal.recorder("o-3"))?;
    println!(
        "o-3: {}",
        o3.apply(order::Event::Pay { amount_cents: 1999 })?
    );
    a_moment(5);
    let rejection = o3.apply(order::Event::Deliver).unwrap_err();
    println!("o-3: refused: {rejection}");
    println!(
        "o-3: the rejection is record #{}, and o-3 stays {:?}",
        o3.sequence(),
        o3.state()
    );

    // o-4: paid, then cancelled before shipping; o-5: delivered.
    let mut o4 = Dynamic::start_with(Order::Pending, journal.recorder("o-4"))?;
    o4.apply(order::Event::Pay { amount_cents: 500 })?;
    o4.apply(order::Event::Cancel)?;
    let mut o5 = Dynamic::start_with(Order::Pending, journal.recorder("o-5"))?;
    for event in [
        order::Event::Pay { amount_cents: 700 },
        order::Event::Ship {
            tracking: "TRK-700".into(),
        },
        order::Event::Deliver,
    ] {
        o5.apply(event)?;
    }
    println!("o-4: {:?}, o-5: {:?}", o4.state(), o5.state());

    println!("\n== 2. the process stops: every machine and the journal are dropped");
    drop((o1, o2, o3, o4, o5, journal));

    println!("\n== 3. the journal is reopened");
    let journal = Journal::open(&path, Order::DEFINITION, Durability::Sync)?;
    let recovery = journal.recovery();
    println!(
        "recovery: {} records of {} orders, torn tail: {}, new file: {}",
        recovery.records,
        recovery.instances,
        recovery
            .torn
            .map_or("none".to_owned(), |(at, bytes)| format!(
                "{bytes} bytes cut at byte {at}"
            )),
        recovery.created
    );
    for (id, state, sequence) in journal.instances() {
        println!(
            "  {id}: {:<9} ({sequence} record{})",
            state.name(),
            if sequence == 1 { "" } else { "s" }
        );
    }
    println!("stuck in Paid: {:?}", journal.instances_in("Paid"));

    println!("\nthe history of o-1, with the time it spent in each state:");
    for entry in journal.entries("o-1")? {
        let record = entry.record;
        let at = record.at().map_or("-".to_owned(), |t| t.to_string());
        let in_state = entry.in_state.map_or("unknown".to_owned(), |d| {
            format!("{:.1} ms", d.as_secs_f64() * 1e3)
        });
        println!(
            "  {:<36} at {at}, after {in_state} in {}",
            record.to_string(),
            record.from().name()
        );
    }

    println!("\n== 4. o-3 is resumed from the journal and ships");
    // Records carry no state data: the application keeps it (here, we know the amount).
    let state = journal.state("o-3").expect("o-3 is in the journal");
    assert_eq!(state.name(), "Paid");
    let mut o3 = Dynamic::resume(
        Order::Paid { amount_cents: 1999 },
        journal.history("o-3")?,
        journal.recorder("o-3"),
    )?;
    println!(
        "o-3: {}",
        o3.apply(order::Event::Ship {
            tracking: "TRK-1999".into()
        })?
    );
    println!("stuck in Paid now: {:?}", journal.instances_in("Paid"));

    journal.close()?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
