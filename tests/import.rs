//! `kforge import` (issue 27): public applications round-trip with zero differences (as
//! `kforge diff --against` and `kforge check` see them, run here as a user would), several
//! environments factor into base + overlays, and bad input exits 2 with file:line.

use std::path::{Path, PathBuf};

use crate::support::{Cli, TempProject, repo_root};

pub(crate) fn app(rel: &str) -> PathBuf {
    let p = repo_root().join("tests/corpora/apps").join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// Values lines written (comments and blank lines left out).
pub(crate) fn values_lines(project: &Path) -> usize {
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

/// `kforge diff -e ENV --against PATH --exit-code` finds nothing, for each environment.
fn assert_no_drift<P: AsRef<Path>>(project: &Path, envs: &[(&str, P)]) {
    for (env, path) in envs {
        Cli::new()
            .args([
                "diff",
                "-e",
                env,
                "--against",
                &path.as_ref().display().to_string(),
                "--exit-code",
            ])
            .in_dir(project)
            .run()
            .exit(0)
            .stdout_has("no differences");
    }
}

/// The objects an import kept verbatim, as it lists them (`Kind name: why` lines).
pub(crate) fn kept(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("kept verbatim"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// The `--against` path of each `proved: kforge diff -e ENV --against PATH` line, by ENV.
fn proved_against(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("proved: kforge diff -e "))
        .filter_map(|l| {
            let (env, rest) = l.split_once(" --against ")?;
            let (path, _) = rest.split_once(" --exit-code")?;
            Some((env.to_string(), path.to_string()))
        })
        .collect()
}

/// Imports `envs` into a fresh folder and checks the claims the import makes, independently:
/// the input itself, or (when it converted or annotated objects, which it lists) golden/, which
/// holds the input as converted. Returns the folder, the project and what the import printed.
pub(crate) fn import_and_prove(envs: &[(&str, &Path)]) -> (TempProject, PathBuf, String) {
    let tmp = TempProject::empty();
    let out = tmp.path().join("app");
    let args: Vec<String> = ["import".to_string(), "-o".into(), out.display().to_string()]
        .into_iter()
        .chain(envs.iter().map(|(e, p)| format!("{e}={}", p.display())))
        .collect();
    let run = Cli::new().args(&args).in_dir(tmp.path()).run().exit(0);
    let claims = proved_against(&run.stdout);
    assert_eq!(claims.len(), envs.len(), "{}", run.stdout);
    let changed = run.stdout.contains("converted from removed API versions")
        || run.stdout.contains("silenced on their object");
    for ((env, path), (claimed_env, against)) in envs.iter().zip(&claims) {
        assert_eq!(env, claimed_env);
        if changed {
            assert_eq!(*against, format!("golden/{env}"), "{}", run.stdout);
        } else {
            assert_eq!(*against, path.display().to_string(), "{}", run.stdout);
        }
    }
    let claims: Vec<(&str, &str)> = claims
        .iter()
        .map(|(e, p)| (e.as_str(), p.as_str()))
        .collect();
    assert_no_drift(&out, &claims);
    Cli::new().args(["check"]).in_dir(&out).run().exit(0);
    Cli::new()
        .args(["golden", "check"])
        .in_dir(&out)
        .run()
        .exit(0);
    (tmp, out, run.stdout)
}

#[test]
fn online_boutique_round_trips_with_its_names_selectors_and_two_frontend_services() {
    let manifests = app("microservices-demo/kubernetes-manifests.yaml");
    let (_tmp, out, _) = import_and_prove(&[("prod", &manifests)]);
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
    // Issue 35: no value that means nothing. The shared values had the first component's
    // `image.repository`, which every component overrode, and each port without a protocol
    // said `protocol: ""`; now the ports are numbers and the values say once that a port
    // without a protocol writes none.
    let shared = base.split("\ncomponents:\n").next().unwrap();
    assert!(!shared.contains("repository:"), "{shared}");
    assert!(shared.contains("\n  tag: v0.10.6\n"), "{shared}");
    assert!(!base.contains("protocol: \"\""), "{base}");
    assert_eq!(
        base.matches("containerPortProtocol: \"\"").count(),
        1,
        "{base}"
    );
    assert!(base.contains("    ports:\n      grpc: 7000\n"), "{base}");
}

#[test]
fn kubernetes_examples_round_trip() {
    for file in ["cockroachdb-statefulset.yaml", "guestbook-all-in-one.yaml"] {
        let manifests = app(&format!("kubernetes-examples/{file}"));
        let (_tmp, out, _) = import_and_prove(&[("prod", &manifests)]);
        assert!(values_lines(&out) < lines(&manifests), "{file}");
    }
}

// Issue 33: its policy/v1beta1 budget was kept verbatim and `removed-api` disabled for the whole
// project; converted to policy/v1, it is the StatefulSet's `podDisruptionBudget`.
#[test]
fn cockroachdb_keeps_two_services_on_one_statefulset_and_its_converted_budget() {
    let manifests = app("kubernetes-examples/cockroachdb-statefulset.yaml");
    let (_tmp, out, stdout) = import_and_prove(&[("prod", &manifests)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(base.contains("kind: StatefulSet"), "{base}");
    // The headless Service keeps its own annotations and clusterIP: None through `spec`.
    assert!(base.contains("services:\n      public:"), "{base}");
    assert!(base.contains("tolerate-unready-endpoints"), "{base}");
    assert!(base.contains("clusterIP: None"), "{base}");
    assert!(
        stdout.contains("  PodDisruptionBudget cockroachdb-budget: policy/v1beta1 -> policy/v1\n"),
        "{stdout}"
    );
    assert!(
        base.contains("podDisruptionBudget:\n      enabled: true\n"),
        "{base}"
    );
    assert_eq!(kept(&stdout), Vec::<String>::new());
    let lint = std::fs::read_to_string(out.join("kforge-lint.yaml")).unwrap();
    assert!(!lint.contains("disable"), "{lint}");
}

/// Builds podinfo's overlays with the real kustomize (kubectl's); fails when kubectl is missing.
pub(crate) fn kustomize(env: &str, dir: &Path) -> PathBuf {
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
    let (_t, out, _) = import_and_prove(&pairs);
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
        &format!("{ONE}---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n"),
    );
    let run = Cli::new()
        .args(["import", "-o", "q", "prod=app.yaml"])
        .in_dir(tmp.path())
        .run()
        .exit(0);
    assert_eq!(
        kept(&run.stdout),
        ["ServiceAccount app: kforge has no values for a ServiceAccount"]
    );
    let run = run
        .stdout_has("config sets (config/<set>/, fixed-name ConfigMaps), 1: settings")
        .stderr_has("Secret db (prod) holds data and is not imported")
        .stdout_has("finds no difference but the 1 Secret(s) not imported");
    drop(run);
    // The kept template says why it is kept.
    let template = std::fs::read_to_string(
        tmp.path()
            .join("q/chart-templates/imported-serviceaccount-app.yaml"),
    )
    .unwrap();
    assert!(
        template.starts_with(
            "{#- Kept verbatim by `kforge import`: kforge has no values for a ServiceAccount. -#}"
        ),
        "{template}"
    );
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
pub(crate) fn podinfo_envs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
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
    // The ConfigMaps are fixed-name config sets; what stays verbatim is listed with its reason.
    let run = run.stdout_has(
        "config sets (config/<set>/, fixed-name ConfigMaps), 4: backup-script, redis-config-bd2fcfgt6k, rollup-script, warm-cache-script",
    );
    assert_eq!(
        kept(&run.stdout),
        [
            "Namespace dev: kforge has no values for a Namespace",
            "Namespace production: kforge has no values for a Namespace",
            "Namespace staging: kforge has no values for a Namespace",
            "PersistentVolumeClaim database-primary: kforge has no values for a PersistentVolumeClaim",
        ]
    );
    assert_no_drift(&out, &built);
}

#[test]
fn environments_that_differ_only_in_namespace_share_every_value_and_template() {
    let tmp = TempProject::empty();
    let dev = kustomize("dev", tmp.path());
    let text = std::fs::read_to_string(&dev).unwrap();
    assert!(text.contains("namespace: dev\n"));
    let qa = tmp.path().join("qa.yaml");
    std::fs::write(&qa, text.replace("namespace: dev\n", "namespace: qa\n")).unwrap();
    let (_t, out, _) = import_and_prove(&[("dev", &dev), ("qa", &qa)]);
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
    // The ConfigMaps are config sets whose files every environment shares.
    assert!(out.join("config/backup-script").is_dir());
    assert!(
        !out.join("chart-templates/imported-configmap-backup-script.yaml")
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
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web-public, labels: {app: web, tier: edge}}
spec:
  ingressClassName: nginx
  tls: [{secretName: web-tls, hosts: [shop.example]}]
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
    - host: shop.example
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
          - {path: /docs, pathType: Exact, backend: {service: {name: docs, port: {number: 8000}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web-legacy}
spec:
  rules:
    - http:
        paths:
          - {path: /old, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: blog}
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: blog, port: {number: 80}}}}
";

#[test]
fn budgets_jobs_and_an_ingress_map_to_values_and_other_ingresses_are_kept_with_why() {
    let tmp = TempProject::empty();
    tmp.write("app.yaml", BUDGETED);
    let app = tmp.path().join("app.yaml");
    let (_t, out, stdout) = import_and_prove(&[("prod", &app)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("podDisruptionBudget:\n      enabled: true\n      maxUnavailable: 1\n      name: web-pdb"),
        "{base}"
    );
    assert!(base.contains("  migrate:\n    kind: Job\n"), "{base}");
    // The Ingress routing to web's Service is web's `ingress`: its own name and labels, a
    // path to another Service, ports by number and by name.
    assert!(
        base.contains("    ingress:\n      enabled: true\n      name: web-public\n      labels:\n        tier: edge\n"),
        "{base}"
    );
    assert!(
        base.contains("            /docs:\n              pathType: Exact\n              service: docs\n              port: 8000\n"),
        "{base}"
    );
    assert!(
        base.contains("            /:\n              port: http\n"),
        "{base}"
    );
    assert_eq!(
        kept(&stdout),
        [
            "Ingress blog: it routes to no Service of an imported workload (an Ingress goes with the component whose Service it routes to)",
            "Ingress web-legacy: a second Ingress of Deployment web: a component has one",
        ]
    );
    let templates = crate::support::file_names(&out.join("chart-templates"));
    assert_eq!(
        templates,
        [
            "imported-ingress-blog.yaml",
            "imported-ingress-web-legacy.yaml"
        ]
    );
    // Issue 33: the Ingresses naming Services the input does not have were the reason for
    // `disable: [ingress-backend]` in kforge-lint.yaml; now each carries the ignore itself.
    assert!(
        stdout.contains("  Ingress blog: kforge.io/ignore: ingress-backend (ingress-backend: backend Service `blog` is not in the set)\n"),
        "{stdout}"
    );
    assert!(
        base.contains("      annotations:\n        kforge.io/ignore: ingress-backend\n"),
        "{base}"
    );
    let lint = std::fs::read_to_string(out.join("kforge-lint.yaml")).unwrap();
    assert!(!lint.contains("disable"), "{lint}");
    let legacy =
        std::fs::read_to_string(out.join("chart-templates/imported-ingress-web-legacy.yaml"))
            .unwrap();
    assert!(
        legacy.starts_with("{#- Kept verbatim by `kforge import`: a second Ingress of Deployment web: a component has one. -#}\n"),
        "{legacy}"
    );
}

/// A ConfigMap per environment: `{{`, `{%` and `{#` in its text, one file that differs.
fn config_maps(env: &str) -> String {
    format!(
        "\
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-config, namespace: {env}, labels: {{app: web}}, annotations: {{owner: team-a}}}}
data:
  page.html: |
    <p>{{{{ user }}}} {{% raw %}} {{# not a comment #}} {{{{{{ </p>
      {{%- endraw %}}   \n
  settings.json: '{{\"env\": \"{env}\"}}'
  level: debug
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: fonts, namespace: {env}}}
binaryData:
  font.woff: d09GRg==
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: frozen, namespace: {env}}}
immutable: true
data:
  a: b
"
    )
}

// Issue 27: ConfigMaps become fixed-name config sets, their text rendered back byte for byte
// (config files are templates), a file that differs per environment from its settings.
#[test]
fn config_maps_become_config_sets_that_render_them_exactly() {
    let tmp = TempProject::empty();
    tmp.write("dev.yaml", &config_maps("dev"));
    tmp.write("prod.yaml", &config_maps("prod"));
    let (dev, prod) = (tmp.path().join("dev.yaml"), tmp.path().join("prod.yaml"));
    let (_t, out, stdout) = import_and_prove(&[("dev", &dev), ("prod", &prod)]);
    assert!(
        stdout.contains("config sets (config/<set>/, fixed-name ConfigMaps), 1: web-config"),
        "{stdout}"
    );
    assert_eq!(
        kept(&stdout),
        [
            "ConfigMap fonts: its binaryData: a config set is text files (data) and can change",
            "ConfigMap frozen: its immutable: a config set is text files (data) and can change",
        ]
    );
    assert_eq!(
        crate::support::file_names(&out.join("config/web-config")),
        ["level", "page.html", "settings.json"]
    );
    let page = std::fs::read_to_string(out.join("config/web-config/page.html")).unwrap();
    assert!(page.starts_with("<p>{{ \"{{\" | safe }} user }}"), "{page}");
    // The file that differs is each environment's setting; the others are in base.yaml's files.
    let overlay = std::fs::read_to_string(out.join("environments/prod.yaml")).unwrap();
    assert!(
        overlay.contains(r#"settings.json: "{\"env\": \"prod\"}""#),
        "{overlay}"
    );
    assert!(!overlay.contains("debug"), "{overlay}");
    // No workload: no image (it was `image.repository: imported`, a placeholder).
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(!base.contains("image:"), "{base}");
    assert!(base.contains("kind: None"), "{base}");
    let list = Cli::new()
        .args(["render", "-e", "prod", "-o", "json"])
        .in_dir(&out)
        .run()
        .exit(0)
        .json();
    let cm = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "web-config")
        .unwrap()
        .clone();
    assert_eq!(
        cm["data"]["page.html"],
        "<p>{{ user }} {% raw %} {# not a comment #} {{{ </p>\n  {%- endraw %}   \n"
    );
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

/// The ConfigMap-backed config sets an import reports.
fn config_sets(stdout: &str) -> &str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("config sets (config/<set>/, fixed-name ConfigMaps), "))
        .unwrap_or("")
}

// Issue 27: a public Helm chart as Helm 4 renders it, two environments: its Ingress, budget,
// autoscaler, Redis ConfigMap and hook Job are values: nothing stays verbatim.
#[test]
fn podinfo_helm_chart_round_trips_with_its_ingress_budget_autoscaler_and_config() {
    let staging = app("podinfo-chart/staging.yaml");
    let production = app("podinfo-chart/production.yaml");
    let (_t, out, stdout) = import_and_prove(&[("staging", &staging), ("production", &production)]);
    assert_eq!(config_sets(&stdout), "1: podinfo-redis");
    // Issue 35: the hook Job (pods without labels) is a component too (tests/import_maps.rs).
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    assert!(crate::support::file_names(&out.join("chart-templates")).is_empty());
    let production_values =
        std::fs::read_to_string(out.join("environments/production.yaml")).unwrap();
    for says in [
        "    ingress:\n",
        "        podinfo-tls:\n",
        "    podDisruptionBudget:\n      enabled: true\n      maxUnavailable: 1\n",
        "      targetCPUUtilizationPercentage: 80\n",
    ] {
        assert!(
            production_values.contains(says),
            "{says}: {production_values}"
        );
    }
    assert!(out.join("config/podinfo-redis/redis.conf").is_file());
    assert!(values_lines(&out) * 2 < lines(&staging) + lines(&production));
}

// Issue 27: a public static install: one Deployment with two Services, its ConfigMap (no data)
// kept with why, and the objects of kinds kforge has no values for.
#[test]
fn ingress_nginx_static_install_round_trips_and_lists_what_it_keeps() {
    let manifests = app("ingress-nginx/deploy.yaml");
    let (_t, out, stdout) = import_and_prove(&[("prod", &manifests)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(base.contains("  ingress-nginx-controller:\n"), "{base}");
    // Its two Services are keyed values of the one component.
    assert!(
        base.contains("      ingress-nginx-controller:\n        name: ingress-nginx-controller\n"),
        "{base}"
    );
    assert!(
        base.contains("      admission:\n        ports:\n"),
        "{base}"
    );
    // Issue 35: `repo:tag@sha256:...` is split, so a release bump edits a tag and a digest,
    // not one long repository string (the image renders back exactly, as the proof shows).
    assert!(
        base.contains("      repository: registry.k8s.io/ingress-nginx/controller\n      tag: v1.15.1\n      digest: sha256:594ceea76b01c592858f803f9ff4d2cb40542cae2060410b2c95f75907d659e1\n"),
        "{base}"
    );
    assert!(
        !base
            .lines()
            .any(|l| l.contains("repository:") && l.contains('@')),
        "{base}"
    );
    let why = |kind: &str, name: &str, why: &str| format!("{kind} {name}: {why}");
    let none = "kforge has no values for a";
    let mut expected = vec![
        why(
            "ClusterRole",
            "ingress-nginx",
            &format!("{none} ClusterRole"),
        ),
        why(
            "ClusterRole",
            "ingress-nginx-admission",
            &format!("{none} ClusterRole"),
        ),
        why(
            "ClusterRoleBinding",
            "ingress-nginx",
            &format!("{none} ClusterRoleBinding"),
        ),
        why(
            "ClusterRoleBinding",
            "ingress-nginx-admission",
            &format!("{none} ClusterRoleBinding"),
        ),
        why(
            "ConfigMap",
            "ingress-nginx-controller",
            "it has no data: a config set is a folder of files",
        ),
        why("IngressClass", "nginx", &format!("{none} IngressClass")),
    ];
    expected.push(why(
        "Namespace",
        "ingress-nginx",
        &format!("{none} Namespace"),
    ));
    for kind in ["Role", "RoleBinding"] {
        expected.push(why(kind, "ingress-nginx", &format!("{none} {kind}")));
        expected.push(why(
            kind,
            "ingress-nginx-admission",
            &format!("{none} {kind}"),
        ));
    }
    // The admission Jobs are components (their pod template's name its `podTemplateName`) and
    // their account the first one's `serviceAccount`, as the controller's is its own.
    expected.push(why(
        "ValidatingWebhookConfiguration",
        "ingress-nginx-admission",
        &format!("{none} ValidatingWebhookConfiguration"),
    ));
    assert_eq!(kept(&stdout), expected);
    // 199 values lines for 690 manifest lines: the admission Jobs' 50 lines of values were kept
    // templates (a quarter before issue 35 mapped them).
    assert!(values_lines(&out) * 3 < lines(&manifests));
}

// `helm template` prints `helm test` hooks; `kforge render` shows a release without them. An
// import of such output failed with "still differs": the kept test Pod was never shown.
#[test]
fn helm_test_hooks_in_the_input_are_kept_as_tests_and_do_not_count_as_drift() {
    let tmp = TempProject::empty();
    tmp.write(
        "app.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: app-test\n  annotations: {helm.sh/hook: test}\nspec:\n  restartPolicy: Never\n  containers: [{name: t, image: 'busybox:1.37'}]\n",
    );
    let app = tmp.path().join("app.yaml");
    let (_t, out, stdout) = import_and_prove(&[("prod", &app)]);
    assert_eq!(
        kept(&stdout),
        [
            "Pod app-test: kforge has no values for a Pod",
            "ServiceAccount app: kforge has no values for a ServiceAccount",
        ]
    );
    // The test is packaged for `helm test`.
    Cli::new()
        .args(["package", "-e", "prod", "-d", "dist"])
        .in_dir(&out)
        .run()
        .exit(0);
    let listing = std::process::Command::new("tar")
        .args([
            "tzf",
            &out.join("dist/prod/app-0.1.0.tgz").display().to_string(),
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("app/templates/tests/pod-app-test.yaml"),
        "{listing}"
    );
}

/// podinfo's overlays with a cloud layer (tests/fixtures/import-layers, see its README):
/// dev as podinfo has it, staging and production with a Cloud SQL proxy sidecar in three
/// workloads and no in-cluster primary database, differing from each other in two lines.
fn cloud_envs(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let tree = repo_root().join("tests/fixtures/import-layers/overlays");
    ["dev", "staging", "production"]
        .into_iter()
        .map(|env| {
            let out = std::process::Command::new("kubectl")
                .args(["kustomize", &tree.join(env).display().to_string()])
                .output()
                .expect("kubectl (with kustomize) must be installed: see ORACLES.md");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let path = dir.join(format!("{env}.yaml"));
            std::fs::write(&path, out.stdout).unwrap();
            (env, path)
        })
        .collect()
}

/// The values lines of one file of environments/ (comments and blank lines left out).
fn file_values_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect()
}

// Issue 35: staging and production were 106 values lines each, the proxy sidecar written three
// times in each (771 values lines in all): there was no way to say "these two share this".
#[test]
fn what_staging_and_production_share_is_one_layer_and_their_overlays_hold_their_few_lines() {
    let tmp = TempProject::empty();
    let built = cloud_envs(tmp.path());
    let pairs: Vec<(&str, &Path)> = built.iter().map(|(e, p)| (*e, p.as_path())).collect();
    let (_t, out, stdout) = import_and_prove(&pairs);
    let read = |f: &str| std::fs::read_to_string(out.join("environments").join(f)).unwrap();
    let layer = read("_staging-production.yaml");
    // The sidecar is written once, in the layer, shared by the components that run it; the
    // others of staging and production say they do not.
    let all: String = ["base.yaml", "dev.yaml", "staging.yaml", "production.yaml"]
        .iter()
        .map(|f| read(f))
        .chain([layer.clone()])
        .collect();
    assert_eq!(all.matches("cloud-sql-proxy:").count(), 1, "{all}");
    assert!(layer.starts_with("# Shared layer: what staging and production have alike"));
    assert!(
        layer.contains("\nsidecars:\n  cloud-sql-proxy:\n    image:\n      repository: gcr.io/cloud-sql-connectors/cloud-sql-proxy\n      tag: \"2.14.1\"\n"),
        "{layer}"
    );
    assert!(
        layer.contains("  warm-cache:\n    sidecars: null\n"),
        "{layer}"
    );
    // No in-cluster primary there: declared once, in base, off there and on in dev.
    assert!(
        read("dev.yaml").contains("  database-primary:\n    enabled: true\n"),
        "{}",
        read("dev.yaml")
    );
    // Each overlay: the layer named, its namespace and label, the two lines it differs in.
    for (env, min, max) in [("staging", 2, 4), ("production", 3, 12)] {
        let text = read(&format!("{env}.yaml"));
        let lines = file_values_lines(&text);
        assert_eq!(lines[0], "kforge: {layers: [staging-production]}", "{text}");
        assert!(lines.len() <= 10, "{env}: {} lines\n{text}", lines.len());
        assert!(
            text.contains(&format!(
                "  backend:\n    autoscaling:\n      maxReplicas: {max}\n      minReplicas: {min}\n"
            )),
            "{text}"
        );
        assert!(text.contains(&format!("namespace: {env}")), "{text}");
    }
    assert!(!read("dev.yaml").contains("layers"));
    // At most a quarter of the manifests' lines (771 before the layer and shared sidecars).
    let manifest_lines: usize = built.iter().map(|(_, p)| lines(p)).sum();
    let values = values_lines(&out);
    assert!(
        values * 4 <= manifest_lines,
        "{values} values lines for {manifest_lines}"
    );
    assert!(stdout.contains(&format!("environments/ with {values} values line(s)")));
    // The layer is a values file like any other: origins name it.
    Cli::new()
        .args(["values", "-e", "production", "--show-origin"])
        .in_dir(&out)
        .run()
        .exit(0)
        .stdout_has("environments/_staging-production.yaml:");
}

// An overlay adding a port `https` beside base's `http` (one letter from it) is refused as a
// near miss unless it says it means it: the import wrote no `adds`, and its project did not
// render (exit 2, nothing written).
#[test]
fn a_name_an_overlay_adds_one_slip_from_another_is_written_with_its_adds_directive() {
    let tmp = TempProject::empty();
    let web = |ports: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, labels: {{app: web}}}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          ports: [{ports}]\n"
        )
    };
    let http = "{name: http, containerPort: 80, protocol: TCP}";
    tmp.write("dev.yaml", &web(http));
    tmp.write(
        "prod.yaml",
        &web(&format!(
            "{http}, {{name: https, containerPort: 443, protocol: TCP}}"
        )),
    );
    let (dev, prod) = (tmp.path().join("dev.yaml"), tmp.path().join("prod.yaml"));
    let (_t, out, _) = import_and_prove(&[("dev", &dev), ("prod", &prod)]);
    let overlay = std::fs::read_to_string(out.join("environments/prod.yaml")).unwrap();
    assert_eq!(
        file_values_lines(&overlay),
        [
            "kforge: {adds: [components.web.ports.https]}",
            "components:",
            "  web:",
            "    ports:",
            "      https: 443"
        ],
        "{overlay}"
    );
}

// Issue 35: a probe was split across files, `initialDelaySeconds` in base.yaml and `httpGet` in
// each overlay; it is whole in one place now.
#[test]
fn a_probe_that_differs_between_environments_is_written_whole_in_each_overlay() {
    let tmp = TempProject::empty();
    let web = |path: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, labels: {{app: web}}}}\nspec:\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n          livenessProbe:\n            httpGet: {{path: {path}, port: 80}}\n            initialDelaySeconds: 5\n            periodSeconds: 10\n"
        )
    };
    tmp.write("dev.yaml", &web("/healthz"));
    tmp.write("prod.yaml", &web("/live"));
    let (dev, prod) = (tmp.path().join("dev.yaml"), tmp.path().join("prod.yaml"));
    let (_t, out, _) = import_and_prove(&[("dev", &dev), ("prod", &prod)]);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(!base.contains("Probe"), "{base}");
    for (env, path) in [("dev", "/healthz"), ("prod", "/live")] {
        let overlay =
            std::fs::read_to_string(out.join(format!("environments/{env}.yaml"))).unwrap();
        assert!(
            overlay.contains(&format!(
                "    livenessProbe:\n      httpGet:\n        path: {path}\n        port: 80\n      initialDelaySeconds: 5\n      periodSeconds: 10\n"
            )),
            "{overlay}"
        );
    }
}

