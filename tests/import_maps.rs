//! `kforge import` (issue 35, item 3): objects kforge has values for are mapped to them, not
//! kept verbatim: ServiceAccounts as their component's `serviceAccount`, a Service in front of
//! several workloads, ConfigMaps and Ingresses with labels of their own, a workload's own
//! annotations, a Job's Helm hook, a Job whose pods have no labels or a pod template with a
//! name.

use crate::import::{app, import_and_prove, kept, values_lines};
use crate::support::{Cli, TempProject};

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: NAME\n  labels: {app: NAME}\nspec:\n  selector:\n    matchLabels: {app: NAME}\n  template:\n    metadata:\n      labels: {app: NAME}\n    spec:\n      serviceAccountName: ACCOUNT\n      containers:\n        - name: main\n          image: 'example.com/NAME:1.0'\n";

fn deployment(name: &str, account: &str) -> String {
    DEPLOY.replace("NAME", name).replace("ACCOUNT", account)
}

// Online Boutique's 11 ServiceAccounts were kept verbatim although the values have
// `serviceAccount`: each is now the `serviceAccount` of the component that runs under it.
#[test]
fn online_boutique_service_accounts_are_their_components_values() {
    let (_t, out, stdout) =
        import_and_prove(&[("prod", &app("microservices-demo/kubernetes-manifests.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains(
            "    serviceAccount:\n      name: adservice\n      create: true\n      labels: {}\n"
        ),
        "{base}"
    );
}

// An account with labels and annotations of its own maps with them; one with a field the
// values have no key for, or whose token setting is not its pods', stays verbatim with why.
#[test]
fn service_accounts_map_with_their_own_labels_or_stay_kept_with_why() {
    let tmp = TempProject::empty();
    let text = [
        deployment("web", "web-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-sa\n  labels: {team: shop}\n  annotations: {iam.example.com/role: web}\n".into(),
        deployment("api", "api-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api-sa\nimagePullSecrets: [{name: registry}]\n".into(),
        deployment("db", "db-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: db-sa\n  labels: {app: db}\nautomountServiceAccountToken: false\n".into(),
        deployment("cache", "cache-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: cache-sa\n  labels: {app: cache}\n".into(),
    ]
    .join("---\n");
    tmp.write("app.yaml", &text);
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("app.yaml"))]);
    assert_eq!(
        kept(&stdout),
        [
            "ServiceAccount api-sa: its imagePullSecrets: the values have no key for it",
            "ServiceAccount db-sa: its automountServiceAccountToken is not its pods': one value (serviceAccount.automount) says both",
        ]
    );
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("    serviceAccount:\n      name: web-sa\n      create: true\n      labels:\n        team: shop\n      annotations:\n        iam.example.com/role: web\n"),
        "{base}"
    );
    // Labels that are the component's are not written again.
    assert!(
        base.ends_with("    serviceAccount:\n      name: cache-sa\n      create: true\n"),
        "{base}"
    );
}

/// Three versions of one service behind one Service, as in the service-mesh samples
/// (`reviews` v1, v2 and v3 selected by `app: reviews`).
fn versions_behind_one_service() -> String {
    let mut docs: Vec<String> = ["v1", "v2", "v3"]
        .iter()
        .map(|v| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: reviews-{v}\n  labels: {{app: reviews, version: {v}}}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: reviews, version: {v}}}\n  template:\n    metadata:\n      labels: {{app: reviews, version: {v}}}\n    spec:\n      serviceAccountName: bookinfo-reviews\n      containers:\n        - name: reviews\n          image: 'docker.io/istio/examples-bookinfo-reviews-{v}:1.20.3'\n          ports:\n            - containerPort: 9080\n"
            )
        })
        .collect();
    docs.push("apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  labels: {app: reviews, service: reviews}\nspec:\n  ports:\n    - port: 9080\n      name: http\n  selector:\n    app: reviews\n".into());
    docs.push("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bookinfo-reviews\n  labels: {account: reviews}\n".into());
    docs.join("---\n")
}

