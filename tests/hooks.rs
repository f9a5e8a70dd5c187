//! Shared context, entry/exit hooks, transition actions, choices and guards, through the typed
//! and the dynamic API: the order in which hooks and the record happen, what a failing hook
//! leaves behind, and the context carried through conversions and snapshots.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use statewright::{
    Cause, Dynamic, Failure, Record, RecordError, Recorder, State, StateInfo, StateMachine,
    TypedMachine, state_machine,
};

/// One log shared by the hooks (through the context) and the recorder, so that the order of
/// hooks and records is visible in one list.
type Log = Rc<RefCell<Vec<String>>>;

/// The context: the shared log, which hook to fail, and a counter the hooks change.
#[derive(Debug, Clone, Default)]
struct Trace {
    log: Log,
    fail: Option<&'static str>,
    entered: u32,
}

impl Trace {
    /// Logs `hook`, and fails it when it starts with the label in `fail`.
    fn run(&mut self, hook: String) -> Result<(), String> {
        let failing = self.fail.is_some_and(|f| hook.starts_with(f));
        self.log.borrow_mut().push(if failing {
            format!("{hook} (fails)")
        } else {
            hook.clone()
        });
        if failing { Err(hook) } else { Ok(()) }
    }
}

/// A machine with every kind of transition and a hook on every state.
#[state_machine(context = Trace)]
#[derive(Debug, Clone, PartialEq)]
enum Flow {
    #[initial]
    #[enter]
    #[exit]
    #[on(go -> B, pick -> B | C, maybe -> C?)]
    A,
    #[enter]
    #[exit]
    #[on(back -> A, stay -> B)]
    B { n: u32 },
    #[enter]
    #[on(back -> A)]
    C,
}

impl flow::Hooks for Trace {
    type Error = String;

    fn enter_a(&mut self) {
        self.entered += 1;
        let _ = self.run("enter A".into());
    }
    fn exit_a(&mut self) -> Result<(), String> {
        self.run("exit A".into())
    }
    fn enter_b(&mut self, n: &mut u32) {
        self.entered += 1;
        let _ = self.run(format!("enter B n={n}"));
        *n += 100; // an entry hook can complete the state's data
    }
    fn exit_b(&mut self, n: &u32) -> Result<(), String> {
        self.run(format!("exit B n={n}"))
            .map_err(|_| "exit B".into())
    }
    fn enter_c(&mut self) {
        self.entered += 1;
        let _ = self.run("enter C".into());
    }
    fn on_go(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
        self.run(format!("on go {}->{}", from.name(), to.name()))
            .map_err(|_| "on go".into())
    }
    fn on_pick(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
        self.run(format!("on pick {}->{}", from.name(), to.name()))
    }
    fn on_stay(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        self.run("on stay".into())
    }
    // `on_back` and `on_maybe` keep their default: nothing.
}

#[derive(Debug, Clone, PartialEq)]
struct Full;
impl RecordError for Full {}
impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("full")
    }
}

/// A recorder that writes into the shared log, and refuses records while `refuse` is set.
#[derive(Clone)]
struct Logged {
    log: Log,
    refuse: Rc<Cell<bool>>,
    records: Vec<Record>,
}

impl Recorder for Logged {
    type Error = Full;
    fn record(&mut self, record: &Record) -> Result<(), Full> {
        if self.refuse.get() {
            self.log
                .borrow_mut()
                .push(format!("record {record} (refused)"));
            return Err(Full);
        }
        self.log.borrow_mut().push(format!("record {record}"));
        self.records.push(*record);
        Ok(())
    }
}

fn setup() -> (Trace, Logged, Log) {
    let log = Log::default();
    let trace = Trace {
        log: log.clone(),
        ..Trace::default()
    };
    let recorder = Logged {
        log: log.clone(),
        refuse: Rc::new(Cell::new(false)),
        records: Vec::new(),
    };
    (trace, recorder, log)
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.borrow_mut())
}

