//! Type check against k8s-openapi: every object of a built-in kind is deserialised into its
//! Kubernetes type (see `deserialize`), its required fields are checked against the kind's
//! schema, and field formats the types do not check (names, labels, ports, quantities) are
//! checked on the tree.

use super::config::Options;
use super::deserialize::deserialize_all;
use super::kinds::{KNOWN, kind};
use super::lifecycle;
use super::names::name_problem;
use super::old_versions::{as_current, old_version};
use super::provenance::scalar_text;
use super::rules::RuleId;
use super::rules::rule_id;
use super::schema::{fields_at, missing_required};
use super::sink::{Sink, path};
use super::workload;
use crate::diag::did_you_mean;
use crate::manifest::Document;
use crate::yaml::{Node, Value, display_key_path};

/// Checks one document; returns whether it is a built-in kind (so the workload rules apply; they
/// read the tree defensively and do not need it to be well-typed).
pub fn check(doc: &Document, opts: &Options, sink: &mut Sink<'_>) -> bool {
    for (origin, message) in &doc.duplicate_keys {
        sink.report_at(rule_id!("duplicate-key"), doc, origin, message.clone());
    }
    let api = doc
        .node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .unwrap_or("");
    if doc.node.as_map().is_none() {
        sink.report(
            rule_id!("missing-kind"),
            doc,
            &[],
            format!(
                "a Kubernetes object must be a map, not a {}",
                doc.node.value.type_name()
            ),
        );
        return false;
    }
    if api.is_empty() || doc.kind.is_empty() {
        for (field, missing) in [
            ("kind", doc.kind.is_empty()),
            ("apiVersion", api.is_empty()),
        ] {
            if missing {
                sink.report(
                    rule_id!("missing-kind"),
                    doc,
                    &path(&[field]),
                    format!("missing or empty `{field}`"),
                );
            }
        }
        return false;
    }
    // An old apiVersion is read through its current version's type where the fields are
    // the same (old_versions.rs); the lifecycle rules report the version itself.
    let old = old_version(api, &doc.kind);
    let Some(known) = kind(api, &doc.kind).or_else(|| old.and_then(|o| o.current_kind())) else {
        if old.is_some() {
            formats(doc, sink);
            return true;
        }
        if lifecycle::knows(api, &doc.kind) || opts.allow_unknown_kinds {
            return false;
        }
        let same_kind: Vec<&str> = KNOWN
            .iter()
            .filter(|(_, k)| *k == doc.kind)
            .map(|(a, _)| *a)
            .collect();
        let message = if !same_kind.is_empty() {
            format!(
                "apiVersion `{api}` has no kind {}; it is served as {}",
                doc.kind,
                same_kind.join(", ")
            )
        } else if let Some(k) = did_you_mean(&doc.kind, KNOWN.iter().map(|(_, k)| *k)) {
            format!("unknown kind `{}` in {api}; did you mean `{k}`?", doc.kind)
        } else {
            format!(
                "`{api}` `{}` is not a built-in Kubernetes kind (a custom resource needs `allowUnknownKinds: true` in kforge-lint.yaml{})",
                doc.kind,
                if opts.lint_flags {
                    ", or --allow-unknown-kinds"
                } else {
                    ""
                }
            )
        };
        sink.report(rule_id!("unknown-kind"), doc, &path(&["kind"]), message);
        return false;
    };
    let moot = |id: RuleId, tokens: &[String]| old.is_some_and(|o| o.allows(id.as_str(), tokens));
    for (tokens, field) in missing_required(known.schema, &doc.node) {
        let mut full = tokens.clone();
        full.push(field.clone());
        if moot(rule_id!("missing-required"), &full) {
            continue;
        }
        let within = if tokens.is_empty() {
            "the object".to_string()
        } else {
            format!("`{}`", display_key_path(&tokens))
        };
        sink.report(
            rule_id!("missing-required"),
            doc,
            &tokens,
            format!("missing required field `{field}` in {within}"),
        );
    }
    let current = old.map(|o| as_current(&doc.node, o.current));
    let read = current.as_ref().unwrap_or(&doc.node);
    let findings = deserialize_all(known.check, read);
    let right_for_kubectl = super::yaml11::check(doc, read, known.check, &findings, sink);
    for (tokens, id, mut message) in findings {
        if moot(id, &tokens)
            || (id == rule_id!("invalid-type") && right_for_kubectl.contains(&tokens))
        {
            continue;
        }
        if id == rule_id!("unknown-field")
            && let Some((field, parent)) = tokens.split_last()
            && let Some(s) = did_you_mean(field, fields_at(known.schema, parent))
        {
            message.push_str(&format!("; did you mean `{s}`?"));
        }
        sink.report(id, doc, &tokens, message);
    }
    formats(doc, sink);
    true
}

