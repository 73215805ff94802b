//! ConfigMaps, Secrets and ServiceAccounts: pods that name one the set lacks (volumes,
//! projected sources, `envFrom`, `env[].valueFrom`, `serviceAccountName`), or a key it lacks;
//! and Secrets that carry their values in the rendered output.
//!
//! A name is only judged when the set holds at least one object of its kind: a chart whose
//! Secrets are all created outside it (by an operator, `kubectl create secret`) refers to
//! them by name, and that is right. A name one edit away from an object of the set is a typo
//! (a warning with the name meant); any other name is an object deployed separately (info),
//! and nothing at all when kforge-lint.yaml declares it under `external:`. `optional: true`
//! references are never judged.

use super::rules::rule_id;
use std::collections::{HashMap, HashSet};

use super::config::{Options, REFERENCED_KINDS};
use super::sink::{Sink, path};
use super::workload::{containers, pod_template_prefixes};
use crate::diag::Severity;
use crate::manifest::Document;
use crate::yaml::{Node, Value};

/// A reference from a pod to a ConfigMap, Secret or ServiceAccount.
struct Reference {
    /// `ConfigMap`, `Secret` or `ServiceAccount`.
    kind: &'static str,
    name: String,
    /// The key, for `configMapKeyRef`/`secretKeyRef`.
    key: Option<String>,
    /// Path of the name node.
    at: Vec<String>,
}

/// The `missing-config-ref` and `missing-service-account` rules over the set.
pub fn check(docs: &[Document], opts: &Options, sink: &mut Sink<'_>) {
    // (kind, namespace, name) → the keys of the object.
    let mut present: HashMap<(&str, &str, &str), HashSet<&str>> = HashMap::new();
    // (kind, namespace) → the names of that kind there, in input order, each as (a name it is
    // referred to by, the object's name).
    let mut names: HashMap<(&str, &str), Vec<(&str, &str)>> = HashMap::new();
    let mut kinds: HashSet<&str> = HashSet::new();
    for d in docs {
        let Some(kind) = REFERENCED_KINDS.iter().find(|k| **k == d.kind) else {
            continue;
        };
        kinds.insert(kind);
        let list = names.entry((kind, d.namespace.as_str())).or_default();
        list.push((d.name.as_str(), d.name.as_str()));
        // A hash-named ConfigMap (kforge's config sets, Kustomize's generators) is referred to
        // by its plain name in values and rewritten: a typo of the plain name is a typo too.
        if let Some(plain) = without_hash_suffix(&d.name) {
            list.push((plain, d.name.as_str()));
        }
        let keys = present
            .entry((kind, d.namespace.as_str(), d.name.as_str()))
            .or_default();
        for section in ["data", "binaryData", "stringData"] {
            if let Some(m) = d.node.get_path(&[section]).and_then(Node::as_map) {
                keys.extend(m.keys().map(String::as_str));
            }
        }
    }
    if kinds.is_empty() {
        return;
    }
    for doc in docs {
        for r in references(doc) {
            if !kinds.contains(r.kind) || opts.is_external(r.kind, &r.name) {
                continue;
            }
            let rule = if r.kind == "ServiceAccount" {
                rule_id!("missing-service-account")
            } else {
                rule_id!("missing-config-ref")
            };
            let Some(keys) = present.get(&(r.kind, doc.namespace.as_str(), r.name.as_str())) else {
                let near = names
                    .get(&(r.kind, doc.namespace.as_str()))
                    .and_then(|list| one_edit_away(&r.name, list));
                match near {
                    Some((meant, full)) => sink.report(
                        rule,
                        doc,
                        &r.at,
                        if meant == full {
                            format!(
                                "{} `{}` is not in the set; did you mean `{meant}`?",
                                r.kind, r.name
                            )
                        } else {
                            format!(
                                "{} `{}` is not in the set; did you mean `{meant}` ({} `{full}`, named with a hash of its content; a reference to `{meant}` is rewritten to it)?",
                                r.kind, r.name, r.kind
                            )
                        },
                    ),
                    None => sink.report_as(
                        rule,
                        Some(Severity::Info),
                        doc,
                        &r.at,
                        format!(
                            "{} `{}` is not in the set (deployed separately? then declare it in kforge-lint.yaml: `external: [{}/{}]`)",
                            r.kind, r.name, r.kind, r.name
                        ),
                    ),
                }
                continue;
            };
            if let Some(key) = &r.key
                && !keys.contains(key.as_str())
            {
                let mut at = r.at.clone();
                at.pop();
                at.push("key".into());
                sink.report(
                    rule,
                    doc,
                    &at,
                    format!("{} `{}` has no key `{key}`", r.kind, r.name),
                );
            }
        }
    }
}

