use statewright::state_machine;

#[state_machine]
enum Door {
    #[initial]
    #[on(close -> Shut)]
    Open,
    #[on(open -> Open)]
    Closed,
}

fn main() {}
