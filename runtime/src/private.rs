//! Support for the code that `#[state_machine]` generates. Not a public API: nothing here is
//! covered by semver, and it may change in any release.

use crate::definition::{Definition, EventId, EventInfo, StateId, StateInfo, Transition};
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

    /// Writes the record of a rejected event; on error nothing changes.
    #[inline(never)]
    pub(crate) fn reject(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
    ) -> Result<Record, R::Error> {
        self.write(definition, from, event, from, Outcome::Rejected)
    }

    #[inline(always)]
    fn write(
        &mut self,
        definition: &'static Definition,
        from: StateId,
        event: EventId,
        to: StateId,
        outcome: Outcome,
    ) -> Result<Record, R::Error> {
        let sequence = self.sequence + 1;
        let record = Record::build(definition, sequence, from, event, to, outcome);
        self.recorder.record(&record)?;
        self.sequence = sequence;
        Ok(record)
    }
}

/// The body of every typed transition method: records `S --event--> to`, then builds the target
/// state with `make` and wraps it with `next`; if the recorder refuses, wraps the unchanged
/// state with `prev` instead.
#[inline(always)]
pub fn fire<S, T, R, N, P>(
    state: S,
    mut core: Core<R>,
    event: EventId,
    to: StateId,
    make: impl FnOnce(S) -> T,
    next: impl FnOnce(T, Core<R>) -> N,
    prev: impl FnOnce(S, Core<R>) -> P,
) -> Step<R, N, P>
where
    S: State,
    R: Recorder,
{
    let definition = <S::Machine as StateMachine>::DEFINITION;
    match core.record(definition, S::ID, event, to) {
        Ok(_) => <R::Error as Fallibility>::step(Ok(next(make(state), core))),
        Err(error) => <R::Error as Fallibility>::step(Err((prev(state, core), error))),
    }
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

/// A state's entry; its transitions are `transitions[first..first + count]`.
pub const fn state(
    name: &'static str,
    doc: &'static str,
    initial: bool,
    terminal: bool,
    first: u32,
    count: u32,
) -> StateInfo {
    StateInfo {
        name,
        doc,
        initial,
        terminal,
        first,
        count,
    }
}

/// An event's entry.
pub const fn event(name: &'static str) -> EventInfo {
    EventInfo { name }
}

/// A transition's entry.
pub const fn transition(from: u32, event: u32, to: u32) -> Transition {
    Transition {
        from: StateId(from),
        event: EventId(event),
        to: StateId(to),
    }
}

/// A definition.
pub const fn definition(
    name: &'static str,
    doc: &'static str,
    states: &'static [StateInfo],
    events: &'static [EventInfo],
    transitions: &'static [Transition],
    initial: u32,
) -> Definition {
    Definition {
        name,
        doc,
        states,
        events,
        transitions,
        initial: StateId(initial),
    }
}
