use statewright::state_machine;

#[state_machine]
enum Door {
    #[initial]
    #[enter(log)]
    #[on(open -> Open)]
    Closed,
    #[exit = "close"]
    #[on(close -> Closed)]
    Open,
}

impl door::Hooks for () {
    type Error = core::convert::Infallible;

    fn enter_closed(&mut self) {}

    fn exit_open(&mut self) -> Result<(), core::convert::Infallible> {
        Ok(())
    }
}

fn main() {}
