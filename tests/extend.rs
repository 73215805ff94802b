//! Extending kforge without forking it (issue 24): a project schema that adds to the built-in
//! one, project defaults that layer over the built-in defaults.

use crate::support::TempProject;

/// The 6-line schema of the issue: it adds `krakend` and nothing else.
const KRAKEND_SCHEMA: &str = r#"{
  "properties": {
    "krakend": {"type": "object", "properties": {"port": {"type": "integer"}}}
  },
  "required": ["krakend"]
}
"#;

// Regression: a project schema replaced the built-in one whole, so adding one key turned off
// the typo checks of every built-in key.
#[test]
fn a_project_schema_adds_keys_and_typos_still_fail_in_built_in_and_project_keys() {
    let p = TempProject::reference();
    p.write("chart-templates/values.schema.json", KRAKEND_SCHEMA);
    p.append("environments/base.yaml", "krakend:\n  port: 8080\n");
    p.kforge().args(["values", "-e", "dev"]).run().exit(0);
    p.append("environments/dev.yaml", "replicaCont: 2\n");
    let line = p.line_of("environments/dev.yaml", "replicaCont");
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has(&format!("environments/dev.yaml:{line}"))
        .stderr_has("unknown key `replicaCont`")
        .stderr_has("did you mean `replicaCount`?");
    // A typo inside the project's own key fails the same way.
    let p = TempProject::reference();
    p.write("chart-templates/values.schema.json", KRAKEND_SCHEMA);
    p.append("environments/base.yaml", "krakend:\n  prot: 8080\n");
    let line = p.line_of("environments/base.yaml", "prot: 8080");
    p.kforge()
        .args(["values", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has(&format!("environments/base.yaml:{line}"))
        .stderr_has("unknown key `krakend.prot`")
        .stderr_has("did you mean `port`?");
    // The project's `required` is joined to the built-in one's.
    let p = TempProject::reference();
    p.write("chart-templates/values.schema.json", KRAKEND_SCHEMA);
    p.kforge()
        .args(["values", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("missing required key `krakend`");
}

#[test]
fn a_project_schema_merges_into_a_built_in_key_and_may_narrow_it() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        r#"{"properties": {"image": {"properties": {"digest": {"type": "string", "pattern": "^sha256:"}}}}}"#,
    );
    p.append("environments/prod.yaml", "image:\n  digest: md5:abc\n");
    // The new key is checked; the built-in keys beside it still are.
    p.kforge()
        .args(["values", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("image.digest");
    p.append("environments/dev.yaml", "image:\n  tga: x\n");
    p.kforge()
        .args(["values", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("did you mean `tag`?");
}

#[test]
fn a_type_change_of_a_built_in_key_is_exit_2_with_file_and_pointer() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        r#"{"properties": {"replicaCount": {"type": "string"}}}"#,
    );
    for cmd in [vec!["values", "-e", "dev"], vec!["check"], vec!["build"]] {
        p.kforge()
            .args(&cmd)
            .run()
            .exit(2)
            .stderr_has("chart-templates/values.schema.json at /properties/replicaCount/type")
            .stderr_has(
                "changes the type of the built-in key `replicaCount` from integer to string",
            )
            .stderr_has("x-kforge-replace");
    }
    assert!(!p.path().join("dist").exists(), "nothing is written");
}

#[test]
fn a_project_schema_that_is_not_json_schema_is_exit_2_with_file_and_pointer() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        r#"{"properties": {"krakend": {"type": "objct"}}}"#,
    );
    p.kforge()
        .args(["values", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/values.schema.json at /properties/krakend/type")
        .stderr_has("not a valid JSON Schema");
}

#[test]
fn replacing_the_built_in_schema_whole_is_an_explicit_opt_in() {
    let p = TempProject::reference();
    // Opted in: the project's schema alone decides (here: anything goes, even a typo).
    p.write(
        "chart-templates/values.schema.json",
        r#"{"x-kforge-replace": true, "type": "object"}"#,
    );
    p.append("environments/dev.yaml", "replicaCont: 2\n");
    p.kforge().args(["values", "-e", "dev"]).run().exit(0);
}

// Regression: a project values.yaml replaced all built-in defaults, and the errors that
// followed (`missing required key autoscaling`) did not say why.
#[test]
fn project_defaults_layer_between_built_in_defaults_and_base() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.yaml",
        "podAnnotations:\n  team: gateway\nnodeSelector:\n  disk: ssd\n",
    );
    let run = p
        .kforge()
        .args(["values", "-e", "dev", "--show-origin"])
        .run()
        .exit(0);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("no {key} in\n{}", run.stdout))
            .to_string()
    };
    assert!(
        line("podAnnotations.team").contains("# chart-templates/values.yaml:2:3"),
        "{}",
        run.stdout
    );
    // Built-in defaults the project file does not name are still there.
    assert!(line("affinity").contains("(built-in)"), "{}", run.stdout);
    // --set wins over everything, -f over the environment.
    std::fs::write(
        p.path().join("extra.yaml"),
        "podAnnotations:\n  team: edge\n",
    )
    .unwrap();
    let run = p
        .kforge()
        .args(["values", "-e", "dev", "--show-origin", "-f", "extra.yaml"])
        .args(["--set", "nodeSelector.disk=nvme"])
        .run()
        .exit(0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("podAnnotations.team: \"edge\"")
                && l.contains(
                    "# extra.yaml:2:3 (overrides \"gateway\" at chart-templates/values.yaml:2:3)"
                )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("nodeSelector.disk: \"nvme\"")
                && l.contains("# --set nodeSelector.disk=nvme (overrides \"ssd\" at chart-templates/values.yaml:4:3)")),
        "{}",
        run.stdout
    );
}

