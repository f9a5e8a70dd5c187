//! Timeouts at run time: deadlines on a manual clock, firing when due and not before, each
//! resume policy across a snapshot and a restore (with a wall clock that jumps), and random
//! interleavings of events, duplicate deliveries and clock advances against a reference model.

use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use statewright::{
    Dynamic, ManualClock, Memory, Record, Resume, StateMachine, Timed, Timestamp, state_machine,
};

/// A job: `Queued` expires after 10 s (deadline policy, the default), `Running` is retried
/// after 60 s (remaining), `Waiting` gives up after 5 min (restart).
#[state_machine(timeouts = required)]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Job {
    #[initial]
    #[timeout(10s -> Expired)]
    #[on(start -> Running)]
    Queued,
    #[timeout(60s, retry -> Queued, resume = remaining)]
    #[on(block -> Waiting, finish -> Done, tick -> Running)]
    Running,
    #[timeout(5min, give_up -> Failed, resume = restart)]
    #[on(unblock -> Running)]
    Waiting,
    #[terminal]
    Done,
    #[terminal]
    Expired,
    #[terminal]
    Failed,
}

const T0: u64 = 1_700_000_000_000_000_000;

fn clock() -> ManualClock {
    ManualClock::new(Timestamp::from_unix_nanos(T0))
}

fn timed(clock: &ManualClock) -> Timed<Job, Memory, ManualClock> {
    Timed::new(Dynamic::start(Job::Queued).unwrap(), clock.clone())
}

#[cfg_attr(not(feature = "serde"), allow(dead_code))] // used by the restart tests only
fn lines(records: &[Record]) -> Vec<String> {
    records.iter().map(ToString::to_string).collect()
}

#[test]
fn the_definition_has_each_states_timeout() {
    let timeouts: Vec<(String, u64, String, String, Resume)> = Job::DEFINITION
        .timeouts()
        .map(|t| {
            (
                t.state().name().to_owned(),
                t.after().as_secs(),
                t.event().name().to_owned(),
                t.to().name().to_owned(),
                t.resume(),
            )
        })
        .collect();
    assert_eq!(
        timeouts,
        [
            (
                "Queued".into(),
                10,
                "timeout".into(),
                "Expired".into(),
                Resume::Deadline
            ),
            (
                "Running".into(),
                60,
                "retry".into(),
                "Queued".into(),
                Resume::Remaining
            ),
            (
                "Waiting".into(),
                300,
                "give_up".into(),
                "Failed".into(),
                Resume::Restart
            ),
        ]
    );
    let tick = Job::DEFINITION
        .transitions()
        .find(|t| t.event().name() == "retry")
        .unwrap();
    assert_eq!(tick.timeout(), Some(Duration::from_secs(60)));
}

#[test]
fn a_timeout_fires_when_due_and_not_before() {
    let clock = clock();
    let mut job = timed(&clock);
    let deadline = job.deadline().unwrap();
    assert_eq!(deadline.due(), Duration::from_secs(10));
    assert_eq!(deadline.timeout().to().name(), "Expired");
    clock.advance(Duration::from_millis(9_999));
    assert!(!job.is_due());
    assert!(job.fire_due().is_none());
    assert_eq!(job.due_in(), Some(Duration::from_millis(1)));
    clock.advance(Duration::from_millis(1));
    let record = job.fire_due().unwrap().unwrap();
    assert_eq!(record.to_string(), "#1 Queued --timeout--> Expired");
    assert_eq!(job.machine().state(), &Job::Expired);
    assert!(job.deadline().is_none());
    assert!(
        job.fire_due().is_none(),
        "a terminal state has nothing to fire"
    );
}

#[test]
fn is_due_turns_true_exactly_at_the_deadline_and_stays_true() {
    let clock = clock();
    let job = timed(&clock);
    clock.advance(Duration::from_millis(9_999));
    assert!(!job.is_due());
    clock.advance(Duration::from_millis(1));
    assert!(job.is_due(), "due at exactly 10 s");
    clock.advance(Duration::from_secs(3_600));
    assert!(job.is_due(), "still due when overdue");
    assert_eq!(job.due_in(), Some(Duration::ZERO));
}

