//! Chart repository indexes (`index.yaml`), as `helm repo index` writes them: apiVersion v1,
//! `entries` by chart name (names sorted), each chart's versions newest SemVer first, every
//! entry the chart's metadata plus `created`, `digest` (sha256 hex) and `urls`, keys sorted
//! (Helm marshals through JSON, which sorts them), then `generated`.
//!
//! Unlike Helm, entries are kept as YAML nodes: fields kforge does not know survive a rewrite,
//! and every problem in an existing index is reported with its file:line.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::canonical::Raw;
use super::chart_yaml::ChartYaml;
use crate::diag::Diagnostic;
use crate::yaml::{
    Limits, Map, Node, Origin, SourceFile, Value, emit_document, emit_scalar_key, emit_seq_items,
    parse_documents,
};

/// Chart metadata fields Helm copies from Chart.yaml into an index entry.
const METADATA_FIELDS: &[&str] = &[
    "annotations",
    "apiVersion",
    "appVersion",
    "condition",
    "dependencies",
    "deprecated",
    "description",
    "home",
    "icon",
    "keywords",
    "kubeVersion",
    "maintainers",
    "name",
    "sources",
    "tags",
    "type",
    "version",
];

/// A parsed repository index.
#[derive(Debug, Default)]
pub struct RepoIndex {
    /// Chart name → its entries.
    pub entries: BTreeMap<String, Vec<Entry>>,
    /// Other top-level keys (`annotations`, `serverInfo`, ...), kept as they were.
    pub extra: Map,
}

/// One entry of an index: a chart version's metadata, `created`, `digest` and `urls`.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its `version` as SemVer: a chart's entries are written newest first.
    semver: semver::Version,
    body: Body,
}

#[derive(Clone, Debug)]
enum Body {
    /// Read from an index file: kept whole, so fields kforge does not know survive a rewrite
    /// and a problem is reported at its file:line.
    Read(Node),
    /// Made by this run from an archive's Chart.yaml.
    Made(Box<Made>),
    /// Read from an index in kforge's own layout ([`super::canonical`]): its text, which is
    /// what emitting its tree gives, and its fields; its tree is parsed only when asked for.
    Raw(Box<Raw>),
}

/// An entry made from an archive: the fields later steps ask for, and its text, emitted on
/// the thread that read the archive. The tree it was emitted from (a map per entry, a node
/// per field: several KB where the text is a few hundred bytes) is not kept: a large index
/// would hold all of them until it was written.
#[derive(Clone, Debug)]
struct Made {
    version: String,
    digest: String,
    created: Arc<str>,
    url: String,
    /// The entry as an item of its chart's list under `entries:` (see [`emit_entry`]).
    text: Box<str>,
}

impl Entry {
    /// An entry read from an index, whose `version` [`parse_entries`] checked.
    fn read(node: Node, semver: semver::Version) -> Self {
        Self {
            semver,
            body: Body::Read(node),
        }
    }

    /// An entry read by [`super::canonical::read`], whose `version` it checked.
    pub(super) fn raw(semver: semver::Version, raw: Raw) -> Self {
        Self {
            semver,
            body: Body::Raw(Box::new(raw)),
        }
    }

    /// Whether it was read by [`super::canonical::read`].
    #[cfg(test)]
    pub(super) fn is_raw(&self) -> bool {
        matches!(self.body, Body::Raw(_))
    }

    /// The version, parsed.
    pub fn semver(&self) -> &semver::Version {
        &self.semver
    }

    /// The `version` field.
    pub fn version(&self) -> &str {
        self.field("version").unwrap_or_default()
    }

    /// The `digest` field.
    pub fn digest(&self) -> Option<&str> {
        self.field("digest")
    }

    /// The `created` field.
    pub fn created(&self) -> Option<&str> {
        self.field("created")
    }

    fn field(&self, key: &str) -> Option<&str> {
        match &self.body {
            Body::Read(node) => entry_str(node, key),
            Body::Made(m) => match key {
                "version" => Some(&m.version),
                "digest" => Some(&m.digest),
                "created" => Some(&m.created),
                _ => None,
            },
            Body::Raw(r) => match key {
                "version" => Some(r.str(&r.version)),
                "digest" => r.digest.as_ref().map(|(d, _, _)| r.str(d)),
                "created" => r.created.as_ref().map(|c| r.str(c)),
                _ => None,
            },
        }
    }

    /// The `urls`.
    pub fn urls(&self) -> Vec<&str> {
        match &self.body {
            Body::Read(node) => entry_urls(node),
            Body::Made(m) => vec![m.url.as_str()],
            Body::Raw(r) => r.urls.iter().map(|u| r.str(u)).collect(),
        }
    }

