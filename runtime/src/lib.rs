//! The runtime of [statewright](https://docs.rs/statewright): definitions, records, recorders,
//! replay, the dynamic machine and diagrams.
//!
//! Depend on the `statewright` crate, which re-exports everything here together with the
//! `#[state_machine]` attribute; this crate holds the logic that the generated code calls.
//!
//! `no_std` with `alloc`. Features: `std` (default: timestamps in records, `std::io::Error` as a
//! recorder error, the committed-diagram checks of [`diagram`]) and `serde` (records serialize and
//! deserialize; definition JSON reads into a [`diagram::Chart`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod awaited;
mod clock;
#[cfg(feature = "serde")]
mod content;
mod definition;
pub mod diagram;
mod dynamic;
mod event_name;
mod fingerprint;
pub mod hierarchy;
pub mod hooks;
pub mod idempotent;
#[cfg(feature = "journal")]
pub mod journal;
mod machine;
mod record;
mod recorder;
mod replay;
#[cfg(feature = "serde")]
mod serde;
#[cfg(feature = "serde")]
mod snapshot;
mod time;
pub mod timer;
#[cfg(feature = "tracing")]
mod tracer;
#[cfg(feature = "serde")]
mod wire;

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod tests;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::awaited::{AnyRecorder, AsyncRecorder, AsyncStep, Awaited};
#[cfg(feature = "std")]
pub use crate::clock::SystemClock;
pub use crate::clock::{Clock, ManualClock};
pub use crate::definition::{
    Definition, EventId, EventInfo, Events, Resume, StateId, StateInfo, Timeout, Transition,
};
pub use crate::dynamic::{Cause, Dynamic, NotInitial, Rejection, ResumeError, ResumeReason};
pub use crate::event_name::{EventNameError, EventNameReason};
pub use crate::fingerprint::Fingerprint;
pub use crate::hierarchy::{Ancestors, CompositeId, CompositeInfo, Node};
pub use crate::hooks::{Failure, HookFallibility, Hooked, VetoError};
#[cfg(feature = "serde")]
pub use crate::idempotent::IdempotentSnapshot;
pub use crate::idempotent::{Delivery, Idempotent, Remembered, Window};
pub use crate::machine::{
    ContextFree, ContextOf, HookErrorOf, State, StateMachine, TypedMachine, definition,
};
pub use crate::record::{InvalidRecord, Outcome, Record};
pub use crate::recorder::{
    Fallibility, Memory, RecordError, Recorder, Refused, Ring, Step, Untimed,
};
pub use crate::replay::{ReplayError, Replayed};
#[cfg(feature = "serde")]
pub use crate::serde::{RecordSeed, RecordsSeed};
#[cfg(feature = "serde")]
pub use crate::snapshot::{Migration, Snapshot, SnapshotError};
pub use crate::time::Timestamp;
#[cfg(feature = "tokio")]
pub use crate::timer::Sleep;
#[cfg(feature = "serde")]
pub use crate::timer::TimedSnapshot;
pub use crate::timer::{Deadline, Timed};
#[cfg(feature = "tracing")]
pub use crate::tracer::Tracing;
