//! `kforge import` (issue 27): public applications round-trip with zero differences (as
//! `kforge diff --against` and `kforge check` see them, run here as a user would), several
//! environments factor into base + overlays, and bad input exits 2 with file:line.

use std::path::{Path, PathBuf};

use crate::support::{Cli, TempProject, repo_root};

fn app(rel: &str) -> PathBuf {
    let p = repo_root().join("tests/corpora/apps").join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// Values lines written (comments and blank lines left out).
fn values_lines(project: &Path) -> usize {
    std::fs::read_dir(project.join("environments"))
        .unwrap()
        .map(|e| {
            std::fs::read_to_string(e.unwrap().path())
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .count()
        })
        .sum()
}

/// Imports `envs` into a fresh folder and checks the claims the import makes, independently.
fn import_and_prove(envs: &[(&str, &Path)]) -> (TempProject, PathBuf) {
    let tmp = TempProject::empty();
    let out = tmp.path().join("app");
    let args: Vec<String> = ["import".to_string(), "-o".into(), out.display().to_string()]
        .into_iter()
        .chain(envs.iter().map(|(e, p)| format!("{e}={}", p.display())))
        .collect();
    let run = Cli::new().args(&args).in_dir(tmp.path()).run().exit(0);
    assert!(run.stdout.contains("proved"), "{}", run.stdout);
    for (env, path) in envs {
        Cli::new()
            .args([
                "diff",
                "-e",
                env,
                "--against",
                &path.display().to_string(),
                "--exit-code",
            ])
            .in_dir(&out)
            .run()
            .exit(0)
            .stdout_has("no differences");
    }
    Cli::new().args(["check"]).in_dir(&out).run().exit(0);
    Cli::new()
        .args(["golden", "check"])
        .in_dir(&out)
        .run()
        .exit(0);
    (tmp, out)
}

#[test]
fn online_boutique_round_trips_with_its_names_selectors_and_two_frontend_services() {
    let manifests = app("microservices-demo/kubernetes-manifests.yaml");
    let (_tmp, out) = import_and_prove(&[("prod", &manifests)]);
    assert!(
        values_lines(&out) < lines(&manifests),
        "values not shorter than manifests"
    );
    let run = Cli::new()
        .args(["render", "-e", "prod", "-o", "json"])
        .in_dir(&out)
        .run()
        .exit(0);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let items = list["items"].as_array().unwrap();
    let find = |kind: &str, name: &str| {
        items
            .iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    };
    let frontend = find("Deployment", "frontend");
    assert_eq!(
        frontend["spec"]["selector"]["matchLabels"],
        serde_json::json!({"app": "frontend"})
    );
    assert_eq!(
        frontend["spec"]["template"]["spec"]["containers"][0]["name"],
        "server"
    );
    assert_eq!(
        find("Service", "frontend-external")["spec"]["type"],
        "LoadBalancer"
    );
    // env in the order the manifest writes it (PORT first), not alphabetical.
    let env: Vec<&str> = frontend["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env[..2], ["PORT", "PRODUCT_CATALOG_SERVICE_ADDR"]);
    // The loadgenerator's init container is a keyed initContainers entry, not a template.
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("initContainers:\n      frontend-check:"),
        "{base}"
    );
    assert!(
        !out.join("chart-templates/imported-deployment-loadgenerator.yaml")
            .exists()
    );
}

#[test]
fn kubernetes_examples_round_trip() {
    for file in ["cockroachdb-statefulset.yaml", "guestbook-all-in-one.yaml"] {
        let manifests = app(&format!("kubernetes-examples/{file}"));
        let (_tmp, out) = import_and_prove(&[("prod", &manifests)]);
        assert!(values_lines(&out) < lines(&manifests), "{file}");
    }
}

#[test]
fn cockroachdb_keeps_two_services_on_one_statefulset_and_its_budget_verbatim() {
    let manifests = app("kubernetes-examples/cockroachdb-statefulset.yaml");
    let (_tmp, out) = import_and_prove(&[("prod", &manifests)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(base.contains("kind: StatefulSet"), "{base}");
    // The headless Service keeps its own annotations and clusterIP: None through `spec`.
    assert!(base.contains("services:\n      public:"), "{base}");
    assert!(base.contains("tolerate-unready-endpoints"), "{base}");
    assert!(base.contains("clusterIP: None"), "{base}");
    assert!(
        out.join("chart-templates/imported-poddisruptionbudget-cockroachdb-budget.yaml")
            .exists()
    );
}

/// Builds podinfo's overlays with the real kustomize (kubectl's); fails when kubectl is missing.
fn kustomize(env: &str, dir: &Path) -> PathBuf {
    let tree = app("podinfo/deploy/overlays").join(env);
    let out = std::process::Command::new("kubectl")
        .args(["kustomize", &tree.display().to_string()])
        .output()
        .expect("kubectl (with kustomize) must be installed: see ORACLES.md");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join(format!("{env}.yaml"));
    std::fs::write(&path, out.stdout).unwrap();
    path
}

#[test]
fn a_kustomize_tree_of_three_overlays_becomes_base_plus_differences() {
    let tmp = TempProject::empty();
    let envs = ["dev", "staging", "production"];
    let built: Vec<PathBuf> = envs.iter().map(|e| kustomize(e, tmp.path())).collect();
    let pairs: Vec<(&str, &Path)> = envs
        .iter()
        .copied()
        .zip(built.iter().map(PathBuf::as_path))
        .collect();
    let (_t, out) = import_and_prove(&pairs);
    let manifest_lines: usize = built.iter().map(|p| lines(p)).sum();
    assert!(
        values_lines(&out) * 4 < manifest_lines,
        "values not much shorter"
    );
    // What the environments share is in base.yaml; an overlay holds only its namespace and labels.
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(base.contains("ghcr.io/stefanprodan/podinfo"), "{base}");
    let dev = std::fs::read_to_string(out.join("environments/dev.yaml")).unwrap();
    assert!(
        dev.contains("namespace: dev") && !dev.contains("image:"),
        "{dev}"
    );
    // The autoscalers are the components' `autoscaling`, not kept templates.
    assert!(
        base.contains("targetCPUUtilizationPercentage: 99"),
        "{base}"
    );
    assert!(
        !out.join("chart-templates/imported-horizontalpodautoscaler-dev-backend.yaml")
            .exists()
    );
}

#[test]
fn manifests_piped_on_stdin_import_too() {
    let text =
        std::fs::read_to_string(app("kubernetes-examples/guestbook-all-in-one.yaml")).unwrap();
    let tmp = TempProject::empty();
    Cli::new()
        .args(["import", "-o", "gb", "prod=-"])
        .in_dir(tmp.path())
        .stdin(&text)
        .run()
        .exit(0)
        .stdout_has("3 component(s)");
}

const ONE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n";

#[test]
fn bad_input_exits_2_with_where() {
    let tmp = TempProject::empty();
    tmp.write("empty.yaml", "# nothing\n");
    tmp.write("twice.yaml", &format!("{ONE}---\n{ONE}"));
    tmp.write("broken.yaml", "kind: [\n");
    tmp.write("one.yaml", ONE);
    let import = |args: &[&str]| Cli::new().args(args).in_dir(tmp.path()).run();
    import(&["import", "-o", "a", "prod=empty.yaml"])
        .exit(2)
        .stderr_has("empty.yaml holds no Kubernetes objects");
    import(&["import", "-o", "b", "prod=twice.yaml"])
        .exit(2)
        .stderr_has("ConfigMap settings is given twice")
        .stderr_has("--> twice.yaml:");
    import(&["import", "-o", "c", "prod=broken.yaml"])
        .exit(2)
        .stderr_has("broken.yaml:");
    import(&["import", "-o", "d", "Prod/x=one.yaml"])
        .exit(2)
        .stderr_has("is not a valid environment");
    import(&["import", "-o", "d", "one.yaml"])
        .exit(2)
        .stderr_has("write ENV=PATH");
    tmp.write("full/keep.txt", "mine\n");
    import(&["import", "-o", "full", "prod=one.yaml"])
        .exit(2)
        .stderr_has("is not empty");
    assert!(
        !tmp.path().join("full/environments").exists(),
        "nothing half-written"
    );
    import(&["import", "-o", "full", "--force", "prod=one.yaml"]).exit(0);
}

#[test]
fn unmappable_objects_are_kept_and_listed_and_secrets_with_data_are_not_imported() {
    let tmp = TempProject::empty();
    tmp.write(
        "app.yaml",
        &format!("{ONE}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n"),
    );
    let run = Cli::new()
        .args(["import", "-o", "p", "prod=app.yaml"])
        .in_dir(tmp.path())
        .run()
        .exit(0);
    run.stdout_has("ConfigMap settings");
    let run = Cli::new()
        .args(["import", "-o", "q", "prod=app.yaml"])
        .in_dir(tmp.path())
        .run()
        .exit(0);
    let run = run
        .stderr_has("Secret db (prod) holds data and is not imported")
        .stdout_has("finds no difference but the 1 Secret(s) not imported");
    drop(run);
    let all: String = walk(&tmp.path().join("q"));
    assert!(!all.contains("aHVudGVyMg=="), "a secret value was written");
    assert!(all.contains("name: settings"));
}

fn walk(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.push_str(&walk(&p));
        } else {
            out.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    out
}

/// Builds podinfo's three overlays into `dir`.
fn podinfo_envs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    ["dev", "staging", "production"]
        .into_iter()
        .map(|e| (e, kustomize(e, dir)))
        .collect()
}

#[test]
fn cronjobs_become_components_and_kept_objects_are_listed_with_why() {
    let tmp = TempProject::empty();
    let built = podinfo_envs(tmp.path());
    let out = tmp.path().join("app");
    let mut args = vec!["import".to_string(), "-o".into(), out.display().to_string()];
    args.extend(built.iter().map(|(e, p)| format!("{e}={}", p.display())));
    let run = Cli::new().args(&args).in_dir(tmp.path()).run().exit(0);
    // The four CronJobs are components of kind CronJob, their Job fields and pods in values.
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    for cron in [
        "backup-daily",
        "rollup-daily",
        "rollup-weekly",
        "warm-cache",
    ] {
        assert!(
            base.contains(&format!("  {cron}:\n    kind: CronJob\n")),
            "{cron}: {base}"
        );
        assert!(
            !out.join(format!("chart-templates/imported-cronjob-{cron}.yaml"))
                .exists()
        );
    }
    assert!(base.contains("restartPolicy: Never"), "{base}");
    assert!(
        base.contains("initContainers:\n      warm-cache-init:"),
        "{base}"
    );
    // What stays verbatim is listed with its reason.
    run.stdout_has("ConfigMap backup-script: a ConfigMap keeps its own name")
        .stdout_has("PersistentVolumeClaim database-primary: kforge has no values for a PersistentVolumeClaim");
    for (env, path) in &built {
        Cli::new()
            .args([
                "diff",
                "-e",
                env,
                "--against",
                &path.display().to_string(),
                "--exit-code",
            ])
            .in_dir(&out)
            .run()
            .exit(0);
    }
}

#[test]
fn environments_that_differ_only_in_namespace_share_every_value_and_template() {
    let tmp = TempProject::empty();
    let dev = kustomize("dev", tmp.path());
    let text = std::fs::read_to_string(&dev).unwrap();
    assert!(text.contains("namespace: dev\n"));
    let qa = tmp.path().join("qa.yaml");
    std::fs::write(&qa, text.replace("namespace: dev\n", "namespace: qa\n")).unwrap();
    let (_t, out) = import_and_prove(&[("dev", &dev), ("qa", &qa)]);
    for env in ["dev", "qa"] {
        let overlay =
            std::fs::read_to_string(out.join(format!("environments/{env}.yaml"))).unwrap();
        let values: Vec<&str> = overlay
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        assert_eq!(values, [format!("namespace: {env}")], "{overlay}");
    }
    // Every kept object is one template with one text, its namespace from the values.
    for entry in std::fs::read_dir(out.join("chart-templates")).unwrap() {
        let path = entry.unwrap().path();
        let template = std::fs::read_to_string(&path).unwrap();
        assert!(
            !template.contains("environment in"),
            "{}: {template}",
            path.display()
        );
        assert!(
            !template.contains("namespace: dev"),
            "{}: {template}",
            path.display()
        );
    }
    assert!(
        out.join("chart-templates/imported-configmap-backup-script.yaml")
            .exists()
    );
}

const BUDGETED: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: 'nginx:1.27'}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb, labels: {app: web}}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, labels: {app: migrate}}
spec:
  backoffLimit: 2
  template:
    metadata: {labels: {app: migrate}}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: 'nginx:1.27', args: [migrate]}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
