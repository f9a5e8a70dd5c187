//! The subcommands: `render`, `diff` and `check`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use similar::TextDiff;
use statewright_runtime::diagram::{Diff, Format};

use crate::cli::{CheckArgs, Cli, Command, DiffArgs, DiffFormat, RenderArgs};
use crate::error::{Error, Outcome};
use crate::files::{self, display_name, is_std, read_chart, write_output};

/// Runs the command, writing its report to `out` (standard output).
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<Outcome, Error> {
    match cli.command {
        Command::Render(args) => render(&args, out),
        Command::Diff(args) => diff(&args, out),
        Command::Check(args) => check(&args, out),
        Command::Journal(args) => crate::journal::run(&args, out),
    }
}

/// `statewright render FILE [--format F] [-o PATH]`.
fn render(args: &RenderArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let chart = read_chart(&args.file)?;
    let text = chart
        .try_render(args.format.0)
        .map_err(|error| Error::file(display_name(&args.file), error))?;
    write_output(args.output.as_deref(), &text, out)?;
    Ok(Outcome::Success)
}

/// `statewright diff OLD NEW [--format F] [-o PATH] [--exit-code]`.
fn diff(args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    if is_std(&args.old) && is_std(&args.new) {
        return Err(Error::Usage(String::from(
            "OLD.json and NEW.json cannot both be `-` (standard input can be read only once)",
        )));
    }
    let old = read_chart(&args.old)?;
    let new = read_chart(&args.new)?;
    let diff = Diff::new(&old, &new);
    let text = match args.format {
        DiffFormat::Text => diff.to_string(),
        DiffFormat::Chart(format) => diff
            .chart()
            .try_render(format)
            .map_err(|error| Error::file(display_name(&args.new), error))?,
    };
    write_output(args.output.as_deref(), &text, out)?;
    Ok(if args.exit_code && !diff.is_empty() {
        Outcome::Differences
    } else {
        Outcome::Success
    })
}

/// What `check` found, for its summary.
#[derive(Debug, Default)]
struct Tally {
    definitions: usize,
    invalid: usize,
    ok: usize,
    stale: usize,
    updated: usize,
}

/// `statewright check DIR [--update]`.
fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let dir = &args.dir;
    let definitions = definition_files(dir)?;
    if definitions.is_empty() {
        return Err(Error::file(
            dir.display(),
            "no definition JSON (*.json) files in this directory",
        ));
    }
    let mut tally = Tally::default();
    for json in &definitions {
        tally.definitions += 1;
        let name = json.display().to_string();
        let Some((bytes, _)) = files::read_regular(json)? else {
            return Err(Error::file(
                &name,
                "vanished while check ran; run check again",
            ));
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::file(&name, "is not UTF-8 text, as definition JSON is"))?;
        let chart = match files::parse_chart(&name, &text) {
            Ok(chart) => chart,
            Err(error) => {
                // Reported and counted; the other definitions are still checked.
                out.flush().map_err(Error::stdout)?;
                let _ = writeln!(io::stderr(), "error: {error}");
                tally.invalid += 1;
                continue;
            }
        };
        let Some(stem) = json.file_stem() else {
            continue;
        };
        let stem = stem.to_string_lossy();
        for format in Format::ALL {
            if format == Format::Json {
                continue;
            }
            let path = dir.join(format!("{stem}.{}", format.extension()));
            let Some((actual, metadata)) = files::read_regular(&path)? else {
                continue;
            };
            let expected = chart
                .try_render(format)
                .map_err(|error| Error::file(path.display(), error))?;
            let actual = normalise(&actual);
            if actual == expected {
                tally.ok += 1;
                writeln!(out, "ok {}", path.display()).map_err(Error::stdout)?;
            } else if args.update {
                files::replace_regular(&path, &expected, metadata.permissions())?;
                tally.updated += 1;
                writeln!(out, "updated {}", path.display()).map_err(Error::stdout)?;
            } else {
                tally.stale += 1;
                writeln!(out, "stale {}", path.display()).map_err(Error::stdout)?;
                write!(out, "{}", line_diff(&path, json, &actual, &expected))
                    .map_err(Error::stdout)?;
            }
        }
    }
    write_summary(&tally, dir, out).map_err(Error::stdout)?;
    Ok(if tally.stale + tally.invalid > 0 {
        Outcome::Differences
    } else {
        Outcome::Success
    })
}

/// The `*.json` files directly in `dir`, sorted by name. Subdirectories are not looked into;
/// a `*.json` entry that is a symbolic link, a FIFO, a socket or a device is refused (`check`
/// reads only regular files in DIR).
fn definition_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let name = display_name(dir);
    let entries = fs::read_dir(dir).map_err(|e| Error::file(&name, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::file(&name, e))?;
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        // `DirEntry::file_type` does not follow symbolic links.
        let file_type = entry
            .file_type()
            .map_err(|e| Error::file(path.display(), e))?;
        if file_type.is_dir() {
            continue;
        }
        files::require_regular(&path, file_type)?;
        files.push(path);
    }
    files.sort();
    Ok(files)
}

/// A committed file's text with `\r\n` read as `\n` (a checkout may have converted them).
/// Bytes that are not UTF-8 are kept as U+FFFD, so such a file shows as stale, not as an error.
fn normalise(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

/// A unified diff from the committed file (`-`) to what the definition renders to (`+`).
fn line_diff(path: &Path, json: &Path, actual: &str, expected: &str) -> String {
    let diff = TextDiff::from_lines(actual, expected);
    let mut unified = diff.unified_diff();
    unified.header(
        &format!("{} (committed)", path.display()),
        &format!("{} (rendered from {})", path.display(), json.display()),
    );
    unified.to_string()
}

fn write_summary(tally: &Tally, dir: &Path, out: &mut dyn Write) -> io::Result<()> {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut parts = vec![format!("{} ok", tally.ok)];
    if tally.stale > 0 {
        parts.push(format!("{} stale", tally.stale));
    }
    if tally.updated > 0 {
        parts.push(format!("{} updated", tally.updated));
    }
    if tally.invalid > 0 {
        parts.push(plural(tally.invalid, "invalid definition"));
    }
    writeln!(
        out,
        "checked {} from {}: {}",
        plural(tally.ok + tally.stale + tally.updated, "file"),
        plural(tally.definitions, "definition"),
        parts.join(", ")
    )?;
    if tally.stale > 0 {
        writeln!(
            out,
            "to rewrite the stale files, run: statewright check {} --update",
            dir.display()
        )?;
    }
    out.flush()
}
