//! Timeouts under `timeouts = required`, with a named event, resume policies and a state that
//! says why it has none; under `deny(warnings, missing_docs)`.
#![deny(warnings, missing_docs)]

use statewright::{state_machine, Resume, StateMachine};

/// An order with deadlines.
#[state_machine(timeouts = required)]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Waiting for payment.
    #[initial]
    #[timeout(15min -> Expired)]
    #[on(pay -> Paid)]
    Pending,
    /// Paid.
    #[timeout(2d, escalate -> Escalated, resume = remaining)]
    #[on(ship -> Shipped)]
    Paid,
    /// Late.
    #[no_timeout(reason = "a person resolves it")]
    #[on(ship -> Shipped)]
    Escalated,
    /// Shipped.
    #[terminal]
    Shipped,
    /// Expired.
    #[terminal]
    Expired,
}

fn main() {
    let paid = Order::DEFINITION.state("Paid").unwrap().timeout().unwrap();
    assert_eq!(paid.resume(), Resume::Remaining);
    assert_eq!(paid.event().name(), "escalate");
    // The timeout's event is an event like any other.
    let _ = order::start().timeout().cancel_free();
}

trait CancelFree {
    fn cancel_free(self);
}

impl<S, R> CancelFree for order::Machine<S, R> {
    fn cancel_free(self) {}
}
