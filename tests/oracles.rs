//! Real consumers read our output as we meant it: PyYAML (YAML 1.1, like `kubectl apply`) and
//! Go's YAML stack through `kubectl kustomize`. These fail, not skip, when a tool is missing.

use std::process::Command;

use crate::support::{Cli, python};

/// Strings that YAML 1.1 readers turn into booleans, numbers, nulls, timestamps or merge keys
/// when left unquoted, plus strings that could break structure.
const AMBIGUOUS: &[&str] = &[
    "on",
    "off",
    "On",
    "OFF",
    "yes",
    "no",
    "Yes",
    "NO",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "~",
    "null",
    "Null",
    "",
    "1_000",
    "012",
    "0o12",
    "0x1F",
    "0b101",
    "1e3",
    "1E3",
    "+1",
    "-1",
    ".5",
    "1.",
    ".inf",
    "-.inf",
    ".nan",
    "12:30:00",
    "12:30",
    "190:20:30",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "-",
    "- x",
    "a: b",
    "a #b",
    "#x",
    "[a]",
    "{a: 1}",
    "*alias",
    "&anchor",
    "!tag",
    "%x",
    "@x",
    "`x",
    "|",
    ">",
    "'q'",
    "\"q\"",
    "line1\nline2",
    "trailing\n",
    "  lead",
    "tail  ",
    "\ttab",
    "x\r\ny",
    "---",
    "...",
    "{{ x }}",
    "2.10",
    "ünï ✓",
    "a\u{2028}b",
    "\u{85}",
];

