//! Applications of several components (`components.<name>`): shared values written once, one
//! workload per component of any kind, names and selectors kept apart, lifecycle hooks, disruption
//! budgets, and the errors of bad component values.

use crate::support::TempProject;

fn kinds_and_names(yaml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut kind = None;
    for line in yaml.lines() {
        if let Some(k) = line.strip_prefix("kind: ") {
            kind = Some(k.to_string());
        } else if let (Some(k), Some(n)) = (&kind, line.strip_prefix("  name: ")) {
            out.push((k.clone(), n.to_string()));
            kind = None;
        }
    }
    out
}

#[test]
fn the_web_worker_example_renders_one_workload_per_component() {
    let p = TempProject::example("web-worker");
    let run = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    // The hook Job is shown under a name that follows its content, so that `kubectl apply`
    // of the next release creates a new Job instead of failing to update this one.
    let objects: Vec<(String, String)> = kinds_and_names(&run.stdout)
        .into_iter()
        .map(|(k, n)| {
            let n = match (k.as_str(), content_named(&n)) {
                ("Job", Some(base)) => base.to_string(),
                _ => n,
            };
            (k, n)
        })
        .collect();
    let expected = [
        ("PodDisruptionBudget", "shop-web"),
        ("Service", "shop-web"),
        ("Deployment", "shop-web"),
        ("Deployment", "shop-worker"),
        ("CronJob", "shop-nightly"),
        ("Job", "shop-migrate"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, n)| (k.to_string(), n.to_string()))
        .collect();
    assert_eq!(objects, expected, "{}", run.stdout);
    // Selectors keep the components apart: the web Service selects only the web pods.
    let service = run
        .stdout
        .split("---\n")
        .find(|d| d.contains("kind: Service"))
        .unwrap();
    assert!(
        service.contains("app.kubernetes.io/component: web"),
        "{service}"
    );
    // An overlay changes one field of one component: prod's workers, shared image for all.
    let worker = run
        .stdout
        .split("---\n")
        .find(|d| d.contains("name: shop-worker") && d.contains("kind: Deployment"))
        .unwrap();
    assert!(worker.contains("replicas: 3"), "{worker}");
    assert_eq!(
        run.stdout.matches("image: ghcr.io/acme/shop:1.4.2").count(),
        4
    );
    // The migration is a pre-upgrade hook, shown last as `helm template` shows it.
    assert!(run.stdout.contains("helm.sh/hook: pre-install,pre-upgrade"));
    // dev: one web pod and no disruption budget.
    let dev = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    assert!(!dev.stdout.contains("PodDisruptionBudget"));
}

#[test]
fn the_web_worker_example_passes_check_and_builds() {
    let p = TempProject::example("web-worker");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("golden/ matches");
    p.kforge().args(["build"]).run().exit(0);
}

