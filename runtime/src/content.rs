//! A buffered, self-describing serde value: what an event's object is read into before its
//! `"type"` is known (the key may come anywhere in the object: PostgreSQL's `jsonb`, for one,
//! reorders keys), and then read from, field by field, with the field's own `Deserialize`.
//!
//! The same idea as serde's private `Content`, kept small: `no_std` with `alloc`, no `unsafe`.
//! It holds what a self-describing format hands over; strings and bytes are borrowed from the
//! input where the format allows.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};

/// One value of a self-describing format, buffered.
#[derive(Debug, Clone, PartialEq)]
pub enum Content<'de> {
    /// `true` or `false`.
    Bool(bool),
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A 128-bit unsigned integer.
    U128(u128),
    /// A 128-bit signed integer.
    I128(i128),
    /// A floating-point number.
    F64(f64),
    /// A character.
    Char(char),
    /// A string, borrowed from the input or owned.
    Str(Cow<'de, str>),
    /// Bytes, borrowed from the input or owned.
    Bytes(Cow<'de, [u8]>),
    /// An absent optional value (`null` in JSON).
    None,
    /// A present optional value.
    Some(Box<Content<'de>>),
    /// The unit value.
    Unit,
    /// A newtype struct's value.
    Newtype(Box<Content<'de>>),
    /// A sequence.
    Seq(Vec<Content<'de>>),
    /// A map, in the order of the input.
    Map(Vec<(Content<'de>, Content<'de>)>),
}

impl Content<'_> {
    /// What the value is, for an error message.
    pub fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Content::Bool(b) => Unexpected::Bool(*b),
            Content::U64(n) => Unexpected::Unsigned(*n),
            Content::I64(n) => Unexpected::Signed(*n),
            Content::U128(_) | Content::I128(_) => Unexpected::Other("a 128-bit integer"),
            Content::F64(n) => Unexpected::Float(*n),
            Content::Char(c) => Unexpected::Char(*c),
            Content::Str(s) => Unexpected::Str(s),
            Content::Bytes(b) => Unexpected::Bytes(b),
            Content::None | Content::Some(_) => Unexpected::Option,
            Content::Unit => Unexpected::Unit,
            Content::Newtype(_) => Unexpected::NewtypeStruct,
            Content::Seq(_) => Unexpected::Seq,
            Content::Map(_) => Unexpected::Map,
        }
    }
}

impl<'de> Deserialize<'de> for Content<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor)
    }
}

