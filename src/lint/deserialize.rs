//! The type check proper: an object deserialised into its k8s-openapi type. Wrong types are
//! found with serde_path_to_error (after each one the field is removed and the object checked
//! again, so every wrong field is reported, up to a bound); unknown fields, which k8s-openapi
//! silently ignores, are caught with serde_ignored.

use serde::de::DeserializeOwned;

use crate::yaml::{Node, Value};

/// Problems of one document: `(key path tokens, rule id, message)`.
pub type Findings = Vec<(Vec<String>, &'static str, String)>;

/// Most wrong-type findings reported per object.
const MAX_TYPE_ERRORS: usize = 50;

/// Runs the type check repeatedly, removing each wrongly typed field, so one document reports
/// all of its wrong fields. The tree is copied only when there is a field to remove.
pub(super) fn deserialize_all(check_fn: fn(&Node) -> Findings, node: &Node) -> Findings {
    let mut all: Findings = Vec::new();
    let mut pruned: Option<Node> = None;
    for _ in 0..MAX_TYPE_ERRORS {
        let findings = check_fn(pruned.as_ref().unwrap_or(node));
        let mut removed = false;
        for (tokens, id, message) in findings {
            if id == "invalid-type"
                && !removed
                && remove(pruned.get_or_insert_with(|| node.clone()), &tokens)
            {
                removed = true;
            }
            if !all.iter().any(|(t, i, _)| *t == tokens && *i == id) {
                all.push((tokens, id, message));
            }
        }
        if !removed {
            break;
        }
    }
    all
}

fn remove(node: &mut Node, tokens: &[String]) -> bool {
    let Some((last, parents)) = tokens.split_last() else {
        return false;
    };
    let mut cur = node;
    for t in parents {
        cur = match &mut cur.value {
            Value::Map(m) => match m.get_mut(t.as_str()) {
                Some(v) => v,
                None => return false,
            },
            Value::Seq(a) => match t.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match &mut cur.value {
        Value::Map(m) => m.shift_remove(last.as_str()).is_some(),
        Value::Seq(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i].value = Value::Null;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Deserialises `node` as `T`, collecting the first wrong type and every ignored field.
///
/// Only this shim is generic: `T`'s Deserialize code is instantiated once, against a
/// type-erased deserializer, and the tracking wrappers underneath are compiled once for all
/// kinds (instantiating them per kind was most of the binary and of the build).
pub fn check_as<T: DeserializeOwned>(node: &Node) -> Findings {
    check_erased(node, &mut |de| erased_serde::deserialize::<T>(de).map(drop))
}

type Deserialize<'a> =
    dyn FnMut(&mut dyn erased_serde::Deserializer<'_>) -> Result<(), erased_serde::Error> + 'a;

fn check_erased(node: &Node, deserialize: &mut Deserialize<'_>) -> Findings {
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_tokens(&path));
    let ignored = serde_ignored::Deserializer::new(node, &mut record);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(ignored, &mut track);
    let mut erased = <dyn erased_serde::Deserializer>::erase(tracked);
    let result = deserialize(&mut erased);
    drop(erased);
    if let Err(e) = result {
        let tokens = track
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        findings.push((tokens, "invalid-type", format!("{e}")));
    }
    for tokens in unknown {
        let field = tokens.last().cloned().unwrap_or_default();
        findings.push((
            tokens,
            "unknown-field",
            format!("unknown field `{field}` (not in the Kubernetes API type)"),
        ));
    }
    findings
}

fn ignored_tokens(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    let mut tokens = Vec::new();
    let mut cur = path;
    loop {
        match cur {
            Path::Root => break,
            Path::Seq { parent, index } => {
                tokens.push(index.to_string());
                cur = parent;
            }
            Path::Map { parent, key } => {
                tokens.push(key.clone());
                cur = parent;
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => {
                cur = parent;
            }
        }
    }
    tokens.reverse();
    tokens
}