";

#[test]
fn budgets_and_jobs_map_to_values_and_an_ingress_is_kept_with_why() {
    let tmp = TempProject::empty();
    tmp.write("app.yaml", BUDGETED);
    let app = tmp.path().join("app.yaml");
    let (_t, out) = import_and_prove(&[("prod", &app)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("podDisruptionBudget:\n      enabled: true\n      maxUnavailable: 1\n      name: web-pdb"),
        "{base}"
    );
    assert!(base.contains("  migrate:\n    kind: Job\n"), "{base}");
    let templates: Vec<String> = std::fs::read_dir(out.join("chart-templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(templates, ["imported-ingress-web.yaml"]);
    let run = Cli::new()
        .args(["import", "-o", "again", &format!("prod={}", app.display())])
        .in_dir(tmp.path())
        .run()
        .exit(0);
    run.stdout_has("Ingress web: kforge's ingress values name the Ingress after its workload");
}

#[test]
fn cockroachdb_budget_of_a_removed_api_is_kept_with_why() {
    let manifests = app("kubernetes-examples/cockroachdb-statefulset.yaml");
    let tmp = TempProject::empty();
    Cli::new()
        .args(["import", "-o", "c", &format!("prod={}", manifests.display())])
        .in_dir(tmp.path())
        .run()
        .exit(0)
        .stdout_has("PodDisruptionBudget cockroachdb-budget: apiVersion policy/v1beta1: kforge writes policy/v1 budgets");
}

#[test]
fn a_folder_without_manifests_or_a_document_that_is_no_object_exits_2() {
    let tmp = TempProject::empty();
    tmp.write("none/README.md", "no manifests here\n");
    tmp.write("values.yaml", "replicas: 3\nimage: nginx\n");
    let import = |args: &[&str]| Cli::new().args(args).in_dir(tmp.path()).run();
    import(&["import", "-o", "a", "prod=none"])
        .exit(2)
        .stderr_has("none holds no Kubernetes objects");
    import(&["import", "-o", "b", "prod=values.yaml"])
        .exit(2)
        .stderr_has("without kind or metadata.name")
        .stderr_has("values.yaml:1");
    import(&["import", "-o", "c", "prod=missing.yaml"]).exit(2);
    assert!(!tmp.path().join("a").exists() && !tmp.path().join("b").exists());
}
