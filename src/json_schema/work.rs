//! The work of validating one instance against a schema, counted before boon does it.
//!
//! boon compiles each subschema once, but applies them without memory of what it applied: an
//! `allOf` of two `$ref`s to a schema that is itself an `allOf` of two `$ref`s, forty levels
//! down, applies the last one 2^40 times to the same value (a 3.7 KB schema that never finished
//! validating). The same happens over the depth of the value, through `properties` or `items`
//! that lead back to a schema already applied. So before boon validates, [`SchemaWork`] walks
//! the value with the schema as boon would, applying every subschema that boon may apply (more,
//! never fewer: both branches of an `if`, every alternative of an `anyOf`, every
//! `patternProperties` schema whose pattern might match) and counting the steps, and stops at
//! [`MAX_VALIDATION_STEPS`]. It stops as boon does at a reference cycle on the same value, and
//! at [`MAX_VALIDATION_DEPTH`] nested applications (boon's validator recurses as deep).

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use super::refs::each_subschema;
use super::{keyword, pointer};

/// Steps of validation work allowed for one value against one schema: a step is a subschema
/// applied to a value, or one of its keys, items, enum values or required names looked at.
/// Counting up to it takes a fraction of a second, and the largest doubling schema within it
/// (17 levels of `allOf` of two `$ref`s) is counted and validated in 0.3 s of CPU (release
/// build), while each values file of the reference project takes about a hundred steps.
pub const MAX_VALIDATION_STEPS: u64 = 20_000_000;

/// Subschemas applied within one another (in place, through references and combinators, and
/// to nested values) allowed at once: boon's validator recurses for each, and a chain of 990
/// `$ref`s overflowed the 2 MiB stack of a worker thread (`check`, release build; about 220 in
/// a debug build). Within 200, a value nests 99 levels under a schema that refers to itself
/// at each level (two applications a level).
pub const MAX_VALIDATION_DEPTH: usize = 200;

/// The bounds of one count; [`WorkLimits::default`] is the bounds above (tests and the fuzz
/// target lower them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkLimits {
    /// See [`MAX_VALIDATION_STEPS`].
    pub steps: u64,
    /// See [`MAX_VALIDATION_DEPTH`].
    pub depth: usize,
}

impl Default for WorkLimits {
    fn default() -> Self {
        Self {
            steps: MAX_VALIDATION_STEPS,
            depth: MAX_VALIDATION_DEPTH,
        }
    }
}

/// Validation that would pass a bound: which, where in the value, and the references that
/// were being followed (the last of them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    /// More steps than [`WorkLimits::steps`].
    #[error(
        "validating it takes more than {limit} steps (the bound of kforge's schema work), passed at {}{}",
        show_at(.instance),
        show_refs(.refs)
    )]
    Steps {
        /// The bound.
        limit: u64,
        /// Key path in the value where it was passed.
        instance: Vec<String>,
        /// The references being followed there, outermost first (at most the last 4).
        refs: Vec<String>,
    },
    /// Applications nested deeper than [`WorkLimits::depth`].
    #[error(
        "validating it nests more than {limit} subschemas within one another (the bound of kforge's schema work), at {}{}",
        show_at(.instance),
        show_refs(.refs)
    )]
    Depth {
        /// The bound.
        limit: usize,
        /// Key path in the value where it was passed.
        instance: Vec<String>,
        /// The references being followed there, outermost first (at most the last 4).
        refs: Vec<String>,
    },
}

impl WorkError {
    /// Key path in the value where the bound was passed.
    pub fn instance(&self) -> &[String] {
        match self {
            Self::Steps { instance, .. } | Self::Depth { instance, .. } => instance,
        }
    }

    fn parts(&mut self) -> (&mut Vec<String>, &mut Vec<String>) {
        match self {
            Self::Steps { instance, refs, .. } | Self::Depth { instance, refs, .. } => {
                (instance, refs)
            }
        }
    }
}

fn show_at(instance: &[String]) -> String {
    if instance.is_empty() {
        "the top of the value".to_string()
    } else {
        format!("`{}`", pointer(instance))
    }
}

fn show_refs(refs: &[String]) -> String {
    if refs.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = refs.iter().map(|r| format!("`{r}`")).collect();
    format!(", following {}", shown.join(" → "))
}

/// A schema ready to count the work of validating values against it: its patterns compiled
/// once (see [`SchemaWork::check`]).
pub struct SchemaWork {
    schema: Json,
    /// Each `patternProperties` pattern, compiled; `None` for one this regex engine does not
    /// read (an ECMA-only construct), which then counts as matching every name.
    patterns: HashMap<String, Option<regex::Regex>>,
    limits: WorkLimits,
}

