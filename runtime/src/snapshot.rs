//! Snapshots: a machine's state data, sequence number and instance id, to store and restore
//! (feature `serde`).
//!
//! # What can go wrong
//!
//! A snapshot is data from outside: restoring checks everything it carries against the
//! definition and the recorder, and refuses (a [`SnapshotError`], never a panic) what the
//! machine could not have written.
//!
//! | what happens | what statewright does |
//! | --- | --- |
//! | the snapshot is of another format, machine or definition | refused ([`SnapshotError::Format`], [`WrongMachine`](SnapshotError::WrongMachine), [`DefinitionMismatch`](SnapshotError::DefinitionMismatch) with what changed), unless a [`Migration`] accepts the definition |
//! | an unknown state tag, a malformed field | a serde error when deserializing |
//! | sequence 0 (no record yet) in a state other than the initial one | refused: [`SnapshotError::NotInitial`] |
//! | sequence `u64::MAX` | refused ([`SnapshotError::Exhausted`]): no further record could be numbered. A snapshot just below it restores, and once the last number is used the machine refuses every event with [`Cause::Exhausted`](crate::Cause::Exhausted): a number is never written twice |
//! | the recorder (a journal) is ahead, behind, in another state or of another instance | refused: [`Stale`](SnapshotError::Stale), [`Ahead`](SnapshotError::Ahead), [`StateMismatch`](SnapshotError::StateMismatch), [`WrongInstance`](SnapshotError::WrongInstance) |
//! | an [`IdempotentSnapshot`](crate::IdempotentSnapshot) remembers a record that is not a legal step, is after the machine's last record, or out of order | refused: [`SnapshotError::Window`] |
//! | a [`TimedSnapshot`](crate::TimedSnapshot) has more time remaining than the state's declared timeout, or a deadline out of range (`u64::MAX`, before the Unix epoch) | refused: [`SnapshotError::Timeout`] |
//! | a `TimedSnapshot` is restored with a wall clock behind the one that wrote it | the timeout is armed for at most its declared duration from now, never later |
//!
//! Limits: within those bounds a snapshot is trusted: a state at sequence 5 that the history
//! does not lead to, or altered state data or context, is not detected (a snapshot carries no
//! history; [`Dynamic::resume`](crate::Dynamic::resume) checks a state against its records).
//! Protect stored snapshots from tampering (or sign them) if that matters. A snapshot of a
//! poisoned machine (see [`hooks`](crate::hooks#panics)) is at the last sequence number the
//! machine knows of; restoring it into a journal that holds the record in doubt is refused as
//! [`Stale`](SnapshotError::Stale).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};

use crate::__private::Core;
use crate::awaited::AnyRecorder;
use crate::dynamic::Dynamic;
use crate::fingerprint::Fingerprint;
use crate::machine::StateMachine;

/// The snapshot format's name and version.
const FORMAT: &str = "statewright-snapshot/1";

/// A machine at one point: its state (the enum value, with its data), the sequence number of
/// its last record, its instance id, and the [`Fingerprint`] and definition JSON of the machine
/// that wrote it.
///
/// A typed machine is snapshotted through its dynamic form, which converts back without loss:
/// `let d = machine.into_dynamic(); let snapshot = Snapshot::of(&d, "o-17"); let machine =
/// d.into_typed();`.
///
/// Serialize it with any serde format; deserializing checks only the shape (an unknown state
/// tag is a serde error, never a panic). [`restore`](Snapshot::restore) checks the rest: that
/// the snapshot was written by this definition (or one a [`Migration`] accepts), and that it
/// agrees with what the recorder already knows about the instance (a journal).
///
/// ```
/// use statewright::{state_machine, Dynamic, Memory, Snapshot};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open)]
///     Closed,
///     #[on(close -> Closed)]
///     Open { by: String },
/// }
///
/// # fn main() {
/// let mut door = Dynamic::start(Door::Closed).unwrap();
/// door.apply(door::Event::Open { by: "a user".into() }).unwrap();
/// let json = serde_json::to_string(&Snapshot::of(&door, "front")).unwrap();
///
/// let snapshot: Snapshot<Door> = serde_json::from_str(&json).unwrap();
/// let door = snapshot.restore(Memory::new()).unwrap();
/// assert_eq!(door.state(), &Door::Open { by: "a user".into() });
/// assert_eq!(door.sequence(), 1);
///
/// // Tampered input is an error, not a panic.
/// let tampered = json.replace("\"Open\"", "\"Opened\"");
/// assert!(serde_json::from_str::<Snapshot<Door>>(&tampered).is_err());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<M, C = ()> {
    format: String,
    machine: String,
    fingerprint: String,
    /// The definition JSON of the machine that wrote the snapshot, so that a mismatch can say
    /// what changed.
    definition: String,
    instance: String,
    sequence: u64,
    state: M,
    /// The machine's shared context (`null` for a machine without one).
    context: C,
}

