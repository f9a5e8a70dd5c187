//! The wire form of events (feature `serde`): what the `Serialize` and `Deserialize` impls
//! that `#[state_machine]` generates for `module::Event` call. Not a public API.
//!
//! An event is an object whose `"type"` is the event's name in the definition, with its
//! target's fields beside it (`{"type":"pay","amount_cents":100}`), `"data"` for a target with
//! positional fields, and `"to"` for a choice's target or a guard's decision. Reading buffers
//! the object ([`Content`]), because `"type"` may come anywhere in it; then each field is
//! read with its own type's `Deserialize`, and any key left over is an error. The README's
//! "The wire" section is the reference.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::content::{Content, ContentDeserializer};
use crate::definition::Definition;
use crate::event_name::{Cut, List, nearest};

/// The key that holds the event's name.
pub const TYPE: &str = "type";
/// The key that holds a choice's target, or a guard's (`null` when the guard declines).
pub const TO: &str = "to";
/// The key that holds the fields of a target whose fields are positional.
pub const DATA: &str = "data";

/// Starts the object of the event `name`, which has `entries` more entries after `"type"`.
#[inline]
pub fn begin<S: Serializer>(
    serializer: S,
    name: &'static str,
    entries: usize,
) -> Result<S::SerializeMap, S::Error> {
    let mut map = serializer.serialize_map(Some(entries + 1))?;
    map.serialize_entry(TYPE, name)?;
    Ok(map)
}

/// Writes one entry of an event's object.
#[inline]
pub fn entry<M: SerializeMap, T: ?Sized + Serialize>(
    map: &mut M,
    key: &'static str,
    value: &T,
) -> Result<(), M::Error> {
    map.serialize_entry(key, value)
}

/// Ends an event's object.
#[inline]
pub fn end<M: SerializeMap>(map: M) -> Result<M::Ok, M::Error> {
    map.end()
}

/// An event's object, read but not yet taken apart: its event, and the entries not taken yet.
pub struct Object<'de, E> {
    definition: &'static Definition,
    event: &'static str,
    entries: Vec<(Cow<'de, str>, Content<'de>)>,
    error: PhantomData<E>,
}

/// Reads the object of an event of `definition` and resolves its `"type"`: the index of the
/// event in the definition, never an internal event's. `external` lists the names of the
/// events the object may name (`Event::EXTERNAL`), for the error of an unknown one.
pub fn read<'de, D: Deserializer<'de>>(
    deserializer: D,
    definition: &'static Definition,
    external: &'static [&'static str],
) -> Result<(usize, Object<'de, D::Error>), D::Error> {
    let mut entries = deserializer.deserialize_map(ObjectVisitor {
        definition,
        external,
    })?;
    let Some(at) = entries.iter().position(|(key, _)| key == TYPE) else {
        return Err(de::Error::custom(format_args!(
            "an event of `{}` needs a `\"type\"`: the event's name, {}",
            definition.name(),
            OneOf(external)
        )));
    };
    let (_, name) = entries.remove(at);
    let name = match name {
        Content::Str(name) => name,
        other => {
            return Err(de::Error::custom(format_args!(
                "the `\"type\"` of an event of `{}` is the event's name, {}; found {}",
                definition.name(),
                OneOf(external),
                other.unexpected()
            )));
        }
    };
    let event = match definition.event(&name) {
        Some(event) if event.is_internal() => {
            return Err(de::Error::custom(format_args!(
                "`{}` is an internal event of `{}`: the machine raises it itself, so it is not \
                 accepted from outside",
                event.name(),
                definition.name()
            )));
        }
        Some(event) => event,
        None => {
            let mut message =
                alloc::format!("`{}` has no event `{}`", definition.name(), Cut(&name));
            if let Some(near) = nearest(&name, external.iter().copied()) {
                message.push_str(&alloc::format!("; did you mean `{near}`?"));
            }
            return Err(de::Error::custom(format_args!(
                "{message} (the `\"type\"` is {})",
                OneOf(external)
            )));
        }
    };
    Ok((
        event.id().index(),
        Object {
            definition,
            event: event.name(),
            entries,
            error: PhantomData,
        },
    ))
}

