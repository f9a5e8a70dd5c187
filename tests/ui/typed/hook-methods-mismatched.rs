use statewright::{StateInfo, state_machine};

pub struct Network;

#[state_machine(context = Network)]
enum Connection {
    #[initial]
    #[on(connect -> Connected)]
    Disconnected,
    #[enter]
    #[exit]
    #[on(disconnect -> Disconnected)]
    Connected { socket: u32 },
}

impl connection::Hooks for Network {
    type Error = String;

    // The entry hook receives the state's data; `exit_connected` is missing.
    fn enter_connected(&mut self) {}

    fn on_connect(&mut self, _: StateInfo) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
