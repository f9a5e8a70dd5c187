//! Timeouts at run time: [`Timed`] arms the current state's timeout on a [`Clock`], reports
//! the deadline, fires the timeout when it is due, and carries the armed timeout through a
//! snapshot ([`TimedSnapshot`], feature `serde`) with the resume policy the timeout declares.
//!
//! No async runtime is assumed: ask [`Timed::deadline`] (or [`Timed::due_in`]) when to come
//! back, and call [`Timed::fire_due`] then. With the `tokio` feature, [`Timed::sleep`] is a
//! future that completes at the deadline (see `examples/expiring_order.rs`).
//!
//! ```
//! use statewright::{state_machine, Dynamic, ManualClock, Memory, Timed, Timestamp};
//! use std::time::Duration;
//!
//! #[state_machine]
//! #[derive(Debug, PartialEq)]
//! enum Order {
//!     #[initial]
//!     #[timeout(15min -> Expired)]
//!     #[on(pay -> Paid)]
//!     Pending,
//!     #[terminal]
//!     Paid,
//!     #[terminal]
//!     Expired,
//! }
//!
//! # fn main() {
//! let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
//! let mut order = Timed::new(Dynamic::start(Order::Pending).unwrap(), clock.clone());
//! assert_eq!(order.due_in(), Some(Duration::from_secs(15 * 60)));
//!
//! clock.advance(Duration::from_secs(14 * 60));
//! assert!(order.fire_due().is_none()); // not due yet
//! clock.advance(Duration::from_secs(60));
//! let record = order.fire_due().unwrap().unwrap();
//! assert_eq!(record.to_string(), "#1 Pending --timeout--> Expired");
//! assert_eq!(order.machine().state(), &Order::Expired);
//! assert_eq!(order.deadline(), None); // a terminal state has no timeout
//! # }
//! ```

use core::fmt;
use core::time::Duration;

use crate::awaited::{AsyncRecorder, Awaited};
use crate::clock::Clock;
use crate::definition::{EventId, StateId, Timeout};
use crate::dynamic::{Dynamic, Rejection};
use crate::machine::StateMachine;
use crate::record::Record;
use crate::recorder::Recorder;

/// A dynamic machine whose states' timeouts are armed on a clock: see the [module docs](self).
pub struct Timed<M: StateMachine, R, C> {
    machine: Dynamic<M, R>,
    clock: C,
    /// When the current state's timeout is due, in the clock's monotonic time.
    due: Option<Duration>,
}

/// When the current state's timeout is due, and what it does then.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    due: Duration,
    timeout: Timeout,
}

impl Deadline {
    /// When the timeout is due, in the clock's monotonic time ([`Clock::monotonic`]).
    pub fn due(&self) -> Duration {
        self.due
    }

    /// The timeout: its duration, event, target and resume policy.
    pub fn timeout(&self) -> Timeout {
        self.timeout
    }
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("due", &self.due)
            .field("timeout", &self.timeout)
            .finish()
    }
}

// No `Recorder` bound: a machine whose recorder is an `Awaited` async recorder is timed the
// same way (its `apply` and `fire_due` are awaited, see below).
impl<M: StateMachine, R, C: Clock> Timed<M, R, C> {
    /// `machine`, with its current state's timeout armed from now: the state counts as
    /// entered now. (A machine restored from storage keeps its armed timeout through
    /// [`TimedSnapshot`] instead.)
    pub fn new(machine: Dynamic<M, R>, clock: C) -> Self {
        let mut timed = Timed {
            machine,
            clock,
            due: None,
        };
        timed.arm();
        timed
    }

    /// Arms the current state's timeout, from now.
    fn arm(&mut self) {
        let now = self.clock.monotonic();
        self.arm_at(now);
    }

    /// Arms the current state's timeout, from the monotonic time `now`.
    fn arm_at(&mut self, now: Duration) {
        self.due = self
            .current_timeout()
            .map(|t| now.saturating_add(t.after()));
    }

    fn current_timeout(&self) -> Option<Timeout> {
        M::DEFINITION.timeout(self.machine.state().state_id())
    }

