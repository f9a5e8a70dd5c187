//! Committed diagrams, checked for drift (`std`).
//!
//! A team commits each machine's diagram and definition JSON (for example
//! `diagrams/order.mmd` and `diagrams/order.json`) so that a pull request that changes a machine
//! shows the new picture. One test line keeps those files honest:
//!
//! ```no_run
//! # use statewright::state_machine;
//! # #[state_machine]
//! # enum Order { #[initial] #[on(pay -> Paid)] Pending, #[terminal] Paid }
//! #[test]
//! fn diagrams_are_committed() {
//!     statewright::diagram::assert_committed(Order::DEFINITION, "diagrams");
//! }
//! # use statewright::StateMachine;
//! ```
//!
//! The test fails with a diff and the command to run when a file is missing or stale; with
//! `STATEWRIGHT_UPDATE=1` in the environment it writes the files instead (as `UPDATE_EXPECT=1`
//! does for expect-test and `INSTA_UPDATE` for insta).

use std::fmt;
use std::format;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::string::String;
use std::vec;
use std::vec::Vec;

use super::{Chart, Format};
use crate::definition::Definition;

/// The environment variable that makes the checks write the files instead of comparing.
pub const UPDATE_VAR: &str = "STATEWRIGHT_UPDATE";

/// Whether `STATEWRIGHT_UPDATE` asks for committed diagrams to be rewritten (set to anything but
/// empty or `0`).
pub fn update_requested() -> bool {
    std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// A committed file that does not match what the definition renders to.
#[derive(Debug)]
pub struct Stale {
    /// The file.
    pub path: PathBuf,
    /// What the file should hold.
    pub expected: String,
    /// What it holds (`None` when it does not exist).
    pub actual: Option<String>,
}

/// Why committed diagrams do not match a machine's definition.
#[derive(Debug)]
pub enum Drift {
    /// Files that are missing or differ from what the definition renders to.
    Stale(Vec<Stale>),
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: io::Error,
    },
}

impl fmt::Display for Drift {
    /// Each stale file with a line diff (`-` committed, `+` expected), then how to update.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Drift::Stale(files) => {
                for file in files {
                    match &file.actual {
                        None => writeln!(f, "{} is missing", file.path.display())?,
                        Some(actual) => {
                            writeln!(
                                f,
                                "{} is stale (- committed, + from the definition):",
                                file.path.display()
                            )?;
                            f.write_str(&line_diff(actual, &file.expected))?;
                        }
                    }
                }
                write!(
                    f,
                    "to update the committed diagrams, run the tests with {UPDATE_VAR}=1, for example:\n    {UPDATE_VAR}=1 cargo test"
                )
            }
        }
    }
}

impl std::error::Error for Drift {}

/// `<dir>/<machine>.<extension>` for `format`, where `<machine>` is [`Chart::file_stem`]
/// (`order`, `traffic_light`).
pub fn file_path(chart: &Chart, dir: &Path, format: Format) -> PathBuf {
    dir.join(format!("{}.{}", chart.file_stem(), format.extension()))
}

