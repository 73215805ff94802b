//! API lifecycle: apiVersions deprecated or removed in the target Kubernetes version, with
//! their replacement (from the Kubernetes deprecated-API migration guide). Objects and
//! references (an HPA's `scaleTargetRef`, a metric's `describedObject`) are both checked.

use super::config::Options;
use super::rules::rule_id;
use super::sink::{Sink, path};
use crate::manifest::Document;
use crate::yaml::Node;

/// One apiVersion of a kind that is or will be gone.
struct Api {
    api_version: &'static str,
    kind: &'static str,
    /// Minor version in which it was deprecated.
    deprecated: u32,
    /// Minor version from which it is no longer served (None: not scheduled).
    removed: Option<u32>,
    /// What to use instead.
    replacement: &'static str,
}

const fn api(
    api_version: &'static str,
    kind: &'static str,
    deprecated: u32,
    removed: Option<u32>,
    replacement: &'static str,
) -> Api {
    Api {
        api_version,
        kind,
        deprecated,
        removed,
        replacement,
    }
}

/// Every deprecated apiVersion of a built-in kind (Kubernetes 1.x minor versions).
const TABLE: &[Api] = &[
    api("extensions/v1beta1", "Deployment", 9, Some(16), "apps/v1"),
    api("extensions/v1beta1", "DaemonSet", 9, Some(16), "apps/v1"),
    api("extensions/v1beta1", "ReplicaSet", 9, Some(16), "apps/v1"),
    api(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        Some(16),
        "networking.k8s.io/v1",
    ),
    api(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        10,
        Some(16),
        "policy/v1beta1 (itself removed in 1.25; use Pod Security admission)",
    ),
    api(
        "extensions/v1beta1",
        "Ingress",
        14,
        Some(22),
        "networking.k8s.io/v1",
    ),
    api("apps/v1beta1", "Deployment", 9, Some(16), "apps/v1"),
    api("apps/v1beta1", "StatefulSet", 9, Some(16), "apps/v1"),
    api("apps/v1beta1", "ReplicaSet", 9, Some(16), "apps/v1"),
    api("apps/v1beta2", "Deployment", 9, Some(16), "apps/v1"),
    api("apps/v1beta2", "StatefulSet", 9, Some(16), "apps/v1"),
    api("apps/v1beta2", "DaemonSet", 9, Some(16), "apps/v1"),
    api("apps/v1beta2", "ReplicaSet", 9, Some(16), "apps/v1"),
    api(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        Some(22),
        "networking.k8s.io/v1",
    ),
    api(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        Some(22),
        "networking.k8s.io/v1",
    ),
    api(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        Some(22),
        "admissionregistration.k8s.io/v1",
    ),
    api(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        Some(22),
        "admissionregistration.k8s.io/v1",
    ),
    api(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        Some(22),
        "apiextensions.k8s.io/v1",
    ),
    api(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        Some(22),
        "apiregistration.k8s.io/v1",
    ),
    api(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        19,
        Some(22),
        "authentication.k8s.io/v1",
    ),
    api(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        19,
        Some(22),
        "authorization.k8s.io/v1",
    ),
    api(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        19,
        Some(22),
        "authorization.k8s.io/v1",
    ),
    api(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        19,
        Some(22),
        "authorization.k8s.io/v1",
    ),
    api(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        19,
        Some(22),
        "authorization.k8s.io/v1",
    ),
    api(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        Some(22),
        "certificates.k8s.io/v1",
    ),
    api(
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        Some(22),
        "coordination.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        Some(22),
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        Some(22),
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        Some(22),
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        Some(22),
        "rbac.authorization.k8s.io/v1",
    ),
    api(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        Some(22),
        "scheduling.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        Some(22),
        "storage.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        Some(22),
        "storage.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        Some(22),
        "storage.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        Some(22),
        "storage.k8s.io/v1",
    ),
    api("batch/v1beta1", "CronJob", 21, Some(25), "batch/v1"),
    api(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        Some(25),
        "discovery.k8s.io/v1",
    ),
    api(
        "events.k8s.io/v1beta1",
        "Event",
        22,
        Some(25),
        "events.k8s.io/v1",
    ),
    api(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        Some(25),
        "autoscaling/v2",
    ),
    api(
        "policy/v1beta1",
        "PodDisruptionBudget",
        21,
        Some(25),
        "policy/v1",
    ),
    api(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        Some(25),
        "Pod Security admission (no replacement kind)",
    ),
    api(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        20,
        Some(25),
        "node.k8s.io/v1",
    ),
    api(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        Some(26),
        "autoscaling/v2",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        Some(26),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        Some(26),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        Some(27),
        "storage.k8s.io/v1",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        Some(29),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        Some(29),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        Some(32),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        Some(32),
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    api(
        "v1",
        "ComponentStatus",
        19,
        None,
        "a health check of the components themselves",
    ),
    api(
        "v1",
        "Endpoints",
        33,
        None,
        "discovery.k8s.io/v1 EndpointSlice",
    ),
];

/// `(apiVersion, kind)` of every entry of the table.
#[cfg(test)]
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    TABLE.iter().map(|a| (a.api_version, a.kind))
}

