//! The project's lint configuration: `kforge-lint.yaml` read into [`Options`], what a run checks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::kube_version::{NEWEST_KUBE, parse_kube_version};
use super::rules::{Category, RULES, Rule, rule};
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::manifest::Document;
use crate::yaml::{Limits, Node, SourceFile, Value, parse_documents};

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
    /// Files or folders of CustomResourceDefinitions (`crds:`, relative to the project, and
    /// `--crd`), read by the command into `crd_documents`.
    pub crds: Vec<PathBuf>,
    /// CustomResourceDefinitions from outside the linted set, to validate custom resources.
    pub crd_documents: Vec<Document>,
    /// Acknowledged upgrade findings (`acknowledge:`), one object, rule and release each.
    pub acknowledged: Vec<super::acknowledge::Acknowledgement>,
    /// The run is `kforge lint`, so a hint may name its flags (`check` and `build` take
    /// their lint options from kforge-lint.yaml only).
    pub lint_flags: bool,
    /// Names in the folders of `crds` that are not regular files, skipped: a warning each.
    pub skipped: Vec<Diagnostic>,
    /// `group/Kind` of custom resources whose operators create pods, beyond the built-in
    /// list (`podCreatingKinds:`).
    pub pod_creating_kinds: Vec<String>,
    /// Objects that exist outside the linted set (`external:`), as `Kind/name` (a `*` at
    /// the end of the name matches any rest): references to them are never reported.
    pub external: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            kube_version: NEWEST_KUBE,
            only: BTreeSet::new(),
            skip: BTreeSet::new(),
            disable: BTreeSet::new(),
            allow_unknown_kinds: false,
            crds: Vec::new(),
            crd_documents: Vec::new(),
            acknowledged: Vec::new(),
            lint_flags: false,
            skipped: Vec::new(),
            pod_creating_kinds: Vec::new(),
            external: Vec::new(),
        }
    }
}

/// Why an upgrade rule cannot be turned off, and what to do instead.
const UPGRADE_HELP: &str = "an update Kubernetes rejects fails the deploy whatever the settings; acknowledge a deliberate recreate for one object and release under `acknowledge:` (docs/upgrades.md)";

/// The kinds `external:` may declare: first those pods refer to by name
/// ([`REFERENCED_KINDS`]), then those an autoscaler's `Object` metric reads
/// (`hpa-metric-object`).
pub const EXTERNAL_KINDS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Ingress",
    "Service",
];

