use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid |, cancel -> Cancelled)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Cancelled,
}

fn main() {}
