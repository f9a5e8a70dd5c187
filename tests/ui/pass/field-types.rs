use statewright::state_machine;

// Field types mean what they mean next to the enum, even when the generated module defines the
// same name (`Machine`, `Event`, a state's name) or the enum refers to itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine(pub u8);
#[derive(Debug, Clone, PartialEq)]
pub struct Event;
#[derive(Debug, Clone, PartialEq)]
pub struct Paid {
    pub amount_cents: u64,
}

mod inner {
    #[derive(Debug, Clone, PartialEq)]
    pub struct Receipt;

    use statewright::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        #[initial]
        #[on(pay -> Paid)]
        Pending { on: super::Machine, why: Option<super::Event> },
        #[on(refund -> Refunded)]
        Paid(super::Paid, self::Receipt),
        #[terminal]
        Refunded(Option<Box<Self>>),
    }
}

fn main() {
    use inner::order;
    let m = order::start(order::Pending { on: Machine(1), why: Some(Event) });
    let m = m.pay(order::Paid(Paid { amount_cents: 3 }, inner::Receipt));
    let m = m.refund(order::Refunded(None));
    let _: &Option<Box<inner::Order>> = &m.0;
}
