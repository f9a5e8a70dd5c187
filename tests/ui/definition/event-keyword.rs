use statewright::state_machine;

// A keyword names an event only as a raw identifier: `r#type` is fine, `move` is not.
#[state_machine]
enum Order {
    #[initial]
    #[on(move -> Moved, r#type -> Kind, self -> Kind)]
    Pending,
    #[terminal]
    Moved,
    #[terminal]
    Kind,
}

fn main() {}
