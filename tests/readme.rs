//! The README quotes compiler errors from the UI tests; this keeps the quotes true.
//!
//! Every ```` ```text ```` block in the README that follows a mention of a `.stderr` file must
//! appear, verbatim, in that file.

use std::fs;

#[test]
fn quoted_errors_match_their_ui_tests() {
    let readme = fs::read_to_string("README.md").unwrap();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```text\n") {
        let before = &rest[..start];
        let body_start = start + "```text\n".len();
        let end = body_start + rest[body_start..].find("```").expect("unclosed block");
        let block = &rest[body_start..end];
        rest = &rest[end + 3..];
        // The nearest `tests/ui/...stderr` mentioned before the block.
        let Some(at) = before.rfind("tests/ui/") else {
            continue;
        };
        let path = &before[at..];
        let path = &path[..path.find(".stderr").expect("a .stderr path") + ".stderr".len()];
        let stderr = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            stderr.contains(block),
            "the README's quote of {path} is out of date:\n{block}\n--- the file says:\n{stderr}"
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "expected the README to quote at least two errors, found {checked}"
    );
}

/// The README shows the order example's diagram; it must be the committed one, which
/// `tests/diagrams.rs` keeps equal to the definition.
#[test]
fn shown_diagram_is_the_committed_one() {
    let readme = fs::read_to_string("README.md").unwrap();
    let committed = fs::read_to_string("diagrams/order.mmd").unwrap();
    let block = format!("```mermaid\n{committed}```\n");
    assert!(
        readme.contains(&block),
        "the README's Mermaid block is out of date; paste diagrams/order.mmd:\n{committed}"
    );
}
