use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid {
        amount_cents: u64,
        #[cfg(not(test))]
        tax_cents: u64,
    },
}

fn main() {}