/// Compares `chart` rendered in each of `formats` with the committed files
/// ([`file_path`]); never writes. Line endings are compared as `\n`, so a checkout that
/// converted them does not drift.
pub fn check_files(chart: &Chart, dir: &Path, formats: &[Format]) -> Result<(), Drift> {
    let mut stale = Vec::new();
    for &format in formats {
        let path = file_path(chart, dir, format);
        let expected = chart.render(format);
        let actual = match fs::read_to_string(&path) {
            Ok(text) => Some(text.replace("\r\n", "\n")),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(Drift::Io { path, error }),
        };
        if actual.as_deref() != Some(expected.as_str()) {
            stale.push(Stale {
                path,
                expected,
                actual,
            });
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(Drift::Stale(stale))
    }
}

/// Writes `chart` rendered in each of `formats` to [`file_path`] (creating `dir`) where the
/// file is missing or differs, and returns the files it wrote.
pub fn write_files(chart: &Chart, dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>, Drift> {
    let stale = match check_files(chart, dir, formats) {
        Ok(()) => return Ok(Vec::new()),
        Err(Drift::Stale(stale)) => stale,
        Err(other) => return Err(other),
    };
    let mut written = Vec::new();
    for file in stale {
        fs::create_dir_all(dir)
            .and_then(|()| fs::write(&file.path, &file.expected))
            .map_err(|error| Drift::Io {
                path: file.path.clone(),
                error,
            })?;
        written.push(file.path);
    }
    Ok(written)
}

/// [`write_files`] when `STATEWRIGHT_UPDATE` is set ([`update_requested`]), [`check_files`]
/// otherwise: what a test calls to keep committed diagrams honest.
pub fn committed(chart: &Chart, dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>, Drift> {
    if update_requested() {
        write_files(chart, dir, formats)
    } else {
        check_files(chart, dir, formats).map(|()| Vec::new())
    }
}

/// Test helper: panics with a diff and the update command unless `dir` holds the machine's
/// current Mermaid diagram and definition JSON (`<dir>/order.mmd`, `<dir>/order.json`); with
/// `STATEWRIGHT_UPDATE=1`, writes them. `dir` is relative to the working directory, which
/// `cargo test` sets to the package's root.
///
/// For other formats, call [`committed`] with the list you want.
///
/// ```no_run
/// # use statewright::{state_machine, StateMachine};
/// # #[state_machine]
/// # enum Order { #[initial] #[on(pay -> Paid)] Pending, #[terminal] Paid }
/// statewright::diagram::assert_committed(Order::DEFINITION, "diagrams");
/// ```
#[track_caller]
pub fn assert_committed(definition: &'static Definition, dir: impl AsRef<Path>) {
    let chart = definition.chart();
    if let Err(drift) = committed(&chart, dir.as_ref(), &[Format::Mermaid, Format::Json]) {
        panic!(
            "the committed diagrams of `{}` do not match its definition\n{drift}",
            chart.name()
        );
    }
}

/// The edit script from `a` to `b`: a longest common subsequence. Past a few million cells
/// (thousands of changed lines on both sides) the table would be too big, and the script is
/// all of `a` removed, then all of `b` added.
fn middle<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, &'a str)> {
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        let removed = a.iter().map(|l| ('-', *l));
        return removed.chain(b.iter().map(|l| ('+', *l))).collect();
    }
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    ops
}

/// A line diff of `old` and `new` (longest common subsequence; unchanged lines far from a
/// change are elided).
pub(crate) fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Common prefix and suffix first: most drift is a few lines in a long file.
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<(char, &str)> = a[..prefix].iter().map(|l| (' ', *l)).collect();
    ops.extend(middle(ma, mb));
    ops.extend(a[a.len() - suffix..].iter().map(|l| (' ', *l)));
    // Show changes with two lines of context.
    let near = |k: usize| {
        ops[k.saturating_sub(2)..(k + 3).min(ops.len())]
            .iter()
            .any(|(op, _)| *op != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near(k) {
            if skipped {
                out.push_str("  ...\n");
                skipped = false;
            }
            out.push_str(&format!("{op} {line}\n"));
        } else {
            skipped = true;
        }
    }
    if skipped && !out.is_empty() {
        out.push_str("  ...\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::format;
    use std::string::String;

    use super::line_diff;

    #[test]
    fn line_diff_shows_changes_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n";
        assert_eq!(
            line_diff(old, new),
            "  ...\n  b\n  c\n- d\n+ D\n  e\n  f\n  g\n+ h\n"
        );
        assert_eq!(line_diff("x\n", "x\n"), "");
    }

    #[test]
    fn huge_rewrites_are_shown_as_removed_then_added() {
        let old: String = (0..2500).map(|i| format!("old {i}\n")).collect();
        let new: String = (0..2500).map(|i| format!("new {i}\n")).collect();
        let diff = line_diff(&old, &new);
        assert_eq!(diff.lines().count(), 5000);
        assert!(diff.starts_with("- old 0\n") && diff.ends_with("+ new 2499\n"));
    }
}
