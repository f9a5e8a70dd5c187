//! The wire form of events, records and snapshots (README, "The wire"): golden JSON for every
//! kind of event, the README's table checked against the code, every event of every example
//! machine serialized, read back and applied, internal events refused from outside, and bad
//! input refused with errors (never a panic).
#![cfg(feature = "serde")]

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration;

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use statewright::{
    Cause, Delivery, Dynamic, EventNameReason, Idempotent, ManualClock, Snapshot, StateMachine,
    Timed, Timestamp, Window, state_machine,
};

include!("support/wire_order.rs");

/// Every kind of event of the wire order, with the README table's name for its kind.
fn kinds() -> Vec<(&'static str, order::Event)> {
    use order::Event;
    vec![
        ("unit event", Event::Cancel),
        (
            "target with named fields",
            Event::Ship {
                tracking: "1Z".into(),
            },
        ),
        (
            "target with one positional field",
            Event::Hold("stock".into()),
        ),
        (
            "target with positional fields",
            Event::Quote(100, "EUR".into()),
        ),
        (
            "choice, target with data",
            Event::Pay(order::Paid { amount_cents: 100 }.into()),
        ),
        (
            "choice, target without data",
            Event::Pay(order::Declined.into()),
        ),
        (
            "guard, accepted",
            Event::Refund(Some(order::Refunded {
                reason: "late".into(),
                partial: None,
            })),
        ),
        (
            "guard, accepted, target without data",
            Event::Retry(Some(order::Pending)),
        ),
        ("guard, declined", Event::Retry(None)),
        ("internal: a timeout", Event::Timeout),
        (
            "internal: `internal(...)`",
            Event::Reconcile { amount_cents: 5 },
        ),
    ]
}

/// The pinned JSON of each kind: changing one is a breaking change of the wire.
const GOLDEN: &[&str] = &[
    r#"{"type":"cancel"}"#,
    r#"{"type":"ship","tracking":"1Z"}"#,
    r#"{"type":"hold","data":"stock"}"#,
    r#"{"type":"quote","data":[100,"EUR"]}"#,
    r#"{"type":"pay","to":"Paid","amount_cents":100}"#,
    r#"{"type":"pay","to":"Declined"}"#,
    r#"{"type":"refund","to":"Refunded","reason":"late","partial":null}"#,
    r#"{"type":"retry","to":"Pending"}"#,
    r#"{"type":"retry","to":null}"#,
    r#"{"type":"timeout"}"#,
    r#"{"type":"reconcile","amount_cents":5}"#,
];

#[test]
fn every_kind_of_event_has_its_pinned_json() {
    for ((kind, event), golden) in kinds().iter().zip(GOLDEN) {
        assert_eq!(&serde_json::to_string(event).unwrap(), golden, "{kind}");
        if event_is_internal(event) {
            continue;
        }
        let back: order::Event = serde_json::from_str(golden).unwrap();
        assert_eq!(&back, event, "{kind}");
    }
    assert_eq!(kinds().len(), GOLDEN.len());
}

fn event_is_internal(event: &order::Event) -> bool {
    Order::DEFINITION.is_internal(Order::event_id(event))
}

/// The section of the README on the wire.
fn readme_section() -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("## The wire: events, records and snapshots as JSON")
        .expect("the README has a section on the wire");
    let end = start + 1 + readme[start + 1..].find("\n## ").unwrap();
    readme[start..end].to_owned()
}

#[test]
fn the_readme_table_is_what_the_code_writes() {
    let section = readme_section();
    // The machine of the table is this test's machine, verbatim.
    let machine = include_str!("support/wire_order.rs");
    assert!(
        section.contains(machine),
        "the README's wire machine differs from tests/support/wire_order.rs:\n{machine}"
    );
    let kinds = kinds();
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let kind = cells[0].trim_start_matches("| ");
        if kind == "kind" || kind.starts_with("---") {
            continue;
        }
        let json = cells[2]
            .split('`')
            .nth(1)
            .expect("a JSON cell in backticks");
        let Some(i) = kinds.iter().position(|(k, _)| *k == kind) else {
            panic!("the README's table has a kind the test does not know: {kind}");
        };
        assert_eq!(json, GOLDEN[i], "the README's JSON of {kind}");
        assert_eq!(
            serde_json::to_string(&kinds[i].1).unwrap(),
            json,
            "the code's JSON of {kind}"
        );
        rows += 1;
    }
    assert_eq!(
        rows,
        kinds.len(),
        "the README's table lists every kind once"
    );
}

