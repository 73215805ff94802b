//! Custom resources checked against their CustomResourceDefinitions: every CRD of the linted
//! set (or given with `--crd`, or `crds:` in kforge-lint.yaml) has the `openAPIV3Schema` of
//! each version compiled once per run (with boon, as JSON Schema draft 4, the dialect of
//! OpenAPI 3.0 schemas), and every custom resource of that group, version and kind is validated
//! against it: types, required, enum, minimum/maximum, pattern, formats, additionalProperties,
//! nullable, x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields, and unknown
//! fields (strict, as for built-in kinds: a structural schema prunes them silently).
//!
//! A schema with a `$ref` is refused as the API server refuses it, at the `$ref`, and not
//! compiled; the compiler loads nothing (`json_schema::compiler`), and the work of validating
//! each custom resource is bounded (`json_schema::SchemaWork`).

use super::rules::rule_id;
use std::collections::HashMap;
use std::sync::OnceLock;

use boon::{Draft, ErrorKind, SchemaIndex, Schemas, ValidationError};
use serde_json::{Map, Value as Json, json};

use super::sink::{Sink, path};
use crate::json_schema::{self, SchemaWork};
use crate::manifest::Document;
use crate::yaml::{display_key_path, to_json};

/// The schemas of a set of CRDs, by (apiVersion, kind) of the resources they define. Each is
/// compiled when first needed (a large operator's CRDs are megabytes of schema, most of it for
/// kinds a run may never see), once, whichever worker thread needs it first.
pub struct CrdSchemas<'a> {
    by_type: HashMap<(String, String), Version<'a>>,
}

/// One served version of a CRD: where its schema is, and the schema once compiled.
struct Version<'a> {
    doc: &'a Document,
    /// Index of the version in `spec.versions`.
    index: usize,
    url: String,
    compiled: OnceLock<Result<Compiled, Refused>>,
}

/// A CRD version's schema compiled, with what bounds the work of validating against it.
struct Compiled {
    schemas: Schemas,
    index: SchemaIndex,
    work: SchemaWork,
}

/// Why a CRD version's schema is not compiled, and where in the CRD.
struct Refused {
    at: Vec<String>,
    message: String,
}

/// A CRD version's schema that could not be compiled: where, and why.
pub struct BadSchema<'a> {
    /// The CRD.
    pub doc: &'a Document,
    /// Key path in it of the schema, or of what in the schema is refused.
    pub at: Vec<String>,
    /// Why it is not compiled.
    pub message: String,
}

impl<'a> Version<'a> {
    fn at(&self) -> Vec<String> {
        path(&[
            "spec",
            "versions",
            &self.index.to_string(),
            "schema",
            "openAPIV3Schema",
        ])
    }

    fn compiled(&self) -> &Result<Compiled, Refused> {
        self.compiled.get_or_init(|| {
            let crd = to_json(&self.doc.node);
            let refused = |at: Vec<String>, message: String| Refused { at, message };
            let schema = crd
                .pointer(&format!(
                    "/spec/versions/{}/schema/openAPIV3Schema",
                    self.index
                ))
                .ok_or_else(|| {
                    refused(
                        self.at(),
                        "the schema does not compile: no openAPIV3Schema".to_string(),
                    )
                })?;
            let refs = json_schema::crd_refs(schema);
            if let Some(first) = refs.first() {
                let mut at = self.at();
                at.extend(first.iter().cloned());
                let message = ref_message(self.index, first, &at, refs.len() - 1);
                return Err(refused(at, message));
            }
            let mut converted = convert(schema, true);
            if let Some(o) = converted.as_object_mut() {
                o.insert(
                    "$schema".into(),
                    json!("http://json-schema.org/draft-04/schema#"),
                );
            }
            let work = SchemaWork::new(converted.clone());
            let does_not_compile = |e: boon::CompileError| {
                refused(self.at(), format!("the schema does not compile: {e:#}"))
            };
            let mut compiler = json_schema::compiler();
            compiler.set_default_draft(Draft::V4);
            compiler.enable_format_assertions();
            let mut schemas = Schemas::new();
            compiler
                .add_resource(&self.url, converted)
                .map_err(does_not_compile)?;
            let index = compiler
                .compile(&self.url, &mut schemas)
                .map_err(does_not_compile)?;
            Ok(Compiled {
                schemas,
                index,
                work,
            })
        })
    }

    fn bad(&self) -> Option<BadSchema<'a>> {
        match self.compiled.get()? {
            Err(refused) => Some(BadSchema {
                doc: self.doc,
                at: refused.at.clone(),
                message: refused.message.clone(),
            }),
            Ok(_) => None,
        }
    }
}

