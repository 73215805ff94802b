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