#[test]
fn the_readme_record_and_snapshot_are_what_the_code_writes() {
    let section = readme_section();
    let mut machine = Dynamic::start_with(
        Order::Pending,
        statewright::Untimed(statewright::Memory::new()),
    )
    .unwrap();
    let record = machine
        .apply(order::Event::Pay(order::Paid { amount_cents: 100 }.into()))
        .unwrap();
    let record = serde_json::to_string(&record).unwrap();
    assert_eq!(
        record,
        r#"{"machine":"Order","sequence":1,"from":"Pending","event":"pay","to":"Paid","outcome":"applied","at":null}"#
    );
    assert!(
        section.contains(&format!("```json\n{record}\n```")),
        "{record}"
    );

    let snapshot = serde_json::to_value(Snapshot::of(&machine, "o-17")).unwrap();
    assert_eq!(
        snapshot["fingerprint"],
        Order::DEFINITION.fingerprint().to_string()
    );
    assert_eq!(snapshot["definition"], Order::DEFINITION.to_json());
    let mut shown = snapshot.clone();
    shown["fingerprint"] = "…".into();
    shown["definition"] = "…".into();
    // serde_json's map is ordered by key; the snapshot writes its fields in declaration order.
    let written = serde_json::to_string(&Snapshot::of(&machine, "o-17")).unwrap();
    let cut = written
        .replace(
            &serde_json::to_string(&snapshot["definition"]).unwrap(),
            "\"…\"",
        )
        .replace(
            &serde_json::to_string(&snapshot["fingerprint"]).unwrap(),
            "\"…\"",
        );
    assert_eq!(
        cut,
        r#"{"format":"statewright-snapshot/1","machine":"Order","fingerprint":"…","definition":"…","instance":"o-17","sequence":1,"state":{"Paid":{"amount_cents":100}},"context":null}"#
    );
    assert!(section.contains(&format!("```json\n{cut}\n```")), "{cut}");
}

