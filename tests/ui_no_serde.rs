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
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui-no-serde/*.rs");
}