    /// Where field `key` (or else the entry) was read, for diagnostics; an entry made by
    /// this run is [`Origin::Generated`].
    pub fn origin_of(&self, key: &str) -> Origin {
        match &self.body {
            Body::Read(node) => node
                .get_path(&[key])
                .map_or_else(|| node.origin.clone(), |n| n.origin.clone()),
            Body::Made(_) => Origin::Generated,
            Body::Raw(r) => match (&r.digest, key) {
                (Some((_, line, col)), "digest") => Origin::File {
                    file: r.file.clone(),
                    line: *line,
                    col: *col,
                },
                // Any other field (only ever asked for in an error): from its tree.
                _ => raw_node(r).map_or_else(
                    || r.origin.clone(),
                    |node| {
                        node.get_path(&[key])
                            .map_or_else(|| node.origin.clone(), |n| n.origin.clone())
                    },
                ),
            },
        }
    }

    /// The file and line of its `digest` (or else of the entry), as [`Entry::origin_of`]
    /// gives them, without making an [`Origin`]: asked of every indexed archive.
    pub fn digest_place(&self) -> Option<(&str, usize)> {
        let origin = match &self.body {
            Body::Read(node) => node
                .get_path(&["digest"])
                .map_or(&node.origin, |n| &n.origin),
            Body::Made(_) => return None,
            Body::Raw(r) => match &r.digest {
                Some((_, line, _)) => return Some((&r.file.display, *line)),
                None => &r.origin,
            },
        };
        origin
            .file_line()
            .map(|(file, line, _)| (file.display.as_str(), line))
    }

    /// Where the entry was read (`None` for an entry made by this run).
    pub fn origin(&self) -> Option<&Origin> {
        match &self.body {
            Body::Read(node) => Some(&node.origin),
            Body::Made(_) => None,
            Body::Raw(r) => Some(&r.origin),
        }
    }

    /// Replaces the `urls` with `[url]`.
    pub fn set_url(&mut self, url: &str) {
        match &mut self.body {
            // Already so (an index kept across runs): left as read.
            Body::Read(node) if only_url(node) == Some(url) => {}
            Body::Read(node) => {
                if let Value::Map(m) = &mut node.value {
                    m.insert(
                        "urls".into(),
                        generated_node(Value::Seq(vec![gen_str(url)])),
                    );
                }
            }
            Body::Raw(r) if r.urls.len() == 1 && r.str(&r.urls[0]) == url => {}
            // Read back as the full parse would have read it, then changed as a read entry is.
            Body::Raw(r) => {
                if let Some(node) = raw_node(r) {
                    self.body = Body::Read(node);
                    self.set_url(url);
                }
            }
            Body::Made(m) if m.url == url => {}
            // Its tree is gone: read back from its text (the emitter's text reads back as
            // the same tree), then changed as a read entry is.
            Body::Made(m) => {
                let file = SourceFile::new("(index entry)", &*m.text);
                let node = parse_documents(&file.text, &file, Limits::default())
                    .ok()
                    .and_then(|docs| docs.into_iter().next())
                    .and_then(|doc| match doc.value {
                        Value::Seq(items) => items.into_iter().next(),
                        _ => None,
                    });
                if let Some(mut node) = node {
                    forget_origin(&mut node);
                    self.body = Body::Read(node);
                    self.set_url(url);
                }
            }
        }
    }
}

/// The tree of an entry read by [`super::canonical::read`], as parsing the whole file gives it
/// (its lines parsed on their own keep their file, lines and columns, as in
/// [`super::chunked`]).
fn raw_node(r: &Raw) -> Option<Node> {
    let piece = SourceFile::piece(r.file.display.clone(), r.text(), r.first_line);
    let limits = Limits {
        max_depth: 62,
        max_nodes: 20_000_000,
    };
    let doc = parse_documents(&piece.text, &piece, limits)
        .ok()?
        .into_iter()
        .next()?;
    match doc.value {
        Value::Seq(items) => items.into_iter().next(),
        _ => None,
    }
}

/// The url of an entry whose `urls` is a list of exactly one string.
fn only_url(entry: &Node) -> Option<&str> {
    match &entry.as_map()?.get("urls")?.value {
        Value::Seq(items) if items.len() == 1 => items[0].as_str(),
        _ => None,
    }
}

