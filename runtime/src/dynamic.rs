//! The dynamic API: a machine that holds the enum value and applies events that arrive as data.

use core::borrow::Borrow;
use core::fmt;

use crate::__private::Unusable;
use crate::__private::{Branch, Core};
use crate::definition::{Definition, EventId, Events, StateId, StateInfo};
use crate::machine::{ContextFree, StateMachine};
use crate::record::{Outcome, Record};
use crate::recorder::{Memory, Recorder};
use crate::replay::ReplayError;

/// A machine that holds the annotated enum's value and applies events given as data: from an
/// HTTP request, a queue message, a database row.
///
/// [`apply`](Self::apply) returns the [`Record`] of what happened, or a [`Rejection`] that hands
/// the event back with the state unchanged. Every attempt, applied or rejected, is recorded.
///
/// A dynamic machine starts in the initial state ([`start`](Self::start), or
/// `Dynamic::from(order::start())`) or is resumed from stored data whose history replays to it
/// ([`resume`](Self::resume)); it converts to and from the typed API without losing its record.
///
/// ```
/// use statewright::{state_machine, Dynamic};
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
/// let mut door = Dynamic::start(Door::Closed).unwrap();
/// let record = door.apply(door::Event::Open).unwrap();
/// assert_eq!(record.to_string(), "#1 Closed --open--> Open");
/// assert_eq!(door.state(), &Door::Open);
///
/// let rejection = door.apply(door::Event::Open).unwrap_err();
/// assert_eq!(
///     rejection.to_string(),
///     "`Door` cannot apply `open` in state `Open`; allowed: `close`"
/// );
/// assert_eq!(rejection.into_event(), door::Event::Open); // handed back
/// assert_eq!(door.state(), &Door::Open); // unchanged
/// assert_eq!(door.recorder().to_string(), "#1 Closed --open--> Open\n#2 Open --open--x rejected\n");
/// # }
/// ```
pub struct Dynamic<M: StateMachine, R = Memory> {
    pub(crate) state: M,
    pub(crate) core: Core<R, M::Context>,
}

// The `ContextFree` bounds sit on the functions, not on the impl blocks, so that calling one on
// a machine with a context reports the trait's message (use `start_with_context`) rather than
// a type mismatch inside this file.
impl<M: StateMachine> Dynamic<M> {
    /// A machine in `state`, recording in [`Memory`]; `state` must be the initial state.
    /// (A machine with a context starts with
    /// [`start_with_context`](Self::start_with_context).)
    pub fn start(state: M) -> Result<Self, NotInitial<M, Memory>>
    where
        M: ContextFree,
    {
        Dynamic::start_with(state, Memory::new())
    }
}

// No `Recorder` bound: a machine that records through an `Awaited` async recorder starts and
// resumes the same way.
impl<M: StateMachine, R> Dynamic<M, R> {
    /// A machine in `state`, recording in `recorder`; `state` must be the initial state.
    /// (A machine with a context starts with
    /// [`start_with_context`](Self::start_with_context).)
    pub fn start_with(state: M, recorder: R) -> Result<Self, NotInitial<M, R>>
    where
        M: ContextFree,
    {
        Dynamic::start_with_context(state, (), recorder)
    }