    /// The current state's armed timeout, if it has one.
    pub fn deadline(&self) -> Option<Deadline> {
        Some(Deadline {
            due: self.due?,
            timeout: self.current_timeout()?,
        })
    }

    /// How long until the timeout is due (zero when it is overdue); `None` without one.
    pub fn due_in(&self) -> Option<Duration> {
        self.due
            .map(|due| due.saturating_sub(self.clock.monotonic()))
    }

    /// Whether the timeout is due now.
    pub fn is_due(&self) -> bool {
        self.due_in() == Some(Duration::ZERO)
    }

    /// The machine.
    pub fn machine(&self) -> &Dynamic<M, R> {
        &self.machine
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The machine and the clock.
    pub fn into_parts(self) -> (Dynamic<M, R>, C) {
        (self.machine, self.clock)
    }

    /// The timeout's event if it is due at the monotonic time `now`.
    fn due_event(&self, now: Duration) -> Option<M::Event> {
        if self.due.is_none_or(|due| due > now) {
            return None;
        }
        let timeout = self.current_timeout()?;
        M::__timeout_event(timeout.event().id())
    }
}

impl<M: StateMachine, R: Recorder, C: Clock> Timed<M, R, C> {
    /// Applies `event` like [`Dynamic::apply`] (so a timeout's event, which is internal, is
    /// refused: [`fire_due`](Self::fire_due) fires it); a transition to another state arms
    /// that state's timeout (a self-loop keeps the running one: the machine did not leave).
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub fn apply(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, R::Error, M::HookError>> {
        let mut rearm = Rearm::new(self, M::event_id(&event));
        let result = rearm.timed.machine.apply(event);
        rearm.refused = result.is_err();
        result
    }

    /// Applies `event`, delivered under `id`, unless `window` remembers `id` (see
    /// [`Idempotent`](crate::Idempotent) for what is remembered and for how long): a duplicate
    /// delivery changes nothing and records nothing. A transition to another state arms its
    /// timeout, as [`apply`](Self::apply) does.
    #[allow(clippy::type_complexity)] // the delivery's three parameters are each needed
    pub fn apply_once(
        &mut self,
        window: &mut crate::Window,
        id: &str,
        event: M::Event,
    ) -> crate::Delivery<M::Event, R::Error, M::HookError> {
        let now = self.clock.now();
        let rearm = Rearm::new(self, M::event_id(&event));
        window.apply(&mut rearm.timed.machine, id, event, now)
    }

    /// Takes the timeout's transition if it is due: `None` when nothing is due, else what
    /// [`apply`](Self::apply) returned for the timeout's event (recorded with that event). If
    /// the transition did not happen (a hook vetoed it, the recorder refused), the timeout
    /// stays due and fires again at the next call.
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub fn fire_due(
        &mut self,
    ) -> Option<Result<Record, Rejection<M::Event, R::Error, M::HookError>>> {
        let now = self.clock.monotonic();
        let event = self.due_event(now)?;
        let rearm = Rearm::at(self, now, M::event_id(&event));
        // The timeout's event is internal: `apply` refuses it from outside, its timer applies it.
        let result = rearm.timed.machine.apply_internal(event);
        if result.is_ok() {
            // A timeout that leads back to its own state starts again.
            rearm.timed.arm_at(now);
        }
        Some(result)
    }
}

/// A timed machine that records through an [`AsyncRecorder`]: the same as the synchronous one,
/// awaited. A future dropped halfway arms nothing new (the machine did not move; see
/// [`awaited`](crate::awaited) for what the recorder may hold then).
impl<M: StateMachine, A: AsyncRecorder, C: Clock> Timed<M, Awaited<A>, C> {
    /// Applies `event` like [`Dynamic::apply`] awaited; a transition to another state arms
    /// that state's timeout.
    ///
    /// ```
    /// use statewright::awaited::Ready;
    /// use statewright::{Awaited, Dynamic, ManualClock, Memory, Timed, Timestamp, state_machine};
    /// use std::time::Duration;
    ///
    /// #[state_machine]
    /// #[derive(Debug, PartialEq)]
    /// enum Order {
    ///     #[initial]
    ///     #[timeout(15min -> Expired)]
    ///     #[on(pay -> Paid)]
    ///     Pending,
    ///     #[terminal]
    ///     Paid,
    ///     #[terminal]
    ///     Expired,
    /// }
    ///
    /// # fn main() {
    /// # statewright::__private::block_on(async {
    /// let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    /// let order = Dynamic::start_with(Order::Pending, Awaited(Ready(Memory::new()))).unwrap();
    /// let mut order = Timed::new(order, clock.clone());
    /// assert!(order.fire_due().await.is_none());
    /// clock.advance(Duration::from_secs(15 * 60));
    /// let record = order.fire_due().await.unwrap().unwrap();
    /// assert_eq!(record.to_string(), "#1 Pending --timeout--> Expired");
    /// assert!(order.apply(order::Event::Pay).await.is_err());
    /// # });
    /// # }
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub async fn apply(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, A::Error, M::HookError>> {
        let mut rearm = Rearm::new(self, M::event_id(&event));
        let result = rearm.timed.machine.apply(event).await;
        rearm.refused = result.is_err();
        result
    }

    /// Takes the timeout's transition if it is due, awaited: see the synchronous
    /// `fire_due`. `None` when nothing is due.
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub async fn fire_due(
        &mut self,
    ) -> Option<Result<Record, Rejection<M::Event, A::Error, M::HookError>>> {
        let now = self.clock.monotonic();
        let event = self.due_event(now)?;
        let rearm = Rearm::at(self, now, M::event_id(&event));
        let result = rearm.timed.machine.apply_internal(event).await;
        if result.is_ok() {
            rearm.timed.arm_at(now);
        }
        Some(result)
    }
}

/// A `Timed` machine about to apply an event, with the monotonic time read before it (so that
/// a clock that panics does so before anything changed). Dropping it (after the event, or
/// while a panic in an entry hook unwinds past a written record) arms the timeout of the state
/// the machine is in, if it left the state it was in (a self-loop keeps the running one).
struct Rearm<'a, M: StateMachine, R, C: Clock> {
    timed: &'a mut Timed<M, R, C>,
    from: StateId,
    event: EventId,
    now: Duration,
    /// Set when the event was refused: the machine did not move, even if it is where a
    /// composite's self-transition would have brought it.
    refused: bool,
}

impl<'a, M: StateMachine, R, C: Clock> Rearm<'a, M, R, C> {
    fn new(timed: &'a mut Timed<M, R, C>, event: EventId) -> Self {
        let now = timed.clock.monotonic();
        Rearm::at(timed, now, event)
    }

