use statewright::TypedMachine;
use statewright::state_machine;

/// The lifecycle of a customer order.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    /// Created, waiting for payment.
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    /// Payment captured.
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
    let m = order::start();
    let m = m.pay(order::Paid { amount_cents: 4200 });
    println!("paid {}", m.amount_cents);
    let m = m.ship_with(|paid| order::Shipped {
        tracking: format!("T-{}", paid.amount_cents),
    });
    let m = m.deliver();
    println!("{:?}", m);
    print!("{}", m.recorder());
    let mut d = order::Dynamic::from(order::start());
    println!(
        "{:?}",
        d.apply(order::Event::Ship {
            tracking: "x".into()
        })
    );
    println!("{:?}", d.apply(order::Event::Cancel));
    print!("{}", d.recorder());
}
