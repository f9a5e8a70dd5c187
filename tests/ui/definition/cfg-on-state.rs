use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[cfg(not(test))]
    #[terminal]
    Refunded,
    #[terminal]
    Paid,
}

fn main() {}
