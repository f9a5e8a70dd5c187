//! Definitions for the runtime's unit tests, built the way generated code builds them.
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

use crate::__private::definition;
use crate::{Definition, Outcome, Record};

/// `ORDER`'s tables, for the statics below and for tests that add to them (a hierarchy).
pub const ORDER_TABLES: Definition = definition(
    "Order",
    "An order.",
    &["Pending", "Paid", "Shipped", "Delivered", "Cancelled"],
    &["Created.", "", "", "", ""],
    &[false, false, false, true, true],
    &[0, 2, 4, 5, 5, 5],
    &["pay", "cancel", "ship", "deliver"],
    &[0, 1, 1, 4, 2, 2, 1, 4, 3, 3],
    0,
    &[],
    &[],
    &[],
);

pub static ORDER: Definition = ORDER_TABLES;

/// The same machine as `ORDER` at another address (as when two crates each link a copy of
/// one definition): equal, not identical.
pub static ORDER_AGAIN: Definition = ORDER_TABLES;

/// Another machine, for records that do not belong to `ORDER`.
pub static LIGHT: Definition = definition(
    "Light",
    "",
    &["Off", "On"],
    &["", ""],
    &[false, false],
    &[0, 1, 2],
    &["toggle"],
    &[0, 1, 0, 0],
    0,
    &[],
    &[],
    &[],
);

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
