//! Hardening rules of the Pod Security Standards that the older rules do not cover: the
//! seccomp profile, host ports, added capabilities (on containers), wildcards in RBAC rules.

use super::rules::rule_id;
use super::sink::{Sink, path};
use crate::manifest::Document;
use crate::yaml::{Node, Value};

/// `base` followed by `rest` (workload.rs calls this file, so its helper is not imported).
fn tokens(base: &[String], rest: &[&str]) -> Vec<String> {
    let mut t = base.to_vec();
    t.extend(rest.iter().map(|s| (*s).to_string()));
    t
}

/// The one capability the `restricted` Pod Security Standard lets a container add.
const ALLOWED_ADDED: &[&str] = &["NET_BIND_SERVICE"];

/// Seccomp and added capabilities of one container of a Linux pod (`pod`: its pod spec).
pub fn container(doc: &Document, sink: &mut Sink<'_>, ct: &[String], c: &Node, pod: &Node) {
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    let own = seccomp_type(c);
    let effective = own.or_else(|| seccomp_type(pod));
    if !matches!(effective, Some("RuntimeDefault" | "Localhost")) {
        let why = match effective {
            Some(t) => format!("its seccomp profile is `{t}`"),
            None => "neither the pod nor the container sets a seccomp profile".to_string(),
        };
        sink.report(
            rule_id!("missing-seccomp"),
            doc,
            &tokens(ct, &["securityContext", "seccompProfile", "type"]),
            format!("container `{name}`: {why}"),
        );
    }
    let Some(Value::Seq(added)) = c
        .get_path(&["securityContext", "capabilities", "add"])
        .map(|n| &n.value)
    else {
        return;
    };
    for (i, cap) in added.iter().enumerate() {
        let Some(cap) = cap.as_str() else { continue };
        let bare = cap.trim_start_matches("CAP_").to_ascii_uppercase();
        // NET_RAW has its own rule.
        if ALLOWED_ADDED.contains(&bare.as_str()) || bare == "NET_RAW" {
            continue;
        }
        sink.report(
            rule_id!("added-capability"),
            doc,
            &tokens(
                ct,
                &["securityContext", "capabilities", "add", &i.to_string()],
            ),
            format!("container `{name}` adds the capability {cap}"),
        );
    }
}

/// `securityContext.seccompProfile.type` of a pod spec or container.
fn seccomp_type(n: &Node) -> Option<&str> {
    n.get_path(&["securityContext", "seccompProfile", "type"])
        .and_then(Node::as_str)
}

/// `hostPort` on a container port: the pod takes a port of its node (any OS).
pub fn host_port(doc: &Document, sink: &mut Sink<'_>, ct: &[String], c: &Node) {
    let Some(Value::Seq(ports)) = c.get_path(&["ports"]).map(|n| &n.value) else {
        return;
    };
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    for (i, p) in ports.iter().enumerate() {
        if let Some(Value::Int(n)) = p.get_path(&["hostPort"]).map(|n| &n.value)
            && *n != 0
        {
            sink.report(
                rule_id!("host-port"),
                doc,
                &tokens(ct, &["ports", &i.to_string(), "hostPort"]),
                format!("container `{name}` binds port {n} of its node (hostPort)"),
            );
        }
    }
}

/// `*` in the verbs, resources or apiGroups of a Role's or ClusterRole's rules.
pub fn rbac(doc: &Document, sink: &mut Sink<'_>) {
    if !matches!(doc.kind.as_str(), "Role" | "ClusterRole") {
        return;
    }
    let Some(Value::Seq(rules)) = doc.node.get_path(&["rules"]).map(|n| &n.value) else {
        return;
    };
    for (i, r) in rules.iter().enumerate() {
        for field in ["apiGroups", "resources", "verbs"] {
            let Some(Value::Seq(items)) = r.get_path(&[field]).map(|n| &n.value) else {
                continue;
            };
            if let Some(j) = items.iter().position(|v| v.as_str() == Some("*")) {
                sink.report(
                    rule_id!("rbac-wildcard"),
                    doc,
                    &path(&["rules", &i.to_string(), field, &j.to_string()]),
                    format!("rules[{i}] grants `*` in {field}"),
                );
            }
        }
    }
}
