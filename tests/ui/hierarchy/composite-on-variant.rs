use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[composite(Active)]
    #[on(ship -> Shipped)]
    Pending,
    #[terminal]
    Shipped,
}

fn main() {}
