//! Custom resources checked against their CustomResourceDefinitions: every CRD of the linted
//! set (or given with `--crd`, or `crds:` in kforge-lint.yaml) has the `openAPIV3Schema` of
//! each version compiled once per run (with boon, as JSON Schema draft 4, the dialect of
//! OpenAPI 3.0 schemas), and every custom resource of that group, version and kind is validated
//! against it: types, required, enum, minimum/maximum, pattern, formats, additionalProperties,
//! nullable, x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields, and unknown
//! fields (strict, as for built-in kinds: a structural schema prunes them silently).

use std::collections::HashMap;

use boon::{Compiler, Draft, ErrorKind, SchemaIndex, Schemas, ValidationError};
use serde_json::{Map, Value as Json, json};

use super::sink::{Sink, path};
use crate::manifest::Document;
use crate::yaml::{display_key_path, to_json};

/// The compiled schemas of a set of CRDs, by (apiVersion, kind) of the resources they define.
pub struct CrdSchemas {
    schemas: Schemas,
    by_type: HashMap<(String, String), SchemaIndex>,
}

/// A CRD version's schema that could not be compiled: where, and why.
pub struct BadSchema<'a> {
    /// The CRD.
    pub doc: &'a Document,
    /// Key path of the schema in it.
    pub at: Vec<String>,
    /// The compiler's message.
    pub message: String,
}

impl CrdSchemas {
    /// Compiles the schema of every served version of every CRD among `docs`; returns them with
    /// the schemas that would not compile.
    pub fn compile<'a>(docs: impl Iterator<Item = &'a Document>) -> (Self, Vec<BadSchema<'a>>) {
        let mut compiler = Compiler::new();
        compiler.set_default_draft(Draft::V4);
        compiler.enable_format_assertions();
        let mut pending = Vec::new();
        for doc in docs.filter(|d| d.kind == "CustomResourceDefinition") {
            let crd = to_json(&doc.node);
            let (Some(group), Some(kind)) = (
                crd.pointer("/spec/group").and_then(Json::as_str),
                crd.pointer("/spec/names/kind").and_then(Json::as_str),
            ) else {
                continue;
            };
            let Some(versions) = crd.pointer("/spec/versions").and_then(Json::as_array) else {
                continue;
            };
            for (i, v) in versions.iter().enumerate() {
                let (Some(name), Some(schema)) = (
                    v.get("name").and_then(Json::as_str),
                    v.pointer("/schema/openAPIV3Schema"),
                ) else {
                    continue;
                };
                let url = format!("file:///crd/{group}/{name}/{kind}.json");
                let at = path(&[
                    "spec",
                    "versions",
                    &i.to_string(),
                    "schema",
                    "openAPIV3Schema",
                ]);
                let mut converted = convert(schema, true);
                if let Some(o) = converted.as_object_mut() {
                    o.insert(
                        "$schema".into(),
                        json!("http://json-schema.org/draft-04/schema#"),
                    );
                }
                pending.push((
                    doc,
                    at,
                    url,
                    format!("{group}/{name}"),
                    kind.to_string(),
                    converted,
                ));
            }
        }
        let mut schemas = Schemas::new();
        let mut by_type = HashMap::new();
        let mut bad = Vec::new();
        for (doc, at, url, api, kind, schema) in pending {
            let compiled = compiler
                .add_resource(&url, schema)
                .map_err(|e| format!("{e:#}"))
                .and_then(|()| {
                    compiler
                        .compile(&url, &mut schemas)
                        .map_err(|e| format!("{e:#}"))
                });
            match compiled {
                Ok(index) => {
                    by_type.insert((api, kind), index);
                }
                Err(message) => bad.push(BadSchema { doc, at, message }),
            }
        }
        (Self { schemas, by_type }, bad)
    }

    /// Whether no custom resource type is known.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// Validates `doc` if a CRD defines its type (then returns true); every violation is a
    /// `crd-schema` finding.
    pub fn check(&self, doc: &Document, sink: &mut Sink<'_>) -> bool {
        let api = doc
            .node
            .get_path(&["apiVersion"])
            .and_then(crate::yaml::Node::as_str)
            .unwrap_or("");
        let Some(&index) = self.by_type.get(&(api.to_string(), doc.kind.clone())) else {
            return false;
        };
        let json = to_json(&doc.node);
        if let Err(err) = self.schemas.validate(&json, index) {
            let mut found = Vec::new();
            leaves(&err, &mut found);
            found.sort();
            found.dedup();
            for (tokens, message) in found {
                sink.report("crd-schema", doc, &tokens, message);
            }
        }
        true
    }
}

