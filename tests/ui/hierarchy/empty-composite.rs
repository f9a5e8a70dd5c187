use statewright::state_machine;

#[state_machine]
#[composite(Active, on(cancel -> Cancelled))]
enum Order {
    #[initial]
    #[on(pay -> Active)]
    Pending,
    #[terminal]
    Cancelled,
}

fn main() {}
