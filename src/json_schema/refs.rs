//! The references of a schema, checked before it is compiled: a CRD's schema has none (the
//! API server refuses `$ref` in `openAPIV3Schema`), and a values schema refers only inside
//! itself (`#` or `#/json/pointer`), as one resource (no `$id` below its root).

use serde_json::{Map, Value as Json};

use super::pointer;

/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "contentSchema",
];
/// Keywords whose value is a list of subschemas (`items` in drafts before 2020-12 too).
const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "items", "prefixItems"];
/// Keywords whose value is a map of subschemas by name (the lists of `dependencies` are not
/// schemas, and are skipped as non-objects).
const MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "dependentSchemas",
    "dependencies",
];

/// What [`each_subschema`] calls for each subschema: its key path and its keywords.
pub(super) type Visit<'v, 's> = dyn FnMut(&[String], &'s Map<String, Json>) + 'v;

/// Calls `visit` with the key path and the keywords of every subschema of `schema` that is an
/// object, `schema` itself first, in the order written. Only the values of schema keywords are
/// subschemas: a property named `$ref` or `id` is a name, not a keyword.
pub(super) fn each_subschema<'s>(schema: &'s Json, visit: &mut Visit<'_, 's>) {
    fn walk<'s>(schema: &'s Json, path: &mut Vec<String>, visit: &mut Visit<'_, 's>) {
        let Some(obj) = schema.as_object() else {
            return;
        };
        visit(path, obj);
        for (key, value) in obj {
            let k = key.as_str();
            let children: Vec<(String, &Json)> = match value {
                Json::Object(m) if MAP.contains(&k) => {
                    m.iter().map(|(name, s)| (name.clone(), s)).collect()
                }
                Json::Array(list) if LIST.contains(&k) => list
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (i.to_string(), s))
                    .collect(),
                Json::Object(_) if ONE.contains(&k) => {
                    path.push(key.clone());
                    walk(value, path, visit);
                    path.pop();
                    continue;
                }
                _ => continue,
            };
            path.push(key.clone());
            for (name, child) in children {
                path.push(name);
                walk(child, path, visit);
                path.pop();
            }
            path.pop();
        }
    }
    walk(schema, &mut Vec::new(), visit);
}

/// The key paths (from the schema) of every `$ref` of a CRD's schema, in the order written.
/// The API server refuses a CRD with any (`$ref is not supported`), and kforge compiles none.
pub fn crd_refs(schema: &Json) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    each_subschema(schema, &mut |path, obj| {
        if obj.contains_key("$ref") {
            let mut at = path.to_vec();
            at.push("$ref".to_string());
            found.push(at);
        }
    });
    found
}

/// A reference a values schema may not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{keyword}` at {pointer} is `{value}`: {why}")]
pub struct RefProblem {
    /// JSON pointer of the keyword in the schema.
    pub pointer: String,
    /// `$ref`, `$dynamicRef`, `$recursiveRef`, `$id` or `id`.
    pub keyword: String,
    /// Its value as written (at most 120 characters, control characters escaped).
    pub value: String,
    /// Why it is refused.
    pub why: &'static str,
}

/// The references of a values schema that lead outside it: every `$ref`, `$dynamicRef` and
/// `$recursiveRef` must be `#` or `#/` followed by a JSON pointer; an `$id` (`id` in draft 4)
/// below the root would make a resource of its own, against which `#/...` means something else.
pub fn local_refs_only(schema: &Json) -> Vec<RefProblem> {
    let draft4 = schema
        .get("$schema")
        .and_then(Json::as_str)
        .is_some_and(|s| s.contains("draft-04"));
    let mut problems = Vec::new();
    each_subschema(schema, &mut |path, obj| {
        let mut problem = |keyword: &str, value: &str, why: &'static str| {
            let mut at = path.to_vec();
            at.push(keyword.to_string());
            problems.push(RefProblem {
                pointer: pointer(&at),
                keyword: keyword.to_string(),
                value: shown(value),
                why,
            });
        };
        for keyword in ["$ref", "$dynamicRef", "$recursiveRef"] {
            let Some(value) = obj.get(keyword) else {
                continue;
            };
            match value.as_str() {
                Some(r) if r == "#" || r.starts_with("#/") => {}
                Some(r) => problem(
                    keyword,
                    r,
                    "a values schema may refer only inside itself (`#/$defs/name`); kforge reads no other file or URL",
                ),
                None => problem(keyword, &value.to_string(), "a reference is a string"),
            }
        }
        if !path.is_empty() {
            let ids: &[&str] = if draft4 { &["$id", "id"] } else { &["$id"] };
            for keyword in ids.iter().copied() {
                if let Some(id) = obj.get(keyword).and_then(Json::as_str) {
                    problem(
                        keyword,
                        id,
                        "a values schema is one resource: an identifier is allowed only at its root",
                    );
                }
            }
        }
    });
    problems
}

/// `value` as shown in a message: control characters escaped, at most 120 characters.
fn shown(value: &str) -> String {
    let escaped: String = value.chars().flat_map(char::escape_default).collect();
    if escaped.chars().count() > 120 {
        format!("{}…", escaped.chars().take(120).collect::<String>())
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_refs_are_found_at_schema_positions_only() {
        let schema = json!({
            "type": "object",
            "properties": {
                "$ref": {"type": "string"},
                "a": {"items": {"$ref": "file:///etc/passwd"}},
                "b": {"allOf": [{"type": "string"}, {"$ref": "#/x"}]},
            },
            "enum": [{"$ref": "data, not a schema"}],
        });
        assert_eq!(
            crd_refs(&schema)
                .iter()
                .map(|p| pointer(p))
                .collect::<Vec<_>>(),
            ["/properties/a/items/$ref", "/properties/b/allOf/1/$ref"]
        );
    }

    #[test]
    fn a_values_schema_refers_only_inside_itself() {
        let schema = json!({
            "$defs": {"port": {"type": "integer"}, "x": {"$id": "x.json"}},
            "properties": {
                "ok": {"$ref": "#/$defs/port"},
                "root": {"$ref": "#"},
                "file": {"$ref": "file:///etc/passwd"},
                "rel": {"$ref": "other.json#/a"},
                "web": {"$dynamicRef": "https://example.com/s.json"},
                "anchor": {"$ref": "#name"},
                "id": {"type": "string"},
            },
        });
        let got: Vec<String> = local_refs_only(&schema)
            .iter()
            .map(|p| p.pointer.clone())
            .collect();
        assert_eq!(
            got,
            [
                "/$defs/x/$id",
                "/properties/file/$ref",
                "/properties/rel/$ref",
                "/properties/web/$dynamicRef",
                "/properties/anchor/$ref",
            ]
        );
        let draft4 = json!({"$schema": "http://json-schema.org/draft-04/schema#",
            "properties": {"a": {"id": "a.json"}}});
        assert_eq!(local_refs_only(&draft4)[0].pointer, "/properties/a/id");
    }
}
