//! Idempotent apply: events that carry an id (a message id, a request id) and may be delivered
//! more than once are applied once.
//!
//! [`Idempotent`] wraps a [`Dynamic`] machine and a [`Window`] of the event ids it has seen.
//! Applying an event under an id that is in the window applies nothing and records nothing:
//! it returns the record of the first application ([`Delivery::Duplicate`]), whether that
//! applied the event or rejected it, and hands the event back.
//!
//! # Limits
//!
//! The window is bounded, so a duplicate that arrives late enough is not recognised:
//!
//! | what | remembered | for how long | afterwards |
//! | --- | --- | --- | --- |
//! | an id whose event was applied or rejected, and recorded | the id, the record of its first application, the wall-clock time of that application | until `max_ids` newer ids have been remembered (the oldest is forgotten first), and, with [`Window::with_max_age`], until it is `max_age` old by the wall clock | the id is unknown: **a very late duplicate is applied again** (and recorded) like a new event |
//! | an id whose record could not be written (the recorder refused it) | nothing | – | nothing happened, so a retry under the same id is a first delivery |
//! | an event applied without an id ([`Idempotent::machine_mut`]) | nothing | – | it is not deduplicated |
//!
//! # What can go wrong
//!
//! | what happens | what statewright does |
//! | --- | --- |
//! | a hook, a guard or the recorder panics inside [`Idempotent::apply`] and the caller catches it | the id handed to the recorder ([`Recorder::event_id`]) is cleared while the panic unwinds, so no later record is stored under it; the id is not remembered (only a written record is), so the redelivery is a first delivery. If the recorder itself panicked, the machine is poisoned and refuses every event ([`Cause::Poisoned`](crate::Cause::Poisoned)) until it is rebuilt from its records, whose journal window then has the id if the record was stored (see [`hooks`](crate::hooks#panics)) |
//! | the clock panics | it is read before anything else: nothing happened |
//! | the sequence number is exhausted | the event is refused with [`Cause::Exhausted`](crate::Cause::Exhausted), nothing recorded, the id not remembered |
//! | the event is internal (a timeout's, or named in `internal(...)`): a forged delivery | refused with [`Cause::Internal`](crate::Cause::Internal), nothing recorded, the id not remembered |
//! | an `IdempotentSnapshot` was altered | [`restore`](IdempotentSnapshot::restore) refuses remembered records that name unknown states or events, that are not a declared transition (an applied record) or a stay (a rejection), that are after the machine's last record or not in the order they were written, and ids twice or beyond `max_ids` |
//! | a duplicate arrives after its id left the window | it is applied again (see the table above) |
//!
//! Age is measured with the wall clock ([`Clock::now`]) because it must survive restarts:
//! a wall clock that jumps **forward** makes ids expire early (a duplicate after the jump may
//! be applied again); one that jumps **backward** keeps them longer (an id looks younger than
//! it is). Neither panics. Without a wall clock (`now()` is `None`) ids expire by count only.
//!
//! The window survives a restart through an `IdempotentSnapshot` (feature `serde`), or is
//! rebuilt from the ids that a journal stored beside the records: `journal::Journal::window`
//! (feature `journal`) and `sql::Journal::window` (features `sqlite`, `postgres`). The
//! database journals also keep a unique index on the ids of each instance, which remembers
//! every id for as long as the rows stay: there a duplicate beyond the window is not applied
//! again but refused with `SqlError::DuplicateEvent` (a [`Delivery::Rejected`] whose record
//! could not be written).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::clock::Clock;
use crate::dynamic::{Dynamic, Rejection};
use crate::machine::StateMachine;
use crate::record::Record;
use crate::recorder::Recorder;
use crate::time::Timestamp;

/// What a [`Window`] remembers of one event id: the record of its first application and when
/// that was (wall-clock time, if there was a clock).
///
/// ```
/// use statewright::{state_machine, Dynamic, Idempotent, ManualClock, Timestamp, Window};
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
/// let clock = ManualClock::new(Timestamp::from_unix_nanos(7));
/// let door = Dynamic::start(Door::Closed).unwrap();
/// let mut door = Idempotent::new(door, Window::new(100), clock);
/// door.apply("m-1", door::Event::Open);
/// let remembered = door.window().get("m-1").unwrap();
/// assert_eq!(remembered.record().to_string(), "#1 Closed --open--> Open");
/// assert_eq!(remembered.at(), Some(Timestamp::from_unix_nanos(7)));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remembered {
    record: Record,
    at: Option<Timestamp>,
}

