use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, parent, colour = "red", on(cancel => Cancelled))]
#[composite("Archive")]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Pending,
    #[parent(Active, Other)]
    #[on(hold -> Pending)]
    Held,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {}
