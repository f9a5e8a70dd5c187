//! Idempotent apply through the facade: duplicates change nothing, the window's bounds (count,
//! wall-clock age, a wall clock that jumps), the window across snapshots and journal recovery,
//! and a property test against a reference model that dedupes by id.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use statewright::{
    Cause, Delivery, Dynamic, Idempotent, ManualClock, Memory, Outcome, Record, RecordError,
    Recorder, Timestamp, Window, state_machine,
};

#[state_machine]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid,
    #[on(deliver -> Delivered)]
    Shipped,
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

const SECOND: u64 = 1_000_000_000;

fn clock() -> ManualClock {
    ManualClock::new(Timestamp::from_unix_nanos(1_000 * SECOND))
}

fn start(window: Window, clock: &ManualClock) -> Idempotent<Order, Memory, ManualClock> {
    Idempotent::new(
        Dynamic::start(Order::Pending).unwrap(),
        window,
        clock.clone(),
    )
}

fn lines(machine: &Idempotent<Order, Memory, ManualClock>) -> String {
    machine.machine().recorder().to_string()
}

#[test]
fn duplicates_apply_nothing_and_record_nothing() {
    let clock = clock();
    let mut order = start(Window::new(100), &clock);
    let Delivery::Applied(paid) = order.apply("m-1", order::Event::Pay) else {
        panic!("the first delivery applies");
    };
    let Delivery::Rejected(rejected) = order.apply("m-2", order::Event::Pay) else {
        panic!("paying twice is illegal");
    };
    assert_eq!(rejected.cause(), &Cause::Illegal);
    let before = lines(&order);
    assert_eq!(
        before,
        "#1 Pending --pay--> Paid\n#2 Paid --pay--x rejected\n"
    );

    for _ in 0..3 {
        match order.apply("m-1", order::Event::Pay) {
            Delivery::Duplicate { first, event } => {
                assert_eq!(first, paid);
                assert_eq!(event, order::Event::Pay);
            }
            other => panic!("{other:?}"),
        }
        // The duplicate of a rejection answers with the rejection, even with another event.
        match order.apply("m-2", order::Event::Ship) {
            Delivery::Duplicate { first, event } => {
                assert_eq!(first.to_string(), "#2 Paid --pay--x rejected");
                assert_eq!(first.outcome(), Outcome::Rejected);
                assert_eq!(event, order::Event::Ship);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(order.machine().state(), &Order::Paid);
    assert_eq!(order.machine().sequence(), 2);
    assert_eq!(lines(&order), before);

    // A new id is a new event.
    assert!(matches!(
        order.apply("m-3", order::Event::Ship),
        Delivery::Applied(_)
    ));
    assert_eq!(order.machine().state(), &Order::Shipped);
}

#[derive(Debug)]
struct Offline;

impl std::fmt::Display for Offline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("offline")
    }
}

impl RecordError for Offline {}

/// Refuses records while `down` is set.
struct Flaky {
    down: Rc<Cell<bool>>,
    records: Memory,
}

impl Recorder for Flaky {
    type Error = Offline;

    fn record(&mut self, record: &Record) -> Result<(), Offline> {
        if self.down.get() {
            return Err(Offline);
        }
        let Ok(()) = self.records.record(record);
        Ok(())
    }
}

#[test]
fn an_event_whose_record_was_refused_is_not_remembered() {
    let down = Rc::new(Cell::new(true));
    let recorder = Flaky {
        down: down.clone(),
        records: Memory::new(),
    };
    let machine = Dynamic::start_with(Order::Pending, recorder).unwrap();
    let mut order = Idempotent::new(machine, Window::new(10), clock());

    let Delivery::Rejected(rejection) = order.apply("m-1", order::Event::Pay) else {
        panic!("the recorder refuses");
    };
    assert!(matches!(rejection.cause(), Cause::Unrecorded(Offline)));
    assert!(rejection.record().is_none());
    // An illegal event whose rejection could not be recorded is not remembered either.
    let Delivery::Rejected(rejection) = order.apply("m-2", order::Event::Ship) else {
        panic!("the recorder refuses");
    };
    assert!(matches!(
        rejection.cause(),
        Cause::IllegalUnrecorded(Offline)
    ));
    assert!(order.window().is_empty());

    // Nothing happened, so the retry is a first delivery and goes through.
    down.set(false);
    let Delivery::Applied(record) = order.apply("m-1", order::Event::Pay) else {
        panic!("the retry applies");
    };
    assert_eq!(record.to_string(), "#1 Pending --pay--> Paid");
    assert!(order.apply("m-1", order::Event::Pay).is_duplicate());
    assert_eq!(order.machine().recorder().records.len(), 1);
    // Now it is remembered.
    assert!(!order.window().is_empty());
    assert_eq!(order.window().len(), 1);
}

#[test]
fn the_count_bound_forgets_the_oldest_id_and_its_late_duplicate_applies_again() {
    let clock = clock();
    let mut order = start(Window::new(2), &clock);
    order.apply("m-1", order::Event::Pay);
    order.apply("m-2", order::Event::Deliver); // rejected, remembered
    order.apply("m-3", order::Event::Pay); // rejected, remembered; m-1 is forgotten
    let ids: Vec<&str> = order.window().iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["m-2", "m-3"]);
    assert!(order.apply("m-2", order::Event::Deliver).is_duplicate());
    // m-1 is out of the window: its very late duplicate is applied again (here: rejected,
    // since the order is already paid) and recorded.
    let Delivery::Rejected(again) = order.apply("m-1", order::Event::Pay) else {
        panic!("a forgotten id is a new delivery");
    };
    assert_eq!(
        again.record().unwrap().to_string(),
        "#4 Paid --pay--x rejected"
    );
    assert_eq!(order.machine().sequence(), 4);
}

