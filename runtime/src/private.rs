//! Support for the code that `#[state_machine]` generates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

use crate::awaited::{AsyncRecorder, AsyncStep, Awaited};
use crate::definition::{Definition, EventId, StateId, StateInfo};
use crate::dynamic::Dynamic;
use core::convert::Infallible;
use core::future::Future;

use crate::hooks::{Failure, HookFallibility};
use crate::machine::{ContextOf, HookErrorOf, State, StateMachine};
use crate::record::{Outcome, Record};
use crate::recorder::{Fallibility, Recorder, Step};

pub use crate::hierarchy::Hierarchy;
/// serde, for the `Serialize` and `Deserialize` impls of generated event enums: users need not
/// name serde for them to compile.
#[cfg(feature = "serde")]
pub use serde;

/// The wire form of events: what the generated impls call.
#[cfg(feature = "serde")]
pub mod wire {
    pub use crate::wire::*;
}

/// Whether the runtime was built with `serde` (a workspace build can turn it on through another
/// crate while the facade's own feature is off): the test of the feature's compile error
/// checks it.
pub const SERDE: bool = cfg!(feature = "serde");

/// Emits the generated `Serialize`/`Deserialize` impls of an event enum when the `serde`
/// feature is on, and a compile error at the user's derive when it is off.
pub use crate::__statewright_wire_impls as wire_impls;

#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __statewright_wire_impls {
    ($($impls:tt)*) => {
        $($impls)*
    };
}

#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __statewright_wire_impls {
    ($($impls:tt)*) => {
        ::core::compile_error! {
            "`Serialize` and `Deserialize` of a state machine's events need the `serde` feature \
of statewright: write `statewright = { version = \"0.1\", features = [\"serde\"] }` \
in Cargo.toml"
        }
    };
}

/// The error of a generated `Event::from_name` for a name that is none of `valid` (the
/// external events without data).
#[cold]
pub fn event_name_error(
    definition: &'static Definition,
    valid: &'static [&'static str],
    name: &str,
) -> crate::EventNameError {
    crate::event_name::from_name_error(definition, valid, name)
}

/// What every machine carries besides its state: the sequence number of the last record, the
/// recorder, and the shared context (`()` for a machine without one).
pub struct Core<R, C = ()> {
    pub(crate) sequence: u64,
    pub(crate) recorder: R,
    pub(crate) context: C,
    /// Set while the recorder writes a record, cleared when it returns: still set afterwards
    /// means the recorder panicked mid-record (the panic was caught), and whether the record
    /// was stored is unknown. The machine then refuses further use (see `crate::hooks`).
    pub(crate) poisoned: bool,
}

/// Why a machine can take no further transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// A recorder panicked while writing a record.
    Poisoned,
    /// The sequence number is `u64::MAX`: no further record can be numbered.
    Exhausted,
}

impl<R> Core<R> {
    /// A machine's core before its first record, without a context.
    #[inline]
    pub fn new(recorder: R) -> Self {
        Core::with_context(recorder, ())
    }
}

impl<R, C> Core<R, C> {
    /// A machine's core before its first record.
    #[inline]
    pub fn with_context(recorder: R, context: C) -> Self {
        Core {
            sequence: 0,
            recorder,
            context,
            poisoned: false,
        }
    }

    /// A machine's core after record number `sequence` (a resumed or restored machine).
    #[inline]
    pub(crate) fn resumed(sequence: u64, recorder: R, context: C) -> Self {
        Core {
            sequence,
            recorder,
            context,
            poisoned: false,
        }
    }

    /// Why the machine can take no further transition, if it cannot.
    #[inline(always)]
    pub(crate) fn unusable(&self) -> Option<Unusable> {
        if self.poisoned {
            Some(Unusable::Poisoned)
        } else if self.sequence == u64::MAX {
            Some(Unusable::Exhausted)
        } else {
            None
        }
    }

    /// Panics unless the machine can take a transition: the typed API, whose transitions
    /// cannot return a refusal when the recorder is infallible, stops here before any user
    /// code runs. (The dynamic API refuses with `Cause::Poisoned` or `Cause::Exhausted`.)
    #[inline(always)]
    pub(crate) fn assert_usable(&self, machine: &str) {
        if let Some(unusable) = self.unusable() {
            unusable_panic(machine, unusable);
        }
    }

