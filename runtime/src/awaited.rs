//! Recording that is awaited: the [`AsyncRecorder`] trait and [`Awaited`], the recorder a
//! machine holds when its records go to something remote (a database over the network, a
//! service) and the write must not block an executor thread.
//!
//! A machine whose recorder is `Awaited<A>` has the same API as any other, with its
//! transitions awaited: [`Dynamic::apply`](crate::Dynamic) returns a future, and so does each
//! typed transition method of a machine declared `#[state_machine(async)]`. The promise is the
//! synchronous one: the record is written before the new state can be observed, a refused
//! record leaves the machine unchanged and hands it back, rejections are recorded too.
//!
//! # Dropping a transition's future halfway (cancellation)
//!
//! A transition's future can be dropped at any `.await` (a `select!`, a timeout, a client that
//! went away). What the machine is afterwards depends only on where it was dropped:
//!
//! | dropped | the machine | the recorder |
//! | --- | --- | --- |
//! | before it was first polled, or while an exit hook or the transition action runs | unchanged, and usable | nothing written for this attempt (the hooks' own effects are the hooks' business) |
//! | while the recorder writes the record | unchanged, and **poisoned**: every later transition is refused ([`Cause::Poisoned`](crate::Cause), a panic in the typed API), because the record may or may not have been stored | may hold the record; the recorder's own store is the truth: rebuild the machine from it (a journal's `resume`) |
//! | after the write completed | the transition happened: the state moved (and its entry hook ran) in the same poll that saw the write complete, before the future returned | holds the record |
//!
//! So no transition is ever observed without its record, and a record whose transition the
//! machine did not take can exist only when the write was cut off, in which case the machine
//! refuses to go on and the stored history (which replays) is what a rebuilt machine follows.
//!
//! ```
//! use core::convert::Infallible;
//! use statewright::{AsyncRecorder, Awaited, Dynamic, Record, state_machine};
//!
//! #[state_machine]
//! #[derive(Debug, PartialEq)]
//! enum Door {
//!     #[initial]
//!     #[on(open -> Open)]
//!     Closed,
//!     #[on(close -> Closed)]
//!     Open,
//! }
//!
//! /// Sends each record to a remote store (here: a vector, after a yield).
//! #[derive(Default)]
//! struct Remote(Vec<String>);
//!
//! impl AsyncRecorder for Remote {
//!     type Error = Infallible;
//!
//!     async fn record(&mut self, record: &Record) -> Result<(), Infallible> {
//!         self.0.push(record.to_string());
//!         Ok(())
//!     }
//! }
//!
//! # fn main() {
//! # let run = async {
//! let mut door = Dynamic::start_with(Door::Closed, Awaited(Remote::default())).unwrap();
//! door.apply(door::Event::Open).await.unwrap();
//! assert_eq!(door.state(), &Door::Open);
//! assert_eq!(door.recorder().0.0, ["#1 Closed --open--> Open"]);
//! # };
//! # statewright::__private::block_on(run);
//! # }
//! ```

use core::future::Future;

use crate::__private::Core;
use crate::definition::{Definition, EventId, StateId};
use crate::dynamic::{Cause, Decision, Dynamic, Refusal, Rejection};
use crate::hooks::HookFallibility;
use crate::machine::StateMachine;
use crate::record::{Outcome, Record};
use crate::recorder::Fallibility;