    /// A machine resumed in `state`; see [`resume_with_context`](Self::resume_with_context),
    /// which this is for a machine without a context.
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic, Memory};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq)]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// # fn main() {
    /// let mut door = Dynamic::start(Door::Closed).unwrap();
    /// door.apply(door::Event::Open).unwrap();
    /// let (stored, _, recorder) = door.into_parts();
    /// let history = recorder.into_vec();
    ///
    /// let door = Dynamic::resume(stored.clone(), &history, Memory::from(history.clone())).unwrap();
    /// assert_eq!(door.sequence(), 1);
    ///
    /// // A state the history does not lead to is refused.
    /// let err = Dynamic::resume(Door::Closed, &history, Memory::new()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "cannot resume `Door` in state `Closed`: its history leads to `Open`"
    /// );
    /// # }
    /// ```
    pub fn resume<I>(state: M, history: I, recorder: R) -> Result<Self, ResumeError<M, R>>
    where
        M: ContextFree,
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        Dynamic::resume_with_context(state, (), history, recorder)
    }

    /// A machine in `state` with the shared `context`, recording in `recorder`; `state` must
    /// be the initial state. Its entry hook, if it has one, runs.
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic, Memory};
    ///
    /// /// Shared by every state of one door.
    /// #[derive(Debug, PartialEq)]
    /// struct Room(&'static str);
    ///
    /// #[state_machine(context = Room)]
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
    /// let mut door = Dynamic::start_with_context(Door::Closed, Room("hall"), Memory::new()).unwrap();
    /// door.apply(door::Event::Open).unwrap();
    /// assert_eq!(door.context(), &Room("hall"));
    /// door.context_mut().0 = "kitchen"; // not a transition: nothing is recorded
    /// let (state, room, sequence, _) = door.into_all_parts();
    /// assert_eq!((state, room, sequence), (Door::Open, Room("kitchen"), 1));
    /// # }
    /// ```
    pub fn start_with_context(
        state: M,
        context: M::Context,
        recorder: R,
    ) -> Result<Self, NotInitial<M, R>> {
        if state.state_id() == M::DEFINITION.initial {
            let (mut state, mut context) = (state, context);
            crate::hierarchy::enter_initial_composites::<M>(&mut context);
            state.__entered(&mut context);
            Ok(Dynamic {
                state,
                core: Core::with_context(recorder, context),
            })
        } else {
            Err(NotInitial {
                state,
                context,
                recorder,
            })
        }
    }

    /// A machine resumed in `state` with the shared `context` (both loaded from storage),
    /// justified by its `history`: the records the machine wrote so far, which must replay from
    /// the initial state to the state `state` is in (see [`Definition::replay`]). The machine continues the sequence after the
    /// last record and records into `recorder`; if `recorder` should also hold the history,
    /// give it one that does (for example `Memory::from(history)`).
    ///
    /// This is the only way to obtain a machine in a state other than the initial one without
    /// walking there. (A machine without a context resumes with [`resume`](Self::resume),
    /// which has an example.)
    pub fn resume_with_context<I>(
        state: M,
        context: M::Context,
        history: I,
        recorder: R,
    ) -> Result<Self, ResumeError<M, R>>
    where
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        let replayed = match M::DEFINITION.replay(history) {
            Ok(replayed) => replayed,
            Err(error) => {
                return Err(ResumeError {
                    state,
                    context,
                    recorder,
                    reason: ResumeReason::Replay(error),
                });
            }
        };
        if replayed.state_id() != state.state_id() {
            let reason = ResumeReason::Mismatch {
                history: replayed.state().name(),
                found: state.state_info().name(),
            };
            return Err(ResumeError {
                state,
                context,
                recorder,
                reason,
            });
        }
        Ok(Dynamic {
            state,
            core: Core::resumed(replayed.sequence(), recorder, context),
        })
    }
}

