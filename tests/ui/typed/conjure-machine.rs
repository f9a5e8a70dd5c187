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

mod elsewhere {
    use super::order;

    pub fn conjure() -> order::Machine<order::Shipped> {
        order::Machine { __state: order::Shipped { tracking: String::new() }, __core: todo!() }
    }
}

fn main() {
    let _ = elsewhere::conjure();
}
