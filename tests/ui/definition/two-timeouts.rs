use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[timeout(30s -> Expired)]
    #[timeout(1h, escalate -> Expired)]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Expired,
}

fn main() {}
