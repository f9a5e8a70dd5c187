#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use statewright_macros::state_machine;
pub use statewright_runtime::*;

/// The names most code that uses statewright needs: `use statewright::prelude::*;`.
pub mod prelude {
    pub use statewright_macros::state_machine;
    pub use statewright_runtime::{Dynamic, Memory, Recorder, Ring, StateMachine, TypedMachine};
}

/// Support for the code `#[state_machine]` generates; not a public API, no semver promises.
#[doc(hidden)]
pub mod __private {
    pub use statewright_macros::__diagram_doc as diagram_doc;
    pub use statewright_runtime::__private::*;
}