/// A sink for [`Record`]s whose write is awaited: the asynchronous [`Recorder`](crate::Recorder).
/// A machine uses one wrapped in [`Awaited`].
///
/// Implement `record` with an `async fn`. Its future is `Send` when what it holds across its
/// `.await`s is, so the transition futures of a machine with a `Send` recorder are `Send` too
/// (they can be spawned on a multi-threaded runtime).
///
/// ```
/// use statewright::{AsyncRecorder, Record, RecordError};
///
/// #[derive(Debug)]
/// struct Unreachable;
/// impl RecordError for Unreachable {}
///
/// /// Forwards records to another task.
/// struct Forward(tokio::sync::mpsc::Sender<Record>);
///
/// impl AsyncRecorder for Forward {
///     type Error = Unreachable;
///
///     async fn record(&mut self, record: &Record) -> Result<(), Unreachable> {
///         self.0.send(*record).await.map_err(|_| Unreachable)
///     }
/// }
/// # let _ = Forward(tokio::sync::mpsc::channel(1).0);
/// ```
pub trait AsyncRecorder {
    /// [`Infallible`](core::convert::Infallible) when recording cannot fail; otherwise an
    /// error type that implements [`RecordError`](crate::RecordError).
    type Error: Fallibility;

    /// Stores `record`. On error the transition it describes does not happen. If the future is
    /// dropped before it completes, the machine that awaited it is poisoned (see the
    /// [module docs](crate::awaited)).
    fn record(&mut self, record: &Record) -> impl Future<Output = Result<(), Self::Error>>;

    /// Whether records given to this recorder carry the wall-clock time; see
    /// [`Recorder::timestamps`](crate::Recorder::timestamps).
    #[inline(always)]
    fn timestamps(&self) -> bool {
        true
    }

    /// What the recorder already holds for the machine it records; see
    /// [`Recorder::position`](crate::Recorder::position).
    fn position(&self) -> Option<(u64, StateId)> {
        None
    }

    /// The instance id the recorder writes for; see
    /// [`Recorder::instance`](crate::Recorder::instance).
    fn instance(&self) -> Option<&str> {
        None
    }

    /// The id of the event whose record comes next; see
    /// [`Recorder::event_id`](crate::Recorder::event_id).
    #[inline(always)]
    fn event_id(&mut self, _id: Option<&str>) {}
}

/// The recorder of a machine whose records are written by an [`AsyncRecorder`]: the machine's
/// transitions are then `async` (see the [module docs](crate::awaited)).
///
/// ```
/// use statewright::{Awaited, Memory};
///
/// let recorder = Awaited(statewright::awaited::Ready(Memory::new()));
/// assert!(recorder.get_ref().0.is_empty());
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Awaited<A>(pub A);

impl<A> Awaited<A> {
    /// The async recorder.
    pub fn get_ref(&self) -> &A {
        &self.0
    }

    /// The async recorder, mutably.
    pub fn get_mut(&mut self) -> &mut A {
        &mut self.0
    }

    /// The async recorder, unwrapped.
    pub fn into_inner(self) -> A {
        self.0
    }
}

/// A synchronous [`Recorder`](crate::Recorder) used as an [`AsyncRecorder`]: its write
/// completes at once. For tests, and for machines that record in memory while their hooks are
/// `async`.
///
/// ```
/// use statewright::awaited::Ready;
/// use statewright::{Awaited, Dynamic, Memory, state_machine};
///
/// #[state_machine]
/// #[derive(Debug)]
/// enum Light {
///     #[initial]
///     #[on(toggle -> On)]
///     Off,
///     #[on(toggle -> Off)]
///     On,
/// }
///
/// # fn main() {
/// # statewright::__private::block_on(async {
/// let mut light = Dynamic::start_with(Light::Off, Awaited(Ready(Memory::new()))).unwrap();
/// light.apply(light::Event::Toggle).await.unwrap();
/// assert_eq!(light.recorder().0.0.to_string(), "#1 Off --toggle--> On\n");
/// # });
/// # }
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ready<R>(pub R);

impl<R: crate::Recorder> AsyncRecorder for Ready<R> {
    type Error = R::Error;

    #[inline]
    fn record(&mut self, record: &Record) -> impl Future<Output = Result<(), Self::Error>> {
        core::future::ready(self.0.record(record))
    }

    #[inline(always)]
    fn timestamps(&self) -> bool {
        self.0.timestamps()
    }

    fn position(&self) -> Option<(u64, StateId)> {
        self.0.position()
    }

