//! Lint: Kubernetes API types, API lifecycle, cross-object references, best practice and
//! security. Every rule has a stable id, a category, a default severity, a fix, and the names of
//! equivalent checks in other linters ([`RULES`]). Findings are [`Diagnostic`]s located at the
//! offending node (file:line:col) with the JSON path as key.

pub mod input;
mod kinds;
mod lifecycle;
mod references;
pub mod report;
mod rules;
mod schema;
#[rustfmt::skip]
mod schema_table;
mod types;
mod workload;

use std::collections::BTreeSet;
use std::path::Path;

pub use rules::{Category, RULES, Rule, rule};

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::manifest::Document;
use crate::yaml::{Limits, Node, Origin, SourceFile, Value, display_key_path, parse_documents};

/// Newest Kubernetes minor version whose API kforge knows (k8s-openapi feature `v1_37`).
pub const NEWEST_KUBE: (u32, u32) = (1, 37);

/// Oldest Kubernetes minor version the lifecycle table goes back to.
pub const OLDEST_KUBE: (u32, u32) = (1, 16);

/// What to check.
#[derive(Clone, Debug)]
pub struct Options {
    /// Target Kubernetes version for lifecycle checks.
    pub kube_version: (u32, u32),
    /// Only these categories (empty: all).
    pub only: BTreeSet<Category>,
    /// Not these categories.
    pub skip: BTreeSet<Category>,
    /// Not these rules.
    pub disable: BTreeSet<String>,
    /// Kinds kforge has no type for are fine (custom resources).
    pub allow_unknown_kinds: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            kube_version: NEWEST_KUBE,
            only: BTreeSet::new(),
            skip: BTreeSet::new(),
            disable: BTreeSet::new(),
            allow_unknown_kinds: false,
        }
    }
}

/// The project's lint configuration file.
pub const CONFIG_FILE: &str = "kforge-lint.yaml";

