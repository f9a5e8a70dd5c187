use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(move -> Moved, r#type -> Kind)]
    Pending,
    #[terminal]
    Moved,
    #[terminal]
    Kind,
}

fn main() {}
