//! Manifests, shared by render, lint, package and diff. Rendered documents: identity (kind/namespace/name), Helm's install order, and emission as
//! YAML (with `# Source:` headers), JSON, or one file per document.

use crate::yaml::{Node, Origin, Value, emit_document, to_json};

/// Kinds in the order Helm installs them (helm/helm pkg/release/util/kind_sorter.go).
const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// A kind whose objects run pods: where its pod template is, and whether a component's values
/// express it. The one table of workload kinds lint and import read.
#[derive(Debug)]
pub struct WorkloadKind {
    /// The kind, as `kind:` spells it.
    pub kind: &'static str,
    /// Path to the pod template (the map holding `metadata` and `spec`); empty for a Pod,
    /// which is its own template.
    pub template: &'static [&'static str],
    /// A component's values express it (`kind:` of a component), so `import` maps it.
    pub component: bool,
}

impl WorkloadKind {
    /// Path to the pod spec.
    pub fn pod_spec(&self) -> Vec<&'static str> {
        let mut p = self.template.to_vec();
        p.push("spec");
        p
    }

    /// Path to the pod template's labels; none for a Pod (its labels are its own).
    pub fn pod_labels(&self) -> Option<Vec<&'static str>> {
        if self.template.is_empty() {
            return None;
        }
        let mut p = self.template.to_vec();
        p.extend(["metadata", "labels"]);
        Some(p)
    }
}

/// Every workload kind of the Kubernetes API, in the order lint reports them.
pub const WORKLOAD_KINDS: &[WorkloadKind] = &[
    WorkloadKind {
        kind: "Deployment",
        template: &["spec", "template"],
        component: true,
    },
    WorkloadKind {
        kind: "StatefulSet",
        template: &["spec", "template"],
        component: true,
    },
    WorkloadKind {
        kind: "DaemonSet",
        template: &["spec", "template"],
        component: true,
    },
    WorkloadKind {
        kind: "ReplicaSet",
        template: &["spec", "template"],
        component: false,
    },
    WorkloadKind {
        kind: "ReplicationController",
        template: &["spec", "template"],
        component: false,
    },
    WorkloadKind {
        kind: "Job",
        template: &["spec", "template"],
        component: true,
    },
    WorkloadKind {
        kind: "CronJob",
        template: &["spec", "jobTemplate", "spec", "template"],
        component: true,
    },
    WorkloadKind {
        kind: "Pod",
        template: &[],
        component: false,
    },
];

/// The workload kind `kind`, if it is one.
pub fn workload_kind(kind: &str) -> Option<&'static WorkloadKind> {
    WORKLOAD_KINDS.iter().find(|w| w.kind == kind)
}

/// Whether a label selector's pairs (`matchLabels`, or a Service's `selector`) are all among
/// `labels`: the one matching rule of lint and import, over whichever map type they hold.
pub fn selects<'a, V: PartialEq + 'a>(
    selector: impl IntoIterator<Item = (&'a String, &'a V)>,
    labels: impl Fn(&str) -> Option<&'a V>,
) -> bool {
    selector.into_iter().all(|(k, v)| labels(k) == Some(v))
}

/// What a Helm hook is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookKind {
    /// `helm test` (events `test`, `test-success`).
    Test,
    /// A release lifecycle event (`pre-install`, `pre-upgrade`, `post-install`...).
    Lifecycle,
}

/// A Helm hook: an object Helm runs at an event instead of installing with the release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    /// Test or lifecycle.
    pub kind: HookKind,
    /// The events of `helm.sh/hook`, in the order written.
    pub events: Vec<String>,
    /// `helm.sh/hook-weight`: hooks of one event run in ascending weight.
    pub weight: i64,
    /// `helm.sh/hook-delete-policy`, as written (Helm's default `before-hook-creation` when
    /// it is not).
    pub delete_policy: String,
}

impl Hook {
    /// Whether Helm deletes the hook's object after a successful run (`hook-succeeded`).
    pub fn deleted_on_success(&self) -> bool {
        self.delete_policy
            .split(',')
            .any(|p| p.trim() == "hook-succeeded")
    }
}

