use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    #[timeout(30s -> Pending)]
    Paid,
}

fn main() {}
