use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shipped)]
    Paid,
    Shipped,
}

fn main() {}
