//! `automount-token` over the set: a pod mounts its service account's API token unless the pod
//! or the ServiceAccount says `automountServiceAccountToken: false` (the pod's setting wins).
//! A pod that sets `true` has opted in on purpose: at most an info.

use super::rules::rule_id;
use std::collections::HashSet;

use super::sink::Sink;
use super::workload::{pod_template_prefixes, tokens};
use crate::diag::Severity;
use crate::manifest::Document;
use crate::yaml::{Node, Value};

fn automount(n: &Node) -> Option<bool> {
    match n
        .get_path(&["automountServiceAccountToken"])
        .map(|n| &n.value)
    {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// Checks every pod of the set against its own setting and its ServiceAccount's.
pub fn check(docs: &[Document], sink: &mut Sink<'_>) {
    // (namespace, name) of the ServiceAccounts in the set that turn the token off.
    let off: HashSet<(&str, &str)> = docs
        .iter()
        .filter(|d| d.kind == "ServiceAccount" && automount(&d.node) == Some(false))
        .map(|d| (d.namespace.as_str(), d.name.as_str()))
        .collect();
    for doc in docs {
        for spec in pod_template_prefixes(&doc.kind) {
            let Some(pod) = doc.node.pointer(&spec) else {
                continue;
            };
            let at = tokens(&spec, &["automountServiceAccountToken"]);
            let account = pod
                .get_path(&["serviceAccountName"])
                .or_else(|| pod.get_path(&["serviceAccount"]))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default");
            match automount(pod) {
                Some(false) => {}
                Some(true) => sink.report_as(
                    rule_id!("automount-token"),
                    Some(Severity::Info),
                    doc,
                    &at,
                    "automountServiceAccountToken is true: the pod opted in to its service-account token".into(),
                ),
                None if off.contains(&(doc.namespace.as_str(), account)) => {}
                None => sink.report(
                    rule_id!("automount-token"),
                    doc,
                    &at,
                    format!(
                        "automountServiceAccountToken is not false, on the pod or on its ServiceAccount `{account}`"
                    ),
                ),
            }
        }
    }
}
