use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, timeout(1h -> Expired))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[timeout(5min -> Expired)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Expired,
}

fn main() {}
