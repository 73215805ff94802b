//! Lint, round 3 (issue 37), on public manifests (tests/corpora): old apiVersions checked in
//! full, references to objects deployed elsewhere, custom resources that relax
//! `service-selector` only when they make pods, YAML read as kubectl reads it, unrendered
//! templates named once per file, and the checks of item 6.

use std::collections::BTreeMap;

use crate::support::{Cli, TempProject, corpus, lint_json as lint};

fn rules_of(findings: &[serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

/// (rule, message, severity) → count, leaving out the lifecycle findings of the version
/// itself.
fn multiset(findings: &[serde_json::Value]) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        let rule = f["rule"].as_str().unwrap();
        if rule == "removed-api" || rule == "deprecated-api" {
            continue;
        }
        *out.entry((
            rule.to_string(),
            f["message"].as_str().unwrap().to_string(),
            f["severity"].as_str().unwrap().to_string(),
        ))
        .or_default() += 1;
    }
    out
}

// Issue 37 item 1: an extensions/v1beta1 DaemonSet (kubernetes/examples' New Relic agent:
// privileged, host namespaces, the docker socket, no image tag) got only removed-api and
// automount-token.
#[test]
fn an_extensions_v1beta1_daemonset_gets_every_check_of_apps_v1() {
    let dir = corpus("kubernetes-examples").join("_archived/newrelic-infrastructure");
    let (code, findings) = lint(&dir, &["newrelic-infra-daemonset.yaml"]);
    assert_eq!(code, Some(1));
    let rules = rules_of(&findings);
    for rule in [
        "removed-api",
        "privileged",
        "host-namespaces",
        "docker-sock",
        "sensitive-host-path",
        "latest-tag",
        "missing-memory-limit",
        "run-as-root",
        "automount-token",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule}: {rules:?}");
    }
    // extensions/v1beta1 defaulted the selector to the template's labels: not required.
    assert!(
        !rules.contains(&"missing-required".to_string()),
        "{rules:?}"
    );
}

// The same objects on an old and on the current apiVersion get the same findings but for the
// lifecycle one: Online Boutique's release manifests (12 Deployments) as they are and as
// extensions/v1beta1, and kubernetes/examples' guestbook with its extensions/v1beta1 copy.
#[test]
fn old_api_versions_get_the_findings_of_the_current_one() {
    let boutique = corpus("realworld/microservices-demo").join("release/kubernetes-manifests.yaml");
    let text = std::fs::read_to_string(&boutique).unwrap();
    let p = TempProject::empty();
    p.write("apps-v1.yaml", &text);
    p.write(
        "extensions.yaml",
        &text.replace(
            "apiVersion: apps/v1\nkind: Deployment",
            "apiVersion: extensions/v1beta1\nkind: Deployment",
        ),
    );
    let (_, current) = lint(p.path(), &["apps-v1.yaml"]);
    let (_, old) = lint(p.path(), &["extensions.yaml"]);
    let removed = old.iter().filter(|f| f["rule"] == "removed-api").count();
    assert_eq!(removed, 12, "every Deployment is on a removed version");
    assert!(multiset(&current).len() > 10);
    assert_eq!(multiset(&old), multiset(&current));
    eprintln!(
        "microservices-demo: {} findings on apps/v1, {} on extensions/v1beta1 besides removed-api",
        multiset(&current).values().sum::<usize>(),
        multiset(&old).values().sum::<usize>()
    );

    let apps = corpus("apps/kubernetes-examples");
    let (_, current) = lint(&apps, &["guestbook-all-in-one.yaml"]);
    let (_, old) = lint(&apps, &["guestbook-extensions-v1beta1.yaml"]);
    assert_eq!(multiset(&old), multiset(&current));
}

// A typo in an old object is an unknown field of the current type; a field only the old
// version has is not (kube-score's extensions/v1beta1 Deployment, with a misspelt field and
// `rollbackTo` added).
#[test]
fn old_objects_are_read_through_the_current_type() {
    let src = corpus("kube-score").join("score/testdata/deployment-extensions-v1beta1.yaml");
    let text = std::fs::read_to_string(src).unwrap();
    let p = TempProject::empty();
    p.write(
        "d.yaml",
        &text.replace(
            "spec:\n  template:\n",
            "spec:\n  rollbackTo: {revision: 1}\n  template:\n    nodeSelectr: {disk: ssd}\n",
        ),
    );
    let (_, findings) = lint(p.path(), &["d.yaml"]);
    let unknown: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "unknown-field")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unknown.len(), 1, "{findings:#?}");
    assert!(unknown[0].contains("`nodeSelectr`"), "{unknown:?}");
    // A batch/v1beta1 CronJob at 1.24, which still serves it, gets the security checks.
    let dir = corpus("kube-score").join("score/testdata");
    let (_, findings) = lint(
        &dir,
        &["--kube-version", "1.24", "cronjob-batchv1beta1.yaml"],
    );
    let rules = rules_of(&findings);
    for rule in [
        "deprecated-api",
        "latest-tag",
        "run-as-root",
        "privilege-escalation",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule}: {rules:?}");
    }
    assert!(!rules.contains(&"removed-api".to_string()));
}

