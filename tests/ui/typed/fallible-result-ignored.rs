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

use statewright::{Record, RecordError, Recorder};

#[derive(Debug)]
struct Full;
impl RecordError for Full {}

struct Journal;

impl Recorder for Journal {
    type Error = Full;

    fn record(&mut self, _: &Record) -> Result<(), Full> {
        Err(Full)
    }
}

fn main() {
    // With a recorder that can fail, a transition returns a `Result`: it must be handled.
    let _ = order::start_with(Journal).pay(order::Paid { amount_cents: 1 }).ship(order::Shipped { tracking: String::new() });
}
