// The crate's docs are the README, which is also the front page on the code host, so it has
// no lines that only rustdoc hides. Two consequences:
//
// - Its links to items point at docs.rs. The definitions below come first, and Markdown uses
//   the first definition of a link, so in rustdoc the same links lead to the items here (and
//   `cargo doc` checks them). A link added to the README needs its line here too.
// - Its examples are whole programs, and two of them need the `journal` and `sqlite`
//   features. Rustdoc cannot skip one example by feature without a hidden `#[cfg]` line, so
//   the README's doctests run when both features are on, as in the README's test command
//   `cargo test --workspace --all-features`, and are left out of other feature sets.
#![doc = "[`Record`]: Record"]
#![doc = "[`Recorder`]: Recorder"]
#![doc = "[`Memory`]: Memory"]
#![doc = "[`Ring`]: Ring"]
#![doc = "[`Definition::replay`]: Definition::replay"]
#![doc = "[`Untimed`]: Untimed"]
#![doc = "[`diagram::Chart`]: diagram::Chart"]
#![cfg_attr(
    any(not(doctest), all(feature = "journal", feature = "sqlite")),
    doc = include_str!("../README.md")
)]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use statewright_macros::state_machine;
pub use statewright_runtime::*;

/// Journals in SQLite and PostgreSQL (features `sqlite`, `postgres`, `sqlite-async`,
/// `postgres-async`): the `statewright-sql` crate.
#[cfg(any(
    feature = "sqlite",
    feature = "postgres",
    feature = "sqlite-async",
    feature = "postgres-async"
))]
pub use statewright_sql as sql;

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
