use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(payNow -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