#[test]
fn debug_shows_the_deadline_and_the_machine() {
    let clock = clock();
    let mut job = timed(&clock);
    let deadline = job.deadline().unwrap();
    assert_eq!(
        format!("{deadline:?}"),
        "Deadline { due: 10s, timeout: Timeout { state: \"Queued\", after: 10s, event: \
         \"timeout\", to: \"Expired\", resume: Deadline } }"
    );
    assert_eq!(
        format!("{job:?}"),
        "Timed { machine: Dynamic { state: Queued, sequence: 0, .. }, due: Some(10s), .. }"
    );
    job.apply(job::Event::Start).unwrap();
    job.apply(job::Event::Finish).unwrap();
    assert_eq!(
        format!("{job:?}"),
        "Timed { machine: Dynamic { state: Done, sequence: 2, .. }, due: None, .. }"
    );
}

/// `Timed::sleep`, polled by hand on a tokio runtime: pending while the timeout is not due,
/// pending for ever in a state without one, and ready once it is due.
#[cfg(feature = "tokio")]
#[test]
fn sleep_completes_only_when_the_timeout_is_due() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    fn poll_once(future: &mut statewright::Sleep) -> Poll<()> {
        let mut cx = Context::from_waker(Waker::noop());
        std::pin::Pin::new(future).poll(&mut cx)
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let clock = clock();
        let mut job = timed(&clock);
        assert!(poll_once(&mut job.sleep()).is_pending(), "10 s to go");

        clock.advance(Duration::from_secs(10));
        let due = tokio::time::timeout(Duration::from_secs(60), job.sleep()).await;
        assert!(due.is_ok(), "a due timeout's sleep completes");

        job.apply(job::Event::Start).unwrap();
        job.apply(job::Event::Finish).unwrap();
        let mut never = job.sleep();
        assert!(poll_once(&mut never).is_pending(), "Done has no timeout");
        tokio::task::yield_now().await;
        assert!(poll_once(&mut never).is_pending(), "and never will");
    });
}

#[test]
fn a_transition_re_arms_and_a_self_loop_keeps_the_deadline() {
    let clock = clock();
    let mut job = timed(&clock);
    clock.advance(Duration::from_secs(5));
    job.apply(job::Event::Start).unwrap();
    assert_eq!(
        job.due_in(),
        Some(Duration::from_secs(60)),
        "armed on entry"
    );
    clock.advance(Duration::from_secs(30));
    job.apply(job::Event::Tick).unwrap(); // a self-loop: still in Running
    assert_eq!(job.due_in(), Some(Duration::from_secs(30)));
    clock.advance(Duration::from_secs(30));
    assert_eq!(
        job.fire_due().unwrap().unwrap().to_string(),
        "#3 Running --retry--> Queued"
    );
    assert_eq!(
        job.due_in(),
        Some(Duration::from_secs(10)),
        "Queued's timeout, from now"
    );
    // A wall clock that jumps does not move a running deadline (it is monotonic).
    clock.set_wall(Timestamp::from_unix_nanos(T0 + 3_600_000_000_000));
    assert_eq!(job.due_in(), Some(Duration::from_secs(10)));
}

// Restarts go through a snapshot, which serializes with the `serde` feature only: plain
// `cargo test` builds this file without it.

/// Stores `job` after `before` in its state, restarts after `stopped` (the wall clock moves
/// by `stopped + jump`), and returns how long until the restored timeout is due.
#[cfg(feature = "serde")]
fn across_a_restart(
    state_events: &[job::Event],
    before: u64,
    stopped: u64,
    jump: i64,
) -> Option<Duration> {
    let clock = clock();
    let mut job = timed(&clock);
    for event in state_events {
        job.apply(event.clone()).unwrap();
    }
    clock.advance(Duration::from_secs(before));
    let json = serde_json::to_string(&job.snapshot("job-1")).unwrap();
    drop(job);

    let wall = clock.now_nanos() as i64 + (stopped as i64 + jump) * 1_000_000_000;
    let later = ManualClock::new(Timestamp::from_unix_nanos(wall as u64));
    let stored: statewright::TimedSnapshot<Job> = serde_json::from_str(&json).unwrap();
    let restored = stored.restore(Memory::new(), later).unwrap();
    restored.due_in()
}

