//! Records: one per transition attempt.

use core::fmt;

use crate::definition::{Definition, EventId, EventInfo, StateId, StateInfo};
use crate::time::Timestamp;

/// What became of a transition attempt.
///
/// ```
/// use statewright::{state_machine, Dynamic, Outcome};
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
/// # fn main() {
/// let mut door = Dynamic::start(Door::Closed).unwrap();
/// door.apply(door::Event::Close).unwrap_err();
/// let record = door.recorder().last().unwrap();
/// assert_eq!(record.outcome(), Outcome::Rejected);
/// assert_eq!(record.outcome().as_str(), "rejected");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The transition happened: the machine moved from `from` to `to`.
    Applied,
    /// The event is not allowed in `from`; the machine stayed there (`to == from`).
    Rejected,
}

impl Outcome {
    /// `"applied"` or `"rejected"`: the spelling used in serialized records.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Rejected => "rejected",
        }
    }
}

/// The record of one transition attempt: sequence number, from, event, to, outcome and, when a
/// clock exists (the `std` feature), the wall-clock time.
///
/// A record refers to its machine's [`Definition`] and to states and events by index, so
/// writing one is a small copy: no allocation, no formatting. It prints with the names:
///
/// ```
/// use statewright::{state_machine, Dynamic, Outcome, Record, StateMachine};
///
/// #[state_machine]
/// #[derive(Debug)]
/// enum Light {
///     #[initial]
///     #[on(switch_on -> On)]
///     Off,
///     #[on(switch_off -> Off)]
///     On,
/// }
///
/// # fn main() {
/// let mut light = Dynamic::start(Light::Off).unwrap();
/// let record = light.apply(light::Event::SwitchOn).unwrap();
/// assert_eq!(record.to_string(), "#1 Off --switch_on--> On");
/// assert_eq!((record.from().name(), record.to().name()), ("Off", "On"));
///
/// let rejected = light.apply(light::Event::SwitchOn).unwrap_err();
/// let record = light.recorder().last().unwrap();
/// assert_eq!(record.to_string(), "#2 On --switch_on--x rejected");
/// assert_eq!(record.outcome(), Outcome::Rejected);
///
/// // Tools that bring records from elsewhere build them by name, checked against the
/// // definition.
/// let r = Record::from_names(Light::DEFINITION, 3, "On", "switch_off", "Off", Outcome::Applied, None);
/// assert_eq!(r.unwrap().to_string(), "#3 On --switch_off--> Off");
/// # let _ = rejected;
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Record {
    pub(crate) definition: &'static Definition,
    pub(crate) sequence: u64,
    pub(crate) from: StateId,
    pub(crate) event: EventId,
    pub(crate) to: StateId,
    pub(crate) outcome: Outcome,
    pub(crate) at: Option<Timestamp>,
}

/// Why [`Record::from_names`] or [`Record::new`] refused to build a record.
///
/// ```
/// use statewright::{state_machine, InvalidRecord, Outcome, Record, StateMachine};
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
/// let bad = Record::from_names(Door::DEFINITION, 1, "Closed", "kick", "Open", Outcome::Applied, None);
/// assert_eq!(bad, Err(InvalidRecord::UnknownEvent("kick".into())));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRecord {
    /// No state of the machine has this name (or index).
    UnknownState(alloc::string::String),
    /// No event of the machine has this name (or index).
    UnknownEvent(alloc::string::String),
    /// A rejected record must stay in its state (`to == from`).
    RejectionMovedState,
    /// Sequence numbers start at 1.
    ZeroSequence,
}

impl fmt::Display for InvalidRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidRecord::UnknownState(name) => write!(f, "unknown state `{name}`"),
            InvalidRecord::UnknownEvent(name) => write!(f, "unknown event `{name}`"),
            InvalidRecord::RejectionMovedState => {
                f.write_str("a rejected record must stay in its state (`to` equal to `from`)")
            }
            InvalidRecord::ZeroSequence => f.write_str("sequence numbers start at 1"),
        }
    }
}

impl core::error::Error for InvalidRecord {}

impl Record {
    #[inline]
    pub(crate) fn build(
        definition: &'static Definition,
        sequence: u64,
        from: StateId,
        event: EventId,
        to: StateId,
        outcome: Outcome,
        timed: bool,
    ) -> Self {
        Record {
            definition,
            sequence,
            from,
            event,
            to,
            outcome,
            at: if timed { now() } else { None },
        }
    }