/// jsonschema (Python, draft 2020-12), an editor's view of a values file: the errors it finds
/// in `values` (YAML) against `schema` (JSON), one line each.
fn editor_errors(schema: &str, values: &str) -> String {
    let script = "import json, sys, yaml, jsonschema\n\
        schema, values = sys.stdin.read().split('\\n=====\\n')\n\
        v = jsonschema.Draft202012Validator(json.loads(schema))\n\
        for e in v.iter_errors(yaml.safe_load(values) or {}):\n    print(e.message)\n";
    crate::support::python(script, &format!("{schema}\n=====\n{values}"))
}

#[test]
fn kforge_schema_prints_the_effective_schema_and_its_editor_variant() {
    let p = TempProject::reference();
    p.write("chart-templates/values.schema.json", KRAKEND_SCHEMA);
    let full = p.kforge().args(["schema"]).run().exit(0).json();
    assert_eq!(
        full["properties"]["krakend"]["properties"]["port"]["type"],
        "integer"
    );
    assert_eq!(
        full["properties"]["image"]["properties"]["tag"]["type"],
        "string"
    );
    let required: Vec<&str> = full["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(required.contains(&"krakend") && required.contains(&"image"));
    let editor = p.kforge().args(["schema", "--editor"]).run().exit(0);
    let json = editor.json();
    assert!(
        json.get("required").is_none() && json["properties"]["chart"].get("required").is_none()
    );
    // An independent validator, as an editor runs it: the overlays pass (an overlay holds
    // only what it changes; `null` deletes), a typo in a built-in or a project key does not.
    for env in ["base", "dev", "staging", "prod"] {
        let text =
            std::fs::read_to_string(p.path().join(format!("environments/{env}.yaml"))).unwrap();
        assert_eq!(editor_errors(&editor.stdout, &text), "", "{env}.yaml");
    }
    let found = editor_errors(
        &editor.stdout,
        "replicaCont: 2\nkrakend: {prot: 1}\nimage: {tag: null}\n",
    );
    assert!(found.contains("'replicaCont'"), "{found}");
    assert!(found.contains("'prot'"), "{found}");
    assert!(!found.contains("None"), "null deletes a key: {found}");
}

#[test]
fn init_writes_the_editor_schema_and_names_it_in_every_environment_file() {
    let p = TempProject::empty();
    p.kforge().args(["init", "svc"]).run().exit(0);
    let dir = p.path().join("svc");
    let written = std::fs::read_to_string(dir.join("environments/values.schema.json")).unwrap();
    let now = crate::support::Cli::new()
        .in_dir(&dir)
        .args(["schema", "--editor"])
        .run()
        .exit(0);
    assert_eq!(written, now.stdout);
    for env in ["base", "dev", "staging", "prod"] {
        let text = std::fs::read_to_string(dir.join(format!("environments/{env}.yaml"))).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=values.schema.json\n"),
            "{env}.yaml"
        );
    }
    let check = || {
        crate::support::Cli::new()
            .in_dir(&dir)
            .args(["check"])
            .run()
    };
    let run = check().exit(0);
    assert!(!run.stderr.contains("values.schema.json"), "{}", run.stderr);
    // The project adds a key: editors would flag it until the schema is written again.
    std::fs::create_dir_all(dir.join("chart-templates")).unwrap();
    std::fs::write(
        dir.join("chart-templates/values.schema.json"),
        KRAKEND_SCHEMA,
    )
    .unwrap();
    std::fs::write(
        dir.join("environments/dev.yaml"),
        "krakend: {port: 8080}\nreplicaCount: 1\n",
    )
    .unwrap();
    std::fs::write(dir.join("environments/base.yaml"), {
        let mut t = std::fs::read_to_string(dir.join("environments/base.yaml")).unwrap();
        t.push_str("krakend: {port: 80}\n");
        t
    })
    .unwrap();
    check()
        .stderr_has("environments/values.schema.json is not the current values schema")
        .stderr_has("kforge schema --editor > environments/values.schema.json");
}

