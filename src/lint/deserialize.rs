//! The type check proper: an object deserialised into its k8s-openapi type. A wrong type is
//! found at its key path (after each one the field is removed and the object checked again, so
//! every wrong field is reported, up to a bound); unknown fields, which k8s-openapi silently
//! skips, are the values it deserialises as `IgnoredAny` (see [`Tracked`]).

use super::rules::{RuleId, rule_id};
use serde::de::DeserializeOwned;

use crate::yaml::{Node, Track, Tracked, Value};

/// Problems of one document: `(key path tokens, rule id, message)`.
pub type Findings = Vec<(Vec<String>, RuleId, String)>;

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
            if id == rule_id!("invalid-type")
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
/// The tree's own deserializer keeps the key path ([`Tracked`]), so `T`'s Deserialize code is
/// compiled once, for one concrete deserializer, with no wrapper around it (wrappers such as
/// serde_path_to_error and serde_ignored were instantiated again for every kind: most of the
/// binary and of the build).
pub fn check_as<T: DeserializeOwned>(node: &Node) -> Findings {
    let track = Track::default();
    let wrong = T::deserialize(Tracked::new(node, &track))
        .err()
        .map(|e| (track.error_path(), e.to_string()));
    findings(wrong, track.take_ignored())
}

fn findings(wrong: Option<(Vec<String>, String)>, unknown: Vec<Vec<String>>) -> Findings {
    let mut findings = Vec::new();
    if let Some((tokens, message)) = wrong {
        findings.push((tokens, rule_id!("invalid-type"), message));
    }
    for tokens in unknown {
        let field = tokens.last().cloned().unwrap_or_default();
        findings.push((
            tokens,
            rule_id!("unknown-field"),
            format!("unknown field `{field}` (not in the Kubernetes API type)"),
        ));
    }
    findings
}
