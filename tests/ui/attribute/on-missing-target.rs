use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay ->)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
