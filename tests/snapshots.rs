//! Tampered and impossible snapshots: everything a snapshot carries is checked against the
//! definition (remembered records are legal steps, sequence 0 is the initial state, an armed
//! timeout is bounded by the declared one), and sequence numbers never repeat.

#![cfg(feature = "serde")]

use std::time::Duration;

use statewright::{
    Cause, Dynamic, Idempotent, IdempotentSnapshot, ManualClock, Memory, Snapshot, SnapshotError,
    Timed, TimedSnapshot, Timestamp, Window, state_machine,
};

#[state_machine(timeouts = required)]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Order {
    #[initial]
    #[timeout(15min -> Cancelled)]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[timeout(1h -> Cancelled)]
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid,
    #[timeout(30d -> Delivered)]
    #[on(deliver -> Delivered)]
    Shipped,
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

const T0: u64 = 1_700_000_000_000_000_000;
const YEAR: u64 = 365 * 24 * 3600 * 1_000_000_000;

fn clock(at: u64) -> ManualClock {
    ManualClock::new(Timestamp::from_unix_nanos(at))
}

/// A snapshot of a fresh order (sequence 0, `Pending`) as JSON.
fn pending_json() -> String {
    serde_json::to_string(&Snapshot::of(
        &Dynamic::start(Order::Pending).unwrap(),
        "o-1",
    ))
    .unwrap()
}

#[test]
fn a_snapshot_at_sequence_zero_must_be_in_the_initial_state() {
    let json = pending_json().replace("\"state\":\"Pending\"", "\"state\":\"Shipped\"");
    let snapshot: Snapshot<Order> = serde_json::from_str(&json).unwrap();
    let error = snapshot.restore(Memory::new()).unwrap_err();
    assert_eq!(
        error,
        SnapshotError::NotInitial {
            machine: "Order",
            state: "Shipped",
            initial: "Pending"
        }
    );
    assert_eq!(
        error.to_string(),
        "the snapshot is in `Shipped` at sequence 0, but `Order` starts in `Pending`: a machine \
         without records is in its initial state; the snapshot was altered"
    );
    // In the initial state it restores.
    let snapshot: Snapshot<Order> = serde_json::from_str(&pending_json()).unwrap();
    assert_eq!(snapshot.restore(Memory::new()).unwrap().sequence(), 0);
}

fn idempotent_json() -> String {
    let mut order = Idempotent::new(
        Dynamic::start(Order::Pending).unwrap(),
        Window::new(10),
        clock(T0),
    );
    order.apply("m-1", order::Event::Pay);
    order.apply("m-2", order::Event::Deliver); // rejected
    serde_json::to_string(&order.snapshot("o-1")).unwrap()
}

fn restore_idempotent(json: &str) -> Result<(), SnapshotError> {
    let snapshot: IdempotentSnapshot<Order> = serde_json::from_str(json).unwrap();
    snapshot.restore(Memory::new(), clock(T0)).map(|_| ())
}

#[test]
fn a_remembered_record_that_is_not_a_legal_step_is_refused() {
    let json = idempotent_json();
    restore_idempotent(&json).unwrap();
    // The forgery: `#1 Pending --deliver--> Paid`.
    let forged = json.replace("\"event\":\"pay\"", "\"event\":\"deliver\"");
    assert_ne!(forged, json);
    let error = restore_idempotent(&forged).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the snapshot's window of event ids is not valid: id `m-1`: record #1 \
         `Pending --deliver--> Paid` is not a transition of `Order`"
    );
    // An applied record to another target than the definition's.
    let forged = json.replace("\"to\":\"Paid\"", "\"to\":\"Shipped\"");
    assert!(matches!(
        restore_idempotent(&forged),
        Err(SnapshotError::Window(_))
    ));
    // A remembered record numbered 0: records start at 1.
    let forged = json.replace("\"sequence\":1,", "\"sequence\":0,");
    assert_ne!(forged, json);
    let error = restore_idempotent(&forged).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the snapshot's window of event ids is not valid: id `m-1`: sequence numbers start at 1"
    );
    // Two remembered records with the same number.
    let forged = json.replace("\"sequence\":2,", "\"sequence\":1,");
    let error = restore_idempotent(&forged).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the snapshot's window of event ids is not valid: id `m-2`: record #1 is not after the \
         record of the id before it (#1)"
    );
}

