//! The async journals: [`AsyncJournal`] and its recorder, the same logic as the synchronous
//! [`Journal`](crate::Journal), awaited.

use core::future::Future;
use std::borrow::ToOwned;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;
use statewright_runtime::{
    AsyncRecorder, Awaited, Definition, Dynamic, Record, Rejection, StateId, StateInfo,
    StateMachine, Window,
};

use crate::shared::{Inner, JournalRecorder, Tail};
use crate::{Applied, ApplyError, AsyncBackend, Entry, SqlError};

/// A journal of one machine's records in a database, for async code: the synchronous
/// [`Journal`](crate::Journal)'s tables, guarantees and methods, each awaited, and machines
/// that record through an [`AsyncRecorder`] ([`Dynamic`] with [`Awaited`], whose `apply` is
/// awaited). Open one with
/// [`AsyncSqliteJournal::open`](crate::sqlite::AsyncSqliteJournal) (feature `sqlite-async`) or
/// [`AsyncPgJournal::connect`](crate::postgres::AsyncPgJournal) (feature `postgres-async`).
///
/// No method blocks the thread it is polled on, so it works in any task of a current-thread
/// or multi-thread runtime; its futures are `Send`, for `tokio::spawn`. Cheap to clone: clones
/// share one connection and take turns on it.
///
/// Cancel safety: dropping a read's future (`state`, `history`, ...) changes nothing. For an
/// append dropped before its answer came back, the database may or may not have committed the
/// record (as when a connection is lost): the [`Dynamic`] that was applying it is poisoned,
/// and the stored history is a legal path either way. Load the instance again to go on.
///
/// ```
/// # #[cfg(feature = "sqlite-async")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use statewright::sql::sqlite::{rusqlite::Connection, self, AsyncSqliteJournal};
/// use statewright::{state_machine, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug, Clone, PartialEq)]
/// enum Ticket {
///     #[initial]
///     #[on(take -> Taken)]
///     Open,
///     #[on(close -> Closed)]
///     Taken,
///     #[terminal]
///     Closed,
/// }
///
/// let ticket = |state: statewright::StateInfo| match state.name() {
///     "Open" => Ticket::Open,
///     "Taken" => Ticket::Taken,
///     _ => Ticket::Closed,
/// };
/// let connection = Connection::open_in_memory()?;
/// sqlite::migrate(&connection)?;
/// let journal = AsyncSqliteJournal::from_connection(connection, Ticket::DEFINITION).await?;
///
/// // Loads the ticket, applies `take`, retries on a conflict with another writer.
/// let applied = journal.apply("t-1", ticket::Event::Take, 5, ticket).await?;
/// assert_eq!(applied.record.to_string(), "#1 Open --take--> Taken");
/// let mut t = journal.resume("t-1", ticket).await?;
/// t.apply(ticket::Event::Close).await?;
/// assert_eq!(journal.history("t-1").await?.len(), 2);
/// assert_eq!(journal.instances_in("Closed").await?.len(), 1);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sqlite-async"))]
/// # fn main() {}
/// ```
pub struct AsyncJournal<B> {
    inner: Inner<B>,
}

impl<B: Clone> Clone for AsyncJournal<B> {
    fn clone(&self) -> Self {
        AsyncJournal {
            inner: self.inner.clone(),
        }
    }
}

impl<B> core::fmt::Debug for AsyncJournal<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncJournal")
            .field("machine", &self.inner.definition.name())
            .finish_non_exhaustive()
    }
}

/// The machine an async journal resumes: a [`Dynamic`] recording through the journal.
pub type AsyncMachine<M, B> = Dynamic<M, Awaited<AsyncSqlRecorder<B>>>;

impl<B: AsyncBackend> AsyncJournal<B> {
    /// Checks the schema and the machine's fingerprint row, and makes the journal.
    pub(crate) async fn with_backend(
        backend: B,
        definition: &'static Definition,
    ) -> Result<Self, SqlError> {
        Inner::open(backend, definition)
            .await
            .map(|inner| AsyncJournal { inner })
    }