impl<'a> CrdSchemas<'a> {
    /// Every served version with a schema of every CRD among `docs`, not compiled yet.
    pub fn new(docs: impl Iterator<Item = &'a Document>) -> Self {
        let mut by_type = HashMap::new();
        for doc in docs.filter(|d| d.kind == "CustomResourceDefinition") {
            let str_at = |p: &[&str]| doc.node.get_path(p).and_then(crate::yaml::Node::as_str);
            let (Some(group), Some(kind)) = (
                str_at(&["spec", "group"]),
                str_at(&["spec", "names", "kind"]),
            ) else {
                continue;
            };
            let Some(crate::yaml::Value::Seq(versions)) =
                doc.node.get_path(&["spec", "versions"]).map(|n| &n.value)
            else {
                continue;
            };
            for (index, v) in versions.iter().enumerate() {
                let Some(name) = v.get_path(&["name"]).and_then(crate::yaml::Node::as_str) else {
                    continue;
                };
                if v.get_path(&["schema", "openAPIV3Schema"]).is_none() {
                    continue;
                }
                // A later CRD of the same type replaces an earlier one, as the API server would.
                by_type.insert(
                    (format!("{group}/{name}"), kind.to_string()),
                    Version {
                        doc,
                        index,
                        url: format!("file:///crd/{group}/{name}/{kind}.json"),
                        compiled: OnceLock::new(),
                    },
                );
            }
        }
        Self { by_type }
    }

    /// Compiles every schema now; returns those that would not compile (the CRDs of the linted
    /// set are checked whether a custom resource uses them or not).
    pub fn compile_all(&self) -> Vec<BadSchema<'a>> {
        for v in self.by_type.values() {
            let _ = v.compiled();
        }
        self.failed()
    }

    /// The schemas compiled so far that would not compile.
    pub fn failed(&self) -> Vec<BadSchema<'a>> {
        let mut bad: Vec<BadSchema<'a>> = self.by_type.values().filter_map(Version::bad).collect();
        bad.sort_by_key(|b| (b.doc.template.clone(), b.doc.index, b.at.clone()));
        bad
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
        let Some(version) = self.by_type.get(&(api.to_string(), doc.kind.clone())) else {
            return false;
        };
        // A schema that does not compile is reported once, at its CRD (`failed`); its custom
        // resources are then not checked (their kind stays unknown).
        let Ok(compiled) = version.compiled() else {
            return false;
        };
        let json = to_json(&doc.node);
        if let Err(e) = compiled.work.check(&json) {
            sink.report(
                rule_id!("crd-schema"),
                doc,
                e.instance(),
                format!("not checked against its CRD's schema: {e}"),
            );
            return true;
        }
        if let Err(err) = compiled.schemas.validate(&json, compiled.index) {
            let mut found = Vec::new();
            leaves(&err, &mut found);
            found.sort();
            found.dedup();
            for (tokens, message) in found {
                sink.report(rule_id!("crd-schema"), doc, &tokens, message);
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

/// The finding for a `$ref` in the schema of version `index` of a CRD, at `at` (`within` is its
/// key path from the schema), `more` other `$ref`s beside it: the API server's own message
/// (apiextensions validation: `field.Forbidden(fldPath.Child("$ref"), "$ref is not supported")`),
/// with its field path.
fn ref_message(index: usize, within: &[String], at: &[String], more: usize) -> String {
    let mut field = format!("spec.versions[{index}].schema.openAPIV3Schema");
    let mut tokens = within.iter().peekable();
    while let Some(t) = tokens.next() {
        let named = matches!(
            t.as_str(),
            "properties" | "patternProperties" | "definitions" | "dependencies"
        );
        let listed = matches!(t.as_str(), "allOf" | "anyOf" | "oneOf" | "items")
            && tokens.peek().is_some_and(|i| i.parse::<usize>().is_ok());
        match tokens.peek() {
            Some(name) if named || listed => {
                field.push_str(&format!(".{t}[{name}]"));
                tokens.next();
            }
            _ => field.push_str(&format!(".{t}")),
        }
    }
    let others = match more {
        0 => String::new(),
        1 => " (and 1 more `$ref` in this schema)".to_string(),
        n => format!(" (and {n} more `$ref`s in this schema)"),
    };
    format!(
        "`$ref` is not supported in a CRD's schema: the API server refuses this CRD ({field}: Forbidden: $ref is not supported), and kforge neither compiles the schema nor follows the reference (at {}){others}; write the referenced schema in its place",
        json_schema::pointer(at)
    )
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
/// `extra` holds the CRDs from outside the set, made once per run by the caller (so each of its
/// schemas is compiled at most once per run, and only if used); a type defined both there and
/// in `docs` is checked against `extra`'s. The CRDs of `docs` are all compiled, so a broken
/// schema in the set is reported even if nothing uses it.
pub fn check_with(docs: &[Document], extra: &CrdSchemas<'_>, sink: &mut Sink<'_>) -> Vec<Position> {
    let schemas = CrdSchemas::new(docs.iter());
    let bad = schemas.compile_all();
    let mut defined = Vec::new();
    if !schemas.is_empty() || !extra.is_empty() {
        for doc in docs {
            if (extra.check(doc, sink) || schemas.check(doc, sink))
                && let Some(at) = kind_position(doc)
            {
                defined.push(at);
            }
        }
    }
    for b in bad.iter().chain(&extra.failed()) {
        sink.report(rule_id!("crd-schema"), b.doc, &b.at, b.message.clone());
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
