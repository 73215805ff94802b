//! The schema loader on arbitrary schemas: the input (a JSON Schema, then after a NUL a YAML
//! value) is compiled as a project's values.schema.json and as a CRD's openAPIV3Schema, and
//! the value validated against both. An error or findings, never a panic; never the content
//! of a file the schema names (a planted file's marker must not show); and bounded work: the
//! value is validated only when its counted work is within a bound lowered for this
//! unoptimised build (boon then does at most that much).
#![no_main]

use kforge::json_schema::{WorkLimits, check_work, crd_refs, local_refs_only};
use kforge::lint::{Options, lint_rendered};
use kforge::manifest::Document;
use kforge::values::{ValuesSchema, parse_values_file};
use kforge::yaml::{Limits, SourceFile, parse_documents, to_json};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value as Json, json};

/// A file the seeds refer to (`file:///tmp/kforge-fuzz-planted.json`): its enum must never be
/// printed.
const PLANTED: &str = "/tmp/kforge-fuzz-planted.json";
const MARKER: &str = "PLANTEDMARKER4242";

const LIMITS: WorkLimits = WorkLimits {
    steps: 200_000,
    depth: 200,
};

fn no_marker(text: &str) {
    assert!(!text.contains(MARKER), "content of {PLANTED} shown: {text}");
}

fuzz_target!(|data: &[u8]| {
    static PLANT: std::sync::Once = std::sync::Once::new();
    PLANT.call_once(|| {
        std::fs::write(PLANTED, format!(r#"{{"enum": ["{MARKER}"]}}"#)).unwrap();
    });
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (schema_text, value_text) = text.split_once('\0').unwrap_or((text, "{}"));
    let file = SourceFile::new("value.yaml", value_text);
    let Ok(Some(value)) = parse_values_file(&file) else {
        return;
    };
    let value_json = to_json(&value);

    // As values.schema.json.
    match ValuesSchema::compile(schema_text, "values.schema.json") {
        Err(e) => no_marker(&format!("{e:?}")),
        Ok(schema) => {
            assert!(local_refs_only(schema.json()).is_empty());
            if check_work(schema.json(), &value_json, LIMITS).is_ok() {
                for d in schema.validate(&value) {
                    no_marker(&format!("{d:?}"));
                }
            }
        }
    }

    // As a CRD's schema, with the value as a custom resource's spec.
    let Ok(schema) = serde_json::from_str::<Json>(schema_text) else {
        return;
    };
    if crd_refs(&schema).is_empty() && check_work(&schema, &value_json, LIMITS).is_err() {
        return;
    }
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
                 "scope": "Namespaced",
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": schema}}]},
    });
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
                        "metadata": {"name": "w"}, "spec": value_json});
    let stream = format!("{crd}\n---\n{widget}\n");
    let file = SourceFile::new("crd.yaml", stream.clone());
    let Ok(nodes) = parse_documents(&stream, &file, Limits::default()) else {
        return;
    };
    let docs: Vec<Document> = nodes
        .into_iter()
        .enumerate()
        .map(|(i, n)| Document::new("crd.yaml", i, n))
        .collect();
    for d in lint_rendered(&docs, &Options::default(), None) {
        no_marker(&format!("{d:?}"));
    }
});
