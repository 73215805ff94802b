//! Best-practice and security rules on pod specs: every workload kind (Pod, Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob), every container
//! and init container.

use super::rules::rule_id;
use super::sink::{Sink, path};
use crate::manifest::{Document, workload_kind};
use crate::yaml::{Node, Value};

/// Path to the pod spec(s) of a kind (the workload table in `manifest`).
pub fn pod_template_prefixes(kind: &str) -> Vec<Vec<String>> {
    workload_kind(kind)
        .map(|w| vec![path(&w.pod_spec())])
        .unwrap_or_default()
}

/// Path to the pod template labels of a kind (none for a bare Pod).
pub fn template_labels_path(kind: &str) -> Option<Vec<String>> {
    workload_kind(kind)?.pod_labels().map(|p| path(&p))
}

/// `containers` and `initContainers` of the pod spec at `spec`, with their paths.
pub fn containers<'a>(root: &'a Node, spec: &[String]) -> Vec<(Vec<String>, &'a Node)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        let mut at = spec.to_vec();
        at.push(list.into());
        if let Some(Value::Seq(items)) = root.pointer(&at).map(|n| &n.value) {
            for (i, c) in items.iter().enumerate() {
                let mut t = at.clone();
                t.push(i.to_string());
                out.push((t, c));
            }
        }
    }
    out
}

/// `base` followed by `rest`.
pub(super) fn tokens(base: &[String], rest: &[&str]) -> Vec<String> {
    let mut t = base.to_vec();
    t.extend(rest.iter().map(|s| (*s).to_string()));
    t
}

fn bool_at(n: &Node, p: &[&str]) -> Option<bool> {
    match n.get_path(p).map(|n| &n.value) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn int_at(n: &Node, p: &[&str]) -> Option<i64> {
    match n.get_path(p).map(|n| &n.value) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// Host paths whose mounting exposes the node.
const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/root",
    "/sbin",
    "/sys",
    "/usr",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/var/run",
    "/run",
];

/// Container runtime sockets.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
];

/// Whether the pods of `doc` run to completion (Jobs, CronJobs, Pods that do not restart
/// always, Helm hooks): probes are not expected of them.
fn runs_to_completion(doc: &Document) -> bool {
    matches!(doc.kind.as_str(), "Job" | "CronJob")
        || (doc.kind == "Pod"
            && doc
                .node
                .get_path(&["spec", "restartPolicy"])
                .and_then(Node::as_str)
                .is_some_and(|p| p != "Always"))
        || doc.hook().is_some()
}

/// The long-running containers of `doc` (not init containers, not in pods that run to
/// completion), with their paths.
pub fn long_running_containers(doc: &Document) -> Vec<(Vec<String>, &Node)> {
    if runs_to_completion(doc) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for spec in pod_template_prefixes(&doc.kind) {
        let mut at = spec.clone();
        at.push("containers".into());
        if let Some(Value::Seq(items)) = doc.node.pointer(&at).map(|n| &n.value) {
            for (i, c) in items.iter().enumerate() {
                out.push((tokens(&at, &[&i.to_string()]), c));
            }
        }
    }
    out
}

/// The workload rules for one document.
pub fn check(doc: &Document, sink: &mut Sink<'_>) {
    let short_lived = runs_to_completion(doc);
    for spec in pod_template_prefixes(&doc.kind) {
        let Some(pod) = doc.node.pointer(&spec) else {
            continue;
        };
        pod_rules(doc, sink, &spec, pod);
        // The API server rejects Linux-only securityContext fields in a Windows pod.
        let windows = pod.get_path(&["os", "name"]).and_then(Node::as_str) == Some("windows");
        let pod_non_root = bool_at(pod, &["securityContext", "runAsNonRoot"]);
        let pod_user = int_at(pod, &["securityContext", "runAsUser"]);
        let pod_group = int_at(pod, &["securityContext", "runAsGroup"]);
        let init_count = match pod.get_path(&["initContainers"]).map(|n| &n.value) {
            Some(Value::Seq(s)) => s.len(),
            _ => 0,
        };
        for (i, (ct, c)) in containers(&doc.node, &spec).into_iter().enumerate() {
            let init = i < init_count;
            container_rules(doc, sink, &ct, c, init || short_lived);
            super::hardening::host_port(doc, sink, &ct, c);
            if !windows {
                security_rules(doc, sink, &ct, c, (pod_non_root, pod_user, pod_group));
                super::hardening::container(doc, sink, &ct, c, pod);
            }
        }
    }
}