    /// The shared context.
    #[inline]
    pub fn context(&self) -> &C {
        &self.context
    }

    /// The shared context.
    #[inline]
    pub fn context_mut(&mut self) -> &mut C {
        &mut self.context
    }

    /// The recorder and the context.
    #[inline]
    pub fn into_recorder_and_context(self) -> (R, C) {
        (self.recorder, self.context)
    }

    /// The sequence number of the last record.
    #[inline]
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The recorder.
    #[inline]
    pub fn recorder(&self) -> &R {
        &self.recorder
    }

    /// The recorder.
    #[inline]
    pub fn recorder_mut(&mut self) -> &mut R {
        &mut self.recorder
    }

    /// The recorder.
    #[inline]
    pub fn into_recorder(self) -> R {
        self.recorder
    }
}

impl<R: Recorder, C> Core<R, C> {
    /// Writes the record of an applied transition; on error nothing changes.
    ///
    /// Kept out of line: it is the same code for every transition of every machine with this
    /// recorder, and inlining it into every typed call site costs release build time.
    #[inline(never)]
    pub(crate) fn record(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
        to: StateId,
    ) -> Result<Record, R::Error> {
        self.write(definition, from, event, to, Outcome::Applied)
    }

    /// Writes the record of a rejected event; on error nothing changes. Inlined: its one
    /// caller is `Dynamic::apply`, and a fifth to a third of the events in the benchmark
    /// streams are rejected.
    #[inline(always)]
    pub(crate) fn reject(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
    ) -> Result<Record, R::Error> {
        self.write(definition, from, event, from, Outcome::Rejected)
    }

    /// Writes one record; on error nothing changes. Inlined: `Dynamic::apply`, the one call
    /// site per machine type, calls it directly for applied transitions (the call and the
    /// copy of the record out of it showed in the profile); typed transitions go through the
    /// out-of-line [`record`](Core::record).
    #[inline(always)]
    pub(crate) fn write(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
        to: StateId,
        outcome: Outcome,
    ) -> Result<Record, R::Error> {
        self.assert_usable(definition.name);
        // `assert_usable` refused `u64::MAX`, and `Dynamic::apply` refuses it before calling.
        let sequence = self.sequence.wrapping_add(1);
        let record = Record::build(
            definition,
            sequence,
            from,
            event,
            to,
            outcome,
            self.recorder.timestamps(),
        );
        // A panic in `record` leaves `poisoned` set: some part of the recorder may hold the
        // record (the first of a pair), so the machine must not number another one the same.
        self.poisoned = true;
        let result = self.recorder.record(&record);
        self.poisoned = false;
        result?;
        self.sequence = sequence;
        Ok(record)
    }
}

/// The typed API's refusal of an unusable machine.
#[cold]
#[inline(never)]
fn unusable_panic(machine: &str, unusable: Unusable) -> ! {
    match unusable {
        Unusable::Poisoned => panic!(
            "`{machine}` cannot take a transition: the machine is poisoned: a recorder panicked \
             while writing a record, so whether it was stored is unknown; rebuild the machine \
             from its recorder's records"
        ),
        Unusable::Exhausted => panic!(
            "`{machine}` cannot take a transition: its sequence number is exhausted \
             (#{}); no further record can be numbered, start a new instance (the dynamic API \
             refuses with `Cause::Exhausted` instead of panicking)",
            u64::MAX
        ),
    }
}

/// What the transition helpers need of a typed machine: its parts, and the same machine type
/// in another state. Implemented once, generically, for each generated `Machine<S, R>`.
#[allow(clippy::type_complexity)] // the core's type spelled out, as generated code implements it
pub trait Parts: Sized {
    /// The state type.
    type State: State;
    /// The recorder (a [`Recorder`], or an [`Awaited`] async recorder).
    type Recorder;
    /// The context (the machine's `StateMachine::Context`, named here so that helpers that do
    /// not run hooks need not prove it).
    type Context;
    /// The same machine in state `T`.
    type With<T>;
    /// The state and the core.
    fn into_parts(self) -> (Self::State, Core<Self::Recorder, Self::Context>);
    /// The machine from its parts.
    fn from_parts(state: Self::State, core: Core<Self::Recorder, Self::Context>) -> Self;
    /// The machine in state `T` from its parts.
    fn with<T>(state: T, core: Core<Self::Recorder, Self::Context>) -> Self::With<T>;
}

