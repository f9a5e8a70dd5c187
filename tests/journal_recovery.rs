//! Recovery and repair of journal files: what recovery cuts is copied to a side file first,
//! and `Journal::repair` removes damaged lines into a side file.

#![cfg(feature = "journal")]

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;

use std::io::Write;
use std::path::{Path, PathBuf};

use example::{Order, order};
use statewright::journal::{Durability, Journal};
use statewright::{Dynamic, StateMachine};

/// A directory under the system temp dir, removed when dropped (kept if the test failed).
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
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

fn open(path: &Path) -> Journal {
    Journal::open(path, Order::DEFINITION, Durability::Sync).unwrap()
}

/// A journal file with orders `o-0` .. `o-{n-1}`, each paid.
fn journal_file(path: &Path, n: usize) {
    let journal = open(path);
    for i in 0..n {
        let mut order =
            Dynamic::start_with(Order::Pending, journal.recorder(format!("o-{i}"))).unwrap();
        order
            .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
            .unwrap();
    }
}

fn append(path: &Path, bytes: &[u8]) {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

#[test]
fn a_torn_line_is_copied_to_a_side_file_before_it_is_cut() {
    let dir = TempDir::new("recovery-side-file");
    let path = dir.0.join("orders.journal");
    journal_file(&path, 2);
    let good = std::fs::read(&path).unwrap();
    append(&path, b"{\"machine\":\"Order\",\"inst");
    let journal = open(&path);
    let side = dir.0.join(format!("orders.journal.torn-{}", good.len()));
    assert_eq!(journal.recovery().torn, Some((good.len() as u64, 24)));
    assert_eq!(
        journal.recovery().torn_copy.as_deref(),
        Some(side.display().to_string().as_str())
    );
    assert_eq!(
        std::fs::read(&side).unwrap(),
        b"{\"machine\":\"Order\",\"inst"
    );
    assert_eq!(std::fs::read(&path).unwrap(), good);
    drop(journal);
    // Torn again at the same place: a new side file; the first one is never overwritten.
    append(&path, b"{\"mach");
    let journal = open(&path);
    let second = dir.0.join(format!("orders.journal.torn-{}-1", good.len()));
    assert_eq!(
        journal.recovery().torn_copy.as_deref(),
        Some(second.display().to_string().as_str())
    );
    assert_eq!(std::fs::read(&second).unwrap(), b"{\"mach");
    assert_eq!(
        std::fs::read(&side).unwrap(),
        b"{\"machine\":\"Order\",\"inst"
    );
}