fn pod_rules(doc: &Document, sink: &mut Sink<'_>, spec: &[String], pod: &Node) {
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        if bool_at(pod, &[ns]) == Some(true) {
            sink.report(
                rule_id!("host-namespaces"),
                doc,
                &tokens(spec, &[ns]),
                format!("{ns} is true: the pod shares the node's namespace"),
            );
        }
    }
    if let Some(Value::Seq(volumes)) = pod.get_path(&["volumes"]).map(|n| &n.value) {
        for (i, v) in volumes.iter().enumerate() {
            let Some(p) = v.get_path(&["hostPath", "path"]).and_then(Node::as_str) else {
                continue;
            };
            let at = tokens(spec, &["volumes", &i.to_string(), "hostPath", "path"]);
            let clean = p.trim_end_matches('/');
            let clean = if clean.is_empty() { "/" } else { clean };
            if RUNTIME_SOCKETS.contains(&clean) {
                sink.report(
                    rule_id!("docker-sock"),
                    doc,
                    &at,
                    format!("hostPath `{p}` is the container runtime socket"),
                );
            } else if SENSITIVE_HOST_PATHS.contains(&clean) {
                sink.report(
                    rule_id!("sensitive-host-path"),
                    doc,
                    &at,
                    format!("hostPath `{p}` exposes the node"),
                );
            }
        }
    }
}

fn container_rules(
    doc: &Document,
    sink: &mut Sink<'_>,
    ct: &[String],
    c: &Node,
    short_lived: bool,
) {
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    if let Some(image) = c.get_path(&["image"]).and_then(Node::as_str)
        && let Some(problem) = image_pin_problem(image)
    {
        sink.report(
            rule_id!("latest-tag"),
            doc,
            &tokens(ct, &["image"]),
            format!("container `{name}`: image `{image}` {problem}"),
        );
    }
    if c.get_path(&["imagePullPolicy"]).and_then(Node::as_str) == Some("Never") {
        sink.report(
            rule_id!("image-pull-policy"),
            doc,
            &tokens(ct, &["imagePullPolicy"]),
            format!("container `{name}`: imagePullPolicy is Never"),
        );
    }
    // A limit without a request is also the request: Kubernetes defaults one to the other.
    let missing: Vec<&str> = ["cpu", "memory"]
        .into_iter()
        .filter(|r| {
            c.get_path(&["resources", "requests", r]).is_none()
                && c.get_path(&["resources", "limits", r]).is_none()
        })
        .collect();
    if !missing.is_empty() {
        sink.report(
            rule_id!("missing-requests"),
            doc,
            &tokens(ct, &["resources", "requests"]),
            format!("container `{name}` has no {} request", missing.join(" or ")),
        );
    }
    if c.get_path(&["resources", "limits", "memory"]).is_none() {
        sink.report(
            rule_id!("missing-memory-limit"),
            doc,
            &tokens(ct, &["resources", "limits"]),
            format!("container `{name}` has no memory limit"),
        );
    }
    // missing-readiness-probe depends on the Services of the set (readiness.rs).
    if !short_lived && c.get_path(&["livenessProbe"]).is_none() {
        sink.report(
            rule_id!("missing-liveness-probe"),
            doc,
            &tokens(ct, &["livenessProbe"]),
            format!("container `{name}` has no livenessProbe"),
        );
    }
    let port_names: Vec<&str> = match c.get_path(&["ports"]).map(|n| &n.value) {
        Some(Value::Seq(ports)) => ports
            .iter()
            .filter_map(|p| p.get_path(&["name"]).and_then(Node::as_str))
            .collect(),
        _ => Vec::new(),
    };
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        for handler in ["httpGet", "tcpSocket", "grpc"] {
            let Some(port) = c.get_path(&[probe, handler, "port"]).and_then(Node::as_str) else {
                continue;
            };
            if !port_names.contains(&port) {
                sink.report(
                    rule_id!("probe-port"),
                    doc,
                    &tokens(ct, &[probe, handler, "port"]),
                    format!(
                        "container `{name}`: {probe} uses port `{port}`, which the container does not declare{}",
                        if port_names.is_empty() {
                            String::new()
                        } else {
                            format!(" (it declares {})", port_names.join(", "))
                        }
                    ),
                );
            }
        }
    }
}

/// Why an image reference is not pinned, if it is not.
pub fn image_pin_problem(image: &str) -> Option<&'static str> {
    if image.contains("@sha256:") || image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag"),
        Some((_, "")) => Some("has an empty tag"),
        Some((_, "latest")) => Some("uses the `latest` tag"),
        Some(_) => None,
    }
}