fn of<'a>(findings: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["rule"] == rule).collect()
}

/// (severity, message) of each finding of `rule`.
fn said(findings: &[serde_json::Value], rule: &str) -> Vec<(String, String)> {
    of(findings, rule)
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// Issue 37 item 2, on kube-prometheus' Grafana: its Deployment, its ServiceAccount and its
// dashboard ConfigMaps linted without grafana-dashboardSources.yaml (the ConfigMap
// `grafana-dashboards`, deployed by another file as the shared ConfigMaps were).
#[test]
fn config_and_service_account_references_typo_or_deployed_elsewhere() {
    let src = corpus("realworld/kube-prometheus").join("manifests");
    let p = TempProject::empty();
    for f in [
        "grafana-dashboardDefinitions.yaml",
        "grafana-serviceAccount.yaml",
    ] {
        p.write(f, &std::fs::read_to_string(src.join(f)).unwrap());
    }
    let deployment = std::fs::read_to_string(src.join("grafana-deployment.yaml")).unwrap();
    p.write("grafana-deployment.yaml", &deployment);
    let args = ["--only", "references", "."];
    let (code, findings) = lint(p.path(), &args);
    assert_eq!(code, Some(0), "{findings:#?}");
    // Not in the set at all: info, never a warning.
    assert_eq!(
        said(&findings, "missing-config-ref"),
        vec![(
            "info".to_string(),
            "Deployment grafana: ConfigMap `grafana-dashboards` is not in the set (deployed separately? then declare it in kforge-lint.yaml: `external: [ConfigMap/grafana-dashboards]`)".to_string()
        )]
    );
    assert!(of(&findings, "missing-service-account").is_empty());
    // One edit away from an object of the set: a typo, a warning naming the one meant.
    p.write(
        "grafana-deployment.yaml",
        &deployment
            .replace(
                "name: grafana-dashboard-apiserver\n",
                "name: grafana-dashbaord-apiserver\n",
            )
            .replace(
                "serviceAccountName: grafana\n",
                "serviceAccountName: grafna\n",
            ),
    );
    let (code, findings) = lint(p.path(), &args);
    assert_eq!(code, Some(0), "warnings do not fail without --strict");
    let refs = said(&findings, "missing-config-ref");
    assert_eq!(refs.len(), 2, "{refs:#?}");
    assert!(refs.contains(&(
        "warning".to_string(),
        "Deployment grafana: ConfigMap `grafana-dashbaord-apiserver` is not in the set; did you mean `grafana-dashboard-apiserver`?".to_string()
    )));
    assert_eq!(
        said(&findings, "missing-service-account"),
        vec![(
            "warning".to_string(),
            "Deployment grafana: ServiceAccount `grafna` is not in the set; did you mean `grafana`?"
                .to_string()
        )]
    );
    // Declared as deployed separately: nothing; a typo is still one.
    p.write(
        "kforge-lint.yaml",
        "external: [ConfigMap/grafana-dashboards]\n",
    );
    let (_, findings) = lint(p.path(), &args);
    let refs = said(&findings, "missing-config-ref");
    assert_eq!(refs.len(), 1, "{refs:#?}");
    assert_eq!(refs[0].0, "warning");
    // A prefix pattern covers the rest.
    p.write(
        "kforge-lint.yaml",
        "external: [ConfigMap/grafana-*, ServiceAccount/grafna]\n",
    );
    let (_, findings) = lint(p.path(), &args);
    assert!(
        of(&findings, "missing-config-ref").is_empty(),
        "{findings:#?}"
    );
    assert!(of(&findings, "missing-service-account").is_empty());
    // A bad entry is refused at its line, with the form it takes.
    p.write("kforge-lint.yaml", "external:\n  - Deployment/grafana\n");
    Cli::new()
        .in_dir(p.path())
        .args(["lint", "."])
        .run()
        .exit(2)
        .stderr_has("kforge-lint.yaml:2")
        .stderr_has(
            "is not `Kind/name` of a ConfigMap, Secret, ServiceAccount, Ingress or Service",
        );
}

// In a kforge project the rendered set is judged the same way: the frontend example refers to
// a ConfigMap created outside the chart; with a config set of its own in the set, that is
// info, and nothing once kforge-lint.yaml declares it.
#[test]
fn a_rendered_project_references_objects_deployed_separately() {
    let p = TempProject::example("frontend");
    p.write("config/app/app.conf", "level = info\n");
    p.append(
        "environments/base.yaml",
        "configFiles:\n  app:\n    mountPath: /etc/app\n",
    );
    let run = p
        .kforge()
        .args(["lint", "-e", "dev", "--format", "json"])
        .run();
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert_eq!(
        said(&findings, "missing-config-ref"),
        vec![(
            "info".to_string(),
            "Deployment frontend: ConfigMap `frontend-settings` is not in the set (deployed separately? then declare it in kforge-lint.yaml: `external: [ConfigMap/frontend-settings]`)".to_string()
        )],
        "{}",
        run.stderr
    );
    p.write(
        "kforge-lint.yaml",
        "external: [ConfigMap/frontend-settings]\n",
    );
    let run = p
        .kforge()
        .args(["lint", "-e", "dev", "--format", "json"])
        .run();
    let findings = run.json()["findings"].as_array().unwrap().clone();
    assert!(
        of(&findings, "missing-config-ref").is_empty(),
        "{findings:#?}"
    );
}

// Issue 37 item 3: only custom resources of kinds that make pods relax service-selector.
// kube-score's Service that selects nothing, with kubeconform's custom resources beside it
// (a Contour HTTPProxy, a SageMaker TrainingJob): still an error; kube-prometheus' Prometheus
// and Alertmanager resources: a warning naming one; a kind added in kforge-lint.yaml too.
#[test]
fn only_custom_resources_that_make_pods_relax_service_selector() {
    let score = corpus("kube-score").join("score/testdata/service-not-target-deployment.yaml");
    let fixtures = corpus("kubeconform").join("fixtures");
    let p = TempProject::empty();
    p.write("service.yaml", &std::fs::read_to_string(score).unwrap());
    for f in ["httpproxy.yaml", "test_crd.yaml"] {
        p.write(f, &std::fs::read_to_string(fixtures.join(f)).unwrap());
    }
    let args = ["--allow-unknown-kinds", "--only", "references", "."];
    let (code, findings) = lint(p.path(), &args);
    assert_eq!(code, Some(1));
    let sel = said(&findings, "service-selector");
    assert_eq!(sel.len(), 1, "{sel:#?}");
    assert_eq!(sel[0].0, "error", "{sel:#?}");
    p.write(
        "kforge-lint.yaml",
        "podCreatingKinds: [sagemaker.aws.amazon.com/TrainingJob]\n",
    );
    let (code, findings) = lint(p.path(), &args);
    assert_eq!(code, Some(0));
    let sel = said(&findings, "service-selector");
    assert_eq!(sel[0].0, "warning", "{sel:#?}");
    assert!(
        sel[0].1.contains("(TrainingJob xgboost-mnist-debugger)"),
        "{sel:#?}"
    );

    let (_, findings) = lint(
        &corpus("realworld/kube-prometheus"),
        &["--allow-unknown-kinds", "manifests"],
    );
    let sel = said(&findings, "service-selector");
    assert_eq!(sel.len(), 2, "{sel:#?}");
    for (severity, message) in sel {
        assert_eq!(severity, "warning");
        assert!(
            message.contains("(Alertmanager main)") || message.contains("(Prometheus k8s)"),
            "{message}"
        );
    }
}

// Issue 37 item 6: the deprecated beta node labels (kube-score's Deployment with
// `beta.kubernetes.io/os: linux` in its nodeSelector).
#[test]
fn deprecated_node_labels_are_named_with_their_replacement() {
    let dir = corpus("kube-score").join("score/testdata");
    let (_, findings) = lint(&dir, &["pod-container-ports-ok.yaml"]);
    let found = of(&findings, "deprecated-node-label");
    assert_eq!(found.len(), 1, "{findings:#?}");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["line"], 17);
    assert_eq!(
        found[0]["path"],
        "spec.template.spec.nodeSelector[\"beta.kubernetes.io/os\"]"
    );
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("nodes carry `kubernetes.io/os`"),
        "{:?}",
        found[0]
    );
    // The current labels are not findings: kube-prometheus' node-exporter and the rest use
    // kubernetes.io/os.
    let (_, findings) = lint(
        &corpus("realworld/kube-prometheus"),
        &["--allow-unknown-kinds", "manifests"],
    );
    assert!(of(&findings, "deprecated-node-label").is_empty());
}

