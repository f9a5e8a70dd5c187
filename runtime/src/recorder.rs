//! Where records go: the [`Recorder`] trait and the in-memory recorders.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::convert::Infallible;
use core::fmt;

use crate::definition::StateId;
use crate::record::Record;

/// A sink for [`Record`]s. Every machine owns one and hands it every record before the new
/// state can be observed.
///
/// A recorder that cannot fail (memory, a ring buffer, a log line) uses
/// [`Infallible`](core::convert::Infallible) as its error, and the typed API then returns
/// the next machine directly. A recorder that can fail (a file, a database) names an error type
/// that implements [`RecordError`]; the typed API then returns a `Result`, and when the
/// recorder refuses a record the transition does not happen: the machine is handed back
/// unchanged in [`Refused`]. See [`Step`].
///
/// ```
/// use core::convert::Infallible;
/// use statewright_runtime::{Record, Recorder};
///
/// /// Counts transitions and remembers only the last record.
/// #[derive(Default)]
/// struct Last {
///     count: u64,
///     last: Option<Record>,
/// }
///
/// impl Recorder for Last {
///     type Error = Infallible;
///
///     fn record(&mut self, record: &Record) -> Result<(), Infallible> {
///         self.count += 1;
///         self.last = Some(*record);
///         Ok(())
///     }
/// }
/// # let _ = Last::default();
/// ```
pub trait Recorder {
    /// [`Infallible`](core::convert::Infallible) when recording cannot fail; otherwise an
    /// error type that implements [`RecordError`].
    type Error: Fallibility;

    /// Stores `record`. On error the transition it describes does not happen.
    fn record(&mut self, record: &Record) -> Result<(), Self::Error>;

    /// Whether records given to this recorder carry the wall-clock time
    /// ([`Record::at`]); `true` by default (with the `std` feature).
    ///
    /// Reading the clock costs more than a transition (about 30 ns per record on the benchmark
    /// machine, see BENCHMARKS.md), so recorders that time records themselves (a journal,
    /// with its own [`Clock`](crate::Clock)) or that do not need the time say `false`, and
    /// [`Untimed`] turns it off for any recorder. (A method rather than a constant, so that
    /// `dyn Recorder` stays possible; for a concrete recorder it inlines to a constant.)
    #[inline(always)]
    fn timestamps(&self) -> bool {
        true
    }

    /// What the recorder already holds for the machine it records, if it knows: the sequence
    /// number of its last record and the state it left the machine in. A journal knows;
    /// in-memory recorders do not (`None`, the default). Restoring a snapshot checks against it.
    fn position(&self) -> Option<(u64, StateId)> {
        None
    }

    /// The instance id the recorder writes for, if it has one (a journal's recorder does).
    /// Restoring a snapshot of another instance into it is refused.
    fn instance(&self) -> Option<&str> {
        None
    }

    /// The id of the event whose record comes next (`Some`), or the end of that event
    /// (`None`). [`Idempotent`](crate::Idempotent) announces each event's id (a message id,
    /// for example) before it applies the event and clears it afterwards, so that a durable
    /// recorder can store the id beside the record and the window of remembered ids can be
    /// rebuilt after a restart (the journal's `event_id` field). The id is cleared at the end
    /// of the event however it ends, also while a panic in a hook or a recorder unwinds, so a
    /// later record is never stored under it. Ignored by default.
    ///
    /// ```
    /// use core::convert::Infallible;
    /// use statewright_runtime::{Record, Recorder};
    ///
    /// /// Keeps the id of each record's event, if it had one.
    /// #[derive(Default)]
    /// struct Ids {
    ///     next: Option<String>,
    ///     ids: Vec<Option<String>>,
    /// }
    ///
    /// impl Recorder for Ids {
    ///     type Error = Infallible;
    ///
    ///     fn record(&mut self, _: &Record) -> Result<(), Infallible> {
    ///         self.ids.push(self.next.clone());
    ///         Ok(())
    ///     }
    ///
    ///     fn event_id(&mut self, id: Option<&str>) {
    ///         self.next = id.map(String::from);
    ///     }
    /// }
    /// # let _ = Ids::default();
    /// ```
    #[inline(always)]
    fn event_id(&mut self, _id: Option<&str>) {}
}

