//! Deprecated settings of a pod that the API server still takes: node labels the kubelet
//! stopped setting by their beta names (`deprecated-node-label`), and `serviceAccount`, the
//! old alias of `serviceAccountName` (`deprecated-service-account`).

use super::rules::rule_id;
use super::sink::Sink;
use super::workload::{pod_template_prefixes, tokens};
use crate::diag::Severity;
use crate::manifest::Document;
use crate::yaml::Node;

/// Deprecated well-known node labels and what replaces each (Kubernetes' well-known labels
/// reference: the beta names are deprecated since 1.14 (os, arch), 1.17 (zone, region,
/// instance-type)).
const NODE_LABELS: &[(&str, &str)] = &[
    ("beta.kubernetes.io/os", "kubernetes.io/os"),
    ("beta.kubernetes.io/arch", "kubernetes.io/arch"),
    (
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
    ),
    (
        "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/zone",
    ),
    (
        "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/region",
    ),
];

fn replacement(label: &str) -> Option<&'static str> {
    NODE_LABELS
        .iter()
        .find(|(old, _)| *old == label)
        .map(|(_, new)| *new)
}

/// The checks of this file on one object.
pub fn check(doc: &Document, sink: &mut Sink<'_>) {
    for spec in pod_template_prefixes(&doc.kind) {
        let Some(pod) = doc.node.pointer(&spec) else {
            continue;
        };
        node_labels(doc, sink, &spec, pod);
        service_account(doc, sink, &spec, pod);
    }
}

/// Every place a pod names a node label: nodeSelector keys, node affinity expressions, and
/// the topology keys of pod (anti-)affinity and spread constraints.
fn node_labels(doc: &Document, sink: &mut Sink<'_>, spec: &[String], pod: &Node) {
    let mut found: Vec<(Vec<String>, &str)> = Vec::new();
    if let Some(m) = pod.get_path(&["nodeSelector"]).and_then(Node::as_map) {
        for k in m.keys() {
            found.push((tokens(spec, &["nodeSelector", k]), k));
        }
    }
    let node = ["affinity", "nodeAffinity"];
    let required = [
        "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms",
    ];
    let terms: Vec<(Vec<String>, &Node)> = pod
        .seq_at(&[node[0], node[1], required[0], required[1]])
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                tokens(
                    spec,
                    &[node[0], node[1], required[0], required[1], &i.to_string()],
                ),
                t,
            )
        })
        .chain(
            pod.seq_at(&[
                node[0],
                node[1],
                "preferredDuringSchedulingIgnoredDuringExecution",
            ])
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let at = tokens(
                    spec,
                    &[
                        node[0],
                        node[1],
                        "preferredDuringSchedulingIgnoredDuringExecution",
                        &i.to_string(),
                        "preference",
                    ],
                );
                t.get_path(&["preference"]).map(|p| (at, p))
            }),
        )
        .collect();
    for (at, term) in terms {
        for (j, e) in term.seq_at(&["matchExpressions"]).iter().enumerate() {
            if let Some(k) = e.get_path(&["key"]).and_then(Node::as_str) {
                found.push((tokens(&at, &["matchExpressions", &j.to_string(), "key"]), k));
            }
        }
    }
    for kind in ["podAffinity", "podAntiAffinity"] {
        for (when, inner) in [
            ("requiredDuringSchedulingIgnoredDuringExecution", None),
            (
                "preferredDuringSchedulingIgnoredDuringExecution",
                Some("podAffinityTerm"),
            ),
        ] {
            for (i, t) in pod.seq_at(&["affinity", kind, when]).iter().enumerate() {
                let mut at = tokens(spec, &["affinity", kind, when, &i.to_string()]);
                let term = match inner {
                    Some(name) => {
                        at.push(name.to_string());
                        t.get_path(&[name])
                    }
                    None => Some(t),
                };
                if let Some(k) = term
                    .and_then(|t| t.get_path(&["topologyKey"]))
                    .and_then(Node::as_str)
                {
                    at.push("topologyKey".into());
                    found.push((at, k));
                }
            }
        }
    }
    for (i, c) in pod
        .seq_at(&["topologySpreadConstraints"])
        .iter()
        .enumerate()
    {
        if let Some(k) = c.get_path(&["topologyKey"]).and_then(Node::as_str) {
            found.push((
                tokens(
                    spec,
                    &["topologySpreadConstraints", &i.to_string(), "topologyKey"],
                ),
                k,
            ));
        }
    }
    for (at, label) in found {
        if let Some(new) = replacement(label) {
            sink.report(
                rule_id!("deprecated-node-label"),
                doc,
                &at,
                format!("node label `{label}` is deprecated; nodes carry `{new}`"),
            );
        }
    }
}

/// `serviceAccount` set to something else than `serviceAccountName` (which wins, so the
/// other is silently ignored); alone, it is the deprecated spelling of the same thing.
fn service_account(doc: &Document, sink: &mut Sink<'_>, spec: &[String], pod: &Node) {
    let Some(old) = pod.get_path(&["serviceAccount"]).and_then(Node::as_str) else {
        return;
    };
    let at = tokens(spec, &["serviceAccount"]);
    match pod.get_path(&["serviceAccountName"]).and_then(Node::as_str) {
        Some(name) if name == old => {}
        Some(name) if !name.is_empty() => sink.report(
            rule_id!("deprecated-service-account"),
            doc,
            &at,
            format!(
                "serviceAccount `{old}` differs from serviceAccountName `{name}`: the pod runs as `{name}` and serviceAccount is ignored"
            ),
        ),
        _ if old.is_empty() => {}
        _ => sink.report_as(
            rule_id!("deprecated-service-account"),
            Some(Severity::Info),
            doc,
            &at,
            format!(
                "serviceAccount `{old}` is the deprecated spelling of serviceAccountName"
            ),
        ),
    }
}
