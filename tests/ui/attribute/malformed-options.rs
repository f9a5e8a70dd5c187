use statewright::state_machine;

#[state_machine(crate = "::statewright", module, derive = Debug)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[terminal]
    Paid,
}

#[state_machine(crate, module = Orders)]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[terminal]
    Open,
}

fn main() {}