/// An object's identity in a release: kind, namespace (empty: the release's) and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, or empty.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectKey {
    /// The identity of `kind` `namespace`/`name`.
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ObjectKey {
    /// `Kind namespace/name`, or `Kind name` without a namespace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Longest file name kforge gives one object (golden/, `--output-dir`, a chart's templates/, an
/// import's kept templates), `.yaml` and any prefix included: well within the 255 bytes of a
/// file name on common file systems, for any valid kind, namespace and name (a name may have
/// 253 characters).
pub const MAX_OBJECT_FILE_NAME: usize = 120;

/// Characters of the hash that keeps a file name unique (hex digits of SHA-256).
const NAME_HASH_CHARS: usize = 16;

/// A file name for each object (`kind`, `namespace`, `name`), in order, unique among them:
/// `<prefix><kind>-<namespace>-<name>.yaml` (the kind in lower case, the namespace left out when
/// empty, a character other than a letter, digit, `-` or `.` written `_`). Where that name
/// would be too long ([`MAX_OBJECT_FILE_NAME`]) or would be another object's too (`team/a-sa`
/// and `team-a/sa`; `Web` and `web` on a file system that ignores case), it is cut short and
/// ends in `_` and a hash of the object's identity, so distinct objects never share a file.
/// Deterministic: the same objects get the same names.
pub fn object_file_names<'a>(
    prefix: &str,
    ids: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<String> {
    let ids: Vec<(&str, &str, &str)> = ids.into_iter().collect();
    let plain: Vec<String> = ids
        .iter()
        .map(|&(kind, ns, name)| format!("{prefix}{}.yaml", readable_stem(kind, ns, name)))
        .collect();
    let mut hashed = vec![false; ids.len()];
    let fold = |s: &str| s.to_ascii_lowercase();
    let mut count: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, n) in plain.iter().enumerate() {
        *count.entry(fold(n)).or_default() += 1;
        hashed[i] = n.len() > MAX_OBJECT_FILE_NAME;
    }
    for (i, n) in plain.iter().enumerate() {
        hashed[i] |= count[&fold(n)] > 1;
    }
    loop {
        let names: Vec<String> = ids
            .iter()
            .zip(&plain)
            .zip(&hashed)
            .map(|((&(kind, ns, name), p), &h)| {
                if h {
                    hashed_name(prefix, kind, ns, name)
                } else {
                    p.clone()
                }
            })
            .collect();
        // A plain name that is another object's hashed one (a name ending in `_` and the
        // hash of another's identity) is hashed too; each round hashes one more, so it ends.
        let hashed_names: std::collections::HashSet<String> = names
            .iter()
            .zip(&hashed)
            .filter(|(_, h)| **h)
            .map(|(n, _)| fold(n))
            .collect();
        let clash = (0..ids.len()).find(|&i| !hashed[i] && hashed_names.contains(&fold(&names[i])));
        match clash {
            Some(i) => hashed[i] = true,
            None => return names,
        }
    }
}

/// `<kind>-<namespace>-<name>`, safe characters only.
fn readable_stem(kind: &str, ns: &str, name: &str) -> String {
    let mut stem = kind.to_ascii_lowercase();
    for part in [ns, name] {
        if !part.is_empty() {
            stem.push('-');
            stem.push_str(part);
        }
    }
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    safe.trim_start_matches('.').to_string()
}

/// The readable stem cut to fit, `_` and a hash of the identity.
fn hashed_name(prefix: &str, kind: &str, ns: &str, name: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{kind}\0{ns}\0{name}").as_bytes());
    let hash: String = digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(NAME_HASH_CHARS)
        .collect();
    let room = MAX_OBJECT_FILE_NAME
        .saturating_sub(prefix.len() + ".yaml".len() + 1 + NAME_HASH_CHARS)
        .max(1);
    let stem = readable_stem(kind, ns, name);
    let cut = stem[..stem.len().min(room)].trim_end_matches(['-', '.']);
    format!("{prefix}{cut}_{hash}.yaml")
}