    /// A record built from ids, checked against `definition`.
    ///
    /// Records are normally written by machines; this constructor is for tools and tests
    /// that bring records from elsewhere. Any record that passes these checks can be built,
    /// including ones that do not form a legal path: [`Definition::replay`] is what checks paths.
    pub fn new(
        definition: &'static Definition,
        sequence: u64,
        from: StateId,
        event: EventId,
        to: StateId,
        outcome: Outcome,
        at: Option<Timestamp>,
    ) -> Result<Self, InvalidRecord> {
        use alloc::string::ToString;
        for state in [from, to] {
            if definition.get_state(state).is_none() {
                return Err(InvalidRecord::UnknownState(state.index().to_string()));
            }
        }
        if definition.get_event(event).is_none() {
            return Err(InvalidRecord::UnknownEvent(event.index().to_string()));
        }
        if sequence == 0 {
            return Err(InvalidRecord::ZeroSequence);
        }
        if outcome == Outcome::Rejected && from != to {
            return Err(InvalidRecord::RejectionMovedState);
        }
        Ok(Record {
            definition,
            sequence,
            from,
            event,
            to,
            outcome,
            at,
        })
    }

    /// A record built from state and event names, checked against `definition`
    /// (see [`Record::new`]).
    pub fn from_names(
        definition: &'static Definition,
        sequence: u64,
        from: &str,
        event: &str,
        to: &str,
        outcome: Outcome,
        at: Option<Timestamp>,
    ) -> Result<Self, InvalidRecord> {
        use alloc::string::ToString;
        let state = |name: &str| match definition.state(name) {
            Some(s) => Ok(s.id()),
            None => Err(InvalidRecord::UnknownState(name.to_string())),
        };
        let from = state(from)?;
        let to = state(to)?;
        let event = match definition.event(event) {
            Some(e) => e.id(),
            None => return Err(InvalidRecord::UnknownEvent(event.to_string())),
        };
        Record::new(definition, sequence, from, event, to, outcome, at)
    }

    /// The definition of the machine that wrote this record.
    pub const fn definition(&self) -> &'static Definition {
        self.definition
    }

    /// The machine's name.
    pub const fn machine(&self) -> &'static str {
        self.definition.name
    }

    /// The record's number in its machine instance: 1 for the first attempt, no gaps.
    pub const fn sequence(&self) -> u64 {
        self.sequence
    }

    /// The state the machine was in.
    pub fn from(&self) -> StateInfo {
        self.definition.info(self.from)
    }

    /// The id of the state the machine was in.
    pub const fn from_id(&self) -> StateId {
        self.from
    }

    /// The event that was applied or rejected.
    pub fn event(&self) -> EventInfo {
        self.definition.event_info(self.event)
    }

    /// The id of the event.
    pub const fn event_id(&self) -> EventId {
        self.event
    }

    /// The state the machine is in after the attempt (the same as [`from`](Self::from) when
    /// rejected).
    pub fn to(&self) -> StateInfo {
        self.definition.info(self.to)
    }

    /// The id of the state after the attempt.
    pub const fn to_id(&self) -> StateId {
        self.to
    }

    /// Applied or rejected.
    pub const fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether the transition happened.
    pub fn is_applied(&self) -> bool {
        self.outcome == Outcome::Applied
    }

    /// When the record was written, if a clock was available (the `std` feature): the system
    /// clock, read at most once a millisecond per thread and extrapolated with the CPU's cycle
    /// counter in between (resolution tens of nanoseconds, about a microsecond from the system
    /// clock; see the README's "Records and replay").
    pub const fn at(&self) -> Option<Timestamp> {
        self.at
    }
}

#[cfg(feature = "std")]
#[inline]
fn now() -> Option<Timestamp> {
    crate::time::record_now()
}

#[cfg(not(feature = "std"))]
#[inline]
fn now() -> Option<Timestamp> {
    None
}

impl PartialEq for Record {
    /// Equal when every field is, the time included: two runs of the same path write records
    /// that differ in time. Compare [`sequence`](Record::sequence), [`from`](Record::from),
    /// [`event`](Record::event), [`to`](Record::to) and [`outcome`](Record::outcome) (or the
    /// `Display` text) to ignore it.
    fn eq(&self, other: &Self) -> bool {
        (core::ptr::eq(self.definition, other.definition) || self.definition == other.definition)
            && self.sequence == other.sequence
            && self.from == other.from
            && self.event == other.event
            && self.to == other.to
            && self.outcome == other.outcome
            && self.at == other.at
    }
}