impl Remembered {
    /// The record of the id's first application: its [`outcome`](Record::outcome) says
    /// whether the event was applied or rejected.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The wall-clock time of the first application, from the [`Idempotent`]'s clock (`None`
    /// without a wall clock: such an entry never expires by age).
    pub fn at(&self) -> Option<Timestamp> {
        self.at
    }
}

/// The event ids an [`Idempotent`] machine remembers, bounded by count and optionally by age;
/// see the [module docs](self) for what that means for late duplicates.
///
/// ```
/// use core::time::Duration;
/// use statewright::Window;
///
/// let window = Window::new(10_000).with_max_age(Duration::from_secs(24 * 3600));
/// assert_eq!(window.max_ids(), 10_000);
/// assert_eq!(window.max_age(), Some(Duration::from_secs(86_400)));
/// assert!(window.is_empty());
/// assert!(!window.contains("m-1"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Window {
    max_ids: usize,
    max_age: Option<Duration>,
    /// The ids, oldest first.
    order: VecDeque<String>,
    entries: BTreeMap<String, Remembered>,
}

impl Window {
    /// A window of at most `max_ids` ids (the oldest is forgotten first), with no age limit.
    /// With `max_ids` 0 nothing is remembered and every delivery is applied.
    pub fn new(max_ids: usize) -> Self {
        Window {
            max_ids,
            max_age: None,
            order: VecDeque::new(),
            entries: BTreeMap::new(),
        }
    }

    /// The same window, also forgetting ids whose first application is `max_age` old or
    /// older by the wall clock.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The most ids remembered.
    pub fn max_ids(&self) -> usize {
        self.max_ids
    }

    /// The age at which an id is forgotten, if there is one.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// The number of ids held (some of them may have expired by age since the last
    /// application; [`get_at`](Self::get_at) does not return those).
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no id is held.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether `id` is held, regardless of age.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }

    /// What is held for `id`, regardless of age.
    pub fn get(&self, id: &str) -> Option<&Remembered> {
        self.entries.get(id)
    }

    /// What is remembered for `id` at the wall-clock time `now`: `None` when the id is not
    /// held or has expired by age.
    ///
    /// ```
    /// use core::time::Duration;
    /// use statewright::{state_machine, Dynamic, Idempotent, ManualClock, Timestamp, Window};
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
    /// let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    /// let window = Window::new(10).with_max_age(Duration::from_secs(60));
    /// let mut door = Idempotent::new(Dynamic::start(Door::Closed).unwrap(), window, clock);
    /// door.apply("m-1", door::Event::Open);
    /// let window = door.window();
    /// assert!(window.get_at("m-1", Some(Timestamp::from_unix_nanos(59_000_000_000))).is_some());
    /// assert!(window.get_at("m-1", Some(Timestamp::from_unix_nanos(60_000_000_000))).is_none());
    /// # }
    /// ```
    pub fn get_at(&self, id: &str, now: Option<Timestamp>) -> Option<&Remembered> {
        self.entries
            .get(id)
            .filter(|remembered| !self.expired(remembered, now))
    }

    /// The ids held, oldest first, with what is remembered of each.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Remembered)> + '_ {
        self.order
            .iter()
            .filter_map(|id| Some((id.as_str(), self.entries.get(id)?)))
    }

    /// Whether `remembered` is `max_age` old at `now`. A `now` before the entry's time (the
    /// wall clock went back) counts as age zero.
    fn expired(&self, remembered: &Remembered, now: Option<Timestamp>) -> bool {
        match (self.max_age, remembered.at, now) {
            (Some(max), Some(at), Some(now)) => {
                let age = now.unix_nanos().saturating_sub(at.unix_nanos());
                u128::from(age) >= max.as_nanos()
            }
            _ => false,
        }
    }

    /// Forgets the oldest ids while they have expired at `now`. (An expired id behind a
    /// younger one, after the wall clock went back, stays held until it reaches the front;
    /// [`get_at`](Self::get_at) ignores it meanwhile.)
    fn forget_expired(&mut self, now: Option<Timestamp>) {
        while let Some(id) = self.order.front() {
            match self.entries.get(id) {
                Some(remembered) if !self.expired(remembered, now) => break,
                _ => {
                    if let Some(id) = self.order.pop_front() {
                        self.entries.remove(&id);
                    }
                }
            }
        }
    }

    /// Remembers `id` (replacing an expired entry for it), then forgets the oldest ids beyond
    /// `max_ids`.
    pub(crate) fn remember(&mut self, id: &str, record: Record, at: Option<Timestamp>) {
        if self.max_ids == 0 {
            return;
        }
        if self.entries.remove(id).is_some() {
            self.order.retain(|held| held != id);
        }
        self.order.push_back(String::from(id));
        self.entries
            .insert(String::from(id), Remembered { record, at });
        while self.order.len() > self.max_ids {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
    }
}

