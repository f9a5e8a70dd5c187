//! The traits that `#[state_machine]` implements for the annotated enum and its state types.

use core::future::Future;

use crate::__private::Branch;
use crate::definition::{Definition, EventId, Events, StateId, StateInfo};
use crate::dynamic::Dynamic;

/// Implemented by `#[state_machine]` for the annotated enum: the enum's value is the machine's
/// current state (with its data), and the enum type knows its [`Definition`].
///
/// You do not implement this trait yourself.
///
/// ```
/// use statewright::{state_machine, StateMachine};
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
/// assert_eq!(Light::DEFINITION.name(), "Light");
/// assert_eq!(Light::On.state_info().name(), "On");
/// assert!(Light::Off.can_apply(&light::Event::Toggle));
/// # }
/// ```
pub trait StateMachine: Sized {
    /// The generated event enum (`order::Event` for `Order`): one variant per event, carrying
    /// the target state's data.
    type Event;

    /// The generated enum of typed machines (`order::Typed<R>` for `Order`): one variant per
    /// state, each holding a typed machine in that state.
    type Typed<R>;

    /// The machine's definition.
    const DEFINITION: &'static Definition;

    /// The shared context (`#[state_machine(context = OrderInfo)]`): data that lives across
    /// all states of one machine, supplied when it starts or resumes; `()` when the machine
    /// declares none.
    type Context;

    /// The error the machine's hooks return (the `Error` of the generated `Hooks` trait);
    /// [`Infallible`](core::convert::Infallible) for a machine without hooks.
    type HookError;

    /// The names of the events each state allows, flattened: those of state `i` are
    /// `__EVENTS[__EVENT_STARTS[i]..__EVENT_STARTS[i + 1]]` (see [`State::EVENTS`]). One table
    /// per machine rather than a constant per state, which would cost every machine's
    /// `cargo check` a body per state.
    #[doc(hidden)]
    const __EVENTS: &'static [&'static str];

    /// Where each state's names start in `__EVENTS`, and the end of the last one.
    #[doc(hidden)]
    const __EVENT_STARTS: &'static [u32];

    /// Whether the machine is declared with a context (`context = Type`), for messages that
    /// name the functions to use.
    #[doc(hidden)]
    const __HAS_CONTEXT: bool = false;

    /// The id of the state this value is in.
    fn state_id(&self) -> StateId;

    /// The id of an event.
    fn event_id(event: &Self::Event) -> EventId;

    /// The state this value is in.
    fn state_info(&self) -> StateInfo {
        Self::DEFINITION.info(self.state_id())
    }

    /// The events allowed in this state, in declaration order.
    fn allowed_events(&self) -> Events {
        Self::DEFINITION.allowed_events(self.state_id())
    }

    /// Whether `event` is allowed in this state.
    fn can_apply(&self, event: &Self::Event) -> bool {
        Self::DEFINITION
            .target(self.state_id(), Self::event_id(event))
            .is_some()
    }

    /// Moves to the state `event` leads to; `to` is its id, already checked against the
    /// definition.
    #[doc(hidden)]
    fn __move_to(&mut self, event: Self::Event, to: StateId);

    /// Splits a dynamic machine into the typed machine of its current state.
    #[doc(hidden)]
    fn __typed<R>(machine: Dynamic<Self, R>) -> Self::Typed<R>;

    /// Which target the event chose, for an event declared as a choice or a guard.
    #[doc(hidden)]
    #[inline(always)]
    fn __branch(_event: &Self::Event) -> Branch {
        Branch::Declared
    }

    /// The event of a timeout, by its id (`None` for an event that is no timeout's).
    #[doc(hidden)]
    #[inline(always)]
    fn __timeout_event(_event: EventId) -> Option<Self::Event> {
        None
    }

    /// Runs the exit hook of the current state, if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __exit(&self, _context: &mut Self::Context) -> Result<(), Self::HookError> {
        Ok(())
    }

    /// Runs the transition action of `event`, if the machine has hooks.
    #[doc(hidden)]
    #[inline(always)]
    fn __action(
        _event: EventId,
        _from: StateId,
        _to: StateId,
        _context: &mut Self::Context,
    ) -> Result<(), Self::HookError> {
        Ok(())
    }

    /// Runs the entry hook of the current state, if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __entered(&mut self, _context: &mut Self::Context) {}

    /// Runs the exit hook of composite `composite` (its index), if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __exit_composite(
        _composite: u32,
        _context: &mut Self::Context,
    ) -> Result<(), Self::HookError> {
        Ok(())
    }

    /// Runs the entry hook of composite `composite` (its index), if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __enter_composite(_composite: u32, _context: &mut Self::Context) {}

    /// Runs the exit hook of composite `composite`, awaited.
    #[doc(hidden)]
    #[inline(always)]
    fn __exit_composite_async(
        composite: u32,
        context: &mut Self::Context,
    ) -> impl Future<Output = Result<(), Self::HookError>> {
        core::future::ready(Self::__exit_composite(composite, context))
    }

    /// Whether the exit hooks and transition actions are `async`
    /// (`#[state_machine(async)]` with hooks): such a machine applies events only through an
    /// awaited recorder, and the synchronous API refuses it when the program is built.
    #[doc(hidden)]
    const __ASYNC_HOOKS: bool = false;

    /// Runs the exit hook of the current state, awaited (the synchronous one, unless the
    /// machine's hooks are `async`).
    #[doc(hidden)]
    #[inline(always)]
    fn __exit_async(
        &self,
        context: &mut Self::Context,
    ) -> impl Future<Output = Result<(), Self::HookError>> {
        core::future::ready(self.__exit(context))
    }

    /// Runs the transition action of `event`, awaited.
    #[doc(hidden)]
    #[inline(always)]
    fn __action_async(
        event: EventId,
        from: StateId,
        to: StateId,
        context: &mut Self::Context,
    ) -> impl Future<Output = Result<(), Self::HookError>> {
        core::future::ready(Self::__action(event, from, to, context))
    }
}

