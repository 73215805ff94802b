//! A project's `chart-templates/values.schema.json` merged into the built-in values schema, so a
//! project adds its own keys without copying (and then maintaining) kforge's whole schema, and
//! without turning typo checks off.
//!
//! Rules, applied recursively from the top: `properties` (and `$defs`, `patternProperties`)
//! present in both are merged, new ones are added; `required` lists are joined; a `type` may be
//! narrowed (`number` to `integer`) but not changed; any other keyword of the project replaces
//! the built-in one. An object the project declares with `properties` and no
//! `additionalProperties` is closed (`additionalProperties: false`), as the built-in objects are,
//! so a typo in a project key fails too; `"additionalProperties": true` opens it. A project
//! schema with `"x-kforge-replace": true` at its top replaces the built-in schema whole.

use serde_json::{Map as JsonMap, Value as Json};

use crate::diag::Diagnostic;

/// The top-level keyword with which a project schema replaces the built-in one whole.
pub const REPLACE_KEYWORD: &str = "x-kforge-replace";

/// Keywords whose value is a map of names to schemas, merged name by name.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Keywords of the built-in schema a project does not change: its identity and draft.
const KEPT: &[&str] = &["$schema", "$id"];

/// The effective schema: `project` merged into `builtin` (or `project` alone when it opts in
/// with [`REPLACE_KEYWORD`]). `display` names the project file in messages. Every type change of
/// a built-in key is reported, each with its JSON pointer.
pub fn extend(builtin: Json, project: Json, display: &str) -> Result<Json, Vec<Diagnostic>> {
    if !project.is_object() {
        // Not a schema object (`true`, `5`...): the metaschema check says why, at `/`.
        return Ok(project);
    }
    if project.get(REPLACE_KEYWORD) == Some(&Json::Bool(true)) {
        return Ok(project);
    }
    let mut merged = builtin;
    let mut problems = Vec::new();
    merge_schema(
        &mut merged,
        project,
        &mut String::new(),
        display,
        &mut problems,
    );
    if problems.is_empty() {
        Ok(merged)
    } else {
        Err(problems)
    }
}

