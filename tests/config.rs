//! Config files (`config/<set>/`): rendered per environment, checked, packed into hash-named
//! ConfigMaps that the pods mount, every reference renamed, as Kustomize's configMapGenerator.

use crate::support::TempProject;

/// The hashed ConfigMap name of the krakend set in `yaml`.
fn config_map_name(yaml: &str) -> String {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix("name: krakend-krakend-"))
        .map(|h| format!("krakend-krakend-{h}"))
        .expect("a krakend-krakend-<hash> name")
}

#[test]
fn each_environment_gets_its_own_config_mounted_under_a_hashed_name() {
    let p = TempProject::reference();
    let prod = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    let dev = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    let (prod_name, dev_name) = (config_map_name(&prod.stdout), config_map_name(&dev.stdout));
    assert_ne!(
        prod_name, dev_name,
        "different settings, different content, different name"
    );
    assert_eq!(prod_name.len(), "krakend-krakend-".len() + 10);
    // The Deployment mounts the hashed name at /etc/krakend; no reference to the plain name.
    assert!(prod.stdout.contains("mountPath: /etc/krakend"));
    assert_eq!(
        prod.stdout.matches(&prod_name).count(),
        2,
        "{}",
        prod.stdout
    );
    assert!(!prod.stdout.contains("name: krakend-krakend\n"));
    assert!(prod.stdout.contains("users-1.prod.svc.cluster.local"));
    assert!(
        dev.stdout.contains("\\\"level\\\": \\\"DEBUG\\\"")
            || dev.stdout.contains("\"level\": \"DEBUG\"")
    );
    // The same content keeps its name; a change of one setting gives a new one (pods roll).
    let again = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    assert_eq!(config_map_name(&again.stdout), prod_name);
    let changed = p
        .kforge()
        .args([
            "render",
            "-e",
            "prod",
            "--set",
            "configFiles.krakend.settings.timeout=1s",
        ])
        .run()
        .exit(0);
    assert_ne!(config_map_name(&changed.stdout), prod_name);
}

