//! Chart repository indexes (`index.yaml`), as `helm repo index` writes them: apiVersion v1,
//! `entries` by chart name (names sorted), each chart's versions newest SemVer first, every
//! entry the chart's metadata plus `created`, `digest` (sha256 hex) and `urls`, keys sorted
//! (Helm marshals through JSON, which sorts them), then `generated`.
//!
//! Unlike Helm, entries are kept as YAML nodes: fields kforge does not know survive a rewrite,
//! and every problem in an existing index is reported with its file:line.

use std::collections::BTreeMap;
use std::sync::Arc;

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
        }
    }

    /// The `urls`.
    pub fn urls(&self) -> Vec<&str> {
        match &self.body {
            Body::Read(node) => entry_urls(node),
            Body::Made(m) => vec![m.url.as_str()],
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
        }
    }

    /// Where the entry was read (`None` for an entry made by this run).
    pub fn origin(&self) -> Option<&Origin> {
        match &self.body {
            Body::Read(node) => Some(&node.origin),
            Body::Made(_) => None,
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
                Body::Made(_) => None,
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
        // entries. A part of entries made by this run gives only the key: their texts are
        // copied straight into `out` below, not first into a second copy of the index.
        let made = |e: &Entry| matches!(e.body, Body::Made(_));
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
                    }
                }
            }
            (text, whole)
        });
        fn made_texts(items: &[Entry]) -> impl Iterator<Item = &str> {
            items.iter().filter_map(|e| match &e.body {
                Body::Made(m) => Some(&*m.text),
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
mod tests {
    use super::*;

    fn index(text: &str) -> Result<RepoIndex, Diagnostic> {
        RepoIndex::parse(&SourceFile::new("index.yaml", text))
    }

    #[test]
    fn round_trip_sorts_versions_and_keys() {
        let mut idx = index(
            "apiVersion: v1\nentries:\n  a:\n  - version: 1.2.0\n    urls: [a-1.2.0.tgz]\n    created: \"2020-01-01T00:00:00Z\"\n  - version: 1.10.0\n    urls: [a-1.10.0.tgz]\n    created: \"2021-01-01T00:00:00+02:00\"\n",
        )
        .unwrap();
        let out = idx.to_yaml("x");
        let first = out.find("1.10.0").unwrap();
        let second = out.find("1.2.0").unwrap();
        assert!(first < second, "{out}");
        assert!(
            out.ends_with("generated: \"2021-01-01T00:00:00+02:00\"\n"),
            "{out}"
        );
        assert!(out.find("created").unwrap() < out.find("urls").unwrap());
    }

    /// `entries` is emitted in parts on every core and joined: the bytes must be those of one
    /// emitter pass over the whole tree, across part boundaries, for an empty list, and for a
    /// chart name that needs quoting.
    #[test]
    fn entries_emitted_in_parts_match_one_emitter_pass() {
        let mut text = String::from("apiVersion: v1\nserverInfo: {contextPath: /x}\nentries:\n");
        text.push_str(
            "  \"yes\": []\n  b:\n  - version: 0.1.0\n    urls: [\"b 0.1.0.tgz\"]\n  a:\n",
        );
        for i in 0..(2 * 256 + 7) {
            text.push_str(&format!(
                "  - version: 1.{i}.0\n    urls: [a-1.{i}.0.tgz]\n    description: \"line\\nnext: {i}\"\n    created: \"2020-01-01T00:00:00Z\"\n"
            ));
        }
        let mut idx = index(&text).unwrap();
        let out = idx.to_yaml("x");
        // The same tree (now in its emitted order) through a single emit_document.
        let node = |e: &Entry| match &e.body {
            Body::Read(node) => node.clone(),
            Body::Made(_) => unreachable!("every entry here was read"),
        };
        let entries = idx
            .entries
            .iter()
            .map(|(name, list)| {
                let items = list.iter().map(node).collect();
                (name.clone(), generated_node(Value::Seq(items)))
            })
            .collect();
        let mut root = Map::default();
        root.insert("apiVersion".to_string(), gen_str("v1"));
        root.insert("entries".to_string(), generated_node(Value::Map(entries)));
        root.insert("generated".to_string(), gen_str("2020-01-01T00:00:00Z"));
        root.insert("serverInfo".to_string(), idx.extra["serverInfo"].clone());
        assert_eq!(out, emit_document(&generated_node(Value::Map(root))));
        assert!(out.contains("  \"yes\": []\n"), "{out}");
        assert_eq!(index(&out).unwrap().len(), 2 * 256 + 8);
    }

    #[test]
    fn refuses_entries_it_cannot_rewrite() {
        let e = index("apiVersion: v1\nentries:\n  a:\n  - urls: [x]\n").unwrap_err();
        assert!(e.message.contains("no `version`"), "{}", e.message);
        let e = index("entries: {}\n").unwrap_err();
        assert!(e.message.contains("no API version"), "{}", e.message);
        let e =
            index("apiVersion: v1\nentries:\n  a:\n  - version: v1\n    urls: [x]\n").unwrap_err();
        assert!(e.message.contains("SemVer"), "{}", e.message);
    }

    fn made(chart_yaml: &str, created: &str, digest: &str, url: &str) -> (String, Entry) {
        let chart = ChartYaml::parse(&SourceFile::new("x.tgz:Chart.yaml", chart_yaml)).unwrap();
        let entry = chart.entry(&Arc::from(created), digest.into(), url.into());
        (chart.name, entry)
    }

    /// An entry made from an archive keeps only its text: the index must be the bytes that
    /// emitting its tree gives, as it does for an entry read back from that index.
    #[test]
    fn an_entry_made_from_an_archive_is_written_as_its_tree_is() {
        let charts = [
            "apiVersion: v2\nname: app\nversion: 1.2.0\nappVersion: \"2.10\"\ndescription: |\n  two\n  lines: here\nkeywords: [a, \"yes\", '1.0']\nmaintainers:\n- name: Zoë\n  email: z@example.com\nannotations:\n  b: \"x: y\"\n  a: 'null'\ndependencies:\n- name: redis\n  version: ~17\n  condition: redis.enabled\nnotAnIndexField: dropped\n",
            "apiVersion: v2\nname: app\nversion: 1.10.0-rc.1+build.7\ntype: library\ndeprecated: true\nhome: https://example.com/#x\n",
            "apiVersion: v1\nname: \"yes\"\nversion: 0.0.1\ndescription: \"  padded  \"\nicon: \"@icon\"\n",
        ];
        let mut idx = RepoIndex::default();
        for (i, c) in charts.iter().enumerate() {
            let (name, entry) = made(
                c,
                "2026-11-25T10:00:00Z",
                &format!("{i:064x}"),
                &format!("https://h/c/{name}-{i}.tgz", name = "n"),
            );
            idx.entries.entry(name).or_default().push(entry);
        }
        let text = idx.to_yaml("x");
        assert!(!text.contains("notAnIndexField"), "{text}");
        assert!(text.find("1.10.0-rc.1+build.7").unwrap() < text.find("1.2.0").unwrap());
        let mut read = index(&text).unwrap();
        assert!(
            read.entries
                .values()
                .flatten()
                .all(|e| e.origin().is_some())
        );
        assert_eq!(read.to_yaml("x"), text);
        assert_eq!(read.len(), 3);
        let e = read.find("app", "1.2.0").unwrap();
        assert_eq!(e.digest(), Some(format!("{:064x}", 0).as_str()));
        assert_eq!(e.urls(), ["https://h/c/n-0.tgz"]);
        // Read and made entries in one list, over more than one emitted part.
        for i in 0..300 {
            let chart = charts[0].replace("1.2.0", &format!("1.3.{i}"));
            let (name, entry) = made(&chart, "2026-11-26T00:00:00Z", "cd", "u.tgz");
            read.entries.entry(name).or_default().push(entry);
        }
        let mixed = read.to_yaml("x");
        assert!(
            mixed.ends_with("generated: \"2026-11-26T00:00:00Z\"\n"),
            "{mixed}"
        );
        assert_eq!(index(&mixed).unwrap().to_yaml("x"), mixed);
    }

    /// A made entry whose url changes is read back from its text first: the same bytes as an
    /// entry made with that url, and reported as made by kforge, not at a file:line.
    #[test]
    fn a_made_entry_takes_a_new_url() {
        let chart = "apiVersion: v2\nname: app\nversion: 1.0.0\ndescription: \"a: b\"\n";
        let (_, mut moved) = made(chart, "2026-01-01T00:00:00Z", "ab", "old/app-1.0.0.tgz");
        moved.set_url("new/app-1.0.0.tgz");
        let (_, direct) = made(chart, "2026-01-01T00:00:00Z", "ab", "new/app-1.0.0.tgz");
        let write = |e: Entry| {
            let mut idx = RepoIndex::default();
            idx.entries.insert("app".into(), vec![e]);
            idx.to_yaml("x")
        };
        assert_eq!(moved.urls(), ["new/app-1.0.0.tgz"]);
        assert!(matches!(moved.origin_of("digest"), Origin::Generated));
        assert_eq!(moved.version(), "1.0.0");
        assert_eq!(write(moved), write(direct));
    }

    #[test]
    fn rfc3339_is_utc_seconds() {
        assert_eq!(rfc3339(946_684_800), "2000-01-01T00:00:00Z");
    }
}