/// A kind of many kept objects is written several objects to a file (a template per object
/// cost a file and about 10 KB of compiled template each; 100,000 kept ServiceAccounts held
/// 1 GB); a kind of few keeps a file per object. The proof holds either way, also for objects
/// one environment lacks.
#[test]
fn many_kept_objects_of_a_kind_share_files_and_still_round_trip() {
    let tmp = TempProject::empty();
    let account = |i: usize| {
        format!(
            "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{i:04}\n  namespace: apps\n"
        )
    };
    let role = |i: usize| {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r{i}\n  namespace: apps\nrules: []\n"
        )
    };
    let prod: String = (0..1100).map(account).chain((0..3).map(role)).collect();
    let dev: String = (0..1050).map(account).chain((0..3).map(role)).collect();
    tmp.write("prod.yaml", &prod);
    tmp.write("dev.yaml", &dev);
    let (_t, out, _) = import_and_prove(&[
        ("dev", &tmp.path().join("dev.yaml")),
        ("prod", &tmp.path().join("prod.yaml")),
    ]);
    let mut files: Vec<String> = std::fs::read_dir(out.join("chart-templates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "imported-role-r0.yaml",
            "imported-role-r1.yaml",
            "imported-role-r2.yaml",
            "imported-serviceaccount-001.yaml",
            "imported-serviceaccount-002.yaml",
            "imported-serviceaccount-003.yaml",
        ]
    );
    let third =
        std::fs::read_to_string(out.join("chart-templates/imported-serviceaccount-003.yaml"))
            .unwrap();
    assert_eq!(third.matches("kind: ServiceAccount").count(), 100);
    assert_eq!(third.matches("\n---\n").count(), 100);
}
