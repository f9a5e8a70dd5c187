//! A panic in user code that statewright calls (a guard or a choice, a hook or an action, a
//! recorder, a clock) caught with `catch_unwind`: afterwards the machine, its recorder and the
//! window of event ids agree. Either the transition and its record both happened, or neither
//! did, or the machine refuses further use with `Cause::Poisoned`.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::Duration;

use statewright::{
    Cause, Clock, Delivery, Dynamic, Idempotent, ManualClock, Memory, Record, Recorder, StateInfo,
    StateMachine, Timed, Timestamp, Window, state_machine,
};

/// The context: which callback panics (`None`: none).
#[derive(Debug, Clone, Default)]
struct Bomb {
    at: Option<&'static str>,
}

impl Bomb {
    fn tick(&self, callback: &str) {
        if self.at == Some(callback) {
            panic!("{callback} panicked");
        }
    }
}

#[state_machine(context = Bomb)]
#[derive(Debug, Clone, PartialEq)]
enum Order {
    #[initial]
    #[exit]
    #[timeout(15min -> Cancelled)]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[enter]
    #[timeout(1h -> Cancelled)]
    #[on(ship -> Shipped?, route -> Shipped | Cancelled)]
    Paid,
    #[terminal]
    Shipped,
    #[terminal]
    Cancelled,
}

impl order::Hooks for Bomb {
    type Error = String;
    fn exit_pending(&mut self) -> Result<(), String> {
        self.tick("exit");
        Ok(())
    }
    fn enter_paid(&mut self) {
        self.tick("enter");
    }
    fn on_pay(&mut self, _: StateInfo, _: StateInfo) -> Result<(), String> {
        self.tick("action");
        Ok(())
    }
}

/// Records, each with the event id the recorder was told for it; shared so that it outlives a
/// machine dropped by a panic.
#[derive(Clone, Default)]
struct Ids(Rc<RefCell<IdsInner>>);

/// The id announced for the next record, and each record with its id.
type IdsInner = (Option<String>, Vec<(Record, Option<String>)>);

impl Ids {
    fn ids(&self) -> Vec<Option<String>> {
        self.0.borrow().1.iter().map(|(_, id)| id.clone()).collect()
    }
    fn records(&self) -> Vec<Record> {
        self.0.borrow().1.iter().map(|(r, _)| *r).collect()
    }
}

impl Recorder for Ids {
    type Error = Infallible;
    fn record(&mut self, record: &Record) -> Result<(), Infallible> {
        let mut inner = self.0.borrow_mut();
        let id = inner.0.clone();
        inner.1.push((*record, id));
        Ok(())
    }
    fn event_id(&mut self, id: Option<&str>) {
        self.0.borrow_mut().0 = id.map(String::from);
    }
}

/// A recorder that panics at its next record while `armed` is set (and disarms itself).
#[derive(Clone, Default)]
struct PanicOnce(Rc<Cell<bool>>);

impl Recorder for PanicOnce {
    type Error = Infallible;
    fn record(&mut self, _: &Record) -> Result<(), Infallible> {
        if self.0.replace(false) {
            panic!("the recorder panicked");
        }
        Ok(())
    }
}

fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    catch_unwind(AssertUnwindSafe(f))
}

fn bomb(at: &'static str) -> Bomb {
    Bomb { at: Some(at) }
}

/// The case: a hook panics inside `Idempotent::apply("msg-PAY", ...)`; the id must not
/// stick to the recorder, and the real redelivery must be applied.
#[test]
fn a_panicking_hook_inside_idempotent_apply_does_not_leave_the_event_id_behind() {
    let ids = Ids::default();
    let machine = Dynamic::start_with_context(Order::Pending, bomb("action"), ids.clone()).unwrap();
    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let mut order = Idempotent::new(machine, Window::new(100), clock);

    assert!(quietly(|| order.apply("msg-PAY", order::Event::Pay)).is_err());
    assert!(
        order.window().is_empty(),
        "nothing was applied, nothing is remembered"
    );
    order.machine_mut().context_mut().at = None;

    // An unrelated record, applied without an id, carries no id.
    let rejection = order
        .machine_mut()
        .apply(order::Event::Ship(None))
        .unwrap_err();
    assert!(rejection.is_illegal());
    // The redelivery is a first delivery, and applies.
    match order.apply("msg-PAY", order::Event::Pay) {
        Delivery::Applied(record) => assert_eq!(record.to_string(), "#2 Pending --pay--> Paid"),
        other => panic!("expected the redelivery to apply, got {other:?}"),
    }
    assert_eq!(ids.ids(), [None, Some("msg-PAY".to_string())]);
}

