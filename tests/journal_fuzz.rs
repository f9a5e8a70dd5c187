//! Tampered journals and snapshots: recovery and restore never panic, and either refuse the
//! input or produce machines whose history replays to their state.
//!
//! Each property builds a valid journal from random events (in memory), damages it one way
//! (truncation, bit flips, swapped, duplicated or spliced lines, another header, fields
//! rewritten under a recomputed checksum), reopens it, and checks the outcome exactly where it
//! is determined (a truncated journal recovers to the states of its complete lines; a swap of two
//! instances' lines changes nothing; a duplicated record is always an error), and otherwise
//! that whatever was recovered is a consistent prefix of what was written.

#![cfg(feature = "journal")]

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use statewright::journal::{Durability, Journal, JournalError, MemoryStorage};
use statewright::{Dynamic, Memory, Snapshot, SnapshotError, StateMachine, state_machine};

/// The order machine of `examples/order.rs`, with serde for snapshots.
#[state_machine]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

/// Another definition of a machine also called `Order` (one more transition).
mod other {
    use statewright::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        #[initial]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        #[on(ship -> Shipped, cancel -> Cancelled, refund -> Cancelled)]
        Paid { amount_cents: u64 },
        #[on(deliver -> Delivered)]
        Shipped { tracking: String },
        #[terminal]
        Delivered,
        #[terminal]
        Cancelled,
    }
}

const INSTANCES: usize = 4;
const STATES: [&str; 5] = ["Pending", "Paid", "Shipped", "Delivered", "Cancelled"];

fn event(kind: u8, n: usize) -> order::Event {
    match kind % 4 {
        0 => order::Event::Pay {
            amount_cents: n as u64,
        },
        1 => order::Event::Ship {
            tracking: format!("T{n}"),
        },
        2 => order::Event::Deliver,
        _ => order::Event::Cancel,
    }
}

/// A valid journal: its bytes, its lines (newline included, the header first), and for each
/// record line its instance, text and the state after it.
struct Built {
    bytes: Vec<u8>,
    lines: Vec<Vec<u8>>,
    records: Vec<(String, String, &'static str)>,
}

impl Built {
    /// The byte offset where line `i` starts (`lines.len()` for the end).
    fn start(&self, i: usize) -> usize {
        self.lines[..i].iter().map(Vec::len).sum()
    }

    /// Each instance's `(state, sequence)` after the first `n` records.
    fn states_after(&self, n: usize) -> BTreeMap<String, (&'static str, u64)> {
        let mut states = BTreeMap::new();
        for (id, _, state) in &self.records[..n] {
            let entry = states.entry(id.clone()).or_insert(("Pending", 0));
            *entry = (*state, entry.1 + 1);
        }
        states
    }

    /// Each instance's records among the first `n`, as text.
    fn histories_after(&self, n: usize) -> BTreeMap<String, Vec<String>> {
        let mut histories: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (id, text, _) in &self.records[..n] {
            histories.entry(id.clone()).or_default().push(text.clone());
        }
        histories
    }

    /// The journal with its lines replaced.
    fn with_lines(lines: &[Vec<u8>]) -> Vec<u8> {
        lines.concat()
    }
}

/// Applies `events` (`(instance, kind)`) to dynamic orders recording into a new journal.
fn build(events: &[(usize, u8)], prefix: &str) -> Built {
    let storage = MemoryStorage::new();
    let journal =
        Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Flush).unwrap();
    let mut orders: Vec<_> = (0..INSTANCES)
        .map(|n| {
            Dynamic::start_with(Order::Pending, journal.recorder(format!("{prefix}{n}"))).unwrap()
        })
        .collect();
    let mut records = Vec::new();
    for &(n, kind) in events {
        let order = &mut orders[n % INSTANCES];
        let text = match order.apply(event(kind, n)) {
            Ok(record) => record.to_string(),
            Err(rejection) => {
                assert!(rejection.is_illegal(), "{rejection}");
                format!(
                    "#{} {} --{}--x rejected",
                    order.sequence(),
                    order.state_info().name(),
                    rejection.event_name()
                )
            }
        };
        records.push((
            format!("{prefix}{}", n % INSTANCES),
            text,
            order.state_info().name(),
        ));
    }
    drop((orders, journal));
    let bytes = storage.bytes();
    let lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    assert_eq!(lines.len(), records.len() + 1);
    Built {
        bytes,
        lines,
        records,
    }
}

