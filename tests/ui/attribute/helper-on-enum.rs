use statewright::state_machine;

#[state_machine]
#[initial]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
