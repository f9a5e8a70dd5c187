use statewright::state_machine;

#[state_machine(modul = order_fsm, colour = red)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

fn main() {}