impl fmt::Debug for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Window")
            .field("max_ids", &self.max_ids)
            .field("max_age", &self.max_age)
            .field("ids", &self.order)
            .finish()
    }
}

/// What became of one delivery to [`Idempotent::apply`].
///
/// `E` is the machine's event, `F` the recorder's error and `H` the hooks' error, as in
/// [`Rejection`].
///
/// ```
/// use statewright::{state_machine, Delivery, Dynamic, Idempotent, ManualClock, Outcome, Timestamp, Window};
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
/// let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
/// let mut door = Idempotent::new(Dynamic::start(Door::Closed).unwrap(), Window::new(100), clock);
/// match door.apply("m-1", door::Event::Close) {
///     Delivery::Rejected(rejection) => assert!(rejection.is_illegal()),
///     other => panic!("{other:?}"),
/// }
/// match door.apply("m-1", door::Event::Close) {
///     Delivery::Duplicate { first, event } => {
///         assert_eq!(first.outcome(), Outcome::Rejected); // as the first time
///         assert_eq!(event, door::Event::Close); // handed back
///     }
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[derive(Debug)]
pub enum Delivery<E, F = core::convert::Infallible, H = core::convert::Infallible> {
    /// A first delivery, applied: the record of the transition.
    Applied(Record),
    /// A first delivery, refused, as [`Dynamic::apply`] refuses it. When its record was
    /// written ([`Rejection::record`]) the id is remembered; when not, a retry under the same
    /// id is a first delivery again.
    Rejected(Rejection<E, F, H>),
    /// The id was seen before: nothing was applied and nothing recorded.
    Duplicate {
        /// The record of the first application (applied or rejected: see its
        /// [`outcome`](Record::outcome)).
        first: Record,
        /// The event, handed back.
        event: E,
    },
}

impl<E, F, H> Delivery<E, F, H> {
    /// Whether the id was seen before.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Delivery::Duplicate { .. })
    }

    /// The record that answers this delivery: the new one, the rejection's (if written; see
    /// [`Rejection::record`]), or the first application's for a duplicate.
    pub fn record(&self) -> Option<Record> {
        match self {
            Delivery::Applied(record) | Delivery::Duplicate { first: record, .. } => Some(*record),
            Delivery::Rejected(rejection) => rejection.record(),
        }
    }
}

/// A [`Dynamic`] machine that applies each event id at most once while the id is in its
/// [`Window`]; see the [module docs](self) for the limits.
///
/// ```
/// use statewright::{state_machine, Dynamic, Idempotent, ManualClock, Timestamp, Window};
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
/// let clock = ManualClock::new(Timestamp::from_unix_nanos(0)); // `SystemClock::new()` in production
/// let mut door = Idempotent::new(Dynamic::start(Door::Closed).unwrap(), Window::new(1000), clock);
/// door.apply("m-1", door::Event::Open);
/// door.apply("m-2", door::Event::Close);
/// let again = door.apply("m-1", door::Event::Open); // redelivered
/// assert!(again.is_duplicate());
/// assert_eq!(door.machine().state(), &Door::Closed); // not opened again
/// assert_eq!(door.machine().recorder().len(), 2); // and not recorded
/// # }
/// ```
pub struct Idempotent<M: StateMachine, R, C> {
    machine: Dynamic<M, R>,
    window: Window,
    clock: C,
}

impl<M: StateMachine, R: Recorder, C: Clock> Idempotent<M, R, C> {
    /// `machine`, deduplicating by the ids in `window` (empty for a new machine; restored with
    /// the machine after a restart), with `clock`'s wall-clock time for ages.
    pub fn new(machine: Dynamic<M, R>, window: Window, clock: C) -> Self {
        Idempotent {
            machine,
            window,
            clock,
        }
    }

