use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    #[on(refund -> Pending)]
    Paid,
}

fn main() {}
