use statewright::state_machine;

#[state_machine]
#[composite(Paid, initial)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