/// The object of `names` whose name, or plain name without its hash suffix, is `name` with
/// at most one edit (insertion, deletion, substitution or transposition), the first in input
/// order; exactly its name is not a near miss (it is present).
fn one_edit_away<'a>(name: &str, names: &[(&'a str, &'a str)]) -> Option<(&'a str, &'a str)> {
    names
        .iter()
        .find(|(called, full)| {
            let d = strsim::damerau_levenshtein(name, called);
            d == 1 || (d == 0 && called != full)
        })
        .copied()
}

/// `name` without a trailing `-` and 10 lowercase letters or digits with at least one digit
/// (a content hash: `krakend-krakend-7cea5a9a4b`), if it has one.
fn without_hash_suffix(name: &str) -> Option<&str> {
    let (plain, hash) = name.rsplit_once('-')?;
    (!plain.is_empty()
        && hash.len() == 10
        && hash
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && hash.bytes().any(|b| b.is_ascii_digit()))
    .then_some(plain)
}

fn optional(n: &Node) -> bool {
    matches!(
        n.get_path(&["optional"]).map(|o| &o.value),
        Some(Value::Bool(true))
    )
}

fn with(base: &[String], rest: &[&str]) -> Vec<String> {
    let mut t = base.to_vec();
    t.extend(rest.iter().map(|s| (*s).to_string()));
    t
}

/// A reference to `kind` by the `name_key` of `n` (at `at`), unless it is optional.
fn push(
    out: &mut Vec<Reference>,
    kind: &'static str,
    n: Option<&Node>,
    at: Vec<String>,
    name_key: &str,
) {
    let Some(n) = n else {
        return;
    };
    let Some(name) = n.get_path(&[name_key]).and_then(Node::as_str) else {
        return;
    };
    if optional(n) {
        return;
    }
    let key = n
        .get_path(&["key"])
        .and_then(Node::as_str)
        .map(str::to_string);
    out.push(Reference {
        kind,
        name: name.to_string(),
        key,
        at: with(&at, &[name_key]),
    });
}

/// Every non-optional ConfigMap and Secret reference of a workload's pods.
fn references(doc: &Document) -> Vec<Reference> {
    let mut out = Vec::new();
    for spec in pod_template_prefixes(&doc.kind) {
        let Some(pod) = doc.node.pointer(&spec) else {
            continue;
        };
        for (i, v) in pod.seq_at(&["volumes"]).iter().enumerate() {
            let at = with(&spec, &["volumes", &i.to_string()]);
            push(
                &mut out,
                "ConfigMap",
                v.get_path(&["configMap"]),
                with(&at, &["configMap"]),
                "name",
            );
            push(
                &mut out,
                "Secret",
                v.get_path(&["secret"]),
                with(&at, &["secret"]),
                "secretName",
            );
            for (j, s) in v.seq_at(&["projected", "sources"]).iter().enumerate() {
                let src = with(&at, &["projected", "sources", &j.to_string()]);
                push(
                    &mut out,
                    "ConfigMap",
                    s.get_path(&["configMap"]),
                    with(&src, &["configMap"]),
                    "name",
                );
                push(
                    &mut out,
                    "Secret",
                    s.get_path(&["secret"]),
                    with(&src, &["secret"]),
                    "name",
                );
            }
        }
        // `serviceAccount` is the deprecated alias, used when serviceAccountName is not set;
        // `default` exists in every namespace.
        for field in ["serviceAccountName", "serviceAccount"] {
            if let Some(name) = pod.get_path(&[field]).and_then(Node::as_str) {
                if !name.is_empty() && name != "default" {
                    out.push(Reference {
                        kind: "ServiceAccount",
                        name: name.to_string(),
                        key: None,
                        at: with(&spec, &[field]),
                    });
                }
                break;
            }
        }
        for (ct, c) in containers(&doc.node, &spec) {
            for (j, e) in c.seq_at(&["envFrom"]).iter().enumerate() {
                let at = with(&ct, &["envFrom", &j.to_string()]);
                push(
                    &mut out,
                    "ConfigMap",
                    e.get_path(&["configMapRef"]),
                    with(&at, &["configMapRef"]),
                    "name",
                );
                push(
                    &mut out,
                    "Secret",
                    e.get_path(&["secretRef"]),
                    with(&at, &["secretRef"]),
                    "name",
                );
            }
            for (j, e) in c.seq_at(&["env"]).iter().enumerate() {
                let at = with(&ct, &["env", &j.to_string(), "valueFrom"]);
                let from = |k: &str| e.get_path(&["valueFrom", k]);
                push(
                    &mut out,
                    "ConfigMap",
                    from("configMapKeyRef"),
                    with(&at, &["configMapKeyRef"]),
                    "name",
                );
                push(
                    &mut out,
                    "Secret",
                    from("secretKeyRef"),
                    with(&at, &["secretKeyRef"]),
                    "name",
                );
            }
        }
    }
    out
}

