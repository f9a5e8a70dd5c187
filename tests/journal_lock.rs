//! One writer per journal file: a second `Journal::open` of a file that is open, in this
//! process or in another, is refused with `JournalError::Locked` and changes nothing.
//!
//! The two-process tests run this test binary again as a child (the test
//! `child_holds_a_journal_open` with [`CHILD_JOURNAL`] set), as `journal_crash.rs` does.

#![cfg(feature = "journal")]

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use example::{Order, order};
use statewright::journal::{Durability, Journal, JournalError};
use statewright::{Dynamic, StateMachine};
use temp_dir::TempDir;

/// The journal file the child opens; set only in the child.
const CHILD_JOURNAL: &str = "STATEWRIGHT_LOCK_CHILD_JOURNAL";
/// What the child does: `hold` (open, append, print `open`, wait for stdin to close) or
/// `race` (print `ready`, wait for a line on stdin, open and append one record, print the
/// outcome, exit).
const CHILD_MODE: &str = "STATEWRIGHT_LOCK_CHILD_MODE";
/// The event the racing child applies to `o-1`: `pay` or `cancel`.
const CHILD_EVENT: &str = "STATEWRIGHT_LOCK_CHILD_EVENT";
const CHILD_TEST: &str = "child_holds_a_journal_open";

fn open(path: &Path) -> Result<Journal, JournalError> {
    Journal::open(path, Order::DEFINITION, Durability::Sync)
}

/// Applies `event` to a new order `id` through `journal`.
fn apply(journal: &Journal, id: &str, event: order::Event) -> Result<(), String> {
    let mut machine =
        Dynamic::start_with(Order::Pending, journal.recorder(id)).map_err(|e| e.to_string())?;
    machine.apply(event).map(|_| ()).map_err(|e| e.to_string())
}

fn child(path: &Path, mode: &str, event: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_JOURNAL, path)
        .env(CHILD_MODE, mode)
        .env(CHILD_EVENT, event)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The lines a child prints, as they come.
fn output(child: &mut Child) -> Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Reads to the end, so the child never writes into a closed pipe.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let _ = send.send(line);
        }
    });
    receive
}

/// The child's first output from `prefix` to the end of its line, within 60 s.
fn wait_for(lines: &Receiver<String>, prefix: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("the child printed no `{prefix}` in time: {e}"));
        // The test harness may print `test ... ` before it on the same line.
        if let Some(at) = line.find(prefix) {
            return line[at..].to_owned();
        }
    }
}

/// In the parent's run of the test binary this test does nothing; in a child it is the other
/// process of the tests below.
#[test]
fn child_holds_a_journal_open() {
    let Some(path) = std::env::var_os(CHILD_JOURNAL) else {
        return;
    };
    let path = PathBuf::from(path);
    let mode = std::env::var(CHILD_MODE).unwrap();
    let event = match std::env::var(CHILD_EVENT).unwrap().as_str() {
        "pay" => order::Event::Pay(order::Paid { amount_cents: 5 }.into()),
        _ => order::Event::Cancel,
    };
    let mut out = std::io::stdout();
    match mode.as_str() {
        "hold" => {
            let journal = open(&path).expect("child: open");
            apply(&journal, "o-1", event).expect("child: apply");
            writeln!(out, "open").unwrap();
            out.flush().unwrap();
            // Hold the journal until the parent closes stdin.
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            drop(journal);
        }
        _ => {
            // Both racers start together, when the parent says so.
            writeln!(out, "ready").unwrap();
            out.flush().unwrap();
            let mut go = String::new();
            std::io::stdin().read_line(&mut go).unwrap();
            let outcome = open(&path).map_err(|e| e.to_string()).and_then(|journal| {
                apply(&journal, "o-1", event)?;
                // Stay open longer than an opener waits for a busy lock (250 ms), so the other
                // process surely gives up while this one holds it.
                std::thread::sleep(Duration::from_millis(1500));
                Ok(())
            });
            match outcome {
                Ok(()) => writeln!(out, "outcome ok").unwrap(),
                Err(e) => writeln!(out, "outcome err {e}").unwrap(),
            }
        }
    }
}

#[test]
fn a_second_open_in_this_process_is_refused_and_changes_nothing() {
    let dir = TempDir::new("lock-same-process");
    let path = dir.0.join("orders.journal");
    let first = open(&path).unwrap();
    apply(
        &first,
        "o-1",
        order::Event::Pay(order::Paid { amount_cents: 5 }.into()),
    )
    .unwrap();
    // A torn tail that a second opener's recovery would cut, were it allowed to.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"{\"machine\":\"Ord")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = open(&path).unwrap_err();
    assert!(
        matches!(&err, JournalError::Locked { path: p } if *p == path),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the journal file `{}` is already open (another `Journal`, in this process or another one); a journal file has one writer: close that one first",
            path.display()
        )
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Once the first is dropped, the file opens again.
    drop(first);
    let again = open(&path).unwrap();
    assert_eq!(again.state("o-1").unwrap().name(), "Paid");
}

