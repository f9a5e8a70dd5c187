//! The order machine of `examples/order.rs` through every API: typed, dynamic, the bridge
//! between them, resume, fallible recorders and replay, with the exact records.

#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;

use example::{Order, order};
use statewright::{
    Cause, Dynamic, Memory, Outcome, Record, RecordError, Recorder, ReplayError, ResumeReason,
    Ring, StateMachine, TypedMachine,
};

/// The paid branch of a payment: these tests pay with an amount, which the machine never
/// declines by itself (the caller's choice decides).
fn paid<R>(
    choice: order::PaidOrDeclined<
        order::Machine<order::Paid, R>,
        order::Machine<order::Declined, R>,
    >,
) -> order::Machine<order::Paid, R> {
    match choice {
        order::PaidOrDeclined::Paid(m) => m,
        order::PaidOrDeclined::Declined(m) => panic!("declined: {}", m.reason),
    }
}

/// The records, one per line.
fn lines(records: &[Record]) -> Vec<String> {
    records.iter().map(ToString::to_string).collect()
}

#[test]
fn typed_walks_record_every_transition() {
    let m = order::start();
    assert_eq!(m.sequence(), 0);
    let m = paid(m.pay(order::Paid { amount_cents: 4200 }));
    assert_eq!(m.amount_cents, 4200);
    let m = m.ship_with(|paid| order::Shipped {
        tracking: format!("T{}", paid.amount_cents),
    });
    assert_eq!(m.tracking, "T4200");
    let m = m.deliver();
    let _: &order::Delivered = m.state();
    assert_eq!(
        lines(m.recorder().records()),
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --ship--> Shipped",
            "#3 Shipped --deliver--> Delivered"
        ]
    );

    // The other two transitions: cancel from each state that allows it.
    let cancelled = order::start().cancel();
    assert_eq!(
        lines(cancelled.recorder().records()),
        ["#1 Pending --cancel--> Cancelled"]
    );
    let cancelled = paid(order::start().pay(order::Paid { amount_cents: 1 })).cancel();
    assert_eq!(
        lines(cancelled.recorder().records()),
        ["#1 Pending --pay--> Paid", "#2 Paid --cancel--> Cancelled"]
    );
}

#[test]
fn typed_state_data_is_read_without_a_match() {
    let m = paid(order::start().pay(order::Paid { amount_cents: 100 }));
    // `Deref` reads the data; changing it takes a transition (`tests/ui/typed/change-state-data-in-place.rs`).
    assert_eq!(m.amount_cents, 100);
    assert_eq!(m.state(), &order::Paid { amount_cents: 100 });
    let (state, sequence, recorder) = m.into_parts();
    assert_eq!(
        (state, sequence, recorder.len()),
        (order::Paid { amount_cents: 100 }, 1, 1)
    );
}

#[test]
fn typed_machines_know_their_state_and_allowed_events() {
    let m = paid(order::start().pay(order::Paid { amount_cents: 1 }));
    assert_eq!(m.state_info().name(), "Paid");
    assert_eq!(m.allowed_events().to_string(), "`ship`, `cancel`");
    assert_eq!(
        format!("{m:?}"),
        "Machine { state: Paid { amount_cents: 1 }, sequence: 1, .. }"
    );
}

#[test]
fn dynamic_applies_and_rejects_with_exact_records() {
    let mut d = order::Dynamic::from(order::start());
    let record = d
        .apply(order::Event::Pay(order::Paid { amount_cents: 10 }.into()))
        .unwrap();
    assert_eq!(record.to_string(), "#1 Pending --pay--> Paid");
    assert_eq!(record.outcome(), Outcome::Applied);
    assert_eq!(d.state(), &Order::Paid { amount_cents: 10 });

    let rejection = d.apply(order::Event::Deliver).unwrap_err();
    assert!(rejection.is_illegal());
    assert_eq!(rejection.cause(), &Cause::Illegal);
    assert_eq!(rejection.state().name(), "Paid");
    assert_eq!(rejection.event_name(), "deliver");
    assert_eq!(
        rejection.allowed().map(|e| e.name()).collect::<Vec<_>>(),
        ["ship", "cancel"]
    );
    assert_eq!(
        rejection.to_string(),
        "`Order` cannot apply `deliver` in state `Paid`; allowed: `ship`, `cancel`"
    );
    assert_eq!(rejection.into_event(), order::Event::Deliver);
    assert_eq!(
        d.state(),
        &Order::Paid { amount_cents: 10 },
        "state unchanged"
    );

    d.apply(order::Event::Ship {
        tracking: "T1".into(),
    })
    .unwrap();
    d.apply(order::Event::Deliver).unwrap();
    let rejection = d.apply(order::Event::Cancel).unwrap_err();
    assert_eq!(rejection.allowed().count(), 0);
    assert_eq!(
        lines(d.recorder().records()),
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --deliver--x rejected",
            "#3 Paid --ship--> Shipped",
            "#4 Shipped --deliver--> Delivered",
            "#5 Delivered --cancel--x rejected",
        ]
    );
    assert_eq!(d.sequence(), 5);
}

