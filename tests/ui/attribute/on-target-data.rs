use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid { amount_cents: 1 })]
    Pending,
    #[terminal]
    Paid { amount_cents: u64 },
}

fn main() {}