/// Permission to read data written by an older definition of a machine: its fingerprint, and
/// the renames of states and events between it and the current one (journals need them to
/// read old records; snapshots carry state data, which serde maps, for example with
/// `#[serde(alias = "Old")]`).
///
/// ```
/// use statewright::{Fingerprint, Migration};
///
/// let migration = Migration::from_fingerprint(Fingerprint::from_value(0x0123_4567_89ab_cdef))
///     .rename_state("Payed", "Paid")
///     .rename_event("dispatch", "ship");
/// assert_eq!(migration.state("Payed"), "Paid");
/// assert_eq!(migration.event("pay"), "pay");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    from: Fingerprint,
    states: Vec<(String, String)>,
    events: Vec<(String, String)>,
}

impl Migration {
    /// Accepts data written by the definition with fingerprint `from`.
    pub fn from_fingerprint(from: Fingerprint) -> Self {
        Migration {
            from,
            states: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The state `old` of the old definition is `new` in the current one.
    pub fn rename_state(mut self, old: &str, new: &str) -> Self {
        self.states.push((old.to_string(), new.to_string()));
        self
    }

    /// The event `old` of the old definition is `new` in the current one.
    pub fn rename_event(mut self, old: &str, new: &str) -> Self {
        self.events.push((old.to_string(), new.to_string()));
        self
    }

    /// The fingerprint this migration accepts.
    pub fn fingerprint(&self) -> Fingerprint {
        self.from
    }

    /// The current name of the old state `name`.
    pub fn state<'a>(&'a self, name: &'a str) -> &'a str {
        rename(&self.states, name)
    }

    /// The current name of the old event `name`.
    pub fn event<'a>(&'a self, name: &'a str) -> &'a str {
        rename(&self.events, name)
    }
}

fn rename<'a>(renames: &'a [(String, String)], name: &'a str) -> &'a str {
    renames
        .iter()
        .find(|(old, _)| old == name)
        .map_or(name, |(_, new)| new.as_str())
}

/// Why a snapshot could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot of this version's format.
    Format(String),
    /// A snapshot of another machine.
    WrongMachine {
        /// The snapshot's machine.
        found: String,
        /// This machine.
        expected: &'static str,
    },
    /// Written by a different definition of the machine, and no migration accepts it.
    DefinitionMismatch {
        /// The snapshot's fingerprint (as written; may be malformed).
        found: String,
        /// The current definition's.
        expected: Fingerprint,
        /// What changed from the snapshot's definition to the current one.
        changes: Vec<String>,
    },
    /// The recorder (a journal) holds records of the instance after the snapshot: restoring it
    /// would go back in time.
    Stale {
        /// The snapshot's sequence number.
        snapshot: u64,
        /// The recorder's.
        recorder: u64,
    },
    /// The snapshot is ahead of the recorder's records: records were lost.
    Ahead {
        /// The snapshot's sequence number.
        snapshot: u64,
        /// The recorder's.
        recorder: u64,
    },
    /// The snapshot is of another instance than the one the recorder writes for.
    WrongInstance {
        /// The snapshot's instance.
        snapshot: String,
        /// The recorder's.
        recorder: String,
    },
    /// The snapshot's sequence number is the largest there is: the machine could not number
    /// another record.
    Exhausted,
    /// At the same sequence number, the recorder has the instance in another state.
    StateMismatch {
        /// The snapshot's state.
        snapshot: &'static str,
        /// The recorder's.
        recorder: &'static str,
    },
    /// The window of remembered event ids of an
    /// [`IdempotentSnapshot`](crate::IdempotentSnapshot) is not valid for this machine (a
    /// record that names an unknown state or event, more ids than its bound, an id twice).
    Window(String),
    /// The snapshot is at sequence 0 (no record written yet) but not in the initial state: a
    /// machine reaches another state only through a record, so the snapshot was altered.
    NotInitial {
        /// The machine.
        machine: &'static str,
        /// The snapshot's state.
        state: &'static str,
        /// The machine's initial state.
        initial: &'static str,
    },
    /// The armed timeout of a [`TimedSnapshot`](crate::TimedSnapshot) is impossible: more
    /// time remaining than the state's declared timeout, or a deadline out of range.
    Timeout(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Format(found) => write!(
                f,
                "unsupported snapshot format `{found}`; this version reads `{FORMAT}`"
            ),
            SnapshotError::WrongMachine { found, expected } => {
                write!(f, "a snapshot of `{found}` cannot restore a `{expected}`")
            }
            SnapshotError::DefinitionMismatch {
                found,
                expected,
                changes,
            } => {
                write!(
                    f,
                    "the snapshot was written by a different definition (fingerprint {found}, now {expected})"
                )?;
                if !changes.is_empty() {
                    write!(f, "; changes since: {}", changes.join(", "))?;
                }
                Ok(())
            }
            SnapshotError::Stale { snapshot, recorder } => write!(
                f,
                "the snapshot is at record #{snapshot} but the recorder already has #{recorder}"
            ),
            SnapshotError::Ahead { snapshot, recorder } => write!(
                f,
                "the snapshot is at record #{snapshot} but the recorder only has #{recorder}: records were lost"
            ),
            SnapshotError::WrongInstance { snapshot, recorder } => write!(
                f,
                "the snapshot is of instance `{snapshot}`, the recorder writes for `{recorder}`"
            ),
            SnapshotError::Exhausted => f.write_str(
                "the snapshot is at the largest sequence number; no further record could be numbered",
            ),
            SnapshotError::Window(reason) => {
                write!(f, "the snapshot's window of event ids is not valid: {reason}")
            }
            SnapshotError::NotInitial {
                machine,
                state,
                initial,
            } => write!(
                f,
                "the snapshot is in `{state}` at sequence 0, but `{machine}` starts in \
                 `{initial}`: a machine without records is in its initial state; the snapshot \
                 was altered"
            ),
            SnapshotError::Timeout(reason) => {
                write!(f, "the snapshot's armed timeout is not valid: {reason}")
            }
            SnapshotError::StateMismatch { snapshot, recorder } => write!(
                f,
                "the snapshot is in `{snapshot}` but the recorder has the instance in `{recorder}`"
            ),
        }
    }
}