#[test]
fn the_age_bound_follows_the_wall_clock_forward_and_back() {
    let clock = clock();
    let window = Window::new(100).with_max_age(Duration::from_secs(60));
    let mut order = start(window, &clock);
    order.apply("m-1", order::Event::Pay);

    clock.advance(Duration::from_secs(59));
    assert!(order.apply("m-1", order::Event::Pay).is_duplicate());
    clock.advance(Duration::from_secs(1));
    // 60 s old: forgotten, applied again (rejected: already paid).
    assert!(matches!(
        order.apply("m-1", order::Event::Pay),
        Delivery::Rejected(_)
    ));
    assert_eq!(order.machine().sequence(), 2);

    // A wall clock that jumps forward expires ids early.
    order.apply("m-2", order::Event::Ship);
    clock.set_wall(Timestamp::from_unix_nanos(1_000_000 * SECOND));
    assert!(!order.apply("m-2", order::Event::Ship).is_duplicate());
    assert_eq!(order.machine().sequence(), 4);

    // One that jumps backward keeps them longer (and nothing panics).
    order.apply("m-3", order::Event::Deliver);
    clock.set_wall(Timestamp::from_unix_nanos(0));
    assert!(order.apply("m-3", order::Event::Deliver).is_duplicate());
    clock.set_wall(Timestamp::from_unix_nanos(1_000_000 * SECOND + 59 * SECOND));
    assert!(order.apply("m-3", order::Event::Deliver).is_duplicate());
    clock.set_wall(Timestamp::from_unix_nanos(1_000_000 * SECOND + 60 * SECOND));
    assert!(!order.apply("m-3", order::Event::Deliver).is_duplicate());
    assert_eq!(order.machine().state(), &Order::Delivered);
}

/// A clock without wall-clock time: ids expire by count only.
struct NoWall;

impl statewright::Clock for NoWall {
    fn now(&self) -> Option<Timestamp> {
        None
    }

    fn monotonic(&self) -> Duration {
        Duration::ZERO
    }
}

#[test]
fn without_a_wall_clock_ids_expire_by_count_only() {
    let window = Window::new(1).with_max_age(Duration::from_nanos(1));
    let machine = Dynamic::start(Order::Pending).unwrap();
    let mut order = Idempotent::new(machine, window, NoWall);
    order.apply("m-1", order::Event::Pay);
    assert!(order.apply("m-1", order::Event::Pay).is_duplicate());
    order.apply("m-2", order::Event::Ship);
    assert!(!order.apply("m-1", order::Event::Pay).is_duplicate());
    assert_eq!(order.machine().recorder().len(), 3);
}