/// Marks a tree as made by kforge (it was read back from kforge's own text).
fn forget_origin(node: &mut Node) {
    node.origin = Origin::Generated;
    match &mut node.value {
        Value::Map(m) => m.values_mut().for_each(forget_origin),
        Value::Seq(items) => items.iter_mut().for_each(forget_origin),
        _ => {}
    }
}

/// An entry as an item of its chart's list: what one emitter pass over the whole index
/// writes for it (a block sequence is written item by item, each after a line break).
fn emit_entry(out: &mut String, node: &Node) {
    emit_seq_items(out, std::slice::from_ref(node), 4);
}

/// The string value of `key` in an entry map.
pub fn entry_str<'a>(entry: &'a Node, key: &str) -> Option<&'a str> {
    entry.as_map()?.get(key)?.as_str()
}

/// The urls of an entry.
pub fn entry_urls(entry: &Node) -> Vec<&str> {
    match entry.as_map().and_then(|m| m.get("urls")).map(|n| &n.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    }
}

fn generated_node(value: Value) -> Node {
    Node::new(value, Origin::Generated)
}

fn gen_str(s: &str) -> Node {
    generated_node(Value::String(s.to_string()))
}

impl RepoIndex {
    /// Parses an index.yaml, refusing what Helm would refuse and what kforge could not
    /// rewrite faithfully (an entry without a version, a version that is not SemVer 2).
    pub fn parse(file: &Arc<SourceFile>) -> Result<Self, Diagnostic> {
        // An index in kforge's own layout is read without a tree; anything else is parsed.
        match super::canonical::read(file) {
            Some(charts) => Ok(RepoIndex {
                entries: charts
                    .into_iter()
                    .map(|(name, list)| {
                        let list = list.into_iter().map(|(v, raw)| Entry::raw(v, raw));
                        (name, list.collect())
                    })
                    .collect(),
                extra: Map::default(),
            }),
            None => Self::parse_tree(file),
        }
    }

    /// [`RepoIndex::parse`] through the YAML tree of the whole file.
    pub(super) fn parse_tree(file: &Arc<SourceFile>) -> Result<Self, Diagnostic> {
        let limits = Limits {
            max_depth: 64,
            max_nodes: 20_000_000,
        };
        let at = |node: &Node, msg: String| Diagnostic::error(msg).at(node.origin.clone());
        // A large index in the usual layout is parsed on every core; anything else (or any
        // doubt) in one pass.
        let chunked = super::chunked::parse(file, limits);
        let docs = chunked
            .map_or_else(|| parse_documents(&file.text, file, limits), Ok)
            .map_err(|e| {
                Diagnostic::error(format!("{} is not valid YAML: {}", file.display, e.message)).at(
                    Origin::File {
                        file: file.clone(),
                        line: e.line,
                        col: e.col,
                    },
                )
            })?;
        if let Some(second) = docs.get(1) {
            return Err(at(
                second,
                format!("{} holds more than one YAML document", file.display),
            ));
        }
        let root = match docs.into_iter().next() {
            None => {
                return Err(Diagnostic::error(format!("{} is empty", file.display))
                    .help("delete it, or let `kforge repo index` write a new one"));
            }
            Some(one) => one,
        };
        let Some(map) = root.as_map() else {
            return Err(at(
                &root,
                format!(
                    "{} is not a map (it is a {})",
                    file.display,
                    root.value.type_name()
                ),
            ));
        };
        match map.get("apiVersion") {
            Some(n) if n.as_str() == Some("v1") => {}
            Some(n) => {
                return Err(at(n, "index apiVersion must be `v1`".into()).key("apiVersion"));
            }
            None => {
                return Err(
                    at(&root, format!("{}: no API version specified", file.display))
                        .key("apiVersion")
                        .help("a chart repository index starts with `apiVersion: v1`"),
                );
            }
        }
        let Value::Map(map) = root.value else {
            unreachable!("checked above")
        };
        let mut index = RepoIndex::default();
        for (key, node) in map {
            match key.as_str() {
                "apiVersion" | "generated" => {}
                "entries" => index.entries = parse_entries(node)?,
                _ => {
                    index.extra.insert(key, node);
                }
            }
        }
        Ok(index)
    }

    /// Looks up an entry by chart name and version.
    pub fn find(&self, name: &str, version: &str) -> Option<&Entry> {
        self.entries
            .get(name)?
            .iter()
            .find(|e| e.version() == version)
    }

    /// No entries at all.
    pub fn is_empty(&self) -> bool {
        self.entries.values().all(Vec::is_empty)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.values().map(Vec::len).sum()
    }