    /// Applies `event`, delivered under `id`, unless `id` is remembered: then nothing is
    /// applied or recorded and the first application's record is returned with the event.
    ///
    /// The recorder learns the id ([`Recorder::event_id`]) for the record it writes, so a
    /// durable recorder can store it.
    #[allow(clippy::type_complexity)] // the delivery's three parameters are each needed
    pub fn apply(
        &mut self,
        id: &str,
        event: M::Event,
    ) -> Delivery<M::Event, R::Error, M::HookError> {
        let now = self.clock.now();
        self.window.apply(&mut self.machine, id, event, now)
    }
}

impl Window {
    /// Applies `event`, delivered under `id`, to `machine` unless `id` is remembered (see
    /// [`Idempotent::apply`], which calls this with its own machine and clock); `now` is the
    /// wall-clock time that ages ids. For machines kept in another wrapper, such as a
    /// [`Timed`](crate::Timed) machine (`Timed::apply_once`).
    #[allow(clippy::type_complexity)] // the delivery's three parameters are each needed
    pub fn apply<M: StateMachine, R: Recorder>(
        &mut self,
        machine: &mut Dynamic<M, R>,
        id: &str,
        event: M::Event,
        now: Option<Timestamp>,
    ) -> Delivery<M::Event, R::Error, M::HookError> {
        self.forget_expired(now);
        if let Some(first) = self.get_at(id, now) {
            return Delivery::Duplicate {
                first: first.record,
                event,
            };
        }
        // The id is the recorder's until the end of this event, however it ends: a panic in
        // a hook or the recorder unwinds through the guard, which clears it, so the next
        // record cannot be stored under this id.
        let result = {
            let announced = Announced::new(machine, id);
            announced.0.apply(event)
        };
        match result {
            Ok(record) => {
                self.remember(id, record, now);
                Delivery::Applied(record)
            }
            Err(rejection) => {
                if let Some(record) = rejection.record() {
                    self.remember(id, record, now);
                }
                Delivery::Rejected(rejection)
            }
        }
    }
}

/// A machine whose recorder was told an event id ([`Recorder::event_id`]); dropping it (at
/// the end of the event, or while a panic unwinds) tells the recorder the event is over.
struct Announced<'a, M: StateMachine, R: Recorder>(&'a mut Dynamic<M, R>);

impl<'a, M: StateMachine, R: Recorder> Announced<'a, M, R> {
    fn new(machine: &'a mut Dynamic<M, R>, id: &str) -> Self {
        machine.recorder_mut().event_id(Some(id));
        Announced(machine)
    }
}

impl<M: StateMachine, R: Recorder> Drop for Announced<'_, M, R> {
    fn drop(&mut self) {
        self.0.recorder_mut().event_id(None);
    }
}

impl<M: StateMachine, R, C> Idempotent<M, R, C> {
    /// The machine.
    pub fn machine(&self) -> &Dynamic<M, R> {
        &self.machine
    }

    /// The machine, mutably. Events applied through it bypass the window: they are not
    /// deduplicated and their ids are not remembered.
    pub fn machine_mut(&mut self) -> &mut Dynamic<M, R> {
        &mut self.machine
    }

    /// The remembered ids.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The machine, the window and the clock.
    pub fn into_parts(self) -> (Dynamic<M, R>, Window, C) {
        (self.machine, self.window, self.clock)
    }
}

impl<M: StateMachine + fmt::Debug, R, C> fmt::Debug for Idempotent<M, R, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotent")
            .field("machine", &self.machine)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "serde")]
pub use self::snapshot::IdempotentSnapshot;

#[cfg(feature = "serde")]
mod snapshot {
    use alloc::borrow::ToOwned;
    use alloc::format;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;
    use core::time::Duration;

    use serde::{Deserialize, Serialize};

    use super::{Idempotent, Window};
    use crate::clock::Clock;
    use crate::machine::StateMachine;
    use crate::record::{Outcome, Record};
    use crate::recorder::Recorder;
    use crate::snapshot::{Snapshot, SnapshotError};
    use crate::time::Timestamp;

