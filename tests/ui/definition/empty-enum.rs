use statewright::state_machine;

#[state_machine]
enum Order {}

fn main() {}