/// The core of a typed machine `M`.
pub type CoreOf<M> = Core<<M as Parts>::Recorder, <M as Parts>::Context>;

/// The body of every typed transition method whose target is given: records
/// `M::State --event--> to`, then returns the machine in `target`; if the recorder refuses,
/// returns the machine unchanged.
#[inline(always)]
pub fn fire<M: Parts<Recorder: Recorder>, T>(
    machine: M,
    event: EventId,
    to: StateId,
    target: T,
) -> Step<M::Recorder, M::With<T>, M> {
    fire_with(machine, event, to, move |_| target)
}

/// Like [`fire`], building the target from the current state once the record is written.
#[inline(always)]
pub fn fire_with<M: Parts<Recorder: Recorder>, T>(
    machine: M,
    event: EventId,
    to: StateId,
    make: impl FnOnce(M::State) -> T,
) -> Step<M::Recorder, M::With<T>, M> {
    let (state, mut core) = machine.into_parts();
    let definition = <<M::State as State>::Machine as StateMachine>::DEFINITION;
    let from = <M::State as State>::ID;
    match core.record(definition, from, event, to) {
        Ok(_) => {
            <<M::Recorder as Recorder>::Error as Fallibility>::step(Ok(M::with(make(state), core)))
        }
        Err(error) => <<M::Recorder as Recorder>::Error as Fallibility>::step(Err((
            M::from_parts(state, core),
            error,
        ))),
    }
}

/// How an attempted typed transition ended (see [`attempt`]). `X` is what a declining guard
/// says (`()`), or `Infallible` for a transition that cannot be declined.
pub enum Attempt<O, M, E, H, X> {
    /// The transition happened.
    Done(O),
    /// The guard declined; the rejection was recorded.
    Declined(M, X),
    /// The transition did not happen: a hook vetoed, the recorder refused its record, or a
    /// declined guard's rejection could not be recorded. The machine is unchanged.
    Failed(M, Failure<E, H>),
}

/// Every typed transition of a machine with choices, guards or hooks: `decide` picks the
/// target from the current state (`Err`: a guard declined), the exit hook and the transition
/// action run, the record is written, and `build` makes the next machine (and runs the entry
/// hook). Anything that stops the transition before the record leaves the machine unchanged,
/// and a declined or vetoed attempt is recorded as rejected.
#[inline(always)]
pub fn attempt<M: Parts<Recorder: Recorder, Context = ContextOf<<M as Parts>::State>>, D, X, O>(
    machine: M,
    event: EventId,
    decide: impl FnOnce(&M::State) -> Result<(StateId, D), X>,
    build: impl FnOnce(M::State, D, CoreOf<M>) -> O,
) -> Attempt<O, M, <M::Recorder as Recorder>::Error, HookErrorOf<M::State>, X> {
    let (state, mut core) = machine.into_parts();
    let definition = <<M::State as State>::Machine as StateMachine>::DEFINITION;
    // Before the guard, the choice or a hook runs.
    core.assert_usable(definition.name);
    let from = <M::State as State>::ID;
    let (to, data) = match decide(&state) {
        Ok(decision) => decision,
        Err(declined) => {
            return match core.reject(definition, from, event) {
                Ok(_) => Attempt::Declined(M::from_parts(state, core), declined),
                Err(e) => Attempt::Failed(M::from_parts(state, core), Failure::Unrecorded(e)),
            };
        }
    };
    // A self-loop stays in the state: no exit (and no entry, see `enter`).
    type Of<M> = <<M as Parts>::State as State>::Machine;
    let exit = if definition.leaves_state(from, event, to) {
        state.__exit(&mut core.context).and_then(|()| {
            crate::hierarchy::exit_composites::<Of<M>>(from, event, to, &mut core.context)
        })
    } else {
        Ok(())
    };
    let hooks = exit.and_then(|()| {
        <<M::State as State>::Machine as StateMachine>::__action(event, from, to, &mut core.context)
    });
    if let Err(h) = hooks {
        let failure = match core.reject(definition, from, event) {
            Ok(_) => Failure::Vetoed(h),
            Err(e) => Failure::VetoedUnrecorded(h, e),
        };
        return Attempt::Failed(M::from_parts(state, core), failure);
    }
    match core.record(definition, from, event, to) {
        Ok(_) => Attempt::Done(build(state, data, core)),
        Err(e) => Attempt::Failed(M::from_parts(state, core), Failure::Unrecorded(e)),
    }
}