/// Opens `bytes` as a journal; returns the journal (or the error) and the bytes it left.
fn reopen(bytes: Vec<u8>) -> (Result<Journal, JournalError>, Vec<u8>) {
    let storage = MemoryStorage::from_bytes(bytes);
    let journal = Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Flush);
    (journal, storage.bytes())
}

/// Each instance's `(state, sequence)` in `journal`, after checking that its history (read
/// back from the storage) replays to exactly that.
fn consistent(journal: &Journal) -> BTreeMap<String, (&'static str, u64)> {
    let mut states = BTreeMap::new();
    let mut records = 0;
    for (id, state, sequence) in journal.instances() {
        let history = journal.history(&id).expect("history");
        let replayed = Order::DEFINITION.replay(&history).expect("replay");
        assert_eq!(replayed.state(), state, "{id}");
        assert_eq!(replayed.sequence(), sequence, "{id}");
        assert_eq!(journal.state(&id), Some(state));
        assert_eq!(journal.sequence(&id), sequence);
        assert_eq!(journal.entries(&id).unwrap().len() as u64, sequence);
        records += sequence;
        states.insert(id, (state.name(), sequence));
    }
    assert_eq!(journal.recovery().records, records);
    assert_eq!(journal.recovery().instances, states.len());
    states
}

fn histories(journal: &Journal) -> BTreeMap<String, Vec<String>> {
    journal
        .instances()
        .into_iter()
        .map(|(id, _, _)| {
            let history = journal.history(&id).unwrap();
            (id, history.iter().map(ToString::to_string).collect())
        })
        .collect()
}

/// CRC-32 (IEEE), as the journal's lines use, to forge lines with valid checksums.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A line from a JSON object (without `crc`), sealed with a valid checksum.
fn seal(object: &serde_json::Map<String, serde_json::Value>) -> Vec<u8> {
    let json = serde_json::to_string(object).unwrap();
    let body = &json[..json.len() - 1];
    format!("{body},\"crc\":\"{:08x}\"}}\n", crc32(body.as_bytes())).into_bytes()
}

/// The JSON object of a line, without its `crc`.
fn object(line: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(line).unwrap();
    object.remove("crc").unwrap();
    object
}