impl Options {
    /// Defaults overlaid with `DIR/kforge-lint.yaml` when it exists:
    ///
    /// ```yaml
    /// kubeVersion: "1.33"
    /// only: [types, references]   # or skip: [practice]
    /// disable: [missing-probe]
    /// allowUnknownKinds: true
    /// ```
    pub fn from_project(dir: &Path) -> Result<Self, Diagnostics> {
        let mut opts = Self::default();
        let file = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(opts),
            Err(e) => {
                return Err(Diagnostics(vec![Diagnostic::error(format!(
                    "cannot read {CONFIG_FILE}: {e}"
                ))]));
            }
        };
        let source = SourceFile::new(CONFIG_FILE, text);
        let limits = Limits {
            max_depth: 16,
            max_nodes: 10_000,
        };
        let docs = parse_documents(&source.text, &source, limits)
            .map_err(|e| Diagnostics(vec![e.into()]))?;
        let Some(root) = docs.into_iter().next() else {
            return Ok(opts);
        };
        if matches!(root.value, Value::Null) {
            return Ok(opts);
        }
        let Some(map) = root.as_map() else {
            return Err(Diagnostics(vec![
                Diagnostic::error(format!("{CONFIG_FILE} must be a map")).at(root.origin.clone()),
            ]));
        };
        let mut problems = Vec::new();
        let bad = |node: &Node, key: &str, msg: String, help: &str| {
            Diagnostic::error(msg)
                .at(node.origin.clone())
                .key(key)
                .help(help.to_string())
        };
        fn strings(node: &Node) -> Option<Vec<(String, &Node)>> {
            match &node.value {
                Value::Seq(items) => items
                    .iter()
                    .map(|n| n.as_str().map(|s| (s.to_string(), n)))
                    .collect(),
                Value::String(s) => Some(
                    s.split(',')
                        .map(|p| (p.trim().to_string(), node))
                        .filter(|(p, _)| !p.is_empty())
                        .collect(),
                ),
                _ => None,
            }
        }
        for (key, node) in map {
            match key.as_str() {
                "kubeVersion" => {
                    let text = match &node.value {
                        Value::String(s) => s.clone(),
                        Value::Float(f) => f.to_string(),
                        _ => String::new(),
                    };
                    match parse_kube_version(&text) {
                        Ok(v) => opts.kube_version = v,
                        Err(e) => problems.push(bad(
                            node,
                            key,
                            e.to_string(),
                            "write it as a quoted string, e.g. kubeVersion: \"1.33\"",
                        )),
                    }
                }
                "only" | "skip" => match strings(node) {
                    Some(list) => {
                        for (name, n) in list {
                            match Category::from_name(&name) {
                                Some(c) if key == "only" => {
                                    opts.only.insert(c);
                                }
                                Some(c) => {
                                    opts.skip.insert(c);
                                }
                                None => problems.push(bad(
                                    n,
                                    key,
                                    format!("unknown category `{name}`"),
                                    "categories: types, lifecycle, references, practice, security",
                                )),
                            }
                        }
                    }
                    None => problems.push(bad(
                        node,
                        key,
                        format!("`{key}` must be a list of categories"),
                        "e.g. skip: [practice]",
                    )),
                },
                "disable" => match strings(node) {
                    Some(list) => {
                        for (id, n) in list {
                            if rule(&id).is_some() {
                                opts.disable.insert(id);
                            } else {
                                let hint = match did_you_mean(&id, RULES.iter().map(|r| r.id)) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => "`kforge lint --list-rules` lists the rules".into(),
                                };
                                problems.push(bad(n, key, format!("no rule `{id}`"), &hint));
                            }
                        }
                    }
                    None => problems.push(bad(
                        node,
                        key,
                        "`disable` must be a list of rule ids".into(),
                        "e.g. disable: [missing-probe]",
                    )),
                },
                "allowUnknownKinds" => match node.value {
                    Value::Bool(b) => opts.allow_unknown_kinds = b,
                    _ => problems.push(bad(
                        node,
                        key,
                        "`allowUnknownKinds` must be true or false".into(),
                        "write allowUnknownKinds: true",
                    )),
                },
                other => {
                    let known = [
                        "kubeVersion",
                        "only",
                        "skip",
                        "disable",
                        "allowUnknownKinds",
                    ];
                    let hint = match did_you_mean(other, known) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("known keys: {}", known.join(", ")),
                    };
                    problems.push(bad(
                        map.get(other).unwrap_or(node),
                        other,
                        format!("unknown key `{other}` in {CONFIG_FILE}"),
                        &hint,
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(opts)
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// Whether any rule of `category` can report (so its checks are worth running).
    pub fn category_enabled(&self, category: Category) -> bool {
        (self.only.is_empty() || self.only.contains(&category)) && !self.skip.contains(&category)
    }

    fn enabled(&self, rule: &Rule) -> bool {
        (self.only.is_empty() || self.only.contains(&rule.category))
            && !self.skip.contains(&rule.category)
            && !self.disable.contains(rule.id)
    }
}

/// Collects findings for one lint run.
pub struct Sink<'a> {
    opts: &'a Options,
    values: Option<ValuesIndex<'a>>,
    out: Vec<Diagnostic>,
}

impl<'a> Sink<'a> {
    /// A sink for one run; with `values` (a rendered environment's merged values), findings
    /// on a value also name the values key and where it was set.
    pub fn new(opts: &'a Options, values: Option<&'a Node>) -> Self {
        Self {
            opts,
            values: values.map(ValuesIndex::new),
            out: Vec::new(),
        }
    }

    /// The findings so far, sorted by file position.
    pub fn into_findings(self) -> Vec<Diagnostic> {
        let mut out = self.out;
        sort_findings(&mut out);
        out
    }

    /// Reports rule `id` on `doc` at a position that is not a node of the object.
    pub fn report_at(
        &mut self,
        id: &'static str,
        doc: &Document,
        origin: &Origin,
        message: String,
    ) {
        let Some(rule) = rule(id) else {
            debug_assert!(false, "no lint rule `{id}`");
            return;
        };
        if !self.opts.enabled(rule) || ignored(doc, rule) {
            return;
        }
        let mut d = Diagnostic::error(format!("{}: {message}", object_label(doc)))
            .at(origin.clone())
            .help(rule.fix);
        d.severity = rule.severity;
        d.code = Some(rule.id);
        self.out.push(d);
    }

    /// Reports rule `id` on `doc` at the node under `tokens` (or its deepest existing parent),
    /// unless the rule is disabled or the object opts out by annotation.
    pub fn report(&mut self, id: &'static str, doc: &Document, tokens: &[String], message: String) {
        let Some(rule) = rule(id) else {
            debug_assert!(false, "no lint rule `{id}`");
            return;
        };
        if !self.opts.enabled(rule) || ignored(doc, rule) {
            return;
        }
        let node = (0..=tokens.len())
            .rev()
            .find_map(|n| doc.node.pointer(&tokens[..n]))
            .unwrap_or(&doc.node);
        let mut d = Diagnostic::error(format!("{}: {message}", object_label(doc)))
            .at(node.origin.clone())
            .key(display_key_path(tokens))
            .help(rule.fix);
        d.severity = rule.severity;
        d.code = Some(rule.id);
        if let Some(values) = &self.values {
            d.notes = values.sources(node, tokens.last().map(String::as_str));
        }
        self.out.push(d);
    }
}

fn object_label(doc: &Document) -> String {
    match (doc.kind.is_empty(), doc.name.is_empty()) {
        (true, _) => "object".to_string(),
        (false, true) => doc.kind.clone(),
        (false, false) => format!("{} {}", doc.kind, doc.name),
    }
}

/// Per-object opt-out: `kforge.io/ignore: rule-a,rule-b` (or `all`), and kube-linter's
/// `ignore-check.kube-linter.io/<check>` for rules that are its equivalent.
fn ignored(doc: &Document, rule: &Rule) -> bool {
    let Some(annotations) = doc
        .node
        .get_path(&["metadata", "annotations"])
        .and_then(Node::as_map)
    else {
        return false;
    };
    if let Some(list) = annotations.get("kforge.io/ignore").and_then(Node::as_str)
        && list
            .split(',')
            .map(str::trim)
            .any(|r| r == rule.id || r == "all")
    {
        return true;
    }
    rule.equivalents
        .iter()
        .filter(|(tool, _)| *tool == "kube-linter")
        .any(|(_, check)| annotations.contains_key(&format!("ignore-check.kube-linter.io/{check}")))
}

/// Lints documents that belong together (one rendered environment): per-object types,
/// lifecycle and workload rules, then references across them; findings sorted by file
/// position. With `values`, findings on a value that came from the merged `values`
/// also name the values key and the file:line (or `--set`) that set it.
pub fn lint_rendered(docs: &[Document], opts: &Options, values: Option<&Node>) -> Vec<Diagnostic> {
    let mut sink = Sink::new(opts, values);
    for doc in docs {
        lint_document(doc, opts, &mut sink);
    }
    lint_references(docs, opts, &mut sink);
    sink.into_findings()
}

/// The checks of one object on its own: types, lifecycle, workload practice and security.
pub fn lint_document(doc: &Document, opts: &Options, sink: &mut Sink<'_>) {
    let typed = types::check(doc, opts, sink);
    if opts.category_enabled(Category::Lifecycle) {
        lifecycle::check(doc, opts, sink);
    }
    // The workload rules are all practice or security rules.
    let workload_on =
        opts.category_enabled(Category::Practice) || opts.category_enabled(Category::Security);
    if typed && workload_on {
        workload::check(doc, sink);
    }
}

/// The checks across objects (selectors, backends, scale targets, duplicates), when their
/// category is on. `docs` must be in input order: "first defined at" depends on it.
pub fn lint_references(docs: &[Document], opts: &Options, sink: &mut Sink<'_>) {
    if opts.category_enabled(Category::References) {
        references::check(docs, sink);
    }
}

/// Findings sorted by file position (stable: findings at one position keep their order).
pub fn sort_findings(out: &mut [Diagnostic]) {
    out.sort_by(|a, b| position(a).cmp(&position(b)));
}

fn position(d: &Diagnostic) -> (&str, usize, usize) {
    match d.origin.as_ref().and_then(Origin::file_line) {
        Some((f, line, col)) => (f.display.as_str(), line, col),
        None => ("", 0, 0),
    }
}

/// Parses `X.Y` (also `vX.Y` and `X.Y.Z`) into a supported Kubernetes minor version.
pub fn parse_kube_version(text: &str) -> anyhow::Result<(u32, u32)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), patch, None)
            if patch.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit())) =>
        {
            a.parse::<u32>().ok().zip(b.parse::<u32>().ok())
        }
        _ => None,
    };
    match parsed {
        Some(v @ (1, minor)) if (OLDEST_KUBE.1..=NEWEST_KUBE.1).contains(&minor) => Ok(v),
        Some(_) => anyhow::bail!(
            "Kubernetes version `{text}` is not supported; give one from {}.{} to {}.{}",
            OLDEST_KUBE.0,
            OLDEST_KUBE.1,
            NEWEST_KUBE.0,
            NEWEST_KUBE.1
        ),
        None => anyhow::bail!("`{text}` is not a Kubernetes version; write it as X.Y, e.g. 1.33"),
    }
}

