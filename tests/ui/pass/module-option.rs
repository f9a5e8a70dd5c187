use statewright::state_machine;

mod order {
    // A module that already has the default name.
}

#[state_machine(module = order_fsm)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {
    let _ = order_fsm::start().pay();
}