#[test]
fn typed_order_is_exit_action_record_enter() {
    let (trace, recorder, log) = setup();
    let m = flow::start_with(trace, recorder);
    assert_eq!(take(&log), ["enter A"], "starting enters the initial state");
    let m = m.go(flow::B { n: 5 }).unwrap();
    assert_eq!(
        take(&log),
        [
            "exit A",
            "on go A->B",
            "record #1 A --go--> B",
            "enter B n=5"
        ]
    );
    assert_eq!(m.n, 105, "the entry hook changed the state's data");
    assert_eq!(m.context().entered, 2);

    // A self-loop stays: its action runs, exit and entry do not.
    let m = m.stay_with(|b| b).unwrap();
    assert_eq!(take(&log), ["on stay", "record #2 B --stay--> B"]);
    assert_eq!(m.n, 105);

    // A default action does nothing; the hooks of the states still run.
    let m = m.back().unwrap();
    assert_eq!(
        take(&log),
        ["exit B n=105", "record #3 B --back--> A", "enter A"]
    );
    assert_eq!(m.sequence(), 3);
}

#[test]
fn a_machine_with_a_context_not_in_its_initial_state_is_told_to_resume_with_it() {
    let (trace, recorder, _) = setup();
    let refused = Dynamic::start_with_context(Flow::C, trace, recorder).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`Flow` starts in `A`, not in `C`; use `Dynamic::resume_with_context` to continue from a stored state"
    );
}

#[test]
fn dynamic_order_is_the_same() {
    let (trace, recorder, log) = setup();
    let mut d = Dynamic::start_with_context(Flow::A, trace, recorder).unwrap();
    assert_eq!(take(&log), ["enter A"]);
    d.apply(flow::Event::Go { n: 5 }).unwrap();
    assert_eq!(
        take(&log),
        [
            "exit A",
            "on go A->B",
            "record #1 A --go--> B",
            "enter B n=5"
        ]
    );
    assert_eq!(d.state(), &Flow::B { n: 105 });
    d.apply(flow::Event::Stay { n: 7 }).unwrap();
    assert_eq!(take(&log), ["on stay", "record #2 B --stay--> B"]);
    assert_eq!(
        d.state(),
        &Flow::B { n: 7 },
        "a self-loop takes the event's data"
    );
    d.apply(flow::Event::Back).unwrap();
    assert_eq!(
        take(&log),
        ["exit B n=7", "record #3 B --back--> A", "enter A"]
    );
    assert_eq!(d.context().entered, 3);
}

#[test]
fn a_failing_exit_hook_vetoes_and_the_attempt_is_recorded_as_rejected() {
    let (mut trace, recorder, log) = setup();
    trace.fail = Some("exit A");
    let m = flow::start_with(trace.clone(), recorder.clone());
    take(&log);
    let refused = m.go(flow::B { n: 1 }).unwrap_err();
    assert_eq!(
        take(&log),
        ["exit A (fails)", "record #1 A --go--x rejected"]
    );
    assert_eq!(refused.error(), &Failure::Vetoed("exit A".to_owned()));
    assert_eq!(
        refused.to_string(),
        "the transition did not happen: a hook vetoed it: exit A"
    );
    let m = refused.into_machine();
    let _: &flow::A = m.state();
    assert_eq!(m.sequence(), 1);

    // The same through the dynamic API: the event comes back, the state is unchanged.
    let mut d = Dynamic::start_with_context(Flow::A, trace, recorder).unwrap();
    take(&log);
    let rejection = d.apply(flow::Event::Go { n: 1 }).unwrap_err();
    assert_eq!(rejection.cause(), &Cause::Vetoed("exit A".to_owned()));
    assert_eq!(
        rejection.to_string(),
        "`Flow` did not apply `go` in state `A`: a hook vetoed it: exit A"
    );
    assert_eq!(rejection.into_event(), flow::Event::Go { n: 1 });
    assert_eq!(d.state(), &Flow::A);
    assert_eq!(
        take(&log),
        ["exit A (fails)", "record #1 A --go--x rejected"]
    );
}

