use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[initial]
    #[terminal]
    Paid,
}

fn main() {}
