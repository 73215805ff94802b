//! Type check against k8s-openapi: every object of a kind we know is deserialised into its
//! Kubernetes type. Wrong types are reported with their JSON path; unknown fields (which
//! k8s-openapi silently ignores) are caught with serde_ignored, so a typo never passes.
//! Missing required fields are not checked here (k8s-openapi does not enforce them).

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::diag::Diagnostic;
use crate::render::Document;
use crate::yaml::{Node, display_key_path, to_json};

/// Problems of one document: `(key path tokens, message)`.
type Findings = Vec<(Vec<String>, String)>;

/// Type-checks every document; objects of kinds not in the table are left to later stages.
pub fn check_types(docs: &[Document]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for doc in docs {
        let api = doc
            .node
            .get_path(&["apiVersion"])
            .and_then(Node::as_str)
            .unwrap_or("");
        let json = to_json(&doc.node);
        let findings = match (api, doc.kind.as_str()) {
            ("apps/v1", "Deployment") => check::<Deployment>(json),
            ("apps/v1", "StatefulSet") => check::<StatefulSet>(json),
            ("apps/v1", "DaemonSet") => check::<DaemonSet>(json),
            ("v1", "Service") => check::<Service>(json),
            ("v1", "ServiceAccount") => check::<ServiceAccount>(json),
            ("v1", "ConfigMap") => check::<ConfigMap>(json),
            ("v1", "Secret") => check::<Secret>(json),
            ("v1", "Pod") => check::<Pod>(json),
            ("batch/v1", "Job") => check::<Job>(json),
            ("batch/v1", "CronJob") => check::<CronJob>(json),
            ("networking.k8s.io/v1", "Ingress") => check::<Ingress>(json),
            ("networking.k8s.io/v1", "NetworkPolicy") => check::<NetworkPolicy>(json),
            ("autoscaling/v2", "HorizontalPodAutoscaler") => check::<HorizontalPodAutoscaler>(json),
            ("policy/v1", "PodDisruptionBudget") => check::<PodDisruptionBudget>(json),
            _ => continue,
        };
        for (tokens, message) in findings {
            let key = display_key_path(&tokens);
            // Point at the deepest node that exists (an unknown field's parent at worst).
            let node = (0..=tokens.len())
                .rev()
                .find_map(|n| doc.node.pointer(&tokens[..n]))
                .unwrap_or(&doc.node);
            out.push(
                Diagnostic::error(format!("{} {}: {message}", doc.kind, doc.name))
                    .at(node.origin.clone())
                    .key(key),
            );
        }
    }
    out
}

fn check<T: DeserializeOwned>(json: Json) -> Findings {
    let mut findings = Vec::new();
    let mut unknown = Vec::new();
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_tokens(&path));
    let ignored = serde_ignored::Deserializer::new(json, &mut record);
    let result = serde_path_to_error::deserialize::<_, T>(ignored);
    if let Err(e) = result {
        let tokens = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        findings.push((tokens, format!("{}", e.inner())));
    }
    for tokens in unknown {
        let field = tokens.last().cloned().unwrap_or_default();
        findings.push((
            tokens,
            format!("unknown field `{field}` (not in the Kubernetes API type)"),
        ));
    }
    findings
}

fn ignored_tokens(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    let mut tokens = Vec::new();
    let mut cur = path;
    loop {
        match cur {
            Path::Root => break,
            Path::Seq { parent, index } => {
                tokens.push(index.to_string());
                cur = parent;
            }
            Path::Map { parent, key } => {
                tokens.push(key.clone());
                cur = parent;
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => {
                cur = parent;
            }
        }
    }
    tokens.reverse();
    tokens
}
