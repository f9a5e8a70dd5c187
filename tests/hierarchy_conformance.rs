//! Cases of the W3C SCXML conformance tests (the Implementation Report Plan,
//! <https://www.w3.org/Voice/2013/scxml-irp/>) about compound states, transition selection and
//! the order of exits and entries, as compiled statewright machines.
//!
//! The W3C tests observe the interpreter through a data model (`<assign>` counters, `cond`
//! checks, `In()`), raised events (`<raise>`, eventless transitions) and a `pass`/`fail` final
//! state. None of that exists here, so each case keeps the chart of its test where statewright
//! can declare it, applies the events the test raises itself, and observes what the counters
//! and the events' order stood for: every hook call, in order. Every state and composite has
//! entry and exit hooks, every event an action, and the recorder writes into the same log, so
//! one step reads as SCXML's microstep: the states exited (innermost first), the transition's
//! content (the action), the record, the states entered (outermost first). Each step is also
//! checked against the definition's `Transition::exited()` and `entered()`.
//!
//! The random charts of `statewright-macros`' conformance tests compare the same semantics with
//! a reference SCXML interpreter; these cases pin the spec's own examples.

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

use statewright::{Dynamic, Record, Recorder, StateInfo, StateMachine, state_machine};

/// The log shared by the hooks (through the context) and the recorder.
type Log = Rc<RefCell<Vec<String>>>;

/// The context: every hook call goes into the log.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    log: Log,
}

impl Trace {
    fn push(&mut self, line: String) {
        self.log.borrow_mut().push(line);
    }
}

/// A recorder that writes each record into the same log, as `record S01 -event1-> S02`.
#[derive(Clone, Default)]
pub struct Tape {
    log: Log,
}

impl Recorder for Tape {
    type Error = Infallible;
    fn record(&mut self, record: &Record) -> Result<(), Infallible> {
        let rejected = if record.is_applied() {
            ""
        } else {
            " (rejected)"
        };
        self.log.borrow_mut().push(format!(
            "record {} -{}-> {}{rejected}",
            record.from().name(),
            record.event().name(),
            record.to().name()
        ));
        Ok(())
    }
}

/// The `Hooks` impl of a machine: each entry and exit hook logs `enter X` / `exit X`, each
/// action `on_event From -> To`.
macro_rules! traced {
    (
        $machine:ident;
        enter: $($enter:ident $entered:literal),*;
        exit: $($exit:ident $exited:literal),*;
        on: $($on:ident),* $(;)?
    ) => {
        impl $machine::Hooks for Trace {
            type Error = String;
            $(
                fn $enter(&mut self) {
                    self.push(format!("enter {}", $entered));
                }
            )*
            $(
                fn $exit(&mut self) -> Result<(), String> {
                    self.push(format!("exit {}", $exited));
                    Ok(())
                }
            )*
            $(
                fn $on(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
                    self.push(format!("{} {from} -> {to}", stringify!($on)));
                    Ok(())
                }
            )*
        }
    };
}

/// Starts `state` (the initial state) with a fresh log; returns the machine and what starting
/// it logged.
fn start<M: StateMachine<Context = Trace>>(state: M) -> (Dynamic<M, Tape>, Vec<String>) {
    let log = Log::default();
    let tape = Tape { log: log.clone() };
    let machine = Dynamic::start_with_context(state, Trace { log }, tape)
        .unwrap_or_else(|_| panic!("not the initial state"));
    let started = take(&machine);
    (machine, started)
}

fn take<M: StateMachine<Context = Trace>>(machine: &Dynamic<M, Tape>) -> Vec<String> {
    std::mem::take(&mut *machine.context().log.borrow_mut())
}

/// Applies `event` and returns what it logged, after checking that the log is what the
/// definition says the transition does: its `exited()` nodes' exit hooks, the action, the
/// record, its `entered()` nodes' entry hooks.
fn apply<M: StateMachine<Context = Trace>>(
    machine: &mut Dynamic<M, Tape>,
    event: M::Event,
) -> Vec<String> {
    let from = machine.state_info();
    let applied = machine.apply(event);
    let log = take(machine);
    if let Ok(record) = applied {
        let transition = from
            .transitions()
            .find(|t| t.event_id() == record.event_id() && t.to_id() == record.to_id())
            .expect("the record's transition is in the definition");
        let (event, to) = (record.event().name(), record.to().name());
        let mut expected: Vec<String> = transition
            .exited()
            .map(|node| format!("exit {node}"))
            .collect();
        expected.push(format!("on_{event} {from} -> {to}"));
        expected.push(format!("record {from} -{event}-> {to}"));
        expected.extend(transition.entered().map(|node| format!("enter {node}")));
        assert_eq!(
            log, expected,
            "the log against the definition's exit and entry sets"
        );
    }
    log
}