#[test]
fn dynamic_queries_answer_without_changing_anything() {
    let d = order::Dynamic::from(order::start());
    assert!(d.can_apply(&order::Event::Pay(order::Paid { amount_cents: 1 }.into())));
    assert!(d.can_apply(&order::Event::Cancel));
    assert!(!d.can_apply(&order::Event::Deliver));
    assert_eq!(
        d.allowed_events().map(|e| e.name()).collect::<Vec<_>>(),
        ["pay", "cancel"]
    );
    assert_eq!(d.sequence(), 0);
    assert!(d.recorder().is_empty());
    // Any state, without a machine.
    let shipped = Order::Shipped {
        tracking: String::new(),
    };
    assert_eq!(shipped.allowed_events().to_string(), "`deliver`");
    assert_eq!(
        order::Event::Ship {
            tracking: String::new()
        }
        .name(),
        "ship"
    );
}

#[test]
fn dynamic_machines_start_only_in_the_initial_state() {
    assert!(Dynamic::start(Order::Pending).is_ok());
    let refused = Dynamic::start(Order::Delivered).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`Order` starts in `Pending`, not in `Delivered`; use `Dynamic::resume` to continue from a stored state"
    );
    assert_eq!(refused.into_parts().0, Order::Delivered);
}

#[test]
fn the_record_survives_both_conversions() {
    let typed = paid(order::start().pay(order::Paid { amount_cents: 3 }));
    let mut dynamic: order::Dynamic = typed.into();
    dynamic
        .apply(order::Event::Pay(order::Paid { amount_cents: 4 }.into()))
        .unwrap_err();
    let order::Typed::Paid(paid) = dynamic.into_typed() else {
        panic!("the machine is in Paid");
    };
    assert_eq!(paid.sequence(), 2);
    let shipped = paid.ship(order::Shipped {
        tracking: "X".into(),
    });
    let back = Dynamic::from(order::Typed::Shipped(shipped));
    assert_eq!(
        lines(back.recorder().records()),
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --pay--x rejected",
            "#3 Paid --ship--> Shipped"
        ]
    );
    let typed = order::Typed::from(back);
    assert_eq!(typed.state_info().name(), "Shipped");
    assert!(matches!(typed, order::Typed::Shipped(ref m) if m.tracking == "X"));
}

#[test]
fn resume_needs_a_history_that_leads_to_the_state() {
    let mut d = order::Dynamic::from(order::start());
    d.apply(order::Event::Pay(order::Paid { amount_cents: 9 }.into()))
        .unwrap();
    d.apply(order::Event::Ship {
        tracking: "T".into(),
    })
    .unwrap();
    let (state, sequence, recorder) = d.into_parts();
    let history = recorder.into_vec();

    let resumed = Dynamic::resume(state.clone(), &history, Memory::from(history.clone())).unwrap();
    assert_eq!(resumed.sequence(), sequence);
    assert_eq!(resumed.state(), &state);
    let mut resumed = resumed;
    let record = resumed.apply(order::Event::Deliver).unwrap();
    assert_eq!(record.to_string(), "#3 Shipped --deliver--> Delivered");

    // A state the history does not lead to.
    let err = Dynamic::resume(Order::Delivered, &history, Memory::new()).unwrap_err();
    assert_eq!(
        err.reason(),
        &ResumeReason::Mismatch {
            history: "Shipped",
            found: "Delivered"
        }
    );
    assert_eq!(err.into_parts().0, Order::Delivered);

    // A history with a hole.
    let holed = [history[1]];
    let err = Dynamic::resume(state.clone(), holed, Memory::new()).unwrap_err();
    assert_eq!(
        err.reason(),
        &ResumeReason::Replay(ReplayError::Gap {
            expected: 1,
            found: 2
        })
    );
    assert_eq!(
        err.to_string(),
        "cannot resume `Order` in state `Shipped`: its history does not replay: expected record #1, found #2"
    );

    // No history at all: only the initial state.
    assert!(Dynamic::resume(Order::Pending, [] as [Record; 0], Memory::new()).is_ok());
    assert!(Dynamic::resume(state, [] as [Record; 0], Memory::new()).is_err());
}

