use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid? now)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
