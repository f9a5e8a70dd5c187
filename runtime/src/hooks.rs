//! Entry and exit hooks and transition actions: what runs when, and what a failing hook does.
//!
//! A state marked `#[enter]` or `#[exit]` gets a required method in the machine's generated
//! `Hooks` trait (`enter_paid`, `exit_paid`); every event gets a provided, empty transition
//! action (`on_pay`). The trait is implemented by the machine's context type (`()` for a
//! machine without one), so hooks can use and change the context, and they receive the
//! state's data by reference. A machine has hooks when a state is marked, or with the option
//! `#[state_machine(hooks)]` (for transition actions alone).
//!
//! # Order
//!
//! Both the typed and the dynamic API run one transition `from --event--> to` as:
//!
//! 1. the choice or guard decides the target (before anything else runs);
//! 2. `exit_<from>` (if `from` is marked `#[exit]`);
//! 3. `on_<event>`, the transition action;
//! 4. the record of the transition is written;
//! 5. the machine is in `to`, and `enter_<to>` runs (if `to` is marked `#[enter]`).
//!
//! A self-loop (`#[on(send -> Connected)]` on `Connected`) stays in its state: its transition
//! action runs, the exit and entry hooks do not.
//!
//! # Failure
//!
//! The record is the commit point. Everything before it may refuse the transition, nothing
//! after it can:
//!
//! - An exit hook or a transition action that returns `Err` **vetoes** the transition: the
//!   machine stays in `from` with its data, the attempt is recorded as rejected (as an illegal
//!   event is in the dynamic API), and the error reaches the caller ([`Failure::Vetoed`] from
//!   the typed API, [`Cause::Vetoed`](crate::Cause::Vetoed) from the dynamic one). Hooks that
//!   already ran in this attempt (an exit hook before a failing action) are not undone: undo
//!   their effects in the hook that failed, or do fallible work in one place.
//! - A recorder that refuses the record stops the transition the same way (the hooks of steps
//!   2 and 3 have run).
//! - Entry hooks return nothing: once the record says the machine is in `to`, it is. Work that
//!   can fail belongs in the transition action (or in an exit hook), where failing leaves the
//!   machine where it was.
//!
//! The hooks' error (the `Error` of the generated `Hooks` trait) is a type that implements
//! [`VetoError`], or [`Infallible`] when no hook can fail. With
//! `Infallible`, a typed transition returns what it returns without hooks: the machine itself
//! when the recorder cannot fail either (see [`Hooked`]).
//!
//! ```
//! use statewright::{state_machine, StateInfo, TypedMachine};
//!
//! /// What the hooks share: a log of what ran.
//! #[derive(Debug, Default)]
//! struct Log(Vec<String>);
//!
//! #[state_machine(context = Log)]
//! #[derive(Debug)]
//! enum Door {
//!     #[initial]
//!     #[on(open -> Open)]
//!     #[exit]
//!     Closed,
//!     #[enter]
//!     #[on(close -> Closed)]
//!     Open,
//! }
//!
//! impl door::Hooks for Log {
//!     type Error = String;
//!     fn exit_closed(&mut self) -> Result<(), String> {
//!         self.0.push("exit Closed".into());
//!         Ok(())
//!     }
//!     fn on_open(&mut self, from: StateInfo, to: StateInfo) -> Result<(), String> {
//!         self.0.push(format!("open: {} -> {}", from.name(), to.name()));
//!         Ok(())
//!     }
//!     fn enter_open(&mut self) {
//!         self.0.push("enter Open".into());
//!     }
//! }
//!
//! # fn main() {
//! let door = door::start(Log::default()).open().unwrap();
//! assert_eq!(door.context().0, ["exit Closed", "open: Closed -> Open", "enter Open"]);
//! # }
//! ```
//!
//! # Panics
//!
//! A panic in user code that statewright calls unwinds through it (statewright catches
//! nothing). If the caller catches it (`std::panic::catch_unwind`, a thread boundary, a task
//! runtime), what is left is consistent: either the transition and its record both happened,
//! or neither did, or the machine refuses further use. What each callback leaves behind:
//!
//! | what panics | what happens | what statewright does |
//! | --- | --- | --- |
//! | a choice or guard closure (typed `*_with`), an exit hook, a transition action | before the record: nothing was recorded | the machine stays in `from` (a dynamic machine is usable; a typed one was consumed and is dropped); the context keeps what the hooks changed before the panic |
//! | the recorder's `record` | unknown: one part of a recorder pair (`(journal, memory)`) may hold the record | the machine is **poisoned**: [`Dynamic::apply`](crate::Dynamic::apply) refuses every event with [`Cause::Poisoned`](crate::Cause::Poisoned) and writes nothing more ([`Dynamic::is_poisoned`](crate::Dynamic::is_poisoned)), so no sequence number is written twice; a typed transition on a poisoned machine panics before running anything. Rebuild the machine from what the recorder holds (a journal's `resume`, [`Dynamic::resume`](crate::Dynamic::resume)) |
//! | an entry hook | after the record: the transition happened | the machine is in `to` with its record; a [`Timed`](crate::Timed) machine arms `to`'s timeout |
//! | a clock ([`Clock`](crate::Clock)) read by [`Idempotent`](crate::Idempotent) or [`Timed`](crate::Timed) | it is read before the event is applied | nothing happened |
//! | anything, inside [`Idempotent::apply`](crate::Idempotent::apply) | as above | the event id handed to the recorder ([`Recorder::event_id`]) is cleared while the panic unwinds, so no later record is stored under it; the id is remembered only once its record is written, so a redelivery after the panic is a first delivery |
//! | the state function of `sql::Journal::apply` | it runs before the machine exists | nothing is written |
//!
//! Limits: a typed machine is consumed by its transition, so after a panic there is no machine
//! to continue with: resume it from its records. Panics in a recorder's own `event_id` while a
//! panic unwinds abort the process (Rust's rule for a panic during unwinding). The same
//! refusal covers a machine whose sequence number reached `u64::MAX` (only a restored snapshot
//! gets there): the dynamic API refuses with [`Cause::Exhausted`](crate::Cause::Exhausted), a
//! typed transition panics.

