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
    #[parent(Active)]
    #[on(resume -> Paid)]
    OnHold,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {}
