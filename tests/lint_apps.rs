//! The lint rules for whole applications (issue 23, item 7): `cron-schedule`,
//! `job-restart-policy`, `hook-job`, `pdb-never-evicts`, `missing-config-ref`, `secret-data`,
//! `service-port-spread`, on manifests in tests/fixtures/lint-apps/: real ones copied from
//! kube-linter, kube-score and kubernetes/examples (see its README), and small applications
//! written here. Every finding is checked at its file:line.

use crate::support::{Cli, repo_root};

const DIR: &str = "tests/fixtures/lint-apps";

const RULES: &[&str] = &[
    "cron-schedule",
    "job-restart-policy",
    "hook-job",
    "pdb-never-evicts",
    "missing-config-ref",
    "secret-data",
    "service-port-spread",
];

/// One finding of this file's rules: (rule, line, message).
type Finding = (String, u64, String);

/// The findings of this file's rules on one fixture, in file order.
fn findings(file: &str) -> Vec<Finding> {
    let path = format!("{DIR}/{file}");
    let run = Cli::new()
        .args(["lint", "--format", "json", "--allow-unknown-kinds", &path])
        .run();
    assert!(
        matches!(run.code, Some(0 | 1)),
        "exit {:?}: {}",
        run.code,
        run.stderr
    );
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| RULES.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            assert_eq!(f["file"].as_str().unwrap(), path, "{f}");
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The line (1-based) of the last of `steps`, each searched for from the line of the one
/// before, so expectations name the key they point at.
fn line(file: &str, steps: &[&str]) -> u64 {
    let text = std::fs::read_to_string(repo_root().join(DIR).join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    for (i, step) in steps.iter().enumerate() {
        let from = if i == 0 { 0 } else { at + 1 };
        at = from
            + lines[from..]
                .iter()
                .position(|l| l.contains(step))
                .unwrap_or_else(|| panic!("{steps:?}: {step} not found in {file}"));
    }
    (at + 1) as u64
}

/// Asserts the (rule, line) of every finding, and that each message contains its fragment.
fn expect(file: &str, expected: &[(&str, u64, &str)]) {
    let got = findings(file);
    let got_at: Vec<(&str, u64)> = got.iter().map(|(r, l, _)| (r.as_str(), *l)).collect();
    let want_at: Vec<(&str, u64)> = expected.iter().map(|(r, l, _)| (*r, *l)).collect();
    assert_eq!(got_at, want_at, "{file}: {got:#?}");
    for ((_, _, message), (_, _, fragment)) in got.iter().zip(expected) {
        assert!(
            message.contains(fragment),
            "{file}: `{message}` lacks `{fragment}`"
        );
    }
}

#[test]
fn cron_schedules_and_time_zones_the_api_server_rejects() {
    let f = "cronjobs.yaml";
    expect(
        f,
        &[
            (
                "cron-schedule",
                line(f, &["sunday-seven", "schedule:"]),
                "7 is above the maximum 6",
            ),
            (
                "cron-schedule",
                line(f, &["inline-zone", "schedule:"]),
                "set spec.timeZone",
            ),
            (
                "cron-schedule",
                line(f, &["six-fields", "schedule:"]),
                "exactly 5 fields",
            ),
            (
                "cron-schedule",
                line(f, &["six-fields", "timeZone:"]),
                "`Local`",
            ),
        ],
    );
}

#[test]
fn real_cronjobs_with_valid_schedules_pass() {
    // kube-score's CronJobs: `1 3 * * *`, `* * * * *` and `0/1 * * * *` (robfig: 0-59/1).
    // The first has no restartPolicy, which the API server refuses (kube-score grades that
    // CRITICAL in its restart-policy tests too).
    let f = "kube-score-cronjob-batchv1.yaml";
    expect(
        f,
        &[(
            "job-restart-policy",
            line(f, &["template:", "spec:"]),
            "defaults to Always",
        )],
    );
    expect("kube-score-cronjob-batchv1-restartpolicy-valid.yaml", &[]);
}

#[test]
fn a_job_pod_that_restarts_always_is_refused() {
    // kube-score's invalid case misspells the key (`RestartPolicy: Once`), so the pod defaults
    // to Always: the finding points at the pod spec that lacks restartPolicy.
    let f = "kube-score-cronjob-batchv1-restartpolicy-invalid.yaml";
    expect(
        f,
        &[(
            "job-restart-policy",
            line(f, &["template:", "spec:"]),
            "defaults to Always",
        )],
    );
    let f = "hook-jobs.yaml";
    expect(
        f,
        &[
            (
                "hook-job",
                line(f, &["name: migrate", "spec:"]),
                "pre-install,pre-upgrade",
            ),
            (
                "job-restart-policy",
                line(f, &["name: always", "restartPolicy:"]),
                "`Always`",
            ),
        ],
    );
}

#[test]
fn disruption_budgets_that_never_allow_an_eviction() {
    // kubernetes/examples: 67% of 3 CockroachDB pods rounds up to 3, so a drain never proceeds.
    let f = "examples-cockroachdb-statefulset.yaml";
    expect(
        f,
        &[(
            "pdb-never-evicts",
            line(f, &["kind: PodDisruptionBudget", "minAvailable:"]),
            "requires 3 of the 3 pods it selects (StatefulSet cockroachdb: spec.replicas 3)",
        )],
    );
    let f = "kube-linter-pdb-max-unavailable.yaml";
    expect(
        f,
        &[(
            "pdb-never-evicts",
            line(f, &["name: foo", "maxUnavailable: 0"]),
            "maxUnavailable is 0",
        )],
    );
    // kube-linter's minAvailable cases: spec.replicas, an HPA's and a KEDA ScaledObject's minimum.
    let f = "kube-linter-pdb-min-available.yaml";
    expect(
        f,
        &[
            (
                "pdb-never-evicts",
                line(f, &["name: baz", "minAvailable:"]),
                "Deployment foo: spec.replicas 1",
            ),
            (
                "pdb-never-evicts",
                line(f, &["name: baz2", "minAvailable:"]),
                "Deployment foo2: HorizontalPodAutoscaler minReplicas 1",
            ),
            (
                "pdb-never-evicts",
                line(f, &["name: baz3", "minAvailable:"]),
                "Deployment foo3: ScaledObject minReplicaCount 1",
            ),
        ],
    );
}

#[test]
fn an_application_of_two_components() {
    let f = "shop.yaml";
    expect(
        f,
        &[
            (
                "missing-config-ref",
                line(f, &["name: DB_PASSWORD", "name: shop-db"]),
                "Secret `shop-db` is not in the set",
            ),
            (
                "missing-config-ref",
                line(f, &["name: certs", "secretName:"]),
                "Secret `shop-tls`",
            ),
            (
                "missing-config-ref",
                line(f, &["name: bundle", "name: shop-ca"]),
                "ConfigMap `shop-ca`",
            ),
            (
                "service-port-spread",
                line(f, &["kind: Service", "targetPort:"]),
                "Deployment shop-worker, which lacks port `http` that Deployment shop-web declares",
            ),
            (
                "pdb-never-evicts",
                line(
                    f,
                    &[
                        "kind: PodDisruptionBudget",
                        "kind: PodDisruptionBudget",
                        "minAvailable",
                    ],
                ),
                "Deployment shop-worker: spec.replicas 1",
            ),
        ],
    );
}

#[test]
fn config_references_and_keys_of_kube_linters_env_value_from() {
    let f = "kube-linter-env-var-value-from.yml";
    let got = findings(f);
    let refs: Vec<&str> = got
        .iter()
        .filter(|(r, _, _)| r == "missing-config-ref")
        .map(|(_, _, m)| m.as_str())
        .collect();
    assert_eq!(
        refs,
        [
            "Deployment should-fire-secret: Secret `secretsquirrels` has no key `chimpmunk`",
            "Deployment should-fire-configmap: ConfigMap `testconfig` has no key `configkey-wrong`",
            // Not one edit away from an object of the set: deployed separately, info (issue 37).
            "Deployment should-fire-missing-configmap: ConfigMap `missingconfig` is not in the set (deployed separately? then declare it in kforge-lint.yaml: `external: [ConfigMap/missingconfig]`)",
            "Deployment should-fire-missing-secret: Secret `missingsecret` is not in the set (deployed separately? then declare it in kforge-lint.yaml: `external: [Secret/missingsecret]`)",
        ],
        "{got:#?}"
    );
}

#[test]
fn references_to_kinds_the_set_lacks_are_not_judged() {
    // kubernetes/examples https-nginx mounts Secret `nginxsecret` and ConfigMap `nginxconfigmap`,
    // created by `kubectl create` outside the manifest: no finding.
    expect("examples-https-nginx-app.yaml", &[]);
}

#[test]
fn secrets_with_values_in_the_chart() {
    let f = "examples-ceph-secret.yaml";
    expect(
        f,
        &[(
            "secret-data",
            line(f, &["kind: Secret", "stringData:"]),
            "stringData (key)",
        )],
    );
}

#[test]
fn services_of_one_workload_each_are_not_spread() {
    // kubernetes/examples guestbook: redis leader and follower share `app: redis`, and each
    // Service adds its `role`, so no Service spans two workloads.
    expect("examples-guestbook-all-in-one.yaml", &[]);
}

#[test]
fn numeric_target_ports_and_percentage_budgets() {
    // api-c declares no ports, so it may listen on 9090: only api-b is known to lack it.
    // 50% of the 5 api pods is 3, leaving 2 to evict; a DaemonSet's pod count is unknown.
    let f = "ports-and-budgets.yaml";
    expect(
        f,
        &[
            (
                "service-port-spread",
                line(f, &["name: metrics", "targetPort:"]),
                "Deployment api-b, which lacks containerPort 9090 that Deployment api-a, Deployment api-c declare",
            ),
            (
                "pdb-never-evicts",
                line(f, &["name: api-all", "minAvailable:"]),
                "minAvailable is 100%",
            ),
            (
                "pdb-never-evicts",
                line(f, &["name: api-b-none", "maxUnavailable:"]),
                "maxUnavailable is 0",
            ),
        ],
    );
}
