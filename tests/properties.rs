//! Property tests: random event sequences through the dynamic API behave exactly like an
//! independent reference interpreter, and the typed API takes the same transitions.
//!
//! The reference knows nothing of the runtime: it interprets a hand-written table of
//! `(from, event, to)` triples, and separate tests check that each machine's `Definition` has
//! exactly that table.

mod common;

use common::tcp::{Tcp, tcp};
use common::{TCP_EVENTS, TCP_STATES, TCP_TRANSITIONS, tcp_event, tcp_state};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use statewright::{Definition, Outcome, Record, StateMachine};

/// The order machine of `examples/order.rs`: events that carry data, terminal states.
#[allow(dead_code)] // the example's `main` is run by CI, not by this test
#[path = "../examples/order.rs"]
mod example;

use example::{Order, order};

const ORDER_STATES: &[&str] = &[
    "Pending",
    "Paid",
    "Declined",
    "Shipped",
    "Delivered",
    "Cancelled",
];

/// `pay` is a choice: two arcs from `Pending`, and the event says which is taken.
const ORDER_TRANSITIONS: &[(&str, &str, &str)] = &[
    ("Pending", "pay", "Paid"),
    ("Pending", "pay", "Declined"),
    ("Pending", "cancel", "Cancelled"),
    ("Paid", "ship", "Shipped"),
    ("Paid", "cancel", "Cancelled"),
    ("Declined", "retry", "Pending"),
    ("Declined", "cancel", "Cancelled"),
    ("Shipped", "deliver", "Delivered"),
];

/// The name of an order event, written by hand (not the generated `Event::name`).
fn order_event_name(event: &order::Event) -> &'static str {
    match event {
        order::Event::Pay(_) => "pay",
        order::Event::Retry => "retry",
        order::Event::Cancel => "cancel",
        order::Event::Ship { .. } => "ship",
        order::Event::Deliver => "deliver",
    }
}

/// The branch an order event chose, written by hand: the target named by a payment's choice.
fn order_branch(event: &order::Event) -> Option<&'static str> {
    match event {
        order::Event::Pay(order::PaidOrDeclined::Paid(_)) => Some("Paid"),
        order::Event::Pay(order::PaidOrDeclined::Declined(_)) => Some("Declined"),
        _ => None,
    }
}

/// The order a reference in state `to` holds after `event` took it there: the state's data is
/// the payload of the event that entered it.
fn order_state(to: &str, event: &order::Event) -> Order {
    match (to, event) {
        ("Pending", _) => Order::Pending,
        ("Paid", order::Event::Pay(order::PaidOrDeclined::Paid(paid))) => Order::Paid {
            amount_cents: paid.amount_cents,
        },
        ("Declined", order::Event::Pay(order::PaidOrDeclined::Declined(declined))) => {
            Order::Declined {
                reason: declined.reason.clone(),
            }
        }
        ("Shipped", order::Event::Ship { tracking }) => Order::Shipped {
            tracking: tracking.clone(),
        },
        ("Delivered", _) => Order::Delivered,
        ("Cancelled", _) => Order::Cancelled,
        _ => panic!("the table has no arc that enters `{to}` on {event:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The reference interpreter
// ---------------------------------------------------------------------------------------------

/// A record reduced to plain values, for comparing with the reference's expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    sequence: u64,
    from: &'static str,
    event: &'static str,
    to: &'static str,
    outcome: Outcome,
}

impl Step {
    fn of(record: &Record) -> Step {
        Step {
            sequence: record.sequence(),
            from: record.from().name(),
            event: record.event().name(),
            to: record.to().name(),
            outcome: record.outcome(),
        }
    }
}

/// Interprets a transition table: the state, the sequence number (one per attempt, from 1,
/// rejected attempts included) and the steps so far.
struct Reference {
    table: &'static [(&'static str, &'static str, &'static str)],
    state: &'static str,
    steps: Vec<Step>,
}

impl Reference {
    fn new(
        table: &'static [(&'static str, &'static str, &'static str)],
        initial: &'static str,
    ) -> Self {
        Reference {
            table,
            state: initial,
            steps: Vec::new(),
        }
    }

    /// Attempts `event`: applied when the table has an arc for it from the current state
    /// (for a choice, the arc to the `branch` the event chose), rejected (and the state
    /// unchanged) otherwise.
    fn attempt(&mut self, event: &'static str, branch: Option<&'static str>) -> Step {
        let sequence = self.steps.len() as u64 + 1;
        let from = self.state;
        let mut arcs = self
            .table
            .iter()
            .filter(|&&(f, e, to)| f == from && e == event && branch.is_none_or(|b| b == to));
        let target = arcs.next().map(|&(_, _, to)| to);
        assert!(
            arcs.next().is_none(),
            "the table has two arcs for `{event}` from `{from}`"
        );
        let step = match target {
            Some(to) => Step {
                sequence,
                from,
                event,
                to,
                outcome: Outcome::Applied,
            },
            None => Step {
                sequence,
                from,
                event,
                to: from,
                outcome: Outcome::Rejected,
            },
        };
        self.state = step.to;
        self.steps.push(step.clone());
        step
    }

    fn applied(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.outcome == Outcome::Applied)
            .count()
    }
}