    /// The index.yaml text: charts by name, versions newest first, keys sorted, and
    /// `generated` = the newest `created` (or `fallback` for an empty index), so the same
    /// entries always give the same bytes. Entries are put in that order in place (an index
    /// can hold 100k entries: copying them cost more than emitting them).
    pub fn to_yaml(&mut self, fallback_generated: &str) -> String {
        let mut generated: Option<(chrono::DateTime<chrono::FixedOffset>, &str)> = None;
        for list in self.entries.values_mut() {
            // Stable: entries of one version (not SemVer-equal only by build metadata, which
            // Ord compares) keep their order.
            list.sort_by(|a, b| b.semver.cmp(&a.semver));
        }
        // Read entries' keys put in order (mostly only checked: an index kforge wrote is in
        // order) on every core: a serial pass over a large index's maps left the other core
        // idle while adding one archive (benches/HISTORY.md).
        let mut read: Vec<&mut Node> = self
            .entries
            .values_mut()
            .flatten()
            .filter_map(|e| match &mut e.body {
                Body::Read(node) => Some(node),
                Body::Made(_) | Body::Raw(_) => None,
            })
            .collect();
        crate::par::for_each_mut(&mut read, |node| sort_keys(node));
        for e in self.entries.values().flatten() {
            // Entries indexed in one run share one `created`: parsed once, not per entry.
            if let Some(c) = e.created()
                && generated.is_none_or(|(_, g)| g != c)
                && let Ok(t) = chrono::DateTime::parse_from_rfc3339(c)
                && generated.as_ref().is_none_or(|(g, _)| t > *g)
            {
                generated = Some((t, c));
            }
        }
        let generated = generated.map_or(fallback_generated, |(_, s)| s).to_string();
        self.extra.values_mut().for_each(sort_keys);
        // Top-level keys sorted; `entries` (nearly all of the text) is emitted in parts on
        // every core and the parts joined, which gives the same bytes as one emitter pass
        // (a map is emitted key by key, a block sequence item by item).
        let mut keys: Vec<&str> = ["apiVersion", "entries", "generated"]
            .into_iter()
            .chain(self.extra.keys().map(String::as_str))
            .collect();
        keys.sort_unstable();
        let mut out = String::new();
        for key in keys {
            let single = |value: Node| {
                let mut m = Map::default();
                m.insert(key.to_string(), value);
                emit_document(&generated_node(Value::Map(m)))
            };
            match key {
                "apiVersion" => out.push_str(&single(gen_str("v1"))),
                "generated" => out.push_str(&single(gen_str(&generated))),
                "entries" => self.emit_entries(&mut out),
                _ => out.push_str(&single(self.extra[key].clone())),
            }
        }
        out
    }

    /// `entries:` and every chart's entries, in parts of [`EMIT_PART`] entries on every core.
    fn emit_entries(&self, out: &mut String) {
        if self.entries.is_empty() {
            out.push_str("entries: {}\n");
            return;
        }
        const EMIT_PART: usize = 256;
        let parts: Vec<(&str, bool, &[Entry])> = self
            .entries
            .iter()
            .flat_map(|(name, list)| {
                let mut parts: Vec<(&str, bool, &[Entry])> = list
                    .chunks(EMIT_PART)
                    .enumerate()
                    .map(|(i, part)| (name.as_str(), i == 0, part))
                    .collect();
                if parts.is_empty() {
                    parts.push((name.as_str(), true, &[]));
                }
                parts
            })
            .collect();
        // Each part's text on every core: its chart's key when it starts the list, then its
        // entries. A part of entries that are already text (made by this run, or read in
        // kforge's layout) gives only the key: their texts are copied straight into `out`
        // below, not first into a second copy of the index.
        let made = |e: &Entry| !matches!(e.body, Body::Read(_));
        let texts = crate::par::map(&parts, |(name, first, items)| {
            let mut text = String::new();
            if *first {
                text.push_str("  ");
                text.push_str(&emit_scalar_key(name));
                text.push_str(if items.is_empty() { ": []\n" } else { ":\n" });
            }
            let whole = !items.iter().all(made);
            if whole {
                for e in *items {
                    match &e.body {
                        Body::Read(node) => emit_entry(&mut text, node),
                        Body::Made(m) => text.push_str(&m.text),
                        Body::Raw(r) => text.push_str(r.text()),
                    }
                }
            }
            (text, whole)
        });
        fn made_texts(items: &[Entry]) -> impl Iterator<Item = &str> {
            items.iter().filter_map(|e| match &e.body {
                Body::Made(m) => Some(&*m.text),
                Body::Raw(r) => Some(r.text()),
                Body::Read(_) => None,
            })
        }
        // Grown once: doubling a string of megabytes copies it and faults in fresh pages.
        let len = parts
            .iter()
            .zip(&texts)
            .map(|((_, _, items), (text, whole))| {
                let rest = if *whole {
                    0
                } else {
                    made_texts(items).map(str::len).sum()
                };
                text.len() + rest
            })
            .sum::<usize>();
        out.reserve("entries:\n".len() + len);
        out.push_str("entries:\n");
        for ((_, _, items), (text, whole)) in parts.iter().zip(texts) {
            out.push_str(&text);
            if !whole {
                made_texts(items).for_each(|t| out.push_str(t));
            }
        }
    }
}

