//! The journal against the unit-test order machine, with in-memory and failing storage.

use std::io;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use std::vec::Vec;

use super::*;
use crate::clock::ManualClock;
use crate::fixture::{LIGHT, ORDER};

/// `#seq from --event--> to` of the order machine, applied.
fn rec(sequence: u64, from: &str, event: &str, to: &str) -> Record {
    Record::from_names(&ORDER, sequence, from, event, to, Outcome::Applied, None).unwrap()
}

fn rejected(sequence: u64, state: &str, event: &str) -> Record {
    Record::from_names(
        &ORDER,
        sequence,
        state,
        event,
        state,
        Outcome::Rejected,
        None,
    )
    .unwrap()
}

fn open(storage: &MemoryStorage) -> Journal {
    Journal::with_storage(storage.clone(), &ORDER, Durability::Flush).unwrap()
}

fn text(storage: &MemoryStorage) -> String {
    String::from_utf8(storage.bytes()).unwrap()
}

#[test]
fn records_survive_a_reopen_with_states_and_histories() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    assert!(journal.recovery().created);
    let mut a = journal.recorder("a");
    let mut b = journal.recorder("b");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    b.record(&rec(1, "Pending", "cancel", "Cancelled")).unwrap();
    a.record(&rejected(2, "Paid", "pay")).unwrap();
    a.record(&rec(3, "Paid", "ship", "Shipped")).unwrap();
    drop((a, b, journal));

    let journal = open(&storage);
    assert_eq!(
        journal.recovery(),
        &Recovery {
            records: 4,
            instances: 2,
            torn: None,
            torn_copy: None,
            created: false
        }
    );
    assert_eq!(journal.state("a").unwrap().name(), "Shipped");
    assert_eq!(journal.state("b").unwrap().name(), "Cancelled");
    assert_eq!(journal.state("c"), None);
    assert_eq!(journal.sequence("a"), 3);
    assert_eq!(journal.instances_in("Cancelled"), ["b"]);
    let history: Vec<String> = journal
        .history("a")
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        history,
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --pay--x rejected",
            "#3 Paid --ship--> Shipped"
        ]
    );
    // The next record continues the instance.
    journal
        .recorder("a")
        .record(&rec(4, "Shipped", "deliver", "Delivered"))
        .unwrap();
    assert_eq!(open(&storage).state("a").unwrap().name(), "Delivered");
    // Every line is one JSON object with the fields the docs list.
    let text = text(&storage);
    let line = text.lines().nth(1).unwrap();
    assert!(
        line.starts_with(
            "{\"machine\":\"Order\",\"instance\":\"a\",\"sequence\":1,\"from\":\"Pending\",\"event\":\"pay\",\"to\":\"Paid\",\"outcome\":\"applied\",\"at\":"
        ),
        "{line}"
    );
    assert!(line.contains(",\"in_state_ns\":") && line.contains(",\"crc\":\""));
}

#[test]
fn a_torn_last_line_is_cut_off_and_reported() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    journal
        .recorder("a")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    drop(journal);
    let good = storage.bytes().len() as u64;
    // An interrupted append: half a line, no newline.
    let line = text(&storage).lines().nth(1).unwrap().to_string();
    storage.clone().append(&line.as_bytes()[..40]).unwrap();
    let journal = open(&storage);
    assert_eq!(journal.recovery().torn, Some((good, 40)));
    assert_eq!(storage.bytes().len() as u64, good);
    assert_eq!(journal.state("a").unwrap().name(), "Paid");
    // What was cut was copied aside first, and the recovery says where.
    assert_eq!(
        storage.set_aside_bytes(),
        [(good, line.as_bytes()[..40].to_vec())]
    );
    assert_eq!(
        journal.recovery().torn_copy.as_deref(),
        Some("memory (piece 0)")
    );
    drop(journal);
    // A whole record without its newline: the append that wrote it never returned, so no
    // one was told it was recorded. It is cut (and copied) like any torn line.
    storage.clone().append(line.as_bytes()).unwrap();
    let journal = open(&storage);
    assert_eq!(journal.recovery().torn, Some((good, line.len() as u64)));
    assert_eq!(
        storage.set_aside_bytes()[1],
        (good, line.clone().into_bytes())
    );
    assert_eq!(storage.bytes().len() as u64, good);
    assert_eq!(journal.recovery().records, 1);
}

/// A store without [`Storage::set_aside`]: recovery refuses to cut a torn line it cannot
/// copy first.
struct NoAside(MemoryStorage);

impl Storage for NoAside {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        self.0.read_all()
    }
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        Storage::read_at(&mut self.0, offset, len)
    }
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.append(bytes)
    }
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.0.truncate(len)
    }
}

#[test]
fn a_torn_line_that_cannot_be_copied_aside_is_not_cut() {
    let storage = MemoryStorage::from_bytes(journal_of(1));
    storage.clone().append(b"{\"machine\":").unwrap();
    let before = storage.bytes();
    let err =
        Journal::with_storage(NoAside(storage.clone()), &ORDER, Durability::Flush).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("journal copy a torn line aside failed: this storage cannot keep a copy"),
        "{err}"
    );
    assert_eq!(storage.bytes(), before);
}