/// The id is cleared when the recorder panics, too (the record did not complete).
#[test]
fn a_panicking_recorder_inside_idempotent_apply_clears_the_id_and_poisons_the_machine() {
    let (ids, armed) = (Ids::default(), PanicOnce::default());
    let machine = Dynamic::start_with_context(
        Order::Pending,
        Bomb::default(),
        (ids.clone(), armed.clone()),
    )
    .unwrap();
    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let mut order = Idempotent::new(machine, Window::new(100), clock);
    armed.0.set(true);
    assert!(quietly(|| order.apply("msg-PAY", order::Event::Pay)).is_err());
    assert!(
        ids.0.borrow().0.is_none(),
        "the recorder still holds an event id"
    );
    // The first half of the pair has `#1`, the machine does not: it refuses further use.
    assert_eq!(ids.records().len(), 1);
    assert_eq!(order.machine().sequence(), 0);
    assert!(order.machine().is_poisoned());
    match order.apply("msg-PAY", order::Event::Pay) {
        Delivery::Rejected(rejection) => {
            assert_eq!(rejection.cause(), &Cause::Poisoned);
            assert_eq!(rejection.record(), None);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(ids.records().len(), 1, "no second #1");
    assert!(!order.window().contains("msg-PAY"));
}

/// The recorder pair of the issue: `(Memory, PanicOnce)`, dynamic API.
#[test]
fn a_recorder_pair_whose_second_part_panics_poisons_the_dynamic_machine() {
    let armed = PanicOnce::default();
    let mut d = Dynamic::start_with_context(
        Order::Pending,
        Bomb::default(),
        (Memory::new(), armed.clone()),
    )
    .unwrap();
    armed.0.set(true);
    assert!(quietly(|| d.apply(order::Event::Pay)).is_err());
    assert_eq!((d.state(), d.sequence()), (&Order::Pending, 0));
    assert_eq!(d.recorder().0.len(), 1);
    assert!(d.is_poisoned());

    let rejection = d.apply(order::Event::Pay).unwrap_err();
    assert_eq!(rejection.cause(), &Cause::Poisoned);
    assert_eq!(
        rejection.to_string(),
        "`Order` did not apply `pay` in state `Pending`: the machine is poisoned: a recorder \
         panicked while writing a record, so whether it was stored is unknown; rebuild the \
         machine from its recorder's records"
    );
    assert_eq!(rejection.into_event(), order::Event::Pay);
    // Rejections are refused too: nothing else reaches the recorder.
    assert_eq!(
        d.apply(order::Event::Ship(None)).unwrap_err().cause(),
        &Cause::Poisoned
    );
    assert_eq!(d.recorder().0.len(), 1);
    // What the recorder holds still replays.
    assert_eq!(
        Order::DEFINITION
            .replay(d.recorder().0.records())
            .unwrap()
            .state()
            .name(),
        "Paid"
    );
}

/// A typed machine carries the poison of the dynamic machine it came from: it cannot write a
/// second `#1` either.
#[test]
fn a_poisoned_machine_converted_to_typed_refuses_to_record() {
    let armed = PanicOnce::default();
    let mut d = Dynamic::start_with_context(
        Order::Pending,
        Bomb::default(),
        (Memory::new(), armed.clone()),
    )
    .unwrap();
    armed.0.set(true);
    assert!(quietly(|| d.apply(order::Event::Pay)).is_err());
    let order::Typed::Pending(typed) = d.into_typed() else {
        panic!("still pending");
    };
    let panic = quietly(|| typed.pay()).map(|_| ()).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("the machine is poisoned"), "{message}");
}

/// Each hook of the dynamic API panics in turn: before the record nothing happened, after it
/// the transition and its record both did, and the machine stays usable.
#[test]
fn dynamic_hooks_that_panic_leave_the_machine_and_its_records_in_agreement() {
    for (at, state, sequence) in [
        ("exit", Order::Pending, 0),
        ("action", Order::Pending, 0),
        ("enter", Order::Paid, 1),
    ] {
        let mut d = Dynamic::start_with_context(Order::Pending, bomb(at), Memory::new()).unwrap();
        assert!(quietly(|| d.apply(order::Event::Pay)).is_err(), "{at}");
        assert_eq!((d.state(), d.sequence()), (&state, sequence), "{at}");
        assert_eq!(d.recorder().len() as u64, sequence, "{at}");
        assert!(!d.is_poisoned(), "{at}");
        d.context_mut().at = None;
        let next = if sequence == 0 {
            order::Event::Pay
        } else {
            order::Event::Ship(Some(order::Shipped))
        };
        assert_eq!(d.apply(next).unwrap().sequence(), sequence + 1, "{at}");
        Order::DEFINITION.replay(d.recorder().records()).unwrap();
    }
}

/// Typed machines are consumed by a transition, so a panic drops the machine; the recorder
/// it wrote into (borrowed here) holds exactly the records of what happened.
#[test]
fn typed_callbacks_that_panic_leave_the_recorder_consistent() {
    for at in ["exit", "action", "enter"] {
        let mut memory = Memory::new();
        let result = quietly(|| order::start_with(bomb(at), &mut memory).pay().map(|_| ()));
        assert!(result.is_err(), "{at}");
        let expected = usize::from(at == "enter");
        assert_eq!(memory.len(), expected, "{at}");
        Order::DEFINITION.replay(memory.records()).unwrap();
    }
    // The guard and the choice closures.
    for choice in [false, true] {
        let mut memory = Memory::new();
        let result = quietly(|| {
            let paid = order::start_with(Bomb::default(), &mut memory)
                .pay()
                .unwrap();
            if choice {
                let _ = paid.route_with(|_| panic!("the choice panicked"));
            } else {
                let _ =
                    paid.ship_with(|_| -> Option<order::Shipped> { panic!("the guard panicked") });
            }
        });
        assert!(result.is_err());
        assert_eq!(memory.len(), 1, "only #1 pay");
        Order::DEFINITION.replay(memory.records()).unwrap();
    }
    // A recorder pair whose second part panics: the first part has the record, the machine is
    // gone with the panic, so nothing can write a second `#1`.
    let armed = PanicOnce(Rc::new(Cell::new(true)));
    let mut memory = Memory::new();
    let result = quietly(|| {
        order::start_with(Bomb::default(), (&mut memory, armed))
            .pay()
            .map(|_| ())
    });
    assert!(result.is_err());
    assert_eq!(memory.len(), 1);
}

/// A clock that panics on its `n`-th reading of either kind from now (0: never).
#[derive(Clone)]
struct Flaky {
    inner: ManualClock,
    countdown: Rc<Cell<u32>>,
}

impl Flaky {
    fn tick(&self) {
        match self.countdown.get() {
            0 => {}
            1 => {
                self.countdown.set(0);
                panic!("the clock panicked");
            }
            n => self.countdown.set(n - 1),
        }
    }
}

impl Clock for Flaky {
    fn now(&self) -> Option<Timestamp> {
        self.tick();
        self.inner.now()
    }
    fn monotonic(&self) -> Duration {
        self.tick();
        self.inner.monotonic()
    }
}

/// A clock that panics while a `Timed` machine applies: the armed timeout belongs to the state
/// the machine is in.
#[test]
fn a_clock_that_panics_while_a_timed_machine_applies_leaves_the_timeout_of_the_current_state() {
    for n in 1..=3 {
        let clock = Flaky {
            inner: ManualClock::new(Timestamp::from_unix_nanos(0)),
            countdown: Rc::new(Cell::new(0)),
        };
        let d =
            Dynamic::start_with_context(Order::Pending, Bomb::default(), Memory::new()).unwrap();
        let mut timed = Timed::new(d, clock.clone());
        clock.inner.advance(Duration::from_secs(60));
        clock.countdown.set(n);
        let outcome = quietly(|| timed.apply(order::Event::Pay).map(|_| ()));
        clock.countdown.set(0);
        let state = timed.machine().state().clone();
        let due = timed.deadline().map(|d| (d.due(), d.timeout().after()));
        match (outcome.is_ok(), state) {
            (false, Order::Pending) => {
                assert_eq!(timed.machine().sequence(), 0, "reading {n}");
                assert_eq!(
                    due,
                    Some((Duration::from_secs(900), Duration::from_secs(900)))
                );
            }
            (_, Order::Paid) => {
                assert_eq!(timed.machine().sequence(), 1, "reading {n}");
                let (due, after) = due.unwrap();
                assert_eq!(after, Duration::from_secs(3600), "reading {n}");
                assert_eq!(
                    due,
                    Duration::from_secs(60 + 3600),
                    "reading {n}: stale deadline"
                );
            }
            (ok, state) => panic!("reading {n}: ok {ok} in {state:?}"),
        }
    }
}

/// A clock that panics inside `Idempotent::apply` changes nothing.
#[test]
fn a_clock_that_panics_inside_idempotent_apply_changes_nothing() {
    let clock = Flaky {
        inner: ManualClock::new(Timestamp::from_unix_nanos(0)),
        countdown: Rc::new(Cell::new(1)),
    };
    let d = Dynamic::start_with_context(Order::Pending, Bomb::default(), Memory::new()).unwrap();
    let mut order = Idempotent::new(d, Window::new(10), clock);
    assert!(quietly(|| order.apply("m-1", order::Event::Pay)).is_err());
    assert_eq!(order.machine().sequence(), 0);
    assert!(order.window().is_empty());
    assert!(matches!(
        order.apply("m-1", order::Event::Pay),
        Delivery::Applied(_)
    ));
}

/// An entry hook that panics after the record: the `Timed` machine is in the new state, and
/// the armed timeout is that state's.
#[test]
fn an_entry_hook_that_panics_in_a_timed_machine_leaves_the_new_states_timeout() {
    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let d = Dynamic::start_with_context(Order::Pending, bomb("enter"), Memory::new()).unwrap();
    let mut timed = Timed::new(d, clock.clone());
    clock.advance(Duration::from_secs(60));
    assert!(quietly(|| timed.apply(order::Event::Pay).map(|_| ())).is_err());
    assert_eq!(timed.machine().state(), &Order::Paid);
    let deadline = timed.deadline().unwrap();
    assert_eq!(deadline.timeout().after(), Duration::from_secs(3600));
    assert_eq!(
        deadline.due(),
        Duration::from_secs(60 + 3600),
        "stale deadline"
    );
}

/// The checks both SQL journals pass, written once over `Journal<B>`.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql {
    use statewright::sql::{Backend, Journal};

    use super::*;

    /// The case in a journal that stores each record's event id under a unique index:
    /// without a restart, the redelivery must be applied, not refused as a duplicate.
    pub fn a_panicking_hook_inside_idempotent_apply_leaves_no_event_id<B: Backend>(
        journal: Journal<B>,
    ) {
        let machine =
            Dynamic::start_with_context(Order::Pending, bomb("action"), journal.recorder("o-1"))
                .unwrap();
        let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
        let mut order = Idempotent::new(machine, Window::new(100), clock);
        assert!(quietly(|| order.apply("msg-PAY", order::Event::Pay)).is_err());
        order.machine_mut().context_mut().at = None;
        let rejection = order
            .machine_mut()
            .apply(order::Event::Ship(None))
            .unwrap_err();
        assert!(rejection.is_illegal(), "{rejection}");
        match order.apply("msg-PAY", order::Event::Pay) {
            Delivery::Applied(record) => {
                assert_eq!(record.to_string(), "#2 Pending --pay--> Paid");
            }
            other => panic!("expected the redelivery to apply, got {other:?}"),
        }
        let window = journal.window("o-1", 100, None).unwrap();
        let ids: Vec<(&str, u64)> = window
            .iter()
            .map(|(id, remembered)| (id, remembered.record().sequence()))
            .collect();
        assert_eq!(ids, [("msg-PAY", 2)]);
    }

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Ticket {
        #[initial]
        #[on(take -> Taken)]
        Open,
        #[on(close -> Closed)]
        Taken,
        #[terminal]
        Closed,
    }

    fn ticket(state: StateInfo) -> Ticket {
        match state.name() {
            "Open" => Ticket::Open,
            "Taken" => Ticket::Taken,
            _ => Ticket::Closed,
        }
    }

    /// The state function of `Journal::apply` panics: nothing is written, and the journal
    /// (its lock included) is usable afterwards.
    pub fn a_state_function_that_panics_inside_journal_apply_writes_nothing<B: Backend>(
        journal: Journal<B>,
    ) {
        journal
            .apply("t-1", ticket::Event::Take, 3, ticket)
            .unwrap();
        let panicked = quietly(|| {
            journal
                .apply("t-1", ticket::Event::Close, 3, |_: StateInfo| -> Ticket {
                    panic!("the state function panicked")
                })
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        assert!(panicked.is_err());
        assert_eq!(journal.history("t-1").unwrap().len(), 1);
        let applied = journal
            .apply("t-1", ticket::Event::Close, 3, ticket)
            .unwrap();
        assert_eq!(applied.record.to_string(), "#2 Taken --close--> Closed");
        let history = journal.history("t-1").unwrap();
        assert_eq!(Ticket::DEFINITION.replay(&history).unwrap().sequence(), 2);
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use statewright::sql::sqlite::rusqlite::Connection;
    use statewright::sql::sqlite::{self, SqliteJournal};

    use super::*;

    fn journal<M: StateMachine>() -> SqliteJournal {
        let connection = Connection::open_in_memory().unwrap();
        sqlite::migrate(&connection).unwrap();
        SqliteJournal::from_connection(connection, M::DEFINITION).unwrap()
    }

    #[test]
    fn a_panicking_hook_inside_idempotent_apply_leaves_no_event_id_in_the_journal() {
        sql::a_panicking_hook_inside_idempotent_apply_leaves_no_event_id(journal::<Order>());
    }

    #[test]
    fn a_state_function_that_panics_inside_journal_apply_writes_nothing() {
        sql::a_state_function_that_panics_inside_journal_apply_writes_nothing(
            journal::<sql::Ticket>(),
        );
    }
}

/// The same checks against PostgreSQL: `STATEWRIGHT_POSTGRES_URL`, or the throwaway server
/// `tools/postgres/start.sh` starts; each test in a schema of its own.
#[cfg(feature = "postgres")]
mod postgres {
    use statewright::sql::postgres::postgres::{Client, NoTls};
    use statewright::sql::postgres::{self, PgJournal};

    use super::*;

    fn server() -> String {
        if let Ok(url) = std::env::var("STATEWRIGHT_POSTGRES_URL") {
            return url;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/postgres/start.sh");
        let out = std::process::Command::new("bash")
            .arg(script)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the PostgreSQL tests need a server: set STATEWRIGHT_POSTGRES_URL or let {script} \
             start one; it said:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout.lines().last().unwrap_or_default().to_owned()
    }

    /// A journal of `M` in a fresh schema `sw_panics_<name>_<pid>`, dropped again afterwards.
    fn with_journal<M: StateMachine>(name: &str, test: impl FnOnce(PgJournal)) {
        let url = server();
        let schema = format!("sw_panics_{name}_{}", std::process::id());
        let mut admin = Client::connect(&url, NoTls).unwrap();
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .unwrap();
        let separator = if url.contains('?') { '&' } else { '?' };
        let params = format!("{url}{separator}options=-csearch_path%3D{schema}");
        postgres::migrate(&mut Client::connect(&params, NoTls).unwrap()).unwrap();
        let outcome = quietly(|| test(PgJournal::connect(&params, M::DEFINITION).unwrap()));
        admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .unwrap();
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    #[test]
    fn a_panicking_hook_inside_idempotent_apply_leaves_no_event_id_in_the_journal() {
        with_journal::<Order>(
            "hook",
            sql::a_panicking_hook_inside_idempotent_apply_leaves_no_event_id,
        );
    }

    #[test]
    fn a_state_function_that_panics_inside_journal_apply_writes_nothing() {
        with_journal::<sql::Ticket>(
            "state_fn",
            sql::a_state_function_that_panics_inside_journal_apply_writes_nothing,
        );
    }
}

/// The same case in the file journal, whose window is rebuilt from the ids beside the records.
#[cfg(feature = "journal")]
mod file_journal {
    use statewright::journal::{Durability, Journal};

    use super::*;

    #[test]
    fn a_panicking_hook_inside_idempotent_apply_leaves_no_event_id_in_the_journal() {
        let dir = std::env::temp_dir().join(format!("statewright-panics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("orders.journal");
        let _ = std::fs::remove_file(&path);
        let journal = Journal::open(&path, Order::DEFINITION, Durability::Flush).unwrap();
        let machine =
            Dynamic::start_with_context(Order::Pending, bomb("action"), journal.recorder("o-1"))
                .unwrap();
        let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
        let mut order = Idempotent::new(machine, Window::new(100), clock);
        assert!(quietly(|| order.apply("msg-PAY", order::Event::Pay)).is_err());
        order.machine_mut().context_mut().at = None;
        assert!(order.machine_mut().apply(order::Event::Ship(None)).is_err());
        // After a restart the window comes from the journal: msg-PAY must not be in it.
        let window = journal.window("o-1", 100, None).unwrap();
        assert!(!window.contains("msg-PAY"), "{window:?}");
        assert!(matches!(
            order.apply("msg-PAY", order::Event::Pay),
            Delivery::Applied(_)
        ));
        let window = journal.window("o-1", 100, None).unwrap();
        assert_eq!(window.get("msg-PAY").unwrap().record().sequence(), 2);
        drop(order);
        drop(journal);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
