//! The input made importable before anything is mapped: Secrets with data left out, removed API
//! versions converted (convert.rs), and each error the lint still finds in the input silenced on
//! the object that has it (`kforge.io/ignore`, with the reason in the summary), never for the
//! whole project. The proof and golden/ compare the project with the input in this form.

use std::collections::{BTreeMap, BTreeSet};

use super::convert::{Conversion, convert};
use super::{EnvInput, Error};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::diff::Key;
use crate::lint::{Options as LintOptions, lint_rendered};
use crate::manifest::Document;
use crate::yaml::{Map, Node, Origin, Value};

/// The per-object annotation that silences lint rules (src/lint/ignore.rs).
const IGNORE: &str = "kforge.io/ignore";

/// What preparing the input changed, for the summary.
#[derive(Default)]
pub struct Prepared {
    /// Secrets not imported, each with why: `Secret name (environment) holds data ...`.
    pub secrets: Vec<String>,
    /// Objects converted from a removed API version: `Kind name: what changed`.
    pub converted: Vec<String>,
    /// Objects that carry `kforge.io/ignore` for the errors the input has: `Kind name: ...`.
    pub ignored: Vec<String>,
}

/// Leaves out Secrets with data, converts removed API versions, and annotates the objects that
/// still fail error rules. Fails when an error remains that no annotation on its object
/// silences.
pub fn prepare(inputs: &mut [EnvInput]) -> Result<Prepared, Error> {
    let mut out = Prepared::default();
    for input in inputs.iter_mut() {
        input.docs.retain(|d| match secret_left_out(d) {
            Some(why) => {
                out.secrets
                    .push(format!("{} {} ({}) {why}", d.kind, d.name, input.name));
                false
            }
            None => true,
        });
    }

    // Conversions, the same object converted alike in several environments said once.
    let mut notes: BTreeMap<(Key, String), Vec<String>> = BTreeMap::new();
    let mut refused: BTreeMap<(String, Key), String> = BTreeMap::new();
    for input in inputs.iter_mut() {
        for doc in &mut input.docs {
            let key = doc.key();
            match convert(&mut doc.node) {
                Conversion::Unchanged => {}
                Conversion::Converted(note) => {
                    notes
                        .entry((key, note))
                        .or_default()
                        .push(input.name.clone());
                }
                Conversion::Refused(why) => {
                    refused.insert((input.name.clone(), key), why);
                }
            }
        }
    }
    out.converted = with_envs(notes, inputs.len());

    // Errors the converted input still has, each silenced on its object.
    let findings = crate::par::map(inputs, |input| errors_by_object(&input.docs));
    let mut ignored: BTreeMap<(Key, String), Vec<String>> = BTreeMap::new();
    let mut unattributed = Vec::new();
    for (input, found) in inputs.iter_mut().zip(findings) {
        let (by_doc, stray) = found;
        unattributed.extend(stray);
        for (i, rules) in by_doc {
            let doc = &mut input.docs[i];
            let key = doc.key();
            let ids: Vec<&str> = rules.keys().copied().collect();
            annotate(&mut doc.node, &ids);
            let why: Vec<String> = rules
                .iter()
                .map(
                    |(id, message)| match refused.get(&(input.name.clone(), key.clone())) {
                        Some(r) if *id == "removed-api" => format!("{id}: not converted: {r}"),
                        _ => format!("{id}: {message}"),
                    },
                )
                .collect();
            let line = format!("{IGNORE}: {} ({})", ids.join(","), why.join("; "));
            ignored
                .entry((key, line))
                .or_default()
                .push(input.name.clone());
        }
    }
    if !unattributed.is_empty() {
        return Err(unsilenced(unattributed));
    }
    let annotated = !ignored.is_empty();
    out.ignored = with_envs(ignored, inputs.len());
    if !annotated {
        return Ok(out);
    }
    // An annotation silences every rule a sink reports; check that nothing is left.
    let left: Vec<Diagnostic> = crate::par::map(inputs, |input| {
        lint_rendered(&input.docs, &LintOptions::default(), None)
    })
    .into_iter()
    .flatten()
    .filter(|d| d.severity == Severity::Error)
    .collect();
    if !left.is_empty() {
        return Err(unsilenced(left));
    }
    Ok(out)
}

/// The fields of a Secret (core/v1): any other is a malformed Secret (`StringData:`), whose
/// values would be written as they are.
const SECRET_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "type",
    "immutable",
    "data",
    "stringData",
];

