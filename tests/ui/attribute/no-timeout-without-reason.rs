use statewright::state_machine;

#[state_machine(timeouts = always)]
enum Order {
    #[initial]
    #[no_timeout]
    #[on(pay -> Paid)]
    Pending,
    #[no_timeout(reason = "")]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
}

fn main() {}
