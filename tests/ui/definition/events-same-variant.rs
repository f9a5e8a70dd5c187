use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay2 -> Paid)]
    Pending,
    #[on(pay_2 -> Done)]
    Paid,
    #[terminal]
    Done,
}

fn main() {}
