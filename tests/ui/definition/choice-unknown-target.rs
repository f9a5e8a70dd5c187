use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declind)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Declined,
}

fn main() {}
