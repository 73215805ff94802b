//! Unrendered templates given to `kforge lint`: a Helm chart's `templates/` or a kforge
//! project's `chart-templates/`. They are named as such once per file, at the first
//! placeholder, with the command that renders them, instead of a YAML error per placeholder
//! (`{{ template "x" . }}` as a value is a flow map used as a key) or a finding on each
//! quoted placeholder (`name: "{{ .Release.Name }}-test"` is no valid name).
//!
//! Only placeholders of these template languages count: `{{ $labels.instance }}` in a
//! Prometheus rule or `{{instance}}` in a Grafana dashboard is the data of a real object.

use std::collections::HashSet;

use crate::diag::Diagnostic;
use crate::yaml::{Node, Origin, Value};

/// The tool that renders a template.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Renderer {
    /// A Helm chart (Go templates over `.Values`, `.Release`, ...).
    Helm,
    /// A kforge project (minijinja over `values`, `component`, ...).
    Kforge,
}

/// What in a scalar marks it as a Helm template.
const HELM: &[&str] = &[
    ".Values",
    ".Release.",
    ".Chart.",
    ".Capabilities.",
    ".Files.",
    ".Template.",
    "include \"",
    "template \"",
    "toYaml ",
    "tpl ",
];

/// What marks a kforge (minijinja) template.
const KFORGE: &[&str] = &[
    "{%",
    "{{ values.",
    "{{ component.",
    "{{ chart.",
    "{{ environment.",
    "{{ h.",
];

/// The renderer of the template placeholder in `text`, if it holds one.
pub fn marker(text: &str) -> Option<Renderer> {
    if !text.contains("{{") && !text.contains("{%") {
        return None;
    }
    if KFORGE.iter().any(|m| text.contains(m)) {
        Some(Renderer::Kforge)
    } else if text.contains("{{") && HELM.iter().any(|m| text.contains(m)) {
        Some(Renderer::Helm)
    } else {
        None
    }
}

/// The first scalar or key of `node` that holds a placeholder: its origin, its text and the
/// renderer.
pub fn first_in(node: &Node) -> Option<(Origin, String, Renderer)> {
    match &node.value {
        Value::String(s) => marker(s).map(|r| (node.origin.clone(), s.clone(), r)),
        Value::Map(m) => m.iter().find_map(|(k, v)| {
            marker(k)
                .map(|r| (v.origin.clone(), k.clone(), r))
                .or_else(|| first_in(v))
        }),
        Value::Seq(items) => items.iter().find_map(first_in),
        _ => None,
    }
}

/// The first line of `text` (a piece of a file starting after line `first_line`) that holds
/// a placeholder, with its renderer.
pub fn first_line_in(text: &str, first_line: usize) -> Option<(usize, String, Renderer)> {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| marker(l).map(|r| (first_line + i + 1, l.trim().to_string(), r)))
}

/// The message of a file that is an unrendered template, and the fix naming the command.
/// `parsed`: the file is YAML as it is (its placeholders are quoted), so its objects were
/// checked but for the placeholders.
pub fn message(
    file: &str,
    placeholder: &str,
    renderer: Renderer,
    parsed: bool,
) -> (String, String) {
    let shown: String = placeholder.chars().take(60).collect();
    let checked = if parsed {
        "its objects are checked, their placeholders are not"
    } else {
        "it is not YAML until rendered, so nothing in it was checked"
    };
    match renderer {
        Renderer::Helm => (
            format!("{file} is an unrendered Helm template (`{shown}`); {checked}"),
            "lint what the chart renders to: `helm template RELEASE CHART_DIR | kforge lint -`".into(),
        ),
        Renderer::Kforge => (
            format!("{file} is an unrendered kforge template (`{shown}`); {checked}"),
            "lint the project's rendered environments: `kforge lint -e ENV` in the project (`kforge render -e ENV` shows what they render to)".into(),
        ),
    }
}

/// Keeps the first `unrendered-template` finding of each file (a file read in pieces, or
/// of several documents, has one per piece or document).
pub fn once_per_file(findings: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    findings.retain(|d| {
        if d.code != Some("unrendered-template") {
            return true;
        }
        let file = d
            .origin
            .as_ref()
            .and_then(Origin::file_line)
            .map(|(f, _, _)| f.display.clone())
            .unwrap_or_default();
        seen.insert(file)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_of_template_languages_only() {
        assert_eq!(marker("{{ .Values.image }}"), Some(Renderer::Helm));
        assert_eq!(
            marker("{{- include \"x.labels\" . | nindent 4 }}"),
            Some(Renderer::Helm)
        );
        assert_eq!(marker("{% if values.x %}"), Some(Renderer::Kforge));
        assert_eq!(marker("{{ values.image.tag }}"), Some(Renderer::Kforge));
        // Prometheus and Grafana templates are data.
        assert_eq!(marker("{{ $labels.instance }} is down"), None);
        assert_eq!(marker("{{ printf \"%.2f\" $value }}"), None);
        assert_eq!(marker("{{instance}}"), None);
        assert_eq!(marker("plain"), None);
    }
}
