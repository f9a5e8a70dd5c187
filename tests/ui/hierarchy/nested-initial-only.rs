use statewright::state_machine;

// The user marked the first state inside `Active`, and forgot that the machine starts in
// `Active` only if `Active` is marked too.
#[state_machine]
#[composite(Active, on(cancel -> Cancelled))]
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
}

fn main() {}
