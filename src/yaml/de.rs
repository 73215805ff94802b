//! Deserialising Rust types straight from a [`Node`] tree, without a JSON copy first.
//!
//! It reads a tree the way serde_json reads the `serde_json::Value` that
//! [`to_json`](super::to_json) makes of it: the same visitor calls and the same error texts
//! (`invalid type: string "x", expected i32`), so the type check reports what it reported when
//! it went through JSON. Integers go to `visit_u64` when not negative and `visit_i64` otherwise;
//! a float that JSON cannot hold (`.nan`, `.inf`) reads as null, as `to_json` turns it into
//! null; errors name what was found as serde_json does (`null`, not serde's `unit value`).
//! Map keys are borrowed strings.

use std::cell::RefCell;
use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};

use super::{Map, Node, Value};

/// Why a tree did not deserialise: the message, as serde phrases it.
#[derive(Debug)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self(format!("invalid type: {}, expected {exp}", Shown(unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self(format!("invalid value: {}, expected {exp}", Shown(unexp)))
    }
}

/// What was found, in serde_json's words: `null` rather than serde's `unit value`, and a
/// float as JSON writes it.
struct Shown<'a>(Unexpected<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Float(v) => match serde_json::Number::from_f64(v) {
                Some(n) => write!(f, "floating point `{n}`"),
                None => fmt::Display::fmt(&self.0, f),
            },
            other => fmt::Display::fmt(&other, f),
        }
    }
}

/// A float as its JSON copy holds it: `.nan` and `.inf` have no JSON number and are null
/// there. Every place below that reads a float goes through this one rule.
fn json_float(f: f64) -> Option<f64> {
    f.is_finite().then_some(f)
}

impl Value {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Int(i) => match u64::try_from(*i) {
                Ok(u) => Unexpected::Unsigned(u),
                Err(_) => Unexpected::Signed(*i),
            },
            Value::Float(f) => json_float(*f).map_or(Unexpected::Unit, Unexpected::Float),
            Value::String(s) => Unexpected::Str(s),
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Null) || matches!(self, Value::Float(f) if json_float(*f).is_none())
    }
}

fn invalid<'de, V: Visitor<'de>>(node: &Node, visitor: &V) -> DeError {
    de::Error::invalid_type(node.value.unexpected(), visitor)
}

fn visit_number<'de, V: Visitor<'de>>(node: &'de Node, visitor: V) -> Result<V::Value, DeError> {
    match node.value {
        Value::Int(i) => match u64::try_from(i) {
            Ok(u) => visitor.visit_u64(u),
            Err(_) => visitor.visit_i64(i),
        },
        Value::Float(f) if let Some(f) = json_float(f) => visitor.visit_f64(f),
        _ => Err(invalid(node, &visitor)),
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    items: &'de [Node],
    track: Option<&'de Track<'de>>,
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut access = Items {
        iter: items.iter(),
        index: 0,
        track,
    };
    let out = visitor.visit_seq(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    map: &'de Map,
    track: Option<&'de Track<'de>>,
    visitor: V,
) -> Result<V::Value, DeError> {
    let mut access = Entries {
        iter: map.iter(),
        value: None,
        track,
    };
    let out = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(
            map.len(),
            &"fewer elements in map",
        ))
    }
}