/// One rendered Kubernetes object.
#[derive(Clone, Debug)]
pub struct Document {
    /// The template that produced it, e.g. `deployment.yaml`.
    pub template: String,
    /// Position of the document within its template's output.
    pub index: usize,
    /// `kind`, or empty.
    pub kind: String,
    /// `metadata.name`, or empty.
    pub name: String,
    /// `metadata.namespace`, or empty.
    pub namespace: String,
    /// The object.
    pub node: Node,
    /// Duplicate keys met while reading it (the last value was kept): where, and the message.
    pub duplicate_keys: Vec<(Origin, String)>,
    /// The component of the application that rendered it, if the project has components.
    pub component: Option<String>,
}

impl Document {
    /// Wraps an object, reading its identity.
    pub fn new(template: &str, index: usize, node: Node) -> Self {
        let text = |path: &[&str]| {
            node.get_path(path)
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string()
        };
        Self {
            template: template.to_string(),
            index,
            kind: text(&["kind"]),
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
            node,
            duplicate_keys: Vec::new(),
            component: None,
        }
    }

    /// Its identity: kind, namespace, name.
    pub fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.kind, &self.namespace, &self.name)
    }

    /// Its `apiVersion`, or empty.
    pub fn api_version(&self) -> &str {
        self.node
            .get_path(&["apiVersion"])
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    /// Whether this is a `helm test` hook, which a chart keeps under templates/tests/.
    pub fn is_test_hook(&self) -> bool {
        self.hook().is_some_and(|h| h.kind == HookKind::Test)
    }

    /// The Helm hook this object is (`helm.sh/hook` annotation), if any, with its kind and
    /// weight (`helm.sh/hook-weight`, 0 when absent or not a number, as Helm reads it).
    pub fn hook(&self) -> Option<Hook> {
        let annotation = |key: &str| {
            self.node
                .get_path(&["metadata", "annotations", key])
                .map(|n| n.as_str().unwrap_or_default())
        };
        let events: Vec<String> = annotation("helm.sh/hook")?
            .split(',')
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        let kind = if events.iter().any(|e| e == "test" || e == "test-success") {
            HookKind::Test
        } else {
            HookKind::Lifecycle
        };
        let weight = annotation("helm.sh/hook-weight")
            .and_then(|w| w.trim().parse().ok())
            .unwrap_or(0);
        let delete_policy = annotation("helm.sh/hook-delete-policy")
            .unwrap_or("before-hook-creation")
            .to_string();
        Some(Hook {
            kind,
            events,
            weight,
            delete_policy,
        })
    }

    /// The document as YAML with its `---` and `# Source:` header.
    pub fn to_yaml(&self) -> String {
        // YAML_HEADER_LINES lines before the object.
        format!(
            "---\n# Source: {}\n{}",
            self.template,
            emit_document(&self.node)
        )
    }
}

/// The lines [`Document::to_yaml`] writes before the object (`---` and `# Source:`).
pub const YAML_HEADER_LINES: usize = 2;

fn kind_rank(kind: &str) -> (usize, &str) {
    match INSTALL_ORDER.iter().position(|k| *k == kind) {
        Some(i) => (i, ""),
        None => (INSTALL_ORDER.len(), kind),
    }
}

/// Sorts into Helm's install order; ties keep template-name, component, then document order.
pub fn sort_install_order(docs: &mut [Document]) {
    docs.sort_by(|a, b| {
        kind_rank(&a.kind)
            .cmp(&kind_rank(&b.kind))
            .then_with(|| a.template.cmp(&b.template))
            .then_with(|| a.component.cmp(&b.component))
            .then_with(|| a.index.cmp(&b.index))
    });
}

/// Which hooks a rendering shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hooks {
    /// Lifecycle hooks after the manifests, as `helm template` prints them.
    Lifecycle,
    /// No hooks at all (`kforge render --no-hooks`).
    None,
}

