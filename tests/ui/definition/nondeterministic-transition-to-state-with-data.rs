use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid, pay -> Declined)]
    Pending,
    #[terminal]
    Paid { amount_cents: u64 },
    #[terminal]
    Declined,
}

fn main() {}