    /// The database connection.
    #[cfg(feature = "sqlite-async")]
    pub(crate) fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The machine the journal records.
    pub fn definition(&self) -> &'static Definition {
        self.inner.definition
    }

    /// A recorder that appends `instance`'s records, for a new machine
    /// (`Dynamic::start_with(state, Awaited(recorder))`); [`resume`](Self::resume) and
    /// [`load`](Self::load) give machines that continue a stored instance. A record that does
    /// not continue the instance in the database is refused with [`SqlError::Conflict`].
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
    /// let mut front = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("front")))?;
    /// front.apply(door::Event::Open).await?;
    /// // A second machine for the same instance is behind the database: its append conflicts.
    /// let mut stale = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("front")))?;
    /// let conflict = stale.apply(door::Event::Open).await.unwrap_err();
    /// assert!(conflict.to_string().contains("has the instance in `Open` at #1"), "{conflict}");
    /// assert_eq!(stale.state(), &Door::Closed);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    pub fn recorder(&self, instance: impl Into<String>) -> AsyncSqlRecorder<B> {
        AsyncSqlRecorder {
            journal: self.clone(),
            tail: Tail::new(instance.into(), None),
        }
    }

    /// The current state of `instance` and the sequence number of its last record, or `None`
    /// when the journal has no record of it; see [`Journal::state`](crate::Journal::state).
    pub async fn state(&self, instance: &str) -> Result<Option<(StateInfo, u64)>, SqlError> {
        self.inner.state(instance).await
    }

    /// Every instance with its current state and last sequence number, each verified; see
    /// [`Journal::instances`](crate::Journal::instances).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
    /// for id in ["back", "front"] {
    ///     let mut door = Dynamic::start_with(Door::Closed, Awaited(journal.recorder(id)))?;
    ///     door.apply(door::Event::Open).await?;
    /// }
    /// let all: Vec<_> = journal.instances().await?.into_iter().collect::<Result<_, _>>()?;
    /// let names: Vec<_> = all.iter().map(|(id, state, n)| (id.as_str(), state.name(), *n)).collect();
    /// assert_eq!(names, [("back", "Open", 1), ("front", "Open", 1)]);
    /// assert_eq!(journal.instances_in("Closed").await?.len(), 0);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    #[allow(clippy::type_complexity)] // one result per instance, in one result for the query
    pub async fn instances(
        &self,
    ) -> Result<Vec<Result<(String, StateInfo, u64), SqlError>>, SqlError> {
        self.inner.instances().await
    }

    /// The instances currently in the state named `state`, each verified; see
    /// [`Journal::instances_in`](crate::Journal::instances_in).
    pub async fn instances_in(
        &self,
        state: &str,
    ) -> Result<Vec<Result<String, SqlError>>, SqlError> {
        self.inner.instances_in(state).await
    }

    /// `instance`'s records, in order, verified; see [`Journal::history`](crate::Journal::history).
    pub async fn history(&self, instance: &str) -> Result<Vec<Record>, SqlError> {
        self.inner.history(instance).await
    }

    /// `instance`'s records with the time it spent in each record's `from` state; see
    /// [`Journal::entries`](crate::Journal::entries).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
    /// let mut front = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("front")))?;
    /// front.apply(door::Event::Open).await?;
    /// front.apply(door::Event::Close).await?;
    /// let entries = journal.entries("front").await?;
    /// // This writer saw the door enter each state, so it knows how long it stayed.
    /// assert!(entries.iter().all(|entry| entry.in_state.is_some()));
    /// assert_eq!(journal.history("front").await?.len(), 2);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    pub async fn entries(&self, instance: &str) -> Result<Vec<Entry>, SqlError> {
        self.inner.entries(instance).await
    }

    /// The window of event ids of `instance`, for an [`Idempotent`](statewright_runtime::Idempotent)
    /// machine resumed after a restart; see [`Journal::window`](crate::Journal::window).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
    /// use statewright::AsyncRecorder;
    ///
    /// let mut front = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("front")))?;
    /// front.recorder_mut().0.event_id(Some("m-1")); // the id of the event applied next
    /// front.apply(door::Event::Open).await?;
    ///
    /// // After a restart, the window of ids comes back from the rows.
    /// let window = journal.window("front", 100, None).await?;
    /// assert_eq!(window.iter().map(|(id, _)| id).collect::<Vec<_>>(), ["m-1"]);
    /// // And the database refuses the id again, beyond any window.
    /// let mut front = journal.resume("front", |_| Door::Open).await?;
    /// front.recorder_mut().0.event_id(Some("m-1"));
    /// let duplicate = front.apply(door::Event::Close).await.unwrap_err();
    /// assert!(duplicate.to_string().contains("already has the event `m-1`"), "{duplicate}");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    pub async fn window(
        &self,
        instance: &str,
        max_ids: usize,
        max_age: Option<Duration>,
    ) -> Result<Window, SqlError> {
        self.inner.window(instance, max_ids, max_age).await
    }

    /// A dynamic machine that continues `instance` (a new one in the initial state when the
    /// journal has no record of it), recording into this journal; `state` gives the value of
    /// the stored state. See [`Journal::resume`](crate::Journal::resume).
    pub async fn resume<M: StateMachine<Context = ()>>(
        &self,
        instance: &str,
        state: impl FnOnce(StateInfo) -> M,
    ) -> Result<AsyncMachine<M, B>, SqlError> {
        self.resume_with_context(instance, (), state).await
    }

    /// [`resume`](Self::resume) for a machine with a shared context.
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
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
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
    /// #[derive(Debug, Clone, Default)]
    /// struct Visits(u32);
    ///
    /// #[state_machine(context = Visits)]
    /// #[derive(Debug, Clone, PartialEq)]
    /// enum Lamp {
    ///     #[initial]
    ///     #[on(switch -> On)]
    ///     Off,
    ///     #[on(switch -> Off)]
    ///     On,
    /// }
    ///
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let lamps = AsyncSqliteJournal::from_connection(connection, Lamp::DEFINITION).await?;
    /// let mut hall = lamps.resume_with_context("hall", Visits(3), |_| Lamp::Off).await?;
    /// hall.apply(lamp::Event::Switch).await?;
    /// assert_eq!((hall.state(), hall.context().0), (&Lamp::On, 3));
    /// # let _ = journal;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    pub async fn resume_with_context<M: StateMachine>(
        &self,
        instance: &str,
        context: M::Context,
        state: impl FnOnce(StateInfo) -> M,
    ) -> Result<AsyncMachine<M, B>, SqlError> {
        self.inner
            .resume_with_context(instance, context, state)
            .await
    }

    /// Applies `event` to `instance`: loads it, applies the event, and on a
    /// [`Conflict`](crate::Conflict) loads it again and applies again, at most `attempts`
    /// times in all; see [`Journal::apply`](crate::Journal::apply) and the example on
    /// [`AsyncJournal`].
    #[allow(clippy::type_complexity)] // the rejection's parameters are each needed
    pub async fn apply<M: StateMachine<Context = ()>>(
        &self,
        instance: &str,
        event: M::Event,
        attempts: u32,
        state: impl FnMut(StateInfo) -> M,
    ) -> Result<Applied, ApplyError<M::Event, M::HookError>> {
        self.inner
            .apply::<M, Awaited<AsyncSqlRecorder<B>>>(instance, event, attempts, state)
            .await
    }

    /// Saves a snapshot of `machine` (state data included) as `instance`, for
    /// [`load`](Self::load); see [`Journal::save_snapshot`](crate::Journal::save_snapshot).
    pub async fn save_snapshot<M, R>(
        &self,
        machine: &Dynamic<M, R>,
        instance: &str,
    ) -> Result<(), SqlError>
    where
        M: StateMachine<Context: Clone + Serialize> + Clone + Serialize,
    {
        self.inner.save_snapshot(machine, instance).await
    }

    /// The machine of `instance` from its newest snapshot, continuing its records: `None`
    /// when the journal has no record and no snapshot of it; see
    /// [`Journal::load`](crate::Journal::load).
    ///
    /// ```
    /// # #[cfg(feature = "sqlite-async")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
    /// use statewright::{state_machine, Awaited, Dynamic, StateMachine};
    ///
    /// #[state_machine]
    /// #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    /// enum Order {
    ///     #[initial]
    ///     #[on(pay -> Paid)]
    ///     Pending,
    ///     #[terminal]
    ///     Paid { amount_cents: u64 },
    /// }
    ///
    /// let connection = Connection::open_in_memory()?;
    /// sqlite::migrate(&connection)?;
    /// let journal = AsyncSqliteJournal::from_connection(connection, Order::DEFINITION).await?;
    /// let mut o = Dynamic::start_with(Order::Pending, Awaited(journal.recorder("o-1")))?;
    /// o.apply(order::Event::Pay { amount_cents: 990 }).await?;
    /// journal.save_snapshot(&o, "o-1").await?;
    ///
    /// let o = journal.load::<Order>("o-1").await?.expect("o-1 is stored");
    /// assert_eq!((o.state(), o.sequence()), (&Order::Paid { amount_cents: 990 }, 1));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sqlite-async"))]
    /// # fn main() {}
    /// ```
    pub async fn load<M>(&self, instance: &str) -> Result<Option<AsyncMachine<M, B>>, SqlError>
    where
        M: StateMachine<Context: Clone + DeserializeOwned> + Clone + DeserializeOwned,
    {
        self.inner.load(instance).await
    }
}