#[test]
fn a_failing_action_vetoes_after_the_exit_hook_ran() {
    let (mut trace, recorder, log) = setup();
    trace.fail = Some("on go A->B");
    let mut d = Dynamic::start_with_context(Flow::A, trace.clone(), recorder.clone()).unwrap();
    take(&log);
    let rejection = d.apply(flow::Event::Go { n: 1 }).unwrap_err();
    assert_eq!(rejection.cause(), &Cause::Vetoed("on go".to_owned()));
    assert_eq!(
        take(&log),
        [
            "exit A",
            "on go A->B (fails)",
            "record #1 A --go--x rejected"
        ]
    );
    assert_eq!((d.state(), d.sequence()), (&Flow::A, 1));

    let m = flow::start_with(trace, recorder);
    take(&log);
    let refused = m.go(flow::B { n: 1 }).unwrap_err();
    assert_eq!(refused.error(), &Failure::Vetoed("on go".to_owned()));
    assert_eq!(
        take(&log),
        [
            "exit A",
            "on go A->B (fails)",
            "record #1 A --go--x rejected"
        ]
    );
}

#[test]
fn a_refused_record_stops_the_transition_after_exit_and_action_and_before_entry() {
    let (trace, recorder, log) = setup();
    let refuse = recorder.refuse.clone();
    let m = flow::start_with(trace.clone(), recorder.clone());
    take(&log);
    refuse.set(true);
    let refused = m.go(flow::B { n: 1 }).unwrap_err();
    assert_eq!(refused.error(), &Failure::Unrecorded(Full));
    assert_eq!(
        take(&log),
        ["exit A", "on go A->B", "record #1 A --go--> B (refused)"]
    );
    let m = refused.into_machine();
    assert_eq!((m.state_info().name(), m.sequence()), ("A", 0));

    // A veto whose rejection cannot be recorded either says both.
    let mut trace = trace;
    trace.fail = Some("exit A");
    let mut d = Dynamic::start_with_context(Flow::A, trace, recorder).unwrap();
    take(&log);
    let rejection = d.apply(flow::Event::Go { n: 1 }).unwrap_err();
    assert_eq!(
        rejection.cause(),
        &Cause::VetoedUnrecorded("exit A".to_owned(), Full)
    );
    assert_eq!(d.sequence(), 0);
}

#[test]
fn a_guard_declines_without_running_hooks_and_records_the_rejection() {
    let (trace, recorder, log) = setup();
    let m = flow::start_with(trace.clone(), recorder.clone());
    take(&log);
    let m = m.maybe(None).unwrap().unwrap_err();
    assert_eq!(take(&log), ["record #1 A --maybe--x rejected"]);
    let _: &flow::A = m.state();
    let m = m.maybe_with(|_| Some(flow::C)).unwrap().unwrap();
    assert_eq!(
        take(&log),
        ["exit A", "record #2 A --maybe--> C", "enter C"]
    );
    assert_eq!(m.state_info().name(), "C");

    let mut d = Dynamic::start_with_context(Flow::A, trace, recorder).unwrap();
    take(&log);
    let rejection = d.apply(flow::Event::Maybe(None)).unwrap_err();
    assert_eq!(rejection.cause(), &Cause::Declined);
    assert!(!rejection.is_illegal());
    assert_eq!(
        rejection.to_string(),
        "`Flow` did not apply `maybe` in state `A`: its guard declined"
    );
    assert_eq!(take(&log), ["record #1 A --maybe--x rejected"]);
    d.apply(flow::Event::Maybe(Some(flow::C))).unwrap();
    assert_eq!(d.state(), &Flow::C);
}

#[test]
fn a_choice_takes_the_branch_the_caller_chose_and_records_it() {
    let (trace, recorder, log) = setup();
    let m = flow::start_with(trace.clone(), recorder.clone());
    take(&log);
    match m.pick(flow::B { n: 2 }).unwrap() {
        flow::BOrC::B(b) => assert_eq!(b.n, 102),
        flow::BOrC::C(_) => panic!("chose B"),
    }
    assert_eq!(
        take(&log),
        [
            "exit A",
            "on pick A->B",
            "record #1 A --pick--> B",
            "enter B n=2"
        ]
    );
    let m = flow::start_with(trace.clone(), recorder.clone());
    let c = match m.pick_with(|_: &flow::A| flow::BOrC::C(flow::C)).unwrap() {
        flow::BOrC::C(c) => c,
        flow::BOrC::B(_) => panic!("chose C"),
    };
    assert_eq!(
        c.recorder().records.last().unwrap().to_string(),
        "#1 A --pick--> C"
    );

    let mut d = Dynamic::start_with_context(Flow::A, trace, recorder).unwrap();
    d.apply(flow::Event::Pick(flow::C.into())).unwrap();
    assert_eq!(d.state(), &Flow::C);
    assert_eq!(
        d.recorder().records.last().unwrap().to_string(),
        "#1 A --pick--> C"
    );
    // Both branches replay; the definition allows each.
    let def = Flow::DEFINITION;
    let (a, pick) = (
        def.state("A").unwrap().id(),
        def.event("pick").unwrap().id(),
    );
    assert!(def.allows(a, pick, def.state("B").unwrap().id()));
    assert!(def.allows(a, pick, def.state("C").unwrap().id()));
    assert!(!def.allows(a, pick, a));
    assert_eq!(
        def.replay(&d.recorder().records).unwrap().state().name(),
        "C"
    );
}

