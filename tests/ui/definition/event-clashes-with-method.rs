use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(pay_with -> Done)]
    Paid { amount_cents: u64 },
    #[terminal]
    Done,
}

fn main() {}
