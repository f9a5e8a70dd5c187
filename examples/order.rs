//! The order machine of the README, end to end: `cargo run --example order`.
//!
//! 1. The typed API: each state is a type, each event a method that exists only where the event
//!    is allowed. `order.pay(...)` on a paid order does not compile. Paying is a choice: the
//!    payment is captured or declined, and the code after it handles both.
//! 2. The dynamic API: events that arrive as data are applied or refused, and a refused event
//!    is handed back with the state unchanged.
//! 3. The bridge: a stored order is resumed from its history, and the code that continues it
//!    is compile-time checked again in each arm of a `match`.
//! 4. The record: every attempt is recorded before the new state is observable, and the record
//!    replays against the definition.

use statewright::{Dynamic, Memory, StateMachine, TypedMachine, state_machine};

/// The lifecycle of a customer order.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Created, waiting for payment.
    #[initial]
    #[on(pay -> Paid | Declined, cancel -> Cancelled)]
    Pending,
    /// Payment captured.
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    /// The payment was declined; the customer may try again.
    #[on(retry -> Pending, cancel -> Cancelled)]
    Declined { reason: String },
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

/// An event as it arrives from a queue: a name and an optional value. A payment carries the
/// payment provider's answer: an amount captured, or the reason it was declined.
fn parse(message: &str) -> Option<order::Event> {
    let (name, value) = message.split_once(' ').unwrap_or((message, ""));
    Some(match name {
        "pay" => order::Event::Pay(match value.parse() {
            Ok(amount_cents) => order::Paid { amount_cents }.into(),
            Err(_) => order::Declined {
                reason: value.to_owned(),
            }
            .into(),
        }),
        "ship" => order::Event::Ship {
            tracking: value.to_owned(),
        },
        "deliver" => order::Event::Deliver,
        "cancel" => order::Event::Cancel,
        "retry" => order::Event::Retry,
        _ => return None,
    })
}

fn main() {
    println!("== typed: each state is a type");
    let order = order::start();
    println!("started in {}", order.state_info().name());
    // Paying may be captured or declined: the result is one of two typed machines, and the
    // `match` must handle both.
    let order = match order.pay(order::Declined {
        reason: "card expired".into(),
    }) {
        order::PaidOrDeclined::Paid(paid) => paid,
        order::PaidOrDeclined::Declined(declined) => {
            println!("declined: {}", declined.reason);
            let retried = declined.retry();
            match retried.pay(order::Paid { amount_cents: 4200 }) {
                order::PaidOrDeclined::Paid(paid) => paid,
                order::PaidOrDeclined::Declined(declined) => {
                    println!("declined again: {}", declined.reason);
                    return;
                }
            }
        }
    };
    println!("paid {} cents", order.amount_cents);
    // order.pay(...) here would not compile: `pay` is not allowed in state `Paid`.
    let order = order.ship_with(|paid| order::Shipped {
        tracking: format!("TRK-{}", paid.amount_cents),
    });
    println!("shipped with tracking {}", order.tracking);
    let order = order.deliver();
    println!("delivered; {} records:", order.sequence());
    print!("{}", order.recorder());

    println!("\n== dynamic: events arrive as data");
    let mut order = Dynamic::from(order::start());
    for message in [
        "ship TRK-1",
        "pay insufficient-funds",
        "pay 1999",
        "retry",
        "pay 1999",
        "pay 1999",
        "cancel",
        "deliver",
    ] {
        let Some(event) = parse(message) else {
            println!("{message:>22}: not an event");
            continue;
        };
        match order.apply(event) {
            Ok(record) => println!("{message:>22}: {record}"),
            Err(rejection) => {
                println!("{message:>22}: {rejection}");
                // Nothing is lost: the event comes back, the state is unchanged.
                let _event: order::Event = rejection.into_event();
            }
        }
    }
    println!("now {:?}; records:", order.state());
    print!("{}", order.recorder());

    println!("\n== bridge: resume a stored order and continue typed");
    let mut stored = Dynamic::from(order::start());
    stored
        .apply(order::Event::Pay(order::Paid { amount_cents: 500 }.into()))
        .expect("pay is allowed in Pending");
    let (state, _sequence, recorder) = stored.into_parts();
    let history = recorder.into_vec();
    // ... the state and its history are saved, the process restarts, both are loaded ...
    let resumed = Dynamic::resume(state, &history, Memory::from(history.clone()))
        .expect("the history leads to the stored state");
    let continued: order::Dynamic = match resumed.into_typed() {
        order::Typed::Paid(paid) => paid
            .ship(order::Shipped {
                tracking: "TRK-500".into(),
            })
            .into(),
        other => {
            println!("nothing to ship in {}", other.state_info().name());
            other.into()
        }
    };
    print!("{}", continued.recorder());

    println!("\n== record: replay against the definition");
    let replayed = Order::DEFINITION
        .replay(continued.recorder().records())
        .expect("a machine's own record is a legal path");
    println!(
        "{} records replay to {} ({} applied, {} rejected)",
        replayed.sequence(),
        replayed.state().name(),
        replayed.applied(),
        replayed.rejected()
    );
    print!("\n{}", Order::DEFINITION);
}
