//! Unit tests of the runtime on a hand-built definition (see `fixture`).

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::convert::Infallible;

use crate::fixture::{LIGHT, ORDER, applied, rejected};
use crate::{
    Fallibility, InvalidRecord, Memory, Outcome, Record, RecordError, Recorder, Refused,
    ReplayError, Ring, StateId, Timestamp,
};

fn id(name: &str) -> StateId {
    ORDER.state(name).unwrap().id()
}

#[test]
fn definition_lookups() {
    assert_eq!(ORDER.initial().name(), "Pending");
    assert_eq!(ORDER.get_state(id("Paid")).unwrap().name(), "Paid");
    assert_eq!(ORDER.states().count(), 5);
    assert_eq!(ORDER.states().next_back().unwrap().name(), "Cancelled");
    let transitions: Vec<String> = ORDER.transitions().map(|t| t.to_string()).collect();
    assert_eq!(
        transitions,
        [
            "Pending --pay--> Paid",
            "Pending --cancel--> Cancelled",
            "Paid --ship--> Shipped",
            "Paid --cancel--> Cancelled",
            "Shipped --deliver--> Delivered"
        ]
    );
    let paid = ORDER.state("Paid").unwrap();
    assert_eq!(
        paid.transitions()
            .map(|t| t.to().name())
            .collect::<Vec<_>>(),
        ["Shipped", "Cancelled"]
    );
    assert_eq!(
        alloc::format!("{paid:?} {paid}"),
        "StateInfo(\"Paid\") Paid"
    );
    assert_eq!(ORDER.state("Pending").unwrap().doc(), "Created.");
    assert!(ORDER.state("Cancelled").unwrap().is_terminal());
    let names: Vec<&str> = ORDER.allowed_events(id("Paid")).map(|e| e.name()).collect();
    assert_eq!(names, ["ship", "cancel"]);
    assert_eq!(
        ORDER.allowed_events(id("Paid")).to_string(),
        "`ship`, `cancel`"
    );
    assert_eq!(ORDER.allowed_events(id("Delivered")).to_string(), "none");
    assert!(ORDER.allowed_events(id("Pending")).contains("pay"));
    let cancel = ORDER.event("cancel").unwrap().id();
    let sources: Vec<&str> = ORDER.sources(cancel).map(|s| s.name()).collect();
    assert_eq!(sources, ["Pending", "Paid"]);
    assert_eq!(ORDER.target(id("Paid"), cancel), Some(id("Cancelled")));
    assert_eq!(ORDER.target(id("Shipped"), cancel), None);
    assert_eq!(
        ORDER.to_string(),
        "Order (initial: Pending)\n  Pending --pay--> Paid\n  Pending --cancel--> Cancelled\n  \
         Paid --ship--> Shipped\n  Paid --cancel--> Cancelled\n  Shipped --deliver--> Delivered\n  \
         terminal: Delivered, Cancelled\n"
    );
}

#[test]
fn foreign_ids_are_refused_not_panicked_on() {
    let foreign = StateId(99);
    assert!(ORDER.get_state(foreign).is_none());
    assert_eq!(ORDER.transitions_from(foreign).count(), 0);
    assert_eq!(ORDER.allowed_events(foreign).count(), 0);
    assert_eq!(ORDER.target(foreign, crate::EventId(0)), None);
    assert!(ORDER.get_event(crate::EventId(7)).is_none());
    // The same id in another definition is another state.
    let (off, pending) = (LIGHT.state("Off").unwrap(), ORDER.state("Pending").unwrap());
    assert_eq!(off.id(), pending.id());
    assert_ne!(off, pending);
    assert!(ORDER.state("Nope").is_none() && ORDER.event("nope").is_none());
}

#[test]
fn records_print_with_names() {
    assert_eq!(
        applied(3, "Paid", "ship", "Shipped").to_string(),
        "#3 Paid --ship--> Shipped"
    );
    assert_eq!(
        rejected(4, "Shipped", "pay").to_string(),
        "#4 Shipped --pay--x rejected"
    );
    let at = Timestamp::from_unix_nanos(1_000_000_000);
    let timed = Record::from_names(
        &ORDER,
        1,
        "Pending",
        "pay",
        "Paid",
        Outcome::Applied,
        Some(at),
    );
    let timed = timed.unwrap();
    assert_eq!(timed.to_string(), "#1 Pending --pay--> Paid");
    assert_eq!(
        alloc::format!("{timed:#}"),
        "#1 Pending --pay--> Paid at 1970-01-01T00:00:01.000000000Z"
    );
    assert_eq!(
        alloc::format!("{timed:?}"),
        "Record { machine: \"Order\", sequence: 1, from: \"Pending\", event: \"pay\", to: \"Paid\", \
         outcome: Applied, at: Some(Timestamp(1970-01-01T00:00:01.000000000Z)) }"
    );
}