/// The objects `kforge render` emits, in the order `helm template` prints them: the release's
/// manifests in install order, then its lifecycle hooks (in install order of their kinds, as Helm
/// sorts hooks). `helm test` hooks are never shown: they are only packaged, for `helm test`.
/// `docs` must already be in install order ([`sort_install_order`]).
///
/// A hook Job or Pod is shown under a name that follows its content, `<name>-<hash>` (as
/// config sets are named): `kforge render | kubectl apply -f -` applies hooks as ordinary
/// objects, and a Job's or Pod's spec cannot be updated, so the same name with a new template
/// would fail the next release ("field is immutable"); a new name creates a new object. Helm
/// deletes and recreates hooks itself, so the packaged chart keeps the name as written.
pub fn release_view(docs: Vec<Document>, hooks: Hooks) -> Vec<Document> {
    let (mut manifests, mut lifecycle) = (Vec::new(), Vec::new());
    for doc in docs {
        match place(&doc, hooks) {
            Some(Place::Manifest) => manifests.push(doc),
            Some(Place::Hook) => lifecycle.push(named_by_content(doc)),
            None => {}
        }
    }
    manifests.append(&mut lifecycle);
    manifests
}

/// [`release_view`] of documents the caller keeps: an object shown as it is is borrowed, not
/// copied (an import compares its 100,000 input objects with their render).
pub fn release_view_of(docs: &[Document], hooks: Hooks) -> Vec<std::borrow::Cow<'_, Document>> {
    use std::borrow::Cow;
    let (mut manifests, mut lifecycle) = (Vec::new(), Vec::new());
    for doc in docs {
        match place(doc, hooks) {
            Some(Place::Manifest) => manifests.push(Cow::Borrowed(doc)),
            Some(Place::Hook) if renamed_by_content(doc) => {
                lifecycle.push(Cow::Owned(named_by_content(doc.clone())));
            }
            Some(Place::Hook) => lifecycle.push(Cow::Borrowed(doc)),
            None => {}
        }
    }
    manifests.append(&mut lifecycle);
    manifests
}

/// Where an object goes in a release view: a manifest, or a lifecycle hook (shown after the
/// manifests, when `hooks` shows them); `None`: not shown (a test hook, or a lifecycle hook
/// with `Hooks::None`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Manifest,
    Hook,
}

fn place(doc: &Document, hooks: Hooks) -> Option<Place> {
    match doc.hook() {
        None => Some(Place::Manifest),
        Some(h) if h.kind == HookKind::Lifecycle && hooks == Hooks::Lifecycle => Some(Place::Hook),
        Some(_) => None,
    }
}

/// Whether [`named_by_content`] renames `doc`: a hook Job or Pod with a name.
fn renamed_by_content(doc: &Document) -> bool {
    matches!(doc.kind.as_str(), "Job" | "Pod") && !doc.name.is_empty()
}

/// A hook Job or Pod renamed `<name>-<first 10 hex of the sha256 of its YAML>`, the name cut so
/// that the whole is at most 63 characters (a Job's name is also a label value); any other
/// object unchanged.
fn named_by_content(mut doc: Document) -> Document {
    use sha2::{Digest, Sha256};
    if !renamed_by_content(&doc) {
        return doc;
    }
    // Over the object's canonical JSON (keys sorted): the same object read from another
    // writer's YAML (`helm template`, an imported manifest) gets the same name.
    fn canonical(j: serde_json::Value) -> serde_json::Value {
        match j {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> =
                    m.into_iter().map(|(k, v)| (k, canonical(v))).collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(canonical).collect())
            }
            other => other,
        }
    }
    let digest = Sha256::digest(canonical(to_json(&doc.node)).to_string().as_bytes());
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let base: String = doc.name.chars().take(63 - 11).collect();
    let name = format!("{}-{hash}", base.trim_end_matches(['-', '.']));
    if let Value::Map(root) = &mut doc.node.value
        && let Some(Value::Map(meta)) = root.get_mut("metadata").map(|m| &mut m.value)
        && let Some(n) = meta.get_mut("name")
    {
        n.value = Value::String(name.clone());
        doc.name = name;
    }
    doc
}

