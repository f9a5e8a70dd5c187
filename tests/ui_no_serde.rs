//! The compile error of `derive(serde::Serialize, serde::Deserialize)` on a machine when
//! statewright's `serde` feature is off. The other UI tests run with every feature on; this
//! one runs only without `serde`:
//!
//! ```sh
//! cargo test -p statewright --no-default-features --features std --test ui_no_serde
//! ```
//!
//! (Refresh its `.stderr` with `TRYBUILD=overwrite` in front, on the pinned toolchain.)
#![cfg(not(feature = "serde"))]

#[test]
fn ui_without_serde() {
    // `cargo test --workspace` builds the runtime with `serde` for the command-line tool, even
    // with the facade's feature off: then there is no error to see. `.ci/run` runs this test
    // with the facade alone (`cargo test -p statewright`), where the runtime has no `serde`.
    if statewright::__private::SERDE {
        eprintln!("skipped: the runtime has `serde` through another crate of this build");
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui-no-serde/*.rs");
}
