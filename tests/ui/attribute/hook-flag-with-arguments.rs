use statewright::state_machine;

#[state_machine]
enum Door {
    #[initial]
    #[enter(log)]
    #[on(open -> Open)]
    Closed,
    #[exit = "close"]
    #[on(close -> Closed)]
    Open,
}

fn main() {}