// ---------------------------------------------------------------------------------------------
// test403a: "we test one part of 'optimal enablement' meaning that of all transitions that are
// enabled, we chose the ones in child states over parent states" (§3.13).
//
// The W3C chart: `s0` (initial `s01`) has `event1 -> fail` and `event2 -> pass`; `s01` raises
// `event1` on entry and has `event1 -> s02` (and `*` -> fail); `s02` raises `event2` and has
// `event1 -> fail` and `event2 cond="false" -> fail`. Passing means: `event1` is taken by
// `s01`'s transition, not `s0`'s; `event2` by `s0`'s, since `s02`'s is disabled.
//
// Adapted: the events are applied rather than raised; the watchdog timeout and the `*`
// transition are dropped (no wildcards). `s02`'s own `event1 -> fail` is left to the one it
// inherits from `s0` (same target, same exits: out of `S02` and `S0`), since a composite
// transition that every state inside overrides is a compile error. `s02`'s disabled transition
// is left out: a statewright guard is one decision per event and every declaration of a
// guarded event is the same guard (`event2 -> Target?` everywhere), so a child's guard on
// `event2` beside the parent's plain `event2 -> Pass` does not compile; what the test checks,
// that the parent's transition is taken when the child has none enabled, is what inheritance
// does.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(S0, initial, enter, exit, on(event1 -> Fail, event2 -> Pass))]
#[derive(Debug, Clone, PartialEq)]
pub enum T403a {
    #[initial]
    #[parent(S0)]
    #[enter]
    #[exit]
    #[on(event1 -> S02)]
    S01,
    #[parent(S0)]
    #[enter]
    #[exit]
    S02,
    #[terminal]
    #[enter]
    Pass,
    #[terminal]
    #[enter]
    Fail,
}

traced! {
    t403a;
    enter: enter_s0 "S0", enter_s01 "S01", enter_s02 "S02", enter_pass "Pass", enter_fail "Fail";
    exit: exit_s0 "S0", exit_s01 "S01", exit_s02 "S02";
    on: on_event1, on_event2;
}

#[test]
fn test403a_a_childs_transition_preempts_its_parents() {
    let (mut m, started) = start(T403a::S01);
    assert_eq!(started, ["enter S0", "enter S01"]);
    // `S01` handles `event1` itself: to `S02`, inside `S0`, which is neither left nor entered.
    assert_eq!(
        apply(&mut m, t403a::Event::Event1),
        [
            "exit S01",
            "on_event1 S01 -> S02",
            "record S01 -event1-> S02",
            "enter S02"
        ]
    );
    // `S02` has no `event2`: `S0`'s is taken, out of `S02` and `S0`.
    assert_eq!(
        apply(&mut m, t403a::Event::Event2),
        [
            "exit S02",
            "exit S0",
            "on_event2 S02 -> Pass",
            "record S02 -event2-> Pass",
            "enter Pass"
        ]
    );
    assert_eq!(m.state(), &T403a::Pass);
}

// ---------------------------------------------------------------------------------------------
// test503: "If the transition does not contain a 'target', its exit set is empty" (§3.13).
// test533 (and 505/506 for atomic sources): a transition with a target that is its atomic
// source exits and re-enters it, even with `type="internal"`.
//
// The W3C chart of 503: `s1` raises `foo` and `bar`, then goes to `s2`; `s2` counts its exits,
// has a targetless `foo` (counting) and `bar -> s3`; `s3` passes if `s2` was exited once.
//
// Adapted: statewright has no targetless transitions; a state's own self-loop (`foo -> S2` on
// `S2`) is the same thing, an internal transition that exits and enters nothing (only its
// action runs). Here statewright deliberately differs from an SCXML transition that *names*
// its atomic source: SCXML exits and re-enters the state, statewright does not, as in a flat
// machine. `S2` is put inside a composite, `Outer`, to show that the self-loop leaves no
// composite either.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(Outer, enter, exit)]
#[derive(Debug, Clone, PartialEq)]
pub enum T503 {
    #[initial]
    #[enter]
    #[exit]
    #[on(start -> S2)]
    S1,
    #[initial]
    #[parent(Outer)]
    #[enter]
    #[exit]
    #[on(foo -> S2, bar -> S3)]
    S2,
    #[terminal]
    #[enter]
    S3,
}

