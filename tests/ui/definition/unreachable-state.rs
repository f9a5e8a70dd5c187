use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
    #[on(refund -> Pending)]
    Refunded,
}

fn main() {}
