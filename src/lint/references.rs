//! Cross-object rules over the documents linted together. A reference is only judged when the
//! set holds objects of the kind it points at; objects outside the set are never assumed
//! missing (the false positives of kube-linter #179/#746 and kube-score #53/#377). Services
//! without a selector and ExternalName Services select nothing and are left alone.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::sink::{Sink, path};
use super::workload::{containers, pod_template_prefixes, template_labels_path};
use crate::manifest::Document;
use crate::yaml::{Node, Value};

const WORKLOADS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
];

/// A workload's pods: labels and declared container ports.
struct Pods<'a> {
    doc: &'a Document,
    labels: IndexMap<String, String>,
    /// (name, number) of every declared container port.
    ports: Vec<(Option<String>, Option<i64>)>,
}

/// The scalar entries of a map (labels, a selector's matchLabels) as text.
pub(super) fn string_map(n: Option<&Node>) -> IndexMap<String, String> {
    n.and_then(Node::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let s = match &v.value {
                        Value::String(s) => s.clone(),
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(f) => f.to_string(),
                        _ => return None,
                    };
                    Some((k.clone(), s))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pods(doc: &Document) -> Option<Pods<'_>> {
    if !WORKLOADS.contains(&doc.kind.as_str()) {
        return None;
    }
    let labels_path =
        template_labels_path(&doc.kind).unwrap_or_else(|| path(&["metadata", "labels"]));
    let labels = string_map(doc.node.pointer(&labels_path));
    let mut ports = Vec::new();
    for spec in pod_template_prefixes(&doc.kind) {
        for (_, c) in containers(&doc.node, &spec) {
            if let Some(Value::Seq(ps)) = c.get_path(&["ports"]).map(|n| &n.value) {
                for p in ps {
                    let name = p
                        .get_path(&["name"])
                        .and_then(Node::as_str)
                        .map(str::to_string);
                    let number = match p.get_path(&["containerPort"]).map(|n| &n.value) {
                        Some(Value::Int(i)) => Some(*i),
                        _ => None,
                    };
                    ports.push((name, number));
                }
            }
        }
    }
    Some(Pods { doc, labels, ports })
}

fn str_at<'a>(n: &'a Node, p: &[&str]) -> Option<&'a str> {
    n.get_path(p).and_then(Node::as_str)
}

fn same_namespace(a: &Document, b: &Document) -> bool {
    a.namespace == b.namespace
}

fn selects(selector: &IndexMap<String, String>, labels: &IndexMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Every reference rule over the set.
pub fn check(docs: &[Document], sink: &mut Sink<'_>) {
    duplicates(docs, sink);
    let workloads: Vec<Pods<'_>> = docs.iter().filter_map(pods).collect();
    for w in &workloads {
        own_selector(w, sink);
        duplicate_env(w.doc, sink);
    }
    let services: Vec<&Document> = docs.iter().filter(|d| d.kind == "Service").collect();
    // Workloads by (namespace, label key, label value): a selector's candidates are the
    // workloads carrying its first pair, so matching stays linear in big sets.
    let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, w) in workloads.iter().enumerate() {
        for (k, v) in &w.labels {
            by_label
                .entry((w.doc.namespace.as_str(), k.as_str(), v.as_str()))
                .or_default()
                .push(i);
        }
    }
    for svc in &services {
        service(svc, &workloads, &by_label, sink);
        if str_at(&svc.node, &["spec", "type"]) == Some("NodePort") {
            sink.report(
                "nodeport-service",
                svc,
                &path(&["spec", "type"]),
                "type NodePort opens a port on every node of the cluster".to_string(),
            );
        }
    }
    for ing in docs.iter().filter(|d| d.kind == "Ingress") {
        ingress(ing, &services, sink);
    }
    for hpa in docs.iter().filter(|d| d.kind == "HorizontalPodAutoscaler") {
        autoscaler(hpa, docs, sink);
    }
}

fn duplicates(docs: &[Document], sink: &mut Sink<'_>) {
    let mut seen: HashMap<(String, &str, &str, &str), &Document> = HashMap::new();
    for d in docs {
        if d.kind.is_empty() || d.name.is_empty() {
            continue;
        }
        let api = str_at(&d.node, &["apiVersion"]).unwrap_or("");
        let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        let key = (
            group,
            d.kind.as_str(),
            d.namespace.as_str(),
            d.name.as_str(),
        );
        if let Some(first) = seen.get(&key) {
            let first_at = first
                .node
                .origin
                .file_line()
                .map(|(f, l, _)| format!(" (first at {}:{l})", f.display))
                .unwrap_or_default();
            sink.report(
                "duplicate-object",
                d,
                &path(&["metadata", "name"]),
                format!("a second {} named `{}`{first_at}", d.kind, d.name),
            );
        } else {
            seen.insert(key, d);
        }
    }
}

