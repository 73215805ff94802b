//! Per-object opt-out of rules by annotation.

use super::rules::Rule;
use crate::manifest::Document;
use crate::yaml::Node;

/// Per-object opt-out: `kforge.io/ignore: rule-a,rule-b` (or `all`), and kube-linter's
/// `ignore-check.kube-linter.io/<check>` for rules that are its equivalent.
pub(super) fn ignored(doc: &Document, rule: &Rule) -> bool {
    let Some(annotations) = doc
        .node
        .get_path(&["metadata", "annotations"])
        .and_then(Node::as_map)
    else {
        return false;
    };
    if let Some(list) = annotations.get("kforge.io/ignore").and_then(Node::as_str)
        && list
            .split(',')
            .map(str::trim)
            .any(|r| r == rule.id || r == "all")
    {
        return true;
    }
    rule.equivalents
        .iter()
        .filter(|(tool, _)| *tool == "kube-linter")
        .any(|(_, check)| annotations.contains_key(&format!("ignore-check.kube-linter.io/{check}")))
}
