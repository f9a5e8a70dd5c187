// A machine whose hooks are `async` cannot apply events through a synchronous recorder: its
// hooks could not be awaited.
use statewright::{Dynamic, StateInfo, state_machine};

#[derive(Default)]
struct Desk;

#[state_machine(async, hooks, context = Desk)]
#[derive(Debug)]
enum Ticket {
    #[initial]
    #[on(take -> Taken)]
    Open,
    #[terminal]
    Taken,
}

impl ticket::Hooks for Desk {
    type Error = std::convert::Infallible;

    async fn on_take(&mut self, _: StateInfo, _: StateInfo) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn main() {
    let mut ticket = Dynamic::start_with_context(Ticket::Open, Desk, statewright::Memory::new()).unwrap();
    let _ = ticket.apply(ticket::Event::Take);
}