impl<M: StateMachine, R: Recorder> Dynamic<M, R> {
    /// Applies `event`, which came from outside the machine (a request, a message, a row):
    /// on success the machine is in the target state and the record of the transition is
    /// returned; when the event is not allowed in the current state, its guard declines, a
    /// hook vetoes it, or the recorder refuses the record, nothing changes and the event is
    /// handed back in the [`Rejection`].
    ///
    /// The record is written before the new state is stored. A rejected event is recorded too
    /// (with outcome [`Rejected`](crate::Outcome::Rejected)). For a machine with hooks, the
    /// exit hook and the transition action run before the record and the entry hook after it
    /// (see [`hooks`](crate::hooks)).
    ///
    /// An *internal* event (a timeout's, or one named in `#[state_machine(internal(...))]`:
    /// see [`EventInfo::is_internal`](crate::EventInfo::is_internal)) is refused with
    /// [`Cause::Internal`]: nothing runs, nothing is recorded, the event is handed back. The
    /// machine raises those itself, through [`apply_internal`](Self::apply_internal).
    ///
    /// ```
    /// use statewright::{state_machine, Cause, Dynamic};
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
    /// let mut order = Dynamic::start(Order::Pending).unwrap();
    /// // A client cannot expire the order: only its timer can.
    /// let refused = order.apply(order::Event::Timeout).unwrap_err();
    /// assert_eq!(refused.cause(), &Cause::Internal);
    /// assert_eq!(order.state(), &Order::Pending);
    /// assert!(order.recorder().is_empty());
    /// # }
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    #[inline]
    pub fn apply(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, R::Error, M::HookError>> {
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
        self.apply_any(event, event_id)
    }

    /// Applies `event` like [`apply`](Self::apply), internal events included: for the code
    /// that owns the machine and raises its internal events itself (a timer, a scheduler, a
    /// reconciliation loop), never for events that arrive from outside.
    /// [`Timed::fire_due`](crate::Timed::fire_due) fires timeouts through it.
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic};
    ///
    /// #[state_machine(internal(reconcile))]
    /// #[derive(Debug, PartialEq)]
    /// enum Mirror {
    ///     #[initial]
    ///     #[on(update -> Stale)]
    ///     Fresh,
    ///     #[on(reconcile -> Fresh)]
    ///     Stale,
    /// }
    ///
    /// # fn main() {
    /// let mut mirror = Dynamic::start(Mirror::Fresh).unwrap();
    /// mirror.apply(mirror::Event::Update).unwrap();
    /// assert!(mirror.apply(mirror::Event::Reconcile).is_err()); // not from outside
    /// let record = mirror.apply_internal(mirror::Event::Reconcile).unwrap();
    /// assert_eq!(record.to_string(), "#2 Stale --reconcile--> Fresh");
    /// assert!(record.event().is_internal());
    /// # }
    /// ```
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    pub fn apply_internal(
        &mut self,
        event: M::Event,
    ) -> Result<Record, Rejection<M::Event, R::Error, M::HookError>> {
        let event_id = M::event_id(&event);
        self.apply_any(event, event_id)
    }