traced! {
    t503;
    enter: enter_outer "Outer", enter_s1 "S1", enter_s2 "S2", enter_s3 "S3";
    exit: exit_outer "Outer", exit_s1 "S1", exit_s2 "S2";
    on: on_start, on_foo, on_bar;
}

#[test]
fn test503_a_self_loop_exits_nothing_like_a_targetless_transition() {
    let (mut m, started) = start(T503::S1);
    assert_eq!(started, ["enter S1"]);
    assert_eq!(
        apply(&mut m, t503::Event::Start),
        [
            "exit S1",
            "on_start S1 -> S2",
            "record S1 -start-> S2",
            "enter Outer",
            "enter S2"
        ]
    );
    // Only the action: no exit, no entry (an SCXML `target="s2"` would exit and enter `s2`).
    assert_eq!(
        apply(&mut m, t503::Event::Foo),
        ["on_foo S2 -> S2", "record S2 -foo-> S2"]
    );
    // `S2` is exited once in all (503's `Var1 == 1`).
    assert_eq!(
        apply(&mut m, t503::Event::Bar),
        [
            "exit S2",
            "exit Outer",
            "on_bar S2 -> S3",
            "record S2 -bar-> S3",
            "enter S3"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// test504: "if [a transition's] 'type' is "external", its exit set consists of all active states
// that are proper descendents of the Least Common Compound Ancestor (LCCA) of the source and
// target states" (§3.13).
//
// The W3C chart: `s1` raises `foo` and `bar`, then goes to `p`, a `<parallel>` inside `s2`
// with regions `ps1` and `ps2`; `p` has `foo -> ps1` (counting) and `bar -> s3`; passing means
// `p`, `ps1` and `ps2` were each exited twice and `s2` once: `foo`'s LCCA is `s2`, so it exits
// and re-enters `p`.
//
// Adapted: `p` is a composite (no parallel regions), with `Ps1` its initial state; `ps2`, a
// second region active beside `ps1`, has no counterpart. The events are applied.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(S2, enter, exit)]
#[composite(P, parent = S2, initial, enter, exit, on(foo -> Ps1, bar -> S3))]
#[derive(Debug, Clone, PartialEq)]
pub enum T504 {
    #[initial]
    #[enter]
    #[exit]
    #[on(start -> P)]
    S1,
    #[initial]
    #[parent(P)]
    #[enter]
    #[exit]
    Ps1,
    #[terminal]
    #[enter]
    S3,
}

traced! {
    t504;
    enter: enter_s2 "S2", enter_p "P", enter_s1 "S1", enter_ps1 "Ps1", enter_s3 "S3";
    exit: exit_s2 "S2", exit_p "P", exit_s1 "S1", exit_ps1 "Ps1";
    on: on_start, on_foo, on_bar;
}

#[test]
fn test504_an_external_transition_exits_everything_below_the_lcca() {
    let (mut m, started) = start(T504::S1);
    assert_eq!(started, ["enter S1"]);
    // Into `P`: through `S2`, and down to `P`'s initial state.
    assert_eq!(
        apply(&mut m, t504::Event::Start),
        [
            "exit S1",
            "on_start S1 -> Ps1",
            "record S1 -start-> Ps1",
            "enter S2",
            "enter P",
            "enter Ps1"
        ]
    );
    // `P`'s `foo -> Ps1`: the LCCA of `P` and `Ps1` is `S2`, so `P` is left and entered again.
    assert_eq!(
        apply(&mut m, t504::Event::Foo),
        [
            "exit Ps1",
            "exit P",
            "on_foo Ps1 -> Ps1",
            "record Ps1 -foo-> Ps1",
            "enter P",
            "enter Ps1"
        ]
    );
    // `bar` leaves everything: `P` and `Ps1` exited twice in all, `S2` once.
    assert_eq!(
        apply(&mut m, t504::Event::Bar),
        [
            "exit Ps1",
            "exit P",
            "exit S2",
            "on_bar Ps1 -> S3",
            "record Ps1 -bar-> S3",
            "enter S3"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// test505: "if the transition has 'type' "internal", its source state is a compound state and
// all its target states are proper descendents of its source state, the target set consists of
// all active states that are proper descendents of its source state" (§3.13): the source is
// not exited.
//
// The W3C chart: `s1` raises `foo` and `bar` on entry and counts its exits; its child `s11`
// counts its own; `s1` has `foo type="internal" -> s11` and `bar -> s2`; passing means `s1`
// was exited once (by `bar`) and `s11` twice.
//
// Adapted: statewright builds no internal transitions (a deliberate difference): a composite's
// transition to a state inside it is external, so `foo` exits and re-enters `S1` too, and `S1`
// is exited twice where SCXML exits it once. `s11`'s count is the same.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(S1, initial, enter, exit, on(foo -> S11, bar -> S2))]
#[derive(Debug, Clone, PartialEq)]
pub enum T505 {
    #[initial]
    #[parent(S1)]
    #[enter]
    #[exit]
    S11,
    #[terminal]
    #[enter]
    S2,
}

traced! {
    t505;
    enter: enter_s1 "S1", enter_s11 "S11", enter_s2 "S2";
    exit: exit_s1 "S1", exit_s11 "S11";
    on: on_foo, on_bar;
}

#[test]
fn test505_differs_a_composites_transition_into_itself_is_external() {
    let (mut m, started) = start(T505::S11);
    assert_eq!(started, ["enter S1", "enter S11"]);
    // SCXML's internal `foo` would log only `exit S11`, the action and `enter S11`.
    assert_eq!(
        apply(&mut m, t505::Event::Foo),
        [
            "exit S11",
            "exit S1",
            "on_foo S11 -> S11",
            "record S11 -foo-> S11",
            "enter S1",
            "enter S11"
        ]
    );
    assert_eq!(
        apply(&mut m, t505::Event::Bar),
        [
            "exit S11",
            "exit S1",
            "on_bar S11 -> S2",
            "record S11 -bar-> S2",
            "enter S2"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// test506: "If a transition has 'type' of "internal", but its source state is not a compound
// state or its target states are not all proper descendents of its source state, its exit set
// is defined as if it had 'type' of "external"" (§3.13).
//
// The W3C chart: `s1` raises `foo` and `bar`, then goes to `s2` (initial `s21`); `s2` has
// `foo type="internal" -> s2` (counting) and `bar -> s3`; passing means `s2` and `s21` were
// each exited twice: `foo` targets its own source, so it is external.
//
// Adapted: a composite's transition to itself is external in statewright too; the same counts.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(S2, enter, exit, on(foo -> S2, bar -> S3))]
#[derive(Debug, Clone, PartialEq)]
pub enum T506 {
    #[initial]
    #[enter]
    #[exit]
    #[on(start -> S2)]
    S1,
    #[initial]
    #[parent(S2)]
    #[enter]
    #[exit]
    S21,
    #[terminal]
    #[enter]
    S3,
}

traced! {
    t506;
    enter: enter_s1 "S1", enter_s2 "S2", enter_s21 "S21", enter_s3 "S3";
    exit: exit_s1 "S1", exit_s2 "S2", exit_s21 "S21";
    on: on_start, on_foo, on_bar;
}

#[test]
fn test506_a_composites_transition_to_itself_exits_and_enters_it() {
    let (mut m, started) = start(T506::S1);
    assert_eq!(started, ["enter S1"]);
    apply(&mut m, t506::Event::Start);
    assert_eq!(
        apply(&mut m, t506::Event::Foo),
        [
            "exit S21",
            "exit S2",
            "on_foo S21 -> S21",
            "record S21 -foo-> S21",
            "enter S2",
            "enter S21"
        ]
    );
    assert_eq!(
        apply(&mut m, t506::Event::Bar),
        [
            "exit S21",
            "exit S2",
            "on_bar S21 -> S3",
            "record S21 -bar-> S3",
            "enter S3"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// test364: "If a compound state is entered either as an initial state or as the target of a
// transition (i.e. and no descendent of it is specified), then the SCXML Processor MUST enter
// the default initial state(s) after it enters the parent state" (§3.3); with test413 (the
// start configuration is the `<scxml>` element's `initial`, entered recursively), test404 and
// test405 ("states are exited in exit order (children before parents ...) before the
// executable content in the transitions") and test406 (entered "in entry order (parents before
// children ...)" after it).
//
// The W3C charts reach their default initial states through `initial` attributes that name
// deep descendants inside `<parallel>` regions (364, 413), an `<initial>` element (364), and
// the first child in document order (364's `s3`: `s31`, `s311`, `s3111`), and observe the
// configuration with raised events and `In()`; 404 to 406 exit and enter `<parallel>` regions.
//
// Adapted: no parallel regions; every composite names its initial child (statewright has no
// default to the first child: an `initial` is required at every level, a deliberate
// difference). The chain `S1 > S11 > S111` is entered at start, `next` goes into `S2`
// (`S21 > S211`), then into `S3`, four levels down to `S3111`, then out of all of them.
// ---------------------------------------------------------------------------------------------

#[state_machine(hooks, context = Trace)]
#[composite(S1, initial, enter, exit, on(next -> S2))]
#[composite(S11, parent = S1, initial, enter, exit)]
#[composite(S2, enter, exit, on(next -> S3))]
#[composite(S21, parent = S2, initial, enter, exit)]
#[composite(S3, enter, exit)]
#[composite(S31, parent = S3, initial, enter, exit)]
#[composite(S311, parent = S31, initial, enter, exit)]
#[derive(Debug, Clone, PartialEq)]
pub enum T364 {
    #[initial]
    #[parent(S11)]
    #[enter]
    #[exit]
    S111,
    #[initial]
    #[parent(S21)]
    #[enter]
    #[exit]
    S211,
    #[initial]
    #[parent(S311)]
    #[enter]
    #[exit]
    #[on(finish -> Pass)]
    S3111,
    #[terminal]
    #[enter]
    Pass,
}

traced! {
    t364;
    enter: enter_s1 "S1", enter_s11 "S11", enter_s2 "S2", enter_s21 "S21", enter_s3 "S3",
        enter_s31 "S31", enter_s311 "S311", enter_s111 "S111", enter_s211 "S211",
        enter_s3111 "S3111", enter_pass "Pass";
    exit: exit_s1 "S1", exit_s11 "S11", exit_s2 "S2", exit_s21 "S21", exit_s3 "S3",
        exit_s31 "S31", exit_s311 "S311", exit_s111 "S111", exit_s211 "S211",
        exit_s3111 "S3111";
    on: on_next, on_finish;
}

#[test]
fn test364_initial_states_are_entered_recursively_after_their_parents() {
    let (mut m, started) = start(T364::S111);
    assert_eq!(started, ["enter S1", "enter S11", "enter S111"]);
    assert_eq!(
        apply(&mut m, t364::Event::Next),
        [
            "exit S111",
            "exit S11",
            "exit S1",
            "on_next S111 -> S211",
            "record S111 -next-> S211",
            "enter S2",
            "enter S21",
            "enter S211"
        ]
    );
    assert_eq!(
        apply(&mut m, t364::Event::Next),
        [
            "exit S211",
            "exit S21",
            "exit S2",
            "on_next S211 -> S3111",
            "record S211 -next-> S3111",
            "enter S3",
            "enter S31",
            "enter S311",
            "enter S3111"
        ]
    );
    assert_eq!(
        apply(&mut m, t364::Event::Finish),
        [
            "exit S3111",
            "exit S311",
            "exit S31",
            "exit S3",
            "on_finish S3111 -> Pass",
            "record S3111 -finish-> Pass",
            "enter Pass"
        ]
    );
}

#[test]
fn an_event_no_state_on_the_path_handles_is_refused_without_hooks() {
    // SCXML discards an event that enables no transition; statewright refuses it, records the
    // attempt as rejected, and runs no hook.
    let (mut m, _) = start(T364::S111);
    assert_eq!(
        apply(&mut m, t364::Event::Finish),
        ["record S111 -finish-> S111 (rejected)"]
    );
    assert_eq!(m.state(), &T364::S111);
}
