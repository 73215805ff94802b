//! The quick check of values against the shipped schema (`json_schema::Quick`) compared with
//! boon's validation: it must never call valid what boon finds invalid, nor the reverse.

use serde_json::{Value as Json, json};

use crate::json_schema;
use crate::yaml::{Node, to_json};

/// The merged values of the reference project's and the examples' environments as JSON,
/// and each component's values over the shared ones: values the quick check must find
/// valid by itself.
fn sample_values() -> Vec<Json> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &std::path::Path| -> Node {
        let text = std::fs::read_to_string(path).unwrap();
        let file = crate::yaml::SourceFile::new(path.display().to_string(), text.clone());
        crate::yaml::parse_documents(&text, &file, crate::yaml::Limits::default())
            .unwrap()
            .remove(0)
    };
    let mut projects = vec![root.to_path_buf()];
    for e in std::fs::read_dir(root.join("examples")).unwrap() {
        projects.push(e.unwrap().path());
    }
    projects.sort();
    let mut out = Vec::new();
    for project in projects {
        let envs = project.join("environments");
        let mut names: Vec<_> = std::fs::read_dir(&envs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .filter(|p| !p.ends_with("base.yaml"))
            .collect();
        names.sort();
        for overlay in names {
            let mut merged = read(&root.join("chart-templates/values.yaml"));
            super::merge_overlay(&mut merged, read(&envs.join("base.yaml")));
            super::merge_overlay(&mut merged, read(&overlay));
            let json = to_json(&merged);
            if let Some(components) = json.get("components").and_then(Json::as_object) {
                for own in components.values() {
                    let mut shared = json.clone();
                    shared.as_object_mut().unwrap().remove("components");
                    merge_json(&mut shared, own);
                    out.push(shared);
                }
            }
            out.push(json);
        }
    }
    out
}

fn merge_json(base: &mut Json, over: &Json) {
    match (base, over) {
        (Json::Object(b), Json::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(old) if v.is_object() => merge_json(old, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// `value` changed in every way tried at every place: each leaf replaced, each key
/// removed, an unknown key added to each map.
fn mutations(value: &Json) -> Vec<Json> {
    let replacements = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(2.0),
        json!(70000),
        json!(""),
        json!("x"),
        json!("Upper_Case"),
        json!("-bad-"),
        json!("a.b"),
        json!("/path"),
        json!("k:v"),
        json!("ClusterIP"),
        json!("a".repeat(70)),
        json!([]),
        json!(["x", "x"]),
        json!({}),
        json!({"zz": 1}),
    ];
    let mut out = Vec::new();
    fn places(v: &Json, at: &mut Vec<String>, all: &mut Vec<Vec<String>>) {
        all.push(at.clone());
        match v {
            Json::Object(m) => {
                for (k, c) in m {
                    at.push(k.clone());
                    places(c, at, all);
                    at.pop();
                }
            }
            Json::Array(items) => {
                for (i, c) in items.iter().enumerate() {
                    at.push(i.to_string());
                    places(c, at, all);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut all = Vec::new();
    places(value, &mut Vec::new(), &mut all);
    for place in all {
        let ptr = json_schema::pointer(&place);
        for r in &replacements {
            let mut changed = value.clone();
            if let Some(slot) = changed.pointer_mut(&ptr) {
                *slot = r.clone();
                out.push(changed);
            }
        }
        let mut with_unknown = value.clone();
        if let Some(Json::Object(m)) = with_unknown.pointer_mut(&ptr) {
            m.insert("replicaCont".into(), json!(1));
            out.push(with_unknown);
        }
        if let Some((last, parent)) = place.split_last() {
            let mut removed = value.clone();
            if let Some(Json::Object(m)) = removed.pointer_mut(&json_schema::pointer(parent)) {
                m.shift_remove(last);
                out.push(removed);
            }
        }
    }
    out
}

#[test]
fn the_quick_check_agrees_with_boon_on_the_shipped_schema() {
    let set = crate::render::TemplateSet::builtin();
    let file = set.schema();
    let schema: Json = serde_json::from_str(&file.text).unwrap();
    let root = &schema;
    let mut compiler = json_schema::compiler();
    compiler
        .add_resource("file:///values.schema.json", schema.clone())
        .unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile("file:///values.schema.json", &mut schemas)
        .unwrap();
    let quick = json_schema::Quick::default();
    let (mut valid, mut invalid, mut unsure) = (0, 0, 0);
    let samples = sample_values();
    for sample in &samples {
        assert_eq!(
            quick.check(root, sample),
            json_schema::Verdict::Valid,
            "{sample:#}"
        );
    }
    // Every environment of the reference project, and some of the examples' (each sample
    // mutated is about 4,000 validations: seconds in a debug build).
    let mutated = samples[..3].iter().chain(samples[3..].iter().step_by(5));
    for sample in mutated {
        for changed in mutations(sample) {
            let boon_ok = schemas.validate(&changed, index).is_ok();
            match quick.check(root, &changed) {
                json_schema::Verdict::Valid => {
                    valid += 1;
                    assert!(boon_ok, "quick: valid, boon: invalid: {changed:#}");
                }
                json_schema::Verdict::Invalid => {
                    invalid += 1;
                    assert!(!boon_ok, "quick: invalid, boon: valid: {changed:#}");
                }
                json_schema::Verdict::Unsure => unsure += 1,
            }
        }
    }
    // The check decides almost everything by itself (else it would save nothing).
    assert!(valid > 1000 && invalid > 1000, "{valid} {invalid} {unsure}");
    assert!(unsure * 20 < valid + invalid, "{valid} {invalid} {unsure}");
}