#[test]
fn damage_in_the_middle_is_an_error_with_the_line_number() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap();
    drop((a, journal));
    let original = text(&storage);

    let flipped = original.replacen("\"event\":\"pay\"", "\"event\":\"pax\"", 1);
    let err = Journal::with_storage(
        MemoryStorage::from_bytes(flipped.into_bytes()),
        &ORDER,
        Durability::Flush,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal line 2 is corrupt: checksum mismatch (the line was altered)"
    );

    // Lines in the wrong order: valid lines, but not a path.
    let lines: Vec<&str> = original.lines().collect();
    let swapped = std::format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1]);
    let err = Journal::with_storage(
        MemoryStorage::from_bytes(swapped.into_bytes()),
        &ORDER,
        Durability::Flush,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal line 2 is corrupt: instance `a`: record #2 follows #0"
    );

    // A duplicated line.
    let doubled = std::format!("{}\n{}\n{}\n{}\n", lines[0], lines[1], lines[1], lines[2]);
    let err = Journal::with_storage(
        MemoryStorage::from_bytes(doubled.into_bytes()),
        &ORDER,
        Durability::Flush,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal line 3 is corrupt: instance `a`: record #1 follows #1"
    );
}

#[test]
fn a_journal_of_another_definition_is_refused_with_the_changes() {
    let storage = MemoryStorage::new();
    drop(Journal::with_storage(storage.clone(), &LIGHT, Durability::Flush).unwrap());
    let err = Journal::with_storage(storage, &ORDER, Durability::Flush).unwrap_err();
    let JournalError::DefinitionMismatch { changes, .. } = &err else {
        panic!("{err}");
    };
    assert!(
        changes.contains(&"~ machine: Light -> Order".to_string()),
        "{changes:?}"
    );
    assert!(
        changes.contains(&"+ Pending --pay--> Paid".to_string()),
        "{changes:?}"
    );
    assert!(
        err.to_string()
            .starts_with("the journal of `Light` was written by a different definition"),
        "{err}"
    );

    let err = Journal::with_storage(
        MemoryStorage::from_bytes(b"hello\n".to_vec()),
        &ORDER,
        Durability::Flush,
    )
    .unwrap_err();
    assert!(matches!(err, JournalError::NotAJournal(_)), "{err}");
    // A file without any newline that is not a torn header is left alone.
    let other = MemoryStorage::from_bytes(b"not a journal".to_vec());
    assert!(Journal::with_storage(other.clone(), &ORDER, Durability::Flush).is_err());
    assert_eq!(other.bytes(), b"not a journal");
}

#[test]
fn a_torn_header_starts_the_journal_over() {
    let storage = MemoryStorage::new();
    drop(open(&storage));
    let header = storage.bytes();
    let torn = MemoryStorage::from_bytes(header[..header.len() / 2].to_vec());
    let journal = open(&torn);
    assert_eq!(journal.recovery().torn, Some((0, header.len() as u64 / 2)));
    assert_eq!(torn.bytes(), header);
}

#[test]
fn two_writers_of_one_instance_conflict() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut first = journal.recorder("a");
    let mut second = journal.recorder("a");
    first.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    let err = second
        .record(&rec(1, "Pending", "cancel", "Cancelled"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            JournalError::SequenceConflict {
                expected: 2,
                found: 1,
                ..
            }
        ),
        "{err}"
    );
    let err = second
        .record(&rec(2, "Pending", "cancel", "Cancelled"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "instance `a` is in `Paid` according to the journal, but the record leaves `Pending`"
    );
    let light =
        Record::from_names(&LIGHT, 1, "Off", "toggle", "On", Outcome::Applied, None).unwrap();
    assert!(matches!(
        journal.recorder("l").record(&light),
        Err(JournalError::WrongMachine { .. })
    ));
}

/// Storage that fails as told, around a memory store.
#[derive(Clone)]
struct Faulty {
    inner: MemoryStorage,
    /// Bytes that may still be appended before appends fail with `ENOSPC` (after writing the
    /// part that fits, as a full disk does).
    room: Arc<Mutex<usize>>,
    fail_sync: Arc<Mutex<bool>>,
    fail_truncate: Arc<Mutex<bool>>,
    syncs: Arc<Mutex<u32>>,
}

impl Faulty {
    fn new() -> Self {
        Faulty {
            inner: MemoryStorage::new(),
            room: Arc::new(Mutex::new(usize::MAX)),
            fail_sync: Arc::new(Mutex::new(false)),
            fail_truncate: Arc::new(Mutex::new(false)),
            syncs: Arc::new(Mutex::new(0)),
        }
    }
}

impl Storage for Faulty {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        self.inner.read_all()
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.inner.read_at(offset, len)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut room = self.room.lock().unwrap();
        if bytes.len() > *room {
            self.inner.append(&bytes[..*room])?;
            *room = 0;
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        *room -= bytes.len();
        self.inner.append(bytes)
    }

    fn sync(&mut self) -> io::Result<()> {
        *self.syncs.lock().unwrap() += 1;
        if *self.fail_sync.lock().unwrap() {
            return Err(io::Error::other("sync failed"));
        }
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        if *self.fail_truncate.lock().unwrap() {
            return Err(io::Error::other("truncate failed"));
        }
        self.inner.truncate(len)
    }
}

