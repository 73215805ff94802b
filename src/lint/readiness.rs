//! `missing-readiness-probe` over the set: a readiness probe keeps a Service from sending
//! traffic to a pod before it is ready, so its absence matters where a Service selects the
//! pod (a warning); on pods no Service of the set selects (workers, consumers, agents) it is
//! at most an info.

use super::references::string_map;
use super::rules::rule_id;
use super::sink::{Sink, path};
use super::workload::{long_running_containers, template_labels_path, tokens};
use crate::diag::Severity;
use crate::manifest::Document;
use crate::yaml::Node;

/// Checks the long-running containers of every workload of the set.
pub fn check(docs: &[Document], sink: &mut Sink<'_>) {
    // (namespace, selector) of every Service that selects pods.
    let services: Vec<(&str, indexmap::IndexMap<String, String>)> = docs
        .iter()
        .filter(|d| d.kind == "Service")
        .filter(|d| {
            d.node.get_path(&["spec", "type"]).and_then(Node::as_str) != Some("ExternalName")
        })
        .map(|d| {
            (
                d.namespace.as_str(),
                string_map(d.node.get_path(&["spec", "selector"])),
            )
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    for doc in docs {
        let containers = long_running_containers(doc);
        if containers.is_empty() {
            continue;
        }
        let labels_path =
            template_labels_path(&doc.kind).unwrap_or_else(|| path(&["metadata", "labels"]));
        let labels = string_map(doc.node.pointer(&labels_path));
        let served = services.iter().any(|(ns, selector)| {
            *ns == doc.namespace && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        });
        for (ct, c) in containers {
            if c.get_path(&["readinessProbe"]).is_some() {
                continue;
            }
            let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
            let at = tokens(&ct, &["readinessProbe"]);
            if served {
                sink.report(
                    rule_id!("missing-readiness-probe"),
                    doc,
                    &at,
                    format!("container `{name}` has no readinessProbe"),
                );
            } else {
                sink.report_as(
                    rule_id!("missing-readiness-probe"),
                    Some(Severity::Info),
                    doc,
                    &at,
                    format!(
                        "container `{name}` has no readinessProbe; no Service in the set selects its pods, so none sends it traffic before it is ready"
                    ),
                );
            }
        }
    }
}