/// The violations under `err`: (key path, message), one per leaf error.
fn leaves(err: &ValidationError, out: &mut Vec<(Vec<String>, String)>) {
    if !err.causes.is_empty()
        && matches!(
            err.kind,
            ErrorKind::Group
                | ErrorKind::Schema { .. }
                | ErrorKind::Reference { .. }
                | ErrorKind::AllOf
        )
    {
        for c in &err.causes {
            leaves(c, out);
        }
        return;
    }
    let tokens: Vec<String> = err
        .instance_location
        .tokens
        .iter()
        .map(|t| match t {
            boon::InstanceToken::Prop(p) => p.to_string(),
            boon::InstanceToken::Item(i) => i.to_string(),
        })
        .collect();
    let here = if tokens.is_empty() {
        "the object".to_string()
    } else {
        format!("`{}`", display_key_path(&tokens))
    };
    match &err.kind {
        ErrorKind::AdditionalProperties { got } => {
            for name in got {
                let mut t = tokens.clone();
                t.push(name.to_string());
                out.push((
                    t,
                    format!(
                        "unknown field `{name}` in {here} (its CRD's schema has no such field)"
                    ),
                ));
            }
        }
        ErrorKind::Required { want } => {
            for name in want {
                out.push((
                    tokens.clone(),
                    format!("missing required field `{name}` in {here} (its CRD's schema)"),
                ));
            }
        }
        kind => out.push((tokens, format!("{here}: {kind} (its CRD's schema)"))),
    }
}

/// An OpenAPI 3.0 schema of a CRD as JSON Schema draft 4: `nullable` adds `null` to the type,
/// `x-kubernetes-int-or-string` is an integer or a string, and objects with `properties` take
/// no other field unless `x-kubernetes-preserve-unknown-fields` says so. `root` (and embedded
/// resources) also take apiVersion, kind and metadata, which the API server checks itself.
fn convert(schema: &Json, root: bool) -> Json {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in obj {
        let converted = match k.as_str() {
            "properties" | "patternProperties" | "definitions" => match v.as_object() {
                Some(props) => Json::Object(
                    props
                        .iter()
                        .map(|(name, s)| (name.clone(), convert(s, false)))
                        .collect(),
                ),
                None => v.clone(),
            },
            "items" | "additionalProperties" | "not" if v.is_object() => convert(v, false),
            "allOf" | "anyOf" | "oneOf" => match v.as_array() {
                Some(list) => Json::Array(list.iter().map(|s| convert(s, false)).collect()),
                None => v.clone(),
            },
            // Descriptions and examples can be large and say nothing to the validator.
            "description" | "example" | "externalDocs" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), converted);
    }
    let flag = |name: &str| obj.get(name).and_then(Json::as_bool) == Some(true);
    if flag("x-kubernetes-int-or-string") {
        out.remove("type");
        out.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    let embedded = flag("x-kubernetes-embedded-resource");
    if root || embedded {
        let props = out
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(props) = props {
            for k in ["apiVersion", "kind", "metadata"] {
                props.entry(k).or_insert_with(|| json!({}));
            }
        }
    }
    let preserve = flag("x-kubernetes-preserve-unknown-fields");
    if out.contains_key("properties") && !out.contains_key("additionalProperties") && !preserve {
        out.insert("additionalProperties".into(), json!(false));
    }
    if flag("nullable") {
        // null passes, whatever else the schema asks of a value.
        return json!({"anyOf": [{"type": "null"}, Json::Object(out)]});
    }
    Json::Object(out)
}

/// Validates every custom resource of `docs` whose type a CRD of `docs` or of `extra` defines;
/// returns the positions of their `kind` (so `unknown-kind` findings there can be dropped).
/// `extra` is what [`CrdSchemas::compile`] gave for the CRDs from outside the set, compiled
/// once per run by the caller; a type defined both there and in `docs` is checked against
/// `extra`'s.
pub fn check_with(
    docs: &[Document],
    extra: &(CrdSchemas, Vec<BadSchema<'_>>),
    sink: &mut Sink<'_>,
) -> Vec<Position> {
    let (schemas, bad) = CrdSchemas::compile(docs.iter());
    for b in bad.iter().chain(&extra.1) {
        sink.report(
            "crd-schema",
            b.doc,
            &b.at,
            format!("the schema does not compile: {}", b.message),
        );
    }
    let mut defined = Vec::new();
    if schemas.is_empty() && extra.0.is_empty() {
        return defined;
    }
    for doc in docs {
        if (extra.0.check(doc, sink) || schemas.check(doc, sink))
            && let Some(at) = kind_position(doc)
        {
            defined.push(at);
        }
    }
    defined
}

/// Where `doc`'s `kind` is.
pub fn kind_position(doc: &Document) -> Option<Position> {
    let (f, line, col) = doc.node.get_path(&["kind"])?.origin.file_line()?;
    Some((f.display.clone(), line, col))
}

/// A file position: display name, line, column.
pub type Position = (String, usize, usize);

/// `findings` without the `unknown-kind` ones at `defined` (custom resources whose CRD is known).
pub fn drop_known_kinds(findings: &mut Vec<crate::diag::Diagnostic>, defined: &[Position]) {
    if defined.is_empty() {
        return;
    }
    findings.retain(|d| {
        d.code != Some("unknown-kind")
            || !d
                .origin
                .as_ref()
                .and_then(crate::yaml::Origin::file_line)
                .is_some_and(|(f, l, c)| {
                    defined
                        .iter()
                        .any(|p| p.0 == f.display && p.1 == l && p.2 == c)
                })
    });
}
