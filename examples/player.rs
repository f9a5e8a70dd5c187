use statewright::{Dynamic, StateMachine, TypedMachine, state_machine};

#[state_machine]
#[composite(Active, initial, on(cancel -> Cancelled))]
#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    #[initial]
    #[parent(Active)]
    #[on(pay -> Paid)]
    Pending,
    #[parent(Active)]
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

fn main() {
    println!("{}", Order::DEFINITION);
    let mut o = Dynamic::start(Order::Pending).unwrap();
    o.apply(order::Event::Pay).unwrap();
    o.apply(order::Event::Cancel).unwrap();
    println!("{}", o.recorder());
    let t = order::start().pay().cancel();
    println!("{}", t.recorder());
}