#[test]
fn a_full_disk_refuses_the_record_and_leaves_no_partial_line() {
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Sync).unwrap();
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    let before = faulty.inner.bytes();
    *faulty.room.lock().unwrap() = 30;
    let err = a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "journal append failed: No space left on device (os error 28)"
    );
    assert_eq!(faulty.inner.bytes(), before, "the partial line is cut off");
    // Space again: the same record goes in, and the journal reads back cleanly.
    *faulty.room.lock().unwrap() = usize::MAX;
    a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap();
    drop((a, journal));
    let reopened = open(&faulty.inner);
    assert_eq!(reopened.recovery().torn, None);
    assert_eq!(reopened.state("a").unwrap().name(), "Shipped");
}

#[test]
fn a_partial_line_that_cannot_be_removed_poisons_the_journal() {
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Flush).unwrap();
    *faulty.room.lock().unwrap() = 10;
    *faulty.fail_truncate.lock().unwrap() = true;
    let mut a = journal.recorder("a");
    assert!(a.record(&rec(1, "Pending", "pay", "Paid")).is_err());
    *faulty.room.lock().unwrap() = usize::MAX;
    let err = a.record(&rec(1, "Pending", "pay", "Paid")).unwrap_err();
    assert!(matches!(err, JournalError::Poisoned(_)), "{err}");
    // Reopening recovers: the partial line is torn and cut.
    drop((a, journal));
    let reopened = open(&faulty.inner);
    assert_eq!(reopened.recovery().torn.map(|(_, n)| n), Some(10));
    assert_eq!(reopened.state("a"), None);
}

#[test]
fn group_commit_syncs_every_n_records_or_after_the_interval() {
    let faulty = Faulty::new();
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(0));
    let policy = Durability::GroupCommit {
        records: 3,
        interval: Duration::from_millis(10),
    };
    let journal = Journal::with_clock(faulty.clone(), &ORDER, policy, clock.clone()).unwrap();
    let syncs = || *faulty.syncs.lock().unwrap();
    assert_eq!(syncs(), 1, "the header is synced");
    for i in 0..6u64 {
        journal
            .recorder(std::format!("i{i}"))
            .record(&rec(1, "Pending", "pay", "Paid"))
            .unwrap();
    }
    assert_eq!(syncs(), 3, "one sync per 3 records");
    journal
        .recorder("late")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    assert_eq!(syncs(), 3);
    clock.advance(Duration::from_millis(10));
    journal
        .recorder("later")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    assert_eq!(syncs(), 4, "the interval passed");
    journal
        .recorder("last")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    journal.sync().unwrap();
    assert_eq!(syncs(), 5);
    // A failed sync of records already applied poisons the journal.
    journal
        .recorder("x")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    *faulty.fail_sync.lock().unwrap() = true;
    assert!(matches!(
        journal.sync(),
        Err(JournalError::Io { during: "sync", .. })
    ));
    let err = journal
        .recorder("y")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the journal refuses appends until it is reopened: a sync failed: sync failed"
    );
}

#[test]
fn a_failed_sync_under_sync_durability_refuses_only_that_record() {
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Sync).unwrap();
    *faulty.fail_sync.lock().unwrap() = true;
    let before = faulty.inner.bytes();
    let mut a = journal.recorder("a");
    assert!(matches!(
        a.record(&rec(1, "Pending", "pay", "Paid")),
        Err(JournalError::Io { during: "sync", .. })
    ));
    assert_eq!(faulty.inner.bytes(), before);
    *faulty.fail_sync.lock().unwrap() = false;
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
}

#[test]
fn a_closed_journal_refuses_appends() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut a = journal.recorder("a");
    journal.close().unwrap();
    assert!(matches!(
        a.record(&rec(1, "Pending", "pay", "Paid")),
        Err(JournalError::Closed)
    ));
}

#[test]
fn time_in_state_is_measured_with_the_monotonic_clock() {
    let storage = MemoryStorage::new();
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(1_000));
    let journal =
        Journal::with_clock(storage.clone(), &ORDER, Durability::Flush, clock.clone()).unwrap();
    let mut a = journal.recorder("a");
    clock.advance(Duration::from_millis(3));
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    // The wall clock jumps back an hour: durations are unaffected.
    clock.set_wall(crate::Timestamp::from_unix_nanos(0));
    clock.advance(Duration::from_millis(2));
    a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap();
    let entries = journal.entries("a").unwrap();
    assert_eq!(entries[0].in_state, Some(Duration::from_millis(3)));
    assert_eq!(entries[1].in_state, Some(Duration::from_millis(2)));
    assert_eq!(
        entries[0].record.at().map(|t| t.unix_nanos()),
        Some(3_001_000)
    );
    assert_eq!(
        entries[1].record.at().map(|t| t.unix_nanos()),
        Some(2_000_000)
    );
    // After a reopen, the first record's time in state is unknown.
    drop((a, journal));
    let journal = Journal::with_clock(storage, &ORDER, Durability::Flush, clock).unwrap();
    journal
        .recorder("a")
        .record(&rec(3, "Shipped", "deliver", "Delivered"))
        .unwrap();
    assert_eq!(journal.entries("a").unwrap()[2].in_state, None);
}