/// Buffers whatever the format holds.
struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Content<'de>, E> {
        Ok(Content::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Content<'de>, E> {
        Ok(Content::I64(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Content<'de>, E> {
        Ok(Content::U64(v))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Content<'de>, E> {
        Ok(Content::I128(v))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Content<'de>, E> {
        Ok(Content::U128(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Content<'de>, E> {
        Ok(Content::F64(v))
    }

    fn visit_char<E>(self, v: char) -> Result<Content<'de>, E> {
        Ok(Content::Char(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Owned(v.into())))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Borrowed(v)))
    }

    fn visit_string<E>(self, v: alloc::string::String) -> Result<Content<'de>, E> {
        Ok(Content::Str(Cow::Owned(v)))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Content<'de>, E> {
        Ok(Content::Bytes(Cow::Owned(v.into())))
    }

    fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Content<'de>, E> {
        Ok(Content::Bytes(Cow::Borrowed(v)))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Content<'de>, E> {
        Ok(Content::Bytes(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Content<'de>, E> {
        Ok(Content::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Content<'de>, D::Error> {
        Content::deserialize(d).map(|v| Content::Some(Box::new(v)))
    }

    fn visit_unit<E>(self) -> Result<Content<'de>, E> {
        Ok(Content::Unit)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Content<'de>, D::Error> {
        Content::deserialize(d).map(|v| Content::Newtype(Box::new(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content<'de>, A::Error> {
        // Never trust a size hint from the input for an allocation.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Content::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Content::Map(entries))
    }
}

/// Reads a buffered [`Content`] as a value of any `Deserialize` type, with the error type `E`
/// of the format it came from.
pub struct ContentDeserializer<'de, E> {
    content: Content<'de>,
    error: PhantomData<E>,
}

impl<'de, E> ContentDeserializer<'de, E> {
    /// A deserializer of `content`.
    pub fn new(content: Content<'de>) -> Self {
        ContentDeserializer {
            content,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for Content<'de> {
    type Deserializer = ContentDeserializer<'de, E>;

    fn into_deserializer(self) -> Self::Deserializer {
        ContentDeserializer::new(self)
    }
}

impl<'de, E: de::Error> Deserializer<'de> for ContentDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Bool(v) => visitor.visit_bool(v),
            Content::U64(v) => visitor.visit_u64(v),
            Content::I64(v) => visitor.visit_i64(v),
            Content::U128(v) => visitor.visit_u128(v),
            Content::I128(v) => visitor.visit_i128(v),
            Content::F64(v) => visitor.visit_f64(v),
            Content::Char(v) => visitor.visit_char(v),
            Content::Str(Cow::Borrowed(v)) => visitor.visit_borrowed_str(v),
            Content::Str(Cow::Owned(v)) => visitor.visit_string(v),
            Content::Bytes(Cow::Borrowed(v)) => visitor.visit_borrowed_bytes(v),
            Content::Bytes(Cow::Owned(v)) => visitor.visit_byte_buf(v),
            Content::None => visitor.visit_none(),
            Content::Some(v) => visitor.visit_some(ContentDeserializer::new(*v)),
            Content::Unit => visitor.visit_unit(),
            Content::Newtype(v) => visitor.visit_newtype_struct(ContentDeserializer::new(*v)),
            Content::Seq(items) => visit_seq(items, visitor),
            Content::Map(entries) => visit_map(entries, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::None | Content::Unit => visitor.visit_none(),
            Content::Some(v) => visitor.visit_some(ContentDeserializer::new(*v)),
            other => visitor.visit_some(ContentDeserializer::new(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match self.content {
            Content::Unit | Content::None => visitor.visit_unit(),
            other => ContentDeserializer::new(other).deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.content {
            Content::Newtype(v) => visitor.visit_newtype_struct(ContentDeserializer::new(*v)),
            other => visitor.visit_newtype_struct(ContentDeserializer::new(other)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        // A unit variant is its name; any other is a map of one entry, name to value (serde's
        // externally tagged form, which self-describing formats write).
        let (variant, value) = match self.content {
            Content::Map(entries) => {
                let mut entries = entries.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, value)), None) => (variant, Some(value)),
                    _ => {
                        return Err(de::Error::invalid_value(
                            Unexpected::Map,
                            &"a map with a single key",
                        ));
                    }
                }
            }
            s @ Content::Str(_) => (s, None),
            other => {
                return Err(de::Error::invalid_type(
                    other.unexpected(),
                    &"a string or a map",
                ));
            }
        };
        visitor.visit_enum(Enum {
            variant,
            value,
            error: PhantomData,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        seq tuple tuple_struct map struct identifier ignored_any
    }
}

fn visit_seq<'de, V: Visitor<'de>, E: de::Error>(
    items: Vec<Content<'de>>,
    visitor: V,
) -> Result<V::Value, E> {
    let len = items.len();
    let mut seq = Seq {
        items: items.into_iter(),
        error: PhantomData,
    };
    let value = visitor.visit_seq(&mut seq)?;
    let rest = seq.items.len();
    if rest == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &ExpectedFewer(len - rest)))
    }
}

fn visit_map<'de, V: Visitor<'de>, E: de::Error>(
    entries: Vec<(Content<'de>, Content<'de>)>,
    visitor: V,
) -> Result<V::Value, E> {
    let len = entries.len();
    let mut map = Map {
        entries: entries.into_iter(),
        value: None,
        error: PhantomData,
    };
    let value = visitor.visit_map(&mut map)?;
    let rest = map.entries.len();
    if rest == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &ExpectedFewer(len - rest)))
    }
}

/// "fewer elements": the expectation of a visitor that stopped before the end.
struct ExpectedFewer(usize);

impl de::Expected for ExpectedFewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} elements", self.0)
    }
}

