use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Pending,
    #[parent(Active)]
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {}
