//! A definition for the runtime's unit tests, built the way generated code builds one.
//!
//! ```text
//! Order (initial: Pending)
//!   Pending --pay--> Paid
//!   Pending --cancel--> Cancelled
//!   Paid --ship--> Shipped
//!   Paid --cancel--> Cancelled
//!   Shipped --deliver--> Delivered
//!   terminal: Delivered, Cancelled
//! ```

use crate::__private::{definition, event, state, transition};
use crate::{Definition, Outcome, Record};

pub static STATES: [crate::StateInfo; 5] = [
    state("Pending", "Created.", true, false, 0, 2),
    state("Paid", "", false, false, 2, 2),
    state("Shipped", "", false, false, 4, 1),
    state("Delivered", "", false, true, 5, 0),
    state("Cancelled", "", false, true, 5, 0),
];
pub static EVENTS: [crate::EventInfo; 4] = [
    event("pay"),
    event("cancel"),
    event("ship"),
    event("deliver"),
];
pub static TRANSITIONS: [crate::Transition; 5] = [
    transition(0, 0, 1),
    transition(0, 1, 4),
    transition(1, 2, 2),
    transition(1, 1, 4),
    transition(2, 3, 3),
];
pub static ORDER: Definition = definition("Order", "An order.", &STATES, &EVENTS, &TRANSITIONS, 0);

/// Another machine, for records that do not belong to `ORDER`.
pub static LIGHT: Definition = definition(
    "Light",
    "",
    &LIGHT_STATES,
    &LIGHT_EVENTS,
    &LIGHT_TRANSITIONS,
    0,
);
static LIGHT_STATES: [crate::StateInfo; 2] = [
    state("Off", "", true, false, 0, 1),
    state("On", "", false, false, 1, 1),
];
static LIGHT_EVENTS: [crate::EventInfo; 1] = [event("toggle")];
static LIGHT_TRANSITIONS: [crate::Transition; 2] = [transition(0, 0, 1), transition(1, 0, 0)];

/// An applied record of `ORDER`.
pub fn applied(sequence: u64, from: &str, event: &str, to: &str) -> Record {
    Record::from_names(&ORDER, sequence, from, event, to, Outcome::Applied, None).unwrap()
}

/// A rejected record of `ORDER`.
pub fn rejected(sequence: u64, state: &str, event: &str) -> Record {
    Record::from_names(
        &ORDER,
        sequence,
        state,
        event,
        state,
        Outcome::Rejected,
        None,
    )
    .unwrap()
}