#[test]
fn keys_may_come_in_any_order() {
    let pay: order::Event =
        serde_json::from_str(r#"{"amount_cents":100,"to":"Paid","type":"pay"}"#).unwrap();
    assert_eq!(
        pay,
        order::Event::Pay(order::Paid { amount_cents: 100 }.into())
    );
    let refund: order::Event =
        serde_json::from_str(r#"{"partial":3,"reason":"late","to":"Refunded","type":"refund"}"#)
            .unwrap();
    assert_eq!(
        refund,
        order::Event::Refund(Some(order::Refunded {
            reason: "late".into(),
            partial: Some(3)
        }))
    );
    // A missing `Option` field is `None`; any other missing field is an error.
    let refund: order::Event =
        serde_json::from_str(r#"{"type":"refund","to":"Refunded","reason":"late"}"#).unwrap();
    assert_eq!(
        refund,
        order::Event::Refund(Some(order::Refunded {
            reason: "late".into(),
            partial: None
        }))
    );
}

/// The message of the error reading `json` as an event.
fn refused(json: &str) -> String {
    match serde_json::from_str::<order::Event>(json) {
        Ok(event) => panic!("{json} was read as {event:?}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn bad_events_are_clear_errors_that_name_the_machine() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"type":"cancle"}"#,
            "`Order` has no event `cancle`; did you mean `cancel`? (the `\"type\"` is one of `pay`, `quote`, `cancel`, `ship`, `refund`, `retry`, `hold` and `release`)",
        ),
        (
            // An event of another machine (`Light`'s).
            r#"{"type":"toggle"}"#,
            "`Order` has no event `toggle` (the `\"type\"` is one of",
        ),
        (
            r#"{"type":"timeout"}"#,
            "`timeout` is an internal event of `Order`: the machine raises it itself, so it is not accepted from outside",
        ),
        (
            r#"{"type":"reconcile","amount_cents":5}"#,
            "`reconcile` is an internal event of `Order`",
        ),
        (
            r#"{"type":"ship","tracking":7}"#,
            "field `tracking` of the event `ship` of `Order`: invalid type: integer `7`, expected a string",
        ),
        (
            r#"{"type":"ship"}"#,
            "the event `ship` of `Order` is missing its field `tracking`",
        ),
        (
            r#"{"type":"ship","tracking":"1Z","trackng":"2Z"}"#,
            "unknown field `trackng` in the event `ship` of `Order`; did you mean `tracking`? (its fields: `type` and `tracking`)",
        ),
        (
            r#"{"type":"cancel","reason":"late"}"#,
            "unknown field `reason` in the event `cancel` of `Order` (its fields: `type`)",
        ),
        (
            r#"{"type":"pay","to":"Shipped"}"#,
            "the event `pay` of `Order` is a choice: its `\"to\"` is the target, one of `Paid` and `Declined`; found `\"Shipped\"`",
        ),
        (
            r#"{"type":"pay","amount_cents":1}"#,
            "the event `pay` of `Order` is a choice: its `\"to\"` is the target, one of `Paid` and `Declined`; it is missing",
        ),
        (
            r#"{"type":"retry"}"#,
            "the event `retry` of `Order` is guarded: its `\"to\"` is `\"Pending\"` when the guard lets it through and `null` when it declines; it is missing",
        ),
        (r#"{"type":"retry","to":"Pnding"}"#, "found `\"Pnding\"`"),
        (
            r#"{"type":"pay","to":"Declined","amount_cents":1}"#,
            "unknown field `amount_cents` in the event `pay` of `Order`",
        ),
        (
            r#"{"type":"quote","data":[100]}"#,
            "field `data` of the event `quote` of `Order`: invalid length 1",
        ),
        (
            r#"{"type":"quote","data":[100,"EUR","x"]}"#,
            "field `data` of the event `quote` of `Order`: invalid length 3",
        ),
        (
            r#"{"tracking":"1Z"}"#,
            "an event of `Order` needs a `\"type\"`: the event's name, one of",
        ),
        (
            r#"{"type":7}"#,
            "the `\"type\"` of an event of `Order` is the event's name, one of",
        ),
        (
            r#"{"type":"cancel","type":"ship"}"#,
            "duplicate field `type` in an event of `Order`",
        ),
        (
            r#""cancel""#,
            "invalid type: string \"cancel\", expected an event of `Order`: an object whose `\"type\"` is the event's name, one of",
        ),
        // serde's own externally tagged form, which the event enum had before.
        (
            r#"{"Cancel":null}"#,
            "an event of `Order` needs a `\"type\"`",
        ),
    ];
    for (json, expected) in cases {
        let message = refused(json);
        assert!(
            message.contains(expected),
            "{json}:\n  got      {message}\n  expected {expected}..."
        );
    }
}

#[test]
fn names_turn_into_events_without_data() {
    assert_eq!(
        order::Event::NAMES,
        [
            "pay",
            "quote",
            "cancel",
            "timeout",
            "ship",
            "refund",
            "reconcile",
            "retry",
            "hold",
            "release"
        ]
    );
    assert_eq!(
        order::Event::EXTERNAL,
        [
            "pay", "quote", "cancel", "ship", "refund", "retry", "hold", "release"
        ]
    );
    let names: Vec<&str> = Order::DEFINITION.events().map(|e| e.name()).collect();
    assert_eq!(order::Event::NAMES, names);
    assert_eq!(order::Event::from_name("cancel"), Ok(order::Event::Cancel));
    assert_eq!("release".parse(), Ok(order::Event::Release));

    let typo = order::Event::from_name("cancle").unwrap_err();
    assert_eq!(
        (typo.reason(), typo.nearest(), typo.valid()),
        (
            EventNameReason::Unknown,
            Some("cancel"),
            &["cancel", "release"][..]
        )
    );
    assert_eq!(
        typo.to_string(),
        "`Order` has no event `cancle`; did you mean `cancel`? (events made from a name alone: `cancel` and `release`)"
    );
    let data = order::Event::from_name("ship").unwrap_err();
    assert_eq!(data.reason(), EventNameReason::CarriesData);
    assert_eq!(
        data.to_string(),
        "`ship` of `Order` carries data (its target's fields, a choice or a guard's decision), so its name alone cannot make it; deserialize it or build the variant (events made from a name alone: `cancel` and `release`)"
    );
    for choice_or_guard in ["pay", "retry"] {
        let error = order::Event::from_name(choice_or_guard).unwrap_err();
        assert_eq!(error.reason(), EventNameReason::CarriesData);
    }
    let error: Box<dyn std::error::Error> = Box::new(data);
    assert!(error.to_string().contains("`ship`"));
}

#[test]
fn a_forged_timeout_is_refused_by_deserialization_from_name_and_apply() {
    // Deserialization.
    assert!(refused(r#"{"type":"timeout"}"#).contains("internal event"));
    // From a name.
    let error = order::Event::from_name("timeout").unwrap_err();
    assert_eq!(error.reason(), EventNameReason::Internal);
    assert_eq!(
        error.to_string(),
        "`timeout` is an internal event of `Order`: the machine raises it itself, so no name from outside makes it (events made from a name alone: `cancel` and `release`)"
    );
    assert_eq!(
        "reconcile".parse::<order::Event>().unwrap_err().reason(),
        EventNameReason::Internal
    );
    // `apply`: refused, nothing recorded, the state unchanged, the event handed back.
    let mut machine = Dynamic::start(Order::Pending).unwrap();
    let rejection = machine.apply(order::Event::Timeout).unwrap_err();
    assert_eq!(rejection.cause(), &Cause::Internal);
    assert_eq!(rejection.record(), None);
    assert!(!rejection.is_illegal());
    assert_eq!(
        rejection.to_string(),
        "`Order` did not apply `timeout` in state `Pending`: `timeout` is an internal event, which the machine raises itself (a timeout, or `internal(...)`), so it is not taken from outside; nothing was recorded"
    );
    assert_eq!(rejection.into_event(), order::Event::Timeout);
    assert_eq!(machine.state(), &Order::Pending);
    assert_eq!(machine.sequence(), 0);
    assert!(machine.recorder().is_empty());

    // Through `Timed::apply`, `Timed::apply_once` and `Idempotent::apply`, too.
    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let mut timed = Timed::new(machine, clock.clone());
    assert_eq!(
        timed.apply(order::Event::Timeout).unwrap_err().cause(),
        &Cause::Internal
    );
    let mut window = Window::new(10);
    match timed.apply_once(&mut window, "m-1", order::Event::Timeout) {
        Delivery::Rejected(rejection) => assert_eq!(rejection.cause(), &Cause::Internal),
        other => panic!("{other:?}"),
    }
    assert!(
        window.is_empty(),
        "an id refused as internal is not remembered"
    );
    assert!(timed.machine().recorder().is_empty());
    // Its timer fires it.
    clock.advance(Duration::from_secs(15 * 60));
    let record = timed.fire_due().unwrap().unwrap();
    assert_eq!(record.to_string(), "#1 Pending --timeout--> Expired");
    assert!(record.event().is_internal());

    let (machine, _) = timed.into_parts();
    let mut idempotent = Idempotent::new(machine, Window::new(10), clock);
    match idempotent.apply("m-2", order::Event::Timeout) {
        Delivery::Rejected(rejection) => assert_eq!(rejection.cause(), &Cause::Internal),
        other => panic!("{other:?}"),
    }
}

#[test]
fn records_of_internal_events_replay_and_resume() {
    let mut machine = Dynamic::start(Order::Pending).unwrap();
    machine
        .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
        .unwrap();
    machine
        .apply_internal(order::Event::Reconcile { amount_cents: 2 })
        .unwrap();
    let (state, _, recorder) = machine.into_parts();
    let history = recorder.into_vec();
    assert_eq!(
        history
            .iter()
            .map(|r| r.event().is_internal())
            .collect::<Vec<_>>(),
        [false, true]
    );
    // Serialized and read back against the definition, then resumed.
    let json = serde_json::to_string(&history).unwrap();
    let read = serde::de::DeserializeSeed::deserialize(
        Order::DEFINITION.records_seed(),
        &mut serde_json::Deserializer::from_str(&json),
    )
    .unwrap();
    assert_eq!(read, history);
    let resumed = Dynamic::resume(state, &read, statewright::Memory::new()).unwrap();
    assert_eq!(resumed.state(), &Order::Paid { amount_cents: 2 });
    assert_eq!(resumed.sequence(), 2);
}

#[test]
fn the_definition_json_marks_internal_events() {
    let json = Order::DEFINITION.to_json();
    assert!(json.contains(
        "{\"from\": \"Paid\", \"event\": \"reconcile\", \"to\": \"Paid\", \"internal\": true}"
    ));
    // A timeout's transition says so with `after_ms`, as before internal events existed.
    assert!(json.contains(
        "{\"from\": \"Pending\", \"event\": \"timeout\", \"to\": \"Expired\", \"after_ms\": 900000}"
    ));
    let chart = statewright::diagram::Chart::from_json(&json).unwrap();
    assert_eq!(chart, Order::DEFINITION.chart());
    let internal: BTreeSet<&str> = chart
        .transitions()
        .iter()
        .filter(|t| t.is_internal())
        .map(|t| t.event())
        .collect();
    assert_eq!(internal, BTreeSet::from(["reconcile", "timeout"]));
    // A file without the key reads as before.
    let old = json.replace(", \"internal\": true", "");
    let chart = statewright::diagram::Chart::from_json(&old).unwrap();
    assert_eq!(
        chart
            .transitions()
            .iter()
            .filter(|t| t.is_internal())
            .count(),
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Every event of every example machine: serialized, read back, applied.

/// Serializes every event in `events` (one of each variant and branch, of one machine), reads
/// it back (an internal one must be refused), and applies what was read to a machine walked
/// to a state that allows it, checking the record. Returns how many events were applied.
fn round_trip_and_apply<M>(fresh: impl Fn() -> Dynamic<M>, events: &[M::Event]) -> usize
where
    M: StateMachine + Debug,
    M::Event: Serialize + DeserializeOwned + Clone + PartialEq + Debug,
    M::HookError: Debug,
{
    let definition = M::DEFINITION;
    // Every event of the machine is in the list.
    let listed: BTreeSet<&str> = events
        .iter()
        .map(|e| definition.get_event(M::event_id(e)).unwrap().name())
        .collect();
    let all: BTreeSet<&str> = definition.events().map(|e| e.name()).collect();
    assert_eq!(listed, all, "`{}`: list every event", definition.name());

    let mut read = Vec::new();
    for event in events {
        let json = serde_json::to_string(event).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let info = definition.get_event(M::event_id(event)).unwrap();
        assert_eq!(value["type"], info.name(), "{json}");
        // The same event with its keys in another order (serde_json's map sorts them).
        let reordered = serde_json::to_string(&value).unwrap();
        for json in [&json, &reordered] {
            let back = serde_json::from_str::<M::Event>(json);
            if info.is_internal() {
                let error = back.unwrap_err().to_string();
                assert!(error.contains("is an internal event"), "{error}");
            } else {
                assert_eq!(back.as_ref().ok(), Some(event), "{json}");
            }
        }
        read.push(serde_json::from_str::<M::Event>(&json).unwrap_or_else(|_| event.clone()));
    }

    let walk = |path: &[usize]| {
        let mut machine = fresh();
        for &i in path {
            machine.apply_internal(read[i].clone()).unwrap();
        }
        machine
    };
    // The states reachable with these events, each with a path to it.
    let mut paths: Vec<Vec<usize>> = vec![Vec::new()];
    let mut seen = BTreeSet::from([walk(&[]).state_info().name()]);
    let mut next = 0;
    while next < paths.len() {
        let path = paths[next].clone();
        next += 1;
        for (i, event) in read.iter().enumerate() {
            let mut machine = walk(&path);
            if machine.can_apply(event) && machine.apply_internal(event.clone()).is_ok() {
                let mut longer = path.clone();
                longer.push(i);
                if seen.insert(machine.state_info().name()) {
                    paths.push(longer);
                }
            }
        }
    }

    let mut applied = 0;
    for (i, event) in read.iter().enumerate() {
        let name = definition.get_event(M::event_id(event)).unwrap().name();
        let path = paths
            .iter()
            .find(|p| walk(p).can_apply(event))
            .unwrap_or_else(|| panic!("`{name}` is allowed in no reachable state"));
        let mut machine = walk(path);
        let (from, sequence) = (machine.state_info().name(), machine.sequence());
        let internal = definition.is_internal(M::event_id(event));
        let result = if internal {
            let refused = machine.apply(read[i].clone()).unwrap_err();
            assert!(matches!(refused.cause(), Cause::Internal), "{refused:?}");
            assert_eq!(machine.sequence(), sequence, "nothing recorded");
            machine.apply_internal(read[i].clone())
        } else {
            machine.apply(read[i].clone())
        };
        match result {
            Ok(record) => {
                let to = machine.state_info().name();
                assert_eq!(
                    record.to_string(),
                    format!("#{} {from} --{name}--> {to}", sequence + 1)
                );
                assert_eq!(record.event().is_internal(), internal);
                applied += 1;
            }
            Err(rejection) => {
                // Only a guard that declines refuses an allowed event here.
                assert!(
                    matches!(rejection.cause(), Cause::Declined),
                    "{rejection:?}"
                );
                assert_eq!(
                    rejection.record().unwrap().to_string(),
                    format!("#{} {from} --{name}--x rejected", sequence + 1)
                );
            }
        }
    }
    applied
}

#[test]
fn every_kind_round_trips_and_applies() {
    let events: Vec<order::Event> = kinds().into_iter().map(|(_, e)| e).collect();
    let mut all = events.clone();
    all.push(order::Event::Release);
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(Order::Pending).unwrap(), &all),
        all.len() - 1 // the declined guard
    );
}

/// `examples/order.rs`, with serde.
mod example_order {
    use statewright::state_machine;

    #[state_machine(derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        /// Created, waiting for payment.
        #[initial]
        #[on(pay -> Paid | Declined, cancel -> Cancelled)]
        Pending,
        /// Payment captured.
        #[on(ship -> Shipped, cancel -> Cancelled)]
        Paid { amount_cents: u64 },
        /// The payment was declined; the customer may try again.
        #[on(retry -> Pending, cancel -> Cancelled)]
        Declined { reason: String },
        /// Handed to the carrier.
        #[on(deliver -> Delivered)]
        Shipped { tracking: String },
        /// Received by the customer.
        #[terminal]
        Delivered,
        /// Cancelled before shipping.
        #[terminal]
        Cancelled,
    }
}

/// `examples/journal.rs` (and, without data, `examples/replicas.rs`), with serde.
mod example_journal {
    use statewright::state_machine;

    #[state_machine(derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        /// Created, waiting for payment.
        #[initial]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        /// Payment captured.
        #[on(ship -> Shipped, cancel -> Cancelled)]
        Paid { amount_cents: u64 },
        /// Handed to the carrier.
        #[on(deliver -> Delivered)]
        Shipped { tracking: String },
        /// Received by the customer.
        #[terminal]
        Delivered,
        /// Cancelled before shipping.
        #[terminal]
        Cancelled,
    }
}

/// `examples/replicas.rs`, with serde.
mod example_replicas {
    use statewright::state_machine;

    #[state_machine(derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        /// Created, waiting for payment.
        #[initial]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        /// Payment captured.
        #[on(ship -> Shipped, cancel -> Cancelled)]
        Paid,
        /// Handed to the carrier.
        #[on(deliver -> Delivered)]
        Shipped,
        /// Received by the customer.
        #[terminal]
        Delivered,
        /// Cancelled before shipping.
        #[terminal]
        Cancelled,
    }
}

/// `examples/expiring_order.rs`, with serde.
mod example_expiring {
    use statewright::state_machine;

    #[state_machine(timeouts = required, derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Order {
        /// Waiting for payment: expires after a while (short here, for the example).
        #[initial]
        #[timeout(300ms, expire -> Expired)]
        #[on(pay -> Paid, cancel -> Cancelled)]
        Pending,
        /// Paid: must ship before the promised date, or it is escalated.
        #[timeout(2s -> Escalated)]
        #[on(ship -> Shipped)]
        Paid,
        /// Late: a person looks at it.
        #[no_timeout(reason = "a person resolves it")]
        #[on(ship -> Shipped, cancel -> Cancelled)]
        Escalated,
        /// Handed to the carrier.
        #[terminal]
        Shipped,
        /// Not paid in time.
        #[terminal]
        Expired,
        /// Cancelled.
        #[terminal]
        Cancelled,
    }
}

/// `examples/traffic_light.rs`, with serde.
mod example_light {
    use statewright::state_machine;

    #[state_machine(derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Light {
        /// Cars stop; pedestrians may cross.
        #[initial]
        #[on(next -> RedAmber)]
        Red,
        /// About to turn green.
        #[on(next -> Green)]
        RedAmber,
        /// Cars go. A pedestrian request shortens the phase.
        #[on(next -> Amber, request -> Amber)]
        Green,
        /// About to turn red.
        #[on(next -> Red)]
        Amber,
    }
}

/// `examples/connection.rs`, with serde (and hooks that only count).
mod example_connection {
    use statewright::{StateInfo, state_machine};

    #[derive(Debug, Default, Clone, PartialEq)]
    pub struct Network {
        pub last: u32,
    }

    #[state_machine(context = Network, derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Connection {
        /// No socket is open.
        #[initial]
        #[on(connect -> Connected)]
        Disconnected,
        /// A socket is open; leaving this state closes it.
        #[enter]
        #[exit]
        #[on(send -> Connected, disconnect -> Disconnected)]
        Connected { socket: u32 },
    }

    impl connection::Hooks for Network {
        type Error = String;

        fn on_connect(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
            self.last += 1;
            Ok(())
        }

        fn enter_connected(&mut self, socket: &mut u32) {
            *socket = self.last;
        }

        fn exit_connected(&mut self, _socket: &u32) -> Result<(), String> {
            Ok(())
        }
    }
}

