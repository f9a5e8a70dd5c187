use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled), on(cancel -> Refunded))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
    #[terminal]
    Refunded,
}

fn main() {}
