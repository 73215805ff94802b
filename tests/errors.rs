//! Bad input: exit 2, the file, the line, the key path, and what to do. Never a panic.

use crate::support::{Cli, TempProject};

#[test]
fn typo_in_overlay_names_file_line_and_suggests_the_key() {
    let p = TempProject::reference();
    p.append("environments/prod.yaml", "replicaCont: 4\n");
    let line = p.line_of("environments/prod.yaml", "replicaCont");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("unknown key `replicaCont`")
        .stderr_has(&format!("environments/prod.yaml:{line}:1"))
        .stderr_has("did you mean `replicaCount`?");
}

#[test]
fn nested_typo_and_every_problem_is_reported() {
    let p = TempProject::reference();
    p.append(
        "environments/staging.yaml",
        "image:\n  tga: x\nservice:\n  type: Nodeport\n",
    );
    let run = p.kforge().args(["render", "-e", "staging"]).run().exit(2);
    let tga = p.line_of("environments/staging.yaml", "tga:");
    let typ = p.line_of("environments/staging.yaml", "type: Nodeport");
    assert!(
        run.stderr
            .contains(&format!("environments/staging.yaml:{tga}:3")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean `tag`?"));
    assert!(
        run.stderr
            .contains(&format!("environments/staging.yaml:{typ}:3"))
    );
    assert!(run.stderr.contains("did you mean `NodePort`?"));
    assert!(run.stderr.contains("key: service.type"));
}

#[test]
fn wrong_type_says_how_to_fix_it() {
    let p = TempProject::reference();
    p.append("environments/dev.yaml", "image:\n  tag: 2.10\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("`image.tag` must be a string, not a number")
        .stderr_has("quote it to make it a string: \"2.10\"");
}

#[test]
fn unknown_env_lists_known_ones() {
    Cli::new()
        .args(["render", "-e", "prdo"])
        .run()
        .exit(2)
        .stderr_has("unknown environment `prdo`; known environments: dev, prod, staging")
        .stderr_has("did you mean `prod`?");
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let p = TempProject::reference();
    p.write(
        "environments/dev.yaml",
        "replicaCount: 1\nimage:\n  tag: [unclosed\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("environments/dev.yaml:");
}

#[test]
fn duplicate_keys_are_rejected_with_both_lines() {
    let p = TempProject::reference();
    p.write(
        "environments/dev.yaml",
        "replicaCount: 1\nimage: {}\nreplicaCount: 2\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("duplicate key `replicaCount` (first defined on line 1)")
        .stderr_has("environments/dev.yaml:3:1");
}

#[test]
fn bad_set_syntax_is_exit_2() {
    for bad in [
        "",
        "noequals",
        "=x",
        "a..b=1",
        "l[=1",
        "l[70000]=1",
        "l[-1]=1",
        "a={x",
    ] {
        Cli::new()
            .args(["render", "-e", "dev", "--set", bad])
            .run()
            .exit(2)
            .stderr_has("invalid --set argument");
    }
}

#[test]
fn template_errors_name_template_and_line() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/extra.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ values.nope }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("template extra.yaml")
        .stderr_has("chart-templates/extra.yaml:4:");
    p.write("chart-templates/extra.yaml", "{% if %}\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/extra.yaml:1:");
}

#[test]
fn template_output_that_is_not_yaml_is_reported() {
    let p = TempProject::reference();
    p.write("chart-templates/bad.yaml", "a: b\n c: [\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("chart-templates/bad.yaml (rendered)");
}

#[test]
fn runaway_templates_are_stopped() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/loop.yaml",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("template loop.yaml");
    p.write(
        "chart-templates/loop.yaml",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
    );
    // Fuel is under test, not the time bound: on a loaded machine a debug build can take
    // longer than the 60 s per template to run out of fuel, and be ended by the time bound
    // (whose message names the template by its path; tests/hardening.rs tests that bound).
    p.kforge()
        .env("KFORGE_TEMPLATE_SECONDS", "0")
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("template loop.yaml");
}

#[test]
fn templates_cannot_include_files_outside_the_set() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/inc.yaml",
        "{% include \"../environments/base.yaml\" %}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("template inc.yaml");
}

#[cfg(unix)]
#[test]
fn symlinked_template_outside_the_project_is_refused() {
    let p = TempProject::reference();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::create_dir_all(p.path().join("chart-templates")).unwrap();
    std::os::unix::fs::symlink(outside.path(), p.path().join("chart-templates/evil.yaml")).unwrap();
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("outside the project");
}

#[test]
fn not_a_project() {
    let p = TempProject::empty();
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("has no environments/base.yaml");
}

#[test]
fn non_utf8_names_the_line() {
    let p = TempProject::reference();
    std::fs::write(
        p.path().join("environments/dev.yaml"),
        b"replicaCount: 1\npodLabels: {a: \"\xff\"}\n",
    )
    .unwrap();
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("environments/dev.yaml:2: file is not valid UTF-8");
}

#[test]
fn alias_bombs_and_deep_nesting_are_bounded() {
    let p = TempProject::reference();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let q = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![q; 10].join(", ")));
    }
    p.write("environments/dev.yaml", &bomb);
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("alias bomb");
    p.write(
        "environments/dev.yaml",
        &format!("a: {}\n", "[".repeat(50_000)),
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("environments/dev.yaml:1:");
}

#[test]
fn invalid_semver_names_the_value_and_the_rule() {
    let p = TempProject::reference();
    p.append("environments/prod.yaml", "chart:\n  version: \"1.0\"\n");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("chart.version `1.0` is not a SemVer 2 version")
        .stderr_has("environments/prod.yaml:");
}

#[test]
fn overlay_that_is_not_a_map() {
    let p = TempProject::reference();
    p.write("environments/dev.yaml", "- a\n- b\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("values must be a map")
        .stderr_has("environments/dev.yaml:1:1");
}

#[test]
fn both_file_and_folder_for_one_env_is_ambiguous() {
    let p = TempProject::reference();
    p.write("environments/dev/extra.yaml", "replicaCount: 2\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("defined twice");
}

// The key path of a problem in a component's own values is built from the path's tokens: a
// key with a dot (`env["log.level"]`) used to be split on its dot, lost, and shown without
// the `components.<name>` it was written under.
#[test]
fn a_problem_under_a_dotted_key_of_a_component_names_its_whole_path() {
    let p = TempProject::example("web-worker");
    p.append("environments/dev.yaml", "    env:\n      log.level: 5\n");
    let line = p.line_of("environments/dev.yaml", "log.level");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has(&format!("environments/dev.yaml:{line}:"))
        .stderr_has("key: components.web.env[\"log.level\"]");
}
