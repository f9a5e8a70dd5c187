//! Replay: checking that records form a legal path through a definition.

use core::borrow::Borrow;
use core::fmt;

use crate::definition::{Definition, StateId, StateInfo};
use crate::record::{Outcome, Record};

/// Where a replay ended: see [`Definition::replay`], which has an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    definition: &'static Definition,
    state: StateId,
    sequence: u64,
    applied: u64,
    rejected: u64,
}

impl Replayed {
    /// The position before any record: in `state`, after record number `sequence`.
    pub(crate) fn start(definition: &'static Definition, state: StateId, sequence: u64) -> Self {
        Replayed {
            definition,
            state,
            sequence,
            applied: 0,
            rejected: 0,
        }
    }

    /// Checks that `r` follows from this position, and moves past it: the one definition of
    /// a legal step, for [`Definition::replay`] and journal recovery.
    pub(crate) fn step(&mut self, r: &Record) -> Result<(), ReplayError> {
        let definition = self.definition;
        if !(core::ptr::eq(r.definition, definition) || *r.definition == *definition) {
            return Err(ReplayError::OtherMachine {
                sequence: r.sequence,
                machine: r.definition.name,
                expected: definition.name,
            });
        }
        let Some(expected) = self.sequence.checked_add(1) else {
            return Err(ReplayError::Exhausted { found: r.sequence });
        };
        if r.sequence != expected {
            return Err(ReplayError::Gap {
                expected,
                found: r.sequence,
            });
        }
        if r.from != self.state {
            let (expected, found) = (
                definition.state_name(self.state),
                definition.state_name(r.from),
            );
            return Err(if self.applied + self.rejected == 0 {
                ReplayError::WrongStart {
                    sequence: r.sequence,
                    expected,
                    found,
                }
            } else {
                ReplayError::Discontinuity {
                    sequence: r.sequence,
                    expected,
                    found,
                }
            });
        }
        match r.outcome {
            // A declared transition (for a choice, any of its declared targets).
            Outcome::Applied if definition.allows(r.from, r.event, r.to) => {
                self.state = r.to;
                self.applied += 1;
            }
            Outcome::Applied => {
                return Err(match definition.target(r.from, r.event) {
                    None => ReplayError::Illegal {
                        sequence: r.sequence,
                        from: definition.state_name(r.from),
                        event: definition.event_name(r.event),
                    },
                    // Allowed, but `r.to` is none of its targets (`allows` said so).
                    Some(to) => ReplayError::WrongTarget {
                        sequence: r.sequence,
                        from: definition.state_name(r.from),
                        event: definition.event_name(r.event),
                        expected: definition.state_name(to),
                        found: definition.state_name(r.to),
                    },
                });
            }
            // A rejection stays put (`Record` guarantees `to == from`).
            Outcome::Rejected => self.rejected += 1,
        }
        self.sequence = r.sequence;
        Ok(())
    }

    /// The state the records lead to.
    pub fn state(&self) -> StateInfo {
        self.definition.info(self.state)
    }

    /// The id of that state.
    pub fn state_id(&self) -> StateId {
        self.state
    }

    /// The sequence number of the last record (the starting sequence when there were none).
    pub fn sequence(&self) -> u64 {
        self.sequence
    }

    /// How many records were applied transitions.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// How many records were rejections.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }
}

/// Why records do not form a legal path. Every variant names the sequence number of the
/// offending record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayError {
    /// The record was written by another machine.
    OtherMachine {
        /// The record's sequence number.
        sequence: u64,
        /// The machine that wrote it.
        machine: &'static str,
        /// The machine being replayed.
        expected: &'static str,
    },
    /// The sequence numbers have a gap or go backwards.
    Gap {
        /// The sequence number that should come next.
        expected: u64,
        /// The record's sequence number.
        found: u64,
    },
    /// The first record does not start where the machine starts.
    WrongStart {
        /// The record's sequence number.
        sequence: u64,
        /// Where the machine starts.
        expected: &'static str,
        /// Where the record starts.
        found: &'static str,
    },
    /// A record does not start where the previous one left the machine.
    Discontinuity {
        /// The record's sequence number.
        sequence: u64,
        /// Where the previous record left the machine.
        expected: &'static str,
        /// Where the record starts.
        found: &'static str,
    },
    /// A record applies an event that is not allowed in its state.
    Illegal {
        /// The record's sequence number.
        sequence: u64,
        /// The state.
        from: &'static str,
        /// The event.
        event: &'static str,
    },
    /// A record applies an allowed event but lands in another state than the definition says.
    WrongTarget {
        /// The record's sequence number.
        sequence: u64,
        /// The state.
        from: &'static str,
        /// The event.
        event: &'static str,
        /// Where the definition says the event leads.
        expected: &'static str,
        /// Where the record says it led.
        found: &'static str,
    },
    /// [`Definition::replay_from`] was given a state id of another definition.
    UnknownStart,
    /// A record follows record number `u64::MAX`, which no record can follow.
    Exhausted {
        /// The record's sequence number.
        found: u64,
    },
}

