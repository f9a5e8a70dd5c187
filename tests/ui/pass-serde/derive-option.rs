use serde::{Deserialize, Serialize};
use statewright::state_machine;

// Events arrive as data: `derive(Serialize, Deserialize)` gives the state types serde's derive
// and the event enum its wire form, `{"type": "<event>", <the target's fields>}`. A field's
// `#[serde(...)]` attributes shape the state type (and the enum, which derives serde itself),
// not the event. (Any path that ends in `Serialize` or `Deserialize` counts.)
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
    let event: order::Event = serde_json::from_str(r#"{"type":"pay","amount_cents":5}"#).unwrap();
    let mut d = order::Dynamic::from(order::start());
    d.apply(event).unwrap();
    assert_eq!(d.state(), &Order::Paid { amount_cents: 5 });
    let state = serde_json::to_string(&order::Paid { amount_cents: 5 }).unwrap();
    assert_eq!(state, r#"{"amount":5}"#);
    let snapshot_state = serde_json::to_string(d.state()).unwrap();
    assert_eq!(snapshot_state, r#"{"Paid":{"amount":5}}"#);
    let event = serde_json::to_string(&order::Event::Ship).unwrap();
    assert_eq!(event, r#"{"type":"ship"}"#);
}
