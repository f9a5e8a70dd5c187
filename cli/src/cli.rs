//! The command line: subcommands, options, values and help text (clap derive).

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use statewright_runtime::diagram::Format;

/// What a definition JSON is and how to get one: shown by `--help` of every command.
const DEFINITION_JSON: &str = "\
A definition JSON describes one state machine: its name, its states (with their docs and which
are initial and terminal) and its transitions. statewright writes it; get one from a test in the
crate that defines the machine:

    #[test]
    fn diagrams_are_committed() {
        statewright::diagram::assert_committed(Order::DEFINITION, \"diagrams\");
    }

Run it once as `STATEWRIGHT_UPDATE=1 cargo test` and it writes diagrams/order.json and
diagrams/order.mmd (afterwards the test fails when they are stale). Or save the string that
`Order::DEFINITION.to_json()` returns.";

const ABOUT: &str =
    "Render, compare and check the diagrams of statewright state machines; repair their journals";

const LONG_ABOUT: &str = "\
Render, compare and check the diagrams of statewright state machines; repair their journals.

statewright turns an annotated enum into a state machine the compiler checks. This tool works on
the machine's definition JSON, outside of any Rust build: it draws the machine (Mermaid,
Graphviz DOT, PlantUML, SVG, SCXML, a markdown table), shows what changed between two versions
of it, and checks that the diagrams committed next to it are up to date. `journal repair` moves
the damaged lines of a journal file into a side file, keeping every valid record.

";

const TOP_AFTER_HELP: &str = "\
Exit codes:
  0  success (for `diff --exit-code`: no differences; for `check`: every file up to date)
  1  `diff --exit-code` found differences, or `check` found stale files or invalid definitions
  2  usage error, or an input that is missing, unreadable or not a valid definition JSON

Examples:
  statewright render diagrams/order.json --format svg -o order.svg
  git show main:diagrams/order.json | statewright diff - diagrams/order.json
  statewright check diagrams

Run `statewright help <COMMAND>` or `statewright <COMMAND> --help` for each command's options.";

const RENDER_LONG_ABOUT: &str = "\
Render a definition JSON as a diagram.

Writes the machine in the chosen format to standard output, or to the file given with --output.
The output is exactly what the machine's `Order::DEFINITION.mermaid()` (`.dot()`, `.svg()`, ...)
returns in Rust: deterministic, byte for byte the same on every platform.

";

const RENDER_AFTER_HELP: &str = "\
Exit codes:
  0  the diagram was written
  2  usage error, or FILE is missing, unreadable or not a valid definition JSON

Examples:
  statewright render diagrams/order.json
  statewright render diagrams/order.json --format svg -o order.svg
  cat order.json | statewright render - --format dot | dot -Tpng -o order.png";

const DIFF_LONG_ABOUT: &str = "\
Show what changed between two versions of a machine.

States are matched by name and transitions by (from, event, to). The text format is a summary,
one line per change:

    + state Refunded
    ~ state Paid: no longer terminal
    + Paid --refund--> Refunded

(`no changes` when the machines are the same). The diagram formats draw both versions in one
picture, added states and transitions highlighted and removed ones dashed or struck.

";

const DIFF_AFTER_HELP: &str = "\
Exit codes:
  0  success (with --exit-code: the machines are the same)
  1  with --exit-code: the machines differ
  2  usage error, or a file is missing, unreadable or not a valid definition JSON

Examples:
  statewright diff old/order.json diagrams/order.json
  statewright diff old/order.json diagrams/order.json --format svg -o change.svg
  statewright diff --exit-code released/order.json diagrams/order.json";

const CHECK_LONG_ABOUT: &str = "\
Check that the diagrams committed next to definition JSON files are up to date.

For every *.json file in DIR (not in subdirectories, in name order), reads the definition, then
compares each rendered file with the same stem that exists next to it (order.mmd, order.dot,
order.puml, order.svg, order.scxml, order.md) with what the definition renders to, ignoring
\\r\\n versus \\n line endings. Prints `ok FILE` or `stale FILE` with a unified diff (- the
committed file, + what the definition renders to), then a summary. Rendered files that do not
exist are not created; only the ones that exist are checked.

check reads and writes only regular files directly in DIR, each at most 32 MiB: an entry that
is a symbolic link, a FIFO, a socket or a device, or a larger file, is an error (exit code 2)
and is neither read nor written. DIR itself may be a symbolic link (it is the directory you
named); subdirectories are not looked into. --update writes a new file next to the stale one
and renames it over it, with the old file's permissions.

";

const CHECK_AFTER_HELP: &str = "\
Exit codes:
  0  every rendered file is up to date (or, with --update, was rewritten)
  1  a file is stale (without --update), or a definition JSON is invalid
  2  usage error, DIR cannot be read or holds no *.json file, or a file cannot be read or
     written, is not a regular file (a link, FIFO, socket or device) or is over 32 MiB