    fn instance(&self) -> Option<&str> {
        self.0.instance()
    }

    #[inline(always)]
    fn event_id(&mut self, id: Option<&str>) {
        self.0.event_id(id);
    }
}

/// What a typed transition of a machine whose recorder is `Awaited<A>` resolves to: the
/// machine in its next state (`Next`) when `A` cannot fail, and
/// `Result<Next, Refused<Prev, _>>` when it can (the [`Step`](crate::Step) of an async
/// recorder).
pub type AsyncStep<A, Next, Prev> = <<A as AsyncRecorder>::Error as Fallibility>::Step<Next, Prev>;

/// What a typed transition of a machine with hooks whose recorder is `Awaited<A>` resolves to
/// (the [`Hooked`](crate::Hooked) of an async recorder).
pub type AsyncHooked<A, H, Next, Prev> =
    <H as HookFallibility>::Hooked<<A as AsyncRecorder>::Error, Next, Prev>;

impl<A: AsyncRecorder, C> Core<Awaited<A>, C> {
    /// Writes one record through the async recorder; on error nothing changes. Dropped while
    /// the write is pending, the core stays poisoned: the record may have been stored.
    pub(crate) async fn write_async(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
        to: StateId,
        outcome: Outcome,
    ) -> Result<Record, A::Error> {
        self.assert_usable(definition.name);
        let sequence = self.sequence.wrapping_add(1);
        let record = Record::build(
            definition,
            sequence,
            from,
            event,
            to,
            outcome,
            self.recorder.0.timestamps(),
        );
        // Cleared only when the write completes: a panic in it, or the future dropped while it
        // is pending, leaves the machine poisoned.
        self.poisoned = true;
        let result = self.recorder.0.record(&record).await;
        self.poisoned = false;
        result?;
        self.sequence = sequence;
        Ok(record)
    }
}

