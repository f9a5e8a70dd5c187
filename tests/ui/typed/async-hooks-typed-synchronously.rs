// The typed transitions of a machine whose hooks are `async` exist only for an awaited
// recorder.
use statewright::{StateInfo, state_machine};

#[derive(Default)]
struct Desk;

#[state_machine(async, hooks, context = Desk)]
enum Ticket {
    #[initial]
    #[on(assign -> Taken)]
    Open,
    #[terminal]
    Taken,
}

impl ticket::Hooks for Desk {
    type Error = std::convert::Infallible;

    async fn on_assign(&mut self, _: StateInfo, _: StateInfo) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn main() {
    let _ = ticket::start_with(Desk, statewright::Memory::new()).assign();
}
