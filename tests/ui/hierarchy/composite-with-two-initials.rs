use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid)]
    Pending,
    #[initial]
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {}