    /// The body of [`apply`](Self::apply) and [`apply_internal`](Self::apply_internal).
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    #[inline(always)]
    fn apply_any(
        &mut self,
        event: M::Event,
        event_id: EventId,
    ) -> Result<Record, Rejection<M::Event, R::Error, M::HookError>> {
        // Generic code over `StateMachine` stays as it is: a machine with `async` hooks is
        // refused when the program is built (a bound would make every generic caller name it).
        const {
            assert!(
                !M::__ASYNC_HOOKS,
                "a machine whose hooks are `async` applies its events through an awaited \
                 recorder: `Dynamic::start_with(state, Awaited(recorder))` and \
                 `apply(event).await` (see `statewright::awaited`)"
            )
        };
        let definition = M::DEFINITION;
        let from = self.state.state_id();
        let to = match self.decide(&event, from, event_id) {
            Ok(to) => to,
            Err(Decision::Unusable(cause)) => {
                return Err(Rejection::new(
                    event, definition, from, event_id, cause, None,
                ));
            }
            Err(Decision::Refused(refusal)) => {
                return Err(self.refuse(event, from, event_id, refusal));
            }
        };
        // A self-loop stays in the state: its action runs, exit and entry hooks do not. (A
        // composite's self-transition leaves the state, even when it comes back to it.)
        let leaves = definition.leaves_state(from, event_id, to);
        let context = &mut self.core.context;
        let exit = if leaves {
            self.state
                .__exit(context)
                .and_then(|()| crate::hierarchy::exit_composites::<M>(from, event_id, to, context))
        } else {
            Ok(())
        };
        if let Err(hook) = exit.and_then(|()| M::__action(event_id, from, to, context)) {
            return Err(self.refuse(event, from, event_id, Refusal::Vetoed(hook)));
        }
        match self
            .core
            .write(definition, from, event_id, to, Outcome::Applied)
        {
            Ok(record) => {
                self.state.__move_to(event, to);
                if leaves {
                    let context = &mut self.core.context;
                    crate::hierarchy::enter_composites::<M>(from, event_id, to, context);
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
        }
    }
}

impl<M: StateMachine, R: Recorder> Dynamic<M, R> {
    /// Records the rejection of `event` in the current state and hands the event back, with
    /// the cause `refusal` names (and the recorder's error, if it refused that record too).
    #[inline(always)]
    #[allow(clippy::type_complexity)] // the rejection's three parameters are each needed
    fn refuse(
        &mut self,
        event: M::Event,
        from: StateId,
        event_id: EventId,
        refusal: Refusal<M::HookError>,
    ) -> Rejection<M::Event, R::Error, M::HookError> {
        let definition = M::DEFINITION;
        let (cause, record) = match self.core.reject(definition, from, event_id) {
            Ok(record) => (refusal.recorded(), Some(record)),
            Err(error) => (refusal.unrecorded(error), None),
        };
        Rejection::new(event, definition, from, event_id, cause, record)
    }
}

/// Why an event does not lead anywhere from the current state (see [`Dynamic::decide`]).
pub(crate) enum Decision<F, H> {
    /// The machine is poisoned or exhausted: nothing is recorded.
    Unusable(Cause<F, H>),
    /// The event is not allowed here, or its guard declined: recorded as rejected.
    Refused(Refusal<H>),
}

/// Why an attempt is recorded as rejected, for the synchronous and the awaited apply alike.
pub(crate) enum Refusal<H> {
    Illegal,
    Declined,
    Vetoed(H),
}

impl<H> Refusal<H> {
    /// The cause when the rejection was recorded.
    #[inline(always)]
    pub(crate) fn recorded<F>(self) -> Cause<F, H> {
        match self {
            Refusal::Illegal => Cause::Illegal,
            Refusal::Declined => Cause::Declined,
            Refusal::Vetoed(veto) => Cause::Vetoed(veto),
        }
    }

    /// The cause when the recorder refused the rejection's record with `error`.
    #[inline(always)]
    pub(crate) fn unrecorded<F>(self, error: F) -> Cause<F, H> {
        match self {
            Refusal::Illegal => Cause::IllegalUnrecorded(error),
            Refusal::Declined => Cause::DeclinedUnrecorded(error),
            Refusal::Vetoed(veto) => Cause::VetoedUnrecorded(veto, error),
        }
    }
}

impl<M: StateMachine, R> Dynamic<M, R> {
    /// Where `event` leads from `from` (the current state), or why it leads nowhere: the part
    /// of applying an event that is the same for synchronous and awaited recorders.
    #[inline(always)]
    pub(crate) fn decide<F, H>(
        &self,
        event: &M::Event,
        from: StateId,
        event_id: EventId,
    ) -> Result<StateId, Decision<F, H>> {
        let definition = M::DEFINITION;
        if let Some(unusable) = self.core.unusable() {
            return Err(Decision::Unusable(match unusable {
                Unusable::Poisoned => Cause::Poisoned,
                Unusable::Exhausted => Cause::Exhausted,
            }));
        }
        match (definition.target(from, event_id), M::__branch(event)) {
            (Some(to), Branch::Declared) => Ok(to),
            (Some(_), Branch::To(to)) if definition.allows(from, event_id, to) => Ok(to),
            (Some(_), Branch::Declined) => Err(Decision::Refused(Refusal::Declined)),
            _ => Err(Decision::Refused(Refusal::Illegal)),
        }
    }

    /// A machine from checked parts (a restored snapshot).
    #[cfg(feature = "serde")]
    pub(crate) fn from_core(state: M, core: Core<R, M::Context>) -> Self {
        Dynamic { state, core }
    }

    /// The shared context.
    pub fn context(&self) -> &M::Context {
        &self.core.context
    }

    /// The shared context, for changing it (that is not a transition and writes no record).
    pub fn context_mut(&mut self) -> &mut M::Context {
        &mut self.core.context
    }

    /// The current state, with its data.
    pub fn state(&self) -> &M {
        &self.state
    }

    /// The current state's entry in the definition.
    pub fn state_info(&self) -> StateInfo {
        self.state.state_info()
    }

    /// Whether `event` is allowed in the current state.
    pub fn can_apply(&self, event: &M::Event) -> bool {
        self.state.can_apply(event)
    }

    /// The events allowed in the current state, in declaration order.
    pub fn allowed_events(&self) -> Events {
        self.state.allowed_events()
    }

    /// The number of records written so far (the sequence number of the last one).
    pub fn sequence(&self) -> u64 {
        self.core.sequence
    }

    /// Whether the machine is poisoned: a recorder panicked while writing one of its records
    /// (the panic was caught), so whether that record was stored is unknown. A poisoned
    /// machine refuses every event with [`Cause::Poisoned`] and writes nothing more, so no
    /// sequence number is written twice; rebuild it from what its recorder holds (a journal's
    /// `resume`, or [`Dynamic::resume`] with the records).
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic};
    ///
    /// #[state_machine]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// # fn main() {
    /// let door = Dynamic::start(Door::Closed).unwrap();
    /// assert!(!door.is_poisoned());
    /// # }
    /// ```
    pub fn is_poisoned(&self) -> bool {
        self.core.poisoned
    }

    /// The recorder.
    pub fn recorder(&self) -> &R {
        &self.core.recorder
    }

    /// The recorder, mutably.
    pub fn recorder_mut(&mut self) -> &mut R {
        &mut self.core.recorder
    }

    /// The machine's definition.
    pub fn definition(&self) -> &'static Definition {
        M::DEFINITION
    }

