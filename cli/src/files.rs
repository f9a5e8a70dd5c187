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

/// The most `check` reads of one file in DIR: 32 MiB. The largest diagram statewright renders
/// (an SVG at the layout's size limit) is well under it.
pub const CHECK_READ_LIMIT: u64 = 32 << 20;

/// Why `check` refuses an entry of DIR that is a symbolic link.
const SYMLINK: &str = "is a symbolic link; check reads and writes only regular files in DIR \
                       (replace the link with the file itself)";

/// Why `check` refuses an entry of DIR that is a FIFO, a socket or a device.
const SPECIAL: &str = "is not a regular file (a FIFO, socket or device); check reads and writes \
                       only regular files in DIR";

/// Refuses anything but a regular file, saying what it is instead.
pub fn require_regular(path: &Path, file_type: fs::FileType) -> Result<(), Error> {
    if file_type.is_symlink() {
        Err(Error::file(path.display(), SYMLINK))
    } else if file_type.is_dir() {
        Err(Error::file(
            path.display(),
            "is a directory; check reads only regular files in DIR",
        ))
    } else if !file_type.is_file() {
        Err(Error::file(path.display(), SPECIAL))
    } else {
        Ok(())
    }
}

/// Reads the regular file `path` of `check`'s DIR, without following a symbolic link,
/// without blocking on a FIFO and without reading more than [`CHECK_READ_LIMIT`] bytes.
/// `None`: there is no such file.
///
/// The entry is looked at first (for a clear message), then opened with `O_NOFOLLOW |
/// O_NONBLOCK` (on Unix), and the opened handle must be a regular file and the same file as
/// the entry: an entry swapped for a link or a FIFO in between is refused, not followed.
pub fn read_regular(path: &Path) -> Result<Option<(Vec<u8>, fs::Metadata)>, Error> {
    let name = path.display().to_string();
    let entry = match fs::symlink_metadata(path) {
        Ok(entry) => entry,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::file(&name, error)),
    };
    require_regular(path, entry.file_type())?;
    let file = open_no_follow(path)?;
    let opened = file.metadata().map_err(|e| Error::file(&name, e))?;
    require_regular(path, opened.file_type())?;
    if !same_file(&entry, &opened) {
        return Err(Error::file(
            name,
            "was replaced while check opened it; run check again",
        ));
    }
    let mut bytes = Vec::new();
    file.take(CHECK_READ_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::file(&name, e))?;
    if bytes.len() as u64 > CHECK_READ_LIMIT {
        return Err(Error::file(
            name,
            format!(
                "is larger than {} MiB, the most check reads; a file this large is not a \
                 diagram statewright renders (delete it, or move it out of DIR)",
                CHECK_READ_LIMIT >> 20
            ),
        ));
    }
    Ok(Some((bytes, opened)))
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> Result<fs::File, Error> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| {
            if error.raw_os_error() == Some(libc::ELOOP) {
                Error::file(path.display(), SYMLINK)
            } else {
                Error::file(path.display(), error)
            }
        })
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> Result<fs::File, Error> {
    fs::File::open(path).map_err(|e| Error::file(path.display(), e))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.len() == b.len() && a.file_type() == b.file_type()
}

/// Replaces the file `path` with `text`, keeping `permissions`: writes a new file next to it,
/// then renames it over `path`. A rename replaces the directory entry itself, so even a link
/// put in place of the file meanwhile is replaced, never written through; and a reader never
/// sees a half-written file.
pub fn replace_regular(path: &Path, text: &str, permissions: fs::Permissions) -> Result<(), Error> {
    let name = path.display();
    let (Some(dir), Some(file_name)) = (path.parent(), path.file_name()) else {
        return Err(Error::file(name, "is not a file in a directory"));
    };
    let temp = dir.join(format!(
        ".{}.statewright-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        // `create_new` fails on any existing entry, a link included: nothing is followed.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    written.map_err(|error| {
        if error.kind() != io::ErrorKind::AlreadyExists {
            let _ = fs::remove_file(&temp);
        }
        Error::file(
            name,
            format!("cannot be replaced (through {}): {error}", temp.display()),
        )
    })
}
