//! Where a journal's bytes live: a file, or anything else that can append, sync and truncate.

use std::borrow::ToOwned;
use std::boxed::Box;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};
use std::vec::Vec;

/// The byte store under a [`Journal`](super::Journal): append-only, with explicit syncs.
///
/// [`File`] storage is what [`Journal::open`](super::Journal::open) uses; implement this trait
/// to put a journal elsewhere, or to inject faults in tests (a store that fails after N bytes,
/// or with `ENOSPC`). Every method reports failure as an `io::Error`; the journal keeps the
/// store consistent (it truncates a partly written line away) or refuses further appends.
///
/// The journal reads a store in pieces ([`size`](Storage::size) and
/// [`read_at`](Storage::read_at)), never whole; implement `size` so it does not read
/// everything (the default does, through `read_all`).
pub trait Storage: Send {
    /// Every byte stored so far. The journal does not call it; tools may.
    fn read_all(&mut self) -> io::Result<Vec<u8>>;

    /// `len` bytes starting at `offset`.
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>>;

    /// Appends `bytes` at the end. On error, any prefix of `bytes` may have been stored.
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;

    /// Makes everything appended so far durable (`fdatasync` for a file).
    fn sync(&mut self) -> io::Result<()>;

    /// Cuts the store to its first `len` bytes.
    fn truncate(&mut self, len: u64) -> io::Result<()>;

    /// The number of bytes stored. The default reads them all; stores should say it cheaply.
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.read_all()?.len() as u64)
    }

    /// Keeps a durable copy of `bytes`, which start at `offset` and which recovery is about to
    /// cut off (a torn last line), where a person can look at them; returns where (for a
    /// file, the side file's path). Recovery cuts nothing it could not copy first. The default
    /// cannot copy: a store without it refuses to recover a torn line (with this error).
    fn set_aside(&mut self, offset: u64, bytes: &[u8]) -> io::Result<String> {
        let _ = (offset, bytes);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this storage cannot keep a copy of the bytes recovery would cut; implement `Storage::set_aside`",
        ))
    }

    /// A second handle that reads the stored bytes while the journal appends through this
    /// one, so [`Journal::history`](super::Journal::history) does not hold up appends. The
    /// journal reads through it only bytes that were completely appended before. `None` (the
    /// default) makes history read through this handle, a line at a time.
    fn reader(&mut self) -> Option<Box<dyn Reader>> {
        None
    }
}

/// Reads a [`Storage`]'s bytes independently of its writer: see [`Storage::reader`].
///
/// ```
/// use statewright::journal::{MemoryStorage, Reader, Storage};
///
/// let mut storage = MemoryStorage::from_bytes(b"line one\nline two\n".to_vec());
/// let reader = storage.reader().unwrap();
/// storage.append(b"line three\n").unwrap(); // the writer goes on
/// assert_eq!(reader.read_at(9, 8).unwrap(), b"line two");
/// assert_eq!(reader.read_at(18, 10).unwrap(), b"line three");
/// ```
pub trait Reader: Send + Sync {
    /// `len` bytes starting at `offset`.
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>>;
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
    path: PathBuf,
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
            // A FIFO, a device or a socket would block or swallow the journal's writes.
            if !file.metadata()?.is_file() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    std::format!(
                        "`{}` is not a regular file; a journal must be one",
                        path.display()
                    ),
                ));
            }
            lock(&file, path)?;
            if same_file(&file, path)? {
                return Ok(FileStorage {
                    file,
                    path: path.to_path_buf(),
                });
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
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    Ok(same_metadata(&file.metadata()?, &std::fs::metadata(path)?))
}