/// Whether the table knows this apiVersion/kind (so it is not an unknown kind).
pub fn knows(api_version: &str, kind: &str) -> bool {
    find(api_version, kind).is_some()
}

/// Whether Kubernetes `kube_version` still serves this apiVersion of this kind (an apiVersion
/// the table does not list is taken as served).
pub fn served(api_version: &str, kind: &str, kube_version: (u32, u32)) -> bool {
    match (find(api_version, kind), kube_version) {
        (
            Some(Api {
                removed: Some(r), ..
            }),
            (1, minor),
        ) => minor < *r,
        _ => true,
    }
}

fn find(api_version: &str, kind: &str) -> Option<&'static Api> {
    TABLE
        .iter()
        .find(|a| a.api_version == api_version && a.kind == kind)
}

/// Lifecycle findings for one document: its own apiVersion and the ones it refers to.
pub fn check(doc: &Document, opts: &Options, sink: &mut Sink<'_>) {
    let api_version = doc
        .node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .unwrap_or("");
    judge(
        doc,
        opts,
        sink,
        api_version,
        &doc.kind,
        &path(&["apiVersion"]),
        "",
    );
    if doc.kind != "HorizontalPodAutoscaler" {
        return;
    }
    let mut refs = vec![path(&["spec", "scaleTargetRef"])];
    if let Some(crate::yaml::Value::Seq(metrics)) =
        doc.node.get_path(&["spec", "metrics"]).map(|n| &n.value)
    {
        for i in 0..metrics.len() {
            refs.push(path(&[
                "spec",
                "metrics",
                &i.to_string(),
                "object",
                "describedObject",
            ]));
        }
    }
    for r in refs {
        let Some(target) = doc.node.pointer(&r) else {
            continue;
        };
        let (Some(a), Some(k)) = (
            target.get_path(&["apiVersion"]).and_then(Node::as_str),
            target.get_path(&["kind"]).and_then(Node::as_str),
        ) else {
            continue;
        };
        let mut at = r.clone();
        at.push("apiVersion".into());
        judge(doc, opts, sink, a, k, &at, "refers to ");
    }
}

fn judge(
    doc: &Document,
    opts: &Options,
    sink: &mut Sink<'_>,
    api_version: &str,
    kind: &str,
    at: &[String],
    prefix: &str,
) {
    let Some(a) = find(api_version, kind) else {
        return;
    };
    let (major, minor) = opts.kube_version;
    if major != 1 {
        return;
    }
    match a.removed {
        Some(r) if minor >= r => sink.report(
            rule_id!("removed-api"),
            doc,
            at,
            format!(
                "{prefix}{api_version} {kind}, removed in Kubernetes 1.{r} (target 1.{minor}); use {}",
                a.replacement
            ),
        ),
        _ if minor >= a.deprecated => sink.report(
            rule_id!("deprecated-api"),
            doc,
            at,
            format!(
                "{prefix}{api_version} {kind}, deprecated since Kubernetes 1.{}{}; use {}",
                a.deprecated,
                a.removed
                    .map(|r| format!(" and removed in 1.{r}"))
                    .unwrap_or_default(),
                a.replacement
            ),
        ),
        _ => {}
    }
}