fn security_rules(
    doc: &Document,
    sink: &mut Sink<'_>,
    ct: &[String],
    c: &Node,
    (pod_non_root, pod_user, pod_group): (Option<bool>, Option<i64>, Option<i64>),
) {
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    let sc = |k: &str| bool_at(c, &["securityContext", k]);
    let privileged = sc("privileged") == Some(true);
    if privileged {
        sink.report(
            rule_id!("privileged"),
            doc,
            &tokens(ct, &["securityContext", "privileged"]),
            format!("container `{name}` is privileged"),
        );
    }
    if sc("allowPrivilegeEscalation") != Some(false) && !privileged {
        sink.report(
            rule_id!("privilege-escalation"),
            doc,
            &tokens(ct, &["securityContext", "allowPrivilegeEscalation"]),
            format!("container `{name}`: allowPrivilegeEscalation is not false"),
        );
    }
    let user = int_at(c, &["securityContext", "runAsUser"]).or(pod_user);
    let non_root = sc("runAsNonRoot").or(pod_non_root);
    if user == Some(0) {
        sink.report(
            rule_id!("run-as-root"),
            doc,
            &tokens(ct, &["securityContext", "runAsUser"]),
            format!("container `{name}` runs as user 0 (root)"),
        );
    } else if non_root != Some(true) && user.is_none() {
        sink.report(
            rule_id!("run-as-root"),
            doc,
            &tokens(ct, &["securityContext", "runAsNonRoot"]),
            format!(
                "container `{name}`: runAsNonRoot is not true and no non-zero runAsUser is set"
            ),
        );
    }
    // Group 0 is root's group: files owned by it on the node or in volumes are writable.
    let group = int_at(c, &["securityContext", "runAsGroup"]).or(pod_group);
    if group == Some(0) && user != Some(0) {
        sink.report(
            rule_id!("run-as-root"),
            doc,
            &tokens(ct, &["securityContext", "runAsGroup"]),
            format!("container `{name}` runs with group 0 (root's group)"),
        );
    }
    if sc("readOnlyRootFilesystem") != Some(true) {
        sink.report(
            rule_id!("writable-root-fs"),
            doc,
            &tokens(ct, &["securityContext", "readOnlyRootFilesystem"]),
            format!("container `{name}`: readOnlyRootFilesystem is not true"),
        );
    }
    let drops: Vec<&str> = match c
        .get_path(&["securityContext", "capabilities", "drop"])
        .map(|n| &n.value)
    {
        Some(Value::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => Vec::new(),
    };
    let adds_net_raw = match c
        .get_path(&["securityContext", "capabilities", "add"])
        .map(|n| &n.value)
    {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(Node::as_str)
            .any(|a| a.eq_ignore_ascii_case("NET_RAW") || a.eq_ignore_ascii_case("ALL")),
        _ => false,
    };
    let dropped = drops
        .iter()
        .any(|d| d.eq_ignore_ascii_case("NET_RAW") || d.eq_ignore_ascii_case("ALL"));
    if (!dropped || adds_net_raw) && !privileged {
        sink.report(
            rule_id!("net-raw"),
            doc,
            &tokens(ct, &["securityContext", "capabilities", "drop"]),
            format!("container `{name}` keeps NET_RAW"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::image_pin_problem;

    #[test]
    fn image_pinning() {
        assert!(image_pin_problem("nginx").is_some());
        assert!(image_pin_problem("nginx:latest").is_some());
        assert!(image_pin_problem("localhost:5000/nginx").is_some());
        assert!(image_pin_problem("localhost:5000/nginx:1.27").is_none());
        assert!(image_pin_problem("nginx@sha256:abc").is_none());
        assert!(image_pin_problem("ghcr.io/a/b:1.0").is_none());
    }

    /// `lint_document` skips these rules when neither practice nor security is on (so
    /// `--only types` does not walk every container); a rule of another category here would
    /// then never run. Every rule id this file reports is checked.
    #[test]
    fn every_rule_here_is_a_practice_or_security_rule() {
        use crate::lint::rules::{Category, rule};
        let source = include_str!("workload.rs");
        let source = &source[..source.find("#[cfg(test)]").unwrap()];
        let ids: Vec<&str> = source
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                s.len() > 2
                    && s.contains('-')
                    && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            })
            .filter(|s| rule(s).is_some())
            .collect();
        assert!(ids.len() >= 14, "{ids:?}");
        for id in ids {
            let category = rule(id).unwrap().category;
            assert!(
                matches!(category, Category::Practice | Category::Security),
                "{id} is a {} rule",
                category.as_str()
            );
        }
    }
}
