use statewright::state_machine;

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[on(deliver -> Delivered)]
    Shipped,
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

fn main() {
    // Allowed: `Paid` inherits `cancel` from `Active`.
    let _ = order::start().pay().cancel();
    // Not allowed: `Shipped` is not inside `Active`.
    let _ = order::start().pay().ship().cancel();
}
