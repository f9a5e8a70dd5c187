//! What the SQLite and PostgreSQL tests share: the machines, and the checks that every
//! journal must pass, written once (`checks.rs`) and compiled twice: in [`blocking`] against
//! the synchronous `Journal<B>` and in [`awaited`] against the `AsyncJournal<B>`. The text
//! awaits through a few macros (`aw!` is `.await` in one and nothing in the other); the
//! synchronous journals' futures are ready at once, so [`ready`] runs those checks without a
//! runtime (which the synchronous PostgreSQL client could not run inside).
#![allow(dead_code)] // each test file uses its own part

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};

use statewright::sql::{Backend, Journal, SqlError};
use statewright::{Cause, StateMachine, state_machine};

/// A job that can be run, paused, continued and halted forever: long races stay busy with
/// legal and illegal events alike. `async`: its typed transitions exist for synchronous and
/// awaited recorders both (it has no hooks), for the checks of both kinds of journal.
#[state_machine(async)]
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    #[initial]
    #[on(run -> Running)]
    Idle,
    #[on(pause -> Paused, halt -> Idle)]
    Running,
    #[on(proceed -> Running, halt -> Idle)]
    Paused,
}

/// The value of a stored `Job` state (no state carries data).
pub fn job_state(state: statewright::StateInfo) -> Job {
    match state.name() {
        "Running" => Job::Running,
        "Paused" => Job::Paused,
        _ => Job::Idle,
    }
}

/// The same job with another transition: another fingerprint.
pub mod changed {
    use statewright::state_machine;

    #[state_machine]
    #[derive(Debug, Clone, PartialEq)]
    pub enum Job {
        #[initial]
        #[on(run -> Running)]
        Idle,
        #[on(pause -> Paused, halt -> Idle, restart -> Running)]
        Running,
        #[on(proceed -> Running, halt -> Idle)]
        Paused,
    }
}

/// A gate whose guard may decline: a rejection of an allowed event is then a legal record.
#[state_machine]
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    #[initial]
    #[on(open -> Open?)]
    Shut,
    #[on(shut -> Shut)]
    Open,
}

/// An order whose states carry data, for snapshots.
#[state_machine]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Order {
    #[initial]
    #[on(pay -> Paid, cancel -> Cancelled)]
    Pending,
    #[on(ship -> Shipped, cancel -> Cancelled)]
    Paid { amount_cents: u64 },
    #[on(deliver -> Delivered)]
    Shipped { tracking: String },
    #[terminal]
    Delivered,
    #[terminal]
    Cancelled,
}

/// SplitMix64: a reproducible stream of numbers per thread.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

fn random_event(rng: &mut Rng) -> job::Event {
    match rng.below(4) {
        0 => job::Event::Run,
        1 => job::Event::Pause,
        2 => job::Event::Proceed,
        _ => job::Event::Halt,
    }
}

/// What one racing thread saw.
#[derive(Default)]
struct Tally {
    /// (instance, sequence) of each record this thread wrote.
    won: Vec<(String, u64)>,
    /// (instance, attempted sequence) of each conflict it was told about.
    lost: Vec<(String, u64)>,
}