#[test]
fn records_replay_against_the_definition() {
    let m = paid(order::start().pay(order::Paid { amount_cents: 1 })).ship(order::Shipped {
        tracking: "T".into(),
    });
    let replayed = Order::DEFINITION.replay(m.recorder().records()).unwrap();
    assert_eq!(replayed.state().name(), "Shipped");

    let mut reordered = m.recorder().records().to_vec();
    reordered.swap(0, 1);
    let err = Order::DEFINITION.replay(&reordered).unwrap_err();
    assert_eq!(
        err,
        ReplayError::Gap {
            expected: 1,
            found: 2
        }
    );
}

#[test]
fn bounded_and_borrowed_recorders_work_with_both_apis() {
    let m = paid(order::start_with(Ring::new(1)).pay(order::Paid { amount_cents: 1 })).ship(
        order::Shipped {
            tracking: "T".into(),
        },
    );
    assert_eq!(m.recorder().dropped(), 1);
    assert_eq!(
        m.recorder().to_string(),
        "... 1 earlier records dropped\n#2 Paid --ship--> Shipped\n"
    );

    // One recorder shared by several short-lived machines, one after the other.
    let mut shared = Memory::new();
    order::start_with(&mut shared).cancel();
    let mut d = Dynamic::from(order::start_with(&mut shared));
    d.apply(order::Event::Deliver).unwrap_err();
    drop(d);
    assert_eq!(
        lines(shared.records()),
        [
            "#1 Pending --cancel--> Cancelled",
            "#1 Pending --deliver--x rejected"
        ]
    );
}

#[derive(Debug, PartialEq)]
struct DiskFull;
impl RecordError for DiskFull {}

/// A recorder that accepts `room` records, then refuses every one.
struct Journal {
    room: usize,
    kept: Vec<Record>,
}

impl Recorder for Journal {
    type Error = DiskFull;

    fn record(&mut self, record: &Record) -> Result<(), DiskFull> {
        if self.kept.len() >= self.room {
            return Err(DiskFull);
        }
        self.kept.push(*record);
        Ok(())
    }
}

#[test]
fn a_refused_record_means_the_transition_did_not_happen() {
    // Typed: the machine comes back unchanged.
    let m = order::start_with(Journal {
        room: 1,
        kept: Vec::new(),
    });
    let m = paid(
        m.pay(order::Paid { amount_cents: 5 })
            .map_err(|r| r.into_parts().1)
            .unwrap(),
    );
    let refused = m
        .ship(order::Shipped {
            tracking: "T".into(),
        })
        .unwrap_err();
    assert_eq!(refused.error(), &DiskFull);
    assert_eq!(
        refused.to_string(),
        "the transition did not happen: disk full"
    );
    let m = refused.into_machine();
    assert_eq!(m.state(), &order::Paid { amount_cents: 5 });
    assert_eq!(m.sequence(), 1);

    // `_with` does not run its closure when the record is refused.
    let refused = m
        .ship_with(|_| panic!("the target is built only after the record is written"))
        .unwrap_err();
    let m = refused.into_machine();

    // Dynamic: the event comes back, the state is unchanged, no record is counted.
    let mut d = Dynamic::from(m);
    let rejection = d
        .apply(order::Event::Ship {
            tracking: "T".into(),
        })
        .unwrap_err();
    assert!(!rejection.is_illegal());
    assert_eq!(rejection.cause(), &Cause::Unrecorded(DiskFull));
    assert_eq!(
        rejection.to_string(),
        "`Order` did not apply `ship` in state `Paid`: its record could not be written: disk full"
    );
    assert_eq!(
        rejection.into_event(),
        order::Event::Ship {
            tracking: "T".into()
        }
    );
    // An illegal event whose rejection cannot be recorded says both.
    let rejection = d
        .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
        .unwrap_err();
    assert!(rejection.is_illegal());
    assert_eq!(rejection.cause(), &Cause::IllegalUnrecorded(DiskFull));
    assert_eq!(d.state(), &Order::Paid { amount_cents: 5 });
    assert_eq!(d.sequence(), 1);
    assert_eq!(lines(&d.recorder().kept), ["#1 Pending --pay--> Paid"]);
}

