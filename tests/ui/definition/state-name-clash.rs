use statewright::state_machine;

#[state_machine]
enum Robot {
    #[initial]
    #[on(boot -> Machine)]
    Off,
    #[terminal]
    Machine,
}

fn main() {}
