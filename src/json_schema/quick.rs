//! A quick answer to "is this value valid against this schema?", read straight from the
//! schema's JSON, without compiling it.
//!
//! Compiling the built-in values schema with boon is most of the cost of a small `kforge
//! render` (BENCHMARKS.md, round 3), and almost every run's values are valid. So values are
//! first checked here: [`Quick::check`] answers [`Verdict::Valid`] only when boon would find no
//! error, [`Verdict::Invalid`] only when it would find one, and [`Verdict::Unsure`] whenever
//! the schema uses anything this module does not know exactly as boon applies it (a keyword,
//! a reference, a pattern outside [`Pattern`]'s subset, a number too large to compare alike).
//! Only a valid verdict saves the compile; anything else is validated by boon, whose errors
//! are what kforge reports. So a mistake here could only ever let invalid values pass, and the
//! tests compare the verdicts with boon's on the shipped schema.
//!
//! It knows draft 2020-12 as boon applies it, for schemas whose references are all local
//! (`#/...`, `#`) and that set no `$id` below the root.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Map, Value as Json};

use super::pattern::Pattern;

/// The answer of [`Quick::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// boon would find no error.
    Valid,
    /// boon would find at least one.
    Invalid,
    /// Not known here: ask boon.
    Unsure,
}

use Verdict::{Invalid, Unsure, Valid};

impl Verdict {
    fn and(self, other: impl FnOnce() -> Verdict) -> Verdict {
        match self {
            Invalid => Invalid,
            Valid => other(),
            Unsure => match other() {
                Invalid => Invalid,
                _ => Unsure,
            },
        }
    }

    fn not(self) -> Verdict {
        match self {
            Valid => Invalid,
            Invalid => Valid,
            Unsure => Unsure,
        }
    }
}

/// Keywords that assert nothing (annotations, and the containers of definitions, which apply
/// only through a `$ref`). `x-` extensions are ignored too.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Subschemas applied within one another before the answer is [`Verdict::Unsure`] (boon's
/// own bound is checked before, by [`super::SchemaWork`]).
const MAX_DEPTH: usize = 128;

/// Quick checks against one schema: the patterns it has compiled so far (`None` for one
/// outside [`Pattern`]'s subset).
#[derive(Default)]
pub struct Quick {
    patterns: Mutex<HashMap<String, Option<Pattern>>>,
}

impl Quick {
    /// Whether `value` is valid against `root` (a schema document), as far as known here.
    /// One `Quick` is for one schema (its patterns are kept).
    pub fn check(&self, root: &Json, value: &Json) -> Verdict {
        let run = Run {
            root,
            patterns: &self.patterns,
        };
        run.apply(root, value, 0, true)
    }
}

/// One check: the schema document and the patterns' cache.
struct Run<'s> {
    root: &'s Json,
    patterns: &'s Mutex<HashMap<String, Option<Pattern>>>,
}

impl<'s> Run<'s> {
    fn apply(&self, schema: &Json, value: &Json, depth: usize, root: bool) -> Verdict {
        if depth > MAX_DEPTH {
            return Unsure;
        }
        let map = match schema {
            Json::Bool(true) => return Valid,
            Json::Bool(false) => return Invalid,
            Json::Object(map) => map,
            _ => return Unsure,
        };
        let mut verdict = Valid;
        for (key, arg) in map {
            let here = self.keyword(map, key, arg, value, depth, root);
            verdict = verdict.and(|| here);
            if verdict == Invalid {
                return Invalid;
            }
        }
        verdict
    }

