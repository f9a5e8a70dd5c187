use statewright::state_machine;

#[state_machine]
struct Order {
    paid: bool,
}

fn main() {}