/// The outcome of a choice of a machine without hooks.
#[inline(always)]
pub fn step<O, M, E: Fallibility>(
    attempt: Attempt<O, M, E, Infallible, Infallible>,
) -> E::Step<O, M> {
    E::step(match attempt {
        Attempt::Done(next) => Ok(next),
        Attempt::Failed(m, failure) => Err((m, failure.unrecorded())),
        Attempt::Declined(_, never) => match never {},
    })
}

/// The outcome of a guarded transition of a machine without hooks: `Err(machine)` inside when
/// the guard declined.
#[inline(always)]
pub fn step_guarded<O, M, E: Fallibility>(
    attempt: Attempt<O, M, E, Infallible, ()>,
) -> E::Step<Result<O, M>, M> {
    E::step(match attempt {
        Attempt::Done(next) => Ok(Ok(next)),
        Attempt::Declined(m, ()) => Ok(Err(m)),
        Attempt::Failed(m, failure) => Err((m, failure.unrecorded())),
    })
}

// The two below are functions, not methods of `Attempt`: when the hooks' error is no
// `HookFallibility` (the user's `type Error` is reported where they wrote it), a method would
// add an E0599 "the method exists but its trait bounds were not satisfied" per transition.

/// The outcome of a transition of a machine with hooks (see [`Hooked`](crate::Hooked)).
#[inline(always)]
pub fn hooked<O, M, E: Fallibility, H: HookFallibility>(
    attempt: Attempt<O, M, E, H, Infallible>,
) -> H::Hooked<E, O, M> {
    H::hooked(match attempt {
        Attempt::Done(next) => Ok(next),
        Attempt::Declined(_, never) => match never {},
        Attempt::Failed(machine, failure) => Err((machine, failure)),
    })
}

/// The outcome of a guarded transition of a machine with hooks: `Err(machine)` inside when the
/// guard declined.
#[inline(always)]
pub fn hooked_guarded<O, M, E: Fallibility, H: HookFallibility>(
    attempt: Attempt<O, M, E, H, ()>,
) -> H::Hooked<E, Result<O, M>, M> {
    H::hooked(match attempt {
        Attempt::Done(next) => Ok(Ok(next)),
        Attempt::Declined(m, ()) => Ok(Err(m)),
        Attempt::Failed(machine, failure) => Err((machine, failure)),
    })
}

/// Which declared target an event chose (see `StateMachine::__branch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch {
    /// The event is not a choice or a guard: the definition says where it leads.
    Declared,
    /// The event chose this target.
    To(StateId),
    /// The event's guard declined.
    Declined,
}

/// The entry hook of a target state (unless the transition is a self-loop), then the machine
/// in it: the `build` of a typed transition with choices, guards or hooks.
#[inline(always)]
pub fn enter<
    M: Parts<Context = ContextOf<<M as Parts>::State>>,
    T: State<Machine = <M::State as State>::Machine>,
>(
    mut target: T,
    mut core: CoreOf<M>,
    event: EventId,
) -> M::With<T> {
    // A self-loop stays in the state: no entry (and no exit, see `attempt`).
    type Of<M> = <<M as Parts>::State as State>::Machine;
    let (from, to) = (<M::State as State>::ID, T::ID);
    if <Of<M> as StateMachine>::DEFINITION.leaves_state(from, event, to) {
        crate::hierarchy::enter_composites::<Of<M>>(from, event, to, &mut core.context);
        target.__entered(&mut core.context);
    }
    M::with(target, core)
}
/// A state without data, built generically: the targets of an event that leads to several
/// states (which therefore carry no data).
pub trait Unit {
    /// The state's only value.
    const VALUE: Self;
}

/// A dynamic machine from its parts (for the typed -> dynamic conversion).
#[inline]
pub fn dynamic<M: StateMachine, R>(state: M, core: Core<R, M::Context>) -> Dynamic<M, R> {
    Dynamic { state, core }
}

/// A dynamic machine's parts (for the dynamic -> typed conversion).
#[inline]
pub fn dynamic_parts<M: StateMachine, R>(machine: Dynamic<M, R>) -> (M, Core<R, M::Context>) {
    (machine.state, machine.core)
}

