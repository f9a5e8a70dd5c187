//! The README is the front page on the code host and the crate's docs: these tests keep what
//! it quotes true and keep it readable where rustdoc does not process it.

use std::fs;

/// The fenced blocks of a Markdown text: (info string, body, the text before the block).
fn fenced_blocks(text: &str) -> Vec<(&str, &str, &str)> {
    let mut blocks = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("\n```") {
        let info_start = start + "\n```".len();
        let info_end = info_start + rest[info_start..].find('\n').expect("a fence line");
        let body_start = info_end + 1;
        let body_end = body_start + rest[body_start..].find("```").expect("an unclosed block");
        blocks.push((
            &rest[info_start..info_end],
            &rest[body_start..body_end],
            &text[..offset + start],
        ));
        let after = body_end + "```".len();
        offset += after;
        rest = &rest[after..];
    }
    blocks
}

/// The text outside fenced blocks.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if !in_block {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Every ```` ```text ```` block that follows a mention of a `tests/ui/...stderr` file quotes
/// that file, whole: the complete compiler output, as a UI test records it.
#[test]
fn quoted_errors_are_their_ui_tests_output() {
    let readme = fs::read_to_string("README.md").unwrap();
    let mut checked = 0;
    for (info, block, before) in fenced_blocks(&readme) {
        if info != "text" {
            continue;
        }
        // The nearest `tests/ui/...stderr` mentioned before the block.
        let Some(at) = before.rfind("tests/ui/") else {
            continue;
        };
        let path = &before[at..];
        let path = &path[..path.find(".stderr").expect("a .stderr path") + ".stderr".len()];
        let stderr = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            block.trim_end() == stderr.trim_end(),
            "the README's quote of {path} differs from the file; paste the whole file:\n\
             {block}\n--- the file says:\n{stderr}"
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

/// Rustdoc hides the lines of an example that start with `# `, the code host shows them: the
/// README's examples are whole programs instead (see `src/lib.rs`).
#[test]
fn examples_have_no_lines_that_only_rustdoc_hides() {
    let readme = fs::read_to_string("README.md").unwrap();
    let mut problems = String::new();
    for (info, block, before) in fenced_blocks(&readme) {
        if !info.starts_with("rust") {
            continue;
        }
        let first_line = before.lines().count() + 2;
        for (n, line) in block.lines().enumerate() {
            let code = line.trim_start();
            if code == "#" || code.starts_with("# ") {
                problems.push_str(&format!("README.md:{}: {line}\n", first_line + n));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "lines the code host would show although rustdoc hides them; write them as \
         ordinary code:\n{problems}"
    );
}

/// A link like [`Record`] is resolved by rustdoc, but on the code host it needs a definition
/// (`[`Record`]: https://docs.rs/...`), and `src/lib.rs` repeats each label so that rustdoc
/// links it to the item itself.
#[test]
fn item_links_are_defined_for_the_code_host_and_for_rustdoc() {
    let readme = fs::read_to_string("README.md").unwrap();
    let lib = fs::read_to_string("src/lib.rs").unwrap();
    let text = prose(&readme);
    let definitions: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix('[')?.split_once("]: "))
        .map(|(label, _)| label)
        .collect();
    let mut problems = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("[`") {
        let label_end = start + rest[start..].find(']').expect("a closing bracket");
        let label = &rest[start + 1..label_end];
        let next = rest[label_end + 1..].chars().next();
        rest = &rest[label_end + 1..];
        // `[text](url)`, `[text][label]` and the definitions themselves are complete.
        if matches!(next, Some('(' | '[' | ':')) {
            continue;
        }
        if !definitions.contains(&label) {
            problems.push_str(&format!("[{label}] has no definition in README.md\n"));
        }
    }
    for label in &definitions {
        if label.starts_with('`') && !lib.contains(&format!("#![doc = \"[{label}]: ")) {
            problems.push_str(&format!(
                "[{label}] is not defined for rustdoc in src/lib.rs\n"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems}");
}
