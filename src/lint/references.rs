//! Cross-object rules over the documents linted together. A reference is only judged when the
//! set holds objects of the kind it points at; objects outside the set are never assumed
//! missing (the false positives of kube-linter #179/#746 and kube-score #53/#377). Services
//! without a selector and ExternalName Services select nothing and are left alone.

use super::rules::rule_id;
use std::collections::HashMap;

use indexmap::IndexMap;

use super::config::Options;
use super::lifecycle;
use super::pod_makers::creates_pods;
use super::sink::{Sink, path};
use super::workload::{containers, pod_template_prefixes, template_labels_path};
use crate::diag::Severity;
use crate::manifest::{Document, workload_kind};
use crate::yaml::{Node, Value};

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
    workload_kind(&doc.kind)?;
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
    crate::manifest::selects(selector, |k| labels.get(k))
}

/// Every reference rule over the set.
pub fn check(docs: &[Document], opts: &Options, sink: &mut Sink<'_>) {
    let kube_version = opts.kube_version;
    // Pods may also come from an operator's or a rollout controller's custom resource, of a
    // kind known to create them (pod_makers.rs).
    let custom = docs
        .iter()
        .find(|d| is_custom_resource(d) && creates_pods(d, opts));
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
        service(svc, &workloads, &by_label, custom, sink);
        if str_at(&svc.node, &["spec", "type"]) == Some("NodePort") {
            sink.report(
                rule_id!("nodeport-service"),
                svc,
                &path(&["spec", "type"]),
                "type NodePort opens a port on every node of the cluster".to_string(),
            );
        }
    }
    for ing in docs.iter().filter(|d| d.kind == "Ingress") {
        let api_version = str_at(&ing.node, &["apiVersion"]).unwrap_or("");
        // An Ingress the target version no longer serves is not applied at all: its
        // `removed-api` finding says so, and its backends are not checked.
        if lifecycle::served(api_version, "Ingress", kube_version) {
            ingress(ing, api_version != "networking.k8s.io/v1", &services, sink);
        }
    }
    for hpa in docs.iter().filter(|d| d.kind == "HorizontalPodAutoscaler") {
        autoscaler(hpa, docs, sink);
        described_objects(hpa, docs, sink);
    }
}

