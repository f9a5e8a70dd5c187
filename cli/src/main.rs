//! `statewright`: the command-line tool of [statewright], the proc-macro that turns an annotated
//! enum into a state machine the compiler checks.
//!
//! It works on a machine's *definition JSON* (what `Chart::to_json` writes, and what
//! `statewright::diagram::assert_committed` commits next to the machine's diagram), outside of
//! any Rust build:
//!
//! - `statewright render FILE.json [--format F] [-o PATH]` draws the machine;
//! - `statewright diff OLD.json NEW.json [--format F] [-o PATH] [--exit-code]` shows what
//!   changed between two versions;
//! - `statewright check DIR [--update]` checks that the diagrams committed next to each
//!   definition JSON in `DIR` are up to date;
//! - `statewright journal repair FILE` repairs a corrupt journal file, moving what it removes
//!   into a side file.
//!
//! Exit codes: 0 success, 1 differences or stale files found, 2 usage or input error (every
//! error is one `error: <file>: <message>` line on standard error).
//!
//! # What can go wrong
//!
//! | what happens | what the CLI does |
//! |---|---|
//! | a definition JSON is truncated, hand-edited or names an unknown state | `render` and `diff`: exit code 2 with `file: invalid definition JSON at line L column C: ...`; `check`: the same line, counted as an invalid definition (exit code 1), the other definitions are still checked |
//! | a file in `check`'s DIR is a symbolic link (to a file outside DIR, to `/dev/zero`, ...) | refused before it is opened, exit code 2: the link's target is never read, printed or written; files are opened with `O_NOFOLLOW`, so a link swapped in after the check is refused by the kernel |
//! | a file in DIR is a FIFO, a socket or a device | refused before it is opened (and opened with `O_NONBLOCK`, so a FIFO swapped in later cannot hang the command), exit code 2 |
//! | a file in DIR is larger than 32 MiB | refused after reading at most 32 MiB + 1 byte, exit code 2; `--update` leaves it alone |
//! | `--update` rewrites a stale file | a new file is written next to it and renamed over it (keeping the old file's permissions): a reader never sees half a file, and a link put in its place is replaced, not written through |
//! | a chart is too large for the SVG layout (more than `diagram::MAX_LAYOUT_POINTS` points) | `render --format svg`, `diff --format svg` and `check` of an `.svg` file: exit code 2, the message says how many points it needs and to use Mermaid, DOT or PlantUML; nothing is written |
//! | DIR itself is a symbolic link | followed: it is the directory the user named; subdirectories of DIR are never looked into |
//! | standard output is closed by its reader (`... \| head -1`) | stops quietly, exit code 0 |
//!
//! `render FILE` and `diff OLD NEW` read the files the user names, links included; they are
//! not capped (the definition JSON is parsed in linear time).
//!
//! [statewright]: https://github.com/statewright/statewright

mod cli;
mod commands;
mod error;
mod files;
mod journal;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::error::Error;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let stdout = io::stdout();
    match commands::run(cli, &mut stdout.lock()) {
        Ok(outcome) => outcome.exit_code(),
        // The reader of the output went away: nothing left to say to anyone.
        Err(Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr(), "error: {error}");
            ExitCode::from(2)
        }
    }
}