    /// A [`Snapshot`] of an [`Idempotent`] machine together with its window of remembered
    /// ids (feature `serde`). The machine part is an ordinary snapshot, so its checks apply;
    /// [`restore`](Self::restore) also checks the window (names it refers to, its bounds),
    /// and tampered input is an error, never a panic.
    ///
    /// ```
    /// use statewright::{state_machine, Dynamic, Idempotent, IdempotentSnapshot, ManualClock, Memory, Timestamp, Window};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    /// enum Door {
    ///     #[initial]
    ///     #[on(open -> Open)]
    ///     Closed,
    ///     #[on(close -> Closed)]
    ///     Open,
    /// }
    ///
    /// # fn main() {
    /// let clock = ManualClock::new(Timestamp::from_unix_nanos(0));
    /// let mut door = Idempotent::new(Dynamic::start(Door::Closed).unwrap(), Window::new(100), clock.clone());
    /// door.apply("m-1", door::Event::Open);
    /// let json = serde_json::to_string(&door.snapshot("front")).unwrap();
    ///
    /// let snapshot: IdempotentSnapshot<Door> = serde_json::from_str(&json).unwrap();
    /// let mut door = snapshot.restore(Memory::new(), clock).unwrap();
    /// assert!(door.apply("m-1", door::Event::Open).is_duplicate());
    /// assert_eq!(door.machine().sequence(), 1);
    ///
    /// // A remembered record that names an unknown state is refused.
    /// let tampered = json.replace("\"to\":\"Open\"", "\"to\":\"Opened\"");
    /// let snapshot: IdempotentSnapshot<Door> = serde_json::from_str(&tampered).unwrap();
    /// assert!(snapshot.restore(Memory::new(), ManualClock::new(Timestamp::from_unix_nanos(0))).is_err());
    /// # }
    /// ```
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct IdempotentSnapshot<M, C = ()> {
        machine: Snapshot<M, C>,
        window: WindowData,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct WindowData {
        max_ids: u64,
        /// Nanoseconds.
        max_age_ns: Option<u64>,
        /// Oldest first.
        ids: Vec<IdData>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct IdData {
        id: String,
        record: RecordData,
        /// When the id was first applied: nanoseconds since the Unix epoch.
        applied_at: Option<u64>,
    }

    /// A record as [`Record`]'s `Serialize` writes it, with owned names.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct RecordData {
        machine: String,
        sequence: u64,
        from: String,
        event: String,
        to: String,
        outcome: Outcome,
        #[serde(default)]
        at: Option<Timestamp>,
    }

    impl<M: StateMachine<Context: Clone> + Clone, R, K> Idempotent<M, R, K> {
        /// A snapshot of the machine (see [`Snapshot::of`]) and its window, identified as
        /// `instance`.
        pub fn snapshot(&self, instance: &str) -> IdempotentSnapshot<M, M::Context> {
            let window = &self.window;
            let ids = window
                .iter()
                .map(|(id, remembered)| {
                    let r = remembered.record();
                    IdData {
                        id: id.to_owned(),
                        record: RecordData {
                            machine: r.machine().to_string(),
                            sequence: r.sequence(),
                            from: r.from().name().to_string(),
                            event: r.event().name().to_string(),
                            to: r.to().name().to_string(),
                            outcome: r.outcome(),
                            at: r.at(),
                        },
                        applied_at: remembered.at().map(Timestamp::unix_nanos),
                    }
                })
                .collect();
            IdempotentSnapshot {
                machine: Snapshot::of(&self.machine, instance),
                window: WindowData {
                    max_ids: window.max_ids() as u64,
                    max_age_ns: window
                        .max_age()
                        .map(|age| u64::try_from(age.as_nanos()).unwrap_or(u64::MAX)),
                    ids,
                },
            }
        }
    }

    impl<M: StateMachine> IdempotentSnapshot<M, M::Context> {
        /// The machine's snapshot.
        pub fn machine(&self) -> &Snapshot<M, M::Context> {
            &self.machine
        }

        /// The machine, recording into `recorder` (checked as [`Snapshot::restore`] checks
        /// it), with its window, measuring ages with `clock`.
        pub fn restore<R: Recorder, K: Clock>(
            self,
            recorder: R,
            clock: K,
        ) -> Result<Idempotent<M, R, K>, SnapshotError> {
            let window = self.window(self.machine.sequence())?;
            let machine = self.machine.restore(recorder)?;
            Ok(Idempotent::new(machine, window, clock))
        }

        /// The window, checked against the definition and the machine's sequence number.
        fn window(&self, sequence: u64) -> Result<Window, SnapshotError> {
            let data = &self.window;
            let bad = |reason: String| Err(SnapshotError::Window(reason));
            let Ok(max_ids) = usize::try_from(data.max_ids) else {
                return bad(format!("`max_ids` {} is too large", data.max_ids));
            };
            if data.ids.len() > max_ids {
                return bad(format!(
                    "{} ids in a window of at most {max_ids}",
                    data.ids.len()
                ));
            }
            let mut window = Window::new(max_ids);
            if let Some(age) = data.max_age_ns {
                window = window.with_max_age(Duration::from_nanos(age));
            }
            let definition = M::DEFINITION;
            let mut previous = 0;
            for entry in &data.ids {
                let r = &entry.record;
                if r.machine != definition.name() {
                    return bad(format!(
                        "id `{}`: a record of `{}`, not `{}`",
                        entry.id,
                        r.machine,
                        definition.name()
                    ));
                }
                let record = Record::from_names(
                    definition, r.sequence, &r.from, &r.event, &r.to, r.outcome, r.at,
                )
                .map_err(|e| SnapshotError::Window(format!("id `{}`: {e}", entry.id)))?;
                if record.sequence() > sequence {
                    return bad(format!(
                        "id `{}`: record #{} is after the machine's #{sequence}",
                        entry.id,
                        record.sequence()
                    ));
                }
                // Ids are remembered in the order their records were written.
                if record.sequence() <= previous {
                    return bad(format!(
                        "id `{}`: record #{} is not after the record of the id before it (#{previous})",
                        entry.id,
                        record.sequence()
                    ));
                }
                previous = record.sequence();
                // A rejection stays in its state (`Record` checks that); an applied record
                // must be a declared transition.
                if record.outcome() == Outcome::Applied
                    && !definition.allows(record.from_id(), record.event_id(), record.to_id())
                {
                    return bad(format!(
                        "id `{}`: record #{} `{} --{}--> {}` is not a transition of `{}`",
                        entry.id,
                        record.sequence(),
                        r.from,
                        r.event,
                        r.to,
                        definition.name()
                    ));
                }
                if window.contains(&entry.id) {
                    return bad(format!("id `{}` appears twice", entry.id));
                }
                window.remember(
                    &entry.id,
                    record,
                    entry.applied_at.map(Timestamp::from_unix_nanos),
                );
            }
            Ok(window)
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;
    use core::time::Duration;

    use super::Window;
    use crate::Timestamp;
    use crate::fixture::{applied, rejected};

    fn at(secs: u64) -> Option<Timestamp> {
        Some(Timestamp::from_unix_nanos(secs * 1_000_000_000))
    }

    fn ids(window: &Window) -> Vec<&str> {
        window.iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn the_oldest_id_goes_first_when_the_window_is_full() {
        let mut window = Window::new(2);
        window.remember("a", applied(1, "Pending", "pay", "Paid"), at(1));
        window.remember("b", rejected(2, "Paid", "pay"), at(2));
        window.remember("c", applied(3, "Paid", "ship", "Shipped"), at(3));
        assert_eq!(ids(&window), ["b", "c"]);
        assert!(!window.contains("a"));
        assert_eq!(window.get("b").unwrap().record().sequence(), 2);
        assert_eq!(window.len(), 2);
    }

    #[test]
    fn a_window_of_zero_remembers_nothing() {
        let mut window = Window::new(0);
        window.remember("a", applied(1, "Pending", "pay", "Paid"), at(1));
        assert!(window.is_empty());
    }

    #[test]
    fn ids_expire_by_wall_clock_age_and_a_clock_going_back_keeps_them() {
        let mut window = Window::new(10).with_max_age(Duration::from_secs(60));
        window.remember("a", applied(1, "Pending", "pay", "Paid"), at(100));
        assert!(window.get_at("a", at(159)).is_some());
        assert!(window.get_at("a", at(160)).is_none());
        // Back before the entry: age zero, still remembered; no panic.
        assert!(window.get_at("a", at(5)).is_some());
        // Without a wall clock nothing expires by age.
        assert!(window.get_at("a", None).is_some());
        window.forget_expired(at(1_000));
        assert!(window.is_empty());
    }

    #[test]
    fn expired_ids_at_the_front_go_and_a_forgotten_id_can_return() {
        let mut window = Window::new(10).with_max_age(Duration::from_secs(60));
        window.remember("a", applied(1, "Pending", "pay", "Paid"), at(100));
        // The wall clock went back 90 s before "b" was applied.
        window.remember("b", rejected(2, "Paid", "pay"), at(10));
        window.remember("c", applied(3, "Paid", "ship", "Shipped"), at(200));
        window.forget_expired(at(165));
        // "a" expired and was at the front; "b" expired too and goes; "c" stays.
        assert_eq!(ids(&window), ["c"]);
        window.remember("c", applied(4, "Shipped", "deliver", "Delivered"), at(300));
        assert_eq!(ids(&window), ["c"]);
        assert_eq!(window.get("c").unwrap().record().sequence(), 4);
    }
}
