//! A crate that denies missing docs: everything generated is documented.
#![deny(missing_docs)]

use statewright::state_machine;

/// A door.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Door {
    /// Closed and locked.
    #[initial]
    #[on(unlock -> Closed)]
    Locked {
        /// Who holds the key.
        key_holder: String,
    },
    /// Closed, not locked.
    #[on(open -> Open, lock -> Locked)]
    Closed,
    /// Open, at an angle.
    #[on(close -> Closed)]
    Open(u8),
}

fn main() {
    let m = door::start(door::Locked { key_holder: "ops".into() });
    let _ = m.unlock().open(door::Open(90)).close();
}
