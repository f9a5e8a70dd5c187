use statewright::state_machine;

// Three unrelated mistakes, all reported in one build.
#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Payed)]
    Pending,
    #[on(Ship -> Shipped)]
    Paid,
    #[terminal]
    #[on(return_ -> Paid)]
    Shipped,
}

fn main() {}
