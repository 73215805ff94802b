//! Pod specs as the API server validates them beyond their types (`pkg/apis/core/validation`:
//! `validateHandler`, `validateProbe`, `ValidateVolumes`, `validateVolumeMounts`,
//! `validateContainers`): one handler per probe and lifecycle hook, volume mounts that name a
//! volume of the pod and unique mount paths, unique volume and container names. The usual
//! cause is a deep merge of values: a base that sets `livenessProbe.httpGet` and an overlay
//! that adds `livenessProbe.exec` render a probe with both.

use std::collections::HashMap;

use super::rules::rule_id;
use super::sink::Sink;
use super::workload::{containers, pod_template_prefixes, tokens};
use crate::manifest::Document;
use crate::yaml::{Node, Value};

/// The handler fields of a probe and of a lifecycle hook.
const PROBE_HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "grpc"];
const HOOK_HANDLERS: &[&str] = &["exec", "httpGet", "tcpSocket", "sleep"];

/// Whether `key` of map `n` is set: present and not null (Go's non-nil pointer).
pub(super) fn is_set(n: &Node, key: &str) -> bool {
    n.get_path(&[key])
        .is_some_and(|v| !matches!(v.value, Value::Null))
}

/// The pod spec rules for one document.
pub fn check(doc: &Document, sink: &mut Sink<'_>) {
    for spec in pod_template_prefixes(&doc.kind) {
        let Some(pod) = doc.node.pointer(&spec) else {
            continue;
        };
        container_names(doc, sink, &spec, pod);
        let mut volumes = volume_names(doc, sink, &spec, pod);
        // A StatefulSet's controller adds a volume per claim template to its pods.
        if doc.kind == "StatefulSet"
            && let Some(claims) = doc.node.get_path(&["spec"])
        {
            volumes.extend(
                claims
                    .seq_at(&["volumeClaimTemplates"])
                    .iter()
                    .filter_map(|t| t.get_path(&["metadata", "name"]).and_then(Node::as_str)),
            );
        }
        for (ct, c) in containers(&doc.node, &spec) {
            handlers(doc, sink, &ct, c);
            volume_mounts(doc, sink, &ct, c, &volumes);
        }
    }
}

/// `validateHandler`: exactly one handler type per probe and lifecycle hook.
fn handlers(doc: &Document, sink: &mut Sink<'_>, ct: &[String], c: &Node) {
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    let mut hooks: Vec<(Vec<String>, &[&str])> =
        ["livenessProbe", "readinessProbe", "startupProbe"]
            .iter()
            .map(|p| (tokens(ct, &[p]), PROBE_HANDLERS))
            .collect();
    for hook in ["postStart", "preStop"] {
        hooks.push((tokens(ct, &["lifecycle", hook]), HOOK_HANDLERS));
    }
    for (at, kinds) in hooks {
        let Some(node) = doc.node.pointer(&at).filter(|n| n.as_map().is_some()) else {
            continue;
        };
        // In the order written: a layer's deep merge appends the keys it adds.
        let set: Vec<&str> = node
            .as_map()
            .into_iter()
            .flat_map(|m| m.keys())
            .map(String::as_str)
            .filter(|k| kinds.contains(k) && is_set(node, k))
            .collect();
        let what = at.last().map_or("", String::as_str);
        let message = match set.as_slice() {
            [] => format!(
                "container `{name}`: {what}: must specify a handler type (one of {})",
                kinds.join(", ")
            ),
            [_] => continue,
            _ => format!(
                "container `{name}`: {what}: may not specify more than 1 handler type (it sets {})",
                set.join(" and ")
            ),
        };
        // At the last handler written, naming where each handler's values were set (a
        // rendered map's keys need not keep the order of the layers that added them).
        let handlers: Vec<Vec<String>> = set.iter().map(|k| tokens(&at, &[k])).collect();
        let key = handlers.last().unwrap_or(&at);
        let others = handlers
            .get(..handlers.len().saturating_sub(1))
            .unwrap_or(&[]);
        sink.report_related(rule_id!("probe-handler"), doc, key, message, others);
    }
}

/// `ValidateVolumes`: volume names are unique. Returns the names of the pod's volumes.
fn volume_names<'a>(
    doc: &Document,
    sink: &mut Sink<'_>,
    spec: &[String],
    pod: &'a Node,
) -> Vec<&'a str> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, v) in pod.seq_at(&["volumes"]).iter().enumerate() {
        let Some(name) = v.get_path(&["name"]).and_then(Node::as_str) else {
            continue;
        };
        if let Some(first) = seen.insert(name, i) {
            sink.report(
                rule_id!("duplicate-volume"),
                doc,
                &tokens(spec, &["volumes", &i.to_string(), "name"]),
                format!("volume name `{name}`: Duplicate value (also volumes[{first}])"),
            );
        }
    }
    seen.into_keys().collect()
}

/// `validateVolumeMounts`: each mount names a volume of the pod, and no two mounts of one
/// container share a mountPath.
fn volume_mounts(doc: &Document, sink: &mut Sink<'_>, ct: &[String], c: &Node, volumes: &[&str]) {
    let container = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    let mut paths: HashMap<&str, usize> = HashMap::new();
    for (i, m) in c.seq_at(&["volumeMounts"]).iter().enumerate() {
        let at = |field: &str| tokens(ct, &["volumeMounts", &i.to_string(), field]);
        if let Some(name) = m.get_path(&["name"]).and_then(Node::as_str)
            && !name.is_empty()
            && !volumes.contains(&name)
        {
            let known = if volumes.is_empty() {
                "the pod has no volumes".to_string()
            } else {
                format!("the pod's volumes are {}", volumes_list(volumes))
            };
            sink.report(
                rule_id!("unknown-volume"),
                doc,
                &at("name"),
                format!(
                    "container `{container}`: volumeMounts[{i}].name `{name}`: Not found ({known})"
                ),
            );
        }
        let Some(mount) = m.get_path(&["mountPath"]).and_then(Node::as_str) else {
            continue;
        };
        if let Some(first) = paths.insert(mount, i) {
            sink.report(
                rule_id!("duplicate-mount-path"),
                doc,
                &at("mountPath"),
                format!(
                    "container `{container}`: mountPath `{mount}` must be unique (also volumeMounts[{first}])"
                ),
            );
        }
    }
}

fn volumes_list(volumes: &[&str]) -> String {
    let mut names: Vec<&str> = volumes.to_vec();
    names.sort_unstable();
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `validateContainers`, `validateInitContainers`, `validateEphemeralContainers`: a name is
/// used once across containers, init containers and ephemeral containers. The later one (in
/// the API server's order: containers, then init, then ephemeral) is reported.
fn container_names(doc: &Document, sink: &mut Sink<'_>, spec: &[String], pod: &Node) {
    let mut seen: HashMap<&str, String> = HashMap::new();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for (i, c) in pod.seq_at(&[list]).iter().enumerate() {
            let Some(name) = c.get_path(&["name"]).and_then(Node::as_str) else {
                continue;
            };
            let here = format!("{list}[{i}]");
            if let Some(first) = seen.get(name) {
                sink.report(
                    rule_id!("duplicate-container"),
                    doc,
                    &tokens(spec, &[list, &i.to_string(), "name"]),
                    format!("container name `{name}`: Duplicate value (also {first})"),
                );
            } else {
                seen.insert(name, here);
            }
        }
    }
}