use core::convert::Infallible;
use core::fmt;

use crate::recorder::{Fallibility, Recorder, Refused};

/// What a typed transition of a machine with hooks returns, for a recorder `R` and the hooks'
/// error `H`: the machine in its next state (`Next`), or the machine unchanged (`Prev`) with
/// the [`Failure`].
///
/// | hooks' error `H` | recorder's error | a transition returns |
/// | --- | --- | --- |
/// | `Infallible` | `Infallible` | `Next`, as without hooks |
/// | `Infallible` | a [`RecordError`](crate::RecordError) `E` | `Result<Next, Refused<Prev, E>>`, as without hooks |
/// | a [`VetoError`] | either | `Result<Next, Refused<Prev, Failure<E, H>>>` |
///
/// So hooks that cannot fail (`type Error = Infallible;`) change nothing in what transitions
/// return.
pub type Hooked<R, H, Next, Prev> =
    <H as HookFallibility>::Hooked<<R as Recorder>::Error, Next, Prev>;

/// Marks an error type that hooks return to veto a transition: the `Error` of a machine's
/// generated `Hooks` trait, when a hook can fail.
///
/// Implemented for `String`, `&'static str`, `Cow<'static, str>`, `()` and boxed errors;
/// implement it for your own error type (it has no methods):
///
/// ```
/// #[derive(Debug)]
/// struct NoAddress;
///
/// impl statewright_runtime::VetoError for NoAddress {}
/// ```
///
/// Hooks that cannot fail use [`Infallible`] instead, and then
/// transitions return what they return without hooks (see [`Hooked`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of hooks",
    label = "`{Self}` does not implement `VetoError`",
    note = "use `core::convert::Infallible` for hooks that cannot fail, or implement `statewright::VetoError` for your own error type (it has no methods)"
)]
pub trait VetoError {}

impl VetoError for () {}
impl VetoError for &'static str {}
impl VetoError for alloc::string::String {}
impl VetoError for alloc::borrow::Cow<'static, str> {}
impl VetoError for alloc::boxed::Box<dyn core::error::Error + Send + Sync> {}
impl VetoError for alloc::boxed::Box<dyn core::error::Error> {}
#[cfg(feature = "std")]
impl VetoError for std::io::Error {}