/// Names, labels, ports and quantities.
fn formats(doc: &Document, sink: &mut Sink<'_>) {
    if let Some(name) = doc
        .node
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        && let Some(problem) = name_problem(&doc.kind, name)
    {
        sink.report(
            rule_id!("invalid-name"),
            doc,
            &path(&["metadata", "name"]),
            format!("name `{name}` {problem}"),
        );
    }
    let mut label_maps = vec![path(&["metadata", "labels"])];
    label_maps.extend(workload::template_labels_path(&doc.kind));
    label_maps.push(path(&["spec", "selector", "matchLabels"]));
    for tokens in label_maps {
        let Some(map) = doc.node.pointer(&tokens).and_then(Node::as_map) else {
            continue;
        };
        for (k, v) in map {
            let at = || [&tokens[..], std::slice::from_ref(k)].concat();
            if let Some(problem) = label_key_problem(k) {
                sink.report(
                    rule_id!("invalid-label"),
                    doc,
                    &at(),
                    format!("label key `{k}`: {problem}"),
                );
            }
            let text = scalar_text(v);
            if let Some(text) = text
                && !is_label_value(&text)
            {
                sink.report(
                        rule_id!("invalid-label"),
                        doc,
                        &at(),
                        format!(
                            "label value `{text}` must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric"
                        ),
                    );
            }
        }
    }
    annotations(doc, sink);
    for spec in workload::pod_template_prefixes(&doc.kind) {
        for (ctokens, container) in workload::containers(&doc.node, &spec) {
            container_formats(doc, sink, &ctokens, container);
        }
    }
    if doc.kind == "Service"
        && let Some(Value::Seq(ports)) = doc.node.get_path(&["spec", "ports"]).map(|n| &n.value)
    {
        for (i, p) in ports.iter().enumerate() {
            for field in ["port", "targetPort", "nodePort"] {
                let at = path(&["spec", "ports", &i.to_string(), field]);
                // 0 is the API's "unset" for nodePort (allocate one) and targetPort (= port).
                let unset = matches!(p.get_path(&[field]).map(|n| &n.value), Some(Value::Int(0)));
                if let Some(n) = p.get_path(&[field]).filter(|_| !(unset && field != "port")) {
                    port_value(doc, sink, &at, n);
                }
            }
        }
    }
    int_or_percent(doc, sink);
}

/// The most an object's annotations may hold, keys and values together
/// (`TotalAnnotationSizeLimitB`).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// `ValidateAnnotations` on metadata.annotations and a pod template's: each key a qualified
/// name (lower-cased first, unlike a label key), and at most 256 KiB in all.
fn annotations(doc: &Document, sink: &mut Sink<'_>) {
    let mut maps = vec![path(&["metadata", "annotations"])];
    if let Some(mut labels) = workload::template_labels_path(&doc.kind) {
        labels.pop();
        labels.push("annotations".into());
        maps.push(labels);
    }
    for tokens in maps {
        let Some(map) = doc.node.pointer(&tokens).and_then(Node::as_map) else {
            continue;
        };
        let mut total = 0;
        for (k, v) in map {
            total += k.len() + scalar_text(v).map_or(0, |t| t.len());
            if let Some(problem) = label_key_problem(&k.to_lowercase()) {
                sink.report(
                    rule_id!("invalid-annotation"),
                    doc,
                    &[&tokens[..], std::slice::from_ref(k)].concat(),
                    format!("annotation key `{k}`: {problem}"),
                );
            }
        }
        if total > ANNOTATIONS_MAX_BYTES {
            sink.report(
                rule_id!("invalid-annotation"),
                doc,
                &tokens,
                format!("the annotations hold {total} bytes: may not have more than {ANNOTATIONS_MAX_BYTES} bytes"),
            );
        }
    }
}

/// IntOrString fields that take a count or a percentage: as strings they must be `N%`
/// (the API server rejects "25", "25 %" or "half").
fn int_or_percent(doc: &Document, sink: &mut Sink<'_>) {
    // (field, whether upstream also caps a percentage at 100%: `IsNotMoreThan100Percent`)
    let fields: &[(&[&str], bool)] = match doc.kind.as_str() {
        "Deployment" => &[
            (&["spec", "strategy", "rollingUpdate", "maxSurge"], false),
            (
                &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
                true,
            ),
        ],
        "DaemonSet" => &[
            (
                &["spec", "updateStrategy", "rollingUpdate", "maxSurge"],
                false,
            ),
            (
                &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
                true,
            ),
        ],
        "StatefulSet" => &[(
            &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
            true,
        )],
        "PodDisruptionBudget" => &[
            (&["spec", "minAvailable"], true),
            (&["spec", "maxUnavailable"], true),
        ],
        _ => &[],
    };
    for (field, capped) in fields {
        if let Some(n) = doc.node.get_path(field)
            && let Some(problem) = int_or_percent_problem(&n.value, *capped)
        {
            sink.report(
                rule_id!("invalid-int-or-percent"),
                doc,
                &path(field),
                problem,
            );
        }
    }
}

