use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid | Declined)]
    Pending,
    #[terminal]
    Paid,
    #[terminal]
    Declined,
}

fn main() {
    match order::start().pay(order::Paid) {
        order::PaidOrDeclined::Paid(paid) => drop(paid),
    }
}