    fn at(timed: &'a mut Timed<M, R, C>, now: Duration, event: EventId) -> Self {
        let from = timed.machine.state().state_id();
        Rearm {
            timed,
            from,
            event,
            now,
            refused: false,
        }
    }
}

impl<M: StateMachine, R, C: Clock> Drop for Rearm<'_, M, R, C> {
    fn drop(&mut self) {
        let to = self.timed.machine.state().state_id();
        if !self.refused && rearms::<M>(self.from, self.event, to) {
            self.timed.arm_at(self.now);
        }
    }
}

/// Whether `from --event--> to` (applied) arms `to`'s timeout afresh: it entered the state or
/// composite that declares the timeout. A state's self-loop keeps the running timeout, and so
/// does a move between states inside a composite whose timeout runs while the machine is
/// anywhere inside it, unless the transition leaves the composite and enters it again (one
/// declared on the composite itself, say).
fn rearms<M: StateMachine>(from: StateId, event: EventId, to: StateId) -> bool {
    let definition = M::DEFINITION;
    if !definition.is_hierarchical() {
        return to != from;
    }
    let Some(transition) = definition.find_transition(from, event, to) else {
        // Not moved (a refusal): nothing to arm.
        return false;
    };
    let owner = definition.timeout(to).map(|t| t.source());
    let left = |node: crate::Node| transition.exited().any(|n| n == node);
    match owner {
        // Entered: `to` was left (or was not `from`), or the composite was.
        Some(node @ crate::Node::Composite(c)) => !transition.from().is_inside(c) || left(node),
        Some(crate::Node::State(_)) | None => transition.exited().next().is_some(),
    }
}

impl<M: StateMachine + fmt::Debug, R, C> fmt::Debug for Timed<M, R, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timed")
            .field("machine", &self.machine)
            .field("due", &self.due)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "serde")]
