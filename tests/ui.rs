//! The compile errors users see, recorded with the toolchain pinned in `rust-toolchain.toml`.
//!
//! Each case is one mistake in a small file named after it; its `.stderr` is the exact output
//! of the compiler, with every feature on. Refresh them with
//! `TRYBUILD=overwrite cargo test --all-features --test ui` and review the diff like any other
//! change of a user-facing message.
//!
//! One case needs a feature off: `tests/ui_no_serde.rs` runs `tests/ui-no-serde/` without
//! the `serde` feature.

use std::process::Command;

/// The compiler whose output the `.stderr` files record.
const PINNED: &str = "rustc 1.95.0 ";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        version.starts_with(PINNED),
        "the UI tests are recorded with `{}`, but this is `{}`: use the toolchain in \
         rust-toolchain.toml, or refresh the .stderr files with TRYBUILD=overwrite and review them",
        PINNED.trim(),
        version.trim()
    );

    // Help lines list the implementors of our traits, and the optional features add some
    // (`JournalError` is a `RecordError`): the files record the README's test command.
    let all_features = cfg!(all(
        feature = "journal",
        feature = "serde",
        feature = "tracing"
    ));
    if !all_features {
        panic!(
            "the UI tests are recorded with every feature on: run `cargo test --workspace --all-features`"
        );
    }

    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/definition/*.rs");
    t.compile_fail("tests/ui/attribute/*.rs");
    t.compile_fail("tests/ui/typed/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
