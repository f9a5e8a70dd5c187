use statewright::{StateInfo, state_machine};

pub struct Till;

// A typo in the definition is the only error, also for a machine with hooks: transitions
// return what they will return once the typo is fixed (here a `Result`: the hooks can fail).
#[state_machine(context = Till)]
#[derive(Debug)]
enum Vending {
    #[initial]
    #[on(coin -> Paid)]
    Idle,
    #[enter]
    #[on(vend -> Idel)]
    Paid,
}

impl vending::Hooks for Till {
    type Error = String;

    fn enter_paid(&mut self) {}

    fn on_coin(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        Ok(())
    }
}

fn main() {
    let m = vending::start(Till);
    let m = m.coin().unwrap();
    let _ = m.vend().unwrap();
}
