use statewright::state_machine;

#[state_machine]
#[derive(Debug)]
pub enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

// Not even code next to the enum can build a typed machine in a state of its choosing.
fn conjure(tracking: String) -> order::Machine<order::Shipped> {
    let core = statewright::__private::Core::new(statewright::Memory::new());
    order::Machine { __state: order::Shipped { tracking }, __core: core }
}

fn main() {
    let _ = conjure(String::new());
}