/// The annotation `kubectl apply` keeps the object in, as applied: a Secret's data included.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Why a Secret (`kind: Secret` in any case) is left out of the import, if it is: it holds
/// values (`data` or `stringData` anything but empty: a map, or a string or a list, malformed),
/// has a field no Secret has (a misspelled `StringData:`), or carries a copy of itself in
/// `kubectl.kubernetes.io/last-applied-configuration`. Its data is never written, from anywhere
/// in it.
fn secret_left_out(d: &Document) -> Option<String> {
    if !d.kind.eq_ignore_ascii_case("Secret") {
        return None;
    }
    let Some(fields) = d.node.as_map() else {
        return Some("is not a map of fields and is not imported".to_string());
    };
    let empty = |n: &Node| match &n.value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    };
    for (key, value) in fields {
        if !SECRET_FIELDS.contains(&key.as_str()) {
            return Some(format!(
                "has `{}`, which is not a field of a Secret (malformed: what it holds would be written as it is), and is not imported",
                crate::diag::printable(key)
            ));
        }
        if (key == "data" || key == "stringData") && !empty(value) {
            return Some("holds data and is not imported".to_string());
        }
    }
    if d.kind != "Secret" {
        return Some(format!(
            "is a Secret of kind `{}` (malformed) and is not imported",
            crate::diag::printable(&d.kind)
        ));
    }
    if d.node
        .get_path(&["metadata", "annotations", LAST_APPLIED])
        .is_some()
    {
        return Some(format!(
            "holds a copy of itself, data included, in its {LAST_APPLIED} annotation and is not imported"
        ));
    }
    None
}

/// Per document index, the error rules it fails with the first message of each (the object's
/// name left out); and the errors that name no object.
type ByObject = (
    BTreeMap<usize, BTreeMap<&'static str, String>>,
    Vec<Diagnostic>,
);

/// The error findings of one environment's input, by the object they are about. Each document
/// is linted as the component of its own index, which the findings carry back (the lint names
/// the component of the object a finding is about).
fn errors_by_object(docs: &[Document]) -> ByObject {
    let tagged: Vec<Document> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut d = d.clone();
            d.component = Some(i.to_string());
            d
        })
        .collect();
    let mut by_doc: BTreeMap<usize, BTreeMap<&'static str, String>> = BTreeMap::new();
    let mut stray = Vec::new();
    for d in lint_rendered(&tagged, &LintOptions::default(), None) {
        if d.severity != Severity::Error {
            continue;
        }
        let index = d.component.as_deref().and_then(|c| c.parse::<usize>().ok());
        match (index, d.code) {
            (Some(i), Some(code)) if i < docs.len() => {
                let label = format!("{} {}: ", docs[i].kind, docs[i].name);
                let message = d
                    .message
                    .strip_prefix(&label)
                    .unwrap_or(&d.message)
                    .to_string();
                by_doc.entry(i).or_default().entry(code).or_insert(message);
            }
            _ => stray.push(d),
        }
    }
    (by_doc, stray)
}

/// Adds `rules` to the object's `kforge.io/ignore` annotation (creating it, and the
/// annotations, if missing).
fn annotate(node: &mut Node, rules: &[&str]) {
    let Value::Map(object) = &mut node.value else {
        return;
    };
    let meta = object
        .entry("metadata".to_string())
        .or_insert_with(|| Node::new(Value::Map(Map::default()), Origin::Generated));
    let Value::Map(meta) = &mut meta.value else {
        return;
    };
    let annotations = meta
        .entry("annotations".to_string())
        .or_insert_with(|| Node::new(Value::Map(Map::default()), Origin::Generated));
    if matches!(annotations.value, Value::Null) {
        annotations.value = Value::Map(Map::default());
    }
    let Value::Map(annotations) = &mut annotations.value else {
        return;
    };
    let mut list: Vec<String> = annotations
        .get(IGNORE)
        .and_then(Node::as_str)
        .map(|s| {
            s.split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for r in rules {
        if !list.iter().any(|l| l == r) {
            list.push((*r).to_string());
        }
    }
    annotations.insert(
        IGNORE.to_string(),
        Node::new(Value::String(list.join(",")), Origin::Generated),
    );
}

/// `Kind name: line`, with the environments when not every one of `all` has it alike.
fn with_envs(lines: BTreeMap<(Key, String), Vec<String>>, all: usize) -> Vec<String> {
    lines
        .into_iter()
        .map(
            |(
                (
                    Key {
                        kind,
                        namespace: ns,
                        name,
                    },
                    line,
                ),
                envs,
            )| {
                let who = if ns.is_empty() {
                    format!("{kind} {name}")
                } else {
                    format!("{kind} {ns}/{name}")
                };
                let envs: BTreeSet<String> = envs.into_iter().collect();
                if envs.len() == all {
                    format!("{who}: {line}")
                } else {
                    format!(
                        "{who} ({}): {line}",
                        envs.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
            },
        )
        .collect()
}

/// Errors of the input that no annotation on an object silences.
fn unsilenced(mut problems: Vec<Diagnostic>) -> Error {
    for d in &mut problems {
        d.notes.push(
            "kforge import silences an error of the input only on the object that has it (kforge.io/ignore); this one it cannot: fix the input and import again"
                .to_string(),
        );
    }
    Error::Input(Diagnostics(problems))
}