#[test]
fn records_are_checked_when_built() {
    let build = |seq, from, event, to, outcome| {
        Record::from_names(&ORDER, seq, from, event, to, outcome, None)
    };
    assert_eq!(
        build(1, "Pendng", "pay", "Paid", Outcome::Applied),
        Err(InvalidRecord::UnknownState("Pendng".into()))
    );
    assert_eq!(
        build(1, "Pending", "pya", "Paid", Outcome::Applied),
        Err(InvalidRecord::UnknownEvent("pya".into()))
    );
    assert_eq!(
        build(0, "Pending", "pay", "Paid", Outcome::Applied),
        Err(InvalidRecord::ZeroSequence)
    );
    assert_eq!(
        build(1, "Pending", "pay", "Paid", Outcome::Rejected),
        Err(InvalidRecord::RejectionMovedState)
    );
    let by_id = Record::new(
        &ORDER,
        1,
        StateId(0),
        crate::EventId(9),
        StateId(1),
        Outcome::Applied,
        None,
    );
    assert_eq!(by_id, Err(InvalidRecord::UnknownEvent("9".into())));
    let by_id = Record::new(
        &ORDER,
        1,
        StateId(0),
        crate::EventId(0),
        StateId(5),
        Outcome::Applied,
        None,
    );
    assert_eq!(by_id, Err(InvalidRecord::UnknownState("5".into())));
    // Ids from a record, not a definition lookup, are rechecked too.
    assert!(
        Record::new(
            &ORDER,
            1,
            StateId(0),
            crate::EventId(0),
            StateId(1),
            Outcome::Applied,
            None
        )
        .is_ok()
    );
}

#[test]
fn memory_keeps_everything_in_order() {
    let mut memory = Memory::new();
    for r in [
        applied(1, "Pending", "pay", "Paid"),
        rejected(2, "Paid", "pay"),
    ] {
        memory.record(&r).unwrap();
    }
    assert_eq!(memory.len(), 2);
    assert_eq!(memory.last().map(Record::sequence), Some(2));
    assert_eq!(
        memory.to_string(),
        "#1 Pending --pay--> Paid\n#2 Paid --pay--x rejected\n"
    );
    let copy = Memory::from(memory.clone().into_vec());
    assert_eq!(copy, memory);
    assert_eq!((&copy).into_iter().count(), 2);
}

#[test]
fn ring_keeps_the_newest_and_counts_the_rest() {
    let mut ring = Ring::new(2);
    let records = [
        applied(1, "Pending", "pay", "Paid"),
        applied(2, "Paid", "ship", "Shipped"),
        applied(3, "Shipped", "deliver", "Delivered"),
    ];
    for r in &records {
        ring.record(r).unwrap();
    }
    assert_eq!(ring.dropped(), 1);
    assert_eq!(ring.len(), 2);
    let kept: Vec<u64> = ring.iter().map(Record::sequence).collect();
    assert_eq!(kept, [2, 3]);
    assert_eq!(
        ring.to_string(),
        "... 1 earlier records dropped\n#2 Paid --ship--> Shipped\n#3 Shipped --deliver--> Delivered\n"
    );

    let mut counter = Ring::new(0);
    for r in &records {
        counter.record(r).unwrap();
    }
    assert_eq!((counter.len(), counter.dropped()), (0, 3));
}

#[test]
fn borrowed_and_boxed_recorders_record_into_the_original() {
    let mut memory = Memory::new();
    {
        let mut borrowed: &mut Memory = &mut memory;
        borrowed
            .record(&applied(1, "Pending", "pay", "Paid"))
            .unwrap();
        let mut boxed: alloc::boxed::Box<dyn Recorder<Error = Infallible>> =
            alloc::boxed::Box::new(&mut borrowed);
        boxed
            .record(&applied(2, "Paid", "ship", "Shipped"))
            .unwrap();
    }
    assert_eq!(memory.len(), 2);
}

#[derive(Debug, PartialEq)]
struct Full;
impl RecordError for Full {}

#[test]
fn the_recorder_error_decides_what_a_step_returns() {
    let next: u8 = <Infallible as Fallibility>::step::<u8, &str>(Ok(1));
    assert_eq!(next, 1);
    let refused: Result<u8, Refused<&str, Full>> = Full::step(Err(("previous", Full)));
    let refused = refused.unwrap_err();
    assert_eq!(refused.error(), &Full);
    assert_eq!(refused.into_parts(), ("previous", Full));
}

