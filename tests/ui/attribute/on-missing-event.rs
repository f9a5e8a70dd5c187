use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(-> Paid, 3 -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