/// Marks an error type as one that a fallible [`Recorder`] returns to refuse a transition.
///
/// Implement it for your own error type (it has no methods):
///
/// ```
/// #[derive(Debug)]
/// struct JournalFull;
///
/// impl statewright_runtime::RecordError for JournalFull {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a `Recorder`",
    label = "`{Self}` does not implement `RecordError`",
    note = "use `core::convert::Infallible` for a recorder that cannot fail, or implement `statewright::RecordError` for your own error type (it has no methods)"
)]
pub trait RecordError {}

#[cfg(feature = "std")]
impl RecordError for std::io::Error {}

impl RecordError for Box<dyn core::error::Error + Send + Sync> {}

/// How a recorder's error type shapes what a typed transition returns; implemented for
/// [`Infallible`](core::convert::Infallible) and for every [`RecordError`].
///
/// You never implement this trait: implement [`RecordError`] instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a `Recorder`",
    label = "`{Self}` is neither `Infallible` nor a `RecordError`",
    note = "use `core::convert::Infallible` for a recorder that cannot fail, or implement `statewright::RecordError` for your own error type (it has no methods)"
)]
pub trait Fallibility: Sized {
    /// What a typed transition returns: `Next` for an infallible recorder,
    /// `Result<Next, Refused<Prev, Self>>` for a fallible one.
    type Step<Next, Prev>;

    /// Wraps the outcome of a typed transition.
    #[doc(hidden)]
    fn step<Next, Prev>(result: Result<Next, (Prev, Self)>) -> Self::Step<Next, Prev>;
}

impl Fallibility for Infallible {
    type Step<Next, Prev> = Next;

    #[inline(always)]
    fn step<Next, Prev>(result: Result<Next, (Prev, Self)>) -> Next {
        match result {
            Ok(next) => next,
            Err((_, never)) => match never {},
        }
    }
}

impl<E: RecordError> Fallibility for E {
    type Step<Next, Prev> = Result<Next, Refused<Prev, E>>;

    #[inline(always)]
    fn step<Next, Prev>(result: Result<Next, (Prev, Self)>) -> Self::Step<Next, Prev> {
        result.map_err(|(machine, error)| Refused { machine, error })
    }
}

/// What a typed transition method returns for a machine whose recorder is `R`: the machine in
/// its next state (`Next`) when `R` cannot fail, and `Result<Next, Refused<Prev, _>>` when it
/// can.
pub type Step<R, Next, Prev> = <<R as Recorder>::Error as Fallibility>::Step<Next, Prev>;

/// A typed transition that did not happen because the recorder refused its record: the
/// machine, unchanged, and the recorder's error.
///
/// ```
/// use statewright::{state_machine, Record, RecordError, Recorder, TypedMachine};
///
/// #[state_machine]
/// #[derive(Debug)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open)]
///     Closed,
///     #[on(close -> Closed)]
///     Open,
/// }
///
/// #[derive(Debug)]
/// struct Offline;
/// impl RecordError for Offline {}
///
/// /// A journal whose storage is gone: it refuses every record.
/// struct Journal;
/// impl Recorder for Journal {
///     type Error = Offline;
///     fn record(&mut self, _: &Record) -> Result<(), Offline> {
///         Err(Offline)
///     }
/// }
///
/// # fn main() {
/// // With a recorder that can fail, a transition returns a `Result`.
/// let refused = door::start_with(Journal).open().unwrap_err();
/// let door = refused.into_machine(); // still `Closed`, nothing recorded
/// assert_eq!((door.state_info().name(), door.sequence()), ("Closed", 0));
/// # }
/// ```
#[derive(Debug)]
pub struct Refused<M, E> {
    pub(crate) machine: M,
    pub(crate) error: E,
}

impl<M, E> Refused<M, E> {
    /// The machine, still in the state it was in before the attempt.
    pub fn into_machine(self) -> M {
        self.machine
    }

    /// The recorder's error.
    pub fn error(&self) -> &E {
        &self.error
    }

    /// The machine and the error.
    pub fn into_parts(self) -> (M, E) {
        (self.machine, self.error)
    }
}

