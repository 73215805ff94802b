//! Structural diff of manifests, per resource (kind/namespace/name) and per key path, like
//! dyff or helm-diff. Key order is not a change; list items that all carry a distinct `name`
//! (containers, env, ports, volumes) are matched by name, others by position.

use std::borrow::Borrow;
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

/// An object's identity: kind, namespace, name.
pub use crate::manifest::ObjectKey as Key;

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
    /// A config set's hash-named ConfigMap replaced by its successor (old key, new key, the
    /// changed paths): one set (`kforge.io/config-set`) removed and added under a new name.
    pub renamed: Vec<(Key, Key, Vec<Change>)>,
    /// The component (`app.kubernetes.io/component`) of each resource that names one.
    pub components: BTreeMap<Key, String>,
}

impl Report {
    /// Whether the sides differ.
    pub fn differs(&self) -> bool {
        !(self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.renamed.is_empty())
    }

    /// `key` as JSON, with its component when it names one.
    fn id_json(&self, key: &Key) -> Json {
        let mut obj = key_json(key);
        if let Some(c) = self.components.get(key) {
            obj["component"] = Json::String(c.clone());
        }
        obj
    }

    /// `Kind/name`, then ` [component c]` when it names one.
    fn id_text(&self, key: &Key) -> String {
        match self.components.get(key) {
            Some(c) => format!("{} [component {c}]", key_text(key)),
            None => key_text(key),
        }
    }

    /// The report as pretty JSON (`-o json`).
    pub fn to_json(&self) -> String {
        let ids = |keys: &[Key]| -> Vec<Json> { keys.iter().map(|k| self.id_json(k)).collect() };
        let changed: Vec<Json> = self
            .changed
            .iter()
            .map(|(k, cs)| {
                let mut obj = self.id_json(k);
                obj["changes"] = cs.iter().map(change_json).collect();
                obj
            })
            .collect();
        let renamed: Vec<Json> = self
            .renamed
            .iter()
            .map(|(old, new, cs)| {
                let mut obj = self.id_json(new);
                obj["old_name"] = Json::String(old.name.clone());
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
            "renamed": renamed,
        });
        format!("{out:#}\n")
    }

    /// The report as text, coloured or not.
    pub fn to_text(&self, color: crate::diag::Color) -> String {
        text_report(self, color.0)
    }
}

