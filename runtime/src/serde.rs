//! Serialization of records (feature `serde`).
//!
//! A record serializes as a map that names its machine, states and event:
//!
//! ```json
//! {"machine":"Order","sequence":3,"from":"Paid","event":"ship","to":"Shipped","outcome":"applied","at":1764323663000000000}
//! ```
//!
//! (`at` is nanoseconds since the Unix epoch, or `null`.) Deserializing needs the definition to
//! resolve the names: use [`Definition::record_seed`] or [`Definition::records_seed`] with
//! [`serde::de::DeserializeSeed`]. Unknown names, a record of another machine and malformed
//! input are errors, never panics.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::definition::Definition;
use crate::record::{Outcome, Record};
use crate::recorder::{Memory, Ring};
use crate::time::Timestamp;

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Record", 7)?;
        s.serialize_field("machine", self.machine())?;
        s.serialize_field("sequence", &self.sequence)?;
        s.serialize_field("from", self.from().name())?;
        s.serialize_field("event", self.event().name())?;
        s.serialize_field("to", self.to().name())?;
        s.serialize_field("outcome", &self.outcome)?;
        s.serialize_field("at", &self.at)?;
        s.end()
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(deserializer)?;
        match &*name {
            "applied" => Ok(Outcome::Applied),
            "rejected" => Ok(Outcome::Rejected),
            other => Err(de::Error::unknown_variant(other, &["applied", "rejected"])),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.unix_nanos())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u64::deserialize(deserializer).map(Timestamp::from_unix_nanos)
    }
}

impl Serialize for Memory {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.records())
    }
}

impl Serialize for Ring {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for record in self {
            seq.serialize_element(record)?;
        }
        seq.end()
    }
}

/// The serialized shape of a record, with borrowed names where the format allows.
#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(borrow)]
    machine: Cow<'a, str>,
    sequence: u64,
    #[serde(borrow)]
    from: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    to: Cow<'a, str>,
    outcome: Outcome,
    #[serde(default)]
    at: Option<Timestamp>,
}

/// Deserializes one [`Record`] of a given machine: see [`Definition::record_seed`].
#[derive(Debug, Clone, Copy)]
pub struct RecordSeed {
    definition: &'static Definition,
}

/// Deserializes a sequence of [`Record`]s of a given machine: see [`Definition::records_seed`].
#[derive(Debug, Clone, Copy)]
pub struct RecordsSeed {
    definition: &'static Definition,
}

impl Definition {
    /// A [`DeserializeSeed`] that reads one record of this machine.
    ///
    /// ```
    /// use serde::de::DeserializeSeed;
    /// use statewright::{state_machine, StateMachine};
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
    /// let json = r#"{"machine":"Door","sequence":1,"from":"Closed","event":"open","to":"Open","outcome":"applied","at":null}"#;
    /// let mut de = serde_json::Deserializer::from_str(json);
    /// let record = Door::DEFINITION.record_seed().deserialize(&mut de).unwrap();
    /// assert_eq!(record.to_string(), "#1 Closed --open--> Open");
    /// assert_eq!(serde_json::to_string(&record).unwrap(), json);
    /// # }
    /// ```
    pub fn record_seed(&'static self) -> RecordSeed {
        RecordSeed { definition: self }
    }

    /// A [`DeserializeSeed`] that reads a sequence of records of this machine into a `Vec`.
    pub fn records_seed(&'static self) -> RecordsSeed {
        RecordsSeed { definition: self }
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Record;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Record, D::Error> {
        let raw = Raw::deserialize(deserializer)?;
        let definition = self.definition;
        if raw.machine != definition.name() {
            return Err(de::Error::custom(format_args!(
                "record #{} belongs to machine `{}`, not `{}`",
                raw.sequence,
                raw.machine,
                definition.name()
            )));
        }
        Record::from_names(
            definition,
            raw.sequence,
            &raw.from,
            &raw.event,
            &raw.to,
            raw.outcome,
            raw.at,
        )
        .map_err(|e| {
            de::Error::custom(format_args!(
                "record #{} of `{}`: {e}",
                raw.sequence,
                definition.name()
            ))
        })
    }
}

impl<'de> DeserializeSeed<'de> for RecordsSeed {
    type Value = Vec<Record>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Record>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed {
    type Value = Vec<Record>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence of `{}` records", self.definition.name())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Record>, A::Error> {
        // Never trust a size hint from the input for an allocation.
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(record) = seq.next_element_seed(self.definition.record_seed())? {
            records.push(record);
        }
        Ok(records)
    }
}