// issue 23: diff names the component of each resource it reports.
#[test]
fn diff_names_the_component_of_each_resource() {
    let p = TempProject::example("web-worker");
    let run = p.kforge().args(["diff", "dev", "prod"]).run().exit(0);
    assert!(
        run.stdout
            .contains("~ Deployment/shop-worker [component worker]\n    ± spec.replicas: 1 → 3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("+ PodDisruptionBudget/shop-web [component web] (added)"),
        "{}",
        run.stdout
    );
    let json = p
        .kforge()
        .args(["diff", "dev", "prod", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let worker = json["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Deployment" && c["name"] == "shop-worker")
        .expect("the worker changed");
    assert_eq!(worker["component"], "worker");
}

// issue 23: `values --component` shows what one component's templates see, with origins.
#[test]
fn values_shows_one_component_with_origins() {
    let p = TempProject::example("web-worker");
    let run = p
        .kforge()
        .args([
            "values",
            "-e",
            "prod",
            "--component",
            "worker",
            "--show-origin",
        ])
        .run()
        .exit(0);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key}:\n{}", run.stdout))
            .to_string()
    };
    // The component's own value, from prod's overlay, over the shared default.
    assert!(
        line("replicaCount: 3").contains("# environments/prod.yaml:"),
        "{}",
        run.stdout
    );
    // A shared value, as the component sees it.
    assert!(line("image.repository: \"ghcr.io/acme/shop\"").contains("environments/base.yaml"));
    assert!(!run.stdout.contains("components."), "{}", run.stdout);
    p.kforge()
        .args(["values", "-e", "prod", "--component", "workr"])
        .run()
        .exit(2)
        .stderr_has("did you mean `worker`?");
}

#[test]
fn a_project_without_components_is_unchanged() {
    // Guarded by golden/ too: the reference project renders the same bytes as before.
    let p = TempProject::reference();
    let run = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    assert!(!run.stdout.contains("app.kubernetes.io/component"));
    assert!(run.stdout.contains("        - name: krakend\n"));
}

#[test]
fn bad_component_values_are_refused_at_their_line() {
    let p = TempProject::example("web-worker");
    let cases: [(&str, &str, &str); 4] = [
        ("  Worker_2: {}\n", "Worker_2", "DNS-1123 label"),
        ("  extra:\n    kind: Pod\n", "kind: Pod", "must be one of"),
        (
            "  extra2:\n    kind: Job\n    hook: {phases: [pre-upgrad]}\n",
            "phases: [pre-upgrad]",
            "pre-upgrade",
        ),
        (
            "  extra3:\n    replicaCont: 2\n",
            "replicaCont",
            "did you mean `replicaCount`?",
        ),
    ];
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    for (component, needle, message) in cases {
        p.write("environments/base.yaml", &format!("{base}{component}"));
        let line = p.line_of("environments/base.yaml", needle);
        p.kforge()
            .args(["render", "-e", "dev"])
            .run()
            .exit(2)
            .stderr_has(&format!("environments/base.yaml:{line}:"))
            .stderr_has(message);
    }
}

// Two components whose objects would share a name would overwrite each other in the cluster.
#[test]
fn two_objects_with_one_name_are_an_error() {
    let p = TempProject::example("web-worker");
    p.write(
        "chart-templates/settings.yaml",
        "{% import \"_helpers.jinja\" as h %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ h.release }}\ndata:\n  a: b\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("component `web` (settings.yaml) and component `worker` (settings.yaml) both render ConfigMap `shop`");
}

// Containers are maps keyed by name: an overlay changes one field of one sidecar.
#[test]
fn the_frontend_example_has_an_init_container_a_sidecar_and_secret_references() {
    let p = TempProject::example("frontend");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("golden/ matches");
    let prod = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    let dev = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    for run in [&prod, &dev] {
        assert!(
            run.stdout
                .contains("initContainers:\n        - name: wait-for-api\n")
        );
        assert!(run.stdout.contains("        - name: log-shipper\n"));
        assert!(
            run.stdout
                .contains("secretRef:\n                name: frontend-secrets")
        );
        assert!(run.stdout.contains("secretKeyRef:"));
        assert!(
            !run.stdout.contains("kind: Secret"),
            "a chart never carries secrets"
        );
    }
    assert!(prod.stdout.contains("image: fluent/fluent-bit:3.2.5"));
    assert!(dev.stdout.contains("image: fluent/fluent-bit:3.2.4"));
    // The rest of the sidecar is kept from base.
    assert!(prod.stdout.contains("path=/var/log/frontend/*.log"));
}

#[test]
fn a_sidecar_needs_an_image_and_known_keys() {
    let p = TempProject::example("frontend");
    p.append(
        "environments/dev.yaml",
        "sidecars:\n  proxy:\n    args: [run]\n    imagee: {repository: envoy}\n",
    );
    let line = p.line_of("environments/dev.yaml", "imagee");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has(&format!("environments/dev.yaml:{line}:"))
        .stderr_has("did you mean `image`?")
        .stderr_has("missing required key `sidecars.proxy.image`");
}

/// The documents of a stream whose `kind` and `name` are these (a hook Job or Pod under its
/// content-named `<name>-<hash>`).
fn object<'a>(yaml: &'a str, kind: &str, name: &str) -> &'a str {
    yaml.split("---\n")
        .find(|d| {
            d.contains(&format!("kind: {kind}\n"))
                && d.lines().any(|l| {
                    l.strip_prefix("  name: ").is_some_and(|n| {
                        n == name
                            || (matches!(kind, "Job" | "Pod") && content_named(n) == Some(name))
                    })
                })
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in:\n{yaml}"))
}

/// `base` of a content-named hook `<base>-<10 hex>`.
fn content_named(name: &str) -> Option<&str> {
    let (base, hash) = name.rsplit_once('-')?;
    (hash.len() == 10
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(base)
}

#[test]
fn a_canary_runs_beside_the_stable_track_by_replicas_or_by_weight() {
    let p = TempProject::example("canary");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("golden/ matches");
    // dev: canary off, yet the stable Deployment already selects on its track.
    let dev = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    assert!(!dev.contains("api-canary"));
    assert!(object(&dev, "Deployment", "api").contains("kforge.io/track: stable"));
    // staging: one Service in front of both tracks (a split by replicas).
    let staging = p
        .kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(0)
        .stdout;
    let canary = object(&staging, "Deployment", "api-canary");
    assert!(canary.contains("image: ghcr.io/acme/api:1.9.0"));
    assert!(canary.contains("replicas: 1"));
    assert!(!object(&staging, "Service", "api").contains("kforge.io/track"));
    // prod: 10% through ingress-nginx's canary Ingress to the canary's own Service.
    let prod = p
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    assert!(object(&prod, "Service", "api").contains("kforge.io/track: stable"));
    assert!(object(&prod, "Service", "api-canary").contains("kforge.io/track: canary"));
    let ingress = object(&prod, "Ingress", "api-canary");
    assert!(ingress.contains("nginx.ingress.kubernetes.io/canary-weight: \"10\""));
    assert!(ingress.contains("name: api-canary\n                port:"));
    assert!(object(&prod, "Deployment", "api").contains("image: ghcr.io/acme/api:1.8.0"));
}

// Regression (issue 33, item 6): the canary Deployment and its pods were labelled with the
// stable image's app.kubernetes.io/version, not the version the canary runs.
#[test]
fn a_track_with_its_own_image_is_labelled_with_its_version() {
    let p = TempProject::example("canary");
    let prod = p
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let canary = object(&prod, "Deployment", "api-canary");
    assert_eq!(
        canary
            .matches("app.kubernetes.io/version: \"1.9.0\"")
            .count(),
        2,
        "the Deployment and its pods:\n{canary}"
    );
    assert!(!canary.contains("\"1.8.0\""), "{canary}");
    let stable = object(&prod, "Deployment", "api");
    assert_eq!(
        stable
            .matches("app.kubernetes.io/version: \"1.8.0\"")
            .count(),
        2,
        "{stable}"
    );
    // A version label set by commonLabels stays the project's choice.
    p.append(
        "environments/prod.yaml",
        "commonLabels:\n  app.kubernetes.io/version: release-42\n",
    );
    let prod = p
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let canary = object(&prod, "Deployment", "api-canary");
    assert!(!canary.contains("1.9.0\"\n"), "{canary}");
    assert!(
        canary.contains("app.kubernetes.io/version: release-42"),
        "{canary}"
    );
    // Each blue-green colour is labelled with the version it runs.
    let p = TempProject::example("blue-green");
    let prod = p
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    assert!(
        object(&prod, "Deployment", "api-green").contains("app.kubernetes.io/version: \"1.9.0\"")
    );
    assert!(
        object(&prod, "Deployment", "api-blue").contains("app.kubernetes.io/version: \"1.8.0\"")
    );
}

#[test]
fn blue_green_serves_the_active_colour_and_previews_the_other() {
    let p = TempProject::example("blue-green");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("golden/ matches");
    let prod = p
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    assert!(object(&prod, "Service", "api").contains("kforge.io/colour: blue"));
    assert!(object(&prod, "Service", "api-preview").contains("kforge.io/colour: green"));
    assert!(object(&prod, "Deployment", "api-blue").contains("image: ghcr.io/acme/api:1.8.0"));
    assert!(object(&prod, "Deployment", "api-green").contains("replicas: 1"));
    // The switch is one value: staging serves green.
    let staging = p
        .kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(0)
        .stdout;
    assert!(object(&staging, "Service", "api").contains("kforge.io/colour: green"));
    assert!(object(&staging, "Service", "api-preview").contains("kforge.io/colour: blue"));
    // A colour that does not exist is refused at its line.
    p.write("environments/dev.yaml", "blueGreen:\n  active: gren\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("blue-green active colour `gren` is not one of the colours (blue, green)")
        .stderr_has("environments/dev.yaml:2:");
}

#[test]
fn init_scaffolds_an_application_that_passes_check_and_build_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("shop");
    crate::support::Cli::new()
        .args(["init", project.to_str().unwrap(), "--components"])
        .run()
        .exit(0);
    let run = |args: &[&str]| crate::support::Cli::new().args(args).in_dir(&project).run();
    run(&["check"]).exit(0).stderr_has("golden/ matches");
    run(&["build"]).exit(0);
    let prod = run(&["render", "-e", "prod"]).exit(0).stdout;
    for (kind, name) in [
        ("Deployment", "shop-web"),
        ("Deployment", "shop-worker"),
        ("CronJob", "shop-nightly"),
        ("Job", "shop-migrate"),
        ("PodDisruptionBudget", "shop-web"),
        ("HorizontalPodAutoscaler", "shop-web"),
        ("Ingress", "shop-web"),
    ] {
        object(&prod, kind, name);
    }
    // What staging and prod share is written once, in a shared layer that dev does not name.
    assert!(project.join("environments/_public.yaml").is_file());
    run(&["values", "-e", "prod", "--show-origin"])
        .exit(0)
        .stdout_has("environments/_public.yaml:");
    let dev = run(&["render", "-e", "dev"]).exit(0).stdout;
    assert!(!dev.contains("kind: Ingress"), "{dev}");
}

// Issue 33: a component only some environments have is declared once in base.yaml, switched
// off there, and switched on where it runs; before `enabled` existed the key was refused
// (unknown key) and such a component could only be written in each overlay that has it.
#[test]
fn a_component_switched_off_in_base_renders_only_where_an_overlay_switches_it_on() {
    let p = TempProject::example("web-worker");
    p.append(
        "environments/base.yaml",
        "  debug:\n    enabled: false\n    args: [debug]\n    service: {enabled: false}\n",
    );
    p.append("environments/dev.yaml", "  debug:\n    enabled: true\n");
    let debug = |env: &str| {
        let run = p.kforge().args(["render", "-e", env]).run().exit(0);
        kinds_and_names(&run.stdout)
            .into_iter()
            .filter(|(_, n)| n == "shop-debug")
            .count()
    };
    assert_eq!(debug("dev"), 1);
    assert_eq!(debug("prod"), 0);
    assert_eq!(debug("staging"), 0);
    // Switched off, its values are still checked: a typo in it is found in every environment.
    p.append("environments/base.yaml", "    replicaCont: 2\n");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("replicaCont")
        .stderr_has("switched off here");
}

// Issue 33: `enabled: false` on every component of an environment renders none of their
// objects, and no workload of the top-level values in their place.
#[test]
fn components_switched_off_produce_no_objects() {
    let p = TempProject::example("web-worker");
    p.write(
        "environments/staging.yaml",
        "components:\n  web: {enabled: false}\n  worker: {enabled: false}\n",
    );
    let run = p.kforge().args(["render", "-e", "staging"]).run().exit(0);
    let objects = kinds_and_names(&run.stdout);
    assert!(
        objects
            .iter()
            .all(|(_, n)| n == "shop-nightly" || content_named(n) == Some("shop-migrate")),
        "{objects:?}"
    );
    p.write(
        "environments/staging.yaml",
        "components:\n  web: {enabled: false}\n  worker: {enabled: false}\n  nightly: {enabled: false}\n  migrate: {enabled: false}\n",
    );
    let run = p.kforge().args(["render", "-e", "staging"]).run().exit(0);
    assert_eq!(kinds_and_names(&run.stdout), [], "{}", run.stdout);
    // A component switched off still has values to show, without its switch (no template
    // reads it).
    let web = p
        .kforge()
        .args([
            "values",
            "-e",
            "staging",
            "--component",
            "web",
            "-o",
            "json",
        ])
        .run()
        .exit(0)
        .json();
    assert_eq!(web["replicaCount"], 2);
    assert!(web.get("enabled").is_none(), "{web}");
}
