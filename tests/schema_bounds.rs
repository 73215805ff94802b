//! Hardening, round 3 (issue 34 items 2 and 3): a schema is read from its own document alone
//! (a `$ref` never opens a file, a FIFO or a URL), and every stage of schema work is bounded.
//! Runs that hung run under a time and address-space limit, so a hang fails the test.

use std::path::Path;
use std::process::Command;

use serde_json::{Value as Json, json};

use crate::support::{Run, TempProject, run_limited};

const TWO_GIB: u64 = 2 << 30;

/// A CRD for `example.com/v1` `Widget` whose `spec` has the schema `spec`, written as YAML
/// (one key a line, so each keyword has a line of its own).
fn crd(spec: Json) -> String {
    let schema = json!({"type": "object", "properties": {"spec": spec}});
    let doc = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true,
                          "schema": {"openAPIV3Schema": schema}}],
        },
    });
    serde_yaml::to_string(&doc).unwrap()
}

const WIDGET: &str =
    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: 5\n";

/// A file outside the project whose content must never show, and a FIFO that blocks whoever
/// opens it; their `file://` URLs.
fn outside() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let leak = dir.path().join("leak.json");
    std::fs::write(&leak, r#"{"enum": ["LEAKEDENUMVALUE777"]}"#).unwrap();
    let fifo = dir.path().join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let url = |p: &Path| format!("file://{}", p.display());
    let (leak, fifo) = (url(&leak), url(&fifo));
    (dir, leak, fifo)
}

fn limited(dir: &Path, args: &[&str]) -> Run {
    let run = run_limited(dir, args, &[], TWO_GIB, 120);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("LEAKEDENUMVALUE777"), "{args:?}: {all}");
    assert!(!all.contains("panicked"), "{args:?}: {all}");
    run
}

