//! Support for the code that `#[state_machine]` generates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

use crate::definition::{Definition, EventId, StateId, StateInfo};
use crate::dynamic::Dynamic;
use crate::machine::{State, StateMachine};
use crate::record::{Outcome, Record};
use crate::recorder::{Fallibility, Recorder, Step};

/// What every machine carries besides its state: the sequence number of the last record and the
/// recorder.
pub struct Core<R> {
    pub(crate) sequence: u64,
    pub(crate) recorder: R,
}

impl<R> Core<R> {
    /// A machine's core before its first record.
    #[inline]
    pub fn new(recorder: R) -> Self {
        Core {
            sequence: 0,
            recorder,
        }
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

impl<R: Recorder> Core<R> {
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
        // Only a snapshot could start near the end, and restoring one refuses `u64::MAX`;
        // saturating keeps any other path from panicking.
        let sequence = self.sequence.saturating_add(1);
        let record = Record::build(
            definition,
            sequence,
            from,
            event,
            to,
            outcome,
            self.recorder.timestamps(),
        );
        self.recorder.record(&record)?;
        self.sequence = sequence;
        Ok(record)
    }
}

/// What the transition helpers need of a typed machine: its parts, and the same machine type
/// in another state. Implemented once, generically, for each generated `Machine<S, R>`.
pub trait Parts: Sized {
    /// The state type.
    type State: State;
    /// The recorder.
    type Recorder: Recorder;
    /// The same machine in state `T`.
    type With<T>;
    /// The state and the core.
    fn into_parts(self) -> (Self::State, Core<Self::Recorder>);
    /// The machine from its parts.
    fn from_parts(state: Self::State, core: Core<Self::Recorder>) -> Self;
    /// The machine in state `T` from its parts.
    fn with<T>(state: T, core: Core<Self::Recorder>) -> Self::With<T>;
}

/// The body of every typed transition method whose target is given: records
/// `M::State --event--> to`, then returns the machine in `target`; if the recorder refuses,
/// returns the machine unchanged.
#[inline(always)]
pub fn fire<M: Parts, T>(
    machine: M,
    event: EventId,
    to: StateId,
    target: T,
) -> Step<M::Recorder, M::With<T>, M> {
    fire_with(machine, event, to, move |_| target)
}

/// Like [`fire`], building the target from the current state once the record is written.
#[inline(always)]
pub fn fire_with<M: Parts, T>(
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

/// A state without data, built generically: the targets of an event that leads to several
/// states (which therefore carry no data).
pub trait Unit {
    /// The state's only value.
    const VALUE: Self;
}

/// A dynamic machine from its parts (for the typed -> dynamic conversion).
#[inline]
pub fn dynamic<M, R>(state: M, core: Core<R>) -> Dynamic<M, R> {
    Dynamic { state, core }
}

/// A dynamic machine's parts (for the dynamic -> typed conversion).
#[inline]
pub fn dynamic_parts<M, R>(machine: Dynamic<M, R>) -> (M, Core<R>) {
    (machine.state, machine.core)
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
    }
}

/// A state of `definition` by id, for generated code whose ids come from the definition.
#[inline]
pub fn state_info(definition: &'static Definition, index: u32) -> StateInfo {
    definition.info(StateId(index))
}