/// The names of the events state `id` allows, from the flattened table of its machine (see
/// `StateMachine::__EVENTS`); empty for a table that does not fit, which generated code never
/// writes.
pub const fn events_of(
    all: &'static [&'static str],
    starts: &'static [u32],
    id: StateId,
) -> &'static [&'static str] {
    let i = id.0 as usize;
    if i + 1 >= starts.len() {
        return &[];
    }
    let (start, end) = (starts[i] as usize, starts[i + 1] as usize);
    if start > end || end > all.len() {
        return &[];
    }
    all.split_at(start).1.split_at(end - start).0
}

/// A state id.
pub const fn state_id(index: u32) -> StateId {
    StateId(index)
}

/// An event id.
pub const fn event_id(index: u32) -> EventId {
    EventId(index)
}

/// A definition, from its tables (see the fields of [`Definition`]).
#[allow(clippy::too_many_arguments)] // one argument per table, written by generated code
pub const fn definition(
    name: &'static str,
    doc: &'static str,
    state_names: &'static [&'static str],
    state_docs: &'static [&'static str],
    terminal: &'static [bool],
    first: &'static [u32],
    event_names: &'static [&'static str],
    transitions: &'static [u32],
    initial: u32,
    guarded: &'static [u32],
    hooks: &'static [u8],
    timeouts: &'static [u64],
) -> Definition {
    Definition {
        name,
        doc,
        state_names,
        state_docs,
        terminal,
        first,
        event_names,
        transitions,
        initial: StateId(initial),
        guarded,
        hooks,
        timeouts,
        internal: &[],
        hierarchy: &crate::hierarchy::Hierarchy::FLAT,
    }
}

/// `definition` with its table of internal events: one flag per event, `true` for the events
/// the machine raises itself (every timeout's event, and those named in `internal(...)`).
/// Generated only for machines that have some.
pub const fn with_internal(definition: Definition, internal: &'static [bool]) -> Definition {
    Definition {
        internal,
        ..definition
    }
}

/// `definition` with its composite states (see [`Hierarchy`](crate::hierarchy::Hierarchy)).
/// Generated only for machines that have some.
pub const fn with_hierarchy(
    definition: Definition,
    hierarchy: &'static crate::hierarchy::Hierarchy,
) -> Definition {
    Definition {
        hierarchy,
        ..definition
    }
}

/// The composite states of a definition, from their tables (see the fields of
/// [`Hierarchy`](crate::hierarchy::Hierarchy)).
pub const fn hierarchy(
    names: &'static [&'static str],
    docs: &'static [&'static str],
    parents: &'static [u32],
    initial: &'static [u32],
    hooks: &'static [u8],
    origins: &'static [u32],
) -> crate::hierarchy::Hierarchy {
    crate::hierarchy::Hierarchy {
        names,
        docs,
        parents,
        initial,
        hooks,
        origins,
    }
}

/// A state of `definition` by id, for generated code whose ids come from the definition.
#[inline]
pub fn state_info(definition: &'static Definition, index: u32) -> StateInfo {
    definition.info(StateId(index))
}

/// [`fire_with`] with the record written by an async recorder: the body of every typed
/// transition of an `async` machine without hooks, on a plain transition.
pub async fn fire_async<M, A, T>(
    machine: M,
    event: EventId,
    to: StateId,
    make: impl FnOnce(M::State) -> T,
) -> AsyncStep<A, M::With<T>, M>
where
    M: Parts<Recorder = Awaited<A>>,
    A: AsyncRecorder,
{
    let (state, mut core) = machine.into_parts();
    let definition = <<M::State as State>::Machine as StateMachine>::DEFINITION;
    let from = <M::State as State>::ID;
    let written = core
        .write_async(definition, from, event, to, Outcome::Applied)
        .await;
    A::Error::step(match written {
        Ok(_) => Ok(M::with(make(state), core)),
        Err(error) => Err((M::from_parts(state, core), error)),
    })
}

