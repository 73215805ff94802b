//! Values provenance: which values file (or `--set`) set the value a finding is about, as notes
//! on the finding.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::yaml::{Node, Value};

/// The scalar leaves of the merged values, by their text, to say where a rendered value came
/// from. Templates are not traced; a rendered scalar is matched to the values leaves with the
/// same text (preferring the same key name), or, for strings, the leaf equal to its last part
/// (`repo/name:TAG` → the leaf `TAG`). Ambiguous matches (more than three) name nothing.
pub(super) struct ValuesIndex<'a> {
    by_text: HashMap<String, Vec<(String, &'a Node)>>,
    /// The non-empty maps of the values, by their key's name: a rendered map equal to one of
    /// them (a security context written whole) came from it.
    maps: HashMap<String, Vec<(String, &'a Node)>>,
}

impl<'a> ValuesIndex<'a> {
    /// Indexes every scalar leaf of the merged values `root`.
    pub(super) fn new(root: &'a Node) -> Self {
        let mut by_text: HashMap<String, Vec<(String, &'a Node)>> = HashMap::new();
        let mut maps: HashMap<String, Vec<(String, &'a Node)>> = HashMap::new();
        let mut stack: Vec<(String, &'a Node)> = vec![(String::new(), root)];
        while let Some((path, node)) = stack.pop() {
            match &node.value {
                Value::Map(m) => {
                    if !m.is_empty() && !path.is_empty() {
                        maps.entry(last_key(&path).to_ascii_lowercase())
                            .or_default()
                            .push((path.clone(), node));
                    }
                    for (k, v) in m {
                        stack.push((join(&path, k), v));
                    }
                }
                Value::Seq(items) => {
                    for (i, v) in items.iter().enumerate() {
                        stack.push((format!("{path}[{i}]"), v));
                    }
                }
                Value::Null => {}
                _ => {
                    if let Some(text) = scalar_text(node) {
                        by_text
                            .entry(text.into_owned())
                            .or_default()
                            .push((path, node));
                    }
                }
            }
        }
        Self { by_text, maps }
    }

    /// Notes naming the values maps equal to the rendered map `node` under the key `key`
    /// (a finding about a field a map lacks points at the map that was written).
    fn map_sources(&self, node: &Node, key: Option<&str>) -> Vec<String> {
        let Some(candidates) = key.and_then(|k| self.maps.get(&k.to_ascii_lowercase())) else {
            return Vec::new();
        };
        let rendered = crate::yaml::to_json(node);
        let mut found: Vec<&(String, &Node)> = candidates
            .iter()
            .filter(|(_, n)| crate::yaml::to_json(n) == rendered)
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        if found.is_empty() || found.len() > 3 {
            return Vec::new();
        }
        found
            .into_iter()
            .map(|(path, n)| format!("`{path}` set in {}", n.origin))
            .collect()
    }

    /// Notes naming the values keys that likely set the rendered `node` (found under `key`),
    /// and where each was set; none when no match, or too many, is found.
    pub(super) fn sources(&self, node: &Node, key: Option<&str>) -> Vec<String> {
        if matches!(node.value, Value::Map(_)) {
            return self.map_sources(node, key);
        }
        let Some(text) = scalar_text(node) else {
            return Vec::new();
        };
        let exact = self
            .by_text
            .get(text.as_ref())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let same_key: Vec<&(String, &Node)> = exact
            .iter()
            .filter(|(p, _)| key.is_some_and(|k| last_key(p).eq_ignore_ascii_case(k)))
            .collect();
        let is_string = matches!(node.value, Value::String(_));
        let mut found: Vec<&(String, &Node)> = if !same_key.is_empty() {
            same_key
        } else if is_string && text.len() >= 3 && !exact.is_empty() {
            exact.iter().collect()
        } else if !is_string && text.len() >= 3 && exact.len() == 1 {
            // A number of three digits or more set once (a port the template writes under
            // another key: `port` → `number`).
            exact.iter().collect()
        } else if is_string {
            // The last part is usually the one that varies: `repo:TAG`, `host:PORT`, `a/b`.
            let part = text
                .rsplit([':', '/', '@', '=', ',', ' '])
                .next()
                .unwrap_or("");
            if part.is_empty() || part == text {
                Vec::new()
            } else {
                self.by_text
                    .get(part)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter(|(_, n)| matches!(n.value, Value::String(_)))
                    .collect()
            }
        } else {
            Vec::new()
        };
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        if found.is_empty() || found.len() > 3 {
            return Vec::new();
        }
        found
            .into_iter()
            .map(|(path, n)| format!("`{path}` set in {}", n.origin))
            .collect()
    }
}

/// `path` and then `key`, as values key paths are shown: `a.b`, or `a["api.example.com"]` for a
/// key that is not a plain name (a host, a path, a dotted annotation key).
fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", serde_json::Value::from(key)),
    }
}

/// The last key of a values path (`a.b[0]` -> `b`, `a["x.y"]` -> `x.y`).
fn last_key(path: &str) -> String {
    let mut rest = path;
    // Indexes of lists: `[0]`.
    while let Some(open) = rest.rfind('[')
        && rest.ends_with(']')
        && rest[open + 1..rest.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        rest = &rest[..open];
    }
    if rest.ends_with("\"]")
        && let Some(open) = rest.rfind("[\"")
        && let Ok(key) = serde_json::from_str::<String>(&rest[open + 1..rest.len() - 1])
    {
        return key;
    }
    rest.rsplit('.').next().unwrap_or(rest).to_string()
}

/// A scalar's text as the API server would see it in a string field; None for maps and lists.
pub(super) fn scalar_text(n: &Node) -> Option<Cow<'_, str>> {
    match &n.value {
        Value::String(s) => Some(s.into()),
        Value::Int(i) => Some(i.to_string().into()),
        Value::Float(f) => Some(f.to_string().into()),
        Value::Bool(b) => Some(b.to_string().into()),
        _ => None,
    }
}