Examples:
  statewright check diagrams
  statewright check diagrams --update";

/// `statewright`: render, diff and check state machine diagrams from definition JSON.
#[derive(Debug, Parser)]
#[command(
    name = "statewright",
    version,
    about = ABOUT,
    long_about = with_definition_json(LONG_ABOUT),
    after_help = TOP_AFTER_HELP,
    arg_required_else_help = true,
    propagate_version = true
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a definition JSON as a diagram (Mermaid, DOT, PlantUML, SVG, SCXML, markdown)
    #[command(
        long_about = with_definition_json(RENDER_LONG_ABOUT),
        after_help = RENDER_AFTER_HELP
    )]
    Render(RenderArgs),
    /// Show what changed between two versions of a machine, as text or as a diagram
    #[command(
        long_about = with_definition_json(DIFF_LONG_ABOUT),
        after_help = DIFF_AFTER_HELP
    )]
    Diff(DiffArgs),
    /// Check that the diagrams committed next to definition JSON files are up to date
    #[command(
        long_about = with_definition_json(CHECK_LONG_ABOUT),
        after_help = CHECK_AFTER_HELP
    )]
    Check(CheckArgs),
    /// Work on journal files: `statewright journal repair FILE`
    Journal(crate::journal::JournalArgs),
}

/// `statewright render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The definition JSON to render (`-` reads standard input)
    #[arg(value_name = "FILE.json")]
    pub file: PathBuf,

    /// The diagram format (a file extension such as `mmd` or `puml` works too)
    #[arg(short, long, value_name = "FORMAT", default_value = "mermaid")]
    pub format: RenderFormat,

    /// Write the diagram to PATH instead of standard output (`-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// `statewright diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version's definition JSON (`-` reads standard input)
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,

    /// The new version's definition JSON (`-` reads standard input)
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,

    /// `text` for the summary, or a diagram format to draw both versions in one picture
    #[arg(short, long, value_name = "FORMAT", default_value = "text")]
    pub format: DiffFormat,

    /// Write the output to PATH instead of standard output (`-` is standard output)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Exit with 1 if the machines differ, 0 if not (like `git diff --exit-code`)
    #[arg(long)]
    pub exit_code: bool,
}

/// `statewright check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The directory holding the definition JSON files and their rendered diagrams
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Rewrite the stale files with what their definition renders to, instead of failing
    #[arg(long)]
    pub update: bool,
}

/// A command's long help: its own text, then what a definition JSON is and how to get one.
fn with_definition_json(text: &'static str) -> clap::builder::StyledStr {
    let mut help = String::from(text);
    help.push_str(DEFINITION_JSON);
    help.into()
}

/// A diagram format for `render`: every [`Format`], by [`Format::name`] (with its
/// [`Format::extension`] as an alias, as [`Format::from_name`] accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderFormat(pub Format);

impl ValueEnum for RenderFormat {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [RenderFormat; Format::ALL.len()] = {
            let mut all = [RenderFormat(Format::Mermaid); Format::ALL.len()];
            let mut i = 0;
            while i < all.len() {
                all[i] = RenderFormat(Format::ALL[i]);
                i += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(format_value(self.0))
    }
}

/// The output of `diff`: the text summary, or the diff chart in a diagram format.
///
/// SCXML has no notion of a change (it would leave the removed items out) and the JSON of a
/// diff chart is not a definition of either version, so neither is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    /// The summary, one line per change.
    Text,
    /// Both versions in one diagram.
    Chart(Format),
}

impl ValueEnum for DiffFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            DiffFormat::Text,
            DiffFormat::Chart(Format::Mermaid),
            DiffFormat::Chart(Format::Dot),
            DiffFormat::Chart(Format::PlantUml),
            DiffFormat::Chart(Format::Svg),
            DiffFormat::Chart(Format::Markdown),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            DiffFormat::Text => PossibleValue::new("text")
                .help("The summary: `+ state X`, `- A --event--> B`, ... (`no changes` if none)"),
            DiffFormat::Chart(format) => format_value(*format),
        })
    }
}

/// The value clap shows and accepts for `format`.
fn format_value(format: Format) -> PossibleValue {
    let value = PossibleValue::new(format.name()).help(describe(format));
    if format.extension() == format.name() {
        value
    } else {
        value.alias(format.extension())
    }
}

/// One line on each format, for `--help`.
fn describe(format: Format) -> &'static str {
    match format {
        Format::Mermaid => "Mermaid stateDiagram-v2 (.mmd; renders on GitHub and GitLab)",
        Format::Dot => "Graphviz DOT (.dot)",
        Format::PlantUml => "PlantUML state diagram (.puml)",
        Format::Svg => "SVG image, laid out without any external program (.svg)",
        Format::Scxml => "W3C SCXML, for tools that import state charts (.scxml)",
        Format::Markdown => "Markdown transition table (.md)",
        Format::Json => "The definition JSON itself, normalised (.json)",
    }
}
