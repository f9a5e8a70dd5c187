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

fn main() {
    let order = order::start().cancel();
    let _ = order.ship(order::Shipped { tracking: "T-1".into() });
}
