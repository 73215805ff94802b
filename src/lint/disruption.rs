//! PodDisruptionBudgets that can never allow an eviction, so a node drain (a cluster upgrade)
//! blocks on their pods: `maxUnavailable` 0, or `minAvailable` that leaves no pod to spare at
//! the replicas of the workloads the budget selects in the set.
//!
//! Replicas are what the set says: `spec.replicas` (default 1), or the `minReplicas` of a
//! HorizontalPodAutoscaler (or KEDA ScaledObject's `minReplicaCount`) that scales the workload,
//! since that is where the budget bites. A budget that selects a DaemonSet, a Job or a
//! workload outside the set is not judged on `minAvailable`.

use super::references::string_map;
use super::rules::rule_id;
use super::sink::{Sink, path};
use super::workload::template_labels_path;
use crate::manifest::Document;
use crate::yaml::{Node, Value};

/// Kinds whose pod count is `spec.replicas`.
const REPLICATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];
/// Kinds with pods whose count the set does not say.
const UNCOUNTED: &[&str] = &["DaemonSet", "Job", "CronJob", "Pod"];

/// `minAvailable` / `maxUnavailable`: a number or a percentage.
enum Amount {
    Count(i64),
    Percent(i64),
}

fn amount(n: &Node) -> Option<Amount> {
    match &n.value {
        Value::Int(i) => Some(Amount::Count(*i)),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse().ok())
            .map(Amount::Percent),
        _ => None,
    }
}

/// The `pdb-never-evicts` rule over the set.
pub fn check(docs: &[Document], sink: &mut Sink<'_>) {
    if !docs.iter().any(|d| d.kind == "PodDisruptionBudget") {
        return;
    }
    // Each workload's pod labels, read once for all the budgets.
    let workloads: Vec<Workload> = docs
        .iter()
        .filter(|w| REPLICATED.contains(&w.kind.as_str()) || UNCOUNTED.contains(&w.kind.as_str()))
        .map(|w| {
            // A workload's pods carry its template labels, and its own selector's labels.
            let mut pod_labels =
                string_map(template_labels_path(&w.kind).and_then(|p| w.node.pointer(&p)));
            pod_labels.extend(string_map(w.node.get_path(&[
                "spec",
                "selector",
                "matchLabels",
            ])));
            Workload { doc: w, pod_labels }
        })
        .collect();
    for pdb in docs.iter().filter(|d| d.kind == "PodDisruptionBudget") {
        budget(pdb, &workloads, docs, sink);
    }
}

/// A workload and the labels of its pods.
struct Workload<'a> {
    doc: &'a Document,
    pod_labels: indexmap::IndexMap<String, String>,
}

fn budget(pdb: &Document, workloads: &[Workload<'_>], docs: &[Document], sink: &mut Sink<'_>) {
    if let Some(n) = pdb.node.get_path(&["spec", "maxUnavailable"])
        && matches!(amount(n), Some(Amount::Count(0) | Amount::Percent(0)))
    {
        sink.report(
            rule_id!("pdb-never-evicts"),
            pdb,
            &path(&["spec", "maxUnavailable"]),
            "maxUnavailable is 0: no pod it covers can ever be evicted".into(),
        );
        return;
    }
    let Some(min) = pdb
        .node
        .get_path(&["spec", "minAvailable"])
        .and_then(amount)
    else {
        return;
    };
    let at = path(&["spec", "minAvailable"]);
    if let Amount::Percent(p) = min
        && p >= 100
    {
        sink.report(
            rule_id!("pdb-never-evicts"),
            pdb,
            &at,
            format!("minAvailable is {p}%: no pod it covers can ever be evicted"),
        );
        return;
    }
    // Match expressions are not evaluated: such a budget is not judged.
    if pdb
        .node
        .get_path(&["spec", "selector", "matchExpressions"])
        .is_some()
    {
        return;
    }
    let selector = string_map(pdb.node.get_path(&["spec", "selector", "matchLabels"]));
    if selector.is_empty() {
        return;
    }
    let mut total = 0;
    let mut names = Vec::new();
    for Workload { doc: w, pod_labels } in workloads {
        if w.namespace != pdb.namespace {
            continue;
        }
        let kind = w.kind.as_str();
        if !selector.iter().all(|(k, v)| pod_labels.get(k) == Some(v)) {
            continue;
        }
        if UNCOUNTED.contains(&kind) {
            return;
        }
        let (replicas, source) = replicas(w, docs);
        total += replicas;
        names.push(format!("{kind} {}: {source} {replicas}", w.name));
    }
    if names.is_empty() {
        return;
    }
    let required = match min {
        Amount::Count(n) => n,
        // The disruption controller rounds a percentage up.
        Amount::Percent(p) => (total * p + 99) / 100,
    };
    if required > 0 && required >= total {
        sink.report(
            rule_id!("pdb-never-evicts"),
            pdb,
            &at,
            format!(
                "minAvailable requires {required} of the {total} pods it selects ({}): none can ever be evicted",
                names.join(", ")
            ),
        );
    }
}

/// The pod count of a replicated workload, and where it comes from.
fn replicas(w: &Document, docs: &[Document]) -> (i64, &'static str) {
    let int = |n: &Node, p: &[&str]| match n.get_path(p).map(|v| &v.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    };
    let targets = |d: &Document, default_kind: Option<&str>| {
        d.namespace == w.namespace
            && d.node
                .get_path(&["spec", "scaleTargetRef", "name"])
                .and_then(Node::as_str)
                == Some(w.name.as_str())
            && d.node
                .get_path(&["spec", "scaleTargetRef", "kind"])
                .and_then(Node::as_str)
                .or(default_kind)
                == Some(w.kind.as_str())
    };
    for d in docs {
        match d.kind.as_str() {
            "HorizontalPodAutoscaler" if targets(d, None) => {
                return (
                    int(&d.node, &["spec", "minReplicas"]).unwrap_or(1),
                    "HorizontalPodAutoscaler minReplicas",
                );
            }
            // KEDA scales Deployments by default, down to 0 unless told otherwise.
            "ScaledObject" if targets(d, Some("Deployment")) => {
                return (
                    int(&d.node, &["spec", "minReplicaCount"]).unwrap_or(0),
                    "ScaledObject minReplicaCount",
                );
            }
            _ => {}
        }
    }
    (
        int(&w.node, &["spec", "replicas"]).unwrap_or(1),
        "spec.replicas",
    )
}
