//! Awaited recording (`statewright::awaited`): the dynamic and the typed API with an
//! `AsyncRecorder`, `async` hooks, and what a transition's future leaves behind when it is
//! dropped before, during and after the record's write.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use statewright::awaited::Ready;
use statewright::{
    AsyncRecorder, Awaited, Cause, Dynamic, Failure, Memory, Record, RecordError, StateMachine,
    TypedMachine, state_machine,
};

/// A log shared by hooks and the recorder: the order in which things happen.
type Log = Arc<Mutex<Vec<String>>>;

fn log(log: &Log, line: impl Into<String>) {
    log.lock().unwrap().push(line.into());
}

fn lines(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// A future that is pending `n` times (waking itself each time), then ready.
struct Yield(u32);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            Poll::Ready(())
        } else {
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Debug, PartialEq)]
struct Unreachable;
impl RecordError for Unreachable {}
impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the store is unreachable")
    }
}

/// A remote store: the write is stored first, then acknowledged after two yields (so that a
/// future dropped in between leaves a stored record that was never acknowledged), or refused.
#[derive(Clone, Default)]
struct Remote {
    stored: Arc<Mutex<Vec<Record>>>,
    log: Log,
    refuse: bool,
}

impl Remote {
    fn stored(&self) -> Vec<Record> {
        self.stored.lock().unwrap().clone()
    }
}

impl AsyncRecorder for Remote {
    type Error = Unreachable;