impl Eq for Record {}

impl fmt::Display for Record {
    /// `#3 Paid --ship--> Shipped`, or `#4 Shipped --pay--x rejected`. The alternate form
    /// (`{:#}`) appends ` at <time>` when the record has a time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.outcome {
            Outcome::Applied => write!(
                f,
                "#{} {} --{}--> {}",
                self.sequence,
                self.from().name(),
                self.event().name(),
                self.to().name()
            )?,
            Outcome::Rejected => write!(
                f,
                "#{} {} --{}--x rejected",
                self.sequence,
                self.from().name(),
                self.event().name()
            )?,
        }
        if let (true, Some(at)) = (f.alternate(), self.at) {
            write!(f, " at {at}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("machine", &self.machine())
            .field("sequence", &self.sequence)
            .field("from", &self.from().name())
            .field("event", &self.event().name())
            .field("to", &self.to().name())
            .field("outcome", &self.outcome)
            .field("at", &self.at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::fixture::{LIGHT, ORDER, ORDER_AGAIN, applied};
    use crate::{Outcome, Record, StateId, Timestamp};

    /// `#1 Pending --pay--> Paid` at time 5.
    fn base() -> Record {
        Record {
            at: Some(Timestamp::from_unix_nanos(5)),
            ..applied(1, "Pending", "pay", "Paid")
        }
    }

    #[test]
    fn records_that_differ_in_exactly_one_field_are_not_equal() {
        let base = base();
        let cancel = ORDER.event("cancel").unwrap().id();
        let others = [
            (
                "definition",
                Record {
                    definition: &LIGHT,
                    ..base
                },
            ),
            (
                "sequence",
                Record {
                    sequence: 2,
                    ..base
                },
            ),
            (
                "from",
                Record {
                    from: StateId(1),
                    ..base
                },
            ),
            (
                "event",
                Record {
                    event: cancel,
                    ..base
                },
            ),
            (
                "to",
                Record {
                    to: StateId(2),
                    ..base
                },
            ),
            (
                "outcome",
                Record {
                    outcome: Outcome::Rejected,
                    ..base
                },
            ),
            (
                "at",
                Record {
                    at: Some(Timestamp::from_unix_nanos(6)),
                    ..base
                },
            ),
            ("no time", Record { at: None, ..base }),
        ];
        for (field, other) in others {
            assert_ne!(base, other, "{field}");
            assert_ne!(other, base, "{field}");
        }
        assert_eq!(base, base);
    }

    #[test]
    fn outcomes_spell_and_tell_themselves_apart() {
        assert_eq!(Outcome::Applied.as_str(), "applied");
        assert_eq!(Outcome::Rejected.as_str(), "rejected");
        let applied = base();
        let rejected = crate::fixture::rejected(2, "Paid", "pay");
        assert!(applied.is_applied());
        assert!(!rejected.is_applied());
    }

    #[test]
    fn invalid_records_say_what_is_wrong() {
        use alloc::string::ToString;

        let unknown =
            Record::from_names(&ORDER, 1, "Pending", "kick", "Paid", Outcome::Applied, None);
        let moved =
            Record::from_names(&ORDER, 1, "Pending", "pay", "Paid", Outcome::Rejected, None);
        let zero = Record::from_names(&ORDER, 0, "Pending", "pay", "Paid", Outcome::Applied, None);
        let state = Record::from_names(&ORDER, 1, "Limbo", "pay", "Paid", Outcome::Applied, None);
        let messages = [unknown, moved, zero, state].map(|r| r.unwrap_err().to_string());
        assert_eq!(
            messages,
            [
                "unknown event `kick`",
                "a rejected record must stay in its state (`to` equal to `from`)",
                "sequence numbers start at 1",
                "unknown state `Limbo`",
            ]
        );
    }

    #[test]
    fn records_of_an_equal_definition_at_another_address_are_equal() {
        assert!(!core::ptr::eq(&ORDER, &ORDER_AGAIN));
        let base = base();
        assert_eq!(
            base,
            Record {
                definition: &ORDER_AGAIN,
                ..base
            }
        );
    }
}
