//! Issue 34, item 5 (valid objects imported faithfully: long and alike names, dotted names,
//! template delimiters in kept objects) and item 7 (Secrets, `--force`, `-o` inside the input).

use std::path::Path;

use crate::import::{import_and_prove, kept};
use crate::support::{Cli, TempProject};

/// The names of the files under `dir/sub`, recursively.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    out
}

fn service_account(ns: &str, name: &str) -> String {
    format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n  namespace: {ns}\n")
}

// Item 5: a ServiceAccount with a valid 243-character name failed with `File name too long`;
// `team/a-sa` beside `team-a/sa` were written to one file (drift); ClusterRoles whose names
// differ only in case would share a file on a file system that ignores case. Each gets a file
// of its own, short, and the import is proved.
#[test]
fn valid_names_long_or_alike_get_short_distinct_files_and_import_proved() {
    let tmp = TempProject::empty();
    let long = "a".repeat(243);
    let mut input = [
        service_account("default", &long),
        service_account("team", "a-sa"),
        service_account("team-a", "sa"),
    ]
    .join("---\n");
    for name in ["system:web", "system:Web", &format!("x{}", "y".repeat(252))] {
        input.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: \"{name}\"\nrules: []\n"
        ));
    }
    tmp.write("in.yaml", &input);
    let (_tmp, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("in.yaml"))]);
    assert_eq!(kept(&stdout).len(), 6, "{stdout}");
    for sub in ["golden/prod", "chart-templates"] {
        let names = files_under(&out.join(sub));
        assert_eq!(names.len(), 6, "{sub}: {names:?}");
        let mut folded: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), 6, "{sub}: {names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.len() <= kforge::manifest::MAX_OBJECT_FILE_NAME),
            "{names:?}"
        );
    }
    Cli::new().args(["build"]).in_dir(&out).run().exit(0);
}

// Item 5: in an ordinary project, two objects whose file names were alike (`team/a-sa` and
// `team-a/sa`) made `render --output-dir`, `golden update` and `build` fail with "give them
// distinct names" although they are distinct.
#[test]
fn distinct_objects_alike_in_file_name_render_golden_and_build() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/accounts.yaml",
        &format!(
            "{}---\n{}",
            service_account("team", "a-sa"),
            service_account("team-a", "sa")
        ),
    );
    p.kforge()
        .args(["render", "--all-envs", "--output-dir", "out"])
        .run()
        .exit(0);
    let names = files_under(&p.path().join("out/prod"));
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("serviceaccount-team-a-sa"))
            .count(),
        2,
        "{names:?}"
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge().args(["build"]).run().exit(0);
    p.kforge().args(["golden", "check"]).run().exit(0);
}

// Item 5: a Deployment named `web.x` (a valid name: DNS subdomain) failed with "objectName does
// not match pattern". It is a component now, its name kept as objectName.
#[test]
fn a_dotted_workload_name_imports_as_a_component() {
    let tmp = TempProject::empty();
    tmp.write(
        "in.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web.x\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n",
    );
    let (_tmp, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("in.yaml"))]);
    assert!(stdout.contains("1 component(s) (web-x)"), "{stdout}");
    assert!(kept(&stdout).is_empty(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(base.contains("objectName: web.x"), "{base}");
}

// Item 5: a kept object with a multi-line annotation holding an indented `{%` line failed (exit
// 2: the escape's block tags lost their indentation to lstrip_blocks), and one with a line
// ending in `{%` drifted (trim_blocks took the line break). Every delimiter, `{% endraw %}`
// included, is kept byte for byte.
#[test]
fn template_delimiters_in_kept_objects_are_kept_byte_for_byte() {
    let tmp = TempProject::empty();
    let note = [
        "first",
        "  {% if x %}",
        "    {%- y -%}",
        "ends with {%",
        "{{ values.namespace }} {# c #} {% endraw %} {% raw %} {{- z }}",
        "\t{%",
        "{{{{%%}}#}",
        "last {",
    ];
    let block: String = note.iter().map(|l| format!("      {l}\n")).collect();
    tmp.write(
        "in.yaml",
        &format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  annotations:\n    note: |\n{block}    other: \"x {{% a %}}\\n  {{%\\n\"\n"
        ),
    );
    let (_tmp, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("in.yaml"))]);
    assert_eq!(kept(&stdout).len(), 1, "{stdout}");
    let rendered = Cli::new()
        .args(["render", "-e", "prod", "-o", "json"])
        .in_dir(&out)
        .run()
        .exit(0)
        .json();
    let annotations = &rendered["items"][0]["metadata"]["annotations"];
    assert_eq!(annotations["note"], format!("{}\n", note.join("\n")));
    assert_eq!(annotations["other"], "x {% a %}\n  {%\n");
}
