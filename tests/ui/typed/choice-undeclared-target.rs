use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declined, cancel -> Cancelled)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Declined,
    #[terminal]
    Cancelled,
}

fn main() {
    let _ = order::start().pay(order::Cancelled);
}