#[test]
fn the_context_is_carried_through_typed_and_dynamic_conversions() {
    let (trace, recorder, _log) = setup();
    let mut m = flow::start_with(trace, recorder)
        .go(flow::B { n: 1 })
        .unwrap();
    m.context_mut().entered = 40;
    let mut d = Dynamic::from(m);
    assert_eq!(d.context().entered, 40);
    d.context_mut().entered += 1;
    let m = match d.into_typed() {
        flow::Typed::B(b) => b,
        _ => panic!("in B"),
    };
    assert_eq!(m.context().entered, 41);
    let (state, context, sequence, _recorder) = m.into_all_parts();
    assert_eq!((state.n, context.entered, sequence), (101, 41, 1));

    // Resuming does not enter the state again: it was entered before it was stored.
    let (trace, recorder, log) = setup();
    let history = [*flow::start_with(trace.clone(), recorder.clone())
        .go(flow::B { n: 1 })
        .unwrap()
        .recorder()
        .records
        .last()
        .unwrap()];
    take(&log);
    let d = Dynamic::resume_with_context(Flow::B { n: 101 }, trace, history, recorder).unwrap();
    assert_eq!(take(&log), Vec::<String>::new());
    assert_eq!(d.sequence(), 1);
}

#[test]
fn every_state_lists_its_events_as_a_const_slice() {
    const A: &[&str] = <flow::A as State>::EVENTS;
    assert_eq!(A, ["go", "pick", "maybe"]);
    assert_eq!(<flow::B as State>::EVENTS, ["back", "stay"]);
    assert_eq!(<flow::C as State>::EVENTS, ["back"]);
    // The same as the definition's, where a choice is one event.
    let names: Vec<&str> = Flow::DEFINITION
        .allowed_events(<flow::A as State>::ID)
        .map(|e| e.name())
        .collect();
    assert_eq!(names, A);
    assert_eq!(
        Flow::DEFINITION
            .allowed_events(<flow::A as State>::ID)
            .len(),
        3
    );
}