impl<M: StateMachine, A: AsyncRecorder> Dynamic<M, Awaited<A>> {
    /// Applies `event`, which came from outside the machine, writing its record through the
    /// async recorder: [`Dynamic::apply`](crate::Dynamic) awaited. On success the machine is
    /// in the target state and the record is returned; otherwise nothing changes and the event
    /// is handed back in the [`Rejection`], which is recorded too. Internal events are refused
    /// with [`Cause::Internal`] (see [`apply_internal`](Self::apply_internal)).
    ///
    /// The order is the synchronous one: decide, exit hook, transition action (both awaited
    /// when the machine's hooks are `async`), record (awaited), move, entry hook. Dropping the
    /// future before the write leaves the machine unchanged; while the write is pending,
    /// unchanged and poisoned (see the [module docs](crate::awaited)).
    ///
    /// ```
    /// use statewright::awaited::Ready;
    /// use statewright::{Awaited, Cause, Dynamic, Memory, state_machine};
    ///
    /// #[state_machine]
    /// #[derive(Debug, PartialEq)]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// # fn main() {
    /// # statewright::__private::block_on(async {
    /// let mut door = Dynamic::start_with(Door::Closed, Awaited(Ready(Memory::new()))).unwrap();
    /// let refused = door.apply(door::Event::Close).await.unwrap_err();
    /// assert_eq!(refused.cause(), &Cause::Illegal);
    /// assert_eq!(door.state(), &Door::Closed);
    /// door.apply(door::Event::Open).await.unwrap();
    /// assert_eq!(
    ///     door.recorder().0.0.to_string(),
    ///     "#1 Closed --close--x rejected\n#2 Closed --open--> Open\n"
    /// );
    /// # });
    /// # }
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub async fn apply(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, A::Error, M::HookError>> {
        let event_id = M::event_id(&event);
        if M::DEFINITION.is_internal(event_id) {
            let from = self.state.state_id();
            return Err(Rejection::new(
                event,
                M::DEFINITION,
                from,
                event_id,
                Cause::Internal,
                None,
            ));
        }
        self.apply_awaited(event, event_id).await
    }

    /// Applies `event` like [`apply`](Self::apply), internal events included: for the code
    /// that owns the machine and raises its internal events itself (a timer, a scheduler);
    /// [`Dynamic::apply_internal`](crate::Dynamic) awaited.
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub async fn apply_internal(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, A::Error, M::HookError>> {
        let event_id = M::event_id(&event);
        self.apply_awaited(event, event_id).await
    }

    /// Applies `event` like [`apply`](Self::apply), telling the recorder the event's `id`
    /// first ([`AsyncRecorder::event_id`]): a journal stores it beside the record and refuses
    /// an id the instance already has, so a retried delivery (an `Idempotency-Key`, a message
    /// id) is not applied twice. The id is cleared when the event ends, however it ends: also
    /// when the future is dropped halfway or a hook panics, so a later record is never stored
    /// under it.
    ///
    /// ```
    /// use core::convert::Infallible;
    /// use statewright::{AsyncRecorder, Awaited, Dynamic, Record, state_machine};
    ///
    /// #[state_machine]
    /// #[derive(Debug)]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// /// Keeps each record's event id.
    /// #[derive(Default)]
    /// struct Ids {
    ///     next: Option<String>,
    ///     stored: Vec<(u64, Option<String>)>,
    /// }
    ///
    /// impl AsyncRecorder for Ids {
    ///     type Error = Infallible;
    ///
    ///     async fn record(&mut self, record: &Record) -> Result<(), Infallible> {
    ///         self.stored.push((record.sequence(), self.next.clone()));
    ///         Ok(())
    ///     }
    ///
    ///     fn event_id(&mut self, id: Option<&str>) {
    ///         self.next = id.map(String::from);
    ///     }
    /// }
    ///
    /// # fn main() {
    /// # statewright::__private::block_on(async {
    /// let mut door = Dynamic::start_with(Door::Closed, Awaited(Ids::default())).unwrap();
    /// door.apply_with_id("req-1", door::Event::Open).await.unwrap();
    /// door.apply(door::Event::Close).await.unwrap();
    /// assert_eq!(door.recorder().0.stored, [(1, Some("req-1".to_owned())), (2, None)]);
    /// # });
    /// # }
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub async fn apply_with_id(
        &mut self,
        id: &str,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, A::Error, M::HookError>> {
        let announced = Announced::new(self, id);
        announced.0.apply(event).await
    }

    /// The body of [`apply`](Self::apply) and [`apply_internal`](Self::apply_internal).
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    async fn apply_awaited(
        &mut self,
        event: M::Event,
        event_id: EventId,
    ) -> Result<Record, Rejection<M::Event, A::Error, M::HookError>> {
        let definition = M::DEFINITION;
        let from = self.state.state_id();
        let cause = match self.decide(&event, from, event_id) {
            Ok(to) => {
                // A self-loop stays in the state: its action runs, exit and entry hooks do not.
                let leaves = definition.leaves_state(from, event_id, to);
                let context = &mut self.core.context;
                let exit = if leaves {
                    match self.state.__exit_async(context).await {
                        Ok(()) => {
                            crate::hierarchy::exit_composites_async::<M>(
                                from, event_id, to, context,
                            )
                            .await
                        }
                        Err(veto) => Err(veto),
                    }
                } else {
                    Ok(())
                };
                let hooks = match exit {
                    Ok(()) => M::__action_async(event_id, from, to, context).await,
                    Err(veto) => Err(veto),
                };
                match hooks {
                    Ok(()) => {
                        let written = self
                            .core
                            .write_async(definition, from, event_id, to, Outcome::Applied)
                            .await;
                        return match written {
                            Ok(record) => {
                                // In the poll that saw the write complete: no `.await` between
                                // the record and the new state.
                                self.state.__move_to(event, to);
                                if leaves {
                                    let context = &mut self.core.context;
                                    crate::hierarchy::enter_composites::<M>(
                                        from, event_id, to, context,
                                    );
                                    self.state.__entered(context);
                                }
                                Ok(record)
                            }
                            Err(error) => Err(Rejection::new(
                                event,
                                definition,
                                from,
                                event_id,
                                Cause::Unrecorded(error),
                                None,
                            )),
                        };
                    }
                    Err(veto) => Refusal::Vetoed(veto),
                }
            }
            Err(Decision::Unusable(cause)) => {
                return Err(Rejection::new(
                    event, definition, from, event_id, cause, None,
                ));
            }
            Err(Decision::Refused(refusal)) => refusal,
        };
        // Recorded as rejected: illegal, declined or vetoed.
        let (cause, record) = match self
            .core
            .write_async(definition, from, event_id, from, Outcome::Rejected)
            .await
        {
            Ok(record) => (cause.recorded(), Some(record)),
            Err(error) => (cause.unrecorded(error), None),
        };
        Err(Rejection::new(
            event, definition, from, event_id, cause, record,
        ))
    }
}

/// A machine whose async recorder was told an event id; dropping it (at the end of the event,
/// when the event's future is dropped, or while a panic unwinds) tells the recorder the event
/// is over.
struct Announced<'a, M: StateMachine, A: AsyncRecorder>(&'a mut Dynamic<M, Awaited<A>>);

impl<'a, M: StateMachine, A: AsyncRecorder> Announced<'a, M, A> {
    fn new(machine: &'a mut Dynamic<M, Awaited<A>>, id: &str) -> Self {
        machine.core.recorder.0.event_id(Some(id));
        Announced(machine)
    }
}

impl<M: StateMachine, A: AsyncRecorder> Drop for Announced<'_, M, A> {
    fn drop(&mut self) {
        self.0.core.recorder.0.event_id(None);
    }
}

/// The mode of a typed machine of a `#[state_machine(async)]` machine whose transitions are
/// synchronous (its recorder is a [`Recorder`](crate::Recorder)): the default of the
/// machine's third type parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Blocking;

/// The mode of a typed machine of a `#[state_machine(async)]` machine whose transitions are
/// awaited (its recorder is an [`Awaited`] async recorder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Awaiting;

/// A [`Recorder`](crate::Recorder) or an [`Awaited`] async recorder: what a machine can hold
/// as its recorder. Functions that take either kind take this, for example
/// [`Snapshot::restore`](crate::Snapshot::restore) (which checks a snapshot against what the
/// recorder holds) and the typed `start_with` of a `#[state_machine(async)]` machine.
///
/// You do not implement this trait: it is implemented for every `Recorder` and for every
/// `Awaited<A>`.
pub trait AnyRecorder {
    /// The mode of a `#[state_machine(async)]` typed machine with this recorder: [`Blocking`]
    /// for a `Recorder`, [`Awaiting`] for `Awaited`. (A type parameter rather than the
    /// recorder alone tells the two apart: the typed transition methods of both modes have
    /// the same names.)
    type Mode;

    /// [`Recorder::position`](crate::Recorder::position) or
    /// [`AsyncRecorder::position`].
    fn position(&self) -> Option<(u64, StateId)>;

    /// [`Recorder::instance`](crate::Recorder::instance) or
    /// [`AsyncRecorder::instance`].
    fn instance(&self) -> Option<&str>;
}

impl<R: crate::Recorder> AnyRecorder for R {
    type Mode = Blocking;

    fn position(&self) -> Option<(u64, StateId)> {
        crate::Recorder::position(self)
    }

    fn instance(&self) -> Option<&str> {
        crate::Recorder::instance(self)
    }
}

impl<A: AsyncRecorder> AnyRecorder for Awaited<A> {
    type Mode = Awaiting;

    fn position(&self) -> Option<(u64, StateId)> {
        self.0.position()
    }

    fn instance(&self) -> Option<&str> {
        self.0.instance()
    }
}