    /// The current state, the sequence number and the recorder of a machine without a
    /// context, for storing. Putting them back together goes through
    /// [`resume`](Self::resume).
    pub fn into_parts(self) -> (M, u64, R)
    where
        M: StateMachine<Context = ()>,
    {
        (self.state, self.core.sequence, self.core.recorder)
    }

    /// The current state, the context, the sequence number and the recorder, for storing.
    /// Putting them back together goes through
    /// [`resume_with_context`](Self::resume_with_context).
    pub fn into_all_parts(self) -> (M, M::Context, u64, R) {
        (
            self.state,
            self.core.context,
            self.core.sequence,
            self.core.recorder,
        )
    }

    /// The same machine as a typed machine in its current state, inside the generated enum of
    /// typed machines (`order::Typed<R>`), with the same sequence and recorder. Match on it to
    /// continue with compile-time-checked transitions.
    pub fn into_typed(self) -> M::Typed<R> {
        M::__typed(self)
    }
}

impl<M: StateMachine + fmt::Debug, R> fmt::Debug for Dynamic<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dynamic")
            .field("state", &self.state)
            .field("sequence", &self.core.sequence)
            .finish_non_exhaustive()
    }
}

/// Why [`Dynamic::apply`] refused an event. `F` is the recorder's error, `H` the error of the
/// machine's hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause<F, H = core::convert::Infallible> {
    /// The event is not allowed in the current state. The rejection was recorded.
    Illegal,
    /// The event is not allowed in the current state, and the recorder also refused the
    /// record of the rejection.
    IllegalUnrecorded(F),
    /// The event is allowed, but the recorder refused the record, so the transition did not
    /// happen.
    Unrecorded(F),
    /// The event is a guarded transition (`#[on(event -> Target?)]`) and its guard declined.
    /// The rejection was recorded.
    Declined,
    /// The guard declined, and the recorder also refused the record of the rejection.
    DeclinedUnrecorded(F),
    /// An exit hook or the transition action returned this error, so the transition did not
    /// happen (see [`hooks`](crate::hooks)). The rejection was recorded.
    Vetoed(H),
    /// A hook vetoed, and the recorder also refused the record of the rejection.
    VetoedUnrecorded(H, F),
    /// The machine is poisoned: a recorder panicked while writing a record (or an awaited
    /// write was dropped before it completed), so whether that record was stored is unknown (one part of a recorder pair may hold it). Nothing was
    /// run or recorded; rebuild the machine from what its recorder holds (see
    /// [`Dynamic::is_poisoned`]).
    Poisoned,
    /// The machine's sequence number is the largest there is (`u64::MAX`): no further record
    /// can be numbered, so nothing was run or recorded.
    Exhausted,
    /// The event is internal (a timeout's, or one named in `#[state_machine(internal(...))]`):
    /// the machine raises it itself, so [`Dynamic::apply`] does not take it from outside.
    /// Nothing was run or recorded. The code that owns the machine applies it with
    /// [`Dynamic::apply_internal`].
    Internal,
}