    /// One keyword of `schema` applied to `value`.
    fn keyword(
        &self,
        schema: &Map<String, Json>,
        key: &str,
        arg: &Json,
        value: &Json,
        depth: usize,
        root: bool,
    ) -> Verdict {
        let deeper = depth + 1;
        match key {
            "type" => match arg {
                Json::String(t) => of_type(t, value),
                Json::Array(types) => {
                    let mut out = Invalid;
                    for t in types {
                        match t.as_str().map_or(Unsure, |t| of_type(t, value)) {
                            Valid => return Valid,
                            Unsure => out = Unsure,
                            Invalid => {}
                        }
                    }
                    out
                }
                _ => Unsure,
            },
            "enum" => match arg {
                Json::Array(options) => from_bool(options.iter().any(|o| equals(o, value))),
                _ => Unsure,
            },
            "const" => from_bool(equals(arg, value)),
            "$ref" => match arg.as_str().and_then(|r| self.resolve(r)) {
                Some(target) => self.apply(target, value, deeper, false),
                None => Unsure,
            },
            "allOf" | "anyOf" | "oneOf" => {
                let Some(branches) = arg.as_array().filter(|b| !b.is_empty()) else {
                    return Unsure;
                };
                let verdicts = branches.iter().map(|b| self.apply(b, value, deeper, false));
                combine(key, verdicts)
            }
            "not" => self.apply(arg, value, deeper, false).not(),
            "if" => match self.apply(arg, value, deeper, false) {
                Valid => schema
                    .get("then")
                    .map_or(Valid, |s| self.apply(s, value, deeper, false)),
                Invalid => schema
                    .get("else")
                    .map_or(Valid, |s| self.apply(s, value, deeper, false)),
                Unsure => Unsure,
            },
            // Applied through `if`.
            "then" | "else" => Valid,
            k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => Valid,
            "$id" if root => Valid,
            _ => match value {
                Json::Object(object) => self.object_keyword(schema, key, arg, object, deeper),
                Json::Array(items) => self.array_keyword(key, arg, items, deeper),
                Json::String(s) => self.string_keyword(key, arg, s),
                Json::Number(n) => number_keyword(key, arg, n),
                Json::Null | Json::Bool(_) => ignored_here(key, OTHER_KEYWORDS),
            },
        }
    }

    fn object_keyword(
        &self,
        schema: &Map<String, Json>,
        key: &str,
        arg: &Json,
        object: &Map<String, Json>,
        depth: usize,
    ) -> Verdict {
        match key {
            "properties" => {
                let Some(props) = arg.as_object() else {
                    return Unsure;
                };
                let mut out = Valid;
                for (name, sub) in props {
                    if let Some(v) = object.get(name) {
                        out = out.and(|| self.apply(sub, v, depth, false));
                        if out == Invalid {
                            return Invalid;
                        }
                    }
                }
                out
            }
            "additionalProperties" => {
                if schema.contains_key("patternProperties") {
                    return Unsure;
                }
                let known = schema.get("properties").and_then(Json::as_object);
                if schema.contains_key("properties") && known.is_none() {
                    return Unsure;
                }
                let mut out = Valid;
                for (name, v) in object {
                    if known.is_some_and(|k| k.contains_key(name)) {
                        continue;
                    }
                    out = out.and(|| self.apply(arg, v, depth, false));
                    if out == Invalid {
                        return Invalid;
                    }
                }
                out
            }
            "required" => match arg.as_array() {
                Some(names) => {
                    let mut out = Valid;
                    for n in names {
                        match n.as_str() {
                            Some(n) if !object.contains_key(n) => return Invalid,
                            Some(_) => {}
                            None => out = Unsure,
                        }
                    }
                    out
                }
                None => Unsure,
            },
            "propertyNames" => {
                let mut out = Valid;
                for name in object.keys() {
                    let name = Json::String(name.clone());
                    out = out.and(|| self.apply(arg, &name, depth, false));
                    if out == Invalid {
                        return Invalid;
                    }
                }
                out
            }
            "minProperties" => count_at_least(object.len(), arg),
            "maxProperties" => count_at_most(object.len(), arg),
            _ => ignored_here(key, OBJECT_KEYWORDS),
        }
    }

    fn array_keyword(&self, key: &str, arg: &Json, items: &[Json], depth: usize) -> Verdict {
        match key {
            "items" => {
                if arg.is_array() {
                    return Unsure;
                }
                let mut out = Valid;
                for item in items {
                    out = out.and(|| self.apply(arg, item, depth, false));
                    if out == Invalid {
                        return Invalid;
                    }
                }
                out
            }
            "minItems" => count_at_least(items.len(), arg),
            "maxItems" => count_at_most(items.len(), arg),
            "uniqueItems" => match arg {
                Json::Bool(false) => Valid,
                Json::Bool(true) => {
                    for (i, a) in items.iter().enumerate() {
                        if items[..i].iter().any(|b| equals(a, b)) {
                            return Invalid;
                        }
                    }
                    Valid
                }
                _ => Unsure,
            },
            _ => ignored_here(key, ARRAY_KEYWORDS),
        }
    }