/// An `Object` metric's describedObject that names an object of a kind the set holds, but no
/// object of the set: a renamed or removed Ingress, whose metric the autoscaler then cannot
/// read (`FailedGetObjectMetric`), so it stops scaling on it.
fn described_objects(hpa: &Document, docs: &[Document], sink: &mut Sink<'_>) {
    let Some(crate::yaml::Value::Seq(metrics)) =
        hpa.node.get_path(&["spec", "metrics"]).map(|m| &m.value)
    else {
        return;
    };
    for (i, metric) in metrics.iter().enumerate() {
        let described = [
            "spec",
            "metrics",
            &i.to_string(),
            "object",
            "describedObject",
        ];
        let (Some(kind), Some(name)) = (
            str_at(metric, &["object", "describedObject", "kind"]),
            str_at(metric, &["object", "describedObject", "name"]),
        ) else {
            continue;
        };
        if !docs.iter().any(|d| d.kind == kind)
            || sink.options().is_external(kind, name)
            || docs
                .iter()
                .any(|d| d.kind == kind && d.name == name && same_namespace(d, hpa))
        {
            continue;
        }
        let others: Vec<&str> = docs
            .iter()
            .filter(|d| d.kind == kind && same_namespace(d, hpa))
            .map(|d| d.name.as_str())
            .collect();
        let mut at = path(&described);
        at.push("name".into());
        sink.report(
            rule_id!("hpa-metric-object"),
            hpa,
            &at,
            format!(
                "metric {i} reads {kind} `{name}`, which is not in the set (it holds {kind} {}): the autoscaler cannot get the metric and stops scaling on it",
                others
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
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
            rule_id!("selector-labels"),
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
                        rule_id!("duplicate-env"),
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

/// An object of a kind that is not built into Kubernetes (a custom resource).
fn is_custom_resource(d: &Document) -> bool {
    let api = str_at(&d.node, &["apiVersion"]).unwrap_or("");
    !d.kind.is_empty()
        && !api.is_empty()
        && super::kinds::kind(api, &d.kind).is_none()
        && !super::lifecycle::knows(api, &d.kind)
}

fn service(
    svc: &Document,
    workloads: &[Pods<'_>],
    by_label: &HashMap<(&str, &str, &str), Vec<usize>>,
    custom: Option<&Document>,
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
        let sel = sel.join(",");
        match custom {
            // An operator may create the pods: not known to be wrong.
            Some(cr) => sink.report_as(
                rule_id!("service-selector"),
                Some(Severity::Warning),
                svc,
                &path(&["spec", "selector"]),
                format!(
                    "selector {sel} matches no workload in the set; the set holds a custom resource of a kind whose operator creates pods ({} {}), which may be them",
                    cr.kind, cr.name
                ),
            ),
            None => sink.report(
                rule_id!("service-selector"),
                svc,
                &path(&["spec", "selector"]),
                format!("selector {sel} matches no workload in the set"),
            ),
        }
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
                        rule_id!("service-target-port"),
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
                        rule_id!("service-target-port"),
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
        rule_id!("service-port-spread"),
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

/// The Service a backend names and the port it sends to, with the key paths of both: the
/// `networking.k8s.io/v1` shape (`service.name`, `service.port.number|name`) or the older one
/// of `extensions/v1beta1` and `networking.k8s.io/v1beta1` (`serviceName`, `servicePort`).
struct Backend<'a> {
    name: &'a str,
    name_at: Vec<String>,
    port: Option<&'a Value>,
    port_at: Vec<String>,
}

/// `old_shape`: the Ingress is `extensions/v1beta1` or `networking.k8s.io/v1beta1`, where a
/// backend is `serviceName`/`servicePort` (in `networking.k8s.io/v1` those are unknown fields,
/// reported by the types check, and send nowhere).
fn backend<'a>(b: &[String], node: &'a Node, old_shape: bool) -> Option<Backend<'a>> {
    let at = |rest: &[&str]| {
        let mut t = b.to_vec();
        t.extend(rest.iter().map(|s| (*s).to_string()));
        t
    };
    if let Some(name) = str_at(node, &["service", "name"]) {
        let (port, port_at) = match node.get_path(&["service", "port", "number"]) {
            Some(n) => (Some(&n.value), at(&["service", "port", "number"])),
            None => (
                node.get_path(&["service", "port", "name"])
                    .map(|n| &n.value),
                at(&["service", "port", "name"]),
            ),
        };
        return Some(Backend {
            name,
            name_at: at(&["service", "name"]),
            port,
            port_at,
        });
    }
    if !old_shape {
        return None;
    }
    let name = str_at(node, &["serviceName"])?;
    Some(Backend {
        name,
        name_at: at(&["serviceName"]),
        port: node.get_path(&["servicePort"]).map(|n| &n.value),
        port_at: at(&["servicePort"]),
    })
}

fn ingress(ing: &Document, old_shape: bool, services: &[&Document], sink: &mut Sink<'_>) {
    if services.is_empty() {
        return;
    }
    // `defaultBackend` in v1, `backend` in the older versions.
    let mut backends: Vec<Vec<String>> = vec![
        path(&["spec", "defaultBackend"]),
        path(&["spec", "backend"]),
    ];
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
        let Some(node) = ing.node.pointer(&b) else {
            continue;
        };
        let Some(backend) = backend(&b, node, old_shape) else {
            continue;
        };
        let name = backend.name;
        let svc = services
            .iter()
            .find(|s| s.name == name && same_namespace(s, ing));
        let Some(svc) = svc else {
            sink.report(
                rule_id!("ingress-backend"),
                ing,
                &backend.name_at,
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
        let exposed = || {
            let list: Vec<String> = ports
                .iter()
                .map(|(n, p)| match (n, p) {
                    (Some(n), Some(p)) => format!("{p} ({n})"),
                    (None, Some(p)) => p.to_string(),
                    (Some(n), None) => format!("`{n}`"),
                    (None, None) => "?".to_string(),
                })
                .collect();
            if list.is_empty() {
                String::new()
            } else {
                format!("; it exposes {}", list.join(", "))
            }
        };
        match backend.port {
            Some(Value::Int(n)) if !ports.iter().any(|(_, p)| *p == Some(*n)) => {
                sink.report(
                    rule_id!("ingress-backend"),
                    ing,
                    &backend.port_at,
                    format!("Service `{name}` has no port {n}{}", exposed()),
                );
            }
            Some(Value::String(pn)) if !ports.iter().any(|(n, _)| *n == Some(pn.as_str())) => {
                sink.report(
                    rule_id!("ingress-backend"),
                    ing,
                    &backend.port_at,
                    format!("Service `{name}` has no port named `{pn}`{}", exposed()),
                );
            }
            _ => {}
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
            rule_id!("hpa-target"),
            hpa,
            &path(&["spec", "scaleTargetRef", "name"]),
            format!("scaleTargetRef {kind} `{name}` is not in the set"),
        ),
        Some(t) => {
            if t.node.get_path(&["spec", "replicas"]).is_some() {
                sink.report(
                    rule_id!("hpa-replicas"),
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
