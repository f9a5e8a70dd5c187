use statewright::{StateInfo, state_machine};

#[derive(Debug)]
pub struct OutOfStock;

#[state_machine(hooks)]
enum Vending {
    #[initial]
    #[on(coin -> Paid)]
    Idle,
    #[on(vend -> Idle)]
    Paid,
}

impl vending::Hooks for () {
    type Error = OutOfStock;

    fn on_vend(&mut self, _: StateInfo, _: StateInfo) -> Result<(), OutOfStock> {
        Err(OutOfStock)
    }
}

fn main() {}
