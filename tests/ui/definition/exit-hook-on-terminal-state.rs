use statewright::state_machine;

#[state_machine]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[terminal]
    #[exit]
    Open,
}

impl door::Hooks for () {
    type Error = core::convert::Infallible;
}

fn main() {}
