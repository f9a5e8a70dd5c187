use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[timeout(30s -> Expired)]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Expired { at: u64 },
}

fn main() {}
