//! Orders that expire when they are not paid in time, driven by tokio:
//! `cargo run --example expiring_order --features tokio`.
//!
//! Each order runs in a task that waits for whichever comes first, its next message or its
//! timeout (`Timed::sleep`), in one `tokio::select!`. The first order is paid in time and
//! shipped, and the carrier's `ship` message arrives twice: the second delivery has the same
//! message id, so it changes nothing and records nothing (`Timed::apply_once` with a
//! `Window` of remembered ids). The second order is never paid and expires; the timeout is
//! recorded like any other transition, with the event that fired it.

use std::time::Duration;

use statewright::{Delivery, Dynamic, SystemClock, Timed, Window, state_machine};
use tokio::sync::mpsc;

/// The lifecycle of an order with deadlines.
#[state_machine(timeouts = required)]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Waiting for payment: expires after a while (short here, for the example).
    #[initial]
    #[timeout(300ms, expire -> Expired)]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    /// Paid: must ship before the promised date, or it is escalated.
    #[timeout(2s -> Escalated)]
    #[on(ship -> Shipped)]
    Paid,
    /// Late: a person looks at it.
    #[no_timeout(reason = "a person resolves it")]
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Escalated,
    /// Handed to the carrier.
    #[terminal]
    Shipped,
    /// Not paid in time.
    #[terminal]
    Expired,
    /// Cancelled.
    #[terminal]
    Cancelled,
}

/// A message from the queue: its id and the event it carries.
type Message = (&'static str, order::Event);

/// One order's task: applies the messages it receives (once per message id) and fires its
/// timeouts when they are due, until no more messages can come and no timeout is armed.
/// Returns the order's record.
async fn run(name: &'static str, mut messages: mpsc::Receiver<Message>) -> String {
    let mut order = Timed::new(Dynamic::start(Order::Pending).unwrap(), SystemClock::new());
    // The last 1000 message ids, for a day: a redelivery within that is recognised.
    let mut seen = Window::new(1000).with_max_age(Duration::from_secs(24 * 3600));
    let mut open = true;
    // Until no event can come and no timeout is armed.
    while open || order.deadline().is_some() {
        tokio::select! {
            message = messages.recv(), if open => match message {
                Some((id, event)) => match order.apply_once(&mut seen, id, event) {
                    Delivery::Applied(record) => println!("{name}: {id}: {record}"),
                    Delivery::Rejected(rejection) => println!("{name}: {id}: {rejection}"),
                    Delivery::Duplicate { first, .. } => {
                        println!("{name}: {id}: a duplicate of {first}; nothing changes");
                    }
                },
                None => open = false,
            },
            () = order.sleep() => {
                if let Some(Ok(record)) = order.fire_due() {
                    println!("{name}: {record} (timed out)");
                }
            }
        }
    }
    order.machine().recorder().to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (paid_tx, paid_rx) = mpsc::channel(8);
    let (late_tx, late_rx) = mpsc::channel(8);
    let paid = tokio::spawn(run("o-1", paid_rx));
    let late = tokio::spawn(run("o-2", late_rx));

    // o-1 is paid in time, then shipped; the carrier's message is delivered twice.
    tokio::time::sleep(Duration::from_millis(100)).await;
    paid_tx.send(("m-1", order::Event::Pay)).await.unwrap();
    paid_tx.send(("m-2", order::Event::Ship)).await.unwrap();
    paid_tx.send(("m-2", order::Event::Ship)).await.unwrap();
    drop(paid_tx);

    // o-2 is never paid: its `Pending` timeout fires after 300 ms.
    drop(late_tx);
    let (paid, late) = (paid.await.unwrap(), late.await.unwrap());
    println!("\n== o-1\n{paid}== o-2\n{late}");
}
