use statewright::state_machine;

#[state_machine]
enum Order<T> {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid(T),
}

fn main() {}