/// `secret-data`: a Secret whose values are in the chart. The source line the finding quotes
/// shows no value: what follows `data:` or `stringData:` on it is masked ([`masked`]).
pub fn secret_data(doc: &Document, sink: &mut Sink<'_>) {
    if doc.kind != "Secret" {
        return;
    }
    let doc = &masked(doc);
    for section in ["data", "stringData"] {
        if let Some(m) = doc.node.get_path(&[section]).and_then(Node::as_map)
            && !m.is_empty()
        {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            sink.report(
                rule_id!("secret-data"),
                doc,
                &path(&[section]),
                format!(
                    "the chart carries secret values in {section} ({})",
                    keys.join(", ")
                ),
            );
        }
    }
}

/// The Secret with its `data` and `stringData` keys pointing at a copy of their source line in
/// which everything after the first of them on it is `***`: a flow-style Secret
/// (`data: {password: c2VjcmV0}`, or the whole object on one line) would otherwise be quoted
/// with its values.
fn masked(doc: &Document) -> Document {
    use crate::yaml::{Origin, SourceFile};
    let mut doc = doc.clone();
    let Value::Map(fields) = &mut doc.node.value else {
        return doc;
    };
    let keys = ["data", "stringData"];
    // The first of the keys on each line: (line, column).
    let mut first: HashMap<usize, usize> = HashMap::new();
    for k in keys {
        if let Some((_, line, col)) = fields.get(k).and_then(|n| n.origin.file_line()) {
            let at = first.entry(line).or_insert(col);
            *at = (*at).min(col);
        }
    }
    for k in keys {
        let Some(node) = fields.get_mut(k) else {
            continue;
        };
        let Origin::File { file, line, col } = &node.origin else {
            continue;
        };
        let (Some(text), Some(&start)) = (file.line_text(*line), first.get(line)) else {
            continue;
        };
        // After the key (quoted or not) and its colon.
        let chars: Vec<char> = text.chars().collect();
        let mut i = start.saturating_sub(1).min(chars.len());
        if let Some(&q @ ('"' | '\'')) = chars.get(i) {
            i += 1;
            while i < chars.len() && chars[i] != q {
                i += 1 + usize::from(q == '"' && chars[i] == '\\');
            }
        }
        while i < chars.len() && chars[i] != ':' {
            i += 1;
        }
        let kept: String = chars[..(i + 1).min(chars.len())].iter().collect();
        let rest: String = chars[(i + 1).min(chars.len())..].iter().collect();
        if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
            continue;
        }
        let piece = SourceFile::piece(
            file.display.clone(),
            format!("{kept} ***"),
            line.saturating_sub(1),
        );
        node.origin = Origin::File {
            file: piece,
            line: *line,
            col: *col,
        };
    }
    doc
}