#[test]
fn group_commit_syncs_waiting_records_in_the_background() {
    let faulty = Faulty::new();
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(0));
    let policy = Durability::GroupCommit {
        records: 1_000,
        interval: Duration::from_millis(20),
    };
    let journal = Journal::with_clock(faulty.clone(), &ORDER, policy, clock.clone()).unwrap();
    let syncs = || *faulty.syncs.lock().unwrap();
    for id in ["a", "b"] {
        journal
            .recorder(id)
            .record(&rec(1, "Pending", "pay", "Paid"))
            .unwrap();
    }
    // The journal's clock has not moved: nothing is due, whatever the real time.
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(syncs(), 1, "only the header's sync");
    // The records have now waited an interval, and no append follows: only the background
    // syncer can make them durable. (It wakes every 20 ms of real time; the wait is generous
    // because the machine is shared.)
    clock.advance(Duration::from_millis(20));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while syncs() == 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(syncs(), 2, "the waiting records were synced once");
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(syncs(), 2, "nothing left to sync");
}

#[test]
fn a_line_changed_under_an_open_journal_is_reported_with_its_number() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap();
    // Someone edits the file behind the journal's back (same length, so offsets still hold).
    let edited = text(&storage).replacen("\"ship\"", "\"shop\"", 1);
    let mut other = storage.clone();
    other.truncate(0).unwrap();
    other.append(edited.as_bytes()).unwrap();
    assert_eq!(
        journal.history("a").unwrap_err().to_string(),
        "journal line 3 is corrupt: it changed since the journal was opened: checksum mismatch (the line was altered)"
    );
}

/// A journal with `n` records of instances `i-0`, `i-1`, ... (one each, `Pending --pay-->
/// Paid`), as bytes.
fn journal_of(n: usize) -> Vec<u8> {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    for i in 0..n {
        journal
            .recorder(std::format!("i-{i}"))
            .record(&rec(1, "Pending", "pay", "Paid"))
            .unwrap();
    }
    drop(journal);
    storage.bytes()
}

/// `body` (a JSON object without its closing brace) sealed with a valid checksum, as a line.
fn sealed(body: &str) -> String {
    std::format!(
        "{body},\"crc\":\"{:08x}\"}}\n",
        crc32fast::hash(body.as_bytes())
    )
}

/// Opens `bytes`; returns the error and checks that the bytes were left exactly as they were.
fn refused_unchanged(bytes: &[u8]) -> JournalError {
    let storage = MemoryStorage::from_bytes(bytes.to_vec());
    let err = Journal::with_storage(storage.clone(), &ORDER, Durability::Flush).unwrap_err();
    assert_eq!(
        storage.bytes(),
        bytes,
        "the refused journal was changed ({err})"
    );
    err
}

#[test]
fn a_bit_flip_in_any_complete_line_is_corrupt_and_changes_nothing() {
    let bytes = journal_of(10);
    let starts: Vec<usize> = core::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    assert_eq!(starts.len(), 12, "a header, ten records, the end");
    // One flipped bit in each of the last ten lines: the first of them is reported.
    let mut flipped = bytes.clone();
    for start in &starts[1..11] {
        flipped[start + 20] ^= 0x04;
    }
    let err = refused_unchanged(&flipped);
    assert_eq!(
        err.to_string(),
        "journal line 2 is corrupt: checksum mismatch (the line was altered)"
    );
    // Only in the last complete line: that line, and still nothing is cut.
    let mut flipped = bytes.clone();
    flipped[starts[10] + 20] ^= 0x04;
    assert!(matches!(
        refused_unchanged(&flipped),
        JournalError::Corrupt { line: 11, .. }
    ));
    // A last line of zeros that ends in a newline is a complete line too.
    let mut zeros = bytes.clone();
    zeros.extend_from_slice(&[0; 100]);
    zeros.push(b'\n');
    assert!(matches!(
        refused_unchanged(&zeros),
        JournalError::Corrupt { line: 12, .. }
    ));
}

#[test]
fn a_last_line_that_fails_to_parse_is_corrupt_not_torn() {
    let bytes = journal_of(2);
    let record = |sequence: &str| {
        std::format!(
            "{{\"machine\":\"Order\",\"instance\":\"x\",\"sequence\":{sequence},\"from\":\"Pending\",\"event\":\"pay\",\"to\":\"Paid\",\"outcome\":\"applied\",\"at\":null,\"in_state_ns\":null"
        )
    };
    // The same line is accepted with a valid sequence number...
    let mut fine = bytes.clone();
    fine.extend_from_slice(sealed(&record("1")).as_bytes());
    assert_eq!(open(&MemoryStorage::from_bytes(fine)).recovery().records, 3);
    // ...and refused, in place, with one that overflows a u64 or with a duplicate key.
    for body in [
        record("18446744073709551616"),
        std::format!("{},\"sequence\":1", record("1")),
    ] {
        let mut bad = bytes.clone();
        bad.extend_from_slice(sealed(&body).as_bytes());
        let err = refused_unchanged(&bad);
        assert!(
            matches!(&err, JournalError::Corrupt { line: 4, reason } if reason.starts_with("malformed line")),
            "{err}"
        );
    }
}