/// The [`AsyncRecorder`] of one instance in an [`AsyncJournal`]: see
/// [`AsyncJournal::recorder`]. A machine holds it as `Awaited(recorder)`.
///
/// Each record is one `INSERT` (its own transaction), awaited before the transition is
/// applied, as the synchronous [`SqlRecorder`](crate::SqlRecorder) does.
///
/// ```
/// # #[cfg(feature = "sqlite-async")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use statewright::sql::sqlite::{self, rusqlite::Connection, AsyncSqliteJournal};
/// use statewright::{state_machine, Awaited, Dynamic, StateMachine, TypedMachine};
///
/// #[state_machine(async)] // typed transitions for awaited recorders too
/// #[derive(Debug, Clone, PartialEq)]
/// enum Door {
///     #[initial]
///     #[on(open -> Open)]
///     Closed,
///     #[on(close -> Closed)]
///     Open,
/// }
///
/// let connection = Connection::open_in_memory()?;
/// sqlite::migrate(&connection)?;
/// let journal = AsyncSqliteJournal::from_connection(connection, Door::DEFINITION).await?;
/// let recorder = journal.recorder("front");
/// assert_eq!(recorder.instance(), "front");
/// // Typed: `open` exists only where the door can open, and is awaited.
/// let open = door::start_with(Awaited(recorder)).open().await?;
/// assert_eq!(open.sequence(), 1);
/// // Dynamic.
/// let mut back = Dynamic::start_with(Door::Closed, Awaited(journal.recorder("back")))?;
/// back.apply(door::Event::Open).await?;
/// assert_eq!(journal.instances_in("Open").await?.len(), 2);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sqlite-async"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct AsyncSqlRecorder<B> {
    journal: AsyncJournal<B>,
    tail: Tail,
}