impl ReplayError {
    /// The sequence number of the offending record (`None` for [`ReplayError::UnknownStart`]).
    pub fn sequence(&self) -> Option<u64> {
        match *self {
            ReplayError::OtherMachine { sequence, .. }
            | ReplayError::WrongStart { sequence, .. }
            | ReplayError::Discontinuity { sequence, .. }
            | ReplayError::Illegal { sequence, .. }
            | ReplayError::WrongTarget { sequence, .. } => Some(sequence),
            ReplayError::Gap { found, .. } | ReplayError::Exhausted { found } => Some(found),
            ReplayError::UnknownStart => None,
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::OtherMachine {
                sequence,
                machine,
                expected,
            } => write!(
                f,
                "record #{sequence} belongs to machine `{machine}`, not `{expected}`"
            ),
            ReplayError::Gap { expected, found } => {
                write!(f, "expected record #{expected}, found #{found}")
            }
            ReplayError::WrongStart {
                sequence,
                expected,
                found,
            } => write!(
                f,
                "record #{sequence} starts in `{found}`, but the machine starts in `{expected}`"
            ),
            ReplayError::Discontinuity {
                sequence,
                expected,
                found,
            } => write!(
                f,
                "record #{sequence} starts in `{found}`, but the previous record left the machine \
                 in `{expected}`"
            ),
            ReplayError::Illegal {
                sequence,
                from,
                event,
            } => write!(
                f,
                "record #{sequence}: `{event}` is not allowed in `{from}`"
            ),
            ReplayError::WrongTarget {
                sequence,
                from,
                event,
                expected,
                found,
            } => write!(
                f,
                "record #{sequence}: `{event}` leads from `{from}` to `{expected}`, not to `{found}`"
            ),
            ReplayError::UnknownStart => {
                f.write_str("the starting state does not belong to this definition")
            }
            ReplayError::Exhausted { found } => write!(
                f,
                "record #{found} follows record #{}, the largest sequence number: no record can \
                 follow it",
                u64::MAX
            ),
        }
    }
}

impl core::error::Error for ReplayError {}

impl Definition {
    /// Checks that `records` form a legal path from the initial state, starting at sequence
    /// number 1 without gaps, and returns where they lead.
    ///
    /// Rejected records must leave the state unchanged; applied records must follow a declared
    /// transition. The first offending record is reported with its sequence number.
    ///
    /// ```
    /// use statewright::{state_machine, Outcome, Record, ReplayError, StateMachine};
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
    /// let def = Door::DEFINITION;
    /// let step = |seq, from, event, to| {
    ///     Record::from_names(def, seq, from, event, to, Outcome::Applied, None).unwrap()
    /// };
    /// let path = [step(1, "Closed", "open", "Open"), step(2, "Open", "close", "Closed")];
    /// assert_eq!(def.replay(&path).unwrap().state().name(), "Closed");
    ///
    /// let illegal = [step(1, "Closed", "close", "Closed")];
    /// assert_eq!(
    ///     def.replay(&illegal).unwrap_err(),
    ///     ReplayError::Illegal { sequence: 1, from: "Closed", event: "close" }
    /// );
    /// # }
    /// ```
    pub fn replay<I>(&'static self, records: I) -> Result<Replayed, ReplayError>
    where
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        self.replay_from(self.initial, 0, records)
    }