impl<M, E: fmt::Display> fmt::Display for Refused<M, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the transition did not happen: {}", self.error)
    }
}

impl<M: fmt::Debug, E: core::error::Error + 'static> core::error::Error for Refused<M, E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Two recorders at once: `(durable, observer)`. The first may fail; the second must not, and
/// sees a record only once the first has taken it. So a journal and an in-memory log (or
/// tracing) compose without disagreeing: if the journal refuses a record, nobody saw it and the
/// transition does not happen. Nest pairs for more: `(journal, (tracing, memory))`.
///
/// ```
/// use statewright::{state_machine, Memory, Ring, TypedMachine};
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
/// let light = light::start_with((Memory::new(), Ring::new(1))).toggle().toggle();
/// let (all, last) = light.recorder();
/// assert_eq!(all.len(), 2);
/// assert_eq!(last.iter().next().unwrap().to_string(), "#2 On --toggle--> Off");
/// # }
/// ```
impl<A: Recorder, B: Recorder<Error = Infallible>> Recorder for (A, B) {
    type Error = A::Error;

    #[inline(always)]
    fn timestamps(&self) -> bool {
        self.0.timestamps() || self.1.timestamps()
    }

    #[inline]
    fn record(&mut self, record: &Record) -> Result<(), Self::Error> {
        self.0.record(record)?;
        let Ok(()) = self.1.record(record);
        Ok(())
    }

    fn position(&self) -> Option<(u64, StateId)> {
        self.0.position().or_else(|| self.1.position())
    }

    fn instance(&self) -> Option<&str> {
        self.0.instance().or_else(|| self.1.instance())
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.0.event_id(id);
        self.1.event_id(id);
    }
}

/// A recorder whose records carry no wall-clock time: the clock is not read at all, which
/// makes a transition several times cheaper (see BENCHMARKS.md). For machines whose records
/// are only counted, replayed or compared, or timed elsewhere.
///
/// ```
/// use statewright::{state_machine, Memory, TypedMachine, Untimed};
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
/// let light = light::start_with(Untimed(Memory::new())).toggle();
/// assert_eq!(light.recorder().0.last().unwrap().at(), None);
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Untimed<R>(pub R);

impl<R: Recorder> Recorder for Untimed<R> {
    type Error = R::Error;

    #[inline(always)]
    fn timestamps(&self) -> bool {
        false
    }

    #[inline]
    fn record(&mut self, record: &Record) -> Result<(), Self::Error> {
        self.0.record(record)
    }

    fn position(&self) -> Option<(u64, StateId)> {
        self.0.position()
    }

    fn instance(&self) -> Option<&str> {
        self.0.instance()
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.0.event_id(id);
    }
}

impl<R: Recorder + ?Sized> Recorder for &mut R {
    type Error = R::Error;

    #[inline(always)]
    fn timestamps(&self) -> bool {
        (**self).timestamps()
    }

    fn record(&mut self, record: &Record) -> Result<(), Self::Error> {
        (**self).record(record)
    }

    fn position(&self) -> Option<(u64, StateId)> {
        (**self).position()
    }

    fn instance(&self) -> Option<&str> {
        (**self).instance()
    }

    fn event_id(&mut self, id: Option<&str>) {
        (**self).event_id(id);
    }
}

impl<R: Recorder + ?Sized> Recorder for Box<R> {
    type Error = R::Error;

    #[inline(always)]
    fn timestamps(&self) -> bool {
        (**self).timestamps()
    }

    fn record(&mut self, record: &Record) -> Result<(), Self::Error> {
        (**self).record(record)
    }

    fn position(&self) -> Option<(u64, StateId)> {
        (**self).position()
    }

    fn instance(&self) -> Option<&str> {
        (**self).instance()
    }

    fn event_id(&mut self, id: Option<&str>) {
        (**self).event_id(id);
    }
}

