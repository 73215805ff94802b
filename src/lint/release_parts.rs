//! What of a release the upgrade rules read ([`super::upgrade_findings`]): each object cut down
//! to its identity and the fields a rule compares. A last release is read through this cut
//! whether it comes from its archive or from the record a build keeps beside the archive
//! (`pipeline/previous.rs`), so both give the rules the same objects; the unit test
//! `the_compared_parts_give_the_findings_of_the_whole_objects` holds the cut to every case of
//! tests/corpora/k8s-update-validation.

use super::upgrade::{UPGRADE_KINDS, api_group, is_hook};
use crate::manifest::Document;
use crate::yaml::{Map, Node, Value};

/// The parts of `doc` an upgrade rule reads, as an object of the same identity, or `None` when
/// no rule reads any of it: a kind no rule compares, or a hook (Helm deletes and recreates a
/// hook; it never updates one). Origins are the object's own.
pub fn compared_parts(doc: &Document) -> Option<Node> {
    let hook = is_hook(doc);
    if !UPGRADE_KINDS.contains(&doc.kind.as_str()) && !hook {
        return None;
    }
    let node = &doc.node;
    let map = node.as_map()?;
    let mut out = Map::default();
    for key in ["apiVersion", "kind"] {
        if let Some(v) = map.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    if let Some(meta) = map.get("metadata") {
        out.insert("metadata".to_string(), metadata(meta, hook));
    }
    if hook {
        // A hook is never updated: only that it was one, and how Helm deletes it, is read
        // (an object that was a hook and is a plain one now).
        return Some(Node {
            value: Value::Map(out),
            origin: node.origin.clone(),
        });
    }
    let spec = map.get("spec");
    match (api_group(node), doc.kind.as_str()) {
        // Only the selector of a workload is compared, whether it wrote its replicas, and its
        // strategy; its pod template may always change.
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => {
            if let Some(spec) = spec {
                out.insert(
                    "spec".to_string(),
                    only(spec, &["selector", "replicas", "strategy"]),
                );
            }
        }
        // Every field of a StatefulSet's spec but its template (volume claim templates and the
        // rest are immutable, or read by the data-loss rule).
        ("apps", "StatefulSet") => {
            if let Some(spec) = spec {
                out.insert("spec".to_string(), without(spec, "template"));
            }
        }
        // A workload of an older API group: no rule compares it.
        (_, "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => {}
        // The names of a CRD's versions and which one is stored.
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if let Some(spec) = spec {
                let versions = spec.get_path(&["versions"]).map(|v| match &v.value {
                    Value::Seq(items) => Node {
                        value: Value::Seq(
                            items
                                .iter()
                                .map(|i| only(i, &["name", "storage"]))
                                .collect(),
                        ),
                        origin: v.origin.clone(),
                    },
                    _ => v.clone(),
                });
                let mut kept = Map::default();
                kept.extend(versions.map(|v| ("versions".to_string(), v)));
                out.insert(
                    "spec".to_string(),
                    Node {
                        value: Value::Map(kept),
                        origin: spec.origin.clone(),
                    },
                );
            }
        }
        // A Service's type, addresses and IP families (what `Check::service` compares).
        ("", "Service") => {
            if let Some(spec) = spec {
                out.insert(
                    "spec".to_string(),
                    only(spec, &["type", "clusterIP", "clusterIPs", "ipFamilies"]),
                );
            }
        }
        // The data of an immutable ConfigMap or Secret; of a mutable one, that it is not.
        ("", "ConfigMap" | "Secret") => {
            let immutable = map.get("immutable");
            let fields: &[&str] = if immutable.is_some_and(|v| matches!(v.value, Value::Bool(true)))
            {
                &["immutable", "data", "binaryData", "stringData"]
            } else {
                &["immutable"]
            };
            for (k, v) in map.iter().filter(|(k, _)| fields.contains(&k.as_str())) {
                out.insert(k.clone(), v.clone());
            }
        }
        // Jobs, claims, Namespaces: everything but metadata.
        _ => {
            for (k, v) in map {
                if !matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Some(Node {
        value: Value::Map(out),
        origin: node.origin.clone(),
    })
}

/// An object's name, namespace and the annotations a rule reads: `helm.sh/resource-policy`,
/// which keeps a removed object, and of a hook `helm.sh/hook` and its delete policy.
fn metadata(meta: &Node, hook: bool) -> Node {
    let mut out = Map::default();
    if let Some(m) = meta.as_map() {
        for key in ["name", "namespace"] {
            if let Some(v) = m.get(key) {
                out.insert(key.to_string(), v.clone());
            }
        }
        if let Some(annotations) = m.get("annotations") {
            let keys: &[&str] = if hook {
                &[
                    "helm.sh/resource-policy",
                    "helm.sh/hook",
                    "helm.sh/hook-delete-policy",
                ]
            } else {
                &["helm.sh/resource-policy"]
            };
            let kept = only(annotations, keys);
            if kept.as_map().is_some_and(|m| !m.is_empty()) {
                out.insert("annotations".to_string(), kept);
            }
        }
    }
    Node {
        value: Value::Map(out),
        origin: meta.origin.clone(),
    }
}

/// `node` with only `keys` (in its own order); a node that is not a map, whole.
fn only(node: &Node, keys: &[&str]) -> Node {
    match &node.value {
        Value::Map(m) => Node {
            value: Value::Map(
                m.iter()
                    .filter(|(k, _)| keys.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            origin: node.origin.clone(),
        },
        _ => node.clone(),
    }
}

/// `node` without `key`; a node that is not a map, whole.
fn without(node: &Node, key: &str) -> Node {
    match &node.value {
        Value::Map(m) => Node {
            value: Value::Map(
                m.iter()
                    .filter(|(k, _)| k.as_str() != key)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            origin: node.origin.clone(),
        },
        _ => node.clone(),
    }
}