/// Escapes a --set value: `\`, `,` and braces (a leading `{` starts Helm's list syntax).
pub fn set_escape(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        if matches!(c, '\\' | ',' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const CORE12_LOADER: &str = r#"
import sys, json, re, yaml
class Core12(yaml.SafeLoader):
    pass
Core12.yaml_implicit_resolvers = {}
def add(tag, regexp, first):
    Core12.add_implicit_resolver(tag, re.compile(regexp), list(first))
add('tag:yaml.org,2002:bool', r'^(?:true|True|TRUE|false|False|FALSE)$', 'tTfF')
add('tag:yaml.org,2002:null', r'^(?:~|null|Null|NULL|)$', ['~', 'n', 'N', ''])
add('tag:yaml.org,2002:int', r'^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$', '-+0123456789')
add('tag:yaml.org,2002:float', r'^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$', '-+0123456789.')
def core_int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith('0o'):
        return int(v[2:], 8)
    if v.startswith('0x'):
        return int(v[2:], 16)
    return int(v, 10)
Core12.add_constructor('tag:yaml.org,2002:int', core_int)
print(json.dumps(list(yaml.load_all(sys.stdin, Loader=Core12))))
"#;

fn render_with_annotations(env: &str, format: &str) -> String {
    render_with(env, format, AMBIGUOUS)
}

fn render_with(env: &str, format: &str, strings: &[&str]) -> String {
    let mut args = vec![
        "render".to_string(),
        "-e".into(),
        env.into(),
        "-o".into(),
        format.into(),
    ];
    for (i, v) in strings.iter().enumerate() {
        args.push("--set-string".into());
        args.push(format!("podAnnotations.k{i}={}", set_escape(v)));
    }
    Cli::new().args(&args).run().exit(0).stdout
}

#[test]
fn pyyaml_reads_every_emitted_string_back_unchanged() {
    let yaml = render_with_annotations("prod", "yaml");
    let json = python(
        "import sys, json, yaml\nprint(json.dumps(list(yaml.safe_load_all(sys.stdin))))",
        &yaml,
    );
    let docs: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ours = serde_json::from_str::<serde_json::Value>(&render_with_annotations("prod", "json"))
        .unwrap();
    assert_eq!(
        docs.as_array().unwrap(),
        ours["items"].as_array().unwrap(),
        "PyYAML read something else"
    );
    let deploy = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "Deployment")
        .unwrap();
    let ann = &deploy["spec"]["template"]["metadata"]["annotations"];
    for (i, v) in AMBIGUOUS.iter().enumerate() {
        assert_eq!(ann[format!("k{i}")], *v, "annotation k{i}");
    }
}

#[test]
fn go_yaml_reads_our_output_via_kubectl_kustomize() {
    for env in ["dev", "staging", "prod"] {
        let dir = tempfile::tempdir().unwrap();
        // U+0085 is left out here only: go-yaml's emitter writes it raw inside a single-quoted
        // scalar, where every reader (Go's included) folds it to a space. PyYAML reads our
        // `"\N"` correctly in the test above.
        let strings: Vec<&str> = AMBIGUOUS
            .iter()
            .copied()
            .filter(|s| *s != "\u{85}")
            .collect();
        std::fs::write(
            dir.path().join("all.yaml"),
            render_with(env, "yaml", &strings),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "resources:\n  - all.yaml\n",
        )
        .unwrap();
        let out = Command::new("kubectl")
            .args(["kustomize", dir.path().to_str().unwrap()])
            .output()
            .expect("kubectl must be installed (see .ci/run)");
        assert!(
            out.status.success(),
            "kubectl kustomize: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Read Go's re-emitted YAML with YAML 1.2 core-schema rules (no `<<` merge keys, no
        // sexagesimals), as Go itself reads it: go-yaml emits `<<` and `=` plain.
        let json = python(CORE12_LOADER, &String::from_utf8(out.stdout).unwrap());
        let go: serde_json::Value = serde_json::from_str(&json).unwrap();
        let ours: serde_json::Value =
            serde_json::from_str(&render_with(env, "json", &strings)).unwrap();
        let key = |d: &serde_json::Value| format!("{}/{}", d["kind"], d["metadata"]["name"]);
        let mut go_items: Vec<_> = go.as_array().unwrap().clone();
        let mut our_items: Vec<_> = ours["items"].as_array().unwrap().clone();
        go_items.sort_by_key(key);
        our_items.sort_by_key(key);
        assert_eq!(go_items, our_items, "{env}: Go read our YAML differently");
    }
}

// The input side of the YAML 1.1 cases above (issue 37 item 4): `env: [{name: X, value: yes}]`
// is a string to kforge and a boolean to kubectl's go-yaml v2, which then refuses the object
// (Shopify/krane#818 for `y`, helm/helm#2782 for `yes` and `on`). Every 1.1 boolean word of
// AMBIGUOUS, unquoted in a string field, is an `ambiguous-scalar` error with the quoted fix;
// quoted, nothing. PyYAML, a YAML 1.1 reader like kubectl's, confirms that the words both
// readers share (all but y/n, which go-yaml v2 alone takes as booleans) are booleans to it.
#[test]
fn unquoted_yaml_1_1_booleans_in_string_fields_are_errors() {
    let words: Vec<&str> = AMBIGUOUS
        .iter()
        .copied()
        .filter(|w| {
            ["on", "off", "yes", "no", "y", "n"]
                .iter()
                .any(|b| b.eq_ignore_ascii_case(w))
        })
        .collect();
    assert!(words.len() >= 12, "{words:?}");
    let env = |quote: &str| {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| format!("        - {{name: V{i}, value: {quote}{w}{quote}}}\n"))
            .collect::<String>()
    };
    let manifest = |quote: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n    - name: c\n      image: x:1\n      env:\n{}",
            env(quote)
        )
    };
    let p = crate::support::TempProject::empty();
    p.write("plain.yaml", &manifest(""));
    p.write("quoted.yaml", &manifest("\""));
    let run = Cli::new()
        .in_dir(p.path())
        .args(["lint", "--only", "types", "--format", "json", "plain.yaml"])
        .run()
        .exit(1);
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), words.len(), "{findings:#?}");
    for (i, (f, w)) in findings.iter().zip(&words).enumerate() {
        assert_eq!(f["rule"], "ambiguous-scalar");
        assert_eq!(f["severity"], "error");
        assert_eq!(f["line"], 9 + i);
        assert_eq!(f["path"], format!("spec.containers[0].env[{i}].value"));
        let message = f["message"].as_str().unwrap();
        assert!(message.contains(&format!("write \"{w}\"")), "{message}");
    }
    Cli::new()
        .in_dir(p.path())
        .args(["lint", "--only", "types", "quoted.yaml"])
        .run()
        .exit(0);
    let read = python(
        "import sys, yaml, json\nd = yaml.safe_load(sys.stdin)\nprint(json.dumps([e['value'] for e in d['spec']['containers'][0]['env']]))",
        &manifest(""),
    );
    let read: Vec<serde_json::Value> = serde_json::from_str(&read).unwrap();
    for (w, v) in words.iter().zip(&read) {
        let only_go = w.len() == 1;
        assert_eq!(v.is_boolean(), !only_go, "PyYAML reads `{w}` as {v}");
    }
}
