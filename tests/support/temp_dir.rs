//! A temporary directory for the journal tests that work on real files (included with
//! `#[path = "support/temp_dir.rs"] mod temp_dir;`).

use std::path::PathBuf;

/// A directory under the system temp dir, removed when dropped (unless the test failed, to
/// leave the evidence).
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new, empty directory whose name contains `what`, the process id and the time.
    pub fn new(what: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path =
            std::env::temp_dir().join(format!("statewright-{what}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("left {} for inspection", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