fn events() -> impl Strategy<Value = Vec<(usize, u8)>> {
    prop::collection::vec((0..INSTANCES, 0..4u8), 0..40)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn forged_lines_match_the_journals_own() {
    let built = build(&[(0, 0), (1, 3), (0, 2)], "o-");
    for line in &built.lines {
        // `{body},"crc":"xxxxxxxx"}\n`: the checksum covers the body.
        let text = std::str::from_utf8(line).unwrap();
        let (body, crc) = text.rsplit_once(",\"crc\":\"").unwrap();
        assert_eq!(crc, format!("{:08x}\"}}\n", crc32(body.as_bytes())));
        // A line resealed from its fields (in another order) reads the same.
        let mut lines = built.lines.clone();
        let i = lines.iter().position(|l| l == line).unwrap();
        lines[i] = seal(&object(&line[..line.len() - 1]));
        let (journal, _) = reopen(Built::with_lines(&lines));
        assert_eq!(histories(&journal.unwrap()), built.histories_after(3));
    }
    // A forged line is read like any other: rewriting `Pending --cancel--> Cancelled` as
    // `--pay--> Paid` under a valid checksum gives a journal where `o-1` is paid.
    let mut lines = built.lines.clone();
    let mut forged = object(&lines[2][..lines[2].len() - 1]);
    forged.insert("event".into(), "pay".into());
    forged.insert("to".into(), "Paid".into());
    lines[2] = seal(&forged);
    let (journal, _) = reopen(Built::with_lines(&lines));
    let journal = journal.unwrap();
    assert_eq!(consistent(&journal)["o-1"], ("Paid", 1));
}

proptest! {
    #![proptest_config(config())]

    /// A journal cut anywhere recovers to the states of its complete lines; the partial line
    /// (or partial header) is cut off and reported.
    #[test]
    fn a_truncated_journal_recovers_its_complete_lines(events in events(), cut in any::<Index>()) {
        let built = build(&events, "o-");
        let cut = cut.index(built.bytes.len() + 1);
        let (journal, left) = reopen(built.bytes[..cut].to_vec());
        let journal = journal.unwrap();
        let header = built.lines[0].len();
        if cut < header {
            // A torn header: the journal starts over.
            prop_assert!(journal.recovery().created);
            prop_assert_eq!(journal.recovery().torn, (cut > 0).then_some((0, cut as u64)));
            prop_assert_eq!(left, built.lines[0].clone());
            prop_assert!(journal.instances().is_empty());
        } else {
            let complete = (0..built.lines.len()).rev().find(|&i| built.start(i + 1) <= cut).unwrap() + 1;
            let boundary = built.start(complete);
            let torn = (cut > boundary).then_some((boundary as u64, (cut - boundary) as u64));
            prop_assert_eq!(journal.recovery().torn, torn);
            prop_assert_eq!(&left[..], &built.bytes[..boundary]);
            prop_assert_eq!(journal.recovery().records, complete as u64 - 1);
            prop_assert_eq!(consistent(&journal), built.states_after(complete - 1));
            prop_assert_eq!(histories(&journal), built.histories_after(complete - 1));
        }
    }

    /// One to three flipped bits are always detected (CRC-32 over a line): every line of a
    /// journal ends in a newline, so a damaged one is never taken for a torn append; the
    /// journal is refused, naming the first damaged line, and left exactly as it was. The one
    /// exception is the last line's newline itself: without it, the last line is what an
    /// interrupted append leaves, and is cut as torn.
    #[test]
    fn flipped_bits_are_refused_and_change_nothing(
        events in events(),
        flips in prop::collection::vec((any::<Index>(), 0..8u8), 1..=3),
    ) {
        let built = build(&events, "o-");
        let mut bytes = built.bytes.clone();
        for (at, bit) in &flips {
            let at = at.index(bytes.len());
            bytes[at] ^= 1 << bit;
        }
        // The bytes that differ: two flips of the same bit cancel out.
        let positions: Vec<usize> = (0..bytes.len()).filter(|&at| bytes[at] != built.bytes[at]).collect();
        prop_assume!(!positions.is_empty());
        let line_of = |at: usize| (0..built.lines.len()).find(|&i| built.start(i + 1) > at).unwrap();
        let last = built.lines.len() - 1;
        let (journal, left) = reopen(bytes.clone());
        // (A journal of a header alone is the exception to the exception: a header without
        // its newline that is not a prefix of the header is no crash artefact, and refused.)
        if last > 0 && positions.contains(&(bytes.len() - 1)) && positions.iter().all(|&at| line_of(at) == last) {
            // The last line's newline is gone: that line is now bytes after the last newline,
            // exactly what an interrupted append leaves, and is cut as torn (after a copy).
            let journal = journal.expect("a journal with a torn last line");
            let start = built.start(last);
            prop_assert_eq!(journal.recovery().torn, Some((start as u64, (bytes.len() - start) as u64)));
            prop_assert_eq!(&left[..], &built.bytes[..start]);
            return Ok(());
        }
        let first = positions.iter().map(|&at| line_of(at)).min().unwrap();
        let error = journal.expect_err("a damaged journal was accepted");
        prop_assert_eq!(&left, &bytes, "the refused journal was changed");
        match error {
            JournalError::Corrupt { line, .. } => {
                // A flipped newline joins or splits lines: the error is at or next to it.
                prop_assert!(first > 0);
                prop_assert!(line as usize >= first && line as usize <= first + 2, "line {} reported, {} damaged", line, first + 1);
            }
            JournalError::NotAJournal(_) | JournalError::DefinitionMismatch { .. } => prop_assert_eq!(first, 0),
            other => prop_assert!(false, "{}", other),
        }
    }

    /// Swapping two lines is harmless exactly when they are records of different instances.
    #[test]
    fn swapped_lines_are_refused_unless_they_belong_to_different_instances(
        events in events(),
        a in any::<Index>(),
        b in any::<Index>(),
    ) {
        let built = build(&events, "o-");
        let (a, b) = (a.index(built.lines.len()), b.index(built.lines.len()));
        prop_assume!(a != b);
        let (a, b) = (a.min(b), a.max(b));
        let mut lines = built.lines.clone();
        lines.swap(a, b);
        let (journal, _) = reopen(Built::with_lines(&lines));
        // Harmless when each instance's records keep their order: the two lines belong to
        // different instances, and no line between them to either.
        let harmless = a > 0 && {
            let (x, y) = (&built.records[a - 1].0, &built.records[b - 1].0);
            x != y && built.records[a..b - 1].iter().all(|(id, _, _)| id != x && id != y)
        };
        match journal {
            Ok(journal) => {
                prop_assert!(harmless, "lines {} and {} swapped, accepted", a + 1, b + 1);
                prop_assert_eq!(journal.recovery().torn, None);
                prop_assert_eq!(consistent(&journal), built.states_after(built.records.len()));
                prop_assert_eq!(histories(&journal), built.histories_after(built.records.len()));
            }
            Err(error) => {
                prop_assert!(!harmless, "{}", error);
                if a == 0 {
                    prop_assert!(matches!(error, JournalError::NotAJournal(_)), "{}", error);
                } else {
                    prop_assert!(matches!(error, JournalError::Corrupt { .. }), "{}", error);
                }
            }
        }
    }

    /// A duplicated record is always an error; a copy of the header as the last line is a torn
    /// tail, elsewhere an error.
    #[test]
    fn a_duplicated_line_is_refused(events in events(), which in any::<Index>(), to in any::<Index>()) {
        let built = build(&events, "o-");
        let which = which.index(built.lines.len());
        let to = 1 + to.index(built.lines.len());
        let mut lines = built.lines.clone();
        lines.insert(to, built.lines[which].clone());
        let (journal, _) = reopen(Built::with_lines(&lines));
        // Even the header repeated at the end: a complete line, not a torn append.
        let error = journal.expect_err("a duplicated line was accepted");
        prop_assert!(matches!(error, JournalError::Corrupt { .. }), "{}", error);
    }

    /// Another fingerprint in the header: with the checksum left as it was, not a journal;
    /// resealed, a definition mismatch naming it; another definition's header, a definition
    /// mismatch listing the changes.
    #[test]
    fn another_fingerprint_is_refused(events in events(), fingerprint in any::<u64>()) {
        let real = Order::DEFINITION.fingerprint().to_string();
        let fake = format!("{fingerprint:016x}");
        prop_assume!(fake != real);
        let built = build(&events, "o-");
        let header = String::from_utf8(built.lines[0].clone()).unwrap();
        let mut lines = built.lines.clone();

        lines[0] = header.replace(&real, &fake).into_bytes();
        let error = reopen(Built::with_lines(&lines)).0.expect_err("accepted");
        prop_assert!(matches!(error, JournalError::NotAJournal(_)), "{}", error);

        let mut object = object(&built.lines[0][..built.lines[0].len() - 1]);
        object.insert("fingerprint".into(), fake.clone().into());
        lines[0] = seal(&object);
        match reopen(Built::with_lines(&lines)).0.expect_err("accepted") {
            JournalError::DefinitionMismatch { machine, found, expected, changes } => {
                prop_assert_eq!(machine, "Order");
                prop_assert_eq!(found.to_string(), fake);
                prop_assert_eq!(expected, Order::DEFINITION.fingerprint());
                prop_assert!(changes.is_empty(), "{:?}", changes);
            }
            error => prop_assert!(false, "{}", error),
        }

        let storage = MemoryStorage::new();
        drop(Journal::with_storage(storage.clone(), other::Order::DEFINITION, Durability::Flush).unwrap());
        lines[0] = storage.bytes();
        match reopen(Built::with_lines(&lines)).0.expect_err("accepted") {
            JournalError::DefinitionMismatch { found, changes, .. } => {
                prop_assert_eq!(found, other::Order::DEFINITION.fingerprint());
                prop_assert!(changes.iter().any(|c| c.contains("refund")), "{:?}", changes);
            }
            error => prop_assert!(false, "{}", error),
        }
    }

    /// A line from another journal of the same machine, inserted or replacing a line: refused,
    /// or (when it happens to continue an instance) consistent.
    #[test]
    fn a_spliced_line_is_refused_or_consistent(
        events in events(),
        others in events(),
        same_ids in any::<bool>(),
        from in any::<Index>(),
        to in any::<Index>(),
        replace in any::<bool>(),
    ) {
        let built = build(&events, "o-");
        let donor = build(&others, if same_ids { "o-" } else { "x-" });
        let line = donor.lines[from.index(donor.lines.len())].clone();
        let mut lines = built.lines.clone();
        let to = to.index(lines.len() + 1);
        if replace && to < lines.len() {
            lines[to] = line;
        } else {
            lines.insert(to, line);
        }
        if let (Ok(journal), _) = reopen(Built::with_lines(&lines)) {
            consistent(&journal);
        }
    }

    /// Any field of a record rewritten under a valid checksum (another state, event, outcome,
    /// instance or machine; a zero, negative, huge or non-numeric sequence or time): refused,
    /// or consistent.
    #[test]
    fn forged_fields_are_refused_or_consistent(
        events in prop::collection::vec((0..INSTANCES, 0..4u8), 1..40),
        which in any::<Index>(),
        field in 0..9usize,
        value in 0..12usize,
    ) {
        let built = build(&events, "o-");
        let which = 1 + which.index(built.records.len());
        let line = &built.lines[which];
        let mut object = object(&line[..line.len() - 1]);
        let names = ["machine", "instance", "sequence", "from", "event", "to", "outcome", "at", "in_state_ns"];
        let values: [serde_json::Value; 12] = [
            "Pending".into(), "Paid".into(), "Delivered".into(), "pay".into(), "ship".into(),
            "rejected".into(), "o-9".into(), 0.into(), u64::MAX.into(), (-1).into(), 1e300.into(),
            serde_json::Value::Null,
        ];
        let changed = object.get(names[field]) != Some(&values[value]);
        object.insert(names[field].into(), values[value].clone());
        let mut lines = built.lines.clone();
        lines[which] = seal(&object);
        if let (Ok(journal), _) = reopen(Built::with_lines(&lines)) {
            consistent(&journal);
            if changed && !matches!(names[field], "at" | "in_state_ns") {
                // What was forged is what is read: a changed line is never silently dropped
                // or read as the original.
                prop_assert!(journal.recovery().torn.is_some() || histories(&journal) != built.histories_after(built.records.len()));
            }
        }
    }
}

// ----- Snapshots -----

/// A snapshot of order `o-1` after `events`, as JSON, and the journal that recorded them.
fn snapshot(events: &[u8]) -> (String, Journal) {
    let journal =
        Journal::with_storage(MemoryStorage::new(), Order::DEFINITION, Durability::Flush).unwrap();
    let mut order = Dynamic::start_with(Order::Pending, journal.recorder("o-1")).unwrap();
    for (i, &kind) in events.iter().enumerate() {
        let _ = order.apply(event(kind, i));
    }
    let json = serde_json::to_string(&Snapshot::of(&order, "o-1")).unwrap();
    (json, journal)
}

/// Restores `json` (if it reads as a snapshot) into memory and into the journal that holds
/// the instance's records; checks what a successful restore holds.
fn restore(json: &str, journal: &Journal) -> Option<Snapshot<Order>> {
    let snapshot: Snapshot<Order> = serde_json::from_str(json).ok()?;
    if let Ok(order) = snapshot.clone().restore(Memory::new()) {
        assert_eq!(order.state(), snapshot.state());
        assert_eq!(order.sequence(), snapshot.sequence());
    }
    if journal.sequence("o-1") == 0 {
        // The journal has no record of the instance: a snapshot ahead of it restores today
        // (see `a_snapshot_ahead_of_a_journal_without_the_instance_is_refused`).
        return Some(snapshot);
    }
    match snapshot.clone().restore(journal.recorder("o-1")) {
        Ok(order) => {
            assert_eq!(order.sequence(), journal.sequence("o-1"));
            assert_eq!(Some(order.state_info()), journal.state("o-1"));
        }
        Err(SnapshotError::Stale {
            snapshot: s,
            recorder,
        })
        | Err(SnapshotError::Ahead {
            snapshot: s,
            recorder,
        }) => {
            assert_eq!(s, snapshot.sequence());
            assert_eq!(recorder, journal.sequence("o-1"));
            assert_ne!(s, recorder);
        }
        Err(_) => {}
    }
    Some(snapshot)
}

fn json(text: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(text).unwrap()
}

#[test]
fn an_untampered_snapshot_restores_into_its_journal() {
    let (text, journal) = snapshot(&[0, 1]);
    let snapshot = restore(&text, &journal).unwrap();
    assert_eq!(snapshot.sequence(), 2);
    let order = snapshot.restore(journal.recorder("o-1")).unwrap();
    assert_eq!(
        order.state(),
        &Order::Shipped {
            tracking: "T1".into()
        }
    );
}

proptest! {
    #![proptest_config(config())]

    /// Random byte edits: an error, or a snapshot whose restore succeeds or fails cleanly.
    #[test]
    fn edited_snapshots_never_panic(
        events in prop::collection::vec(0..4u8, 0..6),
        edits in prop::collection::vec((any::<Index>(), any::<u8>(), 0..3u8), 1..6),
    ) {
        let (text, journal) = snapshot(&events);
        let mut bytes = text.into_bytes();
        for (at, byte, kind) in edits {
            let at = at.index(bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = byte,
                1 if at < bytes.len() => { bytes.remove(at); }
                _ => bytes.insert(at, byte),
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            restore(&text, &journal);
        }
    }

    /// Another fingerprint: refused, naming it.
    #[test]
    fn a_snapshot_with_another_fingerprint_is_refused(
        events in prop::collection::vec(0..4u8, 0..6),
        fingerprint in "[0-9a-f]{16}|[^\"\\\\]{0,20}",
    ) {
        let (text, journal) = snapshot(&events);
        prop_assume!(fingerprint.parse::<statewright::Fingerprint>().ok() != Some(Order::DEFINITION.fingerprint()));
        let mut object = json(&text);
        object.insert("fingerprint".into(), fingerprint.clone().into());
        let text = serde_json::to_string(&object).unwrap();
        let snapshot = restore(&text, &journal).expect("the shape is right");
        match snapshot.restore(Memory::new()).unwrap_err() {
            SnapshotError::DefinitionMismatch { found, expected, changes } => {
                prop_assert_eq!(found, fingerprint);
                prop_assert_eq!(expected, Order::DEFINITION.fingerprint());
                prop_assert!(changes.is_empty(), "{:?}", changes);
            }
            error => prop_assert!(false, "{}", error),
        }
    }

    /// An unknown state tag does not deserialize.
    #[test]
    fn a_snapshot_in_an_unknown_state_does_not_read(
        events in prop::collection::vec(0..4u8, 0..6),
        tag in "[A-Za-z]{1,10}",
    ) {
        prop_assume!(!STATES.contains(&tag.as_str()));
        let (text, journal) = snapshot(&events);
        let mut object = json(&text);
        let state = match object.remove("state").unwrap() {
            serde_json::Value::String(_) => serde_json::Value::String(tag),
            serde_json::Value::Object(fields) => {
                let (_, data) = fields.into_iter().next().unwrap();
                serde_json::Value::Object([(tag, data)].into_iter().collect())
            }
            other => panic!("{other}"),
        };
        object.insert("state".into(), state);
        prop_assert!(restore(&serde_json::to_string(&object).unwrap(), &journal).is_none());
    }

    /// Sequence numbers: negative, fractional, too large or not numbers do not deserialize; any
    /// `u64` does, and restores into memory, and into the journal only at its sequence.
    #[test]
    fn a_snapshot_sequence_is_checked_against_the_journal(
        events in prop::collection::vec(0..4u8, 0..6),
        sequence in prop_oneof![
            Just("-1".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("1.5".to_owned()),
            Just("\"3\"".to_owned()),
            Just("null".to_owned()),
            any::<i64>().prop_filter("negative", |n| *n < 0).prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            (0..8u64).prop_map(|n| n.to_string()),
        ],
    ) {
        let (text, journal) = snapshot(&events);
        let from = format!("\"sequence\":{},", journal.sequence("o-1"));
        prop_assert!(text.contains(&from));
        let tampered = text.replace(&from, &format!("\"sequence\":{sequence},"));
        let snapshot = restore(&tampered, &journal);
        match sequence.parse::<u64>() {
            Ok(n) => {
                let snapshot = snapshot.expect("a u64 sequence reads");
                prop_assert_eq!(snapshot.sequence(), n);
                let restored = snapshot.clone().restore(Memory::new());
                if n == 0 && snapshot.state() != &Order::Pending {
                    // No record yet, so the machine must be where it starts.
                    let refused = matches!(restored, Err(SnapshotError::NotInitial { .. }));
                    prop_assert!(refused, "{:?}", restored.map(|r| r.sequence()));
                } else if n == u64::MAX {
                    prop_assert_eq!(restored.map(|r| r.sequence()), Err(SnapshotError::Exhausted));
                } else {
                    prop_assert_eq!(restored.unwrap().sequence(), n);
                }
                if journal.sequence("o-1") > 0 {
                    let result = snapshot.restore(journal.recorder("o-1"));
                    prop_assert_eq!(result.is_ok(), n == journal.sequence("o-1"));
                }
            }
            Err(_) => prop_assert!(snapshot.is_none(), "`{}` read as a sequence", sequence),
        }
    }
}

/// A journal that has no record of an instance knows the instance is at #0 in its initial
/// state, so a snapshot at #1 is ahead of it: records were lost.
#[test]
fn a_snapshot_ahead_of_a_journal_without_the_instance_is_refused() {
    let mut order = Dynamic::start(Order::Pending).unwrap();
    order.apply(order::Event::Pay { amount_cents: 5 }).unwrap();
    let snapshot = Snapshot::of(&order, "o-1");
    let journal =
        Journal::with_storage(MemoryStorage::new(), Order::DEFINITION, Durability::Flush).unwrap();
    match snapshot.restore(journal.recorder("o-1")) {
        Err(SnapshotError::Ahead {
            snapshot: 1,
            recorder: 0,
        }) => {}
        Err(error) => panic!("{error}"),
        Ok(mut restored) => {
            let rejection = restored.apply(order::Event::Cancel).unwrap_err();
            panic!("restored a machine that cannot record: {rejection}");
        }
    }
}

/// A snapshot at the largest sequence number cannot go on: its next record could not be
/// numbered. Restoring it is refused, so no later event can panic or wrap around to #0.
#[test]
fn a_snapshot_at_the_last_sequence_number_is_refused() {
    let mut order = Dynamic::start(Order::Pending).unwrap();
    order.apply(order::Event::Pay { amount_cents: 5 }).unwrap();
    let text = serde_json::to_string(&Snapshot::of(&order, "o-1")).unwrap();
    let text = text.replace("\"sequence\":1,", &format!("\"sequence\":{},", u64::MAX));
    let snapshot: Snapshot<Order> = serde_json::from_str(&text).unwrap();
    assert_eq!(
        snapshot.restore(Memory::new()).unwrap_err(),
        SnapshotError::Exhausted
    );
}
