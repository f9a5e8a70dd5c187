use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[timeout(30s -> Expird)]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Expired,
}

fn main() {}