    fn string_keyword(&self, key: &str, arg: &Json, s: &str) -> Verdict {
        match key {
            "minLength" => count_at_least(s.chars().count(), arg),
            "maxLength" => count_at_most(s.chars().count(), arg),
            "pattern" => {
                let Some(p) = arg.as_str() else {
                    return Unsure;
                };
                let Ok(mut cache) = self.patterns.lock() else {
                    return Unsure;
                };
                let compiled = cache
                    .entry(p.to_string())
                    .or_insert_with(|| Pattern::parse(p));
                match compiled.as_ref().and_then(|c| c.is_match(s)) {
                    Some(m) => from_bool(m),
                    None => Unsure,
                }
            }
            _ => ignored_here(key, STRING_KEYWORDS),
        }
    }

    /// The subschema a local reference names (`#`, `#/a/b`), if it is one.
    fn resolve(&self, reference: &str) -> Option<&'s Json> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.contains('%') {
            return None;
        }
        if pointer.is_empty() {
            return Some(self.root);
        }
        self.root.pointer(pointer)
    }
}

fn number_keyword(key: &str, arg: &Json, n: &serde_json::Number) -> Verdict {
    let (Some(limit), Some(n)) = (arg.as_f64(), n.as_f64()) else {
        return Unsure;
    };
    match key {
        "minimum" => from_bool(n >= limit),
        "maximum" => from_bool(n <= limit),
        "exclusiveMinimum" => from_bool(n > limit),
        "exclusiveMaximum" => from_bool(n < limit),
        _ => ignored_here(key, NUMBER_KEYWORDS),
    }
}

