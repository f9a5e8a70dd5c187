//! Where a journal's bytes live: a file, or anything else that can append, sync and truncate.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::vec::Vec;

/// The byte store under a [`Journal`](super::Journal): append-only, with explicit syncs.
///
/// [`File`] storage is what [`Journal::open`](super::Journal::open) uses; implement this trait
/// to put a journal elsewhere, or to inject faults in tests (a store that fails after N bytes,
/// or with `ENOSPC`). Every method reports failure as an `io::Error`; the journal keeps the
/// store consistent (it truncates a partly written line away) or refuses further appends.
pub trait Storage: Send {
    /// Every byte stored so far.
    fn read_all(&mut self) -> io::Result<Vec<u8>>;

    /// `len` bytes starting at `offset`.
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>>;

    /// Appends `bytes` at the end. On error, any prefix of `bytes` may have been stored.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// Makes everything appended so far durable (`fdatasync` for a file).
    fn sync(&mut self) -> io::Result<()>;

    /// Cuts the store to its first `len` bytes.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
}

/// A journal file, locked for the life of the storage.
///
/// Opening takes an exclusive OS advisory lock on the file (`flock` on Unix, `LockFileEx` on
/// Windows, through the `fs4` crate) before anything is read or written, and holds it until
/// the storage is dropped: a journal file has one writer. A second open of the same file, in
/// this process or in any other, fails within a quarter of a second (see below) with
/// [`io::ErrorKind::WouldBlock`] (which
/// [`Journal::open`](super::Journal::open) reports as
/// [`JournalError::Locked`](super::JournalError::Locked)) and changes nothing. The lock is
/// advisory: it stops every statewright journal, not other programs writing the file.
///
/// A lock that is busy is retried for up to 250 ms before the open fails: a process that
/// starts a child process shares its open files, and their locks, with the child until the
/// child runs its program, so a journal just closed in such a process can look locked for a
/// moment.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
}

impl FileStorage {
    /// Opens (or creates) the file at `path` for reading and appending, and locks it.
    ///
    /// ```
    /// use statewright::journal::FileStorage;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("statewright-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("orders.journal");
    /// let first = FileStorage::open(&path)?;
    /// let second = FileStorage::open(&path).unwrap_err();
    /// assert_eq!(second.kind(), std::io::ErrorKind::WouldBlock);
    /// drop(first);
    /// assert!(FileStorage::open(&path).is_ok());
    /// # std::fs::remove_dir_all(&dir)
    /// # }
    /// ```
    pub fn open(path: &Path) -> io::Result<Self> {
        // A file replaced while this one waited for its lock (`Journal::repair` renames the
        // repaired file over the old one) is opened again: the lock must be on the file the
        // path names, or two writers could each hold a lock on a different file.
        for _ in 0..8 {
            let file = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(path)?;
            lock(&file, path)?;
            if same_file(&file, path)? {
                return Ok(FileStorage { file });
            }
        }
        Err(io::Error::other(std::format!(
            "`{}` keeps being replaced while it is opened; stop what replaces it",
            path.display()
        )))
    }
}

/// How long [`lock`] waits for a lock held elsewhere before it gives up.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(250);

/// Takes `file`'s exclusive lock; `WouldBlock` when another holds it for longer than
/// [`LOCK_PATIENCE`].
///
/// The short wait is for a lock that is held only for a moment: a process that starts a
/// child shares its open files (and so their locks) with the child until the child runs its
/// program, so a journal closed in a process that spawns children can look locked for a few
/// milliseconds. A journal that is really open elsewhere is still refused within a quarter
/// of a second.
pub(crate) fn lock(file: &File, path: &Path) -> io::Result<()> {
    let start = std::time::Instant::now();
    loop {
        // Fully qualified: on Rust 1.89 and later, `File`'s own `try_lock` would shadow the
        // trait's, and this crate supports Rust 1.85.
        match fs4::FileExt::try_lock(file) {
            Ok(()) => return Ok(()),
            Err(fs4::TryLockError::WouldBlock) if start.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    std::format!(
                        "`{}` is locked by another journal (this process or another one)",
                        path.display()
                    ),
                ));
            }
            Err(fs4::TryLockError::Error(error)) => return Err(error),
        }
    }
}

/// Whether the open `file` is the file `path` names now.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (open, named) = (file.metadata()?, std::fs::metadata(path)?);
    Ok(open.dev() == named.dev() && open.ino() == named.ino())
}

/// Whether the open `file` is the file `path` names now (not checked on this platform).
#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> io::Result<bool> {
    Ok(true)
}

impl Storage for FileStorage {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.file.seek(SeekFrom::Start(0))?;
        self.file.read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = std::vec![0; len];
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(&mut bytes)?;
        Ok(bytes)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        // One `write` call for the whole line. A process killed mid-append can still leave
        // part of it (Linux may cut a write short when a fatal signal arrives; the crash test
        // saw it under SIGKILL), and so can an OS crash: recovery cuts such a torn tail.
        self.file.write_all(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

/// A journal held in memory, for tests and for tools that read journals from elsewhere.
/// Clones share the same bytes, so a test can keep one and give another to a journal.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// A store holding `bytes` (for example a journal read from a file).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        MemoryStorage {
            bytes: Arc::new(Mutex::new(bytes)),
        }
    }

    /// A copy of the bytes stored.
    pub fn bytes(&self) -> Vec<u8> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        // The bytes stay consistent even if a holder panicked: every operation is one call.
        self.bytes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Storage for MemoryStorage {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        Ok(self.bytes())
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let bytes = self.lock();
        usize::try_from(offset)
            .ok()
            .and_then(|start| bytes.get(start..start.checked_add(len)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.lock().extend_from_slice(bytes);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        self.lock().truncate(len);
        Ok(())
    }
}

/// What a closed journal holds instead of its storage: every operation fails.
pub(crate) struct Released;

impl Released {
    fn closed() -> io::Error {
        io::Error::other("the journal is closed")
    }
}

impl Storage for Released {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        Err(Released::closed())
    }

    fn read_at(&mut self, _offset: u64, _len: usize) -> io::Result<Vec<u8>> {
        Err(Released::closed())
    }

    fn append(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Err(Released::closed())
    }

    fn sync(&mut self) -> io::Result<()> {
        Err(Released::closed())
    }

    fn truncate(&mut self, _len: u64) -> io::Result<()> {
        Err(Released::closed())
    }
}