    async fn record(&mut self, record: &Record) -> Result<(), Unreachable> {
        Yield(1).await;
        if self.refuse {
            log(&self.log, format!("refused {record}"));
            return Err(Unreachable);
        }
        self.stored.lock().unwrap().push(*record);
        log(&self.log, format!("stored {record}"));
        Yield(2).await;
        Ok(())
    }
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future>(future: F) -> (Poll<F::Output>, ()) {
    let mut future = pin!(future);
    let poll = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    (poll, ())
}

#[state_machine(async)]
#[derive(Debug, Clone, PartialEq)]
enum Order {
    #[initial]
    #[timeout(15min -> Expired)]
    #[on(pay -> Paid | Declined, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    #[on(retry -> Pending)]
    Declined,
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
    #[terminal]
    Expired,
}

fn started(remote: &Remote) -> Dynamic<Order, Awaited<Remote>> {
    Dynamic::start_with(Order::Pending, Awaited(remote.clone())).unwrap()
}

#[tokio::test]
async fn dynamic_apply_awaits_the_record_before_the_state_moves() {
    let remote = Remote::default();
    let mut order = started(&remote);
    let record = order
        .apply(order::Event::Pay(order::Paid { amount_cents: 5 }.into()))
        .await
        .unwrap();
    assert_eq!(record.to_string(), "#1 Pending --pay--> Paid");
    assert_eq!(order.state(), &Order::Paid { amount_cents: 5 });
    assert_eq!(remote.stored(), [record]);

    // Illegal: recorded as rejected, state unchanged, event handed back.
    let refused = order.apply(order::Event::Retry).await.unwrap_err();
    assert_eq!(refused.cause(), &Cause::Illegal);
    assert_eq!(refused.event(), &order::Event::Retry);
    assert_eq!(
        refused.record().unwrap().to_string(),
        "#2 Paid --retry--x rejected"
    );
    assert_eq!(order.state(), &Order::Paid { amount_cents: 5 });
    assert_eq!(order.sequence(), 2);

    // Internal: refused from outside, nothing recorded; raised by the machine itself it goes.
    let mut fresh = started(&Remote::default());
    let refused = fresh.apply(order::Event::Timeout).await.unwrap_err();
    assert_eq!(refused.cause(), &Cause::Internal);
    assert_eq!(fresh.sequence(), 0);
    let record = fresh.apply_internal(order::Event::Timeout).await.unwrap();
    assert_eq!(record.to_string(), "#1 Pending --timeout--> Expired");
    assert_eq!(fresh.state(), &Order::Expired);

    // The records replay against the definition.
    let replayed = Order::DEFINITION.replay(remote.stored()).unwrap();
    assert_eq!(replayed.state().name(), "Paid");
    assert_eq!(replayed.sequence(), 2);
}

#[tokio::test]
async fn a_refused_record_leaves_the_machine_unchanged() {
    let remote = Remote {
        refuse: true,
        ..Remote::default()
    };
    let mut order = started(&remote);
    let refused = order.apply(order::Event::Cancel).await.unwrap_err();
    assert_eq!(refused.cause(), &Cause::Unrecorded(Unreachable));
    assert_eq!(refused.into_event(), order::Event::Cancel);
    assert_eq!(order.state(), &Order::Pending);
    assert_eq!(order.sequence(), 0);
    assert!(!order.is_poisoned());
    // An illegal event whose rejection cannot be recorded says so.
    let refused = order
        .apply(order::Event::Ship {
            tracking: "t".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.cause(), &Cause::IllegalUnrecorded(Unreachable));
    assert!(remote.stored().is_empty());
}

#[test]
fn dropped_before_the_first_poll_nothing_happens() {
    let remote = Remote::default();
    let mut order = started(&remote);
    drop(order.apply(order::Event::Cancel));
    assert_eq!(order.state(), &Order::Pending);
    assert!(!order.is_poisoned());
    assert!(remote.stored().is_empty());
    assert!(lines(&remote.log).is_empty());
}

#[test]
fn dropped_while_the_write_is_pending_the_machine_is_poisoned_and_the_store_is_the_truth() {
    // Dropped after the store took the record but before it acknowledged it.
    let remote = Remote::default();
    let mut order = started(&remote);
    {
        let mut apply = pin!(order.apply(order::Event::Cancel));
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        // Yield(1), then stored, then Yield(2): pending three times before it completes.
        for _ in 0..2 {
            assert!(apply.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(
            lines(&remote.log),
            ["stored #1 Pending --cancel--> Cancelled"]
        );
    }
    // Not moved (the write was not acknowledged), and refusing to go on.
    assert_eq!(order.state(), &Order::Pending);
    assert!(order.is_poisoned());
    let refused = statewright::__private::block_on(order.apply(order::Event::Cancel)).unwrap_err();
    assert_eq!(refused.cause(), &Cause::Poisoned);
    assert_eq!(
        remote.stored().len(),
        1,
        "a poisoned machine writes nothing"
    );
    // The stored history replays, and a machine rebuilt from it is where the store says.
    let history = remote.stored();
    let rebuilt = Dynamic::resume(Order::Cancelled, &history, Awaited(Remote::default())).unwrap();
    assert_eq!(rebuilt.sequence(), 1);

    // Dropped before the store took it: poisoned too (the machine cannot know).
    let remote = Remote::default();
    let mut order = started(&remote);
    let (poll, ()) = poll_once(order.apply(order::Event::Cancel));
    assert!(poll.is_pending());
    assert!(order.is_poisoned());
    assert!(remote.stored().is_empty());
    assert_eq!(
        Order::DEFINITION
            .replay(remote.stored())
            .unwrap()
            .sequence(),
        0
    );
}

#[test]
fn completed_the_state_moved_in_the_poll_that_saw_the_write_complete() {
    let remote = Remote::default();
    let mut order = started(&remote);
    let mut polls = 0;
    {
        let mut apply = pin!(order.apply(order::Event::Cancel));
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            polls += 1;
            if let Poll::Ready(result) = apply.as_mut().poll(&mut cx) {
                assert_eq!(
                    result.unwrap().to_string(),
                    "#1 Pending --cancel--> Cancelled"
                );
                break;
            }
        }
    }
    assert_eq!(polls, 4);
    assert_eq!(order.state(), &Order::Cancelled);
    assert!(!order.is_poisoned());
}

#[tokio::test]
async fn typed_transitions_are_awaited_and_keep_their_types() {
    let remote = Remote::default();
    let order = order::start_with(Awaited(remote.clone()));
    let paid = match order.pay(order::Paid { amount_cents: 7 }).await.unwrap() {
        order::PaidOrDeclined::Paid(paid) => paid,
        order::PaidOrDeclined::Declined(_) => panic!("declined"),
    };
    assert_eq!(paid.state().amount_cents, 7);
    let shipped = paid
        .ship(order::Shipped {
            tracking: "T1".into(),
        })
        .await
        .unwrap();
    let delivered = shipped.deliver().await.unwrap();
    assert_eq!(delivered.sequence(), 3);
    assert_eq!(
        remote
            .stored()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "#1 Pending --pay--> Paid",
            "#2 Paid --ship--> Shipped",
            "#3 Shipped --deliver--> Delivered"
        ]
    );

    // A refused record hands the machine back in its state.
    let refusing = Remote {
        refuse: true,
        ..Remote::default()
    };
    let refused = order::start_with(Awaited(refusing))
        .cancel()
        .await
        .unwrap_err();
    assert_eq!(refused.error(), &Unreachable);
    let machine = refused.into_machine();
    assert_eq!(machine.sequence(), 0);
    assert_eq!(machine.state_info().name(), "Pending");
}

#[test]
fn transition_futures_are_send_when_the_recorder_is() {
    fn send<T: Send>(_: &T) {}
    let mut order = started(&Remote::default());
    let apply = order.apply(order::Event::Cancel);
    send(&apply);
    drop(apply);
    let typed = order::start_with(Awaited(Remote::default())).cancel();
    send(&typed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machines_move_between_threads_of_a_multi_threaded_runtime() {
    let remote = Remote::default();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let remote = remote.clone();
            tokio::spawn(async move {
                let order = order::start_with(Awaited(remote));
                let order = order.cancel().await.unwrap();
                order.sequence()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 1);
    }
    assert_eq!(remote.stored().len(), 8);
}

/// The context of a machine with `async` hooks: the log, and which hook vetoes.
#[derive(Clone, Default)]
struct Desk {
    log: Log,
    veto: Option<&'static str>,
}

impl Desk {
    async fn run(&mut self, hook: &'static str) -> Result<(), String> {
        Yield(1).await;
        log(&self.log, hook);
        if self.veto == Some(hook) {
            Err(format!("{hook} vetoed"))
        } else {
            Ok(())
        }
    }
}

#[state_machine(async, context = Desk)]
#[derive(Debug, Clone, PartialEq)]
enum Ticket {
    #[initial]
    #[exit]
    #[on(take -> Taken)]
    Open,
    #[enter]
    #[on(close -> Closed)]
    Taken,
    #[terminal]
    Closed,
}

impl ticket::Hooks for Desk {
    type Error = String;

    async fn exit_open(&mut self) -> Result<(), String> {
        self.run("exit Open").await
    }

    fn enter_taken(&mut self) {
        log(&self.log, "enter Taken");
    }

    async fn on_take(
        &mut self,
        from: statewright::StateInfo,
        to: statewright::StateInfo,
    ) -> Result<(), String> {
        let _ = (from, to);
        self.run("action take").await
    }
}

/// Records into the same log as the hooks.
struct Logged(Log);

impl AsyncRecorder for Logged {
    type Error = std::convert::Infallible;

    async fn record(&mut self, record: &Record) -> Result<(), std::convert::Infallible> {
        Yield(1).await;
        log(&self.0, format!("record {record}"));
        Ok(())
    }
}

#[tokio::test]
async fn async_hooks_run_in_the_documented_order_and_can_veto() {
    let desk = Desk::default();
    let mut ticket = Dynamic::start_with_context(
        Ticket::Open,
        desk.clone(),
        Awaited(Logged(desk.log.clone())),
    )
    .unwrap();
    ticket.apply(ticket::Event::Take).await.unwrap();
    assert_eq!(
        lines(&desk.log),
        [
            "exit Open",
            "action take",
            "record #1 Open --take--> Taken",
            "enter Taken"
        ]
    );

    // The typed API runs the same hooks, awaited.
    let desk = Desk::default();
    let taken = ticket::start_with(desk.clone(), Awaited(Logged(desk.log.clone())))
        .take()
        .await
        .unwrap();
    assert_eq!(taken.sequence(), 1);
    assert_eq!(
        lines(&desk.log),
        [
            "exit Open",
            "action take",
            "record #1 Open --take--> Taken",
            "enter Taken"
        ]
    );

    // A veto: recorded as rejected, the machine stays, the hook's error comes back.
    for veto in ["exit Open", "action take"] {
        let desk = Desk {
            veto: Some(veto),
            ..Desk::default()
        };
        let mut ticket = Dynamic::start_with_context(
            Ticket::Open,
            desk.clone(),
            Awaited(Logged(desk.log.clone())),
        )
        .unwrap();
        let refused = ticket.apply(ticket::Event::Take).await.unwrap_err();
        assert_eq!(refused.cause(), &Cause::Vetoed(format!("{veto} vetoed")));
        assert_eq!(ticket.state(), &Ticket::Open);
        assert_eq!(
            lines(&desk.log).last().unwrap(),
            "record #1 Open --take--x rejected"
        );

        let typed = ticket::start_with(desk.clone(), Awaited(Logged(desk.log.clone())));
        let refused = typed.take().await.unwrap_err();
        assert!(matches!(refused.error(), Failure::Vetoed(v) if v == &format!("{veto} vetoed")));
        assert_eq!(refused.into_machine().state_info().name(), "Open");
    }
}

#[test]
fn a_future_dropped_during_an_async_hook_leaves_the_machine_usable() {
    let desk = Desk::default();
    let mut ticket =
        Dynamic::start_with_context(Ticket::Open, desk.clone(), Awaited(Ready(Memory::new())))
            .unwrap();
    let (poll, ()) = poll_once(ticket.apply(ticket::Event::Take));
    assert!(poll.is_pending(), "the exit hook yields once");
    assert_eq!(ticket.state(), &Ticket::Open);
    assert!(!ticket.is_poisoned());
    assert!(ticket.recorder().0.0.is_empty());
    statewright::__private::block_on(ticket.apply(ticket::Event::Take)).unwrap();
    assert_eq!(ticket.state(), &Ticket::Taken);
}

/// Keeps each stored record's event id, and can hold a write pending forever.
#[derive(Default)]
struct Ids {
    next: Option<String>,
    stored: Vec<(u64, Option<String>)>,
    stall: bool,
}

impl AsyncRecorder for Ids {
    type Error = std::convert::Infallible;

    async fn record(&mut self, record: &Record) -> Result<(), std::convert::Infallible> {
        if self.stall {
            std::future::pending::<()>().await;
        }
        self.stored.push((record.sequence(), self.next.clone()));
        Ok(())
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.next = id.map(String::from);
    }
}

#[test]
fn an_event_id_is_cleared_however_the_event_ends() {
    let mut order = Dynamic::start_with(Order::Pending, Awaited(Ids::default())).unwrap();
    statewright::__private::block_on(order.apply_with_id("k-1", order::Event::Retry)).unwrap_err();
    assert_eq!(order.recorder().0.next, None, "cleared after a rejection");
    // Dropped while the write is pending: the id is cleared too.
    order.recorder_mut().0.stall = true;
    let (poll, ()) = poll_once(order.apply_with_id("k-2", order::Event::Cancel));
    assert!(poll.is_pending());
    assert_eq!(
        order.recorder().0.next,
        None,
        "cleared when the future is dropped"
    );
    assert_eq!(order.recorder().0.stored, [(1, Some("k-1".to_owned()))]);
}

#[tokio::test]
async fn a_timed_machine_fires_its_timeout_through_the_async_recorder() {
    use statewright::{ManualClock, Timed, Timestamp};
    use std::time::Duration;

    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let remote = Remote::default();
    let mut order = Timed::new(started(&remote), clock.clone());
    clock.advance(Duration::from_secs(14 * 60));
    assert!(
        order.fire_due().await.is_none(),
        "not due before 15 minutes"
    );
    // A client cannot send the timer's event.
    let refused = order.apply(order::Event::Timeout).await.unwrap_err();
    assert_eq!(refused.cause(), &Cause::Internal);
    clock.advance(Duration::from_secs(60));
    let record = order.fire_due().await.unwrap().unwrap();
    assert_eq!(record.to_string(), "#1 Pending --timeout--> Expired");
    assert_eq!(order.machine().state(), &Order::Expired);
    assert!(order.deadline().is_none(), "Expired has no timeout");
    assert_eq!(remote.stored(), [record]);
}

#[test]
fn a_timed_transition_dropped_during_the_write_arms_nothing_new() {
    use statewright::{ManualClock, Timed, Timestamp};
    use std::time::Duration;

    let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    let mut order = Timed::new(started(&Remote::default()), clock.clone());
    let due = order.deadline().unwrap().due();
    clock.advance(Duration::from_secs(60));
    let (poll, ()) = poll_once(order.apply(order::Event::Pay(order::Declined.into())));
    assert!(poll.is_pending());
    // Still in Pending, its timeout still counting from the start, the machine poisoned.
    assert_eq!(order.machine().state(), &Order::Pending);
    assert_eq!(order.deadline().unwrap().due(), due);
    assert!(order.machine().is_poisoned());
}

#[test]
fn records_carry_the_time_unless_the_recorder_says_otherwise() {
    // An async recorder's records are timed by default; `Ready` forwards what the synchronous
    // recorder it wraps says.
    let remote = Remote::default();
    let mut order = started(&remote);
    statewright::__private::block_on(order.apply(order::Event::Cancel)).unwrap();
    assert!(remote.stored()[0].at().is_some());

    let mut timed = Dynamic::start_with(Order::Pending, Awaited(Ready(Memory::new()))).unwrap();
    let record = statewright::__private::block_on(timed.apply(order::Event::Cancel)).unwrap();
    assert!(record.at().is_some());
    let mut untimed = Dynamic::start_with(
        Order::Pending,
        Awaited(Ready(statewright::Untimed(Memory::new()))),
    )
    .unwrap();
    let record = statewright::__private::block_on(untimed.apply(order::Event::Cancel)).unwrap();
    assert!(record.at().is_none());
}

/// An async recorder that knows which instance it writes and where the instance is.
struct Tracked {
    instance: &'static str,
    at: Option<(u64, statewright::StateId)>,
}

impl AsyncRecorder for Tracked {
    type Error = std::convert::Infallible;

    async fn record(&mut self, record: &Record) -> Result<(), std::convert::Infallible> {
        self.at = Some((record.sequence(), record.to().id()));
        Ok(())
    }

    fn instance(&self) -> Option<&str> {
        Some(self.instance)
    }

    fn position(&self) -> Option<(u64, statewright::StateId)> {
        self.at
    }
}

#[cfg(feature = "serde")]
#[test]
fn a_snapshot_restores_into_an_awaited_recorder_that_agrees_with_it() {
    use statewright::{Snapshot, SnapshotError};

    let mut order = Dynamic::start_with(Order::Pending, Awaited(Ready(Memory::new()))).unwrap();
    statewright::__private::block_on(order.apply(order::Event::Cancel)).unwrap();
    let snapshot = Snapshot::of(&order, "o-1");
    let cancelled = Order::DEFINITION.state("Cancelled").unwrap().id();

    let here = Tracked {
        instance: "o-1",
        at: Some((1, cancelled)),
    };
    let restored = snapshot.clone().restore(Awaited(here)).unwrap();
    assert_eq!(restored.state(), &Order::Cancelled);

    let other = Tracked {
        instance: "o-2",
        at: Some((1, cancelled)),
    };
    assert!(matches!(
        snapshot.clone().restore(Awaited(other)).unwrap_err(),
        SnapshotError::WrongInstance { .. }
    ));
    // A recorder that knows no instance (the default) takes a snapshot of any.
    assert_eq!(
        statewright::AnyRecorder::instance(&Awaited(Remote::default())),
        None
    );
    let anywhere = Snapshot::of(&order, "o-9")
        .restore(Awaited(Remote::default()))
        .unwrap();
    assert_eq!(anywhere.sequence(), 1);
    let further = Tracked {
        instance: "o-1",
        at: Some((2, cancelled)),
    };
    assert!(matches!(
        snapshot.restore(Awaited(further)).unwrap_err(),
        SnapshotError::Stale { .. }
    ));
}

/// A synchronous recorder that knows its instance and position and keeps event ids.
#[derive(Default)]
struct SyncTracked {
    at: Option<(u64, statewright::StateId)>,
    id: Option<String>,
    ids: Vec<Option<String>>,
}

impl statewright::Recorder for SyncTracked {
    type Error = std::convert::Infallible;

    fn record(&mut self, record: &Record) -> Result<(), std::convert::Infallible> {
        self.at = Some((record.sequence(), record.to().id()));
        self.ids.push(self.id.clone());
        Ok(())
    }

    fn instance(&self) -> Option<&str> {
        Some("o-1")
    }

    fn position(&self) -> Option<(u64, statewright::StateId)> {
        self.at
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.id = id.map(String::from);
    }
}

#[cfg(feature = "serde")]
#[test]
fn ready_forwards_what_the_synchronous_recorder_knows() {
    use statewright::{AnyRecorder, Snapshot, SnapshotError};

    let mut order =
        Dynamic::start_with(Order::Pending, Awaited(Ready(SyncTracked::default()))).unwrap();
    statewright::__private::block_on(order.apply_with_id("k-1", order::Event::Cancel)).unwrap();
    assert_eq!(order.recorder().0.0.ids, [Some("k-1".to_owned())]);
    let cancelled = Order::DEFINITION.state("Cancelled").unwrap().id();
    assert_eq!(order.recorder().position(), Some((1, cancelled)));
    assert_eq!(AnyRecorder::instance(order.recorder()), Some("o-1"));

    // A snapshot of another instance, or behind the recorder, is refused through `Ready`.
    let fresh = Dynamic::start_with(Order::Pending, Awaited(Ready(Memory::new()))).unwrap();
    let (_, _, recorder) = order.into_parts();
    assert!(matches!(
        Snapshot::of(&fresh, "o-1").restore(recorder).unwrap_err(),
        SnapshotError::Stale { .. }
    ));
    assert!(matches!(
        Snapshot::of(&fresh, "o-2")
            .restore(Awaited(Ready(SyncTracked::default())))
            .unwrap_err(),
        SnapshotError::WrongInstance { .. }
    ));
}

#[test]
fn block_on_wakes_when_another_thread_wakes_the_future() {
    // A future woken by value from another thread (not by reference from its own poll).
    struct Later(Option<std::thread::JoinHandle<()>>);
    impl Future for Later {
        type Output = ();
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            match self.0.take() {
                None => {
                    let waker = cx.waker().clone();
                    self.0 = Some(std::thread::spawn(move || {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        waker.wake();
                    }));
                    Poll::Pending
                }
                Some(thread) => {
                    thread.join().unwrap();
                    Poll::Ready(())
                }
            }
        }
    }
    statewright::__private::block_on(Later(None));
}

#[state_machine(internal(reconcile))]
#[derive(Debug, PartialEq)]
enum Mirror {
    #[initial]
    #[on(update -> Stale)]
    Fresh,
    #[on(reconcile -> Fresh)]
    Stale,
}

#[test]
fn a_rejection_names_only_the_events_its_sender_can_send() {
    // Internal events (a timeout's, `internal(...)`) are the machine's own: a rejection's
    // message does not offer them, though `allowed()` still lists every transition.
    let mut order = started(&Remote::default());
    let refused = statewright::__private::block_on(order.apply(order::Event::Retry)).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`Order` cannot apply `retry` in state `Pending`; allowed: `pay`, `cancel`"
    );
    assert_eq!(refused.allowed().to_string(), "`pay`, `cancel`, `timeout`");

    let mut mirror = Dynamic::start(Mirror::Fresh).unwrap();
    mirror.apply(mirror::Event::Update).unwrap();
    let refused = mirror.apply(mirror::Event::Update).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "`Mirror` cannot apply `update` in state `Stale`; allowed: none"
    );
}

#[tokio::test]
async fn a_dynamic_awaited_machine_continues_typed_in_each_arm() {
    let remote = Remote::default();
    let mut order = started(&remote);
    order
        .apply(order::Event::Pay(order::Paid { amount_cents: 3 }.into()))
        .await
        .unwrap();
    // The awaiting mode is named (or inferred from the arms' use); `into_typed` gives the
    // default, blocking one.
    let typed: order::Typed<Awaited<Remote>, statewright::awaited::Awaiting> = order.into();
    match typed {
        order::Typed::Paid(paid) => {
            let shipped = paid
                .ship(order::Shipped {
                    tracking: "T".into(),
                })
                .await
                .unwrap();
            assert_eq!(shipped.sequence(), 2);
        }
        other => panic!("{}", other.state_info().name()),
    }
    assert_eq!(remote.stored().len(), 2);
}