#[cfg(feature = "serde")]
trait NowNanos {
    fn now_nanos(&self) -> u64;
}

#[cfg(feature = "serde")]
impl NowNanos for ManualClock {
    fn now_nanos(&self) -> u64 {
        statewright::Clock::now(self).unwrap().unix_nanos()
    }
}

#[cfg(feature = "serde")]
#[test]
fn deadline_policy_keeps_the_wall_clock_deadline() {
    // Queued (10 s, deadline): 4 s in, stopped 3 s: 3 s left.
    assert_eq!(across_a_restart(&[], 4, 3, 0), Some(Duration::from_secs(3)));
    // Stopped past the deadline: due at once.
    assert_eq!(across_a_restart(&[], 4, 30, 0), Some(Duration::ZERO));
    // The wall clock jumped back 5 s while stopped: the deadline is 5 s further.
    assert_eq!(
        across_a_restart(&[], 4, 3, -5),
        Some(Duration::from_secs(8))
    );
}

#[cfg(feature = "serde")]
#[test]
fn remaining_policy_keeps_the_time_that_was_left() {
    // Running (60 s, remaining): 20 s in, stopped an hour, the wall clock jumping too.
    let running = [job::Event::Start];
    assert_eq!(
        across_a_restart(&running, 20, 3_600, 0),
        Some(Duration::from_secs(40))
    );
    assert_eq!(
        across_a_restart(&running, 20, 3_600, -7_200),
        Some(Duration::from_secs(40))
    );
}

#[cfg(feature = "serde")]
#[test]
fn restart_policy_starts_the_full_timeout_again() {
    // Waiting (5 min, restart): 4 min in, stopped 10 min: the full 5 min again.
    let waiting = [job::Event::Start, job::Event::Block];
    assert_eq!(
        across_a_restart(&waiting, 240, 600, 0),
        Some(Duration::from_secs(300))
    );
    assert_eq!(
        across_a_restart(&waiting, 240, 600, 99_999),
        Some(Duration::from_secs(300))
    );
}

#[cfg(feature = "serde")]
#[test]
fn a_restored_timeout_fires_with_its_event_and_continues_the_record() {
    let clock = clock();
    let mut job = timed(&clock);
    job.apply(job::Event::Start).unwrap();
    let json = serde_json::to_string(&job.snapshot("job-1")).unwrap();
    let history = job.machine().recorder().records().to_vec();
    let later = ManualClock::new(Timestamp::from_unix_nanos(T0));
    later.advance(Duration::from_secs(61));
    let stored: statewright::TimedSnapshot<Job> = serde_json::from_str(&json).unwrap();
    let mut job = stored
        .restore(Memory::from(history), later.clone())
        .unwrap();
    // Remaining policy: 60 s from the restore.
    assert_eq!(job.due_in(), Some(Duration::from_secs(60)));
    later.advance(Duration::from_secs(60));
    job.fire_due().unwrap().unwrap();
    assert_eq!(
        lines(job.machine().recorder().records()),
        [
            "#1 Queued --start--> Running",
            "#2 Running --retry--> Queued"
        ]
    );
    assert!(
        Job::DEFINITION
            .replay(job.machine().recorder().records())
            .is_ok()
    );
}

/// One step of the random walk: an event delivered under a message id (ids repeat: a
/// repeated id is a duplicate delivery), or time passing.
#[derive(Debug, Clone)]
enum Step {
    Event(u8, job::Event),
    Wait(u64),
}

fn step() -> impl Strategy<Value = Step> {
    let event = prop_oneof![
        Just(job::Event::Start),
        Just(job::Event::Block),
        Just(job::Event::Unblock),
        Just(job::Event::Finish),
        Just(job::Event::Tick),
    ];
    prop_oneof![
        3 => (0u8..12, event).prop_map(|(id, event)| Step::Event(id, event)),
        1 => (0u64..400).prop_map(Step::Wait),
    ]
}

