//! Object specs as the API server validates them beyond their types
//! (`pkg/apis/{apps,autoscaling,core,networking}/validation`): update strategies, autoscaler
//! metrics and replica bounds, a Service's ports across the list, an Ingress's hosts, paths
//! and TLS Secret names. Messages quote upstream's wording.

use std::collections::HashMap;

use super::pod_validation::{is_set, items};
use super::rules::rule_id;
use super::sink::{Sink, path};
use super::types::is_dns_subdomain;
use super::workload::tokens;
use crate::manifest::Document;
use crate::yaml::{Node, Value};

fn str_at<'a>(n: &'a Node, p: &[&str]) -> Option<&'a str> {
    n.get_path(p).and_then(Node::as_str)
}

fn int_at(n: &Node, p: &[&str]) -> Option<i64> {
    match n.get_path(p).map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// The spec rules for one document.
pub fn check(doc: &Document, sink: &mut Sink<'_>) {
    match doc.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" => update_strategy(doc, sink),
        "HorizontalPodAutoscaler" => {
            replica_range(doc, sink);
            metrics(doc, sink);
        }
        "Service" => service_ports(doc, sink),
        "Ingress" => ingress(doc, sink),
        _ => {}
    }
}

/// `ValidateDeploymentStrategy`, `ValidateStatefulSetUpdateStrategy`,
/// `ValidateDaemonSetUpdateStrategy`. An empty type is defaulted to RollingUpdate. A DaemonSet
/// may keep `rollingUpdate` under OnDelete (upstream does not check it).
fn update_strategy(doc: &Document, sink: &mut Sink<'_>) {
    let (field, types): (&str, [&str; 2]) = match doc.kind.as_str() {
        "Deployment" => ("strategy", ["Recreate", "RollingUpdate"]),
        _ => ("updateStrategy", ["OnDelete", "RollingUpdate"]),
    };
    let Some(strategy) = doc.node.get_path(&["spec", field]) else {
        return;
    };
    let Some(ty) = str_at(strategy, &["type"]).filter(|t| !t.is_empty()) else {
        return;
    };
    let (at, message) = if !types.contains(&ty) {
        (
            "type",
            format!(
                "Unsupported value: \"{ty}\": supported values: \"{}\", \"{}\"",
                types[0], types[1]
            ),
        )
    } else if !is_set(strategy, "rollingUpdate") {
        return;
    } else if ty == "Recreate" {
        (
            "rollingUpdate",
            "may not be specified when strategy `type` is 'Recreate'"
                .to_string(),
        )
    } else if ty == "OnDelete" && doc.kind == "StatefulSet" {
        (
            "rollingUpdate",
            "only allowed for updateStrategy 'RollingUpdate'"
                .to_string(),
        )
    } else {
        return;
    };
    sink.report(
        rule_id!("update-strategy"),
        doc,
        &path(&["spec", field, at]),
        message,
    );
}

/// `validateHorizontalPodAutoscalerSpec`: maxReplicas at least 1 and at least minReplicas
/// (default 1).
fn replica_range(doc: &Document, sink: &mut Sink<'_>) {
    let Some(max) = int_at(&doc.node, &["spec", "maxReplicas"]) else {
        return;
    };
    let min = int_at(&doc.node, &["spec", "minReplicas"]);
    let message = if max < 1 {
        format!("Invalid value: {max}: must be greater than 0")
    } else if let Some(min) = min.filter(|m| max < *m) {
        format!(
            "Invalid value: {max}: must be greater than or equal to `minReplicas` ({min})"
        )
    } else {
        return;
    };
    sink.report(
        rule_id!("hpa-replica-range"),
        doc,
        &path(&["spec", "maxReplicas"]),
        message,
    );
}

/// Metric source types of autoscaling/v2 (and v2beta1, v2beta2) and their fields.
const METRIC_SOURCES: &[(&str, &str)] = &[
    ("Object", "object"),
    ("Pods", "pods"),
    ("Resource", "resource"),
    ("ContainerResource", "containerResource"),
    ("External", "external"),
];

/// `validateMetricSpec`: a metric sets its type's source, and only that one.
fn metrics(doc: &Document, sink: &mut Sink<'_>) {
    let Some(spec) = doc.node.get_path(&["spec"]) else {
        return;
    };
    for (i, metric) in items(spec, "metrics").iter().enumerate() {
        let at = |field: &str| path(&["spec", "metrics", &i.to_string(), field]);
        let ty = str_at(metric, &["type"]).unwrap_or("");
        let present: Vec<&str> = METRIC_SOURCES
            .iter()
            .map(|(_, f)| *f)
            .filter(|f| is_set(metric, f))
            .collect();
        let Some(&(_, expected)) = METRIC_SOURCES.iter().find(|(t, _)| *t == ty) else {
            let types: Vec<String> = METRIC_SOURCES.iter().map(|(t, _)| format!("\"{t}\"")).collect();
            let message = if ty.is_empty() {
                "must specify a metric source type".to_string()
            } else {
                format!("Unsupported value: \"{ty}\": supported values: {}", types.join(", "))
            };
            sink.report(rule_id!("hpa-metric-source"), doc, &at("type"), message);
            continue;
        };
        if !present.contains(&expected) {
            sink.report(
                rule_id!("hpa-metric-source"),
                doc,
                &at(expected),
                format!("must populate information for the given metric source (type {ty})"),
            );
        }
        for other in present.iter().filter(|f| **f != expected) {
            sink.report(
                rule_id!("hpa-metric-source"),
                doc,
                &at(other),
                format!("`{other}`: must populate the given metric source only (type {ty} reads `{expected}`)"),
            );
        }
    }
}

