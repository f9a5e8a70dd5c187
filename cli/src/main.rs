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