/// The case: a snapshot at `u64::MAX - 1`, then three applies.
#[test]
fn sequence_numbers_never_repeat_and_an_exhausted_machine_refuses() {
    let json = pending_json().replace("\"sequence\":0", &format!("\"sequence\":{}", u64::MAX - 1));
    let json = json.replace("\"state\":\"Pending\"", "\"state\":\"Paid\"");
    let snapshot: Snapshot<Order> = serde_json::from_str(&json).unwrap();
    let mut order = snapshot.restore(Memory::new()).unwrap();
    assert_eq!(
        order.apply(order::Event::Ship).unwrap().sequence(),
        u64::MAX
    );
    for event in [order::Event::Deliver, order::Event::Pay] {
        let rejection = order.apply(event.clone()).unwrap_err();
        assert_eq!(rejection.cause(), &Cause::Exhausted);
        assert_eq!(rejection.record(), None);
        assert_eq!(
            rejection.to_string(),
            format!(
                "`Order` did not apply `{}` in state `Shipped`: its sequence number is exhausted \
                 (#18446744073709551615); no further record can be numbered, start a new instance",
                rejection.event_name()
            )
        );
        assert_eq!(rejection.into_event(), event);
    }
    assert_eq!(order.state(), &Order::Shipped);
    assert_eq!(order.sequence(), u64::MAX);
    let sequences: Vec<u64> = order.recorder().iter().map(|r| r.sequence()).collect();
    assert_eq!(sequences, [u64::MAX]);
}

fn timed_json(wall: u64) -> String {
    let timed = Timed::new(Dynamic::start(Order::Pending).unwrap(), clock(wall));
    serde_json::to_string(&timed.snapshot("o-1")).unwrap()
}

#[test]
fn a_restored_deadline_is_never_later_than_now_plus_the_declared_timeout() {
    // Restored with the wall clock a year behind.
    let stored: TimedSnapshot<Order> = serde_json::from_str(&timed_json(T0)).unwrap();
    let timed = stored.restore(Memory::new(), clock(T0 - YEAR)).unwrap();
    assert_eq!(timed.due_in(), Some(Duration::from_secs(15 * 60)));
}

#[test]
fn impossible_armed_timeouts_are_refused() {
    let json = timed_json(T0);
    let deadline = format!("\"deadline_unix_ns\":{}", T0 + 15 * 60 * 1_000_000_000);
    assert!(json.contains(&deadline), "{json}");
    let restore = |json: &str| {
        let stored: TimedSnapshot<Order> = serde_json::from_str(json).unwrap();
        stored.restore(Memory::new(), clock(T0)).map(|_| ())
    };
    restore(&json).unwrap();

    let tampered = json.replace(&deadline, &format!("\"deadline_unix_ns\":{}", u64::MAX));
    let error = restore(&tampered).unwrap_err();
    assert!(matches!(error, SnapshotError::Timeout(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the snapshot's armed timeout is not valid: its deadline, 18446744073709551615 ns after \
         the Unix epoch, is out of range"
    );

    // The deadline cannot be earlier than the time that was left: the timeout would have
    // started before the Unix epoch. Exactly at the epoch is possible.
    let at_epoch = json.replace(&deadline, "\"deadline_unix_ns\":900000000000");
    restore(&at_epoch).unwrap();
    let before_epoch = json.replace(&deadline, "\"deadline_unix_ns\":899999999999");
    assert_eq!(
        restore(&before_epoch).unwrap_err().to_string(),
        "the snapshot's armed timeout is not valid: its deadline, 899999999999 ns after the \
         Unix epoch, is out of range"
    );

    let remaining = "\"remaining_ns\":900000000000";
    assert!(json.contains(remaining), "{json}");
    let tampered = json.replace(remaining, &format!("\"remaining_ns\":{}", u64::MAX));
    let error = restore(&tampered).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the snapshot's armed timeout is not valid: 18446744073709551615 ns remaining is more \
         than the declared timeout of `Pending` (900 s)"
    );
}
