use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid {
        #[initial]
        amount_cents: u64,
    },
}

fn main() {}