/// The reference: the same machine as a table, with a deadline in seconds.
struct Model {
    state: &'static str,
    due: Option<u64>,
    now: u64,
    records: Vec<(&'static str, &'static str, &'static str, bool)>,
}

impl Model {
    fn timeout(state: &str) -> Option<(u64, &'static str, &'static str)> {
        match state {
            "Queued" => Some((10, "timeout", "Expired")),
            "Running" => Some((60, "retry", "Queued")),
            "Waiting" => Some((300, "give_up", "Failed")),
            _ => None,
        }
    }

    fn target(state: &str, event: &str) -> Option<&'static str> {
        Some(match (state, event) {
            ("Queued", "start") => "Running",
            ("Running", "block") => "Waiting",
            ("Running", "finish") => "Done",
            ("Running", "tick") => "Running",
            ("Waiting", "unblock") => "Running",
            _ => return None,
        })
    }

    fn enter(&mut self, to: &'static str) {
        if to != self.state {
            self.due = Self::timeout(to).map(|(after, _, _)| self.now + after);
        }
        self.state = to;
    }

    fn event(&mut self, event: &'static str) {
        match Self::target(self.state, event) {
            Some(to) => {
                self.records.push((self.state, event, to, true));
                self.enter(to);
            }
            None => self.records.push((self.state, event, self.state, false)),
        }
    }

    /// Time passes; the caller fires a due timeout at the end (as a driver polling at that
    /// moment would), once.
    fn wait(&mut self, secs: u64) {
        self.now += secs;
        if let (Some(due), Some((_, event, to))) = (self.due, Self::timeout(self.state)) {
            if self.now >= due {
                self.records.push((self.state, event, to, true));
                self.enter(to);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random events (some delivered twice under the same id), and clock advances (each
    /// followed by one `fire_due`): the machine's records and state are the reference's, a
    /// duplicate changes and records nothing, and the record replays.
    #[test]
    fn events_duplicates_and_clock_advances_follow_the_reference(steps in vec(step(), 0..80)) {
        let clock = clock();
        let mut job = timed(&clock);
        let mut window = statewright::Window::new(1000);
        let mut seen = std::collections::HashSet::new();
        let mut model = Model { state: "Queued", due: Some(10), now: 0, records: Vec::new() };
        for s in &steps {
            match s {
                Step::Event(id, event) => {
                    let name = event.name();
                    let delivery = job.apply_once(&mut window, &format!("m-{id}"), event.clone());
                    if seen.insert(*id) {
                        prop_assert!(!delivery.is_duplicate());
                        model.event(name);
                    } else {
                        prop_assert!(delivery.is_duplicate(), "m-{} again: {:?}", id, s);
                    }
                }
                Step::Wait(secs) => {
                    clock.advance(Duration::from_secs(*secs));
                    let _ = job.fire_due();
                    model.wait(*secs);
                }
            }
            prop_assert_eq!(job.machine().state_info().name(), model.state, "after {:?}", s);
        }
        let records: Vec<(&str, &str, &str, bool)> = job
            .machine()
            .recorder()
            .records()
            .iter()
            .map(|r| (r.from().name(), r.event().name(), r.to().name(), r.outcome() == statewright::Outcome::Applied))
            .collect();
        prop_assert_eq!(records, model.records);
        prop_assert!(Job::DEFINITION.replay(job.machine().recorder().records()).is_ok());
    }
}

#[test]
fn a_duplicate_delivery_changes_nothing_and_keeps_the_deadline() {
    let clock = clock();
    let mut job = timed(&clock);
    let mut window = statewright::Window::new(10);
    let first = job.apply_once(&mut window, "m-1", job::Event::Start);
    assert_eq!(
        first.record().unwrap().to_string(),
        "#1 Queued --start--> Running"
    );
    clock.advance(Duration::from_secs(20));
    match job.apply_once(&mut window, "m-1", job::Event::Start) {
        statewright::Delivery::Duplicate { first, event } => {
            assert_eq!(first.to_string(), "#1 Queued --start--> Running");
            assert_eq!(event, job::Event::Start); // handed back
        }
        other => panic!("not a duplicate: {other:?}"),
    }
    assert_eq!(job.machine().sequence(), 1, "nothing recorded");
    assert_eq!(
        job.due_in(),
        Some(Duration::from_secs(40)),
        "the deadline did not move"
    );
}