/// `threads` threads, each with its own journal (its own connection), apply `per_thread`
/// random events to `instances` shared instances: each load the instance, apply once, no
/// retry. Afterwards every instance's records are a legal gap-free path (verified by the
/// journal and by `Definition::replay`), no (instance, sequence) was written twice, every
/// record was written by exactly one thread that was told so, and the conflicts reported
/// equal the lost races (attempts minus rows).
pub fn race<B: Backend>(
    open: impl Fn() -> Journal<B> + Sync,
    threads: usize,
    per_thread: usize,
    instances: usize,
) -> (usize, usize) {
    let barrier = Arc::new(Barrier::new(threads));
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = Arc::clone(&barrier);
                let open = &open;
                scope.spawn(move || {
                    let journal = open();
                    let mut rng = Rng::new(t as u64 + 1);
                    let mut tally = Tally::default();
                    barrier.wait();
                    for _ in 0..per_thread {
                        let instance = format!("job-{}", rng.below(instances as u64));
                        let mut machine = journal
                            .resume(&instance, job_state)
                            .unwrap_or_else(|e| panic!("thread {t}: load {instance}: {e}"));
                        let attempted = machine.sequence() + 1;
                        match machine.apply(random_event(&mut rng)) {
                            Ok(record) => tally.won.push((instance, record.sequence())),
                            Err(rejection) => match rejection.cause() {
                                Cause::Illegal => tally.won.push((instance, attempted)),
                                Cause::Unrecorded(SqlError::Conflict(c))
                                | Cause::IllegalUnrecorded(SqlError::Conflict(c)) => {
                                    assert_eq!(c.attempted, attempted);
                                    let (_, current) = c.current.expect("a conflict has a winner");
                                    assert!(current >= attempted, "{c}");
                                    tally.lost.push((instance, attempted));
                                }
                                other => panic!("thread {t}: unexpected {other:?}"),
                            },
                        }
                    }
                    tally
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let journal = open();
    let mut rows = 0;
    let mut stored = BTreeSet::new();
    for i in 0..instances {
        let instance = format!("job-{i}");
        let history = journal.history(&instance).unwrap();
        Job::DEFINITION.replay(&history).unwrap();
        for r in &history {
            stored.insert((instance.clone(), r.sequence()));
        }
        rows += history.len();
    }
    let mut won = BTreeMap::new();
    let (mut attempts, mut conflicts) = (0, 0);
    for tally in &tallies {
        attempts += tally.won.len() + tally.lost.len();
        conflicts += tally.lost.len();
        for w in &tally.won {
            *won.entry(w.clone()).or_insert(0) += 1;
        }
    }
    assert!(won.values().all(|&n| n == 1), "a record was written twice");
    assert_eq!(
        won.keys().cloned().collect::<BTreeSet<_>>(),
        stored,
        "the records are exactly the ones the threads were told they wrote"
    );
    for tally in &tallies {
        for lost in &tally.lost {
            assert!(
                stored.contains(lost),
                "a conflict on {lost:?}, which nobody wrote"
            );
        }
    }
    assert_eq!(rows, won.len());
    assert_eq!(
        conflicts,
        attempts - rows,
        "conflicts reported == lost races"
    );
    (rows, conflicts)
}

/// The items of a listing, all of which must have read.
pub fn all_ok<T>(items: Vec<Result<T, SqlError>>) -> Vec<T> {
    items
        .into_iter()
        .map(|item| item.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The instance and event ids both backends accept and refuse, with whether they are accepted.
pub fn id_table() -> Vec<(String, bool)> {
    vec![
        ("o-17".into(), true),
        ("ünïcødé 🦀".into(), true),
        ("o'; DROP TABLE statewright_records; --".into(), true),
        ("i".repeat(1024), true),
        (String::new(), false),
        ("a\0b".into(), false),
        ("i".repeat(1025), false),
        ("x".repeat(1 << 20), false),
        ("tab\there".into(), false),
        ("line\nbreak".into(), false),
    ]
}

/// The output of a future that is ready at its first poll: a check run against a synchronous
/// journal.
pub fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a check against a synchronous journal waited"),
    }
}

/// The checks against a synchronous `Journal<B>` (run them with [`ready`]).
pub mod blocking {
    use super::*;
    use statewright::sql::{Backend as Bk, Journal as J};
    #[allow(unused_imports)] // `event_id!` calls it
    use statewright::{Dynamic, Recorder as _, TypedMachine};

    /// Opens a journal of a definition.
    pub type Opener<'a, B> =
        dyn Fn(&'static statewright::Definition) -> Result<J<B>, SqlError> + 'a;
    /// Runs SQL on another connection.
    pub type Exec<'a> = dyn Fn(&str) + 'a;

    macro_rules! aw {
        ($e:expr) => {
            $e
        };
    }
    macro_rules! rec {
        ($e:expr) => {
            $e
        };
    }
    macro_rules! event_id {
        ($m:expr, $id:expr) => {
            $m.recorder_mut().event_id($id)
        };
    }
    macro_rules! sync_only {
        ($($t:tt)*) => {
            $($t)*
        };
    }

    include!("checks.rs");
}

/// The same checks against an `AsyncJournal<B>`, awaited.
#[cfg(any(feature = "sqlite-async", feature = "postgres-async"))]
pub mod awaited {
    use super::*;
    use statewright::sql::{AsyncBackend as Bk, AsyncJournal as J};
    use statewright::{AsyncRecorder as _, Awaited, Dynamic, TypedMachine};
    use std::pin::Pin;

    /// Opens a journal of a definition.
    pub type Opener<'a, B> = dyn Fn(
            &'static statewright::Definition,
        ) -> Pin<Box<dyn Future<Output = Result<J<B>, SqlError>> + Send>>
        + Sync
        + 'a;
    /// Runs SQL on another connection.
    pub type Exec<'a> = dyn Fn(&str) -> Pin<Box<dyn Future<Output = ()> + Send>> + Sync + 'a;

    macro_rules! aw {
        ($e:expr) => {
            $e.await
        };
    }
    macro_rules! rec {
        ($e:expr) => {
            Awaited($e)
        };
    }
    macro_rules! event_id {
        ($m:expr, $id:expr) => {
            $m.recorder_mut().0.event_id($id)
        };
    }
    macro_rules! sync_only {
        ($($t:tt)*) => {};
    }

    include!("checks.rs");

    /// Two writers with their own connections apply an event to one instance at once:
    /// exactly one record is written, and the other writer gets a `Conflict` carrying where
    /// the instance is now; its machine stays where it was.
    pub async fn two_writers_race<B: Bk>(first: &J<B>, second: &J<B>) {
        for round in 0..20 {
            let instance = format!("race-{round}");
            let mut a = first.resume(&instance, job_state).await.unwrap();
            let mut b = second.resume(&instance, job_state).await.unwrap();
            let (ra, rb) = tokio::join!(a.apply(job::Event::Run), b.apply(job::Event::Run));
            let (won, lost, loser) = match (ra, rb) {
                (Ok(won), Err(lost)) => (won, lost, &b),
                (Err(lost), Ok(won)) => (won, lost, &a),
                (ra, rb) => panic!("round {round}: not exactly one winner: {ra:?} / {rb:?}"),
            };
            assert_eq!(won.sequence(), 1);
            let Cause::Unrecorded(SqlError::Conflict(conflict)) = lost.cause() else {
                panic!("round {round}: {lost}");
            };
            assert_eq!(
                (conflict.attempted, conflict.from, conflict.current),
                (1, "Idle", Some(("Running", 1)))
            );
            assert_eq!((loser.state(), loser.sequence()), (&Job::Idle, 0));
            let history = first.history(&instance).await.unwrap();
            assert_eq!(history.len(), 1, "round {round}: one record");
        }
    }

    /// An append whose future is dropped while it waits for the database (a `select!` whose
    /// other branch is ready at once, after one poll of the append): the machine is poisoned,
    /// the stored history is a legal path (with or without the record: the database decides,
    /// as for a lost connection), and the instance goes on from a fresh load.
    pub async fn cancelled_append<B: Bk>(journal: &J<B>) {
        use std::time::Duration;

        let mut machine = journal.resume("c-1", job_state).await.unwrap();
        machine.apply(job::Event::Run).await.unwrap();
        {
            let apply = machine.apply(job::Event::Pause);
            tokio::select! {
                biased;
                done = apply => panic!("the append completed at its first poll: {done:?}"),
                () = std::future::ready(()) => {} // drops the append, in flight
            }
        }
        assert!(
            machine.is_poisoned(),
            "a machine whose append was dropped is poisoned"
        );
        assert_eq!(machine.state(), &Job::Running, "and not moved");
        // Whatever the database did with the dropped append, the history replays.
        let history = loop {
            // SQLite's thread may still be writing the dropped record: wait for a settled
            // answer (two equal reads).
            let first = journal.history("c-1").await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            if journal.history("c-1").await.unwrap() == first {
                break first;
            }
        };
        Job::DEFINITION.replay(&history).unwrap();
        assert!(matches!(history.len(), 1 | 2), "{history:?}");
        let mut again = journal.resume("c-1", job_state).await.unwrap();
        assert_eq!(again.sequence(), history.len() as u64);
        let next = if again.state() == &Job::Running {
            job::Event::Pause
        } else {
            job::Event::Proceed
        };
        again.apply(next).await.unwrap();
        Job::DEFINITION
            .replay(journal.history("c-1").await.unwrap())
            .unwrap();
    }
}