#[test]
fn replay_follows_a_legal_path() {
    let history = vec![
        applied(1, "Pending", "pay", "Paid"),
        rejected(2, "Paid", "pay"),
        applied(3, "Paid", "ship", "Shipped"),
    ];
    let end = ORDER.replay(&history).unwrap();
    assert_eq!((end.state().name(), end.sequence()), ("Shipped", 3));
    assert_eq!((end.applied(), end.rejected()), (2, 1));
    let empty = ORDER.replay(core::iter::empty::<Record>()).unwrap();
    assert_eq!((empty.state().name(), empty.sequence()), ("Pending", 0));
    // From a checkpoint: records 2.. from `Paid`.
    let rest = ORDER.replay_from(id("Paid"), 1, &history[1..]).unwrap();
    assert_eq!(rest.state().name(), "Shipped");
    assert_eq!(
        ORDER.replay_from(StateId(42), 0, &history),
        Err(ReplayError::UnknownStart)
    );
}

#[test]
fn replay_reports_the_offending_record() {
    let cases: Vec<(Vec<Record>, ReplayError, &str)> = vec![
        (
            vec![
                applied(1, "Pending", "pay", "Paid"),
                applied(3, "Paid", "ship", "Shipped"),
            ],
            ReplayError::Gap {
                expected: 2,
                found: 3,
            },
            "expected record #2, found #3",
        ),
        (
            vec![applied(2, "Pending", "pay", "Paid")],
            ReplayError::Gap {
                expected: 1,
                found: 2,
            },
            "expected record #1, found #2",
        ),
        (
            vec![applied(1, "Paid", "ship", "Shipped")],
            ReplayError::WrongStart {
                sequence: 1,
                expected: "Pending",
                found: "Paid",
            },
            "record #1 starts in `Paid`, but the machine starts in `Pending`",
        ),
        (
            vec![
                applied(1, "Pending", "pay", "Paid"),
                applied(2, "Shipped", "deliver", "Delivered"),
            ],
            ReplayError::Discontinuity {
                sequence: 2,
                expected: "Paid",
                found: "Shipped",
            },
            "record #2 starts in `Shipped`, but the previous record left the machine in `Paid`",
        ),
        (
            vec![applied(1, "Pending", "ship", "Shipped")],
            ReplayError::Illegal {
                sequence: 1,
                from: "Pending",
                event: "ship",
            },
            "record #1: `ship` is not allowed in `Pending`",
        ),
        (
            vec![applied(1, "Pending", "pay", "Shipped")],
            ReplayError::WrongTarget {
                sequence: 1,
                from: "Pending",
                event: "pay",
                expected: "Paid",
                found: "Shipped",
            },
            "record #1: `pay` leads from `Pending` to `Paid`, not to `Shipped`",
        ),
        (
            vec![
                Record::from_names(&LIGHT, 1, "Off", "toggle", "On", Outcome::Applied, None)
                    .unwrap(),
            ],
            ReplayError::OtherMachine {
                sequence: 1,
                machine: "Light",
                expected: "Order",
            },
            "record #1 belongs to machine `Light`, not `Order`",
        ),
    ];
    for (records, error, message) in cases {
        let got = ORDER.replay(&records).unwrap_err();
        assert_eq!(got, error);
        assert_eq!(got.to_string(), message);
        assert!(got.sequence().is_some());
    }
}

#[test]
fn timestamps_order_and_print() {
    let a = Timestamp::from_unix_nanos(5);
    let b = Timestamp::from_unix_nanos(6);
    assert!(a < b);
    assert_eq!(
        String::from("1970-01-01T00:00:00.000000005Z"),
        a.to_string()
    );
}

#[test]
fn records_carry_a_time_only_with_std() {
    #[cfg(feature = "std")]
    let before = Timestamp::now().unwrap();
    let mut core = crate::__private::Core::new(Memory::new());
    let record = core
        .record(&ORDER, id("Pending"), crate::EventId(0), id("Paid"))
        .unwrap();
    assert_eq!(core.sequence(), 1);
    #[cfg(feature = "std")]
    assert!(record.at().expect("std records carry a time") >= before);
    #[cfg(not(feature = "std"))]
    assert_eq!(record.at(), None);
}