fn findings(run: &Run, rule: &str) -> Vec<Json> {
    let all: Json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

// Regression: a CRD's `$ref` to `file:///…` made kforge open the file (its enum was printed:
// "must be one of LEAKEDENUMVALUE777"), and a `$ref` to a FIFO hung lint and import.
#[test]
fn a_crd_schema_ref_is_refused_as_the_api_server_refuses_it_and_never_followed() {
    let (_outside, leak, fifo) = outside();
    for target in [
        leak.as_str(),
        fifo.as_str(),
        "leak.json",
        "http://127.0.0.1:9/x.json",
        "#/properties/spec",
    ] {
        let p = TempProject::empty();
        p.write("leak.json", r#"{"enum": ["LEAKEDENUMVALUE777"]}"#);
        p.write(
            "crd.yaml",
            &crd(json!({"type": "object", "properties": {"size": {"$ref": target}}})),
        );
        p.write("cr.yaml", WIDGET);
        let line = p.line_of("crd.yaml", "$ref") as u64;
        let check = |run: &Run, how: &str| {
            assert_eq!(run.code, Some(1), "{target} {how}: {}", run.stderr);
            let got = findings(run, "crd-schema");
            assert_eq!(got.len(), 1, "{target} {how}: {got:#?}");
            let message = got[0]["message"].as_str().unwrap();
            for expected in [
                "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].$ref: Forbidden: $ref is not supported",
                "(at /spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/size/$ref)",
            ] {
                assert!(message.contains(expected), "{target} {how}: {message}");
            }
            // Named as given (`./crd.yaml` when it comes from kforge-lint.yaml).
            let file = got[0]["file"].as_str().unwrap();
            assert!(file.ends_with("crd.yaml"), "{target} {how}: {file}");
            assert_eq!(got[0]["line"].as_u64(), Some(line), "{target} {how}");
        };
        let lint = ["lint", "--format", "json"];
        check(
            &limited(p.path(), &[&lint[..], &["crd.yaml", "cr.yaml"]].concat()),
            "in the set",
        );
        check(
            &limited(
                p.path(),
                &[&lint[..], &["--crd", "crd.yaml", "cr.yaml"]].concat(),
            ),
            "--crd",
        );
        p.write("kforge-lint.yaml", "crds: [crd.yaml]\n");
        check(
            &limited(p.path(), &[&lint[..], &["cr.yaml"]].concat()),
            "crds: in kforge-lint.yaml",
        );
        // import lints its input with the same CRDs: it ends, and shows nothing of the file.
        std::fs::remove_file(p.path().join("kforge-lint.yaml")).unwrap();
        std::fs::create_dir(p.path().join("in")).unwrap();
        for f in ["crd.yaml", "cr.yaml"] {
            std::fs::rename(p.path().join(f), p.path().join("in").join(f)).unwrap();
        }
        limited(p.path(), &["import", "-o", "out", "dev=in"]);
    }
}

/// A project whose `values.schema.json` adds `extra`, with the schema `extra`.
fn project_with_schema(extra: Json, defs: Json) -> TempProject {
    let p = TempProject::reference();
    let schema = json!({"$defs": defs, "properties": {"extra": extra}});
    p.write(
        "chart-templates/values.schema.json",
        &serde_json::to_string_pretty(&schema).unwrap(),
    );
    p.append("environments/base.yaml", "extra: 5\n");
    p
}

// Regression: the same `$ref` in the project's values.schema.json was followed by render and
// check (the enum of the file was printed; a FIFO hung them).
#[test]
fn a_values_schema_refers_only_inside_itself() {
    let (_outside, leak, fifo) = outside();
    for target in [
        leak.as_str(),
        fifo.as_str(),
        "leak.json",
        "https://example.com/s.json",
        "#anchor",
    ] {
        let p = project_with_schema(json!({"$ref": target}), json!({}));
        p.write(
            "chart-templates/leak.json",
            r#"{"enum": ["LEAKEDENUMVALUE777"]}"#,
        );
        for cmd in [&["render", "-e", "dev"][..], &["check"], &["schema"]] {
            let run = limited(p.path(), cmd);
            assert_eq!(run.code, Some(2), "{target} {cmd:?}: {}", run.stderr);
            for expected in [
                "chart-templates/values.schema.json: `$ref` at /properties/extra/$ref is",
                "a values schema may refer only inside itself",
            ] {
                assert!(
                    run.stderr.contains(expected),
                    "{target} {cmd:?}: {}",
                    run.stderr
                );
            }
        }
    }
    // A reference inside the file is followed as before.
    let p = project_with_schema(
        json!({"$ref": "#/$defs/small"}),
        json!({"small": {"type": "integer", "maximum": 3}}),
    );
    let run = limited(p.path(), &["values", "-e", "dev"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("`extra`"), "{}", run.stderr);
    let base = p.path().join("environments/base.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(&base, text.replace("extra: 5\n", "extra: 2\n")).unwrap();
    assert_eq!(limited(p.path(), &["values", "-e", "dev"]).code, Some(0));
}

/// `levels` definitions, each an `allOf` of two `$ref`s to the next: 2^levels applications of
/// the last to one value.
fn doubling(levels: usize, prefix: &str) -> (Json, serde_json::Map<String, Json>) {
    let mut defs = serde_json::Map::new();
    for i in 0..levels {
        let next = json!({"$ref": format!("{prefix}d{}", i + 1)});
        defs.insert(format!("d{i}"), json!({"allOf": [next.clone(), next]}));
    }
    defs.insert(format!("d{levels}"), json!({"type": "integer"}));
    (json!({"$ref": format!("{prefix}d0")}), defs)
}

// Regression: 40 nested `allOf`s of two `$ref`s each (a 3.7 KB schema) never finished: in a
// CRD (lint, import) and in values.schema.json (check).
#[test]
fn references_that_multiply_end_with_an_error_naming_the_bound() {
    let (top, defs) = doubling(40, "#/$defs/");
    let p = project_with_schema(top, Json::Object(defs));
    // check reports what it finds in the values with exit 1, render stops at them with 2.
    for (cmd, code) in [(&["check"][..], 1), (&["render", "-e", "dev"], 2)] {
        let run = limited(p.path(), cmd);
        assert_eq!(run.code, Some(code), "{cmd:?}: {}", run.stderr);
        let expected = format!(
            "validating it takes more than {} steps (the bound of kforge's schema work), passed at `/extra`, following `#/$defs/d",
            kforge::json_schema::MAX_VALIDATION_STEPS
        );
        assert!(run.stderr.contains(&expected), "{cmd:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("environments/base.yaml:"),
            "{}",
            run.stderr
        );
    }
    // In a CRD it is a `$ref`, refused before anything is compiled.
    let (top, defs) = doubling(40, "#/definitions/");
    let p = TempProject::empty();
    let spec = json!({"type": "object", "definitions": defs, "properties": {"size": top}});
    p.write("crd.yaml", &crd(spec));
    p.write("cr.yaml", WIDGET);
    let run = limited(
        p.path(),
        &["lint", "--format", "json", "crd.yaml", "cr.yaml"],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let got = findings(&run, "crd-schema");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]["message"]
            .as_str()
            .unwrap()
            .contains("(and 80 more `$ref`s in this schema)"),
        "{got:#?}"
    );
}

// Regression: a values schema of 990 `$ref`s, each to the next, overflowed the stack of the
// worker thread that validated it: `check` aborted (exit 134).
#[test]
fn references_nested_past_the_depth_bound_are_refused_not_a_stack_overflow() {
    let mut defs = serde_json::Map::new();
    for i in 0..990 {
        defs.insert(
            format!("d{i}"),
            json!({"$ref": format!("#/$defs/d{}", i + 1)}),
        );
    }
    defs.insert("d990".into(), json!({"type": "integer"}));
    let p = project_with_schema(json!({"$ref": "#/$defs/d0"}), Json::Object(defs));
    let run = limited(p.path(), &["check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let expected = format!(
        "validating it nests more than {} subschemas within one another",
        kforge::json_schema::MAX_VALIDATION_DEPTH
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

// The validation bound on the CRD path: 1,500 `allOf` branches applied to each of 10,000 keys
// (3 * 10^7 steps) are a finding at the custom resource, and boon does not run.
#[test]
fn a_custom_resource_past_the_work_bound_is_a_finding_at_it() {
    let branches = vec![json!({"additionalProperties": {"type": "string"}}); 1_500];
    let p = TempProject::empty();
    p.write(
        "crd.yaml",
        &crd(json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true, "allOf": branches})),
    );
    let mut widget =
        String::from("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n");
    for i in 0..10_000 {
        widget.push_str(&format!("  k{i}: v\n"));
    }
    p.write("cr.yaml", &widget);
    let run = limited(
        p.path(),
        &["lint", "--format", "json", "crd.yaml", "cr.yaml"],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let got = findings(&run, "crd-schema");
    assert_eq!(got.len(), 1, "{got:#?}");
    let message = got[0]["message"].as_str().unwrap();
    let expected = format!(
        "not checked against its CRD's schema: validating it takes more than {} steps",
        kforge::json_schema::MAX_VALIDATION_STEPS
    );
    assert!(message.contains(&expected), "{message}");
    assert_eq!(got[0]["file"], "cr.yaml");
}

// Regression: a project schema of 30 nested `properties` overflowed the stack of the thread
// that compiles it (debug build): boon checks it against its metaschema recursively. 62 is as
// deep as values.schema.json goes (124 levels of JSON; 128 are read).
#[test]
fn a_values_schema_nested_as_deep_as_it_is_read_compiles() {
    let mut schema = json!({"type": "integer"});
    let mut value = "1".to_string();
    for _ in 0..62 {
        schema = json!({"type": "object", "properties": {"a": schema}});
        value = format!("{{a: {value}}}");
    }
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        &serde_json::to_string(&json!({"properties": {"extra": schema}})).unwrap(),
    );
    p.append("environments/base.yaml", &format!("extra: {value}\n"));
    let run = limited(p.path(), &["check"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

// Regression: a CRD of 150,000 properties took over 60 s to compile (20,000: 2.7 s), as boon
// searched its queue of subschemas item by item for each one it added (quadratic). Linear now:
// this unoptimised run takes under 20 s of CPU (45 s on a busy machine); the release build
// before the fix did not finish within the 300 s limit.
#[test]
fn a_crd_of_150000_properties_compiles_in_linear_time() {
    let props: serde_json::Map<String, Json> = (0..150_000)
        .map(|i| (format!("p{i}"), json!({"type": "string"})))
        .collect();
    let p = TempProject::empty();
    // Written as JSON (YAML's subset): 4.5 MB.
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&crd(json!({"type": "object", "properties": props}))).unwrap();
    p.write("crd.yaml", &serde_json::to_string(&doc).unwrap());
    p.write(
        "cr.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  p7: 5\n",
    );
    let args = ["lint", "--format", "json", "crd.yaml", "cr.yaml"];
    let run = run_limited(p.path(), &args, &[], TWO_GIB, 300);
    let got = findings(&run, "crd-schema");
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["path"], "spec.p7");
}