impl SchemaWork {
    /// Prepares `schema` (the JSON boon compiles) with the default bounds.
    pub fn new(schema: Json) -> Self {
        Self::with_limits(schema, WorkLimits::default())
    }

    /// Prepares `schema` with other bounds.
    pub fn with_limits(schema: Json, limits: WorkLimits) -> Self {
        let mut patterns = HashMap::new();
        each_subschema(&schema, &mut |_, obj| {
            for name in keyword(obj, "patternProperties")
                .and_then(Json::as_object)
                .into_iter()
                .flat_map(Map::keys)
            {
                patterns.entry(name.clone()).or_insert_with(|| {
                    regex::RegexBuilder::new(name)
                        .size_limit(1 << 20)
                        .build()
                        .ok()
                });
            }
        });
        Self {
            schema,
            patterns,
            limits,
        }
    }

    /// The schema.
    pub fn schema(&self) -> &Json {
        &self.schema
    }

    /// Counts the steps of validating `value`; an error if a bound is passed (the walk stops
    /// there, so the count costs at most the bound).
    pub fn check(&self, value: &Json) -> Result<u64, WorkError> {
        let mut walk = Walk {
            work: self,
            steps: 0,
            chain: Vec::new(),
        };
        match walk.visit(&self.schema, value, 0, 0) {
            Ok(()) => Ok(walk.steps),
            Err(mut e) => {
                let (instance, refs) = e.parts();
                instance.reverse();
                refs.reverse();
                let keep = refs.len().saturating_sub(4);
                refs.drain(..keep);
                Err(e)
            }
        }
    }
}

/// Counts the work of validating `value` against `schema` (see [`SchemaWork`]).
pub fn check_work(schema: &Json, value: &Json, limits: WorkLimits) -> Result<u64, WorkError> {
    SchemaWork::with_limits(schema.clone(), limits).check(value)
}

/// One count in progress.
struct Walk<'s> {
    work: &'s SchemaWork,
    steps: u64,
    /// The subschemas applied in place to the values on the way down, innermost last; those
    /// from `base` on apply to the current value (boon's reference cycle check looks at them).
    chain: Vec<&'s Json>,
}