/// `examples/tcp.rs` (`tests/common/tcp.rs`), with serde.
mod example_tcp {
    use statewright::state_machine;

    #[state_machine(derive(serde::Serialize, serde::Deserialize))]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Tcp {
        #[initial]
        #[on(passive_open -> Listen, active_open -> SynSent)]
        Closed,
        #[on(rcv_syn -> SynReceived, send -> SynSent, close -> Closed)]
        Listen,
        #[on(rcv_syn -> SynReceived, rcv_syn_ack -> Established, close -> Closed)]
        SynSent,
        #[on(rcv_ack_of_syn -> Established, close -> FinWait1)]
        SynReceived,
        #[on(close -> FinWait1, rcv_fin -> CloseWait)]
        Established,
        #[on(rcv_ack_of_fin -> FinWait2, rcv_fin -> Closing)]
        FinWait1,
        #[on(rcv_fin -> TimeWait)]
        FinWait2,
        #[on(close -> LastAck)]
        CloseWait,
        #[on(rcv_ack_of_fin -> TimeWait)]
        Closing,
        #[on(rcv_ack_of_fin -> Closed)]
        LastAck,
        #[on(timeout -> Closed)]
        TimeWait,
    }
}

#[test]
fn every_event_of_every_example_round_trips_and_applies() {
    use example_order::{Order as O, order as o};
    let events = [
        o::Event::Pay(o::Paid { amount_cents: 4200 }.into()),
        o::Event::Pay(
            o::Declined {
                reason: "card expired".into(),
            }
            .into(),
        ),
        o::Event::Cancel,
        o::Event::Ship {
            tracking: "1Z999".into(),
        },
        o::Event::Retry,
        o::Event::Deliver,
    ];
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(O::Pending).unwrap(), &events),
        6
    );
    assert_eq!(
        serde_json::to_string(&events[1]).unwrap(),
        r#"{"type":"pay","to":"Declined","reason":"card expired"}"#
    );

    use example_journal::{Order as J, order as j};
    let events = [
        j::Event::Pay { amount_cents: 1 },
        j::Event::Cancel,
        j::Event::Ship {
            tracking: "T".into(),
        },
        j::Event::Deliver,
    ];
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(J::Pending).unwrap(), &events),
        4
    );

    use example_replicas::{Order as R, order as r};
    let events = [
        r::Event::Pay,
        r::Event::Cancel,
        r::Event::Ship,
        r::Event::Deliver,
    ];
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(R::Pending).unwrap(), &events),
        4
    );

    use example_expiring::{Order as E, order as e};
    let events = [
        e::Event::Pay,
        e::Event::Cancel,
        e::Event::Expire,
        e::Event::Ship,
        e::Event::Timeout,
    ];
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(E::Pending).unwrap(), &events),
        5
    );
    assert_eq!(e::Event::EXTERNAL, ["pay", "cancel", "ship"]);

    use example_light::{Light, light};
    let events = [light::Event::Next, light::Event::Request];
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(Light::Red).unwrap(), &events),
        2
    );

    use example_connection::{Connection, Network, connection};
    let events = [
        connection::Event::Connect { socket: 0 },
        connection::Event::Send { socket: 9 },
        connection::Event::Disconnect,
    ];
    let fresh = || {
        Dynamic::start_with_context(
            Connection::Disconnected,
            Network::default(),
            statewright::Memory::new(),
        )
        .unwrap()
    };
    assert_eq!(round_trip_and_apply(fresh, &events), 3);

    use example_tcp::{Tcp, tcp};
    let events: Vec<tcp::Event> = tcp::Event::NAMES
        .iter()
        .map(|name| tcp::Event::from_name(name).unwrap())
        .collect();
    assert_eq!(events.len(), 10);
    assert_eq!(
        round_trip_and_apply(|| Dynamic::start(Tcp::Closed).unwrap(), &events),
        10
    );
    // `timeout` is an ordinary event of the TCP machine: no `#[timeout]` raises it.
    assert_eq!(
        serde_json::from_str::<tcp::Event>(r#"{"type":"timeout"}"#).unwrap(),
        tcp::Event::Timeout
    );
}