fn parse_entries(node: Node) -> Result<BTreeMap<String, Vec<Entry>>, Diagnostic> {
    let mut out = BTreeMap::new();
    let map = match node.value {
        Value::Null => return Ok(out),
        Value::Map(m) => m,
        other => {
            return Err(Diagnostic::error(format!(
                "`entries` must be a map of chart names, not a {}",
                other.type_name()
            ))
            .at(node.origin.clone())
            .key("entries"));
        }
    };
    for (name, list) in map {
        let key = format!("entries.{name}");
        let items = match list.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items,
            other => {
                return Err(Diagnostic::error(format!(
                    "the entries of chart `{name}` must be a list, not a {}",
                    other.type_name()
                ))
                .at(list.origin.clone())
                .key(key));
            }
        };
        let mut entries = Vec::with_capacity(items.len());
        for (i, e) in items.into_iter().enumerate() {
            let key = format!("{key}[{i}]");
            if e.as_map().is_none() {
                return Err(Diagnostic::error(format!(
                    "an index entry must be a map, not a {}",
                    e.value.type_name()
                ))
                .at(e.origin.clone())
                .key(key));
            }
            let Some(version) = entry_str(&e, "version") else {
                return Err(Diagnostic::error(format!(
                    "the entry of chart `{name}` has no `version` string"
                ))
                .at(e.origin.clone())
                .key(key)
                .help("every index entry needs the chart's SemVer version"));
            };
            let semver = match semver::Version::parse(version) {
                Ok(v) => v,
                Err(err) => {
                    let n = &e
                        .as_map()
                        .and_then(|m| m.get("version"))
                        .unwrap_or(&e)
                        .origin;
                    return Err(Diagnostic::error(format!(
                        "chart `{name}` version `{version}` is not a SemVer 2 version: {err}"
                    ))
                    .at(n.clone())
                    .key(format!("{key}.version")));
                }
            };
            if entry_urls(&e).is_empty() {
                return Err(
                    Diagnostic::error(format!("chart `{name}` {version} has no `urls`"))
                        .at(e.origin.clone())
                        .key(format!("{key}.urls")),
                );
            }
            entries.push(Entry::read(e, semver));
        }
        out.insert(name, entries);
    }
    Ok(out)
}

/// Sorts every map's keys in place, as Go's JSON marshalling writes them. A map already in
/// order (every entry of an index kforge wrote, and new entries, sorted where they are made)
/// is only checked, not sorted and rehashed.
fn sort_keys(node: &mut Node) {
    match &mut node.value {
        Value::Map(m) => {
            if !m.keys().is_sorted() {
                m.sort_keys();
            }
            m.values_mut().for_each(sort_keys);
        }
        Value::Seq(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

impl ChartYaml {
    /// The index entry for this chart: its metadata plus `created`, `digest` and `urls`.
    pub fn entry(&self, created: &Arc<str>, digest: String, url: String) -> Entry {
        let mut m = Map::default();
        if let Some(meta) = self.node.as_map() {
            for (k, v) in meta {
                if METADATA_FIELDS.contains(&k.as_str()) {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        m.insert("created".into(), gen_str(created));
        m.insert("digest".into(), gen_str(&digest));
        m.insert(
            "urls".into(),
            generated_node(Value::Seq(vec![gen_str(&url)])),
        );
        let mut node = generated_node(Value::Map(m));
        sort_keys(&mut node);
        let mut text = String::new();
        emit_entry(&mut text, &node);
        Entry {
            semver: self.semver().clone(),
            body: Body::Made(Box::new(Made {
                version: self.version.clone(),
                digest,
                created: created.clone(),
                url,
                text: text.into_boxed_str(),
            })),
        }
    }
}

/// Seconds since 1970 as RFC 3339 in UTC (`2026-11-24T22:35:50Z`).
pub fn rfc3339(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