impl<'s> Walk<'s> {
    fn charge(&mut self, steps: u64) -> Result<(), WorkError> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.work.limits.steps {
            return Err(WorkError::Steps {
                limit: self.work.limits.steps,
                instance: Vec::new(),
                refs: Vec::new(),
            });
        }
        Ok(())
    }

    /// Applies `schema` to `value`; `base` is where the subschemas applied in place to this
    /// value start in the chain, `depth` the nesting so far.
    fn visit(
        &mut self,
        schema: &'s Json,
        value: &Json,
        base: usize,
        depth: usize,
    ) -> Result<(), WorkError> {
        if depth > self.work.limits.depth {
            return Err(WorkError::Depth {
                limit: self.work.limits.depth,
                instance: Vec::new(),
                refs: Vec::new(),
            });
        }
        let in_place = (self.chain.len() - base) as u64;
        self.charge(1 + in_place)?;
        let Some(obj) = schema.as_object() else {
            return Ok(());
        };
        // boon stops at a subschema already applied to this value on the way here.
        if self.chain[base..].iter().any(|s| std::ptr::eq(*s, schema)) {
            return Ok(());
        }
        self.charge(local_steps(obj, value))?;
        self.chain.push(schema);
        let result = self
            .in_place(obj, value, base, depth)
            .and_then(|()| self.descend(obj, value, depth));
        self.chain.pop();
        result
    }

    /// The subschemas `obj` applies to the same value.
    fn in_place(
        &mut self,
        obj: &'s Map<String, Json>,
        value: &Json,
        base: usize,
        depth: usize,
    ) -> Result<(), WorkError> {
        for kw in ["$ref", "$dynamicRef", "$recursiveRef"] {
            let Some(reference) = keyword(obj, kw).and_then(Json::as_str) else {
                continue;
            };
            if let Some(target) = resolve(&self.work.schema, reference) {
                self.visit(target, value, base, depth + 1)
                    .map_err(|mut e| {
                        e.parts().1.push(reference.to_string());
                        e
                    })?;
            }
        }
        for kw in ["allOf", "anyOf", "oneOf"] {
            for sub in keyword(obj, kw)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                self.visit(sub, value, base, depth + 1)?;
            }
        }
        for kw in ["not", "if", "then", "else"] {
            if let Some(sub) = keyword(obj, kw) {
                self.visit(sub, value, base, depth + 1)?;
            }
        }
        if let Json::Object(map) = value {
            for kw in ["dependentSchemas", "dependencies"] {
                for (name, sub) in keyword(obj, kw)
                    .and_then(Json::as_object)
                    .into_iter()
                    .flatten()
                {
                    if (sub.is_object() || sub.is_boolean()) && map.contains_key(name) {
                        self.visit(sub, value, base, depth + 1)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The subschemas `obj` applies to the keys and items of the value.
    fn descend(
        &mut self,
        obj: &'s Map<String, Json>,
        value: &Json,
        depth: usize,
    ) -> Result<(), WorkError> {
        let base = self.chain.len();
        let at = |e: WorkError, token: String| {
            let mut e = e;
            e.parts().0.push(token);
            e
        };
        match value {
            Json::Object(map) => {
                let properties = keyword(obj, "properties").and_then(Json::as_object);
                let patterns = keyword(obj, "patternProperties").and_then(Json::as_object);
                let additional = keyword(obj, "additionalProperties");
                let unevaluated = keyword(obj, "unevaluatedProperties");
                let names = keyword(obj, "propertyNames");
                for (key, child) in map {
                    let each = |walk: &mut Self| -> Result<(), WorkError> {
                        let known = properties.and_then(|p| keyword(p, key));
                        if let Some(sub) = known {
                            walk.visit(sub, child, base, depth + 1)?;
                        }
                        let mut matched = false;
                        for (pattern, sub) in patterns.into_iter().flatten() {
                            if walk.matches(pattern, key) {
                                matched = true;
                                walk.visit(sub, child, base, depth + 1)?;
                            }
                        }
                        if let Some(sub) = additional.filter(|_| known.is_none() && !matched) {
                            walk.visit(sub, child, base, depth + 1)?;
                        }
                        if let Some(sub) = unevaluated {
                            walk.visit(sub, child, base, depth + 1)?;
                        }
                        if let Some(sub) = names {
                            walk.visit(sub, &Json::String(key.clone()), base, depth + 1)?;
                        }
                        Ok(())
                    };
                    each(self).map_err(|e| at(e, key.clone()))?;
                }
            }
            Json::Array(items) => {
                let tuple = keyword(obj, "items").and_then(Json::as_array);
                let every = keyword(obj, "items").filter(|i| !i.is_array());
                let prefix = keyword(obj, "prefixItems").and_then(Json::as_array);
                let after =
                    ["additionalItems", "contains", "unevaluatedItems"].map(|k| keyword(obj, k));
                for (i, item) in items.iter().enumerate() {
                    let each = |walk: &mut Self| -> Result<(), WorkError> {
                        let positional = [tuple, prefix].map(|l| l.and_then(|l| l.get(i)));
                        for sub in positional.into_iter().chain([every]).chain(after).flatten() {
                            walk.visit(sub, item, base, depth + 1)?;
                        }
                        Ok(())
                    };
                    each(self).map_err(|e| at(e, i.to_string()))?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether boon may apply the `patternProperties` schema of `pattern` to `name`.
    fn matches(&self, pattern: &str, name: &str) -> bool {
        match self.work.patterns.get(pattern) {
            Some(Some(regex)) => regex.is_match(name),
            _ => true,
        }
    }
}

/// The steps of the keywords of `obj` that look at each key, item, enum value or required
/// name, applied to `value`.
fn local_steps(obj: &Map<String, Json>, value: &Json) -> u64 {
    let len = |k: &str| {
        keyword(obj, k).map_or(0, |v| match v {
            Json::Array(a) => a.len(),
            Json::Object(m) => m.len(),
            _ => 0,
        }) as u64
    };
    let children = match value {
        Json::Object(m) => m.len() as u64,
        Json::Array(a) => a.len() as u64,
        _ => 0,
    };
    let patterns = len("patternProperties");
    children
        .saturating_mul(1 + patterns)
        .saturating_add(len("enum"))
        .saturating_add(len("required"))
        .saturating_add(len("dependencies"))
        .saturating_add(len("dependentRequired"))
}

/// The subschema a local reference names: `#` or `#/` and a JSON pointer (percent-encoded as a
/// URL fragment may be). Any other reference names nothing here (the compiler refused it).
fn resolve<'s>(root: &'s Json, reference: &str) -> Option<&'s Json> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(root);
    }
    root.pointer(&percent_decode(fragment)?)
}

/// `%XX` sequences decoded; `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 40 levels of `allOf` with two `$ref`s each to the next level.
    fn doubling(levels: usize) -> Json {
        let mut defs = Map::new();
        for i in 0..levels {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"allOf": [{"$ref": next}, {"$ref": next}]}),
            );
        }
        defs.insert(format!("d{levels}"), json!({"type": "string"}));
        json!({"$defs": defs, "properties": {"p": {"$ref": "#/$defs/d0"}}})
    }

    #[test]
    fn references_that_multiply_are_stopped_at_the_bound() {
        let limits = WorkLimits {
            steps: 100_000,
            depth: 1_000,
        };
        let e = check_work(&doubling(40), &json!({"p": "x"}), limits).unwrap_err();
        assert!(matches!(e, WorkError::Steps { limit: 100_000, .. }), "{e}");
        assert_eq!(e.instance(), ["p"]);
        let text = e.to_string();
        assert!(text.contains("more than 100000 steps"), "{text}");
        assert!(text.contains("at `/p`, following `#/$defs/d"), "{text}");
        // Ten levels are 2^10 applications (each charged the chain of references it is in,
        // as boon looks along it for a cycle): counted, and within the bound.
        let steps = check_work(&doubling(10), &json!({"p": "x"}), limits).unwrap();
        assert!((2_000..200_000).contains(&steps), "{steps}");
        // Not applied to a value that lacks the key.
        assert!(check_work(&doubling(40), &json!({}), limits).unwrap() < 10);
    }

    #[test]
    fn recursion_through_the_value_is_counted_and_cycles_end() {
        // Each level applies the root twice to the same key: 2^depth of the value.
        let schema = json!({"allOf": [
            {"properties": {"a": {"$ref": "#"}}},
            {"properties": {"a": {"$ref": "#"}}}
        ]});
        let mut value = json!("leaf");
        for _ in 0..40 {
            value = json!({ "a": value });
        }
        let limits = WorkLimits {
            steps: 1_000_000,
            depth: 1_000,
        };
        assert!(matches!(
            check_work(&schema, &value, limits),
            Err(WorkError::Steps { .. })
        ));
        // A schema that refers to itself in place ends, as boon's cycle check does.
        let cycle = json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"$ref": "#/$defs/a"}},
            "$ref": "#/$defs/a"});
        assert!(check_work(&cycle, &json!(1), limits).unwrap() < 20);
        // A recursive tree schema costs in proportion to the value.
        let tree = json!({"properties": {"left": {"$ref": "#"}, "right": {"$ref": "#"}}});
        let mut value = json!({});
        for _ in 0..100 {
            value = json!({"left": value, "right": {}});
        }
        assert!(check_work(&tree, &value, limits).unwrap() < 2_000);
    }

    #[test]
    fn nesting_past_the_depth_bound_is_refused() {
        let mut defs = Map::new();
        for i in 0..50 {
            defs.insert(
                format!("d{i}"),
                json!({"$ref": format!("#/$defs/d{}", i + 1)}),
            );
        }
        let schema = json!({"$defs": defs, "$ref": "#/$defs/d0"});
        let limits = WorkLimits {
            steps: 1_000_000,
            depth: 20,
        };
        let e = check_work(&schema, &json!(1), limits).unwrap_err();
        assert!(matches!(e, WorkError::Depth { limit: 20, .. }), "{e}");
    }

    #[test]
    fn pattern_properties_apply_where_they_match() {
        // Two patterns that never match the same name: no doubling.
        let schema = json!({"patternProperties": {"^a": {"$ref": "#"}, "^b": {"$ref": "#"}}});
        let mut value = json!({});
        for _ in 0..60 {
            value = json!({ "a": value });
        }
        let limits = WorkLimits::default();
        assert!(check_work(&schema, &value, limits).unwrap() < 1_000);
        // A pattern this engine cannot read matches everything: counted, never skipped.
        let schema = json!({"patternProperties": {"(?<=x)a": {"type": "string"}}});
        assert!(check_work(&schema, &json!({"b": 1}), limits).unwrap() >= 3);
    }

    #[test]
    fn percent_encoded_pointers_resolve() {
        let root = json!({"$defs": {"a b": {"type": "string"}, "c/d": 1}});
        assert_eq!(
            resolve(&root, "#/$defs/a%20b"),
            Some(&json!({"type": "string"}))
        );
        assert_eq!(resolve(&root, "#/$defs/c~1d"), Some(&json!(1)));
        assert_eq!(resolve(&root, "#"), Some(&root));
        assert_eq!(resolve(&root, "other.json#/a"), None);
    }
}
