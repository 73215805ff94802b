//! Structural diff of manifests, per resource (kind/namespace/name) and per key path, like
//! dyff or helm-diff. Key order is not a change; list items that all carry a distinct `name`
//! (containers, env, ports, volumes) are matched by name, others by position.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::chart::read::read_archive_file;
use crate::chart::{TemplateAction, unescape_from_helm};
use crate::diag::{Diagnostic, Diagnostics};
use crate::manifest::Document;
use crate::project::text_from_bytes;
use crate::yaml::{Limits, SourceFile, Value, parse_documents, to_json};

/// Why two sides could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A side could not be read.
    #[error("reading {path}: {cause}")]
    Read {
        /// The chart or folder.
        path: String,
        /// Why.
        cause: Box<dyn crate::diag::Failure>,
    },
    /// A chart archive could not be read.
    #[error(transparent)]
    Archive(#[from] crate::chart::read::FileError),
    /// Not something diff can compare (over the size limit, a Go template, two objects with
    /// one identity).
    #[error("{0}")]
    Unsupported(String),
    /// A manifest is not valid YAML.
    #[error(transparent)]
    Invalid(#[from] Diagnostics),
}

impl crate::diag::Failure for Error {
    fn report(
        &self,
        out: &mut dyn std::io::Write,
        color: crate::diag::Color,
    ) -> std::io::Result<()> {
        match self {
            Error::Invalid(d) => crate::diag::Failure::report(d, out, color),
            Error::Read { path, cause } => {
                writeln!(out, "error: reading {path}")?;
                cause.report_cause(out, color)
            }
            Error::Archive(e) => e.report(out, color),
            other => crate::diag::write_chain(out, other),
        }
    }
}

/// (kind, namespace, name).
pub type Key = (String, String, String);

/// One changed path of a resource.
#[derive(Debug, PartialEq)]
pub enum Change {
    /// A path only on the new side.
    Added(String, Json),
    /// A path only on the old side.
    Removed(String, Json),
    /// A path on both sides with different values.
    Changed(String, Json, Json),
}

/// What changed from one side to the other.
pub struct Report {
    /// What the old side is (`environment staging`, a chart path).
    pub old_label: String,
    /// What the new side is.
    pub new_label: String,
    /// Resources only on the new side.
    pub added: Vec<Key>,
    /// Resources only on the old side.
    pub removed: Vec<Key>,
    /// Resources on both sides, with their changed paths.
    pub changed: Vec<(Key, Vec<Change>)>,
}

impl Report {
    /// Whether the sides differ.
    pub fn differs(&self) -> bool {
        !(self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty())
    }

    /// The report as pretty JSON (`-o json`).
    pub fn to_json(&self) -> String {
        let ids = |keys: &[Key]| -> Vec<Json> { keys.iter().map(key_json).collect() };
        let changed: Vec<Json> = self
            .changed
            .iter()
            .map(|(k, cs)| {
                let mut obj = key_json(k);
                obj["changes"] = cs.iter().map(change_json).collect();
                obj
            })
            .collect();
        let out = serde_json::json!({
            "old": self.old_label,
            "new": self.new_label,
            "added": ids(&self.added),
            "removed": ids(&self.removed),
            "changed": changed,
        });
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The report as text, coloured or not.
    pub fn to_text(&self, color: crate::diag::Color) -> String {
        text_report(
            &self.old_label,
            &self.new_label,
            &self.added,
            &self.removed,
            &self.changed,
            color.0,
        )
    }
}

/// Compares `old` with `new`, resource by resource.
pub fn compare(
    old_label: String,
    old: Vec<Document>,
    new_label: String,
    new: Vec<Document>,
) -> Result<Report, Error> {
    let old = by_key(old, &old_label)?;
    let new = by_key(new, &new_label)?;
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (key, o) in &old {
        match new.get(key) {
            None => removed.push(key.clone()),
            Some(n) => {
                let mut changes = Vec::new();
                diff_values(&mut String::new(), o, n, &mut changes);
                if !changes.is_empty() {
                    changed.push((key.clone(), changes));
                }
            }
        }
    }
    for key in new.keys() {
        if !old.contains_key(key) {
            added.push(key.clone());
        }
    }
    Ok(Report {
        old_label,
        new_label,
        added,
        removed,
        changed,
    })
}

/// The manifests of a chart archive's `templates/`, with kforge's `{{ "{{" }}` escapes undone.
/// Charts with real Go template actions cannot be compared without rendering them.
pub fn chart_documents(path: &Path) -> Result<Vec<Document>, Error> {
    let files = read_archive_file(path)?;
    let mut docs = Vec::new();
    for f in files {
        let is_manifest = f.name.starts_with("templates/")
            && (f.name.ends_with(".yaml") || f.name.ends_with(".yml"));
        if !is_manifest {
            continue;
        }
        let display = format!("{}:{}", path.display(), f.name);
        let text = text_from_bytes(f.data, Path::new(&display)).map_err(|e| Error::Read {
            path: display.clone(),
            cause: Box::new(e),
        })?;
        let text = unescape_from_helm(&text).map_err(|TemplateAction { line }| {
            Error::Unsupported(format!(
                "{display}:{line}: a Go template action; kforge compares static manifests only\n  help: render the chart first (`helm template NAME CHART --output-dir DIR`) and diff against DIR"
            ))
        })?;
        let file = SourceFile::new(display.clone(), text);
        let nodes = parse_documents(&file.text, &file, Limits::default())
            .map_err(|e| Diagnostics(vec![Diagnostic::from(e)]))?;
        for (i, node) in nodes.into_iter().enumerate() {
            if !matches!(node.value, Value::Null) {
                docs.push(Document::new(&display, i, node));
            }
        }
    }
    Ok(docs)
}

/// Resources by identity; the same identity twice on one side is an error.
fn by_key(docs: Vec<Document>, label: &str) -> Result<BTreeMap<Key, Json>, Error> {
    let mut out = BTreeMap::new();
    for d in docs {
        let key = (d.kind.clone(), d.namespace.clone(), d.name.clone());
        if out.insert(key, to_json(&d.node)).is_some() {
            return Err(Error::Unsupported(format!(
                "{label} has two {} objects named {}{}; diff matches resources by kind, namespace and name",
                d.kind,
                if d.namespace.is_empty() {
                    String::new()
                } else {
                    format!("{}/", d.namespace)
                },
                d.name
            )));
        }
    }
    Ok(out)
}

/// Appends every difference between `a` and `b` under `path`.
fn diff_values(path: &mut String, a: &Json, b: &Json, out: &mut Vec<Change>) {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => diff_maps(path, x, y, out),
        (Json::Array(x), Json::Array(y)) => {
            if let (Some(xn), Some(yn)) = (named(x), named(y)) {
                let xm: Map<String, Json> = xn.into_iter().collect();
                let ym: Map<String, Json> = yn.into_iter().collect();
                let len = path.len();
                for (name, xv) in &xm {
                    push_segment(path, &format!("[{name}]"));
                    match ym.get(name) {
                        Some(yv) => diff_values(path, xv, yv, out),
                        None => out.push(Change::Removed(path.clone(), xv.clone())),
                    }
                    path.truncate(len);
                }
                for (name, yv) in &ym {
                    if !xm.contains_key(name) {
                        push_segment(path, &format!("[{name}]"));
                        out.push(Change::Added(path.clone(), yv.clone()));
                        path.truncate(len);
                    }
                }
            } else {
                let len = path.len();
                for i in 0..x.len().max(y.len()) {
                    push_segment(path, &format!("[{i}]"));
                    match (x.get(i), y.get(i)) {
                        (Some(xv), Some(yv)) => diff_values(path, xv, yv, out),
                        (Some(xv), None) => out.push(Change::Removed(path.clone(), xv.clone())),
                        (None, Some(yv)) => out.push(Change::Added(path.clone(), yv.clone())),
                        (None, None) => {}
                    }
                    path.truncate(len);
                }
            }
        }
        _ if a == b => {}
        _ => out.push(Change::Changed(path.clone(), a.clone(), b.clone())),
    }
}

fn diff_maps(
    path: &mut String,
    x: &Map<String, Json>,
    y: &Map<String, Json>,
    out: &mut Vec<Change>,
) {
    let len = path.len();
    for (k, xv) in x {
        push_key(path, k);
        match y.get(k) {
            Some(yv) => diff_values(path, xv, yv, out),
            None => out.push(Change::Removed(path.clone(), xv.clone())),
        }
        path.truncate(len);
    }
    for (k, yv) in y {
        if !x.contains_key(k) {
            push_key(path, k);
            out.push(Change::Added(path.clone(), yv.clone()));
            path.truncate(len);
        }
    }
}

/// `name → item` when every item is a map with a distinct string `name`.
fn named(items: &[Json]) -> Option<Vec<(String, Json)>> {
    if items.is_empty() {
        return None;
    }
    let mut out: Vec<(String, Json)> = Vec::with_capacity(items.len());
    for item in items {
        let name = item.get("name")?.as_str()?.to_string();
        if out.iter().any(|(n, _)| *n == name) {
            return None;
        }
        out.push((name, item.clone()));
    }
    Some(out)
}

/// `a.b`, quoting keys that contain `.` or brackets: `metadata.labels["app.kubernetes.io/name"]`.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Json::String(key.to_string())));
    }
}