impl<F, H> Cause<F, H> {
    /// The recorder's error, when the recorder refused a record of this attempt (the
    /// transition's, or the rejection's): what a retry or a reload decides on.
    ///
    /// ```
    /// use statewright::Cause;
    ///
    /// let cause: Cause<&str> = Cause::IllegalUnrecorded("disk full");
    /// assert_eq!(cause.recorder_error(), Some(&"disk full"));
    /// assert_eq!(Cause::<&str>::Illegal.recorder_error(), None);
    /// ```
    pub fn recorder_error(&self) -> Option<&F> {
        match self {
            Cause::Unrecorded(error)
            | Cause::IllegalUnrecorded(error)
            | Cause::DeclinedUnrecorded(error)
            | Cause::VetoedUnrecorded(_, error) => Some(error),
            _ => None,
        }
    }
}

/// An event that [`Dynamic::apply`] did not apply: the event itself (handed back), the state
/// the machine stays in, the events allowed there, and why.
///
/// ```
/// use statewright::{state_machine, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open, lock -> Locked)]
///     Closed,
///     #[on(close -> Closed)]
///     Open,
///     #[on(unlock -> Closed)]
///     Locked { code: u32 },
/// }
///
/// # fn main() {
/// use statewright::{Cause, Dynamic};
///
/// let mut door = Dynamic::start(Door::Closed).unwrap();
/// door.apply(door::Event::Open).unwrap();
/// match door.apply(door::Event::Lock { code: 1234 }) {
///     Ok(record) => println!("{record}"),
///     Err(rejection) => {
///         assert_eq!(rejection.cause(), &Cause::Illegal);
///         assert_eq!(rejection.state().name(), "Open");
///         assert_eq!(rejection.event_name(), "lock");
///         assert_eq!(rejection.allowed().to_string(), "`close`");
///         // The event is handed back, payload included, to retry or report.
///         assert_eq!(rejection.into_event(), door::Event::Lock { code: 1234 });
///     }
/// }
/// # }
/// ```
pub struct Rejection<E, F = core::convert::Infallible, H = core::convert::Infallible> {
    event: E,
    definition: &'static Definition,
    state: StateId,
    event_id: EventId,
    cause: Cause<F, H>,
    /// The sequence number of the rejection's record; 0 when none was written (a record
    /// is not kept whole: it would make every `Result` that carries a rejection larger).
    sequence: u64,
}

impl<E, F, H> Rejection<E, F, H> {
    pub(crate) fn new(
        event: E,
        definition: &'static Definition,
        state: StateId,
        event_id: EventId,
        cause: Cause<F, H>,
        record: Option<Record>,
    ) -> Self {
        Rejection {
            event,
            definition,
            state,
            event_id,
            cause,
            sequence: record.map_or(0, |r| r.sequence),
        }
    }

