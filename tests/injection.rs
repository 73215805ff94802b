//! Injection: values full of YAML and template syntax come out verbatim, each as one scalar in
//! its place — in the rendered manifest (read by PyYAML, YAML 1.1 like kubectl, and serde_yaml,
//! YAML 1.2) and in the packaged chart as Go's text/template (Helm's engine) renders it — with
//! no extra keys, documents or template evaluation.

use std::process::Command;

use crate::support::{TempProject, python, repo_root};

/// Values that would break a naive templater.
fn hostile_values() -> Vec<String> {
    [
        "line one\nline two",
        "trailing newline\n",
        "\n\nleading newlines",
        "key: value",
        "a: b: c",
        "# not a comment",
        "value # not a comment either",
        "---",
        "a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: injected",
        "...",
        "{{ .Values.secret }}",
        "{{ include \"nope\" . }}{{- fail \"x\" -}}",
        "}} {{",
        "{% raw %}{{ values }}{% endraw %}",
        "{# comment #}",
        "*alias",
        "&anchor value",
        "!!binary aGVsbG8=",
        "!tag value",
        "'single' \"double\" `back`",
        "\"",
        "'",
        "\\",
        "\\n is not a newline",
        "\t tab",
        "\r carriage return",
        "control \u{1}\u{2}\u{1b}[31m\u{7f}",
        "next line \u{85} and line separator \u{2028} paragraph \u{2029}",
        "\u{feff}bom",
        "ünïcødé 日本語 🚀 \u{200b}",
        "yes",
        "no",
        "~",
        "null",
        "0x1F",
        "012",
        "1e3",
        "12:30:45",
        "- item",
        "[a, b]",
        "{a: b}",
        "? complex",
        "| literal",
        "> folded",
        "%YAML 1.2",
        "@reserved",
        "<<",
        "=",
        " leading and trailing spaces ",
        "",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

/// A YAML double-quoted scalar that means exactly `s` (escapes for everything non-printable).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

fn values_file(values: &[String]) -> String {
    let mut text = String::from("podAnnotations:\n");
    for (i, v) in values.iter().enumerate() {
        text.push_str(&format!("  k{i:02}: {}\n", quoted(v)));
    }
    text
}

/// Checks, with PyYAML, that `stream` (all documents) equals `baseline` except for the
/// Deployment's pod annotations, which must be exactly `values`.
fn check_stream(stream: &str, baseline: &str, values: &[String], reader: &str) {
    let expected: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("k{i:02}"), serde_json::Value::String(v.clone())))
        .collect();
    let input = serde_json::json!({
        "stream": stream,
        "baseline": baseline,
        "expected": expected,
    });
    let script = r#"
import json, sys, yaml
d = json.load(sys.stdin)
docs = [x for x in yaml.safe_load_all(d["stream"]) if x is not None]
base = [x for x in yaml.safe_load_all(d["baseline"]) if x is not None]
# A chart's templates come in file-name order, `render` in install order: match by identity.
ident = lambda x: (x.get("kind"), x.get("metadata", {}).get("name"))
docs.sort(key=ident)
base.sort(key=ident)
assert len(docs) == len(base), f"{len(docs)} documents, expected {len(base)}"
found = None
for got, want in zip(docs, base):
    if got.get("kind") == "Deployment":
        ann = got["spec"]["template"]["metadata"].pop("annotations")
        want["spec"]["template"]["metadata"].pop("annotations", None)
        found = ann
    assert got == want, f"document changed beyond the annotations:\n{got}\n!=\n{want}"
assert found is not None, "no Deployment"
bad = {k: (found.get(k), v) for k, v in d["expected"].items() if found.get(k) != v}
extra = sorted(set(found) - set(d["expected"]))
assert not bad and not extra, f"mismatched: {bad!r}; extra keys: {extra}"
print("ok")
"#;
    let out = python(script, &input.to_string());
    assert_eq!(out.trim(), "ok", "{reader}: {out}");
}

#[test]
fn hostile_values_render_verbatim_as_one_scalar_each() {
    let p = TempProject::reference();
    let values = hostile_values();
    p.write("hostile.yaml", &values_file(&values));
    let baseline = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    let out = p
        .kforge()
        .args(["render", "-e", "dev", "-f", "hostile.yaml"])
        .run()
        .exit(0)
        .stdout;
    check_stream(&out, &baseline, &values, "PyYAML (YAML 1.1)");
    // serde_yaml reads it as YAML 1.2: the same annotations.
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&out)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let dep = docs
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .expect("a Deployment");
    let ann = &dep["spec"]["template"]["metadata"]["annotations"];
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            ann[format!("k{i:02}").as_str()].as_str(),
            Some(v.as_str()),
            "serde_yaml: k{i:02}"
        );
    }
}

#[test]
fn hostile_values_survive_packaging_as_helms_template_engine_renders_it() {
    let p = TempProject::reference();
    let values = hostile_values();
    p.write("hostile.yaml", &values_file(&values));
    let baseline = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    p.kforge()
        .args(["package", "-e", "dev", "-f", "hostile.yaml"])
        .run()
        .exit(0);
    let chart = p.path().join("dist/dev/krakend-1.0.0.tgz");
    let oracle = repo_root().join("target/oracles/gotemplate/gotemplate");
    let out = Command::new(&oracle)
        .arg(&chart)
        .output()
        .unwrap_or_else(|e| panic!("{} ({e}): run .ci/install-oracles", oracle.display()));
    assert!(
        out.status.success(),
        "Go's text/template refused the chart: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&out.stdout).unwrap();
    // Helm joins the rendered templates as one stream (each already starts with `---`).
    let stream: String = rendered
        .iter()
        .filter(|(name, _)| !name.starts_with("templates/tests/"))
        .map(|(_, text)| text.as_str())
        .collect();
    check_stream(&stream, &baseline, &values, "chart via Go text/template");
}
