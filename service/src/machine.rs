//! The order machine the service runs: the README's order, with a deadline for payment and
//! an internal event that places a new order.
//!
//! Its states carry no data. Records hold states and events, not their data, so a state with
//! data (`Paid { amount_cents }`) would need a second write per transition (a snapshot, or a
//! row of the application's own) to be resumed; without data, every answer of the service is
//! exactly one `INSERT`, and any replica resumes any order from its records alone.

use statewright::{StateInfo, StateMachine, state_machine};

/// The lifecycle of an order in the service.
#[state_machine(derive(serde::Serialize, serde::Deserialize), internal(place))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Order {
    /// Being created: the service places it at once (`place` is internal: no client sends it).
    #[initial]
    #[on(place -> Pending)]
    New,
    /// Placed, waiting for payment; expires when not paid in time.
    #[timeout(15min -> Expired)]
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
    /// Not paid in time.
    #[terminal]
    Expired,
}

impl Order {
    /// The value of a stored state (the states carry no data, so the name says it all).
    pub fn from_state(state: StateInfo) -> Order {
        match state.name() {
            "New" => Order::New,
            "Pending" => Order::Pending,
            "Paid" => Order::Paid,
            "Shipped" => Order::Shipped,
            "Delivered" => Order::Delivered,
            "Cancelled" => Order::Cancelled,
            _ => Order::Expired,
        }
    }

    /// How long a placed order waits for payment before it expires, as the definition says
    /// (`#[timeout(15min -> Expired)]` on `Pending`); the service's
    /// [`Config::expire_after`](crate::Config::expire_after) can shorten it (tests do).
    pub fn payment_deadline() -> std::time::Duration {
        Order::DEFINITION
            .state("Pending")
            .and_then(|pending| pending.timeout())
            .map(|timeout| timeout.after())
            .unwrap_or(std::time::Duration::from_secs(15 * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_name() {
        for state in Order::DEFINITION.states() {
            assert_eq!(Order::from_state(state).state_info().name(), state.name());
        }
        assert_eq!(
            Order::payment_deadline(),
            std::time::Duration::from_secs(900)
        );
        assert_eq!(order::Event::EXTERNAL, ["pay", "cancel", "ship", "deliver"]);
    }
}