impl core::error::Error for SnapshotError {}

impl<M: StateMachine<Context: Clone> + Clone> Snapshot<M, M::Context> {
    /// A snapshot of `machine` (its state and its context), identified as `instance` (any id;
    /// empty for none).
    pub fn of<R>(machine: &Dynamic<M, R>, instance: &str) -> Self {
        let definition = M::DEFINITION;
        Snapshot {
            format: FORMAT.to_string(),
            machine: definition.name().to_string(),
            fingerprint: definition.fingerprint().to_string(),
            definition: definition.chart().to_json(),
            instance: instance.to_string(),
            sequence: machine.sequence(),
            state: machine.state().clone(),
            context: machine.context().clone(),
        }
    }
}

impl<M: StateMachine> Snapshot<M, M::Context> {
    /// The instance id.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The sequence number of the machine's last record.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The state.
    pub fn state(&self) -> &M {
        &self.state
    }

    /// The shared context.
    pub fn context(&self) -> &M::Context {
        &self.context
    }

    /// The machine, recording into `recorder` from the snapshot's sequence number on; see
    /// [`Snapshot`] for what is checked.
    pub fn restore<R: AnyRecorder>(self, recorder: R) -> Result<Dynamic<M, R>, SnapshotError> {
        self.restore_inner(recorder, None)
    }

    /// [`restore`](Snapshot::restore), also accepting a snapshot written by the definition
    /// that `migration` comes from.
    pub fn restore_migrating<R: AnyRecorder>(
        self,
        recorder: R,
        migration: &Migration,
    ) -> Result<Dynamic<M, R>, SnapshotError> {
        self.restore_inner(recorder, Some(migration))
    }

    fn restore_inner<R: AnyRecorder>(
        self,
        recorder: R,
        migration: Option<&Migration>,
    ) -> Result<Dynamic<M, R>, SnapshotError> {
        let definition = M::DEFINITION;
        if self.format != FORMAT {
            return Err(SnapshotError::Format(self.format));
        }
        let expected = definition.fingerprint();
        let found: Option<Fingerprint> = self.fingerprint.parse().ok();
        let accepted = found == Some(expected)
            || (found.is_some() && found == migration.map(Migration::fingerprint));
        if self.machine != definition.name() && found == Some(expected) {
            return Err(SnapshotError::WrongMachine {
                found: self.machine,
                expected: definition.name(),
            });
        }
        if !accepted {
            let changes =
                crate::diagram::json::changes_since(&self.definition, &definition.chart());
            return Err(SnapshotError::DefinitionMismatch {
                found: self.fingerprint,
                expected,
                changes,
            });
        }
        if self.sequence == u64::MAX {
            return Err(SnapshotError::Exhausted);
        }
        // Every state but the initial one is reached through a record.
        if self.sequence == 0 && self.state.state_id() != definition.initial {
            return Err(SnapshotError::NotInitial {
                machine: definition.name(),
                state: self.state.state_info().name(),
                initial: definition.initial().name(),
            });
        }
        if let Some(instance) = recorder.instance() {
            if instance != self.instance {
                return Err(SnapshotError::WrongInstance {
                    snapshot: self.instance,
                    recorder: instance.to_string(),
                });
            }
        }
        if let Some((sequence, state)) = recorder.position() {
            if self.sequence < sequence {
                return Err(SnapshotError::Stale {
                    snapshot: self.sequence,
                    recorder: sequence,
                });
            }
            if self.sequence > sequence {
                return Err(SnapshotError::Ahead {
                    snapshot: self.sequence,
                    recorder: sequence,
                });
            }
            if state != self.state.state_id() {
                return Err(SnapshotError::StateMismatch {
                    snapshot: self.state.state_info().name(),
                    recorder: definition.state_name(state),
                });
            }
        }
        Ok(Dynamic::from_core(
            self.state,
            Core::resumed(self.sequence, recorder, self.context),
        ))
    }
}