impl<B> AsyncSqlRecorder<B> {
    /// The instance this recorder writes.
    pub fn instance(&self) -> &str {
        &self.tail.instance
    }

    /// The journal.
    pub fn journal(&self) -> &AsyncJournal<B> {
        &self.journal
    }
}

impl<B: AsyncBackend> AsyncRecorder for AsyncSqlRecorder<B> {
    type Error = SqlError;

    /// The journal writes the time of the append into each row.
    fn timestamps(&self) -> bool {
        false
    }

    fn record(&mut self, record: &Record) -> impl Future<Output = Result<(), SqlError>> {
        self.journal.inner.append(&mut self.tail, record)
    }

    fn instance(&self) -> Option<&str> {
        Some(&self.tail.instance)
    }

    fn event_id(&mut self, id: Option<&str>) {
        self.tail.event_id = id.map(ToOwned::to_owned);
    }

    /// Where the instance was at this recorder's last read or write (from
    /// [`resume`](AsyncJournal::resume), [`load`](AsyncJournal::load), an append or a
    /// conflict); `None` for a new recorder, which has read nothing yet (a position cannot be
    /// read here without waiting).
    fn position(&self) -> Option<(u64, StateId)> {
        self.tail.position
    }
}

impl<B: AsyncBackend> JournalRecorder<B> for Awaited<AsyncSqlRecorder<B>> {
    fn new(inner: &Inner<B>, instance: String, at: Option<(u64, StateId)>) -> Self {
        Awaited(AsyncSqlRecorder {
            journal: AsyncJournal {
                inner: inner.clone(),
            },
            tail: Tail::new(instance, at),
        })
    }

    fn apply<M: StateMachine>(
        machine: &mut Dynamic<M, Self>,
        event: M::Event,
    ) -> impl Future<Output = Result<Record, Rejection<M::Event, SqlError, M::HookError>>> {
        machine.apply(event)
    }
}
