//! Objects on deprecated or removed apiVersions get the checks of their kind's current version:
//! where the old version has the same fields, the object is read through the current version's
//! k8s-openapi type (a typo is an `unknown-field`, a wrong type an `invalid-type`); where a
//! few fields differ, those are allowed; where the shape differs, the type check is skipped and
//! the reason is given (`kforge lint --explain removed-api` lists every version and how it is
//! read). The workload, security and reference rules read the tree by kind, so they apply to
//! every old version of a workload kind.

use super::kinds::{Kind, kind};
use crate::yaml::{Node, Value};

/// How an old apiVersion's objects are type-checked.
pub enum Reading {
    /// The fields are those of the current version: read through its type.
    Same,
    /// Read through the current version's type, except: fields the old version does not
    /// require (`not_required`, as `spec.selector`, `*` for any list index) and fields only the
    /// old version has (`old_only`), which are not reported.
    Relaxed {
        not_required: &'static [&'static str],
        old_only: &'static [&'static str],
    },
    /// The shape differs from every current version (the reason): no type check; names,
    /// labels and the rules of other categories still apply.
    Different(&'static str),
}

/// An old apiVersion of a built-in kind and how it is read.
pub struct OldVersion {
    /// The old apiVersion.
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// The current apiVersion whose type reads it (empty for a kind with none).
    pub current: &'static str,
    /// How.
    pub reading: Reading,
}

const fn same(api_version: &'static str, kind: &'static str, current: &'static str) -> OldVersion {
    OldVersion {
        api_version,
        kind,
        current,
        reading: Reading::Same,
    }
}

const fn relaxed(
    api_version: &'static str,
    kind: &'static str,
    current: &'static str,
    not_required: &'static [&'static str],
    old_only: &'static [&'static str],
) -> OldVersion {
    OldVersion {
        api_version,
        kind,
        current,
        reading: Reading::Relaxed {
            not_required,
            old_only,
        },
    }
}

const fn different(api_version: &'static str, kind: &'static str, why: &'static str) -> OldVersion {
    OldVersion {
        api_version,
        kind,
        current: "",
        reading: Reading::Different(why),
    }
}

