//! The dynamic API: a machine that holds the enum value and applies events that arrive as data.

use core::borrow::Borrow;
use core::fmt;

use crate::__private::Core;
use crate::definition::{Definition, EventId, Events, StateId, StateInfo};
use crate::machine::StateMachine;
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
pub struct Dynamic<M, R = Memory> {
    pub(crate) state: M,
    pub(crate) core: Core<R>,
}

impl<M: StateMachine> Dynamic<M> {
    /// A machine in `state`, recording in [`Memory`]; `state` must be the initial state.
    pub fn start(state: M) -> Result<Self, NotInitial<M, Memory>> {
        Dynamic::start_with(state, Memory::new())
    }
}

impl<M: StateMachine, R: Recorder> Dynamic<M, R> {
    /// A machine in `state`, recording in `recorder`; `state` must be the initial state.
    pub fn start_with(state: M, recorder: R) -> Result<Self, NotInitial<M, R>> {
        if state.state_id() == M::DEFINITION.initial {
            Ok(Dynamic {
                state,
                core: Core::new(recorder),
            })
        } else {
            Err(NotInitial { state, recorder })
        }
    }

    /// A machine resumed in `state` (loaded from storage), justified by its `history`: the
    /// records the machine wrote so far, which must replay from the initial state to the state
    /// `state` is in (see [`Definition::replay`]). The machine continues the sequence after the
    /// last record and records into `recorder`; if `recorder` should also hold the history,
    /// give it one that does (for example `Memory::from(history)`).
    ///
    /// This is the only way to obtain a machine in a state other than the initial one without
    /// walking there.
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
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        let replayed = match M::DEFINITION.replay(history) {
            Ok(replayed) => replayed,
            Err(error) => {
                return Err(ResumeError {
                    state,
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
                recorder,
                reason,
            });
        }
        Ok(Dynamic {
            state,
            core: Core {
                sequence: replayed.sequence(),
                recorder,
            },
        })
    }

    /// Applies `event`: on success the machine is in the target state and the record of the
    /// transition is returned; when the event is not allowed in the current state, or the
    /// recorder refuses the record, nothing changes and the event is handed back in the
    /// [`Rejection`].
    ///
    /// The record is written before the new state is stored. A rejected event is recorded too
    /// (with outcome [`Rejected`](crate::Outcome::Rejected)).
    pub fn apply(&mut self, event: M::Event) -> Result<Record, Rejection<M::Event, R::Error>> {
        let definition = M::DEFINITION;
        let from = self.state.state_id();
        let event_id = M::event_id(&event);
        match definition.target(from, event_id) {
            Some(to) => match self
                .core
                .write(definition, from, event_id, to, Outcome::Applied)
            {
                Ok(record) => {
                    self.state = M::__enter(event, to);
                    Ok(record)
                }
                Err(error) => Err(Rejection::new(
                    event,
                    definition,
                    from,
                    event_id,
                    Cause::Unrecorded(error),
                )),
            },
            None => {
                let cause = match self.core.reject(definition, from, event_id) {
                    Ok(_) => Cause::Illegal,
                    Err(error) => Cause::IllegalUnrecorded(error),
                };
                Err(Rejection::new(event, definition, from, event_id, cause))
            }
        }
    }
}

impl<M: StateMachine, R> Dynamic<M, R> {
    /// A machine from checked parts (a restored snapshot).
    #[cfg(feature = "serde")]
    pub(crate) fn from_core(state: M, core: Core<R>) -> Self {
        Dynamic { state, core }
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

    /// The current state, the sequence number and the recorder, for storing. Putting them back
    /// together goes through [`resume`](Self::resume).
    pub fn into_parts(self) -> (M, u64, R) {
        (self.state, self.core.sequence, self.core.recorder)
    }

    /// The same machine as a typed machine in its current state, inside the generated enum of
    /// typed machines (`order::Typed<R>`), with the same sequence and recorder. Match on it to
    /// continue with compile-time-checked transitions.
    pub fn into_typed(self) -> M::Typed<R> {
        M::__typed(self)
    }
}

impl<M: fmt::Debug, R> fmt::Debug for Dynamic<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dynamic")
            .field("state", &self.state)
            .field("sequence", &self.core.sequence)
            .finish_non_exhaustive()
    }
}

/// Why [`Dynamic::apply`] refused an event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause<F> {
    /// The event is not allowed in the current state. The rejection was recorded.
    Illegal,
    /// The event is not allowed in the current state, and the recorder also refused the
    /// record of the rejection.
    IllegalUnrecorded(F),
    /// The event is allowed, but the recorder refused the record, so the transition did not
    /// happen.
    Unrecorded(F),
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
pub struct Rejection<E, F = core::convert::Infallible> {
    event: E,
    definition: &'static Definition,
    state: StateId,
    event_id: EventId,
    cause: Cause<F>,
}

impl<E, F> Rejection<E, F> {
    fn new(
        event: E,
        definition: &'static Definition,
        state: StateId,
        event_id: EventId,
        cause: Cause<F>,
    ) -> Self {
        Rejection {
            event,
            definition,
            state,
            event_id,
            cause,
        }
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
    pub fn cause(&self) -> &Cause<F> {
        &self.cause
    }

    /// Whether the event is not allowed in the state (as opposed to a recorder failure).
    pub fn is_illegal(&self) -> bool {
        matches!(self.cause, Cause::Illegal | Cause::IllegalUnrecorded(_))
    }

    /// The event and the cause.
    pub fn into_parts(self) -> (E, Cause<F>) {
        (self.event, self.cause)
    }
}

impl<E: fmt::Debug, F: fmt::Debug> fmt::Debug for Rejection<E, F> {
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

impl<E, F: fmt::Display> fmt::Display for Rejection<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (machine, event, state) =
            (self.definition.name, self.event_name(), self.state().name());
        match &self.cause {
            Cause::Illegal => write!(
                f,
                "`{machine}` cannot apply `{event}` in state `{state}`; allowed: {}",
                self.allowed()
            ),
            Cause::IllegalUnrecorded(error) => write!(
                f,
                "`{machine}` cannot apply `{event}` in state `{state}`; allowed: {} \
                 (recording the rejection failed: {error})",
                self.allowed()
            ),
            Cause::Unrecorded(error) => write!(
                f,
                "`{machine}` did not apply `{event}` in state `{state}`: its record could not be \
                 written: {error}"
            ),
        }
    }
}

impl<E: fmt::Debug, F: fmt::Debug + fmt::Display> core::error::Error for Rejection<E, F> {}

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
pub struct NotInitial<M, R> {
    state: M,
    recorder: R,
}

impl<M, R> NotInitial<M, R> {
    /// The state and the recorder, handed back.
    pub fn into_parts(self) -> (M, R) {
        (self.state, self.recorder)
    }
}

impl<M: StateMachine, R> fmt::Display for NotInitial<M, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` starts in `{}`, not in `{}`; use `Dynamic::resume` to continue from a stored \
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
pub struct ResumeError<M, R> {
    state: M,
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

impl<M, R> ResumeError<M, R> {
    /// Why.
    pub fn reason(&self) -> &ResumeReason {
        &self.reason
    }

    /// The state and the recorder, handed back.
    pub fn into_parts(self) -> (M, R) {
        (self.state, self.recorder)
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