#[cfg(feature = "serde")]
mod snapshots {
    use super::*;
    use statewright::{IdempotentSnapshot, SnapshotError};

    fn json() -> (String, ManualClock) {
        let clock = clock();
        let mut order = start(Window::new(3).with_max_age(Duration::from_secs(60)), &clock);
        order.apply("m-1", order::Event::Pay);
        order.apply("m-2", order::Event::Pay); // rejected
        (
            serde_json::to_string(&order.snapshot("o-1")).unwrap(),
            clock,
        )
    }

    #[test]
    fn the_window_survives_a_snapshot() {
        let (json, clock) = json();
        let snapshot: IdempotentSnapshot<Order> = serde_json::from_str(&json).unwrap();
        assert_eq!(snapshot.machine().sequence(), 2);
        let mut order = snapshot.restore(Memory::new(), clock.clone()).unwrap();
        assert_eq!(order.window().max_ids(), 3);
        assert_eq!(order.window().max_age(), Some(Duration::from_secs(60)));
        let shown = format!("{order:?}");
        assert!(
            shown.starts_with("Idempotent { machine: Dynamic { state: Paid, sequence: 2, .. }, ")
                && shown.contains(
                    "window: Window { max_ids: 3, max_age: Some(60s), ids: [\"m-1\", \"m-2\"] }"
                ),
            "{shown}"
        );
        match order.apply("m-2", order::Event::Pay) {
            Delivery::Duplicate { first, .. } => {
                assert_eq!(first.to_string(), "#2 Paid --pay--x rejected")
            }
            other => panic!("{other:?}"),
        }
        assert!(order.apply("m-1", order::Event::Pay).is_duplicate());
        assert!(order.machine().recorder().is_empty());
        // Ages continue from the times in the snapshot.
        clock.advance(Duration::from_secs(60));
        assert!(!order.apply("m-1", order::Event::Pay).is_duplicate());
        // m-2 expired with m-1 and is gone from the next snapshot; m-1 is there again, with
        // the record of its second application (a rejection: the order is paid).
        let again = serde_json::to_string(&order.snapshot("o-1")).unwrap();
        assert!(!again.contains("\"id\":\"m-2\""), "{again}");
        assert!(
            again.contains(r#""id":"m-1","record":{"machine":"Order","sequence":3,"from":"Paid","event":"pay","to":"Paid","outcome":"rejected""#),
            "{again}"
        );
    }

    #[test]
    fn a_tampered_window_is_an_error_not_a_panic() {
        let (json, clock) = json();
        let restore = |text: &str| {
            let snapshot: IdempotentSnapshot<Order> = serde_json::from_str(text)?;
            snapshot
                .restore(Memory::new(), clock.clone())
                .map(|_| ())
                .map_err(|e| -> Box<dyn std::error::Error> { Box::new(e) })
        };
        restore(&json).unwrap();
        // A full window (as many ids as it may hold) is a valid one.
        restore(&json.replace("\"max_ids\":3", "\"max_ids\":2")).unwrap();
        let window = |e: Box<dyn std::error::Error>| {
            matches!(
                e.downcast_ref::<SnapshotError>(),
                Some(SnapshotError::Window(_))
            )
        };
        let cases = [
            json.replace(
                "\"to\":\"Paid\",\"outcome\":\"applied\"",
                "\"to\":\"Payed\",\"outcome\":\"applied\"",
            ),
            json.replace("\"max_ids\":3", "\"max_ids\":1"),
            json.replace("\"sequence\":2,\"from\"", "\"sequence\":9,\"from\""),
            json.replace("\"id\":\"m-2\"", "\"id\":\"m-1\""),
            json.replace(
                "\"machine\":\"Order\",\"sequence\":1",
                "\"machine\":\"Door\",\"sequence\":1",
            ),
        ];
        for case in cases {
            assert_ne!(case, json, "the replacement did not apply");
            let error = restore(&case).unwrap_err();
            assert!(window(error), "{case}");
        }
        // Malformed shapes are serde errors.
        assert!(restore(&json.replace("\"max_ids\":3", "\"max_ids\":-3")).is_err());
        assert!(restore(&json.replace("\"ids\":[", "\"ids\":[1,")).is_err());
    }
}

#[cfg(feature = "journal")]
mod journal {
    use super::*;
    use statewright::StateMachine;
    use statewright::journal::{Durability, Journal, JournalError, JournalRecorder, MemoryStorage};