#[test]
fn lines_longer_than_the_limit_are_corrupt_and_never_written() {
    let bytes = journal_of(1);
    // A complete line above the limit, then a valid one: corrupt, nothing changed.
    let mut long = bytes.clone();
    long.extend(core::iter::repeat_n(b'x', MAX_LINE + 1));
    long.push(b'\n');
    long.extend_from_slice(&bytes[bytes.iter().position(|&b| b == b'\n').unwrap() + 1..]);
    let err = refused_unchanged(&long);
    assert_eq!(
        err.to_string(),
        std::format!(
            "journal line 3 is corrupt: {} bytes, longer than any journal line (at most {MAX_LINE})",
            MAX_LINE + 1
        )
    );
    // Unterminated and above the limit: no append writes that much, so it is not torn.
    long.truncate(bytes.len() + MAX_LINE + 1);
    let err = refused_unchanged(&long);
    assert!(
        matches!(&err, JournalError::Corrupt { line: 3, reason } if reason.ends_with("without a newline, longer than any journal line (at most 4194304)")),
        "{err}"
    );
    // At the limit, an unterminated tail can be a torn append: cut (and copied).
    long.truncate(bytes.len() + MAX_LINE);
    let storage = MemoryStorage::from_bytes(long);
    let journal = open(&storage);
    assert_eq!(
        journal.recovery().torn,
        Some((bytes.len() as u64, MAX_LINE as u64))
    );
    assert_eq!(storage.bytes(), bytes);
    // A record line above the limit is refused before anything is written.
    let huge = "i".repeat(MAX_LINE);
    let err = journal
        .recorder(huge)
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap_err();
    assert!(matches!(err, JournalError::LineTooLong { .. }), "{err}");
    assert_eq!(storage.bytes(), bytes);
}

/// A store whose reads block, once armed, until `open` is set (or 5 s pass, then they fail):
/// to show which reads wait for what.
#[derive(Clone)]
struct Gated {
    inner: MemoryStorage,
    armed: Arc<std::sync::atomic::AtomicBool>,
    gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
    reading: Arc<std::sync::atomic::AtomicBool>,
}

impl Gated {
    fn wait(&self) -> io::Result<()> {
        if !self.armed.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(());
        }
        self.reading
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (lock, condvar) = &*self.gate;
        let open = lock.lock().unwrap();
        let (open, _) = condvar
            .wait_timeout_while(open, Duration::from_secs(5), |open| !*open)
            .unwrap();
        if *open {
            Ok(())
        } else {
            Err(io::Error::other("the read waited 5 s for an append"))
        }
    }

    fn open_gate(&self) {
        *self.gate.0.lock().unwrap() = true;
        self.gate.1.notify_all();
    }
}

impl Reader for Gated {
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.wait()?;
        Reader::read_at(&self.inner, offset, len)
    }
}

impl Storage for Gated {
    fn read_all(&mut self) -> io::Result<Vec<u8>> {
        self.inner.read_all()
    }
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.wait()?;
        Storage::read_at(&mut self.inner, offset, len)
    }
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.inner.append(bytes)
    }
    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.inner.truncate(len)
    }
    fn size(&mut self) -> io::Result<u64> {
        self.inner.size()
    }
    fn reader(&mut self) -> Option<Box<dyn Reader>> {
        Some(Box::new(self.clone()))
    }
}

#[test]
fn reading_a_history_does_not_hold_up_appends() {
    use std::sync::atomic::Ordering;
    let storage = Gated {
        inner: MemoryStorage::from_bytes(journal_of(3)),
        armed: Arc::default(),
        gate: Arc::default(),
        reading: Arc::default(),
    };
    let journal = Journal::with_storage(storage.clone(), &ORDER, Durability::Flush).unwrap();
    storage.armed.store(true, Ordering::SeqCst);
    let reader = {
        let journal = journal.clone();
        std::thread::spawn(move || journal.history("i-0"))
    };
    while !storage.reading.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    // The history is being read (and its read is stuck): an append to another instance
    // goes through at once, and only then is the read let go.
    journal
        .recorder("i-1")
        .record(&rec(2, "Paid", "ship", "Shipped"))
        .unwrap();
    storage.open_gate();
    let history = reader
        .join()
        .unwrap()
        .expect("the history read waited for the append");
    let history: Vec<String> = history.iter().map(ToString::to_string).collect();
    assert_eq!(history, ["#1 Pending --pay--> Paid"]);
    assert_eq!(journal.sequence("i-1"), 2);
}

/// A record line of instance `x` of the order machine, sealed, as bytes.
fn forged(sequence: u64, from: &str, event: &str, to: &str, outcome: &str) -> Vec<u8> {
    forged_line("Order", "x", (sequence, from, event, to), outcome)
}

#[test]
fn a_rejection_of_an_event_nothing_can_decline_is_corrupt() {
    // The order machine has no guards and no hooks: an allowed event always applies, so a
    // line saying `pay` was rejected in `Pending` was not written by `apply`.
    let mut bytes = journal_of(0);
    bytes.extend(forged(1, "Pending", "pay", "Pending", "rejected"));
    let err = refused_unchanged(&bytes);
    assert!(
        matches!(&err, JournalError::Corrupt { line: 2, reason }
            if reason.starts_with("instance `x`: ") && reason.ends_with("is not a legal step of `Order`")),
        "{err}"
    );
    // A rejection of an event that is not allowed in the state is a legal line.
    let mut bytes = journal_of(0);
    bytes.extend(forged(1, "Pending", "ship", "Pending", "rejected"));
    let journal = open(&MemoryStorage::from_bytes(bytes));
    assert_eq!(journal.recovery().records, 1);
    assert_eq!(journal.sequence("x"), 1);
    assert_eq!(journal.state("x").unwrap().name(), "Pending");
}