/// Path tokens from string literals.
pub fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_string()).collect()
}

/// The scalar leaves of the merged values, by their text, to say where a rendered value came
/// from. Templates are not traced; a rendered scalar is matched to the values leaves with the
/// same text (preferring the same key name), or, for strings, the leaf equal to its last part
/// (`repo/name:TAG` → the leaf `TAG`). Ambiguous matches (more than three) name nothing.
struct ValuesIndex<'a> {
    by_text: std::collections::HashMap<String, Vec<(String, &'a Node)>>,
}

impl<'a> ValuesIndex<'a> {
    fn new(root: &'a Node) -> Self {
        let mut by_text: std::collections::HashMap<String, Vec<(String, &'a Node)>> =
            std::collections::HashMap::new();
        let mut stack: Vec<(String, &'a Node)> = vec![(String::new(), root)];
        while let Some((path, node)) = stack.pop() {
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        stack.push((p, v));
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
        Self { by_text }
    }

    fn sources(&self, node: &Node, key: Option<&str>) -> Vec<String> {
        let Some(text) = scalar_text(node) else {
            return Vec::new();
        };
        let last_key = |path: &str| {
            path.rsplit('.')
                .next()
                .unwrap_or(path)
                .split('[')
                .next()
                .unwrap_or("")
                .to_string()
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

/// A scalar's text as the API server would see it in a string field; None for maps and lists.
pub(crate) fn scalar_text(n: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match &n.value {
        Value::String(s) => Some(s.into()),
        Value::Int(i) => Some(i.to_string().into()),
        Value::Float(f) => Some(f.to_string().into()),
        Value::Bool(b) => Some(b.to_string().into()),
        _ => None,
    }
}