/// [`attempt`] with the hooks and the record awaited: every typed transition of an `async`
/// machine with choices, guards or hooks.
pub async fn attempt_async<M, A, D, X, O>(
    machine: M,
    event: EventId,
    decide: impl FnOnce(&M::State) -> Result<(StateId, D), X>,
    build: impl FnOnce(M::State, D, CoreOf<M>) -> O,
) -> Attempt<O, M, A::Error, HookErrorOf<M::State>, X>
where
    M: Parts<Recorder = Awaited<A>, Context = ContextOf<<M as Parts>::State>>,
    A: AsyncRecorder,
{
    let (state, mut core) = machine.into_parts();
    let definition = <<M::State as State>::Machine as StateMachine>::DEFINITION;
    core.assert_usable(definition.name);
    let from = <M::State as State>::ID;
    let (to, data) = match decide(&state) {
        Ok(decision) => decision,
        Err(declined) => {
            let rejected = core.write_async(definition, from, event, from, Outcome::Rejected);
            return match rejected.await {
                Ok(_) => Attempt::Declined(M::from_parts(state, core), declined),
                Err(e) => Attempt::Failed(M::from_parts(state, core), Failure::Unrecorded(e)),
            };
        }
    };
    type Of<M> = <<M as Parts>::State as State>::Machine;
    let exit = if definition.leaves_state(from, event, to) {
        match state.__exit_async(&mut core.context).await {
            Ok(()) => {
                crate::hierarchy::exit_composites_async::<Of<M>>(from, event, to, &mut core.context)
                    .await
            }
            Err(veto) => Err(veto),
        }
    } else {
        Ok(())
    };
    let hooks = match exit {
        Ok(()) => {
            <<M::State as State>::Machine as StateMachine>::__action_async(
                event,
                from,
                to,
                &mut core.context,
            )
            .await
        }
        Err(veto) => Err(veto),
    };
    if let Err(h) = hooks {
        let rejected = core.write_async(definition, from, event, from, Outcome::Rejected);
        let failure = match rejected.await {
            Ok(_) => Failure::Vetoed(h),
            Err(e) => Failure::VetoedUnrecorded(h, e),
        };
        return Attempt::Failed(M::from_parts(state, core), failure);
    }
    match core
        .write_async(definition, from, event, to, Outcome::Applied)
        .await
    {
        Ok(_) => Attempt::Done(build(state, data, core)),
        Err(e) => Attempt::Failed(M::from_parts(state, core), Failure::Unrecorded(e)),
    }
}

/// `finish(future.await)`: an awaited attempt turned into a typed method's result by one of
/// [`step`], [`step_guarded`], [`hooked`], [`hooked_guarded`], without a coroutine per method.
#[inline]
pub async fn then<F: Future, O>(future: F, finish: impl FnOnce(F::Output) -> O) -> O {
    finish(future.await)
}

/// Runs a future to completion on the current thread (parking it while the future waits):
/// for examples and tests of async machines that need no runtime.
#[cfg(feature = "std")]
pub fn block_on<F: Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake};
    use std::thread::{self, Thread};

    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let mut future = core::pin::pin!(future);
    let waker = Arc::new(Unpark(thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

/// What the workspace's integration crates (`statewright-sql`) use of the runtime's internals:
/// the steps of a replay, rebuilding an idempotency window from storage, and the changes
/// between two definitions. Not a public API either.
pub mod integration {
    use crate::definition::{Definition, StateId};
    use crate::idempotent::Window;
    use crate::record::Record;
    use crate::replay::{ReplayError, Replayed};
    use crate::time::Timestamp;

    /// A replay positioned in `state` after record number `sequence`.
    pub fn replay_from(definition: &'static Definition, state: StateId, sequence: u64) -> Replayed {
        Replayed::start(definition, state, sequence)
    }

    /// Checks that `record` follows from `at`, and moves past it.
    pub fn replay_step(at: &mut Replayed, record: &Record) -> Result<(), ReplayError> {
        at.step(record)
    }

    /// Remembers `id` in `window`, as applying its event would have.
    pub fn remember(window: &mut Window, id: &str, record: Record, at: Option<Timestamp>) {
        window.remember(id, record, at);
    }

    /// What changed from the definition JSON `recorded` (untrusted) to `current`.
    #[cfg(feature = "serde")]
    pub fn changes_since(
        recorded: &str,
        current: &crate::diagram::Chart,
    ) -> alloc::vec::Vec<alloc::string::String> {
        crate::diagram::json::changes_since(recorded, current)
    }
}

/// Runs the entry hooks of the composites the initial state is inside, outermost first: the
/// typed `start` of a hierarchical machine with hooks, before the initial state's own.
#[inline]
pub fn enter_initial<M: StateMachine>(context: &mut M::Context) {
    crate::hierarchy::enter_initial_composites::<M>(context);
}