struct Items<'de> {
    iter: std::slice::Iter<'de, Node>,
    index: usize,
    track: Option<&'de Track<'de>>,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.iter.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        within(self.track, Segment::Index(index), || {
            seed.deserialize(Tracked {
                node,
                track: self.track,
            })
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Entries<'de> {
    iter: indexmap::map::Iter<'de, String, Node>,
    value: Option<(&'de str, &'de Node)>,
    track: Option<&'de Track<'de>>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        match self.value.take() {
            Some((key, node)) => within(self.track, Segment::Key(key), || {
                seed.deserialize(Tracked {
                    node,
                    track: self.track,
                })
            }),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum written as a string (a unit variant) or as a map of one key (variant: value).
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Node>,
    track: Option<&'de Track<'de>>,
}

impl<'de> Variant<'de> {
    /// The variant's content, tracked under the variant's name.
    fn content<T>(
        &self,
        node: &'de Node,
        f: impl FnOnce(Tracked<'de>) -> Result<T, DeError>,
    ) -> Result<T, DeError> {
        within(self.track, Segment::Key(self.name), || {
            f(Tracked {
                node,
                track: self.track,
            })
        })
    }
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), DeError> {
        let name = BorrowedStrDeserializer::<DeError>::new(self.name);
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        match self.value {
            None => Ok(()),
            Some(v) => self.content(v, de::Deserialize::deserialize),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        match self.value {
            Some(v) => self.content(v, |t| seed.deserialize(t)),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        match self.value.map(|v| &v.value) {
            Some(Value::Seq(items)) if items.is_empty() => visitor.visit_unit(),
            Some(Value::Seq(items)) => visit_seq(items, self.track, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value.map(|v| &v.value) {
            Some(Value::Map(m)) => visit_map(m, self.track, visitor),
            Some(other) => Err(de::Error::invalid_type(
                other.unexpected(),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visit_number(self.node, visitor)
        }
    )*};
}

/// One step of a key path: a map key or a sequence index.
#[derive(Clone, Copy)]
enum Segment<'de> {
    Key(&'de str),
    Index(usize),
}

/// What a tracked deserialisation saw: the path to the first error (the innermost value that
/// failed) and the paths of the values the type ignored (unknown fields). Paths are kept as
/// borrowed steps and turned into strings only for what is reported.
#[derive(Default)]
pub struct Track<'de> {
    path: RefCell<Vec<Segment<'de>>>,
    error_at: RefCell<Option<Vec<String>>>,
    ignored: RefCell<Vec<Vec<String>>>,
}

impl Track<'_> {
    fn tokens(&self) -> Vec<String> {
        self.path
            .borrow()
            .iter()
            .map(|s| match s {
                Segment::Key(k) => (*k).to_string(),
                Segment::Index(i) => i.to_string(),
            })
            .collect()
    }

    /// Key path of the value whose deserialisation failed first (empty: the root).
    pub fn error_path(&self) -> Vec<String> {
        self.error_at.borrow().clone().unwrap_or_default()
    }

    /// Key paths of the values the type ignored, in document order.
    pub fn take_ignored(&self) -> Vec<Vec<String>> {
        self.ignored.take()
    }
}

/// Runs `f` with `segment` on the tracked path; the first error is recorded with its path.
fn within<'de, T>(
    track: Option<&'de Track<'de>>,
    segment: Segment<'de>,
    f: impl FnOnce() -> Result<T, DeError>,
) -> Result<T, DeError> {
    let Some(track) = track else {
        return f();
    };
    track.path.borrow_mut().push(segment);
    let result = f();
    if result.is_err() && track.error_at.borrow().is_none() {
        let path = track.tokens();
        *track.error_at.borrow_mut() = Some(path);
    }
    track.path.borrow_mut().pop();
    result
}

/// A tree read with its key path tracked ([`Track`]): what the types lint deserialises each
/// kind from, so one concrete deserializer gives both the path of a wrong type and every
/// unknown field (each k8s-openapi type's Deserialize is compiled once, for this type).
#[derive(Clone, Copy)]
pub struct Tracked<'de> {
    node: &'de Node,
    track: Option<&'de Track<'de>>,
}

impl<'de> Tracked<'de> {
    /// `node`, recording into `track`.
    pub fn new(node: &'de Node, track: &'de Track<'de>) -> Self {
        Self {
            node,
            track: Some(track),
        }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*))*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, DeError> {
            Tracked { node: self, track: None }.$method($($arg,)* visitor)
        }
    )*};
}