struct Seq<'de, E> {
    items: alloc::vec::IntoIter<Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> SeqAccess<'de> for Seq<'de, E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        match self.items.next() {
            Some(item) => seed.deserialize(ContentDeserializer::new(item)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de, E> {
    entries: alloc::vec::IntoIter<(Content<'de>, Content<'de>)>,
    value: Option<Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> MapAccess<'de> for Map<'de, E> {
    type Error = E;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(ContentDeserializer::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, E> {
        match self.value.take() {
            Some(value) => seed.deserialize(ContentDeserializer::new(value)),
            None => Err(de::Error::custom("a map value was read before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Enum<'de, E> {
    variant: Content<'de>,
    value: Option<Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> EnumAccess<'de> for Enum<'de, E> {
    type Error = E;
    type Variant = Variant<'de, E>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), E> {
        let variant = seed.deserialize(ContentDeserializer::new(self.variant))?;
        Ok((
            variant,
            Variant {
                value: self.value,
                error: PhantomData,
            },
        ))
    }
}

struct Variant<'de, E> {
    value: Option<Content<'de>>,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> VariantAccess<'de> for Variant<'de, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        match self.value {
            None | Some(Content::Unit) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"a unit variant",
            )),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, E> {
        match self.value {
            Some(value) => seed.deserialize(ContentDeserializer::new(value)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        match self.value {
            Some(Content::Seq(items)) => visit_seq(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"a tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match self.value {
            Some(Content::Map(entries)) => visit_map(entries, visitor),
            Some(Content::Seq(items)) => visit_seq(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"a struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"a struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec;

    use super::*;

    type Error = serde::de::value::Error;

    fn read<'de, T: Deserialize<'de>>(content: Content<'de>) -> Result<T, Error> {
        T::deserialize(ContentDeserializer::<Error>::new(content))
    }

    fn buffered(json: &str) -> Content<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Shape {
        Dot,
        Circle(u32),
        Line(u32, u32),
        Box { w: u32, h: u32 },
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Named {
        a: u8,
        b: Option<String>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Wrapper(u16);

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Nothing;

    #[test]
    fn reads_what_it_buffered_as_the_types_serde_json_reads() {
        assert_eq!(read::<u8>(buffered("7")), Ok(7));
        assert_eq!(read::<i32>(buffered("-7")), Ok(-7));
        assert_eq!(read::<f32>(buffered("1.5")), Ok(1.5));
        assert_eq!(read::<f64>(buffered("2")), Ok(2.0));
        assert_eq!(read::<bool>(buffered("true")), Ok(true));
        assert_eq!(read::<char>(buffered("\"x\"")), Ok('x'));
        assert_eq!(read::<&str>(buffered("\"borrowed\"")), Ok("borrowed"));
        assert_eq!(read::<String>(buffered("\"esc\\n\"")), Ok("esc\n".into()));
        assert_eq!(read::<Option<u8>>(buffered("null")), Ok(None));
        assert_eq!(read::<Option<u8>>(buffered("3")), Ok(Some(3)));
        assert_eq!(read::<()>(buffered("null")), Ok(()));
        assert_eq!(read::<Nothing>(buffered("null")), Ok(Nothing));
        assert_eq!(read::<Wrapper>(buffered("9")), Ok(Wrapper(9)));
        assert_eq!(
            read::<(u8, String)>(buffered("[1,\"a\"]")),
            Ok((1, "a".into()))
        );
        assert_eq!(read::<Vec<u8>>(buffered("[1,2]")), Ok(vec![1, 2]));
        let map: BTreeMap<String, u8> = read(buffered("{\"k\":1}")).unwrap();
        assert_eq!(map.get("k"), Some(&1));
        assert_eq!(
            read::<Named>(buffered("{\"b\":\"x\",\"a\":1}")),
            Ok(Named {
                a: 1,
                b: Some("x".into())
            })
        );
        assert_eq!(read::<Shape>(buffered("\"Dot\"")), Ok(Shape::Dot));
        assert_eq!(
            read::<Shape>(buffered("{\"Circle\":2}")),
            Ok(Shape::Circle(2))
        );
        assert_eq!(
            read::<Shape>(buffered("{\"Line\":[1,2]}")),
            Ok(Shape::Line(1, 2))
        );
        assert_eq!(
            read::<Shape>(buffered("{\"Box\":{\"w\":1,\"h\":2}}")),
            Ok(Shape::Box { w: 1, h: 2 })
        );
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert!(read::<u8>(buffered("300")).is_err());
        assert!(read::<u8>(buffered("-1")).is_err());
        assert!(read::<u8>(buffered("\"7\"")).is_err());
        assert!(read::<(u8, u8)>(buffered("[1,2,3]")).is_err());
        assert!(read::<(u8, u8)>(buffered("[1]")).is_err());
        assert!(read::<Named>(buffered("{\"b\":null}")).is_err());
        assert!(read::<Shape>(buffered("{\"Dot\":1,\"Circle\":2}")).is_err());
        assert!(read::<Shape>(buffered("{\"Circle\":\"x\"}")).is_err());
        assert!(read::<Shape>(buffered("\"Circle\"")).is_err());
        assert!(read::<Shape>(buffered("3")).is_err());
        assert!(read::<Nothing>(buffered("1")).is_err());
    }

    #[test]
    fn names_what_it_holds_in_errors() {
        let error = read::<u8>(buffered("\"seven\"")).unwrap_err();
        assert_eq!(
            alloc::string::ToString::to_string(&error),
            "invalid type: string \"seven\", expected u8"
        );
        for json in ["1", "-1", "1.5", "true", "\"c\"", "null", "[]", "{}"] {
            let content = buffered(json);
            let _ = content.unexpected();
        }
        assert_eq!(Content::Unit.unexpected(), Unexpected::Unit);
        assert_eq!(
            Content::Newtype(Box::new(Content::Unit)).unexpected(),
            Unexpected::NewtypeStruct
        );
    }
}