/// Renames ConfigMaps in every reference the documents make to them (`configMap`,
/// `configMapRef`, `configMapKeyRef`: volumes, projected volumes, envFrom, env), as
/// Kustomize's name reference transformer does for generated ConfigMaps. Returns how many
/// references were rewritten.
pub fn rename_config_map_refs(
    docs: &mut [Document],
    renames: &std::collections::BTreeMap<String, String>,
) -> usize {
    fn walk(node: &mut Node, renames: &std::collections::BTreeMap<String, String>) -> usize {
        let mut n = 0;
        match &mut node.value {
            Value::Map(map) => {
                for (key, child) in map.iter_mut() {
                    let is_ref = matches!(
                        key.as_str(),
                        "configMap" | "configMapRef" | "configMapKeyRef"
                    );
                    if is_ref
                        && let Value::Map(r) = &mut child.value
                        && let Some(name) = r.get_mut("name")
                        && let Value::String(old) = &name.value
                        && let Some(new) = renames.get(old)
                    {
                        name.value = Value::String(new.clone());
                        n += 1;
                    }
                    n += walk(child, renames);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    n += walk(item, renames);
                }
            }
            _ => {}
        }
        n
    }
    if renames.is_empty() {
        return 0;
    }
    docs.iter_mut()
        .filter(|d| d.kind != "ConfigMap")
        .map(|d| walk(&mut d.node, renames))
        .sum()
}

/// All documents as one YAML stream.
pub fn to_yaml_stream(docs: &[Document]) -> String {
    docs.iter().map(Document::to_yaml).collect()
}

/// All documents as a pretty-printed JSON `v1/List`.
pub fn to_json_list(docs: &[Document]) -> String {
    let list = serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": docs.iter().map(|d| to_json(&d.node)).collect::<Vec<_>>(),
    });
    format!("{list:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain_unless_too_long_or_alike_and_never_shared() {
        let names = object_file_names(
            "",
            [
                ("Deployment", "", "web"),
                ("ServiceAccount", "team", "a-sa"),
                ("ServiceAccount", "team-a", "sa"),
            ],
        );
        assert_eq!(names[0], "deployment-web.yaml");
        assert!(names[1].starts_with("serviceaccount-team-a-sa_") && names[1] != names[2]);
        // A name that is another object's hashed name is hashed too.
        let hashed = names[1].trim_end_matches(".yaml").to_string();
        let tail = hashed.strip_prefix("serviceaccount-").unwrap();
        let clash = object_file_names(
            "",
            [
                ("ServiceAccount", "team", "a-sa"),
                ("ServiceAccount", "team-a", "sa"),
                ("ServiceAccount", "", tail),
            ],
        );
        let mut unique = clash.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 3, "{clash:?}");
        let long = "a".repeat(253);
        let n = &object_file_names("imported-", [("ClusterRole", "", long.as_str())])[0];
        assert!(n.len() <= MAX_OBJECT_FILE_NAME && n.starts_with("imported-clusterrole-aaa"));
    }

    #[test]
    fn the_borrowed_release_view_is_the_release_view() {
        let text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-upgrade\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: smoke\n  annotations:\n    helm.sh/hook: test\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n  annotations:\n    helm.sh/hook: post-install\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n";
        let file = crate::yaml::SourceFile::new("in.yaml".to_string(), text.to_string());
        let docs: Vec<Document> =
            crate::yaml::parse_documents(&file.text, &file, crate::yaml::Limits::default())
                .unwrap()
                .into_iter()
                .enumerate()
                .map(|(i, n)| Document::new("in.yaml", i, n))
                .collect();
        let shown = |v: Vec<Document>| -> Vec<(String, String)> {
            v.iter().map(|d| (d.name.clone(), d.to_yaml())).collect()
        };
        for hooks in [Hooks::Lifecycle, Hooks::None] {
            let borrowed: Vec<Document> = release_view_of(&docs, hooks)
                .into_iter()
                .map(std::borrow::Cow::into_owned)
                .collect();
            assert_eq!(shown(borrowed), shown(release_view(docs.clone(), hooks)));
        }
        let lifecycle = release_view_of(&docs, Hooks::Lifecycle);
        let names: Vec<&str> = lifecycle.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(names[0], "app");
        assert!(
            names[1].starts_with("migrate-") && names[2] == "hooked",
            "{names:?}"
        );
        // Only the renamed hook is a copy.
        assert!(matches!(lifecycle[0], std::borrow::Cow::Borrowed(_)));
        assert!(matches!(lifecycle[1], std::borrow::Cow::Owned(_)));
        assert!(matches!(lifecycle[2], std::borrow::Cow::Borrowed(_)));
    }
}