/// An untracked tree reads exactly as a tracked one.
impl<'de> de::Deserializer<'de> for &'de Node {
    type Error = DeError;

    forward! {
        deserialize_any() deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32()
        deserialize_i64() deserialize_i128() deserialize_u8() deserialize_u16() deserialize_u32()
        deserialize_u64() deserialize_u128() deserialize_f32() deserialize_f64() deserialize_char()
        deserialize_str() deserialize_string() deserialize_bytes() deserialize_byte_buf()
        deserialize_option() deserialize_unit() deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str) deserialize_seq()
        deserialize_tuple(len: usize) deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_map() deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

impl<'de> de::Deserializer<'de> for Tracked<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Float(_) if self.node.value.is_null() => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(_) | Value::Float(_) => visit_number(self.node, visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visit_seq(items, self.track, visitor),
            Value::Map(m) => visit_map(m, self.track, visitor),
        }
    }

    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.value.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::String(name) => visitor.visit_enum(Variant {
                name,
                value: None,
                track: self.track,
            }),
            Value::Map(m) => {
                let mut entries = m.iter();
                match (entries.next(), entries.next()) {
                    (Some((name, value)), None) => visitor.visit_enum(Variant {
                        name,
                        value: Some(value),
                        track: self.track,
                    }),
                    _ => Err(de::Error::invalid_value(
                        Unexpected::Map,
                        &"map with a single key",
                    )),
                }
            }
            other => Err(de::Error::invalid_type(
                other.unexpected(),
                &"string or map",
            )),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.value {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visit_seq(items, self.track, visitor),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.value.is_null() {
            visitor.visit_unit()
        } else {
            Err(invalid(self.node, &visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => visit_seq(items, self.track, visitor),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(m) => visit_map(m, self.track, visitor),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => visit_seq(items, self.track, visitor),
            Value::Map(m) => visit_map(m, self.track, visitor),
            _ => Err(invalid(self.node, &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    /// What a type skips (a field it does not know) is recorded when tracked, as serde_ignored
    /// does; its content is not visited.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if let Some(track) = self.track {
            let path = track.tokens();
            track.ignored.borrow_mut().push(path);
        }
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::DeserializeOwned;

    use super::super::{Limits, SourceFile, parse_documents, to_json};

    /// What deserialising gives (the value's debug text, or the error and its path), read
    /// straight from the tree and read from its JSON copy.
    fn both<T: DeserializeOwned + std::fmt::Debug>(yaml: &str) -> (String, String) {
        let node = parse_documents(yaml, &SourceFile::new("t", yaml), Limits::default())
            .unwrap()
            .remove(0);
        let json = to_json(&node);
        let show = |r: Result<T, String>| match r {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => format!("err {e}"),
        };
        let direct = serde_path_to_error::deserialize::<_, T>(&node)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()));
        // The tracked tree finds the same error at the same key path as serde_path_to_error.
        let tokens = |p: &serde_path_to_error::Path| -> Vec<String> {
            p.iter()
                .filter_map(|s| match s {
                    serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                    serde_path_to_error::Segment::Unknown => None,
                })
                .collect()
        };
        let reference = serde_path_to_error::deserialize::<_, T>(&node)
            .err()
            .map(|e| (tokens(e.path()), e.inner().to_string()));
        let track = super::Track::default();
        let tracked = T::deserialize(super::Tracked::new(&node, &track))
            .err()
            .map(|e| (track.error_path(), e.to_string()));
        assert_eq!(tracked, reference, "{yaml}");
        let via_json = serde_path_to_error::deserialize::<_, T>(&json)
            .map_err(|e| format!("{}: {}", e.path(), e.inner()));
        (show(direct), show(via_json))
    }

    #[test]
    fn a_tracked_tree_records_what_the_type_ignores_and_nothing_inside_it() {
        use k8s_openapi::api::apps::v1::Deployment;

        let yaml = "spec:\n  replicas: 2\n  replicaCont: 3\n  template:\n    spec:\n      containers:\n      - name: c\n        imagePullPolcy: Always\n        extra: {deep: {deeper: 1}}\n";
        let node = parse_documents(yaml, &SourceFile::new("t", yaml), Limits::default())
            .unwrap()
            .remove(0);
        let track = super::Track::default();
        let result = Deployment::deserialize(super::Tracked::new(&node, &track));
        assert!(result.is_ok());
        assert_eq!(
            track.take_ignored(),
            [
                vec!["spec", "replicaCont"],
                vec![
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "0",
                    "imagePullPolcy"
                ],
                vec!["spec", "template", "spec", "containers", "0", "extra"],
            ]
        );
    }

    #[test]
    fn reads_a_tree_as_serde_json_reads_its_json() {
        use k8s_openapi::api::apps::v1::Deployment;
        use k8s_openapi::api::core::v1::{Container, Service};
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

        let deployments = [
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, labels: {x: y}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {x: y}}\n  template:\n    metadata: {labels: {x: y}}\n    spec:\n      containers:\n      - name: c\n        image: i\n        ports: [{containerPort: 80}]\n        resources: {limits: {cpu: 500m, memory: 1Gi}}\n",
            "spec: {replicas: two}\n",
            "spec: {replicas: -3}\n",
            "spec: {replicas: 1.5}\n",
            "spec: {replicas: .nan}\n",
            "spec: {replicas: .inf}\n",
            "spec: {replicas: 99999999999}\n",
            "spec: {replicas: ~}\n",
            "spec: {paused: yes}\n",
            "spec: {template: {spec: {containers: {name: c}}}}\n",
            "spec: {template: {spec: {containers: [{name: 3}]}}}\n",
            "spec: {template: {spec: {containers: [[a]]}}}\n",
            "metadata: {creationTimestamp: 2024-01-01T00:00:00Z}\n",
            "metadata: {creationTimestamp: yesterday}\n",
            "metadata: [a, b]\n",
            "metadata: {labels: {a: 1}}\n",
            "- a\n- b\n",
            "just a string\n",
            "42\n",
        ];
        for yaml in deployments {
            let (direct, via_json) = both::<Deployment>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
        }
        for yaml in ["80\n", "http\n", "-1\n", "1.5\n", "true\n", "[80]\n", "~\n"] {
            let (direct, via_json) = both::<IntOrString>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
        }
        for yaml in [
            "spec: {ports: [{port: 80, targetPort: http}], type: ClusterIP}\n",
            "spec: {ports: [{port: '80'}]}\n",
        ] {
            let (direct, via_json) = both::<Service>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
        }
        let (direct, via_json) = both::<Container>("{name: c, env: [{name: A, value: 1}]}\n");
        assert_eq!(direct, via_json);
        // Plain serde shapes: numbers of every width, options, tuples, enums, JSON itself.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        enum E {
            Unit,
            New(u8),
            Tuple(i8, String),
            Struct { a: bool },
        }
        for yaml in [
            "Unit\n",
            "{New: 7}\n",
            "{New: 300}\n",
            "{Tuple: [-1, x]}\n",
            "{Struct: {a: true}}\n",
            "{Unit: ~}\n",
            "{A: 1, B: 2}\n",
            "[Unit]\n",
            "Other\n",
        ] {
            let (direct, via_json) = both::<E>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
        }
        for yaml in [
            "[1, -2, 3.5, x, ~, true, {a: [b]}]\n",
            "{k: .nan, n: -9223372036854775808}\n",
        ] {
            let (direct, via_json) = both::<serde_json::Value>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
            let (direct, via_json) = both::<(u8, i16, f32)>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
            let (direct, via_json) = both::<Option<Vec<Option<u64>>>>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
            let (direct, via_json) = both::<std::collections::BTreeMap<String, char>>(yaml);
            assert_eq!(direct, via_json, "{yaml}");
        }
    }
}