/// Keeps every record in memory, in order. The default recorder.
///
/// It grows without bound: for a long-lived machine, give it room up front
/// ([`Memory::with_capacity`]; a growing buffer cost the TCP benchmark 87 ns per event against
/// 56 ns with room, see BENCHMARKS.md), keep only the newest records with [`Ring`], or send them
/// to a journal. Each record also reads the wall clock; [`Untimed`] skips that.
///
/// ```
/// use statewright_runtime::Memory;
///
/// let memory = Memory::new();
/// assert!(memory.is_empty());
/// assert_eq!(memory.to_string(), "");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Memory {
    records: Vec<Record>,
}

impl Memory {
    /// An empty recorder.
    pub const fn new() -> Self {
        Memory {
            records: Vec::new(),
        }
    }

    /// An empty recorder with room for `capacity` records before it allocates again.
    pub fn with_capacity(capacity: usize) -> Self {
        Memory {
            records: Vec::with_capacity(capacity),
        }
    }

    /// The records, oldest first.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The records, oldest first.
    pub fn iter(&self) -> core::slice::Iter<'_, Record> {
        self.records.iter()
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The newest record.
    pub fn last(&self) -> Option<&Record> {
        self.records.last()
    }

    /// The records, oldest first.
    pub fn into_vec(self) -> Vec<Record> {
        self.records
    }
}

impl Recorder for Memory {
    type Error = Infallible;

    #[inline]
    fn record(&mut self, record: &Record) -> Result<(), Infallible> {
        self.records.push(*record);
        Ok(())
    }
}

impl From<Vec<Record>> for Memory {
    /// A recorder that starts with `records`, for example the history a machine was resumed
    /// from.
    fn from(records: Vec<Record>) -> Self {
        Memory { records }
    }
}

impl<'a> IntoIterator for &'a Memory {
    type Item = &'a Record;
    type IntoIter = core::slice::Iter<'a, Record>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.records).finish()
    }
}

impl fmt::Display for Memory {
    /// One record per line (see [`Record`]'s `Display`); `{:#}` adds times.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_lines(f, self.records.iter())
    }
}

fn write_lines<'a>(
    f: &mut fmt::Formatter<'_>,
    records: impl Iterator<Item = &'a Record>,
) -> fmt::Result {
    for r in records {
        if f.alternate() {
            writeln!(f, "{r:#}")?;
        } else {
            writeln!(f, "{r}")?;
        }
    }
    Ok(())
}

/// Keeps the newest `capacity` records and counts the ones it dropped: for long-lived machines
/// whose full history lives elsewhere (or nowhere).
///
/// ```
/// use statewright_runtime::Ring;
///
/// let ring = Ring::new(64);
/// assert_eq!(ring.capacity(), 64);
/// assert_eq!(ring.dropped(), 0);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Ring {
    records: VecDeque<Record>,
    capacity: usize,
    dropped: u64,
}

impl Ring {
    /// A ring that keeps at most `capacity` records. With a capacity of 0 it keeps none and only
    /// counts.
    pub fn new(capacity: usize) -> Self {
        Ring {
            records: VecDeque::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// The most records it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many records it has dropped to make room.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The records it keeps, oldest first.
    pub fn iter(&self) -> alloc::collections::vec_deque::Iter<'_, Record> {
        self.records.iter()
    }

    /// The number of records it keeps.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether it keeps no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The newest record.
    pub fn last(&self) -> Option<&Record> {
        self.records.back()
    }
}

impl Recorder for Ring {
    type Error = Infallible;

    #[inline]
    fn record(&mut self, record: &Record) -> Result<(), Infallible> {
        if self.capacity == 0 {
            self.dropped += 1;
            return Ok(());
        }
        if self.records.len() == self.capacity {
            self.records.pop_front();
            self.dropped += 1;
        }
        self.records.push_back(*record);
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Ring {
    type Item = &'a Record;
    type IntoIter = alloc::collections::vec_deque::Iter<'a, Record>;

    fn into_iter(self) -> Self::IntoIter {
        self.records.iter()
    }
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.capacity)
            .field("dropped", &self.dropped)
            .field("records", &self.records)
            .finish()
    }
}

impl fmt::Display for Ring {
    /// `... N earlier records dropped` when it dropped any, then one record per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dropped > 0 {
            writeln!(f, "... {} earlier records dropped", self.dropped)?;
        }
        write_lines(f, self.records.iter())
    }
}