impl std::fmt::Display for DiskFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("disk full")
    }
}

#[test]
fn the_definition_describes_the_machine() {
    let def = Order::DEFINITION;
    assert!(std::ptr::eq(def, order::DEFINITION));
    assert!(std::ptr::eq(def, statewright::definition::<Order>()));
    assert_eq!(def.name(), "Order");
    assert_eq!(def.doc(), "The lifecycle of a customer order.");
    let states: Vec<_> = def
        .states()
        .map(|s| (s.name(), s.doc(), s.is_initial(), s.is_terminal()))
        .collect();
    assert_eq!(
        states,
        [
            ("Pending", "Created, waiting for payment.", true, false),
            ("Paid", "Payment captured.", false, false),
            (
                "Declined",
                "The payment was declined; the customer may try again.",
                false,
                false
            ),
            ("Shipped", "Handed to the carrier.", false, false),
            ("Delivered", "Received by the customer.", false, true),
            ("Cancelled", "Cancelled before shipping.", false, true),
        ]
    );
    let events: Vec<_> = def.events().map(|e| e.name()).collect();
    assert_eq!(events, ["pay", "cancel", "ship", "retry", "deliver"]);
    let transitions: Vec<_> = def
        .transitions()
        .map(|t| (t.from().name(), t.event().name(), t.to().name()))
        .collect();
    assert_eq!(
        transitions,
        [
            ("Pending", "pay", "Paid"),
            ("Pending", "pay", "Declined"),
            ("Pending", "cancel", "Cancelled"),
            ("Paid", "ship", "Shipped"),
            ("Paid", "cancel", "Cancelled"),
            ("Declined", "retry", "Pending"),
            ("Declined", "cancel", "Cancelled"),
            ("Shipped", "deliver", "Delivered"),
        ]
    );
    assert_eq!(Order::Paid { amount_cents: 0 }.state_info().name(), "Paid");
    assert_eq!(
        <order::Shipped as statewright::State>::info().name(),
        "Shipped"
    );
}

#[test]
fn a_payment_is_declined_or_captured_as_the_caller_decides() {
    // Typed: both branches are machines the caller must handle.
    let declined = match order::start().pay(order::Declined {
        reason: "card expired".into(),
    }) {
        order::PaidOrDeclined::Declined(declined) => declined,
        order::PaidOrDeclined::Paid(_) => panic!("the caller chose Declined"),
    };
    assert_eq!(declined.reason, "card expired");
    assert_eq!(declined.allowed_events().to_string(), "`retry`, `cancel`");
    let retried = declined.retry();
    // `pay_with` decides from the current state; both branches convert to `Typed`/`Dynamic`.
    let d: order::Dynamic = retried
        .pay_with(|_: &order::Pending| order::PaidOrDeclined::Paid(order::Paid { amount_cents: 9 }))
        .into();
    assert_eq!(d.state(), &Order::Paid { amount_cents: 9 });
    assert_eq!(
        lines(d.recorder().records()),
        [
            "#1 Pending --pay--> Declined",
            "#2 Declined --retry--> Pending",
            "#3 Pending --pay--> Paid"
        ]
    );

    // Dynamic: the event carries the branch; the record names it.
    let mut d = Dynamic::start(Order::Pending).unwrap();
    let record = d
        .apply(order::Event::Pay(
            order::Declined {
                reason: "fraud".into(),
            }
            .into(),
        ))
        .unwrap();
    assert_eq!(record.to_string(), "#1 Pending --pay--> Declined");
    assert_eq!(
        d.state(),
        &Order::Declined {
            reason: "fraud".into()
        }
    );
    // A payment is allowed once per pending order, whichever branch it carries.
    let rejection = d
        .apply(order::Event::Pay(order::Paid { amount_cents: 1 }.into()))
        .unwrap_err();
    assert!(rejection.is_illegal());
    assert_eq!(
        Order::DEFINITION
            .replay(d.recorder().records())
            .unwrap()
            .state()
            .name(),
        "Declined"
    );

    // The allowed events, as data and as a const slice, name `pay` once.
    assert_eq!(
        Order::Pending.allowed_events().to_string(),
        "`pay`, `cancel`"
    );
    assert_eq!(
        <order::Pending as statewright::State>::EVENTS,
        ["pay", "cancel"]
    );
}