fn push_segment(path: &mut String, seg: &str) {
    path.push_str(seg);
}

fn key_json((kind, namespace, name): &Key) -> Json {
    serde_json::json!({"kind": kind, "namespace": namespace, "name": name})
}

fn change_json(c: &Change) -> Json {
    match c {
        Change::Added(p, v) => serde_json::json!({"path": p, "op": "added", "new": v}),
        Change::Removed(p, v) => serde_json::json!({"path": p, "op": "removed", "old": v}),
        Change::Changed(p, a, b) => {
            serde_json::json!({"path": p, "op": "changed", "old": a, "new": b})
        }
    }
}

fn key_text((kind, namespace, name): &Key) -> String {
    if namespace.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{namespace}/{name}")
    }
}

/// A value on one line: scalars as JSON, collections as compact JSON cut at 120 characters.
fn short(v: &Json) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(117).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn text_report(
    old_label: &str,
    new_label: &str,
    added: &[Key],
    removed: &[Key],
    changed: &[(Key, Vec<Change>)],
    color: bool,
) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let (red, green, yellow, bold) = ("31", "32", "33", "1");
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    if added.is_empty() && removed.is_empty() && changed.is_empty() {
        out.push_str("no differences\n");
        return out;
    }
    for k in removed {
        out.push_str(&paint(red, &format!("- {} (removed)", key_text(k))));
        out.push('\n');
    }
    for k in added {
        out.push_str(&paint(green, &format!("+ {} (added)", key_text(k))));
        out.push('\n');
    }
    for (k, changes) in changed {
        out.push_str(&paint(bold, &format!("~ {}", key_text(k))));
        out.push('\n');
        for c in changes {
            let line = match c {
                Change::Added(p, v) => paint(green, &format!("    + {p}: {}", short(v))),
                Change::Removed(p, v) => paint(red, &format!("    - {p}: {}", short(v))),
                Change::Changed(p, a, b) => format!(
                    "    {} {p}: {} → {}",
                    paint(yellow, "±"),
                    paint(red, &short(a)),
                    paint(green, &short(b))
                ),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    let n_changes: usize = changed.iter().map(|(_, c)| c.len()).sum();
    out.push_str(&format!(
        "{} added, {} removed, {} changed ({} paths)\n",
        added.len(),
        removed.len(),
        changed.len(),
        n_changes
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(a: Json, b: Json) -> Vec<Change> {
        let mut out = Vec::new();
        diff_values(&mut String::new(), &a, &b, &mut out);
        out
    }

    #[test]
    fn key_order_is_not_a_change_and_named_items_match_by_name() {
        let a = serde_json::json!({"a": 1, "b": {"c": [ {"name": "x", "v": 1}, {"name": "y", "v": 2} ]}});
        let b = serde_json::json!({"b": {"c": [ {"name": "y", "v": 2}, {"name": "x", "v": 3} ]}, "a": 1});
        assert_eq!(
            changes(a, b),
            vec![Change::Changed("b.c[x].v".into(), 1.into(), 3.into())]
        );
    }

    #[test]
    fn dotted_keys_are_quoted_and_positional_lists_compare_by_index() {
        let a = serde_json::json!({"labels": {"app.kubernetes.io/name": "a"}, "args": ["-x"]});
        let b =
            serde_json::json!({"labels": {"app.kubernetes.io/name": "b"}, "args": ["-x", "-y"]});
        assert_eq!(
            changes(a, b),
            vec![
                Change::Changed(
                    "labels[\"app.kubernetes.io/name\"]".into(),
                    "a".into(),
                    "b".into()
                ),
                Change::Added("args[1]".into(), "-y".into()),
            ]
        );
    }
}