// Issue 37 item 6: `serviceAccount` set to another name than serviceAccountName. Public
// inputs: kubernetes/examples' Elasticsearch data ReplicationController (`serviceAccount`
// alone: the old spelling, info), the same with a serviceAccountName added that differs (a
// warning), and kube-score's StatefulSet exported with both equal (nothing).
#[test]
fn service_account_set_differently_from_service_account_name() {
    let dir = corpus("kubernetes-examples").join("_archived/elasticsearch/production_cluster");
    let (_, findings) = lint(&dir, &["es-data-rc.yaml"]);
    assert_eq!(
        said(&findings, "deprecated-service-account"),
        vec![(
            "info".to_string(),
            "ReplicationController es-data: serviceAccount `elasticsearch` is the deprecated spelling of serviceAccountName".to_string()
        )]
    );
    let text = std::fs::read_to_string(dir.join("es-data-rc.yaml")).unwrap();
    let p = TempProject::empty();
    p.write(
        "rc.yaml",
        &text.replace(
            "      serviceAccount: elasticsearch\n",
            "      serviceAccount: elasticsearch\n      serviceAccountName: default\n",
        ),
    );
    let (_, findings) = lint(p.path(), &["rc.yaml"]);
    let found = of(&findings, "deprecated-service-account");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["line"], 16);
    assert_eq!(
        found[0]["message"],
        "ReplicationController es-data: serviceAccount `elasticsearch` differs from serviceAccountName `default`: the pod runs as `default` and serviceAccount is ignored"
    );
    let score = corpus("kube-score").join("score/testdata");
    let (_, findings) = lint(&score, &["statefulset-nested-ignores.yaml"]);
    assert!(of(&findings, "deprecated-service-account").is_empty());
}