/// Whether two metadata are of the same file.
#[cfg(unix)]
fn same_metadata(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Whether two metadata are of the same file (not checked on this platform).
#[cfg(not(unix))]
fn same_metadata(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    true
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

    fn size(&mut self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Writes `bytes` to a new side file `<journal>.torn-<offset>` (or `.torn-<offset>-<n>`
    /// when that exists: nothing is overwritten) next to the journal, and syncs it and the
    /// directory.
    fn set_aside(&mut self, offset: u64, bytes: &[u8]) -> io::Result<String> {
        let path = side_file(&self.path, &std::format!("torn-{offset}"), bytes)?;
        Ok(path.display().to_string())
    }

    /// The same file opened again for reading (a new handle, which shares no lock and no
    /// file position with the writer).
    fn reader(&mut self) -> Option<Box<dyn Reader>> {
        let file = File::open(&self.path).ok()?;
        let (open, ours) = (file.metadata().ok()?, self.file.metadata().ok()?);
        same_metadata(&open, &ours).then(|| Box::new(FileReader::new(file)) as Box<dyn Reader>)
    }
}

/// Creates a side file `<path>.<suffix>` (or `<path>.<suffix>-<n>`, the first that does not
/// exist) holding `bytes`, synced, with its directory synced; returns its path.
pub(crate) fn side_file(path: &Path, suffix: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let (mut file, side) = create_side(path, suffix)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    sync_directory(&side)?;
    Ok(side)
}

/// Creates the new, empty file `<path>.<suffix>` (or `<path>.<suffix>-<n>`, the first that
/// does not exist: nothing is overwritten).
pub(crate) fn create_side(path: &Path, suffix: &str) -> io::Result<(File, PathBuf)> {
    let mut name = path.as_os_str().to_owned();
    name.push(std::format!(".{suffix}"));
    let base = PathBuf::from(name);
    let mut n = 0u32;
    loop {
        let side = if n == 0 {
            base.clone()
        } else {
            let mut name = base.as_os_str().to_owned();
            name.push(std::format!("-{n}"));
            PathBuf::from(name)
        };
        match OpenOptions::new().write(true).create_new(true).open(&side) {
            Ok(file) => return Ok((file, side)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Makes the creation or renaming of `path` durable by syncing its directory (on Unix; other
/// platforms do not need it or cannot).
pub(crate) fn sync_directory(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// A read-only handle on a journal file, for [`Storage::reader`].
struct FileReader {
    #[cfg(unix)]
    file: File,
    #[cfg(not(unix))]
    file: Mutex<File>,
}

impl FileReader {
    fn new(file: File) -> Self {
        FileReader {
            #[cfg(unix)]
            file,
            #[cfg(not(unix))]
            file: Mutex::new(file),
        }
    }
}

impl Reader for FileReader {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = std::vec![0; len];
        #[cfg(unix)]
        std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut bytes, offset)?;
        #[cfg(not(unix))]
        {
            let mut file = self
                .file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut bytes)?;
        }
        Ok(bytes)
    }
}

/// A journal held in memory, for tests and for tools that read journals from elsewhere.
/// Clones share the same bytes, so a test can keep one and give another to a journal.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    bytes: Arc<Mutex<Vec<u8>>>,
    aside: Arc<Mutex<Vec<Aside>>>,
}

/// Bytes recovery cut off, with the offset they started at.
type Aside = (u64, Vec<u8>);

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// A store holding `bytes` (for example a journal read from a file).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        MemoryStorage {
            bytes: Arc::new(Mutex::new(bytes)),
            aside: Arc::default(),
        }
    }

    /// A copy of the bytes stored.
    pub fn bytes(&self) -> Vec<u8> {
        self.lock().clone()
    }

    /// What recovery cut off and [set aside](Storage::set_aside), oldest first: the offset
    /// each piece started at, and its bytes.
    ///
    /// ```
    /// use statewright::journal::{Durability, Journal, MemoryStorage, Storage};
    /// use statewright::{state_machine, StateMachine};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq)]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// let storage = MemoryStorage::new();
    /// drop(Journal::with_storage(storage.clone(), Door::DEFINITION, Durability::Sync).unwrap());
    /// let end = storage.bytes().len() as u64;
    /// storage.clone().append(b"{\"machine\":\"Do").unwrap(); // a torn append
    /// let journal = Journal::with_storage(storage.clone(), Door::DEFINITION, Durability::Sync).unwrap();
    /// assert_eq!(journal.recovery().torn, Some((end, 14)));
    /// assert_eq!(storage.set_aside_bytes(), [(end, b"{\"machine\":\"Do".to_vec())]);
    /// ```
    pub fn set_aside_bytes(&self) -> Vec<(u64, Vec<u8>)> {
        self.aside
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
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
        Reader::read_at(self, offset, len)
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

    fn size(&mut self) -> io::Result<u64> {
        Ok(self.lock().len() as u64)
    }

    /// Keeps the bytes in memory: see [`MemoryStorage::set_aside_bytes`].
    fn set_aside(&mut self, offset: u64, bytes: &[u8]) -> io::Result<String> {
        let mut aside = self
            .aside
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        aside.push((offset, bytes.to_vec()));
        Ok(std::format!("memory (piece {})", aside.len() - 1))
    }

    fn reader(&mut self) -> Option<Box<dyn Reader>> {
        Some(Box::new(self.clone()))
    }
}

impl Reader for MemoryStorage {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let bytes = self.lock();
        usize::try_from(offset)
            .ok()
            .and_then(|start| bytes.get(start..start.checked_add(len)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))
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
