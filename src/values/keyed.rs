//! Overlays cannot add by accident. Maps keyed by name (components, sidecars, ports, env,
//! config sets, hosts...; `x-kforge-keyed: true` in the values schema) are where an overlay adds
//! entries, so a typo there (`components: {wroker: ...}`) does not fail the schema: it renders a
//! new workload and the intended change is lost. A name that a layer above base (an overlay, a
//! `-f` file, `--set`) adds to a keyed map, and that is a near miss of a name the layers below
//! it already define, is an error at its file:line. A layer that means such a name lists it:
//!
//! ```yaml
//! kforge:
//!   adds: [components.worker2, env.LOG_LEVEL2]
//! ```
//!
//! (`kforge:` directives: [`super::directives`].)

use serde_json::Value as Json;

use crate::diag::Diagnostic;
use crate::json_schema::keyword;
use crate::yaml::{Node, Value, display_key_path};

use super::COMPONENTS;
use super::directives::DIRECTIVES;

/// Where a values tree holds maps keyed by name: key paths with `*` standing for a name.
#[derive(Clone, Debug, Default)]
pub struct KeyedMaps(Vec<Vec<String>>);

impl KeyedMaps {
    /// The maps the schema marks `x-kforge-keyed: true`, following `properties`,
    /// `additionalProperties` (a name: `*`), the `allOf`/`anyOf`/`oneOf` branches and local
    /// `$ref`s, to a bounded depth (a recursive schema ends there). A schema whose branches and
    /// references expand past [`MAX_SCHEMA_WALK`] subschemas on the way is refused (`Err` holds
    /// the bound): twenty levels of `allOf` with ten `$ref`s each are 10^8 paths within the depth.
    pub fn from_schema(schema: &Json) -> Result<Self, usize> {
        let mut out = Vec::new();
        let mut budget = MAX_SCHEMA_WALK;
        walk(schema, schema, &mut Vec::new(), &mut out, 0, &mut budget).ok_or(MAX_SCHEMA_WALK)?;
        out.sort();
        out.dedup();
        Ok(Self(out))
    }

    /// Whether the map at `path` is keyed. A component's own values (`components.<name>.…`)
    /// have the shape of the top level.
    fn is_keyed(&self, path: &[&str]) -> bool {
        let matches = |p: &[&str]| {
            self.0.iter().any(|pattern| {
                pattern.len() == p.len() && pattern.iter().zip(p).all(|(a, b)| a == "*" || a == b)
            })
        };
        matches(path) || (path.len() > 2 && path[0] == COMPONENTS && matches(&path[2..]))
    }
}

/// Depth past which the schema walk stops (the built-in schema's keyed maps are at most 5 deep).
const MAX_DEPTH: usize = 16;

/// Subschemas the walk for keyed maps may visit, counting each time a branch or a reference
/// leads to one again (the built-in schema takes about 2,000).
pub const MAX_SCHEMA_WALK: usize = 1_000_000;

fn walk(
    root: &Json,
    node: &Json,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
    depth: usize,
    budget: &mut usize,
) -> Option<()> {
    *budget = budget.checked_sub(1)?;
    if depth > MAX_DEPTH {
        return Some(());
    }
    let Some(obj) = node.as_object() else {
        return Some(());
    };
    if keyword(obj, "x-kforge-keyed") == Some(&Json::Bool(true)) {
        out.push(path.clone());
    }
    if let Some(target) = keyword(obj, "$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
    {
        walk(root, target, path, out, depth + 1, budget)?;
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in keyword(obj, key)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            walk(root, branch, path, out, depth + 1, budget)?;
        }
    }
    for (name, sub) in keyword(obj, "properties")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        path.push(name.clone());
        walk(root, sub, path, out, depth + 1, budget)?;
        path.pop();
    }
    if let Some(sub) = keyword(obj, "additionalProperties").filter(|a| a.is_object()) {
        path.push("*".into());
        walk(root, sub, path, out, depth + 1, budget)?;
        path.pop();
    }
    Some(())
}

/// A name a layer adds to a keyed map that is a near miss of a name below it.
struct Miss<'a> {
    /// Key path of the added name.
    path: Vec<&'a str>,
    /// The name below it that it is one slip from.
    near: String,
    /// Where the layers below define that name.
    defined: String,
    /// The added entry.
    node: &'a Node,
}

