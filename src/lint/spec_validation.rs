//! Object specs as the API server validates them beyond their types
//! (`pkg/apis/{apps,autoscaling,core,networking}/validation`): update strategies, autoscaler
//! metrics and replica bounds, a Service's ports across the list, an Ingress's hosts, paths
//! and TLS Secret names. Messages quote upstream's wording.

use std::collections::HashMap;

use super::names::{is_label, name_problem};
use super::pod_validation::is_set;
use super::rules::rule_id;
use super::sink::{Sink, path};
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
            "may not be specified when strategy `type` is 'Recreate'".to_string(),
        )
    } else if ty == "OnDelete" && doc.kind == "StatefulSet" {
        (
            "rollingUpdate",
            "only allowed for updateStrategy 'RollingUpdate'".to_string(),
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
        format!("Invalid value: {max}: must be greater than or equal to `minReplicas` ({min})")
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
    for (i, metric) in spec.seq_at(&["metrics"]).iter().enumerate() {
        let at = |field: &str| path(&["spec", "metrics", &i.to_string(), field]);
        let ty = str_at(metric, &["type"]).unwrap_or("");
        let present: Vec<&str> = METRIC_SOURCES
            .iter()
            .map(|(_, f)| *f)
            .filter(|f| is_set(metric, f))
            .collect();
        let Some(&(_, expected)) = METRIC_SOURCES.iter().find(|(t, _)| *t == ty) else {
            let types: Vec<String> = METRIC_SOURCES
                .iter()
                .map(|(t, _)| format!("\"{t}\""))
                .collect();
            let message = if ty.is_empty() {
                "must specify a metric source type".to_string()
            } else {
                format!(
                    "Unsupported value: \"{ty}\": supported values: {}",
                    types.join(", ")
                )
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
    let ports = spec.seq_at(&["ports"]);
    let mut seen = SeenPorts {
        several: ports.len() > 1,
        cluster_ip: str_at(spec, &["type"]).is_none_or(|t| t == "ClusterIP"),
        ..SeenPorts::default()
    };
    for (i, p) in ports.iter().enumerate() {
        for (field, message) in seen.problems(i, p) {
            let mut at = path(&["spec", "ports", &i.to_string()]);
            at.extend(field.map(str::to_string));
            sink.report(rule_id!("service-ports"), doc, &at, message);
        }
    }
}

/// The ports of a Service seen so far, by name, by port and protocol, by node port and
/// protocol (the index of the first one).
#[derive(Default)]
struct SeenPorts<'a> {
    several: bool,
    cluster_ip: bool,
    names: HashMap<&'a str, usize>,
    numbers: HashMap<(i64, &'a str), usize>,
    node_ports: HashMap<(i64, &'a str), usize>,
}

impl<'a> SeenPorts<'a> {
    /// What is wrong with port `i` (`p`) given those before it: (field, message).
    fn problems(&mut self, i: usize, p: &'a Node) -> Vec<(Option<&'static str>, String)> {
        let mut out = Vec::new();
        let protocol = str_at(p, &["protocol"]).unwrap_or("TCP");
        match str_at(p, &["name"]).filter(|n| !n.is_empty()) {
            None if self.several => out.push((
                Some("name"),
                "Required value: each port of a Service with several ports needs a name".into(),
            )),
            Some(name) => {
                if let Some(first) = self.names.insert(name, i) {
                    let message = format!("Duplicate value: \"{name}\" (also ports[{first}])");
                    out.push((Some("name"), message));
                }
            }
            None => {}
        }
        if let Some(port) = int_at(p, &["port"])
            && let Some(first) = self.numbers.insert((port, protocol), i)
        {
            let message = format!("Duplicate value: port {port}/{protocol} (also ports[{first}])");
            out.push((None, message));
        }
        if let Some(node_port) = int_at(p, &["nodePort"]).filter(|n| *n != 0) {
            if self.cluster_ip {
                let message = "Forbidden: may not be used when `type` is 'ClusterIP'".to_string();
                out.push((Some("nodePort"), message));
            } else if let Some(first) = self.node_ports.insert((node_port, protocol), i) {
                let message = format!("Duplicate value: {node_port} (also ports[{first}])");
                out.push((Some("nodePort"), message));
            }
        }
        out
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
                .is_some_and(|rest| !rest.contains('*') && is_subdomain(rest));
        return (!ok).then_some("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com')");
    }
    (!is_subdomain(host)).then_some("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')")
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
    if let Some(seq) = ["//", "/./", "/../", "%2f", "%2F"]
        .iter()
        .find(|s| p.contains(**s))
    {
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
    for (i, rule) in spec.seq_at(&["rules"]).iter().enumerate() {
        ingress_rule(doc, sink, &path(&["spec", "rules", &i.to_string()]), rule);
    }
    for (i, tls) in spec.seq_at(&["tls"]).iter().enumerate() {
        ingress_tls(doc, sink, &path(&["spec", "tls", &i.to_string()]), tls);
    }
}

/// An Ingress rule (at `at`): its host and its paths.
fn ingress_rule(doc: &Document, sink: &mut Sink<'_>, at: &[String], rule: &Node) {
    if let Some(host) = str_at(rule, &["host"]).filter(|h| !h.is_empty())
        && let Some(problem) = host_problem(host, true)
    {
        sink.report(
            rule_id!("ingress-host"),
            doc,
            &tokens(at, &["host"]),
            format!("Invalid value: \"{host}\": {problem}"),
        );
    }
    let paths = rule
        .get_path(&["http"])
        .map_or(&[][..], |h| h.seq_at(&["paths"]));
    for (j, p) in paths.iter().enumerate() {
        let Some(path_type) = str_at(p, &["pathType"]) else {
            continue;
        };
        let text = str_at(p, &["path"]).unwrap_or("");
        if let Some(problem) = path_problem(text, path_type) {
            sink.report(
                rule_id!("ingress-path"),
                doc,
                &tokens(at, &["http", "paths", &j.to_string(), "path"]),
                format!("Invalid value: \"{text}\": {problem} (pathType {path_type})"),
            );
        }
    }
}

/// An Ingress TLS entry (at `at`): its hosts and its Secret's name.
fn ingress_tls(doc: &Document, sink: &mut Sink<'_>, at: &[String], tls: &Node) {
    for (j, h) in tls.seq_at(&["hosts"]).iter().enumerate() {
        if let Some(host) = h.as_str()
            && let Some(problem) = host_problem(host, false)
        {
            sink.report(
                rule_id!("ingress-host"),
                doc,
                &tokens(at, &["hosts", &j.to_string()]),
                format!("Invalid value: \"{host}\": {problem}"),
            );
        }
    }
    if let Some(secret) = str_at(tls, &["secretName"]).filter(|s| !s.is_empty())
        && let Some(problem) = name_problem("Secret", secret)
    {
        sink.report(
            rule_id!("ingress-tls-secret"),
            doc,
            &tokens(at, &["secretName"]),
            format!("Invalid value: \"{secret}\": a Secret name {problem}"),
        );
    }
}

/// A DNS-1123 subdomain as upstream's `IsDNS1123Subdomain` checks it: at most 253
/// characters in all (its parts are not limited to 63).
fn is_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_label)
}

#[cfg(test)]
mod tests {
    use super::{host_problem, path_problem};

    #[test]
    fn ingress_hosts_and_paths_as_upstream_validates_them() {
        for ok in ["example.com", "*.example.com", "a-b.c1", &"a".repeat(70)] {
            assert_eq!(host_problem(ok, true), None, "{ok}");
        }
        for bad in [
            "Example.com",
            "*.*.example.com",
            "a.*.com",
            "*",
            "a_b.com",
            "-a.com",
            "a..b",
        ] {
            assert!(host_problem(bad, true).is_some(), "{bad}");
        }
        assert!(host_problem("10.0.0.1", true).is_some());
        assert_eq!(host_problem("10.0.0.1", false), None);
        assert_eq!(path_problem("/api", "Prefix"), None);
        assert_eq!(path_problem("", "ImplementationSpecific"), None);
        assert_eq!(path_problem("/v1/(.*)", "ImplementationSpecific"), None);
        assert_eq!(path_problem("/a//b", "ImplementationSpecific"), None);
        for (p, t) in [
            ("api", "Prefix"),
            ("", "Exact"),
            ("/a//b", "Prefix"),
            ("/a/..", "Exact"),
            ("/a%2Fb", "Prefix"),
            ("x", "ImplementationSpecific"),
        ] {
            assert!(path_problem(p, t).is_some(), "{p} {t}");
        }
    }
}
