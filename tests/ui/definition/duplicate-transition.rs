use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