#[test]
fn the_journal_writes_no_step_it_would_refuse_to_read_back() {
    // Records built by hand can be steps that recovery refuses; `append` refuses them first,
    // so a journal never writes a line that keeps it from opening again.
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut recorder = journal.recorder("x");
    let before = storage.bytes();
    for (record, says) in [
        // `pay` is allowed in `Pending` and nothing can decline it.
        (
            rejected(1, "Pending", "pay"),
            "`#1 Pending --pay--x rejected`",
        ),
        // Not a transition of the definition.
        (
            rec(1, "Pending", "ship", "Shipped"),
            "`#1 Pending --ship--> Shipped`",
        ),
    ] {
        let err = recorder.record(&record).unwrap_err();
        assert!(
            matches!(&err, JournalError::IllegalStep { instance, reason }
                if instance == "x" && reason.starts_with(says)),
            "{err}"
        );
    }
    assert_eq!(storage.bytes(), before, "nothing was written");
    // What a machine writes goes in, and the journal opens again.
    recorder.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    recorder.record(&rejected(2, "Paid", "pay")).unwrap();
    drop(recorder);
    journal.close().unwrap();
    let journal = open(&MemoryStorage::from_bytes(storage.bytes()));
    assert_eq!(journal.recovery().records, 2);
}

#[test]
fn a_journal_recorder_times_records_itself() {
    // The journal stamps each line with its own clock, so it does not ask the machine to
    // read the clock for every record (see `Recorder::timestamps`).
    let journal = open(&MemoryStorage::new());
    assert!(!journal.recorder("a").timestamps());
}

#[test]
fn the_storage_error_of_a_failed_append_is_handed_out() {
    use std::error::Error as _;
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Sync).unwrap();
    *faulty.room.lock().unwrap() = 0;
    let err = journal
        .recorder("a")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap_err();
    // A caller can tell a full disk from other failures...
    assert_eq!(err.io_error().and_then(io::Error::raw_os_error), Some(28));
    let source = err.source().expect("the I/O error is the source");
    assert_eq!(
        source
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error),
        Some(28)
    );
    // ...and errors that are not the storage's have neither.
    journal.close().unwrap();
    let closed = journal
        .recorder("a")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap_err();
    assert!(matches!(closed, JournalError::Closed), "{closed}");
    assert!(closed.io_error().is_none());
    assert!(closed.source().is_none());
}

#[test]
fn a_memory_storage_reader_reads_what_its_writer_appends_later() {
    // Histories read through this handle without taking the journal's lock.
    let mut storage = MemoryStorage::from_bytes(b"one\n".to_vec());
    let reader = storage
        .reader()
        .expect("a memory store has a second handle");
    storage.append(b"two\n").unwrap();
    assert_eq!(reader.read_at(0, 8).unwrap(), b"one\ntwo\n");
    assert_eq!(
        reader.read_at(4, 5).unwrap_err().kind(),
        io::ErrorKind::UnexpectedEof
    );
}

#[test]
fn a_journal_shows_its_machine_and_recovery_in_debug_output() {
    let journal = open(&MemoryStorage::from_bytes(journal_of(2)));
    assert_eq!(
        std::format!("{journal:?}"),
        "Journal { machine: \"Order\", recovery: Recovery { records: 2, instances: 2, torn: None, torn_copy: None, created: false }, .. }"
    );
}

#[test]
fn close_reports_a_failed_sync_and_a_second_close_is_harmless() {
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Flush).unwrap();
    journal
        .recorder("a")
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    *faulty.fail_sync.lock().unwrap() = true;
    assert!(matches!(
        journal.close(),
        Err(JournalError::Io { during: "sync", .. })
    ));
    // Closed, and there is nothing more to sync or to report.
    assert!(journal.close().is_ok());
    // A journal closed cleanly closes again without an error too.
    let faulty = Faulty::new();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Flush).unwrap();
    journal.close().unwrap();
    assert!(journal.close().is_ok());
}

#[test]
fn dropping_a_journal_syncs_what_is_unsynced_and_nothing_else() {
    let faulty = Faulty::new();
    let syncs = || *faulty.syncs.lock().unwrap();
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Flush).unwrap();
    assert_eq!(syncs(), 1, "the header is synced");
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    assert_eq!(syncs(), 1, "flush does not sync");
    drop((a, journal));
    assert_eq!(syncs(), 2, "the last drop syncs the unsynced record");
    // Under `Sync` every record is synced when written: a drop has nothing to add.
    let journal = Journal::with_storage(faulty.clone(), &ORDER, Durability::Sync).unwrap();
    assert_eq!(syncs(), 2, "a clean reopen does not sync");
    journal
        .recorder("a")
        .record(&rec(2, "Paid", "ship", "Shipped"))
        .unwrap();
    assert_eq!(syncs(), 3);
    drop(journal);
    assert_eq!(syncs(), 3, "nothing was unsynced");
}

