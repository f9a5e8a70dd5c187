//! Recovery and repair of journal files: what recovery cuts is copied to a side file first,
//! and `Journal::repair` removes damaged lines into a side file.

#![cfg(feature = "journal")]

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use example::{Order, order};
use statewright::journal::{Durability, Journal};
use statewright::{Dynamic, StateMachine};
use temp_dir::TempDir;

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

/// A journal whose line 3 (`o-1` paid) has a flipped bit, whose line 5 (`o-1` shipped)
/// continues that record, and that ends in a torn line; returns the file's lines.
fn damaged(path: &Path) -> Vec<Vec<u8>> {
    let journal = open(path);
    let mut orders: Vec<_> = (0..4)
        .map(|i| Dynamic::start_with(Order::Pending, journal.recorder(format!("o-{i}"))).unwrap())
        .collect();
    for i in [0, 1, 2] {
        orders[i]
            .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
            .unwrap();
    }
    orders[1]
        .apply(order::Event::Ship {
            tracking: "T".into(),
        })
        .unwrap();
    orders[3]
        .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
        .unwrap();
    drop((orders, journal));
    append(path, b"{\"machine\":\"Ord");
    let mut bytes = std::fs::read(path).unwrap();
    let lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    assert!(String::from_utf8_lossy(&lines[2]).contains("\"o-1\""));
    assert!(String::from_utf8_lossy(&lines[4]).contains("\"ship\""));
    let at = lines[0].len() + lines[1].len() + 30;
    bytes[at] ^= 0x01;
    std::fs::write(path, &bytes).unwrap();
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn repair_keeps_every_valid_record_and_moves_the_rest_to_a_side_file() {
    for with_definition in [true, false] {
        let dir = TempDir::new("repair");
        let path = dir.0.join("orders.journal");
        let lines = damaged(&path);
        let before = std::fs::read(&path).unwrap();
        let err = Journal::open(&path, Order::DEFINITION, Durability::Sync).unwrap_err();
        assert_eq!(
            err.to_string(),
            "journal line 3 is corrupt: checksum mismatch (the line was altered)"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "open changed nothing"
        );

        let definition = with_definition.then_some(Order::DEFINITION);
        let report = Journal::repair(&path, definition).unwrap();
        assert_eq!(report.records, 3);
        let removed: Vec<(u64, &str)> = report
            .removed
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            removed,
            [
                (3, "checksum mismatch (the line was altered)"),
                (5, "instance `o-1`: record #2 follows #0"),
                (7, "a torn last line (no newline)"),
            ],
            "with the definition: {with_definition}"
        );
        // Nothing is lost: the side file holds exactly the removed lines, verbatim.
        let side = report.side_file.clone().unwrap();
        assert_eq!(side, dir.0.join("orders.journal.removed"));
        assert_eq!(
            std::fs::read(&side).unwrap(),
            [&lines[2][..], &lines[4], &lines[6]].concat()
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            [&lines[0][..], &lines[1], &lines[3], &lines[5]].concat()
        );
        let journal = open(&path);
        assert_eq!(journal.recovery().records, 3);
        assert_eq!(journal.state("o-1"), None);
        for id in ["o-0", "o-2", "o-3"] {
            assert_eq!(journal.state(id).unwrap().name(), "Paid", "{id}");
        }
        drop(journal);
        // A journal that needs nothing is left alone.
        let report = Journal::repair(&path, definition).unwrap();
        assert_eq!((report.records, report.removed.len()), (3, 0));
        assert_eq!(report.side_file, None);
        let mut files: Vec<_> = std::fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        assert_eq!(files, ["orders.journal", "orders.journal.removed"]);
    }
}

#[test]
fn an_open_journal_is_not_repaired() {
    let dir = TempDir::new("repair-locked");
    let path = dir.0.join("orders.journal");
    journal_file(&path, 1);
    let journal = open(&path);
    let before = std::fs::read(&path).unwrap();
    let err = Journal::repair(&path, None).unwrap_err();
    assert!(
        matches!(err, statewright::journal::JournalError::Locked { .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(&dir.0).unwrap().count(),
        1,
        "no file was created"
    );
    drop(journal);
}

#[test]
fn repair_removes_a_line_too_long_to_hold_and_leaves_no_temporary_file() {
    let dir = TempDir::new("repair-long");
    let path = dir.0.join("orders.journal");
    journal_file(&path, 1);
    let good = std::fs::read(&path).unwrap();
    let long = vec![b'x'; statewright::journal::MAX_LINE + 10];
    append(&path, &long);
    append(&path, b"\n");
    let err = Journal::open(&path, Order::DEFINITION, Durability::Sync).unwrap_err();
    assert!(
        matches!(
            err,
            statewright::journal::JournalError::Corrupt { line: 3, .. }
        ),
        "{err}"
    );
    let report = Journal::repair(&path, Some(Order::DEFINITION)).unwrap();
    assert_eq!(report.records, 1);
    assert_eq!(report.removed.len(), 1);
    assert_eq!(report.removed[0].len, long.len() as u64 + 1);
    let side = std::fs::read(report.side_file.unwrap()).unwrap();
    assert_eq!(side.len(), long.len() + 1);
    assert!(side[..long.len()] == long[..] && side.ends_with(b"\n"));
    assert_eq!(std::fs::read(&path).unwrap(), good);
    // Without a valid header nothing can be repaired; nothing is changed or left behind.
    let other = dir.0.join("notes.txt");
    std::fs::write(&other, b"hello\n").unwrap();
    assert!(matches!(
        Journal::repair(&other, None),
        Err(statewright::journal::JournalError::NotAJournal(_))
    ));
    assert_eq!(std::fs::read(&other).unwrap(), b"hello\n");
    let mut files: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["notes.txt", "orders.journal", "orders.journal.removed"]
    );
}

#[cfg(unix)]
#[test]
fn repair_through_a_symbolic_link_repairs_the_file_and_keeps_the_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("repair-link");
    let path = dir.0.join("orders.journal");
    damaged(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.0.join("current.journal");
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let report = Journal::repair(&link, None).unwrap();
    assert_eq!(report.removed.len(), 3);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        report.side_file.unwrap(),
        dir.0.canonicalize().unwrap().join("orders.journal.removed")
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the repaired journal keeps the file's permissions"
    );
    assert_eq!(open(&link).recovery().records, 3);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_not_a_journal() {
    let dir = TempDir::new("fifo");
    let path = dir.0.join("orders.journal");
    let made = Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        panic!("mkfifo is needed for this test");
    }
    let err = Journal::open(&path, Order::DEFINITION, Durability::Sync).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("is not a regular file; a journal must be one"),
        "{err}"
    );
}