// Issue 37 item 6: missing-readiness-probe is a warning where a Service selects the pods and
// info where none does: Online Boutique's loadgenerator (no Service) against kube-prometheus'
// kube-rbac-proxy sidecars (their Services select them).
#[test]
fn a_readiness_probe_matters_where_a_service_selects_the_pods() {
    let (_, findings) = lint(
        &corpus("realworld/microservices-demo"),
        &["release/kubernetes-manifests.yaml"],
    );
    assert_eq!(
        said(&findings, "missing-readiness-probe"),
        vec![(
            "info".to_string(),
            "Deployment loadgenerator: container `main` has no readinessProbe; no Service in the set selects its pods, so none sends it traffic before it is ready".to_string()
        )]
    );
    let (_, findings) = lint(
        &corpus("realworld/kube-prometheus"),
        &["--allow-unknown-kinds", "manifests"],
    );
    let found = said(&findings, "missing-readiness-probe");
    assert_eq!(found.len(), 10);
    assert!(found.iter().all(|(s, _)| s == "warning"), "{found:#?}");
    // Linted alone, without its Service, the same Deployment's sidecar is info.
    let (_, findings) = lint(
        &corpus("realworld/kube-prometheus"),
        &["manifests/kubeStateMetrics-deployment.yaml"],
    );
    let found = said(&findings, "missing-readiness-probe");
    assert!(
        !found.is_empty() && found.iter().all(|(s, _)| s == "info"),
        "{found:#?}"
    );
}