/// Keywords that apply to one kind of value only, so boon ignores them on the others.
const OBJECT_KEYWORDS: &[&str] = &[
    "properties",
    "additionalProperties",
    "required",
    "propertyNames",
    "minProperties",
    "maxProperties",
];
const ARRAY_KEYWORDS: &[&str] = &["items", "minItems", "maxItems", "uniqueItems"];
const STRING_KEYWORDS: &[&str] = &["minLength", "maxLength", "pattern"];
const NUMBER_KEYWORDS: &[&str] = &["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];
const OTHER_KEYWORDS: &[&str] = &[];

/// A keyword met on a value of a kind it does not apply to: valid when it is one of the typed
/// keywords known here (boon ignores it too), unknown otherwise.
fn ignored_here(key: &str, own: &[&str]) -> Verdict {
    let typed = [
        OBJECT_KEYWORDS,
        ARRAY_KEYWORDS,
        STRING_KEYWORDS,
        NUMBER_KEYWORDS,
    ];
    if !own.contains(&key) && typed.iter().any(|k| k.contains(&key)) {
        Valid
    } else {
        Unsure
    }
}

fn from_bool(ok: bool) -> Verdict {
    if ok { Valid } else { Invalid }
}

fn count_at_least(n: usize, arg: &Json) -> Verdict {
    match arg.as_u64() {
        Some(min) => from_bool(n as u64 >= min),
        None => Unsure,
    }
}

fn count_at_most(n: usize, arg: &Json) -> Verdict {
    match arg.as_u64() {
        Some(max) => from_bool(n as u64 <= max),
        None => Unsure,
    }
}

/// `allOf`, `anyOf` or `oneOf` of the branches' verdicts.
fn combine(key: &str, verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let (mut valid, mut unsure) = (0, 0);
    for v in verdicts {
        match v {
            Valid => valid += 1,
            Unsure => unsure += 1,
            Invalid => {
                if key == "allOf" {
                    return Invalid;
                }
            }
        }
    }
    match key {
        "allOf" => {
            if unsure > 0 {
                Unsure
            } else {
                Valid
            }
        }
        "anyOf" => {
            if valid > 0 {
                Valid
            } else if unsure > 0 {
                Unsure
            } else {
                Invalid
            }
        }
        // oneOf
        _ => {
            if valid > 1 || (valid == 0 && unsure == 0) {
                Invalid
            } else if valid == 1 && unsure == 0 {
                Valid
            } else {
                Unsure
            }
        }
    }
}

/// Whether a value is of a JSON Schema type, as boon decides it.
fn of_type(t: &str, v: &Json) -> Verdict {
    match t {
        "null" => from_bool(v.is_null()),
        "boolean" => from_bool(v.is_boolean()),
        "object" => from_bool(v.is_object()),
        "array" => from_bool(v.is_array()),
        "string" => from_bool(v.is_string()),
        "number" => from_bool(v.is_number()),
        "integer" => from_bool(match v {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        }),
        _ => Unsure,
    }
}

/// JSON Schema's equality, as boon's (`1` equals `1.0`; maps in any order).
fn equals(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::Bool(x), Json::Bool(y)) => x == y,
        (Json::Number(x), Json::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) {
                return x == y;
            }
            false
        }
        (Json::String(x), Json::String(y)) => x == y,
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equals(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, a)| y.get(k).is_some_and(|b| equals(a, b)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn boon_valid(schema: &Json, value: &Json) -> bool {
        let mut c = super::super::compiler();
        c.add_resource("file:///s.json", schema.clone()).unwrap();
        let mut schemas = boon::Schemas::new();
        let index = c.compile("file:///s.json", &mut schemas).unwrap();
        schemas.validate(value, index).is_ok()
    }

    #[test]
    fn its_verdicts_are_boons_where_it_has_one() {
        let schema = json!({
            "$defs": {"name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 5}},
            "type": "object",
            "additionalProperties": false,
            "required": ["a"],
            "properties": {
                "a": {"$ref": "#/$defs/name"},
                "n": {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 10},
                "l": {"type": "array", "items": {"enum": [1, "x"]}, "uniqueItems": true, "maxItems": 2},
                "o": {"anyOf": [{"type": "string"}, {"type": "object", "minProperties": 1}]},
                "p": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
                "q": {"not": {"const": "no"}, "propertyNames": {"maxLength": 2}},
                "r": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "boolean"}}
            }
        });
        let values = [
            json!({"a": "abc"}),
            json!({}),
            json!({"a": "ABC"}),
            json!({"a": "abcdef"}),
            json!({"a": "ab", "zz": 1}),
            json!({"a": "ab", "n": 1.0}),
            json!({"a": "ab", "n": 0}),
            json!({"a": "ab", "n": 10}),
            json!({"a": "ab", "n": null}),
            json!({"a": "ab", "n": 2.5}),
            json!({"a": "ab", "l": [1, 1.0]}),
            json!({"a": "ab", "l": [1, "x"]}),
            json!({"a": "ab", "l": [1, "x", 1]}),
            json!({"a": "ab", "l": ["y"]}),
            json!({"a": "ab", "o": "s"}),
            json!({"a": "ab", "o": {}}),
            json!({"a": "ab", "o": 3}),
            json!({"a": "ab", "p": 3}),
            json!({"a": "ab", "p": 7}),
            json!({"a": "ab", "p": 7.5}),
            json!({"a": "ab", "p": 2.5}),
            json!({"a": "ab", "q": "no"}),
            json!({"a": "ab", "q": {"abc": 1}}),
            json!({"a": "ab", "q": {"ab": 1}}),
            json!({"a": "ab", "r": "x"}),
            json!({"a": "ab", "r": "xy"}),
            json!({"a": "ab", "r": true}),
            json!({"a": "ab", "r": 1}),
        ];
        let quick = Quick::default();
        for v in &values {
            let verdict = quick.check(&schema, v);
            assert_ne!(verdict, Unsure, "{v}");
            assert_eq!(verdict == Valid, boon_valid(&schema, v), "{v}");
        }
    }

    #[test]
    fn what_it_does_not_know_it_leaves_to_boon() {
        let quick = Quick::default();
        for schema in [
            json!({"patternProperties": {"^a": {"type": "string"}}}),
            json!({"unevaluatedProperties": false}),
            json!({"format": "email"}),
            json!({"$ref": "other.json"}),
            json!({"properties": {"a": {"$id": "x", "type": "string"}}}),
            json!({"$ref": "#"}),
        ] {
            let value = json!({"a": "1"});
            assert_eq!(quick.check(&schema, &value), Unsure, "{schema}");
        }
        let digits = json!({"type": "string", "pattern": "\\d+"});
        assert_eq!(quick.check(&digits, &json!("1")), Unsure);
        // A keyword of strings on a map is ignored, by boon too.
        assert_eq!(
            quick.check(&json!({"maxLength": 1}), &json!({"a": 1})),
            Valid
        );
    }
}
