use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial(true)]
    #[on(pay -> Paid)]
    Pending,
    #[terminal = true]
    Paid,
}

fn main() {}