impl<'de, E: de::Error> Object<'de, E> {
    /// Takes the entry `key` out of the object.
    fn take(&mut self, key: &str) -> Option<Content<'de>> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(at).1)
    }

    /// Reads the field `key` with its type's own `Deserialize`. A missing field is an error,
    /// unless its type reads nothing as a value (an `Option` is then `None`).
    pub fn field<T: de::Deserialize<'de>>(&mut self, key: &'static str) -> Result<T, E> {
        match self.take(key) {
            Some(content) => T::deserialize(ContentDeserializer::<E>::new(content)).map_err(|e| {
                E::custom(format_args!(
                    "field `{key}` of the event `{}` of `{}`: {e}",
                    self.event,
                    self.definition.name()
                ))
            }),
            None => T::deserialize(Missing {
                key,
                event: self.event,
                machine: self.definition.name(),
                error: PhantomData,
            }),
        }
    }

    /// Reads the `"to"` of a choice: the index of the target it names among `targets`.
    pub fn to(&mut self, targets: &'static [&'static str]) -> Result<usize, E> {
        let found = self.take(TO);
        if let Some(Content::Str(name)) = &found {
            if let Some(i) = targets.iter().position(|t| t == name) {
                return Ok(i);
            }
        }
        Err(E::custom(format_args!(
            "the event `{}` of `{}` is a choice: its `\"to\"` is the target, {}; {}",
            self.event,
            self.definition.name(),
            OneOf(targets),
            Found(found.as_ref())
        )))
    }

    /// Reads the `"to"` of a guarded event: `true` for `target` (the guard lets it through),
    /// `false` for `null` (the guard declines).
    pub fn guard(&mut self, target: &'static str) -> Result<bool, E> {
        let found = self.take(TO);
        match &found {
            Some(Content::Str(name)) if name == target => return Ok(true),
            Some(Content::None | Content::Unit) => return Ok(false),
            _ => {}
        }
        Err(E::custom(format_args!(
            "the event `{}` of `{}` is guarded: its `\"to\"` is `\"{target}\"` when the guard \
             lets it through and `null` when it declines; {}",
            self.event,
            self.definition.name(),
            Found(found.as_ref())
        )))
    }

    /// Ends reading: any entry not taken is an unknown field, and an error (a misspelled key
    /// must not be dropped silently). `expected` lists the object's keys.
    pub fn finish(self, expected: &'static [&'static str]) -> Result<(), E> {
        let Some((key, _)) = self.entries.first() else {
            return Ok(());
        };
        let mut message = alloc::format!(
            "unknown field `{}` in the event `{}` of `{}`",
            Cut(key),
            self.event,
            self.definition.name()
        );
        if let Some(near) = nearest(key, expected.iter().copied().filter(|k| *k != TYPE)) {
            message.push_str(&alloc::format!("; did you mean `{near}`?"));
        }
        Err(E::custom(format_args!(
            "{message} (its fields: {})",
            List(expected)
        )))
    }

    /// The error for an event the generated code has no arm for (which `read` never returns).
    pub fn unexpected(self) -> E {
        E::custom(format_args!(
            "the event `{}` of `{}` cannot be read",
            self.event,
            self.definition.name()
        ))
    }
}

/// Reads an event's object: string keys, each once, and buffered values.
struct ObjectVisitor {
    definition: &'static Definition,
    external: &'static [&'static str],
}

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Vec<(Cow<'de, str>, Content<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an event of `{}`: an object whose `\"type\"` is the event's name, {}",
            self.definition.name(),
            OneOf(self.external)
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Content<'de>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
        while let Some(key) = map.next_key_seed(Key)? {
            let value: Content<'de> = map.next_value()?;
            entries.push((key, value));
        }
        // Each key once: sorted, so that many keys cost n log n, not n squared.
        let mut keys: Vec<&str> = entries.iter().map(|(k, _)| &**k).collect();
        keys.sort_unstable();
        if let Some(pair) = keys.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(de::Error::custom(format_args!(
                "duplicate field `{}` in an event of `{}`",
                Cut(pair[0]),
                self.definition.name()
            )));
        }
        Ok(entries)
    }
}

/// A key of an event's object: a string, borrowed where the format allows.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.into()))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_string<E>(self, v: alloc::string::String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The value of a field that is not there: `None` for an `Option`, an error for anything else.
struct Missing<E> {
    key: &'static str,
    event: &'static str,
    machine: &'static str,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::custom(format_args!(
            "the event `{}` of `{}` is missing its field `{}`",
            self.event, self.machine, self.key
        )))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// "one of `a`, `b` and `c`", or "but the machine takes none from outside".
struct OneOf<'a>(&'a [&'a str]);

impl fmt::Display for OneOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("but it takes no event from outside"),
            [one] => write!(f, "`\"{one}\"`"),
            names => write!(f, "one of {}", List(names)),
        }
    }
}

/// What a `"to"` held instead: "found `"Shipped"`", "found a number", "it is missing".
struct Found<'a, 'de>(Option<&'a Content<'de>>);

impl fmt::Display for Found<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("it is missing"),
            Some(Content::Str(s)) => write!(f, "found `\"{}\"`", Cut(s)),
            Some(other) => write!(f, "found {}", other.unexpected()),
        }
    }
}