/// Merges the project's `p` into the built-in `b`; `ptr` is their JSON pointer.
fn merge_schema(
    b: &mut Json,
    p: Json,
    ptr: &mut String,
    display: &str,
    problems: &mut Vec<Diagnostic>,
) {
    if !(b.is_object() && p.is_object()) {
        // A boolean schema on either side: the project's wins.
        *b = p;
        return;
    }
    let (Json::Object(bm), Json::Object(pm)) = (b, p) else {
        return;
    };
    for (key, pv) in pm {
        let len = ptr.len();
        ptr.push('/');
        ptr.push_str(&escape_pointer(&key));
        match (key.as_str(), bm.get_mut(&key), pv) {
            (REPLACE_KEYWORD, _, _) => {}
            (k, Some(_), _) if KEPT.contains(&k) => {}
            (k, Some(Json::Object(bs)), Json::Object(ps)) if SCHEMA_MAPS.contains(&k) => {
                for (name, schema) in ps {
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&escape_pointer(&name));
                    match bs.get_mut(&name) {
                        Some(existing) => merge_schema(existing, schema, ptr, display, problems),
                        None => {
                            let mut schema = schema;
                            close_objects(&mut schema);
                            bs.insert(name, schema);
                        }
                    }
                    ptr.truncate(len);
                }
            }
            ("required", Some(Json::Array(names)), Json::Array(more)) => {
                for name in more {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            ("type", Some(bt), pv) => {
                if let Some(d) = type_change(bt, &pv, ptr, display) {
                    problems.push(d);
                }
                bm.insert(key, pv);
            }
            (_, Some(existing), pv) if existing.is_object() && pv.is_object() => {
                merge_schema(existing, pv, ptr, display, problems);
            }
            (_, _, pv) => {
                let mut pv = pv;
                if SCHEMA_MAPS.contains(&key.as_str())
                    && let Json::Object(m) = &mut pv
                {
                    m.values_mut().for_each(close_objects);
                }
                bm.insert(key, pv);
            }
        }
        ptr.truncate(len);
    }
}

/// The type names of a `type` keyword, if it is well formed.
fn type_names(t: &Json) -> Option<Vec<&str>> {
    match t {
        Json::String(s) => Some(vec![s.as_str()]),
        Json::Array(items) => items.iter().map(Json::as_str).collect(),
        _ => None,
    }
}

/// A project `type` that is not the built-in one or a narrowing of it (`integer` within
/// `number`, one of several types).
fn type_change(builtin: &Json, project: &Json, ptr: &str, display: &str) -> Option<Diagnostic> {
    let (Some(bt), Some(pt)) = (type_names(builtin), type_names(project)) else {
        return None;
    };
    let fits = |t: &str| bt.contains(&t) || (t == "integer" && bt.contains(&"number"));
    if pt.iter().all(|t| fits(t)) {
        return None;
    }
    let key = key_path(ptr);
    let what = if key.is_empty() {
        "the values".to_string()
    } else {
        format!("`{key}`")
    };
    let mut d = Diagnostic::error(format!(
        "{display} at {ptr}: changes the type of the built-in key {what} from {} to {}",
        bt.join(" or "),
        pt.join(" or ")
    ))
    .help(format!(
        "a project schema adds keys to the built-in one and may narrow them, never change their type (the built-in templates rely on it); use a key of your own, or replace the built-in schema whole with \"{REPLACE_KEYWORD}\": true at the top of {display}"
    ));
    if !key.is_empty() {
        d = d.key(key);
    }
    Some(d)
}

/// The values key path of a schema pointer (`/properties/a/properties/b/type` → `a.b`).
pub fn key_path(ptr: &str) -> String {
    let parts: Vec<String> = ptr.split('/').skip(1).map(unescape_pointer).collect();
    let mut keys = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        match parts[i].as_str() {
            "properties" | "patternProperties" if i + 1 < parts.len() => {
                keys.push(parts[i + 1].clone());
                i += 2;
            }
            "additionalProperties" => {
                keys.push("<name>".to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    keys.join(".")
}

/// Closes every object schema that declares `properties` and says nothing about other keys,
/// as the built-in schema's objects are closed: an unknown key is then a typo to report.
fn close_objects(schema: &mut Json) {
    let Json::Object(m) = schema else {
        return;
    };
    const OPEN: &[&str] = &[
        "additionalProperties",
        "unevaluatedProperties",
        "patternProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "$ref",
        "$dynamicRef",
        "if",
    ];
    if m.contains_key("properties") && !OPEN.iter().any(|k| m.contains_key(*k)) {
        m.insert("additionalProperties".to_string(), Json::Bool(false));
    }
    for key in SCHEMA_MAPS {
        if let Some(Json::Object(children)) = m.get_mut(*key) {
            children.values_mut().for_each(close_objects);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = m.get_mut(key) {
            close_objects(child);
        }
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// A copy of `schema` for editing one values layer in an editor (yaml-language-server): no
/// `required` keys (an overlay holds only what it changes) and `null` allowed wherever a type
/// or an enum is given (`key: null` deletes a key). Unknown keys and wrong types are still
/// flagged as they are typed.
pub fn for_layers(schema: &Json) -> Json {
    let mut out = schema.clone();
    open_for_layers(&mut out);
    if let Json::Object(m) = &mut out {
        m.insert(
            "$comment".into(),
            "For editing one values file (no key required, null deletes a key); written by `kforge schema --editor`: run it again after changing chart-templates/values.schema.json or upgrading kforge.".into(),
        );
    }
    out
}

fn open_for_layers(node: &mut Json) {
    match node {
        Json::Object(m) => {
            m.remove("required");
            relax_type(m);
            // A negated or conditional schema keeps its meaning: loosened it would forbid
            // (`not`) or apply (`if`) more, not less.
            for (_, v) in m
                .iter_mut()
                .filter(|(k, _)| !matches!(k.as_str(), "not" | "if"))
            {
                open_for_layers(v);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(open_for_layers),
        _ => {}
    }
}

fn relax_type(m: &mut JsonMap<String, Json>) {
    match m.get_mut("type") {
        Some(Json::String(t)) if t != "null" => {
            let t = std::mem::take(t);
            m.insert("type".into(), Json::Array(vec![t.into(), "null".into()]));
        }
        Some(Json::Array(ts)) if !ts.iter().any(|t| t == "null") => ts.push("null".into()),
        _ => {}
    }
    if let Some(Json::Array(values)) = m.get_mut("enum")
        && !values.contains(&Json::Null)
    {
        values.push(Json::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn builtin() -> Json {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["image"],
            "properties": {
                "image": {"type": "object", "additionalProperties": false,
                          "properties": {"tag": {"type": "string"}}},
                "replicaCount": {"type": "number"}
            }
        })
    }

    #[test]
    fn properties_are_added_and_merged_and_required_joined() {
        let project = json!({
            "required": ["krakend", "image"],
            "properties": {
                "krakend": {"type": "object", "properties": {"port": {"type": "integer"}}},
                "image": {"properties": {"digest": {"type": "string"}}},
                "replicaCount": {"type": "integer", "minimum": 1}
            }
        });
        let m = extend(builtin(), project, "p.json").unwrap();
        assert_eq!(m["required"], json!(["image", "krakend"]));
        assert_eq!(m["additionalProperties"], json!(false));
        assert_eq!(
            m["properties"]["image"]["properties"]["tag"]["type"],
            "string"
        );
        assert_eq!(
            m["properties"]["image"]["properties"]["digest"]["type"],
            "string"
        );
        // A narrowing is allowed and the project's other keywords are added.
        assert_eq!(m["properties"]["replicaCount"]["type"], "integer");
        assert_eq!(m["properties"]["replicaCount"]["minimum"], 1);
        // The project's own object is closed, as the built-in ones are.
        assert_eq!(
            m["properties"]["krakend"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn an_open_project_object_stays_open_and_replace_is_an_opt_in() {
        let project = json!({"properties": {"x": {"type": "object", "additionalProperties": true,
                                                  "properties": {"a": {"type": "string"}}}}});
        let m = extend(builtin(), project, "p.json").unwrap();
        assert_eq!(m["properties"]["x"]["additionalProperties"], json!(true));
        let whole = json!({REPLACE_KEYWORD: true, "type": "object"});
        assert_eq!(extend(builtin(), whole.clone(), "p.json").unwrap(), whole);
    }

    #[test]
    fn a_type_change_of_a_built_in_key_is_reported_with_its_pointer() {
        let project = json!({"properties": {
            "replicaCount": {"type": "string"},
            "image": {"properties": {"tag": {"type": ["string", "integer"]}}}
        }});
        let problems = extend(builtin(), project, "p.json").unwrap_err();
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(problems.len(), 2, "{messages:?}");
        assert!(messages[0].contains("p.json at /properties/replicaCount/type"));
        assert!(messages[0].contains("`replicaCount` from number to string"));
        assert!(messages[1].contains("/properties/image/properties/tag/type"));
        assert_eq!(problems[1].key_path.as_deref(), Some("image.tag"));
    }

    #[test]
    fn the_layer_schema_drops_required_and_allows_null() {
        let s = for_layers(&builtin());
        assert!(s.get("required").is_none());
        assert_eq!(
            s["properties"]["replicaCount"]["type"],
            json!(["number", "null"])
        );
        assert_eq!(s["additionalProperties"], json!(false));
        let negated = json!({"properties": {"a": {"type": "object",
            "not": {"required": ["x", "y"]}, "required": ["x"]}}});
        let s = for_layers(&negated);
        assert_eq!(s["properties"]["a"]["not"], json!({"required": ["x", "y"]}));
        assert!(s["properties"]["a"].get("required").is_none());
    }
}
