use statewright::state_machine;

#[state_machine]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shipped)]
    Paid { amount_cents: u64 },
    #[terminal]
    Shipped,
}

fn main() {
    let pending = order::start();
    let _paid = pending.pay(order::Paid { amount_cents: 100 });
    // `pay` consumed `pending`: there is no second payment from the same order.
    let _again = pending.pay(order::Paid { amount_cents: 100 });
}
