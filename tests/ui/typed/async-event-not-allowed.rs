// The typed transitions of an `async` machine with an awaited recorder: an event not allowed
// in the current state is the same error as without `async`.
use statewright::awaited::Ready;
use statewright::{Awaited, Memory, state_machine};

#[state_machine(async)]
enum Order {
    #[initial]
    #[on(pay -> Paid)]
    Pending,
    #[on(ship -> Shipped)]
    Paid,
    #[terminal]
    Shipped,
}

async fn run() {
    let order = order::start_with(Awaited(Ready(Memory::new())));
    let _ = order.ship().await;
}

fn main() {
    let _ = run();
}
