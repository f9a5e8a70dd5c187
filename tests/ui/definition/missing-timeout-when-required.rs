use statewright::state_machine;

#[state_machine(timeouts = required)]
enum Order {
    #[initial]
    #[timeout(15min -> Expired)]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shipped)]
    Paid,
    #[no_timeout(reason = "a person ships it")]
    #[timeout(2d -> Expired)]
    #[on(deliver -> Delivered)]
    Shipped,
    #[terminal]
    Delivered,
    #[terminal]
    Expired,
}

fn main() {}
