//! The compile errors users see, recorded with the toolchain pinned in `rust-toolchain.toml`.
//!
//! Each case is one mistake in a small file named after it; its `.stderr` is the exact output
//! of the compiler. Nearly every case reads the same with any features. The exceptions are
//! errors where rustc lists the implementors of one of our traits, which the features change
//! (`std` brings `std::io::Error` as a `RecordError`, `journal` brings `JournalError`): those
//! cases are recorded twice, in `tests/ui/default-features/` (for `cargo test`) and in
//! `tests/ui/all-features/` (for `cargo test --all-features`, the README's command), and are
//! skipped in other feature sets.
//!
//! Refresh the files with both commands and review the diff like any other change of a
//! user-facing message:
//!
//! ```sh
//! TRYBUILD=overwrite cargo test --test ui
//! TRYBUILD=overwrite cargo test --all-features --test ui
//! ```
//!
//! The cases of the wire form's generated code (`tests/ui/serde/`, `tests/ui/pass-serde/`)
//! need the `serde` feature and run whenever it is on. One case needs it off: `tests/ui_no_serde.rs` runs `tests/ui-no-serde/` without
//! the `serde` feature.

use std::fs;
use std::process::Command;

/// The compiler whose output the `.stderr` files record.
const PINNED: &str = "rustc 1.95.0 ";

/// `cargo test --all-features`: every feature of the facade.
const ALL_FEATURES: bool = cfg!(all(
    feature = "std",
    feature = "doc-diagram",
    feature = "serde",
    feature = "journal",
    feature = "sqlite",
    feature = "postgres",
    feature = "tracing",
    feature = "tokio"
));

/// `cargo test`: the default features (`std`, `doc-diagram`) and no other.
const DEFAULT_FEATURES: bool = cfg!(all(
    feature = "std",
    feature = "doc-diagram",
    not(any(
        feature = "serde",
        feature = "journal",
        feature = "sqlite",
        feature = "postgres",
        feature = "tracing",
        feature = "tokio"
    ))
));

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

    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/definition/*.rs");
    t.compile_fail("tests/ui/attribute/*.rs");
    t.compile_fail("tests/ui/typed/*.rs");
    t.compile_fail("tests/ui/hierarchy/*.rs");
    t.pass("tests/ui/pass/*.rs");
    // What the wire form's derives generate, and their errors: with the `serde` feature.
    if cfg!(feature = "serde") {
        t.compile_fail("tests/ui/serde/*.rs");
        t.pass("tests/ui/pass-serde/*.rs");
    }
    if ALL_FEATURES {
        t.compile_fail("tests/ui/all-features/*.rs");
    } else if DEFAULT_FEATURES {
        t.compile_fail("tests/ui/default-features/*.rs");
    } else {
        eprintln!(
            "skipped tests/ui/default-features and tests/ui/all-features: they are recorded \
             for `cargo test` and `cargo test --all-features` only"
        );
    }
}

/// The `.rs` files of a directory of cases: (file name, source), by name.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// A case recorded per feature set is one mistake, written twice: the copies must not drift
/// apart, or the two `.stderr` files would record different mistakes.
#[test]
fn feature_dependent_cases_are_the_same_in_both_sets() {
    let default = sources("tests/ui/default-features");
    let all = sources("tests/ui/all-features");
    let names = |files: &[(String, String)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert!(!default.is_empty());
    assert_eq!(
        names(&default),
        names(&all),
        "each case of tests/ui/default-features is also in tests/ui/all-features, and the \
         other way round"
    );
    for ((name, source), (_, other)) in default.iter().zip(&all) {
        assert!(
            source == other,
            "tests/ui/default-features/{name} and tests/ui/all-features/{name} differ: make \
             them the same and refresh both .stderr files"
        );
    }
}