// A Service selecting the pods of three workloads was kept verbatim: it lacks the `version`
// label its first workload's objects carry. It is that workload's, with its selector and only
// its own labels (`sharedLabels: false`); the account the three share is created once.
#[test]
fn a_service_in_front_of_several_workloads_is_mapped_not_kept() {
    let tmp = TempProject::empty();
    tmp.write("prod.yaml", &versions_behind_one_service());
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("prod.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("    services:\n      reviews:\n        name: reviews\n        sharedLabels: false\n        labels:\n          app: reviews\n          service: reviews\n"),
        "{base}"
    );
    assert!(
        base.contains("        selector:\n          app: reviews\n"),
        "{base}"
    );
    assert_eq!(base.matches("create: true").count(), 1, "{base}");
}

// An Ingress and a fixed-name ConfigMap without the labels their workloads share were kept
// verbatim ("kforge gives an Ingress the workload's labels"); they map with their own labels.
#[test]
fn an_ingress_and_a_config_map_with_labels_of_their_own_are_mapped() {
    let tmp = TempProject::empty();
    let text = [
        deployment("web", "default").replace("{app: web}\nspec", "{app: web, part-of: shop}\nspec"),
        deployment("api", "default").replace("{app: api}\nspec", "{app: api, part-of: shop}\nspec"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {app: web, part-of: shop}\nspec:\n  selector: {app: web}\n  ports:\n    - name: http\n      port: 80\n".into(),
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  labels: {tier: edge}\nspec:\n  rules:\n    - host: shop.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port: {name: http}\n".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {team: shop}\ndata:\n  mode: fast\n".into(),
    ]
    .join("---\n");
    tmp.write("prod.yaml", &text);
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("prod.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("sharedLabels: false\n      labels:\n        tier: edge\n"),
        "{base}"
    );
    assert!(
        base.contains(
            "    name: settings\n    sharedLabels: false\n    labels:\n      team: shop\n"
        ),
        "{base}"
    );
}

// An Ingress with a default backend was kept verbatim ("spec.defaultBackend: the values have
// no key for it"), as Bank of Anthos's is: it is `ingress.defaultBackend` now, to the
// workload's own Service or another one, with rules or alone (an Ingress without rules).
#[test]
fn an_ingress_with_a_default_backend_is_mapped() {
    let tmp = TempProject::empty();
    let service = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  labels: {{app: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports:\n    - name: http\n      port: 80\n"
        )
    };
    let text = [
        deployment("web", "default"),
        service("web"),
        deployment("api", "default"),
        service("api"),
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web-ingress\n  labels: {app: web}\n  annotations: {kubernetes.io/ingress.global-static-ip-name: web-ip}\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port: {number: 80}\n  rules:\n    - http:\n        paths:\n          - path: /*\n            pathType: ImplementationSpecific\n            backend:\n              service:\n                name: web\n                port: {number: 80}\n".into(),
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  labels: {app: api}\nspec:\n  defaultBackend:\n    service:\n      name: api\n      port: {name: http}\n".into(),
    ]
    .join("---\n");
    tmp.write("prod.yaml", &text);
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("prod.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("      name: web-ingress\n")
            && base.contains("      defaultBackend:\n        port: 80\n"),
        "{base}"
    );
    assert!(
        base.contains("      defaultBackend:\n        port: http\n") && !base.contains("hosts: {}"),
        "{base}"
    );
    // The Ingress of a default backend alone renders without rules.
    let run = crate::support::Cli::new()
        .args(["render", "-e", "prod"])
        .in_dir(&out)
        .run()
        .exit(0);
    let api = run
        .stdout
        .split("---")
        .find(|d| d.contains("kind: Ingress") && d.contains("name: api\n"))
        .unwrap();
    assert!(!api.contains("rules"), "{api}");
    assert!(
        api.contains(
            "  defaultBackend:\n    service:\n      name: api\n      port:\n        name: http\n"
        ),
        "{api}"
    );
}

/// Distinct runs of eight values lines (indentation taken from the first, comments and blank
/// lines left out, a run that leaves its first line's indentation not counted) that the files
/// of environments/ hold more than once, as docs/import.md's table counts them.
fn repeated_blocks(project: &std::path::Path) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let mut files: Vec<_> = std::fs::read_dir(project.join("environments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .collect();
        for w in lines.windows(8) {
            let indent = w[0].len() - w[0].trim_start().len();
            if w.iter().any(|l| l.len() - l.trim_start().len() < indent) {
                continue;
            }
            let key: Vec<&str> = w.iter().map(|l| &l[indent..]).collect();
            *seen.entry(key.join("\n")).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect()
}

// podinfo's three overlays wrote 17 blocks of eight lines twice or more (the probes, ports and
// rollout strategy two components share, the resources of four CronJobs): each is written once
// now, with a YAML anchor, and aliased where it repeats; the render is the same (proved).
#[test]
fn podinfo_writes_no_block_of_eight_lines_twice() {
    let tmp = TempProject::empty();
    let envs = ["dev", "staging", "production"];
    let built: Vec<std::path::PathBuf> = envs
        .iter()
        .map(|e| crate::import::kustomize(e, tmp.path()))
        .collect();
    let pairs: Vec<(&str, &std::path::Path)> = envs
        .iter()
        .copied()
        .zip(built.iter().map(std::path::PathBuf::as_path))
        .collect();
    let (_t, out, _) = import_and_prove(&pairs);
    assert_eq!(repeated_blocks(&out), Vec::<String>::new());
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("    livenessProbe: &backend-livenessProbe\n"),
        "{base}"
    );
    assert!(
        base.contains("    livenessProbe: *backend-livenessProbe\n"),
        "{base}"
    );
    // The merged values hold the aliased block in full: the frontend's probe is the backend's.
    let run = crate::support::Cli::new()
        .args(["values", "-e", "dev", "-o", "json"])
        .in_dir(&out)
        .run()
        .exit(0);
    let values: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let probe = &values["components"]["frontend"]["livenessProbe"];
    assert!(probe["exec"]["command"].is_array(), "{probe}");
    assert_eq!(probe, &values["components"]["backend"]["livenessProbe"]);
}

// A finding about a field an imported map lacks (a container securityContext without
// readOnlyRootFilesystem) pointed at the built-in template only; it names the values line
// that wrote the map too.
#[test]
fn a_finding_on_a_field_an_imported_map_lacks_points_at_its_values_line() {
    let tmp = TempProject::empty();
    tmp.write(
        "prod.yaml",
        &deployment("web", "default").replace(
            "          image: 'example.com/web:1.0'\n",
            "          image: 'example.com/web:1.0'\n          securityContext:\n            runAsUser: 0\n",
        ),
    );
    let (_t, out, _) = import_and_prove(&[("prod", &tmp.path().join("prod.yaml"))]);
    let run = crate::support::Cli::new()
        .args(["lint", "-e", "prod"])
        .in_dir(&out)
        .run()
        .exit(0);
    let finding = run
        .stdout
        .split("\n\n")
        .find(|f| f.starts_with("warning[writable-root-fs]"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let note = finding
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("= note: `components.web.securityContext` set in ")
        })
        .unwrap_or_else(|| panic!("{finding}"));
    let (file, rest) = note.split_once(':').unwrap();
    let line: usize = rest.split(':').next().unwrap().parse().unwrap();
    let text = std::fs::read_to_string(out.join(file)).unwrap();
    assert_eq!(
        text.lines().nth(line - 1),
        Some("    securityContext:"),
        "{note}"
    );
}

// Issue 35: a public application of more than eight services with three Kustomize environments
// (Bank of Anthos: every service's overlay per environment, built by the real kustomize), whose
// environments differ in what they run (the databases only in development; the Ingress and GKE
// resources only in production). The import is proved, environment by environment, with no
// drift, and the project it writes passes check and golden check (import_and_prove).
#[test]
fn bank_of_anthos_three_kustomize_environments_import_with_no_drift() {
    let envs = [
        ("development", app("bank-of-anthos/development.yaml")),
        ("staging", app("bank-of-anthos/staging.yaml")),
        ("production", app("bank-of-anthos/production.yaml")),
    ];
    let pairs: Vec<(&str, &std::path::Path)> =
        envs.iter().map(|(e, p)| (*e, p.as_path())).collect();
    let (_t, out, stdout) = import_and_prove(&pairs);
    for (env, objects) in [("development", 19), ("staging", 14), ("production", 18)] {
        assert!(
            stdout.contains(&format!("imported {env}: {objects} object(s)")),
            "{stdout}"
        );
    }
    // A workload whose input errors import silences on the object (its images have no tag)
    // keeps that annotation in its values (`annotations`), so it is mapped, not kept verbatim
    // for it (it was: 0 components).
    assert!(!stdout.contains("metadata.annotations of a"), "{stdout}");
    assert!(
        stdout.contains("9 component(s) (accounts-db, contacts, userservice, frontend, balancereader, ledger-db, ledgerwriter, transactionhistory, loadgenerator)"),
        "{stdout}"
    );
    // Only kinds kforge has no values for stay verbatim: GKE's custom resources. The six
    // Deployments and Services kept before were a lost `null` of a layer (layers.rs), the
    // Ingress its `defaultBackend`.
    assert_eq!(
        kept(&stdout),
        [
            "BackendConfig frontend-backend-config: kforge has no values for a BackendConfig",
            "FrontendConfig frontend-frontend-config: kforge has no values for a FrontendConfig",
            "ManagedCertificate bank-of-anthos-cert: kforge has no values for a ManagedCertificate",
        ],
        "{stdout}"
    );
    // Issue 35's targets. Values lines at most 25% of the manifest lines (they were 327 of
    // 3013 with 16 objects kept verbatim, 2451 template lines).
    let values = values_lines(&out);
    assert!(
        stdout.contains(&format!(
            "environments/ with {values} values line(s) for 3013 manifest line(s)"
        )),
        "{stdout}"
    );
    assert!(values * 4 <= 3013, "{values} values lines");
    // No block of eight lines written twice (the databases' alike settings: a merge key).
    assert_eq!(repeated_blocks(&out), Vec::<String>::new());
    // Staging and production differ in their labels, namespace and production's Ingress and
    // frontend Service: what they share beyond base (the proxy sidecar, the Cloud SQL
    // settings) is one layer, and staging's overlay is its few lines.
    let env = |f: &str| std::fs::read_to_string(out.join("environments").join(f)).unwrap();
    let layer = env("_staging-production.yaml");
    assert_eq!(layer.matches("cloud-sql-proxy:").count(), 1, "{layer}");
    for f in [
        "base.yaml",
        "development.yaml",
        "staging.yaml",
        "production.yaml",
    ] {
        assert!(!env(f).contains("cloud-sql-proxy"), "{f}: {}", env(f));
    }
    let staging = env("staging.yaml");
    assert!(
        staging.contains("kforge: {layers: [staging-production"),
        "{staging}"
    );
    assert!(
        staging.contains("commonLabels:\n  cluster: staging\n"),
        "{staging}"
    );
    let own = |text: &str| {
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .count()
    };
    assert!(own(&staging) <= 8, "{staging}");
    // The environment label is each environment's, once, not each component's.
    let dev = env("development.yaml");
    assert_eq!(dev.matches("environment: development").count(), 2, "{dev}");
    // The databases exist in development only: rendered there and nowhere else.
    let dev = std::fs::read_dir(out.join("golden/development"))
        .unwrap()
        .count();
    let staging = std::fs::read_dir(out.join("golden/staging"))
        .unwrap()
        .count();
    assert_eq!((dev, staging), (19, 14));
}

/// A workload of `kind` named `name` with `annotations` of its own (a flow map), its pods
/// labelled `app: NAME`.
fn annotated(kind: &str, name: &str, annotations: &str) -> String {
    let pod = format!(
        "metadata:\n  labels: {{app: {name}}}\nspec:\n  containers:\n    - name: main\n      image: 'example.com/{name}:1.0'\n"
    );
    let indent = |text: &str, n: usize| -> String {
        text.lines()
            .map(|l| format!("{}{l}\n", " ".repeat(n)))
            .collect()
    };
    let head = format!(
        "apiVersion: {}\nkind: {kind}\nmetadata:\n  name: {name}\n  labels: {{app: {name}}}\n  annotations: {annotations}\nspec:\n",
        if kind.ends_with("Job") {
            "batch/v1"
        } else {
            "apps/v1"
        }
    );
    let selector = format!("  selector:\n    matchLabels: {{app: {name}}}\n");
    match kind {
        "Job" => format!(
            "{head}  template:\n{}",
            indent(
                &pod.replace("spec:\n", "spec:\n  restartPolicy: Never\n"),
                4
            )
        ),
        "CronJob" => format!(
            "{head}  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
            indent(
                &pod.replace("spec:\n", "spec:\n  restartPolicy: OnFailure\n"),
                8
            )
        ),
        "StatefulSet" => format!(
            "{head}  serviceName: {name}\n{selector}  template:\n{}",
            indent(&pod, 4)
        ),
        _ => format!("{head}{selector}  template:\n{}", indent(&pod, 4)),
    }
}

// A workload with annotations of its own (not its pods') was kept verbatim ("metadata.annotations
// of a Deployment: the values have no key for it"), and so was one import silenced an error of
// the input on (its `kforge.io/ignore` annotation): each kind is a component, its annotations
// its `annotations` value, nothing kept.
#[test]
fn workloads_with_annotations_of_their_own_are_components() {
    let tmp = TempProject::empty();
    let text = [
        annotated(
            "Deployment",
            "web",
            "{deployment.kubernetes.io/revision: '3'}",
        )
        .replace("web:1.0", "web"),
        annotated("StatefulSet", "db", "{backup.example.com/schedule: daily}"),
        annotated("DaemonSet", "agent", "{team: infra}"),
        annotated("CronJob", "report", "{team: finance}"),
        annotated("Job", "once", "{team: data}"),
    ]
    .join("---\n");
    tmp.write("prod.yaml", &text);
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("prod.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    assert!(
        stdout.contains("5 component(s) (web, db, agent, report, once)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Deployment web: kforge.io/ignore: latest-tag"),
        "{stdout}"
    );
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    for annotations in [
        "    annotations:\n      deployment.kubernetes.io/revision: \"3\"\n      kforge.io/ignore: latest-tag\n",
        "    annotations:\n      backup.example.com/schedule: daily\n",
        "    annotations:\n      team: infra\n",
        "    annotations:\n      team: finance\n",
        "    annotations:\n      team: data\n",
    ] {
        assert!(base.contains(annotations), "{annotations}\n{base}");
    }
}

/// A Job named `name` whose annotations are `annotations` (a flow map).
fn job(name: &str, annotations: &str) -> String {
    annotated("Job", name, annotations)
}

// A Job carrying Helm hook annotations is a hook kforge has values for: its phases, weight and
// delete policy are its `hook` (job.yaml writes the three annotations back, the Job's other
// annotations after them); a hook job.yaml would write otherwise (no weight, a `helm test`
// hook) keeps its annotations as they are. Where environments differ in a hook's weight, each
// overlay writes the hook whole, as it does a probe.
#[test]
fn a_job_with_helm_hook_annotations_is_its_hook_values() {
    let tmp = TempProject::empty();
    let envs = [
        ("staging", "0", "before-hook-creation"),
        ("production", "5", "before-hook-creation,hook-succeeded"),
    ];
    for (env, weight, policy) in envs {
        let text = [
            job(
                "migrate",
                &format!("{{team: db, helm.sh/hook: 'pre-install,pre-upgrade', helm.sh/hook-weight: '{weight}', helm.sh/hook-delete-policy: '{policy}'}}"),
            ),
            job("seed", "{helm.sh/hook: post-install}"),
            job("smoke", "{helm.sh/hook: test, helm.sh/hook-weight: '0', helm.sh/hook-delete-policy: hook-succeeded}"),
        ]
        .join("---\n");
        tmp.write(&format!("{env}.yaml"), &text);
    }
    let (_t, out, stdout) = import_and_prove(&[
        ("staging", &tmp.path().join("staging.yaml")),
        ("production", &tmp.path().join("production.yaml")),
    ]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let read = |f: &str| std::fs::read_to_string(out.join("environments").join(f)).unwrap();
    let (base, staging, production) = (
        read("base.yaml"),
        read("staging.yaml"),
        read("production.yaml"),
    );
    assert!(
        base.contains("  migrate:\n    objectName: migrate\n    commonLabels:\n      app: migrate\n    annotations:\n      team: db\n"),
        "{base}"
    );
    assert!(
        staging.ends_with(
            "  migrate:\n    hook:\n      phases:\n        - pre-install\n        - pre-upgrade\n"
        ),
        "{staging}"
    );
    assert!(
        production.contains("    hook:\n      phases:\n        - pre-install\n        - pre-upgrade\n      weight: 5\n      deletePolicy:\n        - before-hook-creation\n        - hook-succeeded\n"),
        "{production}"
    );
    assert!(!base.contains("    hook:\n"), "{base}");
    assert!(
        base.contains("    annotations:\n      helm.sh/hook: post-install\n"),
        "{base}"
    );
    assert!(base.contains("      helm.sh/hook: test\n"), "{base}");
    // `kforge render` shows the hook after the manifests, with job.yaml's annotations.
    let run = Cli::new()
        .args(["render", "-e", "production"])
        .in_dir(&out)
        .run()
        .exit(0);
    assert!(
        run.stdout.contains("    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"5\"\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n    team: db\n"),
        "{}",
        run.stdout
    );
}

/// Whether a kept object's reason is that kforge has no values for its kind.
fn no_values_for_its_kind(line: &str) -> bool {
    let kind = line.split(' ').next().unwrap_or_default();
    line.ends_with(&format!(": kforge has no values for a {kind}"))
}

// Issue 35: podinfo's Helm chart kept its post-install hook Job, whose pods have no labels
// (kforge labelled pods with the selector labels): it is a component now, with
// `podSelectorLabels: false` (its pods carry exactly its podLabels: none), and nothing is kept.
#[test]
fn podinfo_chart_hook_job_with_unlabelled_pods_is_a_component() {
    let (_t, out, stdout) = import_and_prove(&[
        ("staging", &app("podinfo-chart/staging.yaml")),
        ("production", &app("podinfo-chart/production.yaml")),
    ]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("  podinfo-post-install:\n    kind: Job\n"),
        "{base}"
    );
    assert!(base.contains("    podSelectorLabels: false\n"), "{base}");
    let run = Cli::new()
        .args(["render", "-e", "staging"])
        .in_dir(&out)
        .run()
        .exit(0);
    let job = run
        .stdout
        .split("---\n")
        .find(|d| d.contains("kind: Job\n"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    // Its pod template has no metadata: no labels, no annotations.
    assert!(job.contains("  template:\n    spec:\n"), "{job}");
}

// Issue 35: ingress-nginx kept its two admission Jobs (their pod template has a
// `metadata.name`) and with them their ServiceAccount; the name is `podTemplateName` now, the
// account the first Job's `serviceAccount`, and what stays verbatim is of kinds kforge has no
// values for, but the controller's ConfigMap (`data: null`: a config set is a folder of files).
#[test]
fn ingress_nginx_admission_jobs_and_their_account_are_components() {
    let (_t, out, stdout) = import_and_prove(&[("prod", &app("ingress-nginx/deploy.yaml"))]);
    let kept = kept(&stdout);
    let (values, none): (Vec<&String>, Vec<&String>) =
        kept.iter().partition(|l| !no_values_for_its_kind(l));
    assert_eq!(
        values,
        ["ConfigMap ingress-nginx-controller: it has no data: a config set is a folder of files"],
        "{stdout}"
    );
    assert_eq!(none.len(), 11, "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    for job in ["create", "patch"] {
        assert!(
            base.contains(&format!(
                "  ingress-nginx-admission-{job}:\n    kind: Job\n"
            )),
            "{base}"
        );
        assert!(
            base.contains(&format!(
                "    podTemplateName: ingress-nginx-admission-{job}\n"
            )),
            "{base}"
        );
    }
    assert!(
        base.contains("    serviceAccount:\n      create: true\n"),
        "{base}"
    );
}

// The values import writes for those Jobs, written by hand: a CronJob's pods with
// `podSelectorLabels: false` carry exactly its podLabels and its `podTemplateName`; on a
// Deployment, whose selector must pick its pods, `podSelectorLabels` is an error.
#[test]
fn pod_selector_labels_false_leaves_a_jobs_pods_only_their_pod_labels() {
    let p = TempProject::example("web-worker");
    p.write(
        "environments/staging.yaml",
        "components:\n  nightly:\n    podSelectorLabels: false\n    podLabels: {team: data}\n    podTemplateName: nightly-pod\n",
    );
    let run = p.kforge().args(["render", "-e", "staging"]).run().exit(0);
    let cron = run
        .stdout
        .split("---\n")
        .find(|d| d.contains("kind: CronJob\n"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        cron.contains("      template:\n        metadata:\n          name: nightly-pod\n          labels:\n            team: data\n        spec:\n"),
        "{cron}"
    );
    p.write(
        "environments/staging.yaml",
        "components:\n  worker:\n    podSelectorLabels: false\n",
    );
    p.kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(2)
        .stderr_has("`podSelectorLabels` does nothing here: only a Job or a CronJob has it, and this component is a Deployment");
}
