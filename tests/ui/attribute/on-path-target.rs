use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Order::Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
