use statewright::state_machine;

#[state_machine(module = a, module = b)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