/// The names `upper` adds to keyed maps that `lower` (the layers below it, merged) does not
/// have and that are near misses of a name it has, unless `adds` lists them; `layer` names
/// the layer in messages.
pub fn near_misses(
    keyed: &KeyedMaps,
    lower: &Node,
    upper: &Node,
    adds: &[Vec<String>],
    layer: &str,
) -> Vec<Diagnostic> {
    let mut misses = Vec::new();
    check(keyed, Some(lower), upper, &mut Vec::new(), &mut misses);
    misses
        .into_iter()
        .filter(|m| {
            !adds
                .iter()
                .any(|a| a.len() == m.path.len() && a.iter().zip(&m.path).all(|(x, y)| x == y))
        })
        .map(|m| {
            let key = m.path.last().copied().unwrap_or_default();
            let near = &m.near;
            let at = display_key_path(&m.path);
            let map_path = display_key_path(&m.path[..m.path.len() - 1]);
            Diagnostic::error(format!(
                "{layer} adds `{key}` to {map_path}, a near miss of `{near}`, which the layers below define{}; an overlay that adds by mistake renders something new and loses the change it meant",
                m.defined
            ))
            .at(m.node.origin.clone())
            .key(at.clone())
            .help(if layer == "--set" {
                format!(
                    "did you mean `{near}`? A new entry this close to an existing one is added in a values file, with `{DIRECTIVES}: {{adds: [{at}]}}` (docs/layers.md)"
                )
            } else {
                format!(
                    "did you mean `{near}`? If `{key}` is meant as a new entry, say so in this file: `{DIRECTIVES}: {{adds: [{at}]}}` (docs/layers.md)"
                )
            })
        })
        .collect()
}

/// The key paths of the names `upper` adds to keyed maps that are near misses of names in
/// `lower`: what a values file written over `lower` must list in `kforge: {adds: [...]}`
/// (`kforge import` writes them).
pub fn added_near_miss_paths(keyed: &KeyedMaps, lower: &Node, upper: &Node) -> Vec<Vec<String>> {
    let mut misses = Vec::new();
    check(keyed, Some(lower), upper, &mut Vec::new(), &mut misses);
    misses
        .into_iter()
        .map(|m| m.path.iter().map(ToString::to_string).collect())
        .collect()
}

fn check<'a>(
    keyed: &KeyedMaps,
    lower: Option<&Node>,
    upper: &'a Node,
    path: &mut Vec<&'a str>,
    out: &mut Vec<Miss<'a>>,
) {
    let Some(map) = upper.as_map() else {
        return;
    };
    let below = lower.and_then(Node::as_map);
    let is_keyed = keyed.is_keyed(path);
    for (key, node) in map {
        let before = below.and_then(|m| m.get(key.as_str()));
        if is_keyed
            && before.is_none()
            && !matches!(node.value, Value::Null)
            && let Some(below) = below
            && let Some(near) = near_miss(key, below.keys().map(String::as_str))
        {
            let mut at = path.clone();
            at.push(key);
            out.push(Miss {
                path: at,
                near: near.to_string(),
                defined: below
                    .get(near)
                    .and_then(|n| n.origin.file_line())
                    .map(|(f, line, _)| format!(" ({}:{line})", f.display))
                    .unwrap_or_default(),
                node,
            });
        }
        path.push(key);
        check(keyed, before, node, path, out);
        path.pop();
    }
}

/// The name of `candidates` that `name` is one slip from: one edit (a letter added, dropped,
/// changed, or two swapped), or two for names of ten characters or more.
fn near_miss<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = |a: &str, b: &str| if a.len().min(b.len()) >= 10 { 2 } else { 1 };
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= allowed(name, c))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_one_slip() {
        let names = ["worker", "web", "api-gateway-internal"];
        assert_eq!(near_miss("wroker", names.iter().copied()), Some("worker"));
        assert_eq!(near_miss("webb", names.iter().copied()), Some("web"));
        assert_eq!(near_miss("api", names.iter().copied()), None);
        assert_eq!(
            near_miss("api-gatewya-internl", names.iter().copied()),
            Some("api-gateway-internal")
        );
        assert_eq!(near_miss("nightly", names.iter().copied()), None);
    }

    #[test]
    fn keyed_maps_come_from_the_schema() {
        let schema = serde_json::json!({
            "$defs": {"c": {"type": "object", "properties": {"env": {"$ref": "#/properties/env"}}}},
            "properties": {
                "env": {"type": "object", "x-kforge-keyed": true, "additionalProperties": {"type": "string"}},
                "sidecars": {"type": "object", "x-kforge-keyed": true, "additionalProperties": {"$ref": "#/$defs/c"}},
                "podLabels": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        });
        let keyed = KeyedMaps::from_schema(&schema).unwrap();
        assert!(keyed.is_keyed(&["env"]));
        assert!(keyed.is_keyed(&["sidecars"]));
        assert!(keyed.is_keyed(&["sidecars", "proxy", "env"]));
        assert!(keyed.is_keyed(&["components", "web", "sidecars", "proxy", "env"]));
        assert!(!keyed.is_keyed(&["podLabels"]));
    }

    #[test]
    fn a_schema_whose_references_multiply_is_refused() {
        // Ten `$ref`s to the next level, twenty levels: 10^8 paths within the depth bound.
        let mut defs = serde_json::Map::new();
        for i in 0..20 {
            let next = serde_json::json!({"$ref": format!("#/$defs/d{}", i + 1)});
            defs.insert(
                format!("d{i}"),
                serde_json::json!({"allOf": vec![next; 10]}),
            );
        }
        let schema =
            serde_json::json!({"$defs": defs, "properties": {"a": {"$ref": "#/$defs/d0"}}});
        assert_eq!(
            KeyedMaps::from_schema(&schema).unwrap_err(),
            MAX_SCHEMA_WALK
        );
    }
}
