use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[parent(Actve)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {}
