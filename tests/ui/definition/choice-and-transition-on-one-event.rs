use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declined, pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Declined,
}

fn main() {}