/// How the hooks' error type shapes what a typed transition returns (see [`Hooked`]);
/// implemented for [`Infallible`] and for every [`VetoError`].
///
/// You never implement this trait: implement [`VetoError`] instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of hooks",
    label = "`{Self}` is neither `Infallible` nor a `VetoError`",
    note = "use `core::convert::Infallible` for hooks that cannot fail, or implement `statewright::VetoError` for your own error type (it has no methods)"
)]
pub trait HookFallibility: Sized {
    /// What a typed transition returns when the recorder's error is `E`.
    type Hooked<E: Fallibility, Next, Prev>;

    /// Wraps the outcome of a typed transition.
    #[doc(hidden)]
    fn hooked<E: Fallibility, Next, Prev>(
        result: Result<Next, (Prev, Failure<E, Self>)>,
    ) -> Self::Hooked<E, Next, Prev>;
}

impl HookFallibility for Infallible {
    type Hooked<E: Fallibility, Next, Prev> = E::Step<Next, Prev>;

    #[inline(always)]
    fn hooked<E: Fallibility, Next, Prev>(
        result: Result<Next, (Prev, Failure<E, Self>)>,
    ) -> E::Step<Next, Prev> {
        E::step(result.map_err(|(machine, failure)| (machine, failure.unrecorded())))
    }
}

impl<H: VetoError> HookFallibility for H {
    type Hooked<E: Fallibility, Next, Prev> = Result<Next, Refused<Prev, Failure<E, H>>>;

    #[inline(always)]
    fn hooked<E: Fallibility, Next, Prev>(
        result: Result<Next, (Prev, Failure<E, Self>)>,
    ) -> Self::Hooked<E, Next, Prev> {
        result.map_err(|(machine, error)| Refused { machine, error })
    }
}

impl<E> Failure<E, Infallible> {
    /// The recorder's error: without hooks that can fail, nothing else stops a transition.
    #[inline(always)]
    pub(crate) fn unrecorded(self) -> E {
        match self {
            Failure::Unrecorded(e) => e,
            Failure::Vetoed(never) | Failure::VetoedUnrecorded(never, _) => match never {},
        }
    }
}

/// Why a transition of a machine with hooks did not happen (typed API); the machine is handed
/// back unchanged in [`Refused`]. See the [module docs](self).
///
/// ```
/// use statewright::{state_machine, Failure, StateInfo, TypedMachine};
///
/// /// Counts down the attempts a lock allows.
/// #[derive(Debug)]
/// struct Attempts(u32);
///
/// #[state_machine(context = Attempts, hooks)]
/// #[derive(Debug)]
/// enum Lock {
///     #[initial]
///     #[on(unlock -> Unlocked)]
///     Locked,
///     #[on(lock -> Locked)]
///     Unlocked,
/// }
///
/// impl lock::Hooks for Attempts {
///     type Error = &'static str;
///     fn on_unlock(&mut self, _: StateInfo, _: StateInfo) -> Result<(), &'static str> {
///         self.0 = self.0.checked_sub(1).ok_or("no attempts left")?;
///         Ok(())
///     }
/// }
///
/// # fn main() {
/// let refused = lock::start(Attempts(0)).unlock().unwrap_err();
/// assert_eq!(refused.error(), &Failure::Vetoed("no attempts left"));
/// let locked = refused.into_machine(); // still `Locked`; the attempt is recorded as rejected
/// assert_eq!(locked.recorder().to_string(), "#1 Locked --unlock--x rejected\n");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<E, H> {
    /// The recorder refused the record of the transition.
    Unrecorded(E),
    /// An exit hook or the transition action returned an error; the attempt was recorded as
    /// rejected.
    Vetoed(H),
    /// A hook returned an error, and the recorder also refused the record of the rejection.
    VetoedUnrecorded(H, E),
}

impl<E: fmt::Display, H: fmt::Display> fmt::Display for Failure<E, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unrecorded(e) => write!(f, "its record could not be written: {e}"),
            Failure::Vetoed(h) => write!(f, "a hook vetoed it: {h}"),
            Failure::VetoedUnrecorded(h, e) => write!(
                f,
                "a hook vetoed it: {h} (recording the rejection failed: {e})"
            ),
        }
    }
}

impl<E: fmt::Debug + fmt::Display, H: fmt::Debug + fmt::Display> core::error::Error
    for Failure<E, H>
{
}