// Issue 37 item 5: Helm's own test charts linted as they are, unrendered. chart-with-lib-dep's
// templates are not YAML until rendered (`name: {{ template ... }}`): one finding per file
// naming `helm template`, no YAML error per placeholder. subchart's test hooks parse (their
// placeholders are quoted): one finding per file, and no invalid-name on
// `"{{ .Release.Name }}-test"`, while the rest of the object is still checked.
#[test]
fn unrendered_templates_are_named_once_per_file_with_the_command_that_renders_them() {
    let charts = corpus("helm").join("pkg/cmd/testdata/testcharts");
    let (code, findings) = lint(&charts, &["chart-with-lib-dep/templates"]);
    assert_eq!(code, Some(2), "not checked: bad input, as parse-error");
    assert!(of(&findings, "parse-error").is_empty(), "{findings:#?}");
    let files: Vec<&str> = of(&findings, "unrendered-template")
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "chart-with-lib-dep/templates/deployment.yaml",
            "chart-with-lib-dep/templates/ingress.yaml",
            "chart-with-lib-dep/templates/service.yaml"
        ]
    );
    for f in of(&findings, "unrendered-template") {
        assert!(f["help"].as_str().unwrap().contains("helm template"), "{f}");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("is an unrendered Helm template"),
            "{f}"
        );
    }
    let deployment = of(&findings, "unrendered-template")[0];
    assert_eq!(deployment["line"], 4, "the first placeholder's line");

    let (code, findings) = lint(&charts, &["subchart/templates/tests"]);
    assert_eq!(code, Some(1));
    let templates = of(&findings, "unrendered-template");
    assert_eq!(templates.len(), 2, "{findings:#?}");
    for f in &templates {
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("its objects are checked, their placeholders are not"),
            "{f}"
        );
    }
    for rule in ["invalid-name", "invalid-label", "missing-config-ref"] {
        assert!(of(&findings, rule).is_empty(), "{rule}: {findings:#?}");
    }
    assert!(
        !of(&findings, "latest-tag").is_empty(),
        "the Pod is still linted"
    );

    // A kforge project's own templates name `kforge render`.
    let (code, findings) = lint(
        &crate::support::repo_root(),
        &[
            "chart-templates/deployment.yaml",
            "chart-templates/service.yaml",
        ],
    );
    assert_eq!(code, Some(2));
    let templates = of(&findings, "unrendered-template");
    assert_eq!(templates.len(), 2, "{findings:#?}");
    for f in templates {
        assert!(f["help"].as_str().unwrap().contains("kforge render"), "{f}");
    }
    assert_eq!(findings.len(), 2, "{findings:#?}");
}

// The Go templates of other tools are data, not placeholders: kube-prometheus' rules and
// dashboards hold `{{ $labels.namespace }}` and `{{instance}}`, and are no templates.
#[test]
fn prometheus_and_grafana_templates_are_not_unrendered_templates() {
    let (_, findings) = lint(
        &corpus("realworld/kube-prometheus"),
        &["--allow-unknown-kinds", "manifests"],
    );
    assert!(of(&findings, "unrendered-template").is_empty());
}

/// Review finding 16: the prod Ingress renamed (`ingress.name: public`) left the autoscaler's
/// request-rate metric reading Ingress `krakend`, without a word.
#[test]
fn an_autoscaler_metric_on_a_renamed_ingress_is_a_warning() {
    let p = crate::support::TempProject::reference();
    let prod = std::fs::read_to_string(p.path().join("environments/prod.yaml")).unwrap();
    let renamed = prod.replacen(
        "  className: nginx\n",
        "  className: nginx\n  name: public\n",
        1,
    );
    assert_ne!(renamed, prod);
    p.write("environments/prod.yaml", &renamed);
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge()
        .args(["check"])
        .run()
        .stderr_has("warning[hpa-metric-object]: HorizontalPodAutoscaler krakend: metric 1 reads Ingress `krakend`, which is not in the set (it holds Ingress `public`)")
        .stderr_has("set in environments/prod.yaml:");
    // Declared as deployed separately: nothing.
    p.write("kforge-lint.yaml", "external: [Ingress/krakend]\n");
    let run = p.kforge().args(["check"]).run().exit(0);
    assert!(!run.stderr.contains("hpa-metric-object"), "{}", run.stderr);
}

/// Review finding: an Ingress backend's numeric port named no values line, and a host's key
/// path was shown unquoted (`ingress.hosts.api.example.com.paths./.port`).
#[test]
fn an_ingress_backend_finding_names_its_values_line_quoted() {
    let p = crate::support::TempProject::reference();
    let prod = std::fs::read_to_string(p.path().join("environments/prod.yaml")).unwrap();
    let with_port = prod.replacen(
        "          pathType: Prefix\n",
        "          pathType: Prefix\n          port: 9999\n",
        1,
    );
    assert_ne!(with_port, prod);
    p.write("environments/prod.yaml", &with_port);
    let line = p.line_of("environments/prod.yaml", "port: 9999");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(1)
        .stderr_has("Service `krakend` has no port 9999")
        .stderr_has(&format!(
            "note: `ingress.hosts[\"api.example.com\"].paths[\"/\"].port` set in environments/prod.yaml:{line}:"
        ));
}