fn own_selector(w: &Pods<'_>, sink: &mut Sink<'_>) {
    if w.doc.kind == "Pod" || w.doc.kind == "CronJob" {
        return;
    }
    let selector = string_map(w.doc.node.get_path(&["spec", "selector", "matchLabels"]));
    let missing: Vec<String> = selector
        .iter()
        .filter(|(k, v)| w.labels.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !missing.is_empty() {
        sink.report(
            "selector-labels",
            w.doc,
            &path(&["spec", "selector", "matchLabels"]),
            format!(
                "the selector requires {}, which the pod template labels do not have",
                missing.join(", ")
            ),
        );
    }
}

fn duplicate_env(doc: &Document, sink: &mut Sink<'_>) {
    for spec in pod_template_prefixes(&doc.kind) {
        for (ct, c) in containers(&doc.node, &spec) {
            let Some(Value::Seq(env)) = c.get_path(&["env"]).map(|n| &n.value) else {
                continue;
            };
            let mut seen = HashMap::new();
            for (i, e) in env.iter().enumerate() {
                let Some(name) = str_at(e, &["name"]) else {
                    continue;
                };
                if let Some(first) = seen.insert(name, i) {
                    let mut at = ct.clone();
                    at.extend(path(&["env", &i.to_string(), "name"]));
                    let container = str_at(c, &["name"]).unwrap_or("?");
                    sink.report(
                        "duplicate-env",
                        doc,
                        &at,
                        format!(
                            "container `{container}`: environment variable `{name}` is also defined at env[{first}]"
                        ),
                    );
                }
            }
        }
    }
}

fn service(
    svc: &Document,
    workloads: &[Pods<'_>],
    by_label: &HashMap<(&str, &str, &str), Vec<usize>>,
    sink: &mut Sink<'_>,
) {
    if str_at(&svc.node, &["spec", "type"]) == Some("ExternalName") {
        return;
    }
    let selector = string_map(svc.node.get_path(&["spec", "selector"]));
    if selector.is_empty() || workloads.is_empty() {
        return;
    }
    let (k, v) = selector.first().expect("not empty");
    let candidates = by_label
        .get(&(svc.namespace.as_str(), k.as_str(), v.as_str()))
        .map_or(&[][..], Vec::as_slice);
    let selected: Vec<&Pods<'_>> = candidates
        .iter()
        .map(|&i| &workloads[i])
        .filter(|w| same_namespace(w.doc, svc) && selects(&selector, &w.labels))
        .collect();
    if selected.is_empty() {
        let sel: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        sink.report(
            "service-selector",
            svc,
            &path(&["spec", "selector"]),
            format!("selector {} matches no workload in the set", sel.join(",")),
        );
        return;
    }
    let Some(Value::Seq(ports)) = svc.node.get_path(&["spec", "ports"]).map(|n| &n.value) else {
        return;
    };
    for (i, p) in ports.iter().enumerate() {
        let target = p
            .get_path(&["targetPort"])
            .or_else(|| p.get_path(&["port"]));
        let at = path(&["spec", "ports", &i.to_string(), "targetPort"]);
        match target.map(|n| &n.value) {
            Some(Value::String(name)) => {
                let found = selected.iter().any(|w| {
                    w.ports
                        .iter()
                        .any(|(n, _)| n.as_deref() == Some(name.as_str()))
                });
                if found {
                    spread(
                        svc,
                        &selected,
                        &at,
                        &format!("port `{name}`"),
                        |w| {
                            w.ports
                                .iter()
                                .any(|(n, _)| n.as_deref() == Some(name.as_str()))
                        },
                        sink,
                    );
                } else {
                    sink.report(
                        "service-target-port",
                        svc,
                        &at,
                        format!(
                            "targetPort `{name}` is not a port name of the selected pods ({})",
                            selected
                                .iter()
                                .map(|w| format!("{} {}", w.doc.kind, w.doc.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
            Some(Value::Int(n)) => {
                let declared = selected.iter().any(|w| !w.ports.is_empty());
                let found = selected
                    .iter()
                    .any(|w| w.ports.iter().any(|(_, num)| *num == Some(*n)));
                if declared && !found {
                    sink.report(
                        "service-target-port",
                        svc,
                        &at,
                        format!("targetPort {n} is not a containerPort of the selected pods"),
                    );
                } else if found {
                    // Pods that declare no ports may still listen on it: only those that
                    // declare others are known to lack it.
                    spread(
                        svc,
                        &selected,
                        &at,
                        &format!("containerPort {n}"),
                        |w| w.ports.is_empty() || w.ports.iter().any(|(_, num)| *num == Some(*n)),
                        sink,
                    );
                }
            }
            _ => {}
        }
    }
}

/// `service-port-spread`: the Service selects the pods of several workloads and some have
/// the target port (`has`) while others do not, so part of its traffic goes nowhere.
fn spread(
    svc: &Document,
    selected: &[&Pods<'_>],
    at: &[String],
    port: &str,
    has: impl Fn(&Pods<'_>) -> bool,
    sink: &mut Sink<'_>,
) {
    let lacking: Vec<String> = selected
        .iter()
        .filter(|w| !has(w))
        .map(|w| format!("{} {}", w.doc.kind, w.doc.name))
        .collect();
    if lacking.is_empty() {
        return;
    }
    let having: Vec<String> = selected
        .iter()
        .filter(|w| has(w))
        .map(|w| format!("{} {}", w.doc.kind, w.doc.name))
        .collect();
    sink.report(
        "service-port-spread",
        svc,
        at,
        format!(
            "the selector also matches the pods of {}, which lack{} {port} that {} declare{}",
            lacking.join(", "),
            if lacking.len() == 1 { "s" } else { "" },
            having.join(", "),
            if having.len() == 1 { "s" } else { "" },
        ),
    );
}

fn ingress(ing: &Document, services: &[&Document], sink: &mut Sink<'_>) {
    if services.is_empty() {
        return;
    }
    let mut backends: Vec<Vec<String>> = vec![path(&["spec", "defaultBackend"])];
    if let Some(Value::Seq(rules)) = ing.node.get_path(&["spec", "rules"]).map(|n| &n.value) {
        for (i, r) in rules.iter().enumerate() {
            if let Some(Value::Seq(paths)) = r.get_path(&["http", "paths"]).map(|n| &n.value) {
                for j in 0..paths.len() {
                    backends.push(path(&[
                        "spec",
                        "rules",
                        &i.to_string(),
                        "http",
                        "paths",
                        &j.to_string(),
                        "backend",
                    ]));
                }
            }
        }
    }
    for b in backends {
        let Some(backend) = ing.node.pointer(&b) else {
            continue;
        };
        let Some(name) = str_at(backend, &["service", "name"]) else {
            continue;
        };
        let svc = services
            .iter()
            .find(|s| s.name == name && same_namespace(s, ing));
        let mut at = b.clone();
        at.extend(path(&["service", "name"]));
        let Some(svc) = svc else {
            sink.report(
                "ingress-backend",
                ing,
                &at,
                format!("backend Service `{name}` is not in the set"),
            );
            continue;
        };
        let ports: Vec<(Option<&str>, Option<i64>)> =
            match svc.node.get_path(&["spec", "ports"]).map(|n| &n.value) {
                Some(Value::Seq(ps)) => ps
                    .iter()
                    .map(|p| {
                        (
                            str_at(p, &["name"]),
                            match p.get_path(&["port"]).map(|n| &n.value) {
                                Some(Value::Int(i)) => Some(*i),
                                _ => None,
                            },
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
        let mut port_at = b.clone();
        port_at.extend(path(&["service", "port"]));
        if let Some(Value::Int(n)) = backend
            .get_path(&["service", "port", "number"])
            .map(|n| &n.value)
        {
            if !ports.iter().any(|(_, p)| *p == Some(*n)) {
                port_at.push("number".into());
                sink.report(
                    "ingress-backend",
                    ing,
                    &port_at,
                    format!("Service `{name}` has no port {n}"),
                );
            }
        } else if let Some(pn) = str_at(backend, &["service", "port", "name"])
            && !ports.iter().any(|(n, _)| *n == Some(pn))
        {
            port_at.push("name".into());
            sink.report(
                "ingress-backend",
                ing,
                &port_at,
                format!("Service `{name}` has no port named `{pn}`"),
            );
        }
    }
}

fn autoscaler(hpa: &Document, docs: &[Document], sink: &mut Sink<'_>) {
    let r = &hpa.node;
    let (Some(kind), Some(name)) = (
        str_at(r, &["spec", "scaleTargetRef", "kind"]),
        str_at(r, &["spec", "scaleTargetRef", "name"]),
    ) else {
        return;
    };
    if !docs.iter().any(|d| d.kind == kind) {
        return;
    }
    let target = docs
        .iter()
        .find(|d| d.kind == kind && d.name == name && same_namespace(d, hpa));
    match target {
        None => sink.report(
            "hpa-target",
            hpa,
            &path(&["spec", "scaleTargetRef", "name"]),
            format!("scaleTargetRef {kind} `{name}` is not in the set"),
        ),
        Some(t) => {
            if t.node.get_path(&["spec", "replicas"]).is_some() {
                sink.report(
                    "hpa-replicas",
                    t,
                    &path(&["spec", "replicas"]),
                    format!(
                        "spec.replicas is set, but HorizontalPodAutoscaler `{}` scales this {kind}",
                        hpa.name
                    ),
                );
            }
        }
    }
}
