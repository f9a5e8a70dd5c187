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

/// A journal file.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
}

impl FileStorage {
    /// Opens (or creates) the file at `path` for reading and appending.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        Ok(FileStorage { file })
    }
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
