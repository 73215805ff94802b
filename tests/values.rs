//! `kforge values`: merged values and their origins.

use crate::support::{Cli, TempProject};

fn origin_line<'a>(table: &'a str, key: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.starts_with(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in\n{table}"))
}

#[test]
fn show_origin_names_the_layer_that_won() {
    let p = TempProject::reference();
    let run = p
        .kforge()
        .args([
            "values",
            "-e",
            "prod",
            "--show-origin",
            "--set",
            "image.tag=2.10.2",
        ])
        .run()
        .exit(0);
    let port_line = p.line_of("environments/prod.yaml", "port: 8000");
    assert!(origin_line(&run.stdout, "service.port").contains(&format!(
        "# environments/prod.yaml:{port_line}:3 (overrides 8080 at environments/base.yaml:"
    )));
    let repo_line = p.line_of("environments/base.yaml", "repository:");
    assert!(
        origin_line(&run.stdout, "image.repository")
            .ends_with(&format!("# environments/base.yaml:{repo_line}:3"))
    );
    assert!(
        origin_line(&run.stdout, "image.tag")
            .contains("# --set image.tag=2.10.2 (overrides \"2.10.1\" at environments/base.yaml:")
    );
    assert!(origin_line(&run.stdout, "image.pullPolicy").contains("environments/base.yaml"));
    assert!(
        origin_line(&run.stdout, "nodeSelector").contains("chart-templates/values.yaml (built-in)")
    );
}

#[test]
fn show_origin_as_json() {
    let rows = Cli::new()
        .args(["values", "-e", "dev", "--show-origin", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "replicaCount")
        .unwrap();
    assert_eq!(row["value"], 1);
    assert!(
        row["origin"]
            .as_str()
            .unwrap()
            .starts_with("environments/dev.yaml:")
    );
}

#[test]
fn maps_merge_deeply_lists_are_replaced_null_deletes() {
    let p = TempProject::reference();
    p.append(
        "environments/dev.yaml",
        "args: [run]\nresources:\n  limits:\n    cpu: null\npodSecurityContext: null\n",
    );
    let v = p
        .kforge()
        .args(["values", "-e", "dev", "-o", "json"])
        .run()
        .exit(0)
        .json();
    assert_eq!(v["args"], serde_json::json!(["run"]));
    assert_eq!(
        v["resources"]["limits"],
        serde_json::json!({"memory": "256Mi"})
    );
    assert_eq!(v["resources"]["requests"]["cpu"], "100m");
    assert!(v.get("podSecurityContext").is_none());
}

#[test]
fn set_follows_helm_syntax() {
    let v = Cli::new()
        .args([
            "values",
            "-e",
            "dev",
            "-o",
            "json",
            "--set",
            r"podAnnotations.a\.b/c=x,podLabels.n=012",
            "--set",
            "args[1]=-x",
            "--set",
            "command={/bin/sh,-c}",
            "--set",
            "replicaCount=3",
        ])
        .run()
        .exit(0)
        .json();
    assert_eq!(v["podAnnotations"]["a.b/c"], "x");
    assert_eq!(v["podLabels"]["n"], "012");
    assert_eq!(v["args"][0], "run");
    assert_eq!(v["args"][1], "-x");
    assert_eq!(v["command"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(v["replicaCount"], 3);
}

#[test]
fn values_yaml_output_reparses() {
    let yaml = Cli::new()
        .args(["values", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let json = Cli::new()
        .args(["values", "-e", "prod", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let p = TempProject::empty();
    p.write("environments/base.yaml", &yaml);
    p.write("environments/x.yaml", "");
    let again = p
        .kforge()
        .args(["values", "-e", "x", "-o", "json"])
        .run()
        .exit(0)
        .json();
    assert_eq!(json, again);
}

// Issue 35: staging and production shared everything but a few lines, and there was no way to
// say so: a shared layer is written once and named by the environments that build on it.
#[test]
fn a_shared_layer_is_merged_between_base_and_the_overlays_that_name_it() {
    let p = crate::support::TempProject::reference();
    p.write(
        "environments/_cloud.yaml",
        "podAnnotations:\n  cloud: \"yes\"\nreplicaCount: 5\n",
    );
    let staging = std::fs::read_to_string(p.path().join("environments/staging.yaml")).unwrap();
    p.write(
        "environments/staging.yaml",
        &format!("{staging}\nkforge:\n  layers: [cloud]\n"),
    );
    // The layer is not an environment.
    p.kforge().args(["render", "-e", "_cloud"]).run().exit(2);
    let values = p
        .kforge()
        .args(["values", "-e", "staging", "--show-origin"])
        .run()
        .exit(0);
    values.stdout_has("environments/_cloud.yaml:2");
    // The overlay wins over the layer it names; environments that do not name it lack it.
    let staging_out = p
        .kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(0)
        .stdout;
    assert!(staging_out.contains("cloud: \"yes\""), "{staging_out}");
    let dev = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    assert!(!dev.contains("cloud: \"yes\""), "{dev}");
    // A name that is no layer, with a did-you-mean, at its line.
    p.write(
        "environments/staging.yaml",
        &format!("{staging}\nkforge:\n  layers: [clud]\n"),
    );
    p.kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(2)
        .stderr_has("no shared layer `clud`")
        .stderr_has("did you mean `cloud`?")
        .stderr_has("environments/staging.yaml:");
    // Only overlays name layers.
    p.write("environments/staging.yaml", &staging);
    p.append("environments/base.yaml", "kforge: {layers: [cloud]}\n");
    p.kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(2)
        .stderr_has("only an environment's overlay names the shared layers it builds on");
}

/// Review finding: a required key deleted by an overlay's null was reported with no file:line
/// ("missing required key `ingress`"); the null that deleted it is named, for a key below a
/// deleted map too.
#[test]
fn a_required_key_deleted_by_null_names_the_null() {
    let p = TempProject::reference();
    p.write("off.yaml", "# off\ningress: null\n");
    p.kforge()
        .args(["render", "-e", "prod", "-f", "off.yaml"])
        .run()
        .exit(2)
        .stderr_has("missing required key `ingress`")
        .stderr_has("--> off.yaml:2:1")
        .stderr_has("`ingress: null` here deletes it");
    p.write("off.yaml", "service:\n  port: null\n");
    p.kforge()
        .args(["render", "-e", "dev", "-f", "off.yaml"])
        .run()
        .exit(2)
        .stderr_has("missing required key `service.port`")
        .stderr_has("--> off.yaml:2:")
        .stderr_has("`service.port: null` here deletes it");
}
