// A crate that reaches statewright through a re-export names that path.
mod support {
    pub use statewright as sm;
}

use support::sm::state_machine;

#[state_machine(crate = crate::support::sm)]
enum Door {
    #[initial]
    #[on(open -> Open)]
    Closed,
    #[on(close -> Closed)]
    Open,
}

fn main() {
    let _ = door::start().open().close();
}
