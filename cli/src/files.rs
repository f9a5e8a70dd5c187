//! Reading definition JSON and writing outputs, with errors that name the file.

use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

use statewright_runtime::diagram::Chart;

use crate::error::Error;

/// Whether `path` stands for standard input or output.
pub fn is_std(path: &Path) -> bool {
    path == Path::new("-")
}

/// How error messages name `path`.
pub fn display_name(path: &Path) -> String {
    if is_std(path) {
        String::from("<stdin>")
    } else {
        path.display().to_string()
    }
}

/// Reads and checks the definition JSON at `path` (`-`: standard input).
pub fn read_chart(path: &Path) -> Result<Chart, Error> {
    let name = display_name(path);
    let text = if is_std(path) {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::file(&name, e))?;
        text
    } else {
        fs::read_to_string(path).map_err(|e| Error::file(&name, e))?
    };
    parse_chart(&name, &text)
}

/// Parses definition JSON; the error says where in the file the problem is.
pub fn parse_chart(name: &str, text: &str) -> Result<Chart, Error> {
    // Editors on some platforms start UTF-8 files with a byte order mark; JSON has no use for it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str::<Chart>(text).map_err(|error| Error::file(name, describe(&error)))
}

/// `invalid definition JSON at line 3 column 5: <what serde_json or the chart rules say>`.
fn describe(error: &serde_json::Error) -> String {
    let full = error.to_string();
    if error.line() == 0 {
        return format!("invalid definition JSON: {full}");
    }
    let position = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&position).unwrap_or(&full);
    format!("invalid definition JSON{position}: {message}")
}

/// Writes `text` to `output`, or to `out` (standard output) when there is none or it is `-`.
pub fn write_output(output: Option<&Path>, text: &str, out: &mut dyn Write) -> Result<(), Error> {
    match output {
        Some(path) if !is_std(path) => {
            fs::write(path, text).map_err(|e| Error::file(path.display(), e))
        }
        _ => out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::stdout),
    }
}
