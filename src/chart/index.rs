//! Chart repository indexes (`index.yaml`), as `helm repo index` writes them: apiVersion v1,
//! `entries` by chart name (names sorted), each chart's versions newest SemVer first, every
//! entry the chart's metadata plus `created`, `digest` (sha256 hex) and `urls`, keys sorted
//! (Helm marshals through JSON, which sorts them), then `generated`.
//!
//! Unlike Helm, entries are kept as YAML nodes: fields kforge does not know survive a rewrite,
//! and every problem in an existing index is reported with its file:line.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::Diagnostic;
use crate::yaml::{
    Limits, Map, Node, Origin, SourceFile, Value, emit_document, emit_scalar_key, emit_seq_items,
    parse_documents,
};

/// Largest index.yaml read (Helm's own indexes reach tens of MB: helm/helm#9931).
pub const MAX_INDEX_BYTES: u64 = 256 * 1024 * 1024;

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
    /// Chart name → its entries (maps).
    pub entries: BTreeMap<String, Vec<Node>>,
    /// Other top-level keys (`annotations`, `serverInfo`, ...), kept as they were.
    pub extra: Map,
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
    pub fn find(&self, name: &str, version: &str) -> Option<&Node> {
        self.entries
            .get(name)?
            .iter()
            .find(|e| entry_str(e, "version") == Some(version))
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
            list.sort_by_cached_key(|e| {
                std::cmp::Reverse(
                    entry_str(e, "version").and_then(|s| semver::Version::parse(s).ok()),
                )
            });
            list.iter_mut().for_each(sort_keys);
        }
        for e in self.entries.values().flatten() {
            // Entries indexed in one run share one `created`: parsed once, not per entry.
            if let Some(c) = entry_str(e, "created")
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
        let parts: Vec<(&str, bool, &[Node])> = self
            .entries
            .iter()
            .flat_map(|(name, list)| {
                let mut parts: Vec<(&str, bool, &[Node])> = list
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
        let texts = crate::par::map(&parts, |(name, first, items)| {
            let mut text = String::new();
            if *first {
                text.push_str("  ");
                text.push_str(&emit_scalar_key(name));
                text.push_str(if items.is_empty() { ": []\n" } else { ":\n" });
            }
            emit_seq_items(&mut text, items, 4);
            text
        });
        // Grown once: doubling a string of megabytes copies it and faults in fresh pages.
        out.reserve("entries:\n".len() + texts.iter().map(String::len).sum::<usize>());
        out.push_str("entries:\n");
        for t in texts {
            out.push_str(&t);
        }
    }
}

fn parse_entries(node: Node) -> Result<BTreeMap<String, Vec<Node>>, Diagnostic> {
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
        for (i, e) in items.iter().enumerate() {
            let key = format!("{key}[{i}]");
            if e.as_map().is_none() {
                return Err(Diagnostic::error(format!(
                    "an index entry must be a map, not a {}",
                    e.value.type_name()
                ))
                .at(e.origin.clone())
                .key(key));
            }
            let Some(version) = entry_str(e, "version") else {
                return Err(Diagnostic::error(format!(
                    "the entry of chart `{name}` has no `version` string"
                ))
                .at(e.origin.clone())
                .key(key)
                .help("every index entry needs the chart's SemVer version"));
            };
            if let Err(err) = semver::Version::parse(version) {
                let n = &e
                    .as_map()
                    .and_then(|m| m.get("version"))
                    .unwrap_or(e)
                    .origin;
                return Err(Diagnostic::error(format!(
                    "chart `{name}` version `{version}` is not a SemVer 2 version: {err}"
                ))
                .at(n.clone())
                .key(format!("{key}.version")));
            }
            if entry_urls(e).is_empty() {
                return Err(
                    Diagnostic::error(format!("chart `{name}` {version} has no `urls`"))
                        .at(e.origin.clone())
                        .key(format!("{key}.urls")),
                );
            }
        }
        out.insert(name, items);
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

/// Chart.yaml of an archive, checked the way Helm validates chart metadata.
pub struct ChartYaml {
    /// The parsed map.
    pub node: Node,
    /// `name`.
    pub name: String,
    /// `version` (SemVer 2).
    pub version: String,
}

impl ChartYaml {
    /// Parses and validates Chart.yaml text read from `display` (e.g. `x.tgz:Chart.yaml`).
    pub fn parse(file: &Arc<SourceFile>) -> Result<Self, String> {
        let docs = parse_documents(&file.text, file, Limits::default())
            .map_err(|e| format!("Chart.yaml:{}:{}: {}", e.line, e.col, e.message))?;
        let node = docs
            .into_iter()
            .next()
            .filter(|n| n.as_map().is_some())
            .ok_or("Chart.yaml is not a map")?;
        let field = |k: &str| entry_str(&node, k).filter(|s| !s.is_empty());
        let name = field("name").ok_or("validation: chart.metadata.name is required")?;
        if field("apiVersion").is_none() {
            return Err("validation: chart.metadata.apiVersion is required".into());
        }
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(format!(
                "validation: chart.metadata.name {name:?} is invalid"
            ));
        }
        let version = field("version").ok_or("validation: chart.metadata.version is required")?;
        if let Err(e) = semver::Version::parse(version) {
            return Err(format!(
                "validation: chart.metadata.version {version:?} is invalid: not SemVer 2 ({e})"
            ));
        }
        if let Some(t) = field("type")
            && t != "application"
            && t != "library"
        {
            return Err(format!(
                "validation: chart.metadata.type {t:?} must be application or library"
            ));
        }
        let (name, version) = (name.to_string(), version.to_string());
        Ok(Self {
            node,
            name,
            version,
        })
    }

    /// The index entry for this chart: its metadata plus `created`, `digest` and `urls`.
    pub fn entry(&self, created: &str, digest: &str, url: &str) -> Node {
        let mut m = Map::default();
        if let Some(meta) = self.node.as_map() {
            for (k, v) in meta {
                if METADATA_FIELDS.contains(&k.as_str()) {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        m.insert("created".into(), gen_str(created));
        m.insert("digest".into(), gen_str(digest));
        m.insert(
            "urls".into(),
            generated_node(Value::Seq(vec![gen_str(url)])),
        );
        // Sorted here, on the thread that made it, so the index's serial pass only checks.
        let mut entry = generated_node(Value::Map(m));
        sort_keys(&mut entry);
        entry
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
        let entries = idx
            .entries
            .iter()
            .map(|(name, list)| (name.clone(), generated_node(Value::Seq(list.clone()))))
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

    #[test]
    fn rfc3339_is_utc_seconds() {
        assert_eq!(rfc3339(946_684_800), "2000-01-01T00:00:00Z");
    }
}