/// Implemented by `#[state_machine]` for a machine declared without a context: the functions
/// that start or resume a machine without being given a context
/// ([`Dynamic::start`], [`Dynamic::start_with`], [`Dynamic::resume`]) need it.
///
/// A machine declared with `#[state_machine(context = Type)]` starts with
/// [`Dynamic::start_with_context`] and resumes with [`Dynamic::resume_with_context`].
///
/// You do not implement this trait yourself.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has a context, so it starts with `Dynamic::start_with_context` and resumes with `Dynamic::resume_with_context`",
    label = "`{Self}` is declared with a context",
    note = "give the context when the machine starts or resumes: `Dynamic::start_with_context(state, context, recorder)`, `Dynamic::resume_with_context(state, context, history, recorder)`"
)]
pub trait ContextFree: StateMachine<Context = ()> {}

/// The shared context of the machine that state `S` belongs to.
pub type ContextOf<S> = <<S as State>::Machine as StateMachine>::Context;

/// The error of the hooks of the machine that state `S` belongs to.
pub type HookErrorOf<S> = <<S as State>::Machine as StateMachine>::HookError;

/// Implemented by `#[state_machine]` for each generated state type (`order::Paid` for the
/// variant `Order::Paid`).
///
/// You do not implement this trait yourself.
///
/// ```
/// use statewright::{state_machine, State};
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
/// assert_eq!(<door::Locked as State>::info().name(), "Locked");
/// assert_eq!(door::Locked { code: 7 }.into_enum(), Door::Locked { code: 7 });
/// # }
/// ```
pub trait State: Sized {
    /// The annotated enum this is a state of.
    type Machine: StateMachine;

    /// The state's id in the definition.
    const ID: StateId;

