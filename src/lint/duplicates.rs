//! `duplicate-object`: two objects of one identity (API group, kind, namespace, name) that are
//! applied together, so one overwrites the other. Objects are applied together when they come
//! from one rendered environment, one stdin stream, one file or one folder (`kubectl apply -f
//! DIR` does not recurse): folders holding alternative copies of an app (a kustomize base and
//! its overlays, one folder per release) are not duplicates of each other. A cluster-scoped
//! object keeps its identity with a stray `metadata.namespace` (the API server ignores it).

use super::rules::rule_id;
use std::collections::HashMap;

use super::sink::{Sink, path};
use crate::manifest::Document;

/// Which objects of a linted set are applied together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// All of them (a rendered environment).
    Together,
    /// Those of one folder, or one stdin stream (manifest files and folders given to lint).
    PerFolder,
}

/// Built-in kinds that are not namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// The folder of the file a document was read from (its `template` is the file's display
/// name); `<stdin>` is a scope of its own.
fn folder(d: &Document) -> &str {
    match d.template.rfind(['/', '\\']) {
        Some(i) => &d.template[..i],
        None if d.template == "<stdin>" => "<stdin>",
        None => "",
    }
}

/// Reports every object that repeats the identity of an earlier one applied with it.
pub fn check(docs: &[Document], applied: Applied, sink: &mut Sink<'_>) {
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);
    let mut seen: HashMap<Key<'_>, &Document> = HashMap::new();
    for d in docs {
        if d.kind.is_empty() || d.name.is_empty() {
            continue;
        }
        let api = d
            .node
            .get_path(&["apiVersion"])
            .and_then(crate::yaml::Node::as_str)
            .unwrap_or("");
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let namespace = if CLUSTER_SCOPED.contains(&d.kind.as_str()) {
            ""
        } else {
            d.namespace.as_str()
        };
        let scope = match applied {
            Applied::Together => "",
            Applied::PerFolder => folder(d),
        };
        let key = (scope, group, d.kind.as_str(), namespace, d.name.as_str());
        if let Some(first) = seen.get(&key) {
            let first_at = first
                .node
                .origin
                .file_line()
                .map(|(f, l, _)| format!(" (first at {}:{l})", f.display))
                .unwrap_or_default();
            sink.report(
                rule_id!("duplicate-object"),
                d,
                &path(&["metadata", "name"]),
                format!("a second {} named `{}`{first_at}", d.kind, d.name),
            );
        } else {
            seen.insert(key, d);
        }
    }
}