/// What the API server finds wrong with an IntOrString count or percentage
/// (`ValidatePositiveIntOrPercent`, and `IsNotMoreThan100Percent` where `capped`).
fn int_or_percent_problem(value: &Value, capped: bool) -> Option<String> {
    let s = match value {
        Value::Int(i) if *i < 0 => return Some(format!("{i}: must be greater than or equal to 0")),
        Value::String(s) => s,
        _ => return None,
    };
    let digits = s.strip_suffix('%').unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let hint = if s.trim().parse::<u64>().is_ok() {
            "; a count is written as a number, without quotes"
        } else {
            ""
        };
        return Some(format!(
            "`{s}` must be a whole number or a percentage like `25%`{hint}"
        ));
    }
    let over = digits.parse::<u64>().map_or(true, |p| p > 100);
    (capped && over).then(|| format!("`{s}`: must not be greater than 100%"))
}

fn container_formats(doc: &Document, sink: &mut Sink<'_>, ctokens: &[String], c: &Node) {
    if let Some(Value::Seq(ports)) = c.get_path(&["ports"]).map(|n| &n.value) {
        for (i, p) in ports.iter().enumerate() {
            let mut at = ctokens.to_vec();
            at.extend(path(&["ports", &i.to_string()]));
            if let Some(n) = p.get_path(&["containerPort"]) {
                let mut t = at.clone();
                t.push("containerPort".into());
                port_value(doc, sink, &t, n);
            }
            if let Some(name) = p.get_path(&["name"]).and_then(Node::as_str)
                && !is_port_name(name)
            {
                let mut t = at.clone();
                t.push("name".into());
                sink.report(
                    rule_id!("invalid-port"),
                    doc,
                    &t,
                    format!("port name `{name}` is not a valid IANA service name"),
                );
            }
        }
    }
    super::resources::check(doc, sink, ctokens, c);
    for kind in ["requests", "limits"] {
        let Some(map) = c.get_path(&["resources", kind]).and_then(Node::as_map) else {
            continue;
        };
        for (res, v) in map {
            let Some(text) = scalar_text(v) else { continue };
            if !is_quantity(&text) {
                let mut t = ctokens.to_vec();
                t.extend(path(&["resources", kind, res]));
                sink.report(
                    rule_id!("invalid-quantity"),
                    doc,
                    &t,
                    format!("`{text}` is not a Kubernetes quantity"),
                );
            }
        }
    }
}

fn port_value(doc: &Document, sink: &mut Sink<'_>, at: &[String], n: &Node) {
    match &n.value {
        Value::Int(i) if !(1..=65535).contains(i) => sink.report(
            rule_id!("invalid-port"),
            doc,
            at,
            format!("port {i} is outside 1-65535"),
        ),
        Value::String(s) if !is_port_name(s) => {
            let hint = if s.parse::<i64>().is_ok() {
                " (a number written as a string; remove the quotes)"
            } else {
                ""
            };
            sink.report(
                rule_id!("invalid-port"),
                doc,
                at,
                format!("port name `{s}` is not a valid IANA service name{hint}"),
            );
        }
        _ => {}
    }
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn label_key_problem(k: &str) -> Option<&'static str> {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix
        && !is_dns_subdomain(p)
    {
        return Some("the prefix before `/` must be a DNS-1123 subdomain");
    }
    if name.is_empty() || name.len() > 63 {
        return Some("the name must be 1 to 63 characters");
    }
    if !is_label_value(name) {
        return Some("the name may hold [A-Za-z0-9-_.] only, starting and ending alphanumeric");
    }
    None
}

fn is_label_value(v: &str) -> bool {
    let b = v.as_bytes();
    v.len() <= 63
        && (v.is_empty()
            || (b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))))
}

/// IANA_SVC_NAME: at most 15 characters, [a-z0-9-], at least one letter, no `-` at either end
/// and no `--`.
fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Kubernetes resource.Quantity syntax: a signed decimal number, then a binary suffix (Ki..Ei),
/// a decimal suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-2).
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return false;
    }
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti"
        | "Pi" | "Ei" => true,
        _ => {
            let Some(exp) = suffix.strip_prefix(['e', 'E']) else {
                return false;
            };
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        for q in ["500m", "1", "0.5", "128Mi", "1e3", "1.5Gi", "+1", ".5"] {
            assert!(is_quantity(q), "{q}");
        }
        for q in ["", "m", "1x", "1.2.3", "Mi", "1e", "1 Gi"] {
            assert!(!is_quantity(q), "{q}");
        }
        assert!(is_port_name("http") && is_port_name("h2c-8080"));
        assert!(!is_port_name("8080") && !is_port_name("http--x") && !is_port_name("Http"));
        assert!(is_dns_subdomain("a.b-c") && !is_dns_subdomain("A") && !is_dns_label("a.b"));
        assert_eq!(label_key_problem("app.kubernetes.io/name"), None);
        assert!(label_key_problem("-x").is_some() && label_key_problem("a/").is_some());
    }
}
