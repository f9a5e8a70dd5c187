// The crate's docs are the README, which is also the front page on the code host, so it has
// no lines that only rustdoc hides. Its examples are whole programs, and two of them need the
// `journal` and `sqlite` features. Rustdoc cannot skip one example by feature without a hidden
// `#[cfg]` line, so the README's doctests run when both features are on, as in the README's
// test command `cargo test --workspace --all-features`, and are left out of other feature sets.
#![cfg_attr(
    any(not(doctest), all(feature = "journal", feature = "sqlite")),
    doc = include_str!("../README.md")
)]
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