/// The kinds pods refer to by name: the first three of [`EXTERNAL_KINDS`].
pub const REFERENCED_KINDS: &[&str] = EXTERNAL_KINDS.split_at(3).0;

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
    /// crds: [crds/]                # CustomResourceDefinitions, files or folders
    /// acknowledge: [...]           # upgrade findings, per object and release (acknowledge.rs)
    /// podCreatingKinds: [example.com/Widget]   # custom resources whose operator makes pods
    /// external: [ConfigMap/shared-env, Secret/db-*]   # objects deployed separately
    /// ```
    pub fn from_project(dir: &Path) -> Result<Self, Diagnostics> {
        let mut opts = Self::default();
        let Some(root) = read_config(dir)? else {
            return Ok(opts);
        };
        let Some(map) = root.as_map() else {
            return Err(Diagnostics(vec![
                Diagnostic::error(format!("{CONFIG_FILE} must be a map")).at(root.origin.clone()),
            ]));
        };
        let mut problems = Vec::new();
        for (key, node) in map {
            opts.read_key(dir, key, node, &mut problems);
        }
        if problems.is_empty() {
            Ok(opts)
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// One top-level key of kforge-lint.yaml into these options; what is wrong with it into
    /// `problems`, at its file:line.
    fn read_key(&mut self, dir: &Path, key: &str, node: &Node, problems: &mut Vec<Diagnostic>) {
        let mut list = |what: &str, example: &str, each: &mut dyn FnMut(String) -> Item| {
            each_item(node, key, what, example, problems, each);
        };
        match key {
            "kubeVersion" => {
                let text = match &node.value {
                    Value::String(s) => s.clone(),
                    Value::Float(f) => f.to_string(),
                    _ => String::new(),
                };
                match parse_kube_version(&text) {
                    Ok(v) => self.kube_version = v,
                    Err(e) => problems.push(refused(
                        node,
                        key,
                        e.to_string(),
                        "write it as a quoted string, e.g. kubeVersion: \"1.33\"",
                    )),
                }
            }
            "only" | "skip" => list(
                &format!("`{key}` must be a list of categories"),
                "e.g. skip: [practice]",
                &mut |name| match Category::from_name(&name) {
                    Some(Category::Upgrade) if key == "skip" => Err((
                        "the upgrade rules cannot be skipped".into(),
                        UPGRADE_HELP.into(),
                    )),
                    Some(c) if key == "only" => {
                        self.only.insert(c);
                        Ok(())
                    }
                    Some(c) => {
                        self.skip.insert(c);
                        Ok(())
                    }
                    None => Err((
                        format!("unknown category `{name}`"),
                        "categories: types, lifecycle, references, practice, security".into(),
                    )),
                },
            ),
            "disable" => list(
                "`disable` must be a list of rule ids",
                "e.g. disable: [missing-probe]",
                &mut |id| match rule(&id) {
                    Some(r) if r.category == Category::Upgrade => Err((
                        format!("the upgrade rule `{id}` cannot be disabled"),
                        UPGRADE_HELP.into(),
                    )),
                    Some(_) => {
                        self.disable.insert(id);
                        Ok(())
                    }
                    None => Err((
                        format!("no rule `{id}`"),
                        match did_you_mean(&id, RULES.iter().map(|r| r.id)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "`kforge lint --list-rules` lists the rules".into(),
                        },
                    )),
                },
            ),
            "crds" => list(
                "`crds` must be a list of files or folders",
                "e.g. crds: [crds/, vendor/operator-crds.yaml]",
                &mut |p| {
                    self.crds.push(dir.join(p));
                    Ok(())
                },
            ),
            "acknowledge" => match super::acknowledge::parse(node) {
                Ok(list) => self.acknowledged = list,
                Err(found) => problems.extend(found),
            },
            "podCreatingKinds" => list(
                "`podCreatingKinds` must be a list of group/Kind",
                "e.g. podCreatingKinds: [example.com/Widget]",
                &mut |gk| {
                    match gk.split_once('/') {
                    Some((g, k)) if !g.is_empty() && !k.is_empty() && !k.contains('/') => {
                        self.pod_creating_kinds.push(gk);
                        Ok(())
                    }
                    _ => Err((
                        format!("`{gk}` is not `group/Kind`"),
                        "name the API group (the apiVersion without its version) and the kind, e.g. podCreatingKinds: [example.com/Widget]".into(),
                    )),
                }
                },
            ),
            "external" => list(
                "`external` must be a list of Kind/name",
                "e.g. external: [ConfigMap/shared-env, Secret/db-credentials]",
                &mut |object| {
                    match object.split_once('/') {
                    Some((k, name)) if EXTERNAL_KINDS.contains(&k) && !name.is_empty() => {
                        self.external.push(object);
                        Ok(())
                    }
                    _ => Err((
                        format!("`{object}` is not `Kind/name` of a ConfigMap, Secret, ServiceAccount, Ingress or Service"),
                        "e.g. external: [ConfigMap/shared-env, Secret/db-credentials, ServiceAccount/ci, Secret/tls-*]".into(),
                    )),
                }
                },
            ),
            "allowUnknownKinds" => match node.value {
                Value::Bool(b) => self.allow_unknown_kinds = b,
                _ => problems.push(refused(
                    node,
                    key,
                    "`allowUnknownKinds` must be true or false".into(),
                    "write allowUnknownKinds: true",
                )),
            },
            other => {
                let hint = match did_you_mean(other, KEYS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys: {}", KEYS.join(", ")),
                };
                problems.push(refused(
                    node,
                    other,
                    format!("unknown key `{other}` in {CONFIG_FILE}"),
                    &hint,
                ));
            }
        }
    }

    /// Whether kforge-lint.yaml declares `kind`/`name` as deployed outside the set.
    pub fn is_external(&self, kind: &str, name: &str) -> bool {
        self.external.iter().any(|e| {
            let Some((k, n)) = e.split_once('/') else {
                return false;
            };
            k == kind
                && match n.strip_suffix('*') {
                    Some(prefix) => name.starts_with(prefix),
                    None => n == name,
                }
        })
    }

    /// Whether any rule of `category` can report (so its checks are worth running).
    pub fn category_enabled(&self, category: Category) -> bool {
        category == Category::Upgrade || self.category_selected(category)
    }

    /// Whether `only` and `skip` select `category` (the upgrade rules are on regardless).
    fn category_selected(&self, category: Category) -> bool {
        (self.only.is_empty() || self.only.contains(&category)) && !self.skip.contains(&category)
    }

    /// Whether `rule` reports in this run (its category is on and it is not disabled).
    pub(super) fn enabled(&self, rule: &Rule) -> bool {
        rule.category == Category::Upgrade
            || (self.category_selected(rule.category) && !self.disable.contains(rule.id))
    }
}

/// The keys of kforge-lint.yaml.
const KEYS: [&str; 9] = [
    "kubeVersion",
    "only",
    "skip",
    "disable",
    "allowUnknownKinds",
    "crds",
    "acknowledge",
    "podCreatingKinds",
    "external",
];

/// What a list item of kforge-lint.yaml comes to: taken, or refused with a message and help.
type Item = Result<(), (String, String)>;

/// kforge-lint.yaml of `dir`, parsed; `None` when there is none, or it is empty.
fn read_config(dir: &Path) -> Result<Option<Node>, Diagnostics> {
    let file = dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
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
    let docs =
        parse_documents(&source.text, &source, limits).map_err(|e| Diagnostics(vec![e.into()]))?;
    Ok(docs
        .into_iter()
        .next()
        .filter(|root| !matches!(root.value, Value::Null)))
}

/// A problem of `key` at `node`.
fn refused(node: &Node, key: &str, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(message)
        .at(node.origin.clone())
        .key(key)
        .help(help.to_string())
}

/// Each item of the list at `node` (a YAML list of strings, or one comma-separated string)
/// given to `each`; an item it refuses, or a value that is no such list (`what`, `example`),
/// is a problem at its line.
fn each_item(
    node: &Node,
    key: &str,
    what: &str,
    example: &str,
    problems: &mut Vec<Diagnostic>,
    each: &mut dyn FnMut(String) -> Item,
) {
    let items: Option<Vec<(String, &Node)>> = match &node.value {
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
    };
    let Some(items) = items else {
        problems.push(refused(node, key, what.to_string(), example));
        return;
    };
    for (item, at) in items {
        if let Err((message, help)) = each(item) {
            problems.push(refused(at, key, message, &help));
        }
    }
}