#[test]
fn the_definition_knows_choices_guards_and_hooks() {
    let def = Flow::DEFINITION;
    let kinds: Vec<String> = def
        .transitions()
        .map(|t| {
            format!(
                "{t}{}{}",
                if t.is_choice() { " choice" } else { "" },
                if t.is_guarded() { " guarded" } else { "" }
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "A --go--> B",
            "A --pick--> B choice",
            "A --pick--> C choice",
            "A --maybe--> C guarded",
            "B --back--> A",
            "B --stay--> B",
            "C --back--> A",
        ]
    );
    let hooks: Vec<(bool, bool)> = def
        .states()
        .map(|s| (s.has_entry_hook(), s.has_exit_hook()))
        .collect();
    assert_eq!(hooks, [(true, true), (true, true), (true, false)]);
    assert!(def.has_hooks());
    let a = def.state("A").unwrap().id();
    assert!(def.can_decline(a, def.event("go").unwrap().id()));
}

#[cfg(feature = "serde")]
mod snapshots {
    use super::*;

    #[state_machine(context = Counter)]
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Door {
        #[initial]
        #[on(open -> Open)]
        Closed,
        #[on(close -> Closed)]
        Open,
    }

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Counter {
        opened: u32,
    }

    #[test]
    fn a_snapshot_carries_the_context() {
        let mut d = Dynamic::start_with_context(
            Door::Closed,
            Counter { opened: 0 },
            statewright::Memory::new(),
        )
        .unwrap();
        d.apply(door::Event::Open).unwrap();
        d.context_mut().opened += 1;
        let snapshot = statewright::Snapshot::of(&d, "front");
        let json = serde_json::to_string(&snapshot).unwrap();
        assert!(json.contains(r#""context":{"opened":1}"#), "{json}");
        let back: statewright::Snapshot<Door, Counter> = serde_json::from_str(&json).unwrap();
        let restored = back.restore(statewright::Memory::new()).unwrap();
        assert_eq!(restored.context(), &Counter { opened: 1 });
        assert_eq!(restored.state(), &Door::Open);

        // A snapshot whose context does not parse is an error, not a panic.
        let tampered = json.replace(r#""opened":1"#, r#""opened":"one""#);
        assert!(serde_json::from_str::<statewright::Snapshot<Door, Counter>>(&tampered).is_err());
    }
}

#[cfg(feature = "journal")]
mod journal {
    use statewright::journal::{Durability, Journal, MemoryStorage};
    use statewright::{Dynamic, StateMachine};

    use super::*;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    enum Gate {
        #[initial]
        #[on(open -> Open?)]
        Shut,
        #[on(shut -> Shut)]
        Open,
    }

    /// A declined guard writes a rejection of an allowed event; the journal's recovery, which
    /// refuses such a line for an event that cannot be declined, accepts it here.
    #[test]
    fn a_journal_recovers_declined_attempts() {
        let storage = MemoryStorage::new();
        let journal =
            Journal::with_storage(storage.clone(), Gate::DEFINITION, Durability::Sync).unwrap();
        let mut gate = Dynamic::start_with(Gate::Shut, journal.recorder("g-1")).unwrap();
        let rejection = gate.apply(gate::Event::Open(None)).unwrap_err();
        assert!(matches!(rejection.cause(), Cause::Declined));
        gate.apply(gate::Event::Open(Some(gate::Open))).unwrap();
        drop((gate, journal));

        let journal = Journal::with_storage(storage, Gate::DEFINITION, Durability::Sync).unwrap();
        assert_eq!(journal.state("g-1").unwrap().name(), "Open");
        let history: Vec<String> = journal
            .history("g-1")
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            history,
            ["#1 Shut --open--x rejected", "#2 Shut --open--> Open"]
        );
    }
}

mod properties {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// An event of `Flow`, with the branch or the guard's decision.
    #[derive(Debug, Clone)]
    enum Ev {
        Go(u32),
        PickB(u32),
        PickC,
        MaybeNone,
        MaybeC,
        Back,
        Stay(u32),
    }

    impl Ev {
        fn dynamic(&self) -> flow::Event {
            match *self {
                Ev::Go(n) => flow::Event::Go { n },
                Ev::PickB(n) => flow::Event::Pick(flow::B { n }.into()),
                Ev::PickC => flow::Event::Pick(flow::C.into()),
                Ev::MaybeNone => flow::Event::Maybe(None),
                Ev::MaybeC => flow::Event::Maybe(Some(flow::C)),
                Ev::Back => flow::Event::Back,
                Ev::Stay(n) => flow::Event::Stay { n },
            }
        }
    }

    fn ev() -> impl Strategy<Value = Ev> {
        prop_oneof![
            (0u32..50).prop_map(Ev::Go),
            (0u32..50).prop_map(Ev::PickB),
            Just(Ev::PickC),
            Just(Ev::MaybeNone),
            Just(Ev::MaybeC),
            Just(Ev::Back),
            (0u32..50).prop_map(Ev::Stay),
        ]
    }

    /// What fails during a step: nothing, a hook (by label prefix), or the recorder.
    fn failure() -> impl Strategy<Value = Option<&'static str>> {
        prop_oneof![
            4 => Just(None),
            1 => Just(Some("exit A")),
            1 => Just(Some("exit B")),
            1 => Just(Some("on go")),
            1 => Just(Some("on pick")),
            1 => Just(Some("on stay")),
            1 => Just(Some("record")),
        ]
    }

    type T = flow::Typed<Logged>;

    /// Calls the event's method when the typed machine's state has it; otherwise `None`.
    fn typed_step(machine: T, ev: &Ev) -> Result<T, T> {
        use flow::Typed as S;
        type D = Dynamic<Flow, Logged>;
        fn typed(machine: impl Into<D>) -> T {
            machine.into().into_typed()
        }
        fn back<X: Into<D>, Y: Into<D>>(
            r: Result<X, statewright::Refused<Y, Failure<Full, String>>>,
        ) -> T {
            match r {
                Ok(next) => typed(next),
                Err(refused) => typed(refused.into_machine()),
            }
        }
        Ok(match (machine, ev.clone()) {
            (S::A(m), Ev::Go(n)) => back(m.go(flow::B { n })),
            (S::A(m), Ev::PickB(n)) => back(m.pick(flow::B { n })),
            (S::A(m), Ev::PickC) => back(m.pick(flow::C)),
            (S::A(m), Ev::MaybeNone) => match m.maybe(None) {
                Ok(Ok(c)) => typed(c),
                Ok(Err(a)) => typed(a),
                Err(refused) => typed(refused.into_machine()),
            },
            (S::A(m), Ev::MaybeC) => match m.maybe(Some(flow::C)) {
                Ok(Ok(c)) => typed(c),
                Ok(Err(a)) => typed(a),
                Err(refused) => typed(refused.into_machine()),
            },
            (S::B(m), Ev::Back) => back(m.back()),
            (S::C(m), Ev::Back) => back(m.back()),
            (S::B(m), Ev::Stay(n)) => back(m.stay(flow::B { n })),
            (machine, _) => return Err(machine),
        })
    }

    fn setup_failing(fail: Option<&'static str>, trace: &mut Trace, recorder: &Logged) {
        recorder.refuse.set(fail == Some("record"));
        trace.fail = fail.filter(|f| *f != "record");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random events, with random hook and recorder failures, through the typed and the
        /// dynamic API: the same hooks run in the same order, the same records are written,
        /// and the machines end in the same state with the same data and context.
        #[test]
        fn typed_and_dynamic_run_the_same_hooks_and_records(
            steps in vec((ev(), failure()), 0..60)
        ) {
            let (trace_d, recorder_d, log_d) = setup();
            let (trace_t, recorder_t, log_t) = setup();
            let mut d = Dynamic::start_with_context(Flow::A, trace_d, recorder_d).unwrap();
            let mut t: T = flow::start_with(trace_t, recorder_t).into();
            for (i, (ev, fail)) in steps.iter().enumerate() {
                let event = ev.dynamic();
                if !d.can_apply(&event) {
                    continue; // the typed API cannot even try it
                }
                let recorder = d.recorder().clone();
                setup_failing(*fail, d.context_mut(), &recorder);
                let typed_recorder = match &t {
                    flow::Typed::A(m) => m.recorder().clone(),
                    flow::Typed::B(m) => m.recorder().clone(),
                    flow::Typed::C(m) => m.recorder().clone(),
                };
                let context = match &mut t {
                    flow::Typed::A(m) => m.context_mut(),
                    flow::Typed::B(m) => m.context_mut(),
                    flow::Typed::C(m) => m.context_mut(),
                };
                setup_failing(*fail, context, &typed_recorder);
                let _ = d.apply(event);
                t = match typed_step(t, ev) {
                    Ok(t) => t,
                    Err(_) => panic!("step {i}: {ev:?} is allowed, but the typed machine has no method for it"),
                };
                prop_assert_eq!(&*log_t.borrow(), &*log_d.borrow(), "step {}: {:?} failing {:?}", i, ev, fail);
            }
            let t = Dynamic::from(t);
            prop_assert_eq!(t.state(), d.state());
            prop_assert_eq!(t.context().entered, d.context().entered);
            let lines = |r: &Logged| r.records.iter().map(ToString::to_string).collect::<Vec<_>>();
            prop_assert_eq!(lines(t.recorder()), lines(d.recorder()));
            prop_assert!(Flow::DEFINITION.replay(&d.recorder().records).is_ok());
        }
    }
}
