//! `statewright journal repair FILE`: repairs a journal file that `Journal::open` refuses as
//! corrupt, keeping every valid record and moving the rest into a side file.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use statewright_runtime::journal::Journal;

use crate::error::{Error, Outcome};

const REPAIR_LONG_ABOUT: &str = "\
Repair a journal file that the program refuses to open as corrupt.

Keeps every record line that is intact and continues its instance's records (checked against
the definition JSON in the journal's header), and moves every other line (damaged, too long,
or following a removed record of its instance) and a torn last line, verbatim and in order,
into a new side file FILE.removed (FILE.removed-1, ... if that exists; nothing is
overwritten). Prints each removed line with its number and why it was removed.

The repaired journal is written to a new file and renamed over FILE, so a crash leaves either
the old journal or the repaired one. A journal that needs no repair is left untouched. The
journal must not be open in a program (the repair takes its lock).";

const REPAIR_AFTER_HELP: &str = "\
Exit codes:
  0  the journal was repaired, or needed no repair
  2  usage error, or FILE is missing, unreadable, open in a program, or has no valid header

Examples:
  statewright journal repair orders.journal";

/// `statewright journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// What to do with the journal.
    #[command(subcommand)]
    pub command: JournalCommand,
}

/// The subcommands of `statewright journal`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Repair a corrupt journal file, moving what it removes into a side file
    #[command(long_about = REPAIR_LONG_ABOUT, after_help = REPAIR_AFTER_HELP)]
    Repair(RepairArgs),
}

/// `statewright journal repair`.
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The journal file to repair
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Runs `statewright journal ...`.
pub fn run(args: &JournalArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    match &args.command {
        JournalCommand::Repair(args) => repair(args, out),
    }
}

/// `statewright journal repair FILE`.
fn repair(args: &RepairArgs, out: &mut dyn Write) -> Result<Outcome, Error> {
    let name = args.file.display();
    let report = Journal::repair(&args.file, None).map_err(|e| Error::file(&name, e))?;
    let mut text = String::new();
    for removed in &report.removed {
        text.push_str(&format!("removed {removed}\n"));
    }
    match &report.side_file {
        Some(side) => text.push_str(&format!(
            "repaired {name}: kept {} records, removed {} lines into {}\n",
            report.records,
            report.removed.len(),
            side.display()
        )),
        None => text.push_str(&format!(
            "{name} needs no repair: {} records\n",
            report.records
        )),
    }
    out.write_all(text.as_bytes()).map_err(Error::stdout)?;
    Ok(Outcome::Success)
}