/// A project template using the filters chart authors expect; expected values come from
/// Python's hashlib and base64.
#[test]
fn the_helm_filters_hash_encode_decode_and_write_yaml() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/checksum.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: checksums\ndata:\n  \
         sha: {{ values.image.repository | sha256 }}\n  \
         b64: {{ values.image.repository | b64encode }}\n  \
         back: {{ values.image.repository | b64encode | b64decode }}\n  \
         yaml: {{ values.nodeSelector | merge({\"disk\": \"ssd\"}) | toyaml | tojson }}\n  \
         req: {{ values.image.repository | required(\"set image.repository\") }}\n",
    );
    let out = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    let repo = p
        .kforge()
        .args(["values", "-e", "dev", "-o", "json"])
        .run()
        .exit(0)
        .json()["image"]["repository"]
        .as_str()
        .unwrap()
        .to_string();
    let expect = crate::support::python(
        "import sys, hashlib, base64\ns = sys.stdin.read()\n\
         print(hashlib.sha256(s.encode()).hexdigest())\nprint(base64.b64encode(s.encode()).decode())",
        &repo,
    );
    let mut lines = expect.lines();
    assert!(
        out.contains(&format!("sha: {}", lines.next().unwrap())),
        "{out}"
    );
    assert!(
        out.contains(&format!("b64: {}", lines.next().unwrap())),
        "{out}"
    );
    assert!(out.contains(&format!("back: {repo}")), "{out}");
    assert!(
        out.contains("yaml: 'disk: ssd'") || out.contains("yaml: \"disk: ssd\""),
        "{out}"
    );
    assert!(out.contains(&format!("req: {repo}")), "{out}");
}

#[test]
fn required_fail_and_a_filter_of_the_wrong_type_name_the_template_and_line() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  \
         a: {{ values.podAnnotations.missing | default(\"\") | required(\"set podAnnotations.missing\") }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/extra.yaml:6")
        .stderr_has("set podAnnotations.missing");
    p.write(
        "chart-templates/extra.yaml",
        "{% if environment == \"dev\" %}{{ fail(\"dev is not supported by extra.yaml\") }}{% endif %}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/extra.yaml:1")
        .stderr_has("dev is not supported by extra.yaml");
    p.write(
        "chart-templates/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  annotations:\n    \
         checksum: {{ values.image | sha256 }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/extra.yaml:6")
        .stderr_has(
            "`sha256` expects a string, got a map; for a map or list use `| tojson | sha256`",
        );
}

// Regression: a `{% set %}` block's text was emitted raw, and the hint then said to use
// `{{ }}`, which the author had.
#[test]
fn a_set_block_inserted_as_text_gets_a_tojson_hint() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/extra.yaml",
        "{% set greeting %}hello: world{% endset %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  text: {{ greeting }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("`{% set greeting %}…{% endset %}` captures text")
        .stderr_has("`{{ greeting | tojson }}`");
    p.write(
        "chart-templates/extra.yaml",
        "{% set greeting %}hello: world{% endset %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  text: {{ greeting | tojson }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout_has("text: \"hello: world\"");
}

/// A custom resource rendered by a project template.
const WIDGET: &str =
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n";

// Regression: a custom resource got the hint "needs --allow-unknown-kinds", a flag `check`
// and `build` reject.
#[test]
fn check_and_build_honour_kforge_lint_yaml_and_their_hints_name_it() {
    let p = TempProject::reference();
    p.write("chart-templates/widget.yaml", WIDGET);
    for cmd in ["check", "build"] {
        let run = p.kforge().args([cmd]).run().exit(1);
        assert!(
            run.stderr
                .contains("allowUnknownKinds: true` in kforge-lint.yaml"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("--allow-unknown-kinds"),
            "{cmd}: {}",
            run.stderr
        );
    }
    p.kforge()
        .args(["lint", "-e", "dev"])
        .run()
        .exit(1)
        .stdout_has("kforge-lint.yaml, or --allow-unknown-kinds");
    p.write("kforge-lint.yaml", "allowUnknownKinds: true\n");
    p.kforge().args(["check"]).run().exit(0);
    p.kforge().args(["build"]).run().exit(0);
    p.kforge().args(["lint", "-e", "dev"]).run().exit(0);
}

// `crds:` in kforge-lint.yaml: check and build validate a project's custom resources against
// them, as `kforge lint` does.
#[test]
fn check_and_build_validate_custom_resources_against_the_crds_of_kforge_lint_yaml() {
    let p = TempProject::reference();
    p.write(
        "crds/widget.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              properties:\n                size: {type: integer, maximum: 2}\n",
    );
    p.write("kforge-lint.yaml", "crds: [crds/]\n");
    p.write("chart-templates/widget.yaml", WIDGET);
    for cmd in ["check", "build"] {
        p.kforge()
            .args([cmd])
            .run()
            .exit(1)
            .stderr_has("crd-schema");
    }
    p.write(
        "chart-templates/widget.yaml",
        &WIDGET.replace("size: 3", "size: 2"),
    );
    p.kforge().args(["check"]).run().exit(0);
}

#[test]
fn subfolders_render_and_an_unused_file_gets_a_warning_naming_it() {
    let p = TempProject::reference();
    p.write("kforge-lint.yaml", "allowUnknownKinds: true\n");
    p.write("chart-templates/crds/widget.yaml", WIDGET);
    p.write(
        "chart-templates/extras/_labels.jinja",
        "{% macro team() %}gateway{% endmacro %}\n",
    );
    p.write(
        "chart-templates/extras/team.yaml",
        "{% import \"extras/_labels.jinja\" as l %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team\ndata:\n  team: {{ l.team() }}\n",
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    assert!(
        run.stdout
            .contains("# Source: crds/widget.yaml\napiVersion: example.com/v1\nkind: Widget"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("# Source: extras/team.yaml\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("team: gateway"), "{}", run.stdout);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    // A file kforge will not use is named, with what kforge reads.
    p.write("chart-templates/krakend.json", "{\"port\": 8080}\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stderr_has("chart-templates/krakend.json is not used by kforge")
        .stderr_has("kforge renders *.yaml and *.yml");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("chart-templates/krakend.json is not used by kforge")
        .stderr_has("1 warning");
    // Including it: the error says why it is not there.
    p.write(
        "chart-templates/extras/team.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team\ndata:\n  port: {% include \"krakend.json\" %}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/extras/team.yaml:6")
        .stderr_has("is not loaded (kforge warns about it)");
}

/// The examples of docs/templates.md: each ```jinja block starting `{# chart-templates/NAME #}`
/// is written into a copy of the reference project; each ```yaml block after them must be
/// exactly the documents `kforge render -e dev` prints from the templates it names.
#[test]
fn the_examples_of_docs_templates_md_render_as_shown() {
    let doc =
        std::fs::read_to_string(crate::support::repo_root().join("docs/templates.md")).unwrap();
    let p = TempProject::reference();
    let mut expected = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("\n```") {
        let after = &rest[start + 4..];
        let (lang, body) = after.split_once('\n').unwrap();
        let end = body.find("```").expect("closed fence");
        let text = &body[..end];
        rest = &body[end + 3..];
        match lang {
            "jinja" => {
                let name = text
                    .lines()
                    .next()
                    .and_then(|l| l.strip_prefix("{# chart-templates/"))
                    .and_then(|l| l.strip_suffix(" #}"))
                    .expect("a jinja example starts with {# chart-templates/NAME #}");
                p.write(&format!("chart-templates/{name}"), text);
            }
            "yaml" => expected.push(text.to_string()),
            _ => {}
        }
    }
    assert!(
        expected.len() >= 5,
        "examples of docs/templates.md: {}",
        expected.len()
    );
    let out = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    let docs: Vec<&str> = out.split("---\n").collect();
    for block in expected {
        let sources: Vec<&str> = block
            .lines()
            .filter_map(|l| l.strip_prefix("# Source: "))
            .collect();
        assert!(
            !sources.is_empty(),
            "a yaml example names its template:\n{block}"
        );
        let rendered: Vec<&str> = docs
            .iter()
            .copied()
            .filter(|d| {
                sources
                    .iter()
                    .any(|s| d.starts_with(&format!("# Source: {s}\n")))
            })
            .collect();
        assert_eq!(
            rendered.join("---\n"),
            block,
            "docs/templates.md is not what kforge renders"
        );
    }
}

#[test]
fn check_says_which_index_it_compared_versions_with() {
    let p = TempProject::reference();
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("no chart index in dist/ to compare versions with");
    p.kforge().args(["build", "-e", "dev"]).run().exit(0);
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("versions compared with dist/<env>/index.yaml of dev, ");
}

/// Helm's own test chart with a values schema (draft-07), used as a project schema: the values
/// Helm accepts pass, the values Helm refuses (`age: -5`, no `employmentInfo`) fail here too,
/// located, and the built-in keys are still checked beside them.
#[test]
fn helms_chart_with_schema_extends_the_built_in_schema() {
    let charts = crate::support::corpus("helm").join("pkg/cmd/testdata/testcharts");
    let read = |rel: &str| std::fs::read_to_string(charts.join(rel)).unwrap();
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        &read("chart-with-schema/values.schema.json"),
    );
    p.append(
        "environments/base.yaml",
        &read("chart-with-schema/values.yaml"),
    );
    p.kforge().args(["values", "-e", "prod"]).run().exit(0);
    p.kforge().args(["check"]).run().exit(0);
    let p = TempProject::reference();
    p.write(
        "chart-templates/values.schema.json",
        &read("chart-with-schema/values.schema.json"),
    );
    p.append(
        "environments/base.yaml",
        &read("chart-with-schema-negative/values.yaml"),
    );
    let line = p.line_of("environments/base.yaml", "age: -5");
    p.kforge()
        .args(["values", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("missing required key `employmentInfo`")
        .stderr_has(&format!("environments/base.yaml:{line}"))
        .stderr_has("key: age");
}

// Regression: after one local `kforge build`, every edit made `kforge check` fail ("version
// 0.1.0 is already in dist/dev/index.yaml") until dist/ was deleted, although nothing was
// published.
#[test]
fn the_everyday_loop_replaces_a_local_build_but_never_a_published_version() {
    let p = TempProject::reference();
    // `CI` empty: a developer's machine, whatever runs this test.
    let local = |args: &[&str]| p.kforge().args(args).env("CI", "").run();
    local(&["build", "-e", "dev"]).exit(0);
    let index = p.path().join("dist/dev/index.yaml");
    let first = std::fs::read_to_string(&index).unwrap();
    p.append(
        "environments/dev.yaml",
        "podAnnotations:\n  edited: \"1\"\n",
    );
    local(&["check"])
        .exit(0)
        .stderr_has("versions compared with dist/<env>/index.yaml of dev (dev holds a local, unpublished build of this version, which build replaces)");
    local(&["build", "-e", "dev"]).exit(0);
    let second = std::fs::read_to_string(&index).unwrap();
    assert_ne!(first, second, "the local build's entry was replaced");
    assert_eq!(second.matches("version: \"1.0.0\"").count(), 1, "{second}");
    local(&["check"]).exit(0);
    p.append("environments/dev.yaml", "podLabels:\n  edited: \"2\"\n");
    // On CI, every version in dist/ counts as published.
    let ci = p.kforge().args(["check"]).env("CI", "true").run().exit(1);
    assert!(
        ci.stderr
            .contains("version 1.0.0 is already in dist/dev/index.yaml"),
        "{}",
        ci.stderr
    );
    let ci = p
        .kforge()
        .args(["build", "-e", "dev"])
        .env("CI", "true")
        .run();
    assert_ne!(ci.code, Some(0), "{}", ci.stderr);
    assert_eq!(
        std::fs::read_to_string(&index).unwrap(),
        second,
        "nothing changed"
    );
    // A version in the published index (--published, fetched from the repository) never
    // changes, whatever the local record says.
    std::fs::create_dir_all(p.path().join("published/dev")).unwrap();
    std::fs::copy(&index, p.path().join("published/dev/index.yaml")).unwrap();
    local(&["check", "--published", "published"])
        .exit(1)
        .stderr_has("version 1.0.0 is already in published/dev/index.yaml")
        .stderr_has("and the published published/<env>/index.yaml of dev");
    let run = local(&["build", "-e", "dev", "--published", "published"]);
    assert_ne!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&index).unwrap(),
        second,
        "nothing changed"
    );
    // An index kforge did not write here (fetched into dist/, no record) is published.
    std::fs::remove_file(p.path().join("dist/dev/.kforge-local-builds")).unwrap();
    local(&["check"])
        .exit(1)
        .stderr_has("version 1.0.0 is already in dist/dev/index.yaml");
}
