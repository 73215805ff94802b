//! Values provenance: which values file (or `--set`) set the value a finding is about, as notes
//! on the finding.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::yaml::{Node, Value, display_key_path};

/// The scalar leaves of the merged values, by their text, to say where a rendered value came
/// from. Templates are not traced; a rendered scalar is matched to the values leaves with the
/// same text (preferring the same key name), or, for strings, the leaf equal to its last part
/// (`repo/name:TAG` → the leaf `TAG`). Ambiguous matches (more than three) name nothing.
/// A scalar leaf of the values: its key path as shown, its key's name, the node.
type Leaf<'a> = (String, String, &'a Node);

pub(super) struct ValuesIndex<'a> {
    by_text: HashMap<String, Vec<Leaf<'a>>>,
    /// The non-empty maps of the values, by their key's name: a rendered map equal to one of
    /// them (a security context written whole) came from it.
    maps: HashMap<String, Vec<(String, &'a Node)>>,
}

impl<'a> ValuesIndex<'a> {
    /// Indexes every scalar leaf of the merged values `root`.
    pub(super) fn new(root: &'a Node) -> Self {
        let mut by_text: HashMap<String, Vec<Leaf<'a>>> = HashMap::new();
        let mut maps: HashMap<String, Vec<(String, &'a Node)>> = HashMap::new();
        // Each node with its key path as tokens; the name a leaf is matched by is its last key
        // (a list item's, its list's key).
        let mut stack: Vec<(Vec<String>, &'a Node)> = vec![(Vec::new(), root)];
        while let Some((tokens, node)) = stack.pop() {
            let name = || {
                tokens
                    .iter()
                    .rev()
                    .find(|t| !t.bytes().all(|b| b.is_ascii_digit()))
                    .cloned()
                    .unwrap_or_default()
            };
            match &node.value {
                Value::Map(m) => {
                    if !m.is_empty() && !tokens.is_empty() {
                        maps.entry(name().to_ascii_lowercase())
                            .or_default()
                            .push((display_key_path(&tokens), node));
                    }
                    for (k, v) in m {
                        stack.push((with(&tokens, k.clone()), v));
                    }
                }
                Value::Seq(items) => {
                    for (i, v) in items.iter().enumerate() {
                        stack.push((with(&tokens, i.to_string()), v));
                    }
                }
                Value::Null => {}
                _ => {
                    if let Some(text) = scalar_text(node) {
                        by_text.entry(text.into_owned()).or_default().push((
                            display_key_path(&tokens),
                            name(),
                            node,
                        ));
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
        let same_key: Vec<&Leaf<'_>> = exact
            .iter()
            .filter(|(_, name, _)| key.is_some_and(|k| name.eq_ignore_ascii_case(k)))
            .collect();
        let is_string = matches!(node.value, Value::String(_));
        let mut found: Vec<&Leaf<'_>> = if !same_key.is_empty() {
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
                    .filter(|(_, _, n)| matches!(n.value, Value::String(_)))
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
            .map(|(path, _, n)| format!("`{path}` set in {}", n.origin))
            .collect()
    }
}

/// `tokens` and then `next`.
fn with(tokens: &[String], next: String) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len() + 1);
    out.extend_from_slice(tokens);
    out.push(next);
    out
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
