use statewright::state_machine;

#[state_machine]
#[composite(Done, terminal)]
enum Order {
    #[initial]
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Pending,
    #[initial]
    #[parent(Done)]
    #[terminal]
    Shipped,
    #[parent(Done)]
    #[terminal]
    Cancelled,
}

fn main() {}