    fn open(storage: &MemoryStorage) -> Journal {
        Journal::with_storage(storage.clone(), Order::DEFINITION, Durability::Sync).unwrap()
    }

    fn resume(
        journal: &Journal,
        window: Window,
        clock: &ManualClock,
    ) -> Idempotent<Order, JournalRecorder, ManualClock> {
        let state = match journal.state("o-1").map(|s| s.name()) {
            None | Some("Pending") => Order::Pending,
            Some("Paid") => Order::Paid,
            Some("Shipped") => Order::Shipped,
            Some("Delivered") => Order::Delivered,
            Some(_) => Order::Cancelled,
        };
        let machine = Dynamic::resume(
            state,
            journal.history("o-1").unwrap(),
            journal.recorder("o-1"),
        )
        .unwrap();
        Idempotent::new(machine, window, clock.clone())
    }

    #[test]
    fn the_window_survives_journal_recovery() {
        let storage = MemoryStorage::new();
        let clock = clock();
        let journal = open(&storage);
        let mut order = resume(&journal, Window::new(10), &clock);
        order.apply("m-1", order::Event::Pay);
        order.apply("m-\"2\"\n", order::Event::Deliver); // rejected; an id that needs escaping
        order.machine_mut().apply(order::Event::Ship).unwrap(); // without an id
        order.apply("m-3", order::Event::Deliver);
        drop(order);
        let text = String::from_utf8(storage.bytes()).unwrap();
        assert_eq!(text.matches("\"event_id\":").count(), 3);
        assert!(text.contains(r#""event_id":"m-\"2\"\n","crc""#));

        // A restart.
        let journal = open(&storage);
        let window = journal.window("o-1", 10, None).unwrap();
        let ids: Vec<(&str, String)> = window
            .iter()
            .map(|(id, r)| (id, r.record().to_string()))
            .collect();
        assert_eq!(
            ids,
            [
                ("m-1", "#1 Pending --pay--> Paid".to_string()),
                ("m-\"2\"\n", "#2 Paid --deliver--x rejected".to_string()),
                ("m-3", "#4 Shipped --deliver--> Delivered".to_string()),
            ]
        );
        let mut order = resume(&journal, window, &clock);
        for id in ["m-1", "m-\"2\"\n", "m-3"] {
            assert!(order.apply(id, order::Event::Pay).is_duplicate(), "{id}");
        }
        assert_eq!(journal.sequence("o-1"), 4);

        // A smaller window keeps the newest ids.
        let window = journal.window("o-1", 2, None).unwrap();
        let ids: Vec<&str> = window.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["m-\"2\"\n", "m-3"]);
        assert!(journal.window("o-2", 2, None).unwrap().is_empty());
    }

    #[test]
    fn ages_after_recovery_come_from_the_journal_clock_time() {
        let storage = MemoryStorage::new();
        let clock = clock();
        let journal = Journal::with_clock(
            storage.clone(),
            Order::DEFINITION,
            Durability::Sync,
            clock.clone(),
        )
        .unwrap();
        let mut order = resume(&journal, Window::new(10), &clock);
        order.apply("m-1", order::Event::Pay);
        drop((order, journal));

        let journal = open(&storage);
        let window = journal
            .window("o-1", 10, Some(Duration::from_secs(60)))
            .unwrap();
        let mut order = resume(&journal, window, &clock);
        clock.advance(Duration::from_secs(59));
        assert!(order.apply("m-1", order::Event::Pay).is_duplicate());
        clock.advance(Duration::from_secs(1));
        assert!(!order.apply("m-1", order::Event::Pay).is_duplicate());
    }

    #[test]
    fn a_tampered_event_id_is_corruption_and_a_torn_one_is_cut_off() {
        let storage = MemoryStorage::new();
        let journal = open(&storage);
        let clock = clock();
        let mut order = resume(&journal, Window::new(10), &clock);
        order.apply("m-1", order::Event::Pay);
        order.apply("m-2", order::Event::Ship);
        drop((order, journal));
        let bytes = storage.bytes();

        // Changed in the middle: an error naming the line.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let tampered = MemoryStorage::from_bytes(text.replacen("m-1", "m-9", 1).into_bytes());
        let error =
            Journal::with_storage(tampered, Order::DEFINITION, Durability::Sync).unwrap_err();
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error}"
        );

