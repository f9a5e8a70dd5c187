//! Recovery streams the journal: its peak memory is bounded by the index it keeps, not by
//! the file's size, and a huge line is refused without being held in memory.
//!
//! Each measurement runs in a child process (this test binary again, running
//! `child_opens_a_journal` with [`CHILD_JOURNAL`] set) that opens a journal and prints its
//! peak resident memory (`VmHWM` in `/proc/self/status`), so nothing else the tests do counts.

#![cfg(all(feature = "journal", target_os = "linux"))]

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use example::Order;
use statewright::journal::{Durability, Journal, JournalError};
use statewright::{Outcome, Record, StateMachine};
use temp_dir::TempDir;

/// The journal file the child opens; set only in the child.
const CHILD_JOURNAL: &str = "STATEWRIGHT_MEMORY_CHILD_JOURNAL";
const CHILD_TEST: &str = "child_opens_a_journal";

/// Peak resident memory of this process, in bytes.
fn peak() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// In a child: opens the journal, prints the outcome and the peak memory.
#[test]
fn child_opens_a_journal() {
    let Some(path) = std::env::var_os(CHILD_JOURNAL) else {
        return;
    };
    let before = peak();
    let outcome = match Journal::open(&path, Order::DEFINITION, Durability::Flush) {
        Ok(journal) => format!("records {}", journal.recovery().records),
        Err(JournalError::Corrupt { line, .. }) => format!("corrupt {line}"),
        Err(e) => format!("error {e}"),
    };
    println!("\nresult {outcome} peak {} before {before}", peak());
}

/// Opens `path` in a child; returns its outcome and its peak memory in bytes.
fn open_in_child(path: &Path) -> (String, u64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_JOURNAL, path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .unwrap_or_else(|| panic!("the child printed no result: {stdout}"));
    let (outcome, rest) = line.split_once(" peak ").unwrap();
    let peak = rest.split_whitespace().next().unwrap().parse().unwrap();
    (outcome.to_owned(), peak)
}

const MIB: u64 = 1 << 20;

#[test]
fn a_huge_line_is_refused_without_being_read_into_memory() {
    let dir = TempDir::new("memory-huge-line");
    let path = dir.0.join("orders.journal");
    drop(Journal::open(&path, Order::DEFINITION, Durability::Sync).unwrap());
    // 96 MiB of one line, then a newline and a valid-looking end.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let block = vec![b'x'; MIB as usize];
    for _ in 0..96 {
        file.write_all(&block).unwrap();
    }
    file.write_all(b"\n").unwrap();
    drop(file);
    let (outcome, peak) = open_in_child(&path);
    eprintln!("a 96 MiB line: {outcome}, peak {} KiB", peak / 1024);
    assert_eq!(outcome, "corrupt 2");
    assert!(peak < 40 * MIB, "peak memory {} MiB", peak / MIB);
}

#[test]
fn recovering_a_large_journal_keeps_only_the_index() {
    let dir = TempDir::new("memory-large");
    let path = dir.0.join("orders.journal");
    let journal = Journal::open(&path, Order::DEFINITION, Durability::Flush).unwrap();
    // One order paid, then rejected payments (a legal record each): 300 000 lines of
    // about 180 bytes.
    let mut recorder = journal.recorder("o-1");
    let record = |sequence, from, to, outcome| {
        Record::from_names(Order::DEFINITION, sequence, from, "pay", to, outcome, None).unwrap()
    };
    use statewright::Recorder;
    recorder
        .record(&record(1, "Pending", "Paid", Outcome::Applied))
        .unwrap();
    let records = 300_000;
    for sequence in 2..=records {
        recorder
            .record(&record(sequence, "Paid", "Paid", Outcome::Rejected))
            .unwrap();
    }
    drop((recorder, journal));
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 48 * MIB, "{size}");
    let (outcome, peak) = open_in_child(&path);
    eprintln!("{size} bytes: {outcome}, peak {} KiB", peak / 1024);
    assert_eq!(outcome, format!("records {records}"));
    // The index: 16 bytes a record (at most twice that while its vector grows), and the
    // process itself.
    assert!(
        peak < 40 * MIB,
        "peak memory {} MiB for a {} MiB journal",
        peak / MIB,
        size / MIB
    );
}
