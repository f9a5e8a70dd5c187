use statewright::state_machine;

// A typo in the definition is the only error: code that uses the machine as intended still
// type-checks against the generated API.
#[state_machine]
#[derive(Debug)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shiped)]
    Paid { amount_cents: u64 },
    #[terminal]
    Shipped { tracking: String },
}

fn main() {
    let m = order::start();
    let m = m.pay(order::Paid { amount_cents: 10 });
    assert_eq!(m.amount_cents, 10);
    let m = m.ship(order::Shipped { tracking: "T-1".into() });
    println!("{:?}", m);
    let mut d = order::Dynamic::from(order::start());
    let _ = d.apply(order::Event::Pay { amount_cents: 3 });
}