        // Cut inside the last line's id: a torn append, truncated; the id is not remembered.
        let cut = text.rfind("m-2").unwrap() + 2;
        let torn = MemoryStorage::from_bytes(bytes[..cut].to_vec());
        let journal = Journal::with_storage(torn, Order::DEFINITION, Durability::Sync).unwrap();
        assert!(journal.recovery().torn.is_some());
        let window = journal.window("o-1", 10, None).unwrap();
        let ids: Vec<&str> = window.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["m-1"]);
    }
}

/// The reference: a table of transitions and a FIFO of remembered ids, nothing of the runtime.
const TABLE: &[(&str, &str, &str)] = &[
    ("Pending", "pay", "Paid"),
    ("Pending", "cancel", "Cancelled"),
    ("Paid", "ship", "Shipped"),
    ("Paid", "cancel", "Cancelled"),
    ("Shipped", "deliver", "Delivered"),
];

const EVENTS: &[&str] = &["pay", "ship", "deliver", "cancel"];

fn event(index: usize) -> order::Event {
    match index {
        0 => order::Event::Pay,
        1 => order::Event::Ship,
        2 => order::Event::Deliver,
        _ => order::Event::Cancel,
    }
}

/// What the reference says of each delivery: `"applied #n"`, `"rejected #n"` or
/// `"duplicate of #n"`; and the records, as printed.
fn reference(deliveries: &[(u8, usize)], max_ids: usize) -> (Vec<String>, Vec<String>, String) {
    let mut state = "Pending";
    let mut records: Vec<String> = Vec::new();
    let mut window: VecDeque<(u8, String)> = VecDeque::new();
    let mut outcomes = Vec::new();
    for &(id, e) in deliveries {
        if let Some((_, first)) = window.iter().find(|(held, _)| *held == id) {
            outcomes.push(format!("duplicate of {first}"));
            continue;
        }
        let sequence = records.len() + 1;
        let name = EVENTS[e];
        let (outcome, line) = match TABLE.iter().find(|(f, ev, _)| *f == state && *ev == name) {
            Some(&(from, _, to)) => {
                state = to;
                ("applied", format!("#{sequence} {from} --{name}--> {to}"))
            }
            None => (
                "rejected",
                format!("#{sequence} {state} --{name}--x rejected"),
            ),
        };
        records.push(line.clone());
        outcomes.push(format!("{outcome} {line}"));
        if max_ids > 0 {
            window.push_back((id, line));
            if window.len() > max_ids {
                window.pop_front();
            }
        }
    }
    (outcomes, records, state.to_string())
}

proptest! {
    #[test]
    fn deliveries_with_duplicates_match_a_reference_that_dedupes_by_id(
        deliveries in vec((0u8..6, 0usize..4), 0..40),
        max_ids in prop_oneof![Just(0usize), Just(1), Just(3), Just(1000)],
    ) {
        let clock = clock();
        let mut order = start(Window::new(max_ids), &clock);
        let mut outcomes = Vec::new();
        for &(id, e) in &deliveries {
            clock.advance(Duration::from_millis(10));
            let outcome = match order.apply(&format!("m-{id}"), event(e)) {
                Delivery::Applied(record) => format!("applied {record}"),
                Delivery::Rejected(rejection) => {
                    prop_assert!(rejection.is_illegal());
                    format!("rejected {}", rejection.record().unwrap())
                }
                Delivery::Duplicate { first, event: back } => {
                    prop_assert_eq!(back, event(e));
                    format!("duplicate of {first}")
                }
            };
            outcomes.push(outcome);
        }
        let (expected, records, state) = reference(&deliveries, max_ids);
        prop_assert_eq!(outcomes, expected);
        let written: Vec<String> = order.machine().recorder().iter().map(|r| r.to_string()).collect();
        prop_assert_eq!(written, records);
        prop_assert_eq!(order.machine().state_info().name(), state.as_str());
        prop_assert!(order.window().len() <= max_ids);
    }
}