/// `ValidateService` on the ports list: names required when there are several and unique,
/// port and protocol unique, node ports unique per protocol and not on a ClusterIP Service
/// (the default type).
fn service_ports(doc: &Document, sink: &mut Sink<'_>) {
    let Some(spec) = doc.node.get_path(&["spec"]) else {
        return;
    };
    let ports = items(spec, "ports");
    let cluster_ip = str_at(spec, &["type"]).is_none_or(|t| t == "ClusterIP");
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut numbers: HashMap<(i64, &str), usize> = HashMap::new();
    let mut node_ports: HashMap<(i64, &str), usize> = HashMap::new();
    for (i, p) in ports.iter().enumerate() {
        let at = |field: &str| tokens(&path(&["spec", "ports", &i.to_string()]), &[field]);
        let mut report = |field: &str, message: String| {
            let tokens = if field.is_empty() { path(&["spec", "ports", &i.to_string()]) } else { at(field) };
            sink.report(rule_id!("service-ports"), doc, &tokens, message);
        };
        let protocol = str_at(p, &["protocol"]).unwrap_or("TCP");
        match str_at(p, &["name"]).filter(|n| !n.is_empty()) {
            None if ports.len() > 1 => report("name", "Required value: each port of a Service with several ports needs a name".into()),
            Some(name) => {
                if let Some(first) = names.insert(name, i) {
                    report("name", format!("Duplicate value: \"{name}\" (also ports[{first}])"));
                }
            }
            None => {}
        }
        if let Some(port) = int_at(p, &["port"])
            && let Some(first) = numbers.insert((port, protocol), i)
        {
            report("", format!("Duplicate value: port {port}/{protocol} (also ports[{first}])"));
        }
        let Some(node_port) = int_at(p, &["nodePort"]).filter(|n| *n != 0) else {
            continue;
        };
        if cluster_ip {
            report("nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'".into());
        } else if let Some(first) = node_ports.insert((node_port, protocol), i) {
            report("nodePort", format!("Duplicate value: {node_port} (also ports[{first}])"));
        }
    }
}

/// Upstream's `IsDNS1123Subdomain` and `IsWildcardDNS1123Subdomain` on an Ingress host.
fn host_problem(host: &str, no_ip: bool) -> Option<&'static str> {
    if no_ip && host.parse::<std::net::IpAddr>().is_ok() {
        return Some("must be a DNS name, not an IP address");
    }
    if host.contains('*') {
        let ok = host.len() <= 253
            && host
                .strip_prefix("*.")
                .is_some_and(|rest| !rest.contains('*') && is_dns_subdomain(rest));
        return (!ok).then_some("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com')");
    }
    (!is_dns_subdomain(host)).then_some("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")
}

/// Upstream's `validateHTTPIngressPath`: what is wrong with `p` of `path_type`.
fn path_problem(p: &str, path_type: &str) -> Option<String> {
    let exact_or_prefix = matches!(path_type, "Exact" | "Prefix");
    let checked = exact_or_prefix || (path_type == "ImplementationSpecific" && !p.is_empty());
    if checked && !p.starts_with('/') {
        return Some("must be an absolute path".into());
    }
    if !exact_or_prefix {
        return None;
    }
    if let Some(seq) = ["//", "/./", "/../", "%2f", "%2F"].iter().find(|s| p.contains(**s)) {
        return Some(format!("must not contain '{seq}'"));
    }
    ["/..", "/."]
        .iter()
        .find(|s| p.ends_with(**s))
        .map(|s| format!("cannot end with '{s}'"))
}

/// `validateIngressRules`, `validateIngressTLS`, `validateHTTPIngressPath`.
fn ingress(doc: &Document, sink: &mut Sink<'_>) {
    let Some(spec) = doc.node.get_path(&["spec"]) else {
        return;
    };
    for (i, rule) in items(spec, "rules").iter().enumerate() {
        let at = path(&["spec", "rules", &i.to_string()]);
        if let Some(host) = str_at(rule, &["host"]).filter(|h| !h.is_empty())
            && let Some(problem) = host_problem(host, true)
        {
            sink.report(rule_id!("ingress-host"), doc, &tokens(&at, &["host"]), format!("Invalid value: \"{host}\": {problem}"));
        }
        let paths = rule.get_path(&["http"]).map_or(&[][..], |h| items(h, "paths"));
        for (j, p) in paths.iter().enumerate() {
            let Some(path_type) = str_at(p, &["pathType"]) else {
                continue;
            };
            let text = str_at(p, &["path"]).unwrap_or("");
            if let Some(problem) = path_problem(text, path_type) {
                let key = tokens(&at, &["http", "paths", &j.to_string(), "path"]);
                sink.report(rule_id!("ingress-path"), doc, &key, format!("Invalid value: \"{text}\": {problem} (pathType {path_type})"));
            }
        }
    }
    for (i, tls) in items(spec, "tls").iter().enumerate() {
        let at = path(&["spec", "tls", &i.to_string()]);
        for (j, h) in items(tls, "hosts").iter().enumerate() {
            if let Some(host) = h.as_str()
                && let Some(problem) = host_problem(host, false)
            {
                sink.report(rule_id!("ingress-host"), doc, &tokens(&at, &["hosts", &j.to_string()]), format!("Invalid value: \"{host}\": {problem}"));
            }
        }
        if let Some(secret) = str_at(tls, &["secretName"]).filter(|s| !s.is_empty())
            && !is_dns_subdomain(secret)
        {
            sink.report(rule_id!("ingress-tls-secret"), doc, &tokens(&at, &["secretName"]), format!("Invalid value: \"{secret}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (a Secret name)"));
        }
    }
}