/// Every old apiVersion in the lifecycle table, with how it is read (from the Kubernetes
/// API reference of each version and the deprecated-API migration guide).
pub const OLD_VERSIONS: &[OldVersion] = &[
    // The selector defaulted to the template's labels before apps/v1beta2.
    relaxed(
        "extensions/v1beta1",
        "Deployment",
        "apps/v1",
        &["spec.selector"],
        &["spec.rollbackTo"],
    ),
    relaxed(
        "apps/v1beta1",
        "Deployment",
        "apps/v1",
        &["spec.selector"],
        &["spec.rollbackTo"],
    ),
    same("apps/v1beta2", "Deployment", "apps/v1"),
    relaxed(
        "extensions/v1beta1",
        "DaemonSet",
        "apps/v1",
        &["spec.selector"],
        &["spec.templateGeneration"],
    ),
    same("apps/v1beta2", "DaemonSet", "apps/v1"),
    relaxed(
        "extensions/v1beta1",
        "ReplicaSet",
        "apps/v1",
        &["spec.selector"],
        &[],
    ),
    same("apps/v1beta2", "ReplicaSet", "apps/v1"),
    relaxed(
        "apps/v1beta1",
        "ReplicaSet",
        "apps/v1",
        &["spec.selector"],
        &[],
    ),
    relaxed(
        "apps/v1beta1",
        "StatefulSet",
        "apps/v1",
        &["spec.selector"],
        &[],
    ),
    same("apps/v1beta2", "StatefulSet", "apps/v1"),
    same(
        "extensions/v1beta1",
        "NetworkPolicy",
        "networking.k8s.io/v1",
    ),
    different(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        "PodSecurityPolicy was removed without a replacement kind",
    ),
    different(
        "policy/v1beta1",
        "PodSecurityPolicy",
        "PodSecurityPolicy was removed without a replacement kind",
    ),
    different(
        "extensions/v1beta1",
        "Ingress",
        "backends are `serviceName`/`servicePort` and `pathType` is optional (ingress-backend reads the old backends)",
    ),
    different(
        "networking.k8s.io/v1beta1",
        "Ingress",
        "backends are `serviceName`/`servicePort` and `pathType` is optional (ingress-backend reads the old backends)",
    ),
    same(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        "networking.k8s.io/v1",
    ),
    // v1 made sideEffects and admissionReviewVersions required (v1beta1 defaulted them).
    relaxed(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        &[
            "webhooks.*.sideEffects",
            "webhooks.*.admissionReviewVersions",
        ],
        &[],
    ),
    relaxed(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1",
        &[
            "webhooks.*.sideEffects",
            "webhooks.*.admissionReviewVersions",
        ],
        &[],
    ),
    different(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "`validation`, `version` and `additionalPrinterColumns` sit at the top of the spec, and a schema is optional",
    ),
    same(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        "apiregistration.k8s.io/v1",
    ),
    same(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        "authentication.k8s.io/v1",
    ),
    same(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        "authorization.k8s.io/v1",
    ),
    same(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        "authorization.k8s.io/v1",
    ),
    same(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        "authorization.k8s.io/v1",
    ),
    same(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        "authorization.k8s.io/v1",
    ),
    // v1 requires a signerName (v1beta1 defaulted it).
    relaxed(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "certificates.k8s.io/v1",
        &["spec.signerName"],
        &[],
    ),
    same(
        "coordination.k8s.io/v1beta1",
        "Lease",
        "coordination.k8s.io/v1",
    ),
    same(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        "rbac.authorization.k8s.io/v1",
    ),
    same(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io/v1",
    ),
    same(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        "rbac.authorization.k8s.io/v1",
    ),
    same(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        "rbac.authorization.k8s.io/v1",
    ),
    same(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        "scheduling.k8s.io/v1",
    ),
    same("storage.k8s.io/v1beta1", "CSIDriver", "storage.k8s.io/v1"),
    same("storage.k8s.io/v1beta1", "CSINode", "storage.k8s.io/v1"),
    same(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        "storage.k8s.io/v1",
    ),
    same(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        "storage.k8s.io/v1",
    ),
    same(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "storage.k8s.io/v1",
    ),
    same("batch/v1beta1", "CronJob", "batch/v1"),
    different(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "endpoints carry `topology` instead of `nodeName` and `zone`",
    ),
    same("events.k8s.io/v1beta1", "Event", "events.k8s.io/v1"),
    different(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "metrics use `targetAverageUtilization`/`targetAverageValue` instead of `target`",
    ),
    same(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
    ),
    same("policy/v1beta1", "PodDisruptionBudget", "policy/v1"),
    same("node.k8s.io/v1beta1", "RuntimeClass", "node.k8s.io/v1"),
    same(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    different(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        "`limited.assuredConcurrencyShares` instead of `nominalConcurrencyShares`",
    ),
    same(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    different(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "`limited.assuredConcurrencyShares` instead of `nominalConcurrencyShares`",
    ),
    same(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    same(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

/// The entry of an old apiVersion of `kind`, if it is one.
pub fn old_version(api_version: &str, kind: &str) -> Option<&'static OldVersion> {
    OLD_VERSIONS
        .iter()
        .find(|o| o.api_version == api_version && o.kind == kind)
}

impl OldVersion {
    /// The current kind whose type reads this version, unless the shape differs.
    pub fn current_kind(&self) -> Option<Kind> {
        match self.reading {
            Reading::Different(_) => None,
            _ => kind(self.current, self.kind),
        }
    }

    /// Whether the finding of `rule` at `tokens` (for `missing-required`, the object's path
    /// and the field) is moot in this old version.
    pub fn allows(&self, rule: &str, tokens: &[String]) -> bool {
        let Reading::Relaxed {
            not_required,
            old_only,
        } = &self.reading
        else {
            return false;
        };
        let list = match rule {
            "missing-required" => not_required,
            "unknown-field" => old_only,
            _ => return false,
        };
        let dotted: Vec<&str> = tokens
            .iter()
            .map(|t| {
                if t.parse::<usize>().is_ok() {
                    "*"
                } else {
                    t.as_str()
                }
            })
            .collect();
        let dotted = dotted.join(".");
        list.iter()
            .any(|p| dotted == *p || dotted.starts_with(&format!("{p}.")))
    }

    /// One line for `--explain`: how the version is read.
    pub fn describe(&self) -> String {
        let head = format!("{} {}", self.api_version, self.kind);
        match &self.reading {
            Reading::Same => format!("{head}: read as {} (same fields)", self.current),
            Reading::Relaxed {
                not_required,
                old_only,
            } => {
                let mut parts = Vec::new();
                if !not_required.is_empty() {
                    parts.push(format!("{} not required", not_required.join(", ")));
                }
                if !old_only.is_empty() {
                    parts.push(format!("{} allowed", old_only.join(", ")));
                }
                format!("{head}: read as {}, {}", self.current, parts.join("; "))
            }
            Reading::Different(why) => format!("{head}: fields not type-checked: {why}"),
        }
    }
}

/// `node` with its apiVersion replaced by `api_version` (the current version's type checks
/// that it reads its own apiVersion).
pub fn as_current(node: &Node, api_version: &str) -> Node {
    let mut copy = node.clone();
    if let Value::Map(m) = &mut copy.value
        && let Some(v) = m.get_mut("apiVersion")
    {
        v.value = Value::String(api_version.to_string());
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every old version is in the lifecycle table, and every current version it names is a
    /// kind k8s-openapi knows (so no object silently loses its type check).
    #[test]
    fn every_old_version_is_read_by_a_known_kind_or_says_why_not() {
        for o in OLD_VERSIONS {
            assert!(
                super::super::lifecycle::knows(o.api_version, o.kind),
                "{} {}",
                o.api_version,
                o.kind
            );
            match o.reading {
                Reading::Different(_) => {}
                _ => assert!(o.current_kind().is_some(), "{}", o.describe()),
            }
        }
    }

    /// Every deprecated version of the lifecycle table whose kind is not current is here.
    #[test]
    fn every_version_of_the_lifecycle_table_is_here_or_current() {
        for (api, k) in super::super::lifecycle::entries() {
            assert!(
                old_version(api, k).is_some() || kind(api, k).is_some(),
                "{api} {k}"
            );
        }
    }

    #[test]
    fn relaxed_paths_match_list_indexes() {
        let o = old_version(
            "admissionregistration.k8s.io/v1beta1",
            "ValidatingWebhookConfiguration",
        )
        .unwrap();
        let t = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert!(o.allows("missing-required", &t("webhooks.3.sideEffects")));
        assert!(!o.allows("missing-required", &t("webhooks.3.name")));
        assert!(!o.allows("unknown-field", &t("webhooks.3.sideEffects")));
    }
}
