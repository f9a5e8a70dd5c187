use statewright::state_machine;

// The event enum's `Serialize` and `Deserialize` are statewright's wire form, which needs
// statewright's `serde` feature: without it, the error points at the derive.
#[state_machine(derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid { amount_cents: u64 },
}

fn main() {}