// References the user writes by the plain name (envFrom, a volume of their own) follow the hash.
#[test]
fn references_to_the_plain_name_are_renamed() {
    let p = TempProject::reference();
    p.append(
        "environments/base.yaml",
        "\nvolumes:\n  - name: extra\n    configMap:\n      name: krakend-krakend\n",
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    let name = config_map_name(&run.stdout);
    assert_eq!(run.stdout.matches(&name).count(), 3, "{}", run.stdout);
}

#[test]
fn a_config_file_that_does_not_parse_is_reported_at_its_rendered_line() {
    let p = TempProject::reference();
    p.write(
        "config/krakend/extra.json",
        "{\n  \"a\": {{ settings.timeout }},\n  \"b\": nope\n}\n",
    );
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("not valid JSON after rendering")
        .stderr_has("config/krakend/extra.json (rendered):3:")
        .stderr_has("\"b\": nope");
    p.write(
        "config/krakend/extra.json",
        "{\"a\": {{ settings.nosuch }}}\n",
    );
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("config/krakend/extra.json:1:");
    p.write("config/krakend/extra.json", "");
    p.write("config/krakend/broken.yaml", "a: [1, 2\n");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("config/krakend/broken.yaml (rendered)");
}

#[test]
fn a_set_named_in_the_values_needs_its_folder_and_fits_in_a_config_map() {
    let p = TempProject::reference();
    p.write(
        "environments/dev.yaml",
        "configFiles:\n  krakenn:\n    mountPath: /x\n",
    );
    let line = p.line_of("environments/dev.yaml", "krakenn");
    // A near miss of the set base.yaml names is an overlay's typo (docs/layers.md).
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("adds `krakenn` to configFiles, a near miss of `krakend`")
        .stderr_has(&format!("environments/dev.yaml:{line}:"))
        .stderr_has("did you mean `krakend`?");
    // Said to be new, it still needs its folder.
    p.append(
        "environments/dev.yaml",
        "kforge: {adds: [configFiles.krakenn]}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("config set `krakenn` has no folder config/krakenn/")
        .stderr_has(&format!("environments/dev.yaml:{line}:"))
        .stderr_has("did you mean `krakend`?");
    let p = TempProject::reference();
    p.write("config/krakend/big.txt", &"x".repeat(1024 * 1024));
    p.kforge()
        .args(["build"])
        .run()
        .exit(2)
        .stderr_has("over the 1048576-byte limit of a ConfigMap");
    assert!(!p.path().join("dist").exists(), "nothing written");
}

#[test]
fn other_formats_get_the_values_text_not_json() {
    let p = TempProject::reference();
    p.write(
        "config/krakend/gateway.conf",
        "timeout = {{ settings.timeout }}\nenv = {{ environment }}\n",
    );
    let run = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    assert!(run.stdout.contains("timeout = 2000ms"), "{}", run.stdout);
    assert!(run.stdout.contains("env = prod"), "{}", run.stdout);
}

// docs/applications.md: a config set is mounted in the components whose values give it a
// mountPath, and only there.
#[test]
fn a_config_set_is_mounted_only_where_a_component_asks_for_it() {
    let p = TempProject::reference();
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    let base = base.replace("    mountPath: /etc/krakend\n", "");
    p.write(
        "environments/base.yaml",
        &format!(
            "{base}\ncomponents:\n  gateway:\n    configFiles: {{krakend: {{mountPath: /etc/krakend}}}}\n  batch:\n    service: {{enabled: false}}\n"
        ),
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    let deployment = |name: &str| {
        run.stdout
            .split("---\n")
            .find(|d| d.contains("kind: Deployment\n") && d.contains(&format!("  name: {name}\n")))
            .unwrap_or_else(|| panic!("no Deployment {name}:\n{}", run.stdout))
            .to_string()
    };
    assert!(deployment("krakend-gateway").contains("mountPath: /etc/krakend"));
    let batch = deployment("krakend-batch");
    assert!(!batch.contains("mountPath: /etc/krakend"), "{batch}");
    assert!(!batch.contains("config-krakend"), "{batch}");
    // The set itself is rendered once, whoever mounts it.
    assert_eq!(run.stdout.matches("kind: ConfigMap\n").count(), 1);
}

// docs/applications.md: a `null` in a component deletes the shared key of that name, in the
// layer that creates the component as in a later overlay, and a later layer can set it again.
#[test]
fn a_null_in_a_component_deletes_the_shared_key() {
    let p = TempProject::reference();
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    p.write(
        "environments/base.yaml",
        &format!(
            "{base}\ncomponents:\n  gateway: {{}}\n  batch:\n    service: {{enabled: false}}\n    ingress: {{enabled: false}}\n    autoscaling: {{enabled: false}}\n    configFiles: {{krakend: null}}\n"
        ),
    );
    p.write(
        "environments/staging.yaml",
        &format!(
            "{}\ncomponents:\n  gateway:\n    configFiles: null\n",
            std::fs::read_to_string(p.path().join("environments/staging.yaml")).unwrap()
        ),
    );
    let deployment = |out: &str, name: &str| {
        out.split("---\n")
            .find(|d| d.contains("kind: Deployment\n") && d.contains(&format!("  name: {name}\n")))
            .unwrap_or_else(|| panic!("no Deployment {name}:\n{out}"))
            .to_string()
    };
    let dev = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    assert!(deployment(&dev.stdout, "krakend-gateway").contains("mountPath: /etc/krakend"));
    let batch = deployment(&dev.stdout, "krakend-batch");
    assert!(!batch.contains("config-krakend"), "{batch}");
    // staging deletes the whole map in the gateway: neither mounts the set.
    let staging = p.kforge().args(["render", "-e", "staging"]).run().exit(0);
    assert!(!deployment(&staging.stdout, "krakend-gateway").contains("config-krakend"));
    // A later layer sets the key again: `-f` after the null wins.
    p.write(
        "again.yaml",
        "components:\n  batch:\n    configFiles: {krakend: {mountPath: /etc/b}}\n",
    );
    let dev = p
        .kforge()
        .args(["render", "-e", "dev", "-f", "again.yaml"])
        .run()
        .exit(0);
    assert!(deployment(&dev.stdout, "krakend-batch").contains("mountPath: /etc/b"));
}

// A fixed name (an existing application's ConfigMap): no hash, references left as written,
// the set's own labels and annotations, the environment's namespace (issue 27).
#[test]
fn a_set_with_a_fixed_name_keeps_it_and_its_references() {
    let p = TempProject::reference();
    p.write(
        "fixed.yaml",
        "namespace: apps\nconfigFiles:\n  krakend:\n    name: gateway-config\n    labels: {app: gateway}\n    annotations: {owner: team-a}\nvolumes:\n  - name: extra\n    configMap:\n      name: gateway-config\n",
    );
    let run = p
        .kforge()
        .args(["render", "-e", "dev", "-f", "fixed.yaml", "-o", "json"])
        .run()
        .exit(0);
    let list = run.json();
    let items = list["items"].as_array().unwrap();
    let cm = items.iter().find(|i| i["kind"] == "ConfigMap").unwrap();
    assert_eq!(
        cm["metadata"],
        serde_json::json!({"name": "gateway-config", "namespace": "apps",
            "labels": {"app": "gateway"}, "annotations": {"owner": "team-a"}})
    );
    assert!(!run.stdout.contains("krakend-krakend-"), "{}", run.stdout);
    // The mount the set gives the pods, and the user's own volume, name it as it is.
    assert_eq!(
        run.stdout.matches("\"gateway-config\"").count(),
        3,
        "{}",
        run.stdout
    );
}

// `labels` and `annotations` of a hash-named set are added to kforge's own labels.
#[test]
fn a_hash_named_set_takes_labels_and_annotations_too() {
    let p = TempProject::reference();
    p.write(
        "meta.yaml",
        "configFiles:\n  krakend:\n    labels: {team: gateway}\n    annotations: {owner: team-a}\n",
    );
    let list = p
        .kforge()
        .args(["render", "-e", "dev", "-f", "meta.yaml", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let cm = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "ConfigMap")
        .unwrap()
        .clone();
    assert!(
        cm["metadata"]["name"]
            .as_str()
            .unwrap()
            .starts_with("krakend-krakend-")
    );
    assert_eq!(
        cm["metadata"]["labels"],
        serde_json::json!({"app.kubernetes.io/managed-by": "kforge",
            "kforge.io/config-set": "krakend", "team": "gateway"})
    );
    assert_eq!(
        cm["metadata"]["annotations"],
        serde_json::json!({"owner": "team-a"})
    );
}

/// Review finding 13: a folder inside a set (`config/krakend/partials/`) was skipped without a
/// word, so its files never shipped.
#[test]
fn a_folder_inside_a_config_set_is_refused() {
    let p = TempProject::reference();
    p.write("config/krakend/partials/rate.json", "{}\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("config/krakend/partials/ is a folder inside a config set");
}

/// Review finding 14: a typo of a config set's plain name (which references are rewritten
/// from) was only an info ("deployed separately?"): the pod never starts.
#[test]
fn a_near_miss_of_a_config_sets_plain_name_is_a_warning_naming_it() {
    let p = TempProject::reference();
    p.write(
        "environments/dev.yaml",
        &format!(
            "{}\nenvFrom:\n  - configMapRef: {{name: krakend-krakand}}\n",
            std::fs::read_to_string(p.path().join("environments/dev.yaml")).unwrap()
        ),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge()
        .args(["check"])
        .run()
        .stderr_has("warning[missing-config-ref]")
        .stderr_has("ConfigMap `krakend-krakand` is not in the set; did you mean `krakend-krakend` (ConfigMap `krakend-krakend-");
}