    /// The record of the rejection (outcome [`Rejected`](crate::Outcome::Rejected)), without
    /// its time ([`Record::at`] is `None`), or `None` when none was written: the recorder
    /// refused it (the `...Unrecorded` causes and [`Cause::Unrecorded`]).
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic};
    ///
    /// #[state_machine]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// # fn main() {
    /// let mut door = Dynamic::start(Door::Closed).unwrap();
    /// let rejection = door.apply(door::Event::Close).unwrap_err();
    /// assert_eq!(rejection.record().unwrap().to_string(), "#1 Closed --close--x rejected");
    /// # }
    /// ```
    pub fn record(&self) -> Option<Record> {
        (self.sequence > 0).then_some(Record {
            definition: self.definition,
            sequence: self.sequence,
            from: self.state,
            event: self.event_id,
            to: self.state,
            outcome: Outcome::Rejected,
            at: None,
        })
    }

    /// The event.
    pub fn event(&self) -> &E {
        &self.event
    }

    /// The event, handed back.
    pub fn into_event(self) -> E {
        self.event
    }

    /// The event's name.
    pub fn event_name(&self) -> &'static str {
        self.definition.event_name(self.event_id)
    }

    /// The state the machine is (still) in.
    pub fn state(&self) -> StateInfo {
        self.definition.info(self.state)
    }

    /// The events allowed in that state.
    pub fn allowed(&self) -> Events {
        self.definition.allowed_events(self.state)
    }

    /// Why the event was not applied.
    pub fn cause(&self) -> &Cause<F, H> {
        &self.cause
    }

    /// Whether the event is not allowed in the state (as opposed to a recorder failure).
    pub fn is_illegal(&self) -> bool {
        matches!(self.cause, Cause::Illegal | Cause::IllegalUnrecorded(_))
    }

    /// The event and the cause.
    pub fn into_parts(self) -> (E, Cause<F, H>) {
        (self.event, self.cause)
    }
}

impl<E: fmt::Debug, F: fmt::Debug, H: fmt::Debug> fmt::Debug for Rejection<E, F, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejection")
            .field("machine", &self.definition.name)
            .field("state", &self.state().name())
            .field("event", &self.event)
            .field("allowed", &self.allowed())
            .field("cause", &self.cause)
            .finish()
    }
}

/// The external events among `Events`, as a message lists them (`` `pay`, `cancel` ``, or
/// `none`): a rejection's message is read by whoever sent the event, who cannot send the
/// machine's internal events (a timeout's, say).
struct External(Events);

impl fmt::Display for External {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for e in self.0.clone().filter(|e| !e.is_internal()) {
            if any {
                f.write_str(", ")?;
            }
            write!(f, "`{}`", e.name())?;
            any = true;
        }
        if !any {
            f.write_str("none")?;
        }
        Ok(())
    }
}

impl<E, F: fmt::Display, H: fmt::Display> fmt::Display for Rejection<E, F, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (machine, event, state) =
            (self.definition.name, self.event_name(), self.state().name());
        match &self.cause {
            Cause::Illegal => write!(
                f,
                "`{machine}` cannot apply `{event}` in state `{state}`; allowed: {}",
                External(self.allowed())
            ),
            Cause::IllegalUnrecorded(error) => write!(
                f,
                "`{machine}` cannot apply `{event}` in state `{state}`; allowed: {} \
                 (recording the rejection failed: {error})",
                External(self.allowed())
            ),
            Cause::Unrecorded(error) => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: its record could not be \
                 written: {error}"
            ),
            Cause::Declined => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: its guard declined"
            ),
            Cause::DeclinedUnrecorded(error) => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: its guard declined \
                 (recording the rejection failed: {error})"
            ),
            Cause::Vetoed(hook) => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: a hook vetoed it: {hook}"
            ),
            Cause::VetoedUnrecorded(hook, error) => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: a hook vetoed it: {hook} \
                 (recording the rejection failed: {error})"
            ),
            Cause::Poisoned => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: the machine is poisoned: \
                 a recorder panicked while writing a record, so whether it was stored is \
                 unknown; rebuild the machine from its recorder's records"
            ),
            Cause::Exhausted => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: its sequence number is \
                 exhausted (#{}); no further record can be numbered, start a new instance",
                u64::MAX
            ),
            Cause::Internal => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: `{event}` is an internal \
                 event, which the machine raises itself (a timeout, or `internal(...)`), so it \
                 is not taken from outside; nothing was recorded"
            ),
        }
    }
}

