use statewright::state_machine;

use serde::{Deserialize, Serialize};

// Events arrive as data: derive `Deserialize` on the generated event enum (and state types).
// The fields' attributes (here `#[serde(rename)]`) come along.
#[state_machine(derive(Serialize, Deserialize))]
#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shipped)]
    Paid {
        #[serde(rename = "amount")]
        amount_cents: u64,
    },
    #[terminal]
    Shipped,
}

fn main() {
    let event: order::Event = serde_json::from_str(r#"{"Pay":{"amount":5}}"#).unwrap();
    let mut d = order::Dynamic::from(order::start());
    d.apply(event).unwrap();
    assert_eq!(d.state(), &Order::Paid { amount_cents: 5 });
    let state = serde_json::to_string(&order::Paid { amount_cents: 5 }).unwrap();
    assert_eq!(state, r#"{"amount":5}"#);
}
