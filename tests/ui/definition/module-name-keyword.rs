use statewright::state_machine;

// `Match` in snake_case is `match`, a keyword: the default module name does not work.
#[state_machine]
enum Match {
    #[initial]
    #[on(start -> Playing)]
    Waiting,
    #[terminal]
    Playing,
}

fn main() {}