impl<E: fmt::Debug, F: fmt::Debug + fmt::Display, H: fmt::Debug + fmt::Display> core::error::Error
    for Rejection<E, F, H>
{
}

/// [`Dynamic::start`] was given a state that is not the initial state. Hands back the state and
/// the recorder.
///
/// ```
/// use statewright::{state_machine, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open, lock -> Locked)]
///     Closed,
///     #[on(close -> Closed)]
///     Open,
///     #[on(unlock -> Closed)]
///     Locked { code: u32 },
/// }
///
/// # fn main() {
/// use statewright::Dynamic;
///
/// let refused = Dynamic::start(Door::Open).unwrap_err();
/// assert_eq!(refused.into_parts().0, Door::Open);
/// # }
/// ```
pub struct NotInitial<M: StateMachine, R> {
    state: M,
    context: M::Context,
    recorder: R,
}

impl<M: StateMachine, R> NotInitial<M, R> {
    /// The state and the recorder, handed back (the context, if any, is dropped; see
    /// [`into_all_parts`](Self::into_all_parts)).
    pub fn into_parts(self) -> (M, R) {
        (self.state, self.recorder)
    }

    /// The state, the context and the recorder, handed back.
    pub fn into_all_parts(self) -> (M, M::Context, R) {
        (self.state, self.context, self.recorder)
    }
}

impl<M: StateMachine, R> fmt::Display for NotInitial<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resume = if M::__HAS_CONTEXT {
            "resume_with_context"
        } else {
            "resume"
        };
        write!(
            f,
            "`{}` starts in `{}`, not in `{}`; use `Dynamic::{resume}` to continue from a stored \
             state",
            M::DEFINITION.name,
            M::DEFINITION.initial().name(),
            self.state.state_info().name()
        )
    }
}

impl<M: StateMachine, R> fmt::Debug for NotInitial<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotInitial")
            .field("machine", &M::DEFINITION.name)
            .field("state", &self.state.state_info().name())
            .finish_non_exhaustive()
    }
}

impl<M: StateMachine, R> core::error::Error for NotInitial<M, R> {}

/// [`Dynamic::resume`] refused to resume: the history does not replay, or it leads to another
/// state. Hands back the state and the recorder.
pub struct ResumeError<M: StateMachine, R> {
    state: M,
    context: M::Context,
    recorder: R,
    reason: ResumeReason,
}

/// Why [`Dynamic::resume`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResumeReason {
    /// The history is not a legal path from the initial state.
    Replay(ReplayError),
    /// The history leads to another state than the one given.
    Mismatch {
        /// Where the history leads.
        history: &'static str,
        /// The state given.
        found: &'static str,
    },
}

impl<M: StateMachine, R> ResumeError<M, R> {
    /// Why.
    pub fn reason(&self) -> &ResumeReason {
        &self.reason
    }

    /// The state and the recorder, handed back (the context, if any, is dropped; see
    /// [`into_all_parts`](Self::into_all_parts)).
    pub fn into_parts(self) -> (M, R) {
        (self.state, self.recorder)
    }

    /// The state, the context and the recorder, handed back.
    pub fn into_all_parts(self) -> (M, M::Context, R) {
        (self.state, self.context, self.recorder)
    }
}

impl<M: StateMachine, R> fmt::Display for ResumeError<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (machine, state) = (M::DEFINITION.name, self.state.state_info().name());
        match &self.reason {
            ResumeReason::Replay(error) => write!(
                f,
                "cannot resume `{machine}` in state `{state}`: its history does not replay: {error}"
            ),
            ResumeReason::Mismatch { history, .. } => write!(
                f,
                "cannot resume `{machine}` in state `{state}`: its history leads to `{history}`"
            ),
        }
    }
}

impl<M: StateMachine, R> fmt::Debug for ResumeError<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResumeError")
            .field("machine", &M::DEFINITION.name)
            .field("state", &self.state.state_info().name())
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

impl<M: StateMachine, R> core::error::Error for ResumeError<M, R> {}