    /// Like [`replay`](Self::replay), but starting in `state` after record number `sequence`
    /// (for a history whose beginning was checkpointed elsewhere).
    pub fn replay_from<I>(
        &'static self,
        state: StateId,
        sequence: u64,
        records: I,
    ) -> Result<Replayed, ReplayError>
    where
        I: IntoIterator,
        I::Item: Borrow<Record>,
    {
        if self.get_state(state).is_none() {
            return Err(ReplayError::UnknownStart);
        }
        let mut at = Replayed::start(self, state, sequence);
        for record in records {
            at.step(record.borrow())?;
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec::Vec;

    use super::ReplayError;
    use crate::fixture::{LIGHT, ORDER, ORDER_AGAIN, applied, rejected};
    use crate::{Outcome, Record};

    #[test]
    fn a_break_after_as_many_rejections_as_applied_records_is_a_discontinuity() {
        let records = [
            applied(1, "Pending", "pay", "Paid"),
            rejected(2, "Paid", "pay"),
            applied(3, "Pending", "cancel", "Cancelled"),
        ];
        let error = ORDER.replay(records).unwrap_err();
        assert_eq!(
            error,
            ReplayError::Discontinuity {
                sequence: 3,
                expected: "Paid",
                found: "Pending"
            }
        );
        assert_eq!(error.sequence(), Some(3));
    }

    #[test]
    fn a_break_after_only_rejections_is_a_discontinuity_not_a_wrong_start() {
        let records = [
            rejected(1, "Pending", "ship"),
            rejected(2, "Pending", "deliver"),
            applied(3, "Paid", "ship", "Shipped"),
        ];
        assert_eq!(
            ORDER.replay(records).unwrap_err(),
            ReplayError::Discontinuity {
                sequence: 3,
                expected: "Pending",
                found: "Paid"
            }
        );
        // The very first record starting elsewhere is a wrong start.
        assert_eq!(
            ORDER.replay(&records[2..]).unwrap_err(),
            ReplayError::Gap {
                expected: 1,
                found: 3
            }
        );
        let first = [applied(1, "Paid", "ship", "Shipped")];
        assert_eq!(
            ORDER.replay(first).unwrap_err(),
            ReplayError::WrongStart {
                sequence: 1,
                expected: "Pending",
                found: "Paid"
            }
        );
    }

    #[test]
    fn every_error_names_the_exact_sequence_number() {
        let light =
            Record::from_names(&LIGHT, 4, "Off", "toggle", "On", Outcome::Applied, None).unwrap();
        let cases: [(ReplayError, Option<u64>); 7] = [
            (
                ORDER.replay_from(ORDER.initial, 3, [light]).unwrap_err(),
                Some(4),
            ),
            (
                ORDER
                    .replay([
                        applied(1, "Pending", "pay", "Paid"),
                        applied(7, "Paid", "ship", "Shipped"),
                    ])
                    .unwrap_err(),
                Some(7),
            ),
            (
                ORDER
                    .replay([applied(1, "Paid", "ship", "Shipped")])
                    .unwrap_err(),
                Some(1),
            ),
            (
                ORDER
                    .replay([
                        rejected(1, "Pending", "ship"),
                        applied(2, "Paid", "ship", "Shipped"),
                    ])
                    .unwrap_err(),
                Some(2),
            ),
            (
                ORDER
                    .replay([
                        rejected(1, "Pending", "ship"),
                        rejected(2, "Pending", "ship"),
                        applied(3, "Pending", "ship", "Shipped"),
                    ])
                    .unwrap_err(),
                Some(3),
            ),
            (
                ORDER
                    .replay([
                        applied(1, "Pending", "pay", "Paid"),
                        applied(2, "Paid", "ship", "Paid"),
                        applied(3, "Paid", "ship", "Cancelled"),
                    ])
                    .unwrap_err(),
                Some(2),
            ),
            (
                ORDER
                    .replay_from(crate::StateId(99), 0, Vec::<Record>::new())
                    .unwrap_err(),
                None,
            ),
        ];
        let kinds: Vec<(&str, Option<u64>)> = cases
            .iter()
            .map(|(error, _)| {
                let kind = match error {
                    ReplayError::OtherMachine { .. } => "other machine",
                    ReplayError::Gap { .. } => "gap",
                    ReplayError::WrongStart { .. } => "wrong start",
                    ReplayError::Discontinuity { .. } => "discontinuity",
                    ReplayError::Illegal { .. } => "illegal",
                    ReplayError::WrongTarget { .. } => "wrong target",
                    ReplayError::UnknownStart => "unknown start",
                    ReplayError::Exhausted { .. } => "exhausted",
                };
                (kind, error.sequence())
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("other machine", Some(4)),
                ("gap", Some(7)),
                ("wrong start", Some(1)),
                ("discontinuity", Some(2)),
                ("illegal", Some(3)),
                ("wrong target", Some(2)),
                ("unknown start", None),
            ]
        );
        for (error, expected) in cases {
            assert_eq!(error.sequence(), expected, "{error}");
        }
    }

    #[test]
    fn nothing_follows_the_largest_sequence_number() {
        let last = Record {
            sequence: u64::MAX,
            ..applied(1, "Pending", "pay", "Paid")
        };
        let error = ORDER
            .replay_from(ORDER.initial, u64::MAX, [last])
            .unwrap_err();
        assert_eq!(error, ReplayError::Exhausted { found: u64::MAX });
        assert_eq!(error.sequence(), Some(u64::MAX));
        assert_eq!(
            error.to_string(),
            "record #18446744073709551615 follows record #18446744073709551615, the largest \
             sequence number: no record can follow it"
        );
        // Up to it, numbering works.
        let replayed = ORDER
            .replay_from(ORDER.initial, u64::MAX - 1, [last])
            .unwrap();
        assert_eq!(replayed.sequence(), u64::MAX);
    }

    #[test]
    fn records_of_an_equal_definition_at_another_address_replay() {
        let records = [
            Record::from_names(
                &ORDER_AGAIN,
                1,
                "Pending",
                "pay",
                "Paid",
                Outcome::Applied,
                None,
            )
            .unwrap(),
            Record::from_names(
                &ORDER_AGAIN,
                2,
                "Paid",
                "ship",
                "Shipped",
                Outcome::Applied,
                None,
            )
            .unwrap(),
        ];
        let replayed = ORDER.replay(records).unwrap();
        assert_eq!(
            (replayed.state().name(), replayed.sequence()),
            ("Shipped", 2)
        );
        assert_eq!((replayed.applied(), replayed.rejected()), (2, 0));
    }
}