#[test]
fn a_refusing_recorder_changes_nothing() {
    struct Refuse;
    impl Recorder for Refuse {
        type Error = Full;
        fn record(&mut self, _: &Record) -> Result<(), Full> {
            Err(Full)
        }
    }
    let mut core = crate::__private::Core::new(Refuse);
    let error = core.record(&ORDER, id("Pending"), crate::EventId(0), id("Paid"));
    assert_eq!(error.unwrap_err(), Full);
    assert_eq!(core.sequence(), 0);
    let error = core.reject(&ORDER, id("Pending"), crate::EventId(2));
    assert_eq!(error.unwrap_err(), Full);
    assert_eq!(core.sequence(), 0);
}

#[cfg(feature = "serde")]
mod serde {
    use super::*;
    use ::serde::de::DeserializeSeed;

    fn read(json: &str) -> Result<Record, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        ORDER
            .record_seed()
            .deserialize(&mut de)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn records_round_trip() {
        let at = Timestamp::from_unix_nanos(42);
        let record = Record::from_names(
            &ORDER,
            7,
            "Paid",
            "ship",
            "Shipped",
            Outcome::Applied,
            Some(at),
        )
        .unwrap();
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            json,
            r#"{"machine":"Order","sequence":7,"from":"Paid","event":"ship","to":"Shipped","outcome":"applied","at":42}"#
        );
        assert_eq!(read(&json).unwrap(), record);

        let mut memory = Memory::new();
        memory
            .record(&applied(1, "Pending", "pay", "Paid"))
            .unwrap();
        memory.record(&rejected(2, "Paid", "pay")).unwrap();
        let json = serde_json::to_string(&memory).unwrap();
        let mut de = serde_json::Deserializer::from_str(&json);
        let back = ORDER.records_seed().deserialize(&mut de).unwrap();
        assert_eq!(back, memory.records());
        assert!(ORDER.replay(&back).is_ok());
    }

    #[test]
    fn tampered_records_are_errors_not_panics() {
        let cases = [
            (
                r#"{"machine":"Light","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"applied"}"#,
                "record #1 belongs to machine `Light`, not `Order`",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Nowhere","event":"pay","to":"Paid","outcome":"applied"}"#,
                "record #1 of `Order`: unknown state `Nowhere`",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Pending","event":"fly","to":"Paid","outcome":"applied"}"#,
                "record #1 of `Order`: unknown event `fly`",
            ),
            (
                r#"{"machine":"Order","sequence":0,"from":"Pending","event":"pay","to":"Paid","outcome":"applied"}"#,
                "record #0 of `Order`: sequence numbers start at 1",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"rejected"}"#,
                "record #1 of `Order`: a rejected record must stay in its state (`to` equal to `from`)",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"maybe"}"#,
                "unknown variant `maybe`, expected `applied` or `rejected`",
            ),
            (
                r#"{"machine":"Order","sequence":-1,"from":"Pending","event":"pay","to":"Paid","outcome":"applied"}"#,
                "invalid value: integer `-1`, expected u64",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Pending","event":"pay"}"#,
                "missing field `to`",
            ),
            (
                r#"{"machine":"Order","sequence":1,"from":"Pend"#,
                "EOF while parsing a string",
            ),
            (
                r#"[1, 2, 3]"#,
                "invalid type: integer `1`, expected a string",
            ),
        ];
        for (json, expected) in cases {
            let error = read(json).unwrap_err();
            assert!(
                error.starts_with(expected),
                "{json}\n  got: {error}\n  want: {expected}"
            );
        }
        // A sequence that claims to be huge does not allocate up front.
        let mut de = serde_json::Deserializer::from_str("[]");
        assert!(
            ORDER
                .records_seed()
                .deserialize(&mut de)
                .unwrap()
                .is_empty()
        );
    }
}

#[test]
fn fingerprints_of_machines_without_guards_or_hooks_did_not_change() {
    // The fixture's fingerprint before guards and hooks existed (computed at 349e077).
    assert_eq!(ORDER.fingerprint().to_string(), "7b2afeb3988d0811");
}

#[test]
fn a_guard_or_a_hook_changes_the_fingerprint() {
    use crate::diagram::Chart;

    let plain = |guarded: bool, entry: bool| {
        let mut chart = Chart::builder("Door");
        let closed = chart.state("Closed").initial().id();
        let mut open = chart.state("Open");
        if entry {
            open.entry_hook();
        }
        let open = open.id();
        if guarded {
            chart.transition_guarded(closed, "open", open);
        } else {
            chart.transition(closed, "open", open);
        }
        chart.transition(open, "close", closed);
        chart.build().unwrap().fingerprint()
    };
    let base = plain(false, false);
    assert_ne!(plain(true, false), base);
    assert_ne!(plain(false, true), base);
    assert_ne!(plain(true, true), plain(true, false));
}