    /// The names of the events allowed in this state, in declaration order: what a user
    /// interface or an API can offer next. (A choice is one event.)
    ///
    /// ```
    /// use statewright::{state_machine, State};
    ///
    /// #[state_machine]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open, lock -> Locked)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    ///     #[on(unlock -> Closed)]
    ///     Locked,
    /// }
    ///
    /// const OFFERED: &[&str] = <door::Closed as State>::EVENTS;
    /// # fn main() {
    /// assert_eq!(OFFERED, ["open", "lock"]);
    /// # }
    /// ```
    const EVENTS: &'static [&'static str] = crate::__private::events_of(
        <Self::Machine as StateMachine>::__EVENTS,
        <Self::Machine as StateMachine>::__EVENT_STARTS,
        Self::ID,
    );

    /// The enum value for this state, with the same data.
    fn into_enum(self) -> Self::Machine;

    /// The state's entry in the definition.
    fn info() -> StateInfo {
        <Self::Machine as StateMachine>::DEFINITION.info(Self::ID)
    }

    /// Runs this state's exit hook, if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __exit(&self, _context: &mut ContextOf<Self>) -> Result<(), HookErrorOf<Self>> {
        Ok(())
    }

    /// Runs this state's entry hook, if it has one.
    #[doc(hidden)]
    #[inline(always)]
    fn __entered(&mut self, _context: &mut ContextOf<Self>) {}

    /// Runs this state's exit hook, awaited (the synchronous one, unless the machine's hooks
    /// are `async`).
    #[doc(hidden)]
    #[inline(always)]
    fn __exit_async(
        &self,
        context: &mut ContextOf<Self>,
    ) -> impl Future<Output = Result<(), HookErrorOf<Self>>> {
        core::future::ready(self.__exit(context))
    }
}

/// What every typed machine can do besides its transitions: read its state, sequence and
/// recorder, and turn into a dynamic machine.
///
/// Typed machines (`order::Machine<S, R>`) have one inherent method per event and nothing else,
/// so that every event name is available; these methods live on this trait. Bring it into
/// scope with `use statewright::TypedMachine;` (or `use statewright::prelude::*;`). When an event
/// has the same name as one of these methods, the event wins for `m.name()`, and the trait
/// method stays available as `TypedMachine::name(&m)`.
///
/// ```
/// use statewright::{state_machine, TypedMachine};
///
/// #[state_machine]
/// enum Light {
///     #[initial]
///     #[on(toggle -> On)]
///     Off,
///     #[on(toggle -> Off)]
///     On,
/// }
///
/// # fn main() {
/// let m = light::start().toggle();
/// assert_eq!(m.sequence(), 1);
/// assert_eq!(m.state_info().name(), "On");
/// assert_eq!(m.recorder().to_string(), "#1 Off --toggle--> On\n");
/// # }
/// ```
pub trait TypedMachine: Sized {
    /// The state type the machine is in.
    type State: State;

    /// The machine's recorder.
    type Recorder;

    /// The current state's data. It changes only through a transition (a self-loop takes new
    /// data), so that every change is recorded: there is no `state_mut`.
    fn state(&self) -> &Self::State;

    /// The number of records written so far (the sequence number of the last one).
    fn sequence(&self) -> u64;

    /// The recorder.
    fn recorder(&self) -> &Self::Recorder;

    /// The recorder, mutably.
    fn recorder_mut(&mut self) -> &mut Self::Recorder;

    /// The shared context.
    fn context(&self) -> &ContextOf<Self::State>;

    /// The shared context, for changing it (that is not a transition and writes no record).
    fn context_mut(&mut self) -> &mut ContextOf<Self::State>;

    /// The state's data, the sequence number and the recorder, of a machine without a
    /// context ([`into_all_parts`](Self::into_all_parts) also hands back the context).
    fn into_parts(self) -> (Self::State, u64, Self::Recorder)
    where
        Self::State: State<Machine: StateMachine<Context = ()>>,
    {
        let (state, (), sequence, recorder) = self.into_all_parts();
        (state, sequence, recorder)
    }

    /// The state's data, the context, the sequence number and the recorder.
    fn into_all_parts(self) -> (Self::State, ContextOf<Self::State>, u64, Self::Recorder);

    /// The same machine as a dynamic machine, with the same state, context, sequence and
    /// recorder.
    fn into_dynamic(self) -> Dynamic<<Self::State as State>::Machine, Self::Recorder>;

    /// The current state's entry in the definition.
    fn state_info(&self) -> StateInfo {
        <Self::State as State>::info()
    }

    /// The events allowed in the current state (the transition methods that compile).
    fn allowed_events(&self) -> Events {
        Self::definition().allowed_events(<Self::State as State>::ID)
    }

    /// The machine's definition.
    fn definition() -> &'static Definition {
        <<Self::State as State>::Machine as StateMachine>::DEFINITION
    }
}

/// The definition of the machine `M`.
///
/// ```
/// use statewright::state_machine;
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
/// assert_eq!(statewright::definition::<Door>().states().len(), 2);
/// # }
/// ```
pub fn definition<M: StateMachine>() -> &'static Definition {
    M::DEFINITION
}