/// The definition's transitions as `(from, event, to)` names.
fn table_of(def: &'static Definition) -> Vec<(&'static str, &'static str, &'static str)> {
    def.transitions()
        .map(|t| (t.from().name(), t.event().name(), t.to().name()))
        .collect()
}

/// Checks the end of a run: the machine's full record equals the reference's steps, and the
/// record replays to the reference's final state.
fn check_history(
    def: &'static Definition,
    records: &[Record],
    reference: &Reference,
) -> Result<(), TestCaseError> {
    let steps: Vec<Step> = records.iter().map(Step::of).collect();
    prop_assert_eq!(&steps, &reference.steps);
    let replayed = def
        .replay(records)
        .map_err(|e| TestCaseError::fail(format!("the record does not replay: {e}")))?;
    prop_assert_eq!(replayed.state().name(), reference.state);
    prop_assert_eq!(replayed.sequence(), reference.steps.len() as u64);
    prop_assert_eq!(replayed.applied() as usize, reference.applied());
    prop_assert_eq!(
        replayed.rejected() as usize,
        reference.steps.len() - reference.applied()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The tables are the definitions
// ---------------------------------------------------------------------------------------------

#[test]
fn tcp_definition_is_the_reference_table() {
    let states: Vec<&str> = Tcp::DEFINITION.states().map(|s| s.name()).collect();
    assert_eq!(states, TCP_STATES);
    assert_eq!(table_of(Tcp::DEFINITION), TCP_TRANSITIONS);
    assert_eq!(Tcp::DEFINITION.initial().name(), "Closed");
}

#[test]
fn order_definition_is_the_reference_table() {
    let states: Vec<&str> = Order::DEFINITION.states().map(|s| s.name()).collect();
    assert_eq!(states, ORDER_STATES);
    assert_eq!(table_of(Order::DEFINITION), ORDER_TRANSITIONS);
    assert_eq!(Order::DEFINITION.initial().name(), "Pending");
    let terminal: Vec<&str> = Order::DEFINITION
        .states()
        .filter(|s| s.is_terminal())
        .map(|s| s.name())
        .collect();
    assert_eq!(terminal, ["Delivered", "Cancelled"]);
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

/// Any order event, with its data.
fn order_event() -> impl Strategy<Value = order::Event> {
    prop_oneof![
        any::<u64>()
            .prop_map(|amount_cents| order::Event::Pay(order::Paid { amount_cents }.into())),
        "[a-z ]{0,12}".prop_map(|reason| order::Event::Pay(order::Declined { reason }.into())),
        Just(order::Event::Retry),
        Just(order::Event::Cancel),
        "[A-Z]{2}[0-9]{0,6}".prop_map(|tracking| order::Event::Ship { tracking }),
        Just(order::Event::Deliver),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// Random TCP events through the dynamic API: every record, rejection and state is the
    /// reference's.
    #[test]
    fn tcp_dynamic_api_follows_the_reference(events in vec(select(TCP_EVENTS), 0..=200)) {
        let mut d = tcp::Dynamic::from(tcp::start());
        let mut reference = Reference::new(TCP_TRANSITIONS, "Closed");
        for (i, &name) in events.iter().enumerate() {
            let event = tcp_event(name);
            let expected = reference.attempt(name, None);
            match d.apply(event) {
                Ok(record) => {
                    prop_assert_eq!(Step::of(&record), expected, "step {} (`{}`)", i, name);
                }
                Err(rejection) => {
                    prop_assert_eq!(
                        expected.outcome, Outcome::Rejected,
                        "step {}: `{}` rejected in `{}`: {}", i, name, expected.from, rejection
                    );
                    prop_assert!(rejection.is_illegal(), "step {}: {}", i, rejection);
                    prop_assert_eq!(rejection.state().name(), expected.from, "step {}", i);
                    prop_assert_eq!(rejection.event_name(), name, "step {}", i);
                    prop_assert_eq!(rejection.into_event(), event, "step {}: not handed back", i);
                    let record = d.recorder().last().map(Step::of);
                    prop_assert_eq!(record, Some(expected), "step {}: rejection record", i);
                }
            }
            prop_assert_eq!(d.state(), &tcp_state(reference.state), "step {} (`{}`)", i, name);
            prop_assert_eq!(d.sequence(), i as u64 + 1, "step {}", i);
        }
        check_history(Tcp::DEFINITION, d.recorder().records(), &reference)?;
    }

    /// Random order events, with data, through the dynamic API: every record, rejection and
    /// state (with its data: the payload of the event that entered it) is the reference's.
    #[test]
    fn order_dynamic_api_follows_the_reference(events in vec(order_event(), 0..=200)) {
        let mut d = order::Dynamic::from(order::start());
        let mut reference = Reference::new(ORDER_TRANSITIONS, "Pending");
        let mut state = Order::Pending;
        for (i, event) in events.iter().enumerate() {
            let name = order_event_name(event);
            prop_assert_eq!(event.name(), name);
            let expected = reference.attempt(name, order_branch(event));
            match d.apply(event.clone()) {
                Ok(record) => {
                    prop_assert_eq!(Step::of(&record), expected.clone(), "step {}: {:?}", i, event);
                    state = order_state(expected.to, event);
                }
                Err(rejection) => {
                    prop_assert_eq!(
                        expected.outcome, Outcome::Rejected,
                        "step {}: {:?} rejected in `{}`: {}", i, event, expected.from, rejection
                    );
                    prop_assert!(rejection.is_illegal(), "step {}: {}", i, rejection);
                    prop_assert_eq!(rejection.state().name(), expected.from, "step {}", i);
                    prop_assert_eq!(rejection.event_name(), name, "step {}", i);
                    prop_assert_eq!(&rejection.into_event(), event, "step {}: not handed back", i);
                    let record = d.recorder().last().map(Step::of);
                    prop_assert_eq!(record, Some(expected), "step {}: rejection record", i);
                }
            }
            prop_assert_eq!(d.state(), &state, "step {}: {:?}", i, event);
            prop_assert_eq!(d.sequence(), i as u64 + 1, "step {}", i);
        }
        check_history(Order::DEFINITION, d.recorder().records(), &reference)?;
    }

    /// The same random order events through the typed API (calling a method only where the
    /// event is allowed) take the same transitions as the dynamic API, and end in the same
    /// state with the same data.
    #[test]
    fn order_typed_api_takes_the_dynamic_api_transitions(events in vec(order_event(), 0..=200)) {
        let mut d = order::Dynamic::from(order::start());
        let mut typed = order::Typed::Pending(order::start());
        for event in &events {
            let _ = d.apply(event.clone());
            typed = typed_step(typed, event);
        }
        let typed = order::Dynamic::from(typed);

        let transitions = |records: &[Record]| -> Vec<(&'static str, &'static str, &'static str)> {
            records
                .iter()
                .filter(|r| r.outcome() == Outcome::Applied)
                .map(|r| (r.from().name(), r.event().name(), r.to().name()))
                .collect()
        };
        prop_assert_eq!(
            transitions(typed.recorder().records()),
            transitions(d.recorder().records())
        );
        // The typed API records only transitions, numbered from 1 without gaps.
        for (i, record) in typed.recorder().records().iter().enumerate() {
            prop_assert_eq!(record.sequence(), i as u64 + 1);
            prop_assert_eq!(record.outcome(), Outcome::Applied);
        }
        prop_assert_eq!(typed.sequence(), typed.recorder().len() as u64);
        prop_assert_eq!(typed.state(), d.state());
        let replayed = Order::DEFINITION
            .replay(typed.recorder().records())
            .map_err(|e| TestCaseError::fail(format!("the typed record does not replay: {e}")))?;
        prop_assert_eq!(replayed.state().name(), d.state_info().name());
    }
}

/// Applies `event` to a typed machine when its state allows it, by calling the event's method;
/// otherwise returns the machine unchanged (the typed API has no way to attempt an event that
/// is not allowed, so nothing is recorded).
fn typed_step(machine: order::Typed, event: &order::Event) -> order::Typed {
    use order::Event as E;
    use order::Typed as T;
    match (machine, event) {
        (T::Pending(m), E::Pay(choice)) => match m.pay(choice.clone()) {
            order::PaidOrDeclined::Paid(m) => T::Paid(m),
            order::PaidOrDeclined::Declined(m) => T::Declined(m),
        },
        (T::Declined(m), E::Retry) => T::Pending(m.retry()),
        (T::Declined(m), E::Cancel) => T::Cancelled(m.cancel()),
        (T::Pending(m), E::Cancel) => T::Cancelled(m.cancel()),
        (T::Paid(m), E::Ship { tracking }) => T::Shipped(m.ship(order::Shipped {
            tracking: tracking.clone(),
        })),
        (T::Paid(m), E::Cancel) => T::Cancelled(m.cancel()),
        (T::Shipped(m), E::Deliver) => T::Delivered(m.deliver()),
        (machine, _) => machine,
    }
}

/// The typed helper itself, on one walk: it calls the methods where allowed and ignores the
/// rest.
#[test]
fn typed_step_ignores_events_that_are_not_allowed() {
    let events = [
        order::Event::Ship {
            tracking: "XX1".into(),
        },
        order::Event::Pay(order::Paid { amount_cents: 7 }.into()),
        order::Event::Pay(order::Paid { amount_cents: 8 }.into()),
        order::Event::Ship {
            tracking: "XX2".into(),
        },
        order::Event::Cancel,
        order::Event::Deliver,
    ];
    let mut typed = order::Typed::Pending(order::start());
    for event in &events {
        typed = typed_step(typed, event);
    }
    let d = order::Dynamic::from(typed);
    assert_eq!(
        d.recorder().to_string(),
        "#1 Pending --pay--> Paid\n#2 Paid --ship--> Shipped\n#3 Shipped --deliver--> Delivered\n"
    );
    assert_eq!(d.state(), &Order::Delivered);
}
