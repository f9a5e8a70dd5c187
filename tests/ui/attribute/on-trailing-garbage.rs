use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid Declined, cancel -> Cancelled & Paid)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Declined,
    #[terminal]
    Cancelled,
}

fn main() {}
