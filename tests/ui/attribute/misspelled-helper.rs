use statewright::state_machine;

#[state_machine]
enum Order {
    #[inital]
    #[On(pay -> Paid)]
    Pending,
    #[termnal]
    Paid,
}

fn main() {}