mod stored {
    use alloc::format;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::definition::Resume;
    use crate::snapshot::{Snapshot, SnapshotError};

    /// A snapshot of a [`Timed`] machine: the machine's [`Snapshot`] and its armed timeout,
    /// as the wall-clock deadline and the time that was left. [`restore`](Self::restore)
    /// re-arms it as the timeout's [`Resume`] policy says.
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic, ManualClock, Memory, Timed, TimedSnapshot, Timestamp};
    /// use std::time::Duration;
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    /// enum Job {
    ///     #[initial]
    ///     #[timeout(30s -> Failed)] // resume = deadline, the default
    ///     #[on(finish -> Done)]
    ///     Running,
    ///     #[terminal]
    ///     Done,
    ///     #[terminal]
    ///     Failed,
    /// }
    ///
    /// # fn main() {
    /// let clock = ManualClock::new(Timestamp::from_unix_nanos(1_000_000_000_000));
    /// let job = Timed::new(Dynamic::start(Job::Running).unwrap(), clock.clone());
    /// clock.advance(Duration::from_secs(10));
    /// let json = serde_json::to_string(&job.snapshot("job-1")).unwrap();
    ///
    /// // The process stops for 25 s; a new one restores the job: the deadline has passed.
    /// let later = ManualClock::new(Timestamp::from_unix_nanos(1_035_000_000_000));
    /// let stored: TimedSnapshot<Job> = serde_json::from_str(&json).unwrap();
    /// let mut job = stored.restore(Memory::new(), later).unwrap();
    /// assert!(job.is_due());
    /// assert_eq!(job.fire_due().unwrap().unwrap().to_string(), "#1 Running --timeout--> Failed");
    /// # }
    /// ```
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct TimedSnapshot<M, C = ()> {
        machine: Snapshot<M, C>,
        /// The armed timeout, if the state has one.
        armed: Option<Armed>,
    }

    /// An armed timeout as stored.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    struct Armed {
        /// The wall-clock deadline, nanoseconds since the Unix epoch (absent when the clock
        /// had no wall time).
        deadline_unix_ns: Option<u64>,
        /// The time that was left, in nanoseconds.
        remaining_ns: u64,
    }

    impl Armed {
        /// Refuses what no [`Timed::snapshot`] writes for a state whose timeout is `timeout`:
        /// more time left than the timeout lasts, a deadline before the time left could have
        /// started counting (before the Unix epoch), or the saturated largest deadline.
        fn check(&self, timeout: Timeout) -> Result<(), SnapshotError> {
            let after = timeout.after();
            let state = timeout.state().name();
            if u128::from(self.remaining_ns) > after.as_nanos() {
                return Err(SnapshotError::Timeout(format!(
                    "{} ns remaining is more than the declared timeout of `{state}` ({})",
                    self.remaining_ns,
                    Seconds(after)
                )));
            }
            if let Some(deadline) = self.deadline_unix_ns {
                if deadline == u64::MAX || deadline < self.remaining_ns {
                    return Err(SnapshotError::Timeout(format!(
                        "its deadline, {deadline} ns after the Unix epoch, is out of range"
                    )));
                }
            }
            Ok(())
        }
    }

    /// A duration as whole seconds when it is one (`900 s`), else in nanoseconds.
    struct Seconds(Duration);

    impl fmt::Display for Seconds {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if self.0.subsec_nanos() == 0 {
                write!(f, "{} s", self.0.as_secs())
            } else {
                write!(f, "{} ns", self.0.as_nanos())
            }
        }
    }

    impl<M, R, C> Timed<M, R, C>
    where
        M: StateMachine<Context: Clone> + Clone,
        R: Recorder,
        C: Clock,
    {
        /// A snapshot of the machine (see [`Snapshot::of`]) and of its armed timeout.
        pub fn snapshot(&self, instance: &str) -> TimedSnapshot<M, M::Context> {
            let armed = self.due_in().map(|left| {
                let remaining_ns = u64::try_from(left.as_nanos()).unwrap_or(u64::MAX);
                Armed {
                    deadline_unix_ns: self
                        .clock
                        .now()
                        .map(|now| now.unix_nanos().saturating_add(remaining_ns)),
                    remaining_ns,
                }
            });
            TimedSnapshot {
                machine: Snapshot::of(&self.machine, instance),
                armed,
            }
        }
    }

    impl<M: StateMachine> TimedSnapshot<M, M::Context> {
        /// The machine's snapshot.
        pub fn machine(&self) -> &Snapshot<M, M::Context> {
            &self.machine
        }

        /// The machine, recording into `recorder` (checked as [`Snapshot::restore`] checks),
        /// with its timeout re-armed on `clock` as the timeout's [`Resume`] policy says:
        /// `Deadline` keeps the wall-clock deadline (due at once if it passed; a wall clock
        /// that jumped moves it), `Remaining` keeps the time that was left, `Restart` starts
        /// the full timeout again. Without a stored deadline, `Deadline` keeps the remaining
        /// time. Whatever the policy and the clocks, the timeout is armed for at most its
        /// declared duration from now (a wall clock behind the one that wrote the deadline
        /// cannot push it later), and an armed timeout no snapshot could hold (more time
        /// remaining than the declared duration, a deadline out of range) is refused with
        /// [`SnapshotError::Timeout`].
        pub fn restore<R: Recorder, C: Clock>(
            self,
            recorder: R,
            clock: C,
        ) -> Result<Timed<M, R, C>, SnapshotError> {
            let timeout = M::DEFINITION.timeout(self.machine.state().state_id());
            if let (Some(t), Some(armed)) = (timeout, self.armed) {
                armed.check(t)?;
            }
            let machine = self.machine.restore(recorder)?;
            let now = clock.monotonic();
            let left = match (timeout, self.armed) {
                (None, _) => None,
                (Some(t), None) => Some(t.after()),
                // Never more than the declared timeout: a wall clock that is behind the one
                // that wrote the deadline (or a deadline far ahead) cannot push it further.
                (Some(t), Some(armed)) => Some(t.after().min(match t.resume() {
                    Resume::Restart => t.after(),
                    Resume::Remaining => Duration::from_nanos(armed.remaining_ns),
                    Resume::Deadline => match (armed.deadline_unix_ns, clock.now()) {
                        (Some(deadline), Some(wall)) => {
                            Duration::from_nanos(deadline.saturating_sub(wall.unix_nanos()))
                        }
                        _ => Duration::from_nanos(armed.remaining_ns),
                    },
                })),
            };
            Ok(Timed {
                machine,
                clock,
                due: left.map(|left| now.saturating_add(left)),
            })
        }
    }
}

#[cfg(feature = "serde")]
pub use stored::TimedSnapshot;

#[cfg(feature = "tokio")]
mod sleeping {
    use core::future::Future;
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::boxed::Box;

    use super::*;

    /// A future that completes when the timeout of a [`Timed`] machine is due (never, when the
    /// state has none). It owns its timer and borrows nothing, so it fits in `tokio::select!`
    /// next to a channel that feeds the same machine.
    #[must_use = "a future does nothing unless awaited"]
    pub struct Sleep(Option<Pin<Box<tokio::time::Sleep>>>);

    impl Future for Sleep {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            match self.0.as_mut() {
                Some(sleep) => sleep.as_mut().poll(cx),
                None => Poll::Pending,
            }
        }
    }

    impl<M: StateMachine, R, C: Clock> Timed<M, R, C> {
        /// Sleeps (tokio) until the current timeout is due, as measured now; then call
        /// [`fire_due`](Self::fire_due). Take a new one after every transition.
        pub fn sleep(&self) -> Sleep {
            Sleep(self.due_in().map(|d| Box::pin(tokio::time::sleep(d))))
        }
    }
}

#[cfg(feature = "tokio")]
pub use sleeping::Sleep;
