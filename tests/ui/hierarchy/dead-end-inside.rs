use statewright::state_machine;

// `Paid` inherits nothing: `Active` has no transitions, so `Paid` has no way out on its path.
#[state_machine]
#[composite(Active, initial)]
enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    Paid,
}

fn main() {}