#[test]
fn a_journal_held_by_another_process_is_refused_and_left_unchanged() {
    let dir = TempDir::new("lock-other-process");
    let path = dir.0.join("orders.journal");
    let mut holder = child(&path, "hold", "pay");
    wait_for(&output(&mut holder), "open");
    let before = std::fs::read(&path).unwrap();
    let err = open(&path).unwrap_err();
    assert!(
        matches!(&err, JournalError::Locked { path: p } if *p == path),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // The holder exits when its stdin closes; then the journal opens, with its record.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    let journal = open(&path).unwrap();
    assert_eq!(journal.state("o-1").unwrap().name(), "Paid");
}

#[test]
fn of_two_racing_processes_exactly_one_writes_and_the_file_reopens_clean() {
    for round in 0..3 {
        let dir = TempDir::new("lock-race");
        let path = dir.0.join("orders.journal");
        let mut a = child(&path, "race", "pay");
        let mut b = child(&path, "race", "cancel");
        let (a_out, b_out) = (output(&mut a), output(&mut b));
        wait_for(&a_out, "ready");
        wait_for(&b_out, "ready");
        let started = Instant::now();
        for racer in [&mut a, &mut b] {
            racer.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
        }
        let outcomes = [wait_for(&a_out, "outcome"), wait_for(&b_out, "outcome")];
        assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
        let ok = outcomes.iter().filter(|o| *o == "outcome ok").count();
        assert_eq!(
            ok,
            1,
            "round {round}: {outcomes:?} after {:?}",
            started.elapsed()
        );
        let refused = outcomes.iter().find(|o| *o != "outcome ok").unwrap();
        assert!(
            refused.contains("is already open (another `Journal`"),
            "{refused}"
        );
        let journal = open(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(journal.recovery().records, 1);
        assert_eq!(journal.history("o-1").unwrap().len(), 1);
    }
}

#[test]
fn closing_or_dropping_a_journal_releases_the_file_at_once() {
    let dir = TempDir::new("lock-release");
    let path = dir.0.join("orders.journal");
    let group = Durability::GroupCommit {
        records: 1000,
        interval: Duration::from_micros(1),
    };
    for round in 0..20 {
        // The group-commit thread syncs all the time; dropping the last clone must still
        // release the lock before `drop` returns, not when that thread lets go.
        let journal = Journal::open(&path, Order::DEFINITION, group).unwrap();
        let id = format!("o-{round}");
        apply(&journal, &id, order::Event::Cancel).unwrap();
        let clone = journal.clone();
        drop(journal);
        assert!(matches!(open(&path), Err(JournalError::Locked { .. })));
        drop(clone);
        let reopened = open(&path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        // A closed journal releases the file too, while its clones live.
        reopened.close().unwrap();
        let _again = Journal::open(&path, Order::DEFINITION, group)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(matches!(reopened.history(&id), Err(JournalError::Closed)));
    }
}

#[cfg(unix)]
#[test]
fn an_opener_waiting_for_a_file_that_is_replaced_opens_the_new_file() {
    use statewright::journal::{FileStorage, Storage};
    let dir = TempDir::new("lock-replaced");
    let path = dir.0.join("orders.journal");
    std::fs::write(&path, b"old").unwrap();
    let first = FileStorage::open(&path).unwrap();
    let (started, waiting) = std::sync::mpsc::channel();
    let waiter = {
        let path = path.clone();
        std::thread::spawn(move || {
            started.send(()).unwrap();
            FileStorage::open(&path)
        })
    };
    waiting.recv().unwrap();
    // The waiter has opened the old file and retries its lock; the file is replaced (as
    // `Journal::repair` does), then the old one is let go.
    std::thread::sleep(Duration::from_millis(50));
    let new = dir.0.join("orders.journal.new");
    std::fs::write(&new, b"new").unwrap();
    std::fs::rename(&new, &path).unwrap();
    drop(first);
    let mut storage = waiter.join().unwrap().unwrap();
    assert_eq!(storage.read_all().unwrap(), b"new");
    // And it holds the lock of the file the path names now.
    let err = FileStorage::open(&path).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn a_file_storage_reader_reads_what_the_locked_writer_appends() {
    use statewright::journal::{FileStorage, Storage};
    let dir = TempDir::new("lock-reader");
    let path = dir.0.join("orders.journal");
    let mut storage = FileStorage::open(&path).unwrap();
    storage.append(b"one\n").unwrap();
    // A second handle, which neither takes the lock nor moves the writer's position.
    let reader = storage
        .reader()
        .expect("a file can be opened again for reading");
    storage.append(b"two\n").unwrap();
    assert_eq!(reader.read_at(4, 4).unwrap(), b"two\n");
    assert_eq!(reader.read_at(0, 8).unwrap(), b"one\ntwo\n");
    assert_eq!(
        reader.read_at(6, 4).unwrap_err().kind(),
        std::io::ErrorKind::UnexpectedEof
    );
    assert_eq!(storage.read_all().unwrap(), b"one\ntwo\n");
    // Once the path names another file, a reader would read the wrong bytes: there is none.
    let new = dir.0.join("orders.journal.new");
    std::fs::write(&new, b"other\n").unwrap();
    std::fs::rename(&new, &path).unwrap();
    assert!(storage.reader().is_none());
}