#[test]
fn a_new_instance_starts_in_the_initial_state() {
    // Recovery assumes every instance starts in the initial state, so the first record of
    // an instance must leave it: anything else could not be read back.
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let before = storage.bytes();
    let err = journal
        .recorder("a")
        .record(&rec(1, "Paid", "ship", "Shipped"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "instance `a` is in `Pending` according to the journal, but the record leaves `Paid`"
    );
    assert_eq!(storage.bytes(), before, "nothing was written");
    assert_eq!(journal.sequence("a"), 0);
}

/// A record line of `instance`, sealed, with any machine, names and outcome.
fn forged_line(
    machine: &str,
    instance: &str,
    step: (u64, &str, &str, &str),
    outcome: &str,
) -> Vec<u8> {
    let (sequence, from, event, to) = step;
    line::record(&line::NewRecord {
        machine,
        instance,
        sequence,
        from,
        event,
        to,
        outcome,
        at: None,
        in_state_ns: None,
        event_id: None,
    })
}

/// A file under the system temp dir, removed (with its side files) when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(what: &str) -> TempFile {
        let dir = std::env::temp_dir().join(std::format!(
            "statewright-unit-{what}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempFile(dir.join("orders.journal"))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn repair_without_the_definition_checks_each_step_against_the_journals_chart() {
    let file = TempFile::new("repair-chart");
    let order = |step, outcome| forged_line("Order", "x", step, outcome);
    let lines: Vec<Vec<u8>> = std::vec![
        order((1, "Pending", "pay", "Paid"), "applied"),
        order((2, "Paid", "deliver", "Delivered"), "applied"),
        order((2, "Pending", "cancel", "Cancelled"), "applied"),
        order((2, "Paid", "pay", "Shipped"), "rejected"),
        forged_line("Light", "x", (2, "Off", "toggle", "On"), "applied"),
        order((2, "Nowhere", "ship", "Shipped"), "applied"),
        order((2, "Paid", "ship", "Shipped"), "maybe"),
        order((2, "Paid", "ship", "Shipped"), "applied"),
        forged_line("Order", "y", (1, "Pending", "ship", "Pending"), "rejected"),
    ];
    let mut bytes = journal_of(0);
    for line in &lines {
        bytes.extend_from_slice(line);
    }
    std::fs::write(&file.0, &bytes).unwrap();

    let report = Journal::repair(&file.0, None).unwrap();
    assert_eq!(report.records, 3);
    let removed: Vec<String> = report.removed.iter().map(ToString::to_string).collect();
    let at = |i: usize| journal_of(0).len() + lines[..i].iter().map(Vec::len).sum::<usize>();
    let expected = [
        (3, 1, "instance `x`: `#2 Paid --deliver--> Delivered` (applied) is not a legal step of `Order`"),
        (4, 2, "instance `x`: record #2 leaves `Pending`, but the instance is in `Paid`"),
        (5, 3, "instance `x`: `#2 Paid --pay--> Shipped` (rejected) is not a legal step of `Order`"),
        (6, 4, "a record of `Light`"),
        (7, 5, "unknown state `Nowhere`"),
        (8, 6, "unknown outcome `maybe`"),
    ]
    .map(|(number, i, reason)| {
        std::format!(
            "line {number} ({} bytes at offset {}): {reason}",
            lines[i].len(),
            at(i)
        )
    });
    assert_eq!(removed, expected);
    // The repaired journal opens, with the kept records.
    let journal = Journal::open(&file.0, &ORDER, Durability::Flush).unwrap();
    assert_eq!(journal.recovery().records, 3);
    assert_eq!(journal.state("x").unwrap().name(), "Shipped");
    assert_eq!(journal.state("y").unwrap().name(), "Pending");
}

#[test]
fn a_line_of_exactly_the_limit_is_written_and_one_byte_more_is_not() {
    let storage = MemoryStorage::new();
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(1_000));
    let journal = Journal::with_clock(storage.clone(), &ORDER, Durability::Flush, clock).unwrap();
    // The line the journal writes for `instance`'s first `pay` (the clock stands still).
    let len = |instance: &str| {
        line::record(&line::NewRecord {
            machine: "Order",
            instance,
            sequence: 1,
            from: "Pending",
            event: "pay",
            to: "Paid",
            outcome: "applied",
            at: Some(1_000),
            in_state_ns: Some(0),
            event_id: None,
        })
        .len()
            - 1
    };
    let id_len = MAX_LINE - len("");
    let fits = "i".repeat(id_len);
    assert_eq!(len(&fits), MAX_LINE);
    let before = storage.bytes().len();
    journal
        .recorder(fits.as_str())
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap();
    assert_eq!(storage.bytes().len(), before + MAX_LINE + 1);
    let written = storage.bytes();
    let err = journal
        .recorder("j".repeat(id_len + 1))
        .record(&rec(1, "Pending", "pay", "Paid"))
        .unwrap_err();
    assert!(
        matches!(err, JournalError::LineTooLong { len } if len == MAX_LINE + 1),
        "{err}"
    );
    assert_eq!(storage.bytes(), written, "nothing of it was written");
    // The line at the limit reads back.
    drop(journal);
    let journal = open(&storage);
    assert_eq!(journal.recovery().records, 1);
    assert_eq!(journal.sequence(&fits), 1);
}

#[test]
fn a_failed_group_sync_poisons_the_journal_since_earlier_records_may_be_lost() {
    let faulty = Faulty::new();
    let policy = Durability::GroupCommit {
        records: 2,
        interval: Duration::from_secs(3600),
    };
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(0));
    let journal = Journal::with_clock(faulty.clone(), &ORDER, policy, clock).unwrap();
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    let applied = faulty.inner.bytes();
    *faulty.fail_sync.lock().unwrap() = true;
    // The second record is due to sync both: the sync fails, so the second record is
    // refused and cut, and the first, already applied, may not be durable.
    let err = a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap_err();
    assert!(
        matches!(err, JournalError::Io { during: "sync", .. }),
        "{err}"
    );
    assert_eq!(faulty.inner.bytes(), applied);
    *faulty.fail_sync.lock().unwrap() = false;
    let err = a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the journal refuses appends until it is reopened: a sync failed: sync failed"
    );
}

