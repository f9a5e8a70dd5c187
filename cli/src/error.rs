//! What a command ends with: an [`Outcome`] (exit code 0 or 1) or an [`Error`] (exit code 2).

use std::fmt;
use std::io;
use std::process::ExitCode;

/// How a command that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing to report (exit code 0).
    Success,
    /// Differences found (`diff --exit-code`), or stale files or invalid definitions (`check`):
    /// exit code 1.
    Differences,
}

impl Outcome {
    /// The process's exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Differences => ExitCode::from(1),
        }
    }
}

/// Why a command could not do its work: printed as one `error: ...` line, exit code 2.
#[derive(Debug)]
pub enum Error {
    /// A file (or standard input or output) that could not be read, parsed or written.
    File {
        /// The file as the user named it, or `<stdin>` / `<stdout>`.
        name: String,
        /// What went wrong, on one line.
        message: String,
    },
    /// Arguments that clap accepts but that do not make sense together.
    Usage(String),
    /// Standard output was closed by its reader (`statewright render x.json | head -1`): stop
    /// quietly, as other command-line tools do.
    BrokenPipe,
}

impl Error {
    /// An error about the file `name`; line breaks in the message are escaped so that the error
    /// stays on one line whatever the file holds.
    pub fn file(name: impl fmt::Display, message: impl fmt::Display) -> Error {
        Error::File {
            name: one_line(&name.to_string()),
            message: one_line(&message.to_string()),
        }
    }

    /// A failure to write to standard output.
    pub fn stdout(error: io::Error) -> Error {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::file("<stdout>", error)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::File { name, message } => write!(f, "{name}: {message}"),
            Error::Usage(message) => f.write_str(message),
            Error::BrokenPipe => f.write_str("<stdout>: broken pipe"),
        }
    }
}

impl std::error::Error for Error {}

fn one_line(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}