/// Compares `old` with `new`, resource by resource. Each pair is converted to JSON only while
/// it is compared, so the sides are not held a second time (an import compares 100,000
/// objects).
pub fn compare<O: Borrow<Document>, N: Borrow<Document>>(
    old_label: String,
    old: &[O],
    new_label: String,
    new: &[N],
) -> Result<Report, Error> {
    let old = by_key(old.iter().map(<O as Borrow<Document>>::borrow), &old_label)?;
    let new = by_key(new.iter().map(<N as Borrow<Document>>::borrow), &new_label)?;
    let mut components = BTreeMap::new();
    for (key, obj) in old.iter().chain(&new) {
        if let Some(c) = label(obj, COMPONENT_LABEL) {
            components.insert(key.clone(), c.to_string());
        }
    }
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    for (key, o) in &old {
        match new.get(key) {
            None => removed.push(key.clone()),
            Some(n) => {
                let mut changes = Vec::new();
                diff_values(
                    &mut String::new(),
                    &to_json(&o.node),
                    &to_json(&n.node),
                    &mut changes,
                );
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
    let renamed = pair_config_sets(&old, &new, &mut removed, &mut added);
    Ok(Report {
        old_label,
        new_label,
        added,
        removed,
        changed,
        renamed,
        components,
    })
}

/// The label kforge gives every object of a component.
const COMPONENT_LABEL: &str = "app.kubernetes.io/component";
/// The label of a config set's hash-named ConfigMap.
const CONFIG_SET_LABEL: &str = "kforge.io/config-set";

/// A label's value when it is a string (as the object's JSON has it).
fn label<'a>(obj: &'a Document, name: &str) -> Option<&'a str> {
    obj.node.get_path(&["metadata", "labels", name])?.as_str()
}

/// Takes out of `removed` and `added` each config set whose ConfigMap was replaced by one of
/// another (hashed) name: exactly one removed and one added ConfigMap of one namespace with
/// one `kforge.io/config-set` label. They are compared as one resource.
fn pair_config_sets(
    old: &BTreeMap<Key, &Document>,
    new: &BTreeMap<Key, &Document>,
    removed: &mut Vec<Key>,
    added: &mut Vec<Key>,
) -> Vec<(Key, Key, Vec<Change>)> {
    let set_of = |side: &BTreeMap<Key, &Document>, k: &Key| -> Option<(String, String)> {
        if k.kind != "ConfigMap" {
            return None;
        }
        let set = label(side.get(k)?, CONFIG_SET_LABEL)?;
        Some((k.namespace.clone(), set.to_string()))
    };
    let mut out = Vec::new();
    let candidates: Vec<(Key, (String, String))> = removed
        .iter()
        .filter_map(|k| Some((k.clone(), set_of(old, k)?)))
        .collect();
    for (old_key, set) in candidates {
        let same = |side: &BTreeMap<Key, &Document>, keys: &[Key]| -> Vec<Key> {
            keys.iter()
                .filter(|k| set_of(side, k).as_ref() == Some(&set))
                .cloned()
                .collect()
        };
        let (gone, came) = (same(old, removed), same(new, added));
        let [gone] = gone.as_slice() else { continue };
        let [came] = came.as_slice() else { continue };
        if *gone != old_key {
            continue;
        }
        let mut changes = Vec::new();
        diff_values(
            &mut String::new(),
            &to_json(&old[gone].node),
            &to_json(&new[came].node),
            &mut changes,
        );
        removed.retain(|k| k != gone);
        added.retain(|k| k != came);
        out.push((gone.clone(), came.clone(), changes));
    }
    out
}

/// The manifests of a chart archive's `templates/`, with kforge's `{{ "{{" }}` escapes undone.
/// Charts with real Go template actions cannot be compared without rendering them.
pub fn chart_documents(path: &Path) -> Result<Vec<Document>, Error> {
    let files = read_archive_file(path)?;
    archive_documents(&path.display().to_string(), files)
}

/// [`chart_documents`] of an archive already read; `path` names it in messages.
pub fn archive_documents(
    path: &str,
    files: Vec<crate::chart::read::ArchiveFile>,
) -> Result<Vec<Document>, Error> {
    let mut docs = Vec::new();
    for f in files {
        let is_manifest = f.name.starts_with("templates/")
            && (f.name.ends_with(".yaml") || f.name.ends_with(".yml"));
        if !is_manifest {
            continue;
        }
        let display = format!("{path}:{}", f.name);
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

/// Resources by identity; the same identity twice on one side is an error, naming both places
/// (an object without kind or name among them: it has no identity to match by).
fn by_key<'a>(
    docs: impl Iterator<Item = &'a Document>,
    label: &str,
) -> Result<BTreeMap<Key, &'a Document>, Error> {
    let mut out = BTreeMap::new();
    let mut at: BTreeMap<Key, crate::yaml::Origin> = BTreeMap::new();
    for d in docs {
        let key = d.key();
        if let Some(first) = at.get(&key) {
            let what = if d.kind.is_empty() || d.name.is_empty() {
                "two objects without kind or metadata.name".to_string()
            } else if d.namespace.is_empty() {
                format!("two {} objects named {}", d.kind, d.name)
            } else {
                format!("two {} objects named {}/{}", d.kind, d.namespace, d.name)
            };
            return Err(Error::Unsupported(format!(
                "{label} has {what}, at {first} and at {}; diff matches resources by kind, namespace and name",
                d.node.origin
            )));
        }
        at.insert(key.clone(), d.node.origin.clone());
        out.insert(key, d);
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

fn key_json(key: &Key) -> Json {
    serde_json::json!({"kind": key.kind, "namespace": key.namespace, "name": key.name})
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

fn key_text(key: &Key) -> String {
    let Key {
        kind,
        namespace,
        name,
    } = key;
    if namespace.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{namespace}/{name}")
    }
}

/// A value on one line: scalars as JSON, collections as compact JSON cut at 120 characters.
fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(117).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// At most this many changed lines of a text are shown.
const TEXT_LINES: usize = 24;

/// The changed lines of two texts (`-` old, `+` new), from a line diff; at most
/// [`TEXT_LINES`], then a count of the rest. The diff gives up on an optimal answer after a
/// second, so a huge text cannot hang the report.
fn changed_lines<'a>(a: &'a str, b: &'a str) -> Vec<(char, std::borrow::Cow<'a, str>)> {
    let diff = similar::TextDiff::configure()
        .timeout(std::time::Duration::from_secs(1))
        .diff_lines(a, b);
    let mut out = Vec::new();
    let mut hidden = 0usize;
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
        };
        if out.len() < TEXT_LINES {
            let line = change.value();
            let line = line.strip_suffix('\n').unwrap_or(line);
            out.push((sign, std::borrow::Cow::Borrowed(line)));
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        out.push((
            '…',
            std::borrow::Cow::Owned(format!("{hidden} more changed lines")),
        ));
    }
    out
}

fn text_report(report: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let (red, green, yellow, bold) = ("31", "32", "33", "1");
    let mut out = format!("--- {}\n+++ {}\n", report.old_label, report.new_label);
    if !report.differs() {
        out.push_str("no differences\n");
        return out;
    }
    for k in &report.removed {
        out.push_str(&paint(red, &format!("- {} (removed)", report.id_text(k))));
        out.push('\n');
    }
    for k in &report.added {
        out.push_str(&paint(green, &format!("+ {} (added)", report.id_text(k))));
        out.push('\n');
    }
    let changes_text = |out: &mut String, changes: &[Change]| {
        for c in changes {
            let line = match c {
                Change::Added(p, v) => paint(green, &format!("    + {p}: {}", short(v))),
                Change::Removed(p, v) => paint(red, &format!("    - {p}: {}", short(v))),
                Change::Changed(p, Json::String(a), Json::String(b))
                    if a.contains('\n') || b.contains('\n') =>
                {
                    let mut text = format!("    {} {p}: (text)", paint(yellow, "±"));
                    for (sign, l) in changed_lines(a, b) {
                        let code = match sign {
                            '-' => red,
                            '+' => green,
                            _ => yellow,
                        };
                        text.push('\n');
                        text.push_str(&paint(code, &format!("        {sign} {l}")));
                    }
                    text
                }
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
    };
    for (old, new, changes) in &report.renamed {
        let head = format!(
            "~ {} (config set, was {}: its content changed, so its hashed name did)",
            report.id_text(new),
            old.name
        );
        out.push_str(&paint(bold, &head));
        out.push('\n');
        changes_text(&mut out, changes);
    }
    for (k, changes) in &report.changed {
        out.push_str(&paint(bold, &format!("~ {}", report.id_text(k))));
        out.push('\n');
        changes_text(&mut out, changes);
    }
    let n_changes: usize = report
        .changed
        .iter()
        .map(|(_, c)| c.len())
        .chain(report.renamed.iter().map(|(_, _, c)| c.len()))
        .sum();
    out.push_str(&format!(
        "{} added, {} removed, {} changed ({} paths)\n",
        report.added.len(),
        report.removed.len(),
        report.changed.len() + report.renamed.len(),
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
    fn changed_text_shows_the_changed_lines() {
        let got: Vec<String> = changed_lines("a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n")
            .into_iter()
            .map(|(s, l)| format!("{s}{l}"))
            .collect();
        assert_eq!(got, ["-b", "+B", "-e", "+E"]);
        let long: String = (0..30).map(|i| format!("{i}\n")).collect();
        let got = changed_lines(&long, "");
        assert_eq!(got.len(), TEXT_LINES + 1);
        assert_eq!(got[TEXT_LINES].1, "6 more changed lines");
        let got = changed_lines("a\nb", "a\nb\nc");
        assert_eq!(got.last().unwrap(), &('+', "c".into()));
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