#[test]
fn a_journal_recorder_names_its_instance_and_where_the_journal_has_it() {
    let storage = MemoryStorage::new();
    let journal = open(&storage);
    let mut a = journal.recorder("a");
    assert_eq!(a.instance(), "a");
    assert_eq!(Recorder::instance(&a), Some("a"));
    // A machine resumed with this recorder checks its position against these.
    assert_eq!(a.position(), Some((0, ORDER.initial().id())));
    let paid = rec(1, "Pending", "pay", "Paid");
    a.record(&paid).unwrap();
    assert_eq!(a.position(), Some((1, paid.to_id())));
    assert_eq!(journal.recorder("a").position(), Some((1, paid.to_id())));
    // The id of the event being applied goes into its line.
    a.event_id(Some("m-1"));
    a.record(&rec(2, "Paid", "ship", "Shipped")).unwrap();
    assert!(
        text(&storage).contains(",\"event_id\":\"m-1\","),
        "{}",
        text(&storage)
    );
}

#[test]
fn side_files_never_overwrite_one_another() {
    let file = TempFile::new("side-names");
    let name = |path: &std::path::Path| path.file_name().unwrap().to_str().unwrap().to_owned();
    let taken: Vec<String> = (0..3)
        .map(|_| name(&storage::create_side(&file.0, "removed").unwrap().1))
        .collect();
    assert_eq!(
        taken,
        [
            "orders.journal.removed",
            "orders.journal.removed-1",
            "orders.journal.removed-2"
        ]
    );
    // With every name up to `-10000` taken, it gives up rather than search forever.
    for n in 3..=10_000 {
        let mut path = file.0.clone().into_os_string();
        path.push(std::format!(".removed-{n}"));
        std::fs::File::create(path).unwrap();
    }
    let err = storage::create_side(&file.0, "removed").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
}

#[test]
fn a_journal_named_without_a_directory_syncs_the_current_one() {
    // `Path::new("orders.journal").parent()` is `Some("")`, which cannot be opened.
    storage::sync_directory(std::path::Path::new("orders.journal")).unwrap();
}

#[test]
fn the_background_syncer_syncs_only_waiting_records_and_stops_once_poisoned() {
    let faulty = Faulty::new();
    let clock = ManualClock::new(crate::Timestamp::from_unix_nanos(0));
    let policy = Durability::GroupCommit {
        records: 1_000,
        interval: Duration::from_millis(5),
    };
    let journal = Journal::with_clock(faulty.clone(), &ORDER, policy, clock.clone()).unwrap();
    let syncs = || *faulty.syncs.lock().unwrap();
    // Time passes with nothing waiting: there is nothing to sync. (The syncer wakes every
    // 5 ms of real time.)
    clock.advance(Duration::from_millis(50));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(syncs(), 1, "only the header's sync");
    // A record waits (the interval starts at this sync), and its background sync fails:
    // the journal is poisoned...
    journal.sync().unwrap();
    assert_eq!(syncs(), 2);
    let mut a = journal.recorder("a");
    a.record(&rec(1, "Pending", "pay", "Paid")).unwrap();
    assert_eq!(syncs(), 2, "not due yet");
    *faulty.fail_sync.lock().unwrap() = true;
    clock.advance(Duration::from_millis(50));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while syncs() == 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(syncs(), 3, "the waiting record's sync was tried");
    assert!(matches!(
        a.record(&rec(2, "Paid", "ship", "Shipped")),
        Err(JournalError::Poisoned(_))
    ));
    // ...and the syncer stops: it does not retry a sync the journal already gave up on.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(syncs(), 3);
}

#[test]
fn repairing_a_missing_journal_names_the_path() {
    let file = TempFile::new("repair-missing");
    let err = Journal::repair(&file.0, Some(&ORDER)).unwrap_err();
    assert_eq!(
        err.io_error().map(io::Error::kind),
        Some(io::ErrorKind::NotFound)
    );
    assert_eq!(
        err.to_string(),
        std::format!("journal open failed: `{}` does not exist", file.0.display())
    );
    assert!(!file.0.exists(), "nothing was created");
}
