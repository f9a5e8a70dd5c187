use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    #[terminal]
    Paid,
}

fn main() {}
