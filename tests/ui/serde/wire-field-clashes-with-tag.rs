use statewright::state_machine;

// With serde, an event is `{"type": "pay", ...}` with its target's fields beside `"type"`
// (and `"to"` for a choice or a guard): no field may take those names.
#[state_machine(derive(serde::Serialize, serde::Deserialize))]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declined, hold -> Held?)]
    Pending,
    #[terminal]
    Paid { r#type: String },
    #[terminal]
    Declined { to: String },
    #[terminal]
    Held { to: u8, reason: String },
}

fn main() {}