// ---------------------------------------------------------------------------------------------
// Properties: serializing and reading agree; bad input is an error, never a panic.

fn any_event() -> impl Strategy<Value = order::Event> {
    use order::Event;
    let text = ".{0,12}";
    prop_oneof![
        Just(Event::Cancel),
        Just(Event::Release),
        text.prop_map(|tracking| Event::Ship { tracking }),
        text.prop_map(Event::Hold),
        (any::<u64>(), text).prop_map(|(n, s)| Event::Quote(n, s)),
        any::<u64>().prop_map(|amount_cents| Event::Pay(order::Paid { amount_cents }.into())),
        Just(Event::Pay(order::Declined.into())),
        (text, any::<Option<u64>>())
            .prop_map(|(reason, partial)| Event::Refund(Some(order::Refunded { reason, partial }))),
        Just(Event::Refund(None)),
        Just(Event::Retry(Some(order::Pending))),
        Just(Event::Retry(None)),
    ]
}

proptest! {
    #[test]
    fn serializing_and_reading_agree(event in any_event()) {
        let json = serde_json::to_string(&event).unwrap();
        prop_assert_eq!(serde_json::from_str::<order::Event>(&json).unwrap(), event.clone());
        // Any order of keys.
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let sorted = serde_json::to_string(&value).unwrap();
        prop_assert_eq!(serde_json::from_str::<order::Event>(&sorted).unwrap(), event.clone());
        // Another self-describing reader: a `serde_json::Value`.
        prop_assert_eq!(serde_json::from_value::<order::Event>(value).unwrap(), event);
    }

    #[test]
    fn random_input_is_an_error_not_a_panic(text in ".{0,64}") {
        let _ = serde_json::from_str::<order::Event>(&text);
        let _ = order::Event::from_name(&text);
    }

    #[test]
    fn truncated_and_damaged_events_are_errors(event in any_event(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let json = serde_json::to_string(&event).unwrap();
        let at = cut.index(json.len());
        if at < json.len() && json.is_char_boundary(at) {
            prop_assert!(serde_json::from_str::<order::Event>(&json[..at]).is_err());
        }
        let mut damaged = json.into_bytes();
        damaged[at] = byte;
        if let Ok(text) = std::str::from_utf8(&damaged) {
            let _ = serde_json::from_str::<order::Event>(text);
        }
    }
}

#[test]
fn huge_and_deep_input_is_an_error_not_a_panic() {
    let long_name = format!(r#"{{"type":"{}"}}"#, "x".repeat(1 << 20));
    let message = refused(&long_name);
    assert!(message.len() < 1_000, "the error repeats a cut name");
    assert!(message.contains("xxx..."));
    let long_key = format!(r#"{{"type":"cancel","{}":1}}"#, "k".repeat(1 << 20));
    assert!(refused(&long_key).len() < 1_000);
    let deep = format!(
        r#"{{"type":"hold","data":{}1{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(refused(&deep).contains("recursion limit"));
    let many_keys: String = (0..100_000).map(|i| format!(r#""k{i}":{i},"#)).collect();
    let wide = format!(r#"{{{many_keys}"type":"cancel"}}"#);
    assert!(refused(&wide).starts_with("unknown field `k0` in the event `cancel` of `Order`"));
    let long_data = format!(
        r#"{{"type":"quote","data":[100,"EUR",{}1]}}"#,
        "1,".repeat(100_000)
    );
    assert!(refused(&long_data).contains("invalid length"));
}

#[cfg(feature = "journal")]
#[path = "support/temp_dir.rs"]
mod temp_dir;

/// A timeout fired on a journaled machine is a record like any other: recovery replays it, and
/// the instance resumes after it.
#[cfg(feature = "journal")]
#[test]
fn a_journal_keeps_and_replays_records_of_internal_events() {
    use statewright::journal::{Durability, Journal};

    let dir = temp_dir::TempDir::new("wire-internal");
    let path = dir.0.join("orders.jsonl");
    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    {
        let journal = Journal::open(&path, Order::DEFINITION, Durability::Flush).unwrap();
        let machine = Dynamic::start_with(Order::Pending, journal.recorder("o-1")).unwrap();
        let mut timed = Timed::new(machine, clock.clone());
        let refused = timed.apply(order::Event::Timeout).unwrap_err();
        assert!(matches!(refused.cause(), Cause::Internal));
        clock.advance(Duration::from_secs(15 * 60));
        timed.fire_due().unwrap().unwrap();
    }
    let journal = Journal::open(&path, Order::DEFINITION, Durability::Flush).unwrap();
    let history = journal.history("o-1").unwrap();
    assert_eq!(
        history.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["#1 Pending --timeout--> Expired"]
    );
    assert!(history[0].event().is_internal());
    let resumed = Dynamic::resume(Order::Expired, &history, journal.recorder("o-1")).unwrap();
    assert_eq!(resumed.sequence(), 1);
}
