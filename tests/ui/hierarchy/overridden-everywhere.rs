use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid, cancel -> Refunded)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped, cancel -> Refunded)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
    #[terminal]
    Refunded,
}

fn main() {}
