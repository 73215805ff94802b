//! The API server's validation beyond the OpenAPI types (pkg/apis/*/validation): objects that
//! `kforge check` passed and the API server rejects. For each rule, a file the API server
//! accepts (no finding) and one it rejects (the finding of that rule at file:line and key
//! path); and, for a rendered project, the values line that set the offending value.

use crate::support::{TempProject, lint_json as lint};

const POD_SPEC_HEAD: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
";

/// A Deployment whose pod spec is `spec` (indented by 6 spaces).
fn deployment(spec: &str) -> String {
    format!("{POD_SPEC_HEAD}{spec}")
}

/// Lints `good` and `bad` with the types rules: `good` is clean, and `bad` has exactly the
/// findings of `rule` at the lines holding each needle, with each key path.
#[track_caller]
fn case(rule: &str, good: &str, bad: &str, expected: &[(&str, &str)]) {
    let p = TempProject::empty();
    p.write("good.yaml", good).write("bad.yaml", bad);
    let (code, findings) = lint(p.path(), &["--only", "types", "good.yaml"]);
    assert_eq!(code, Some(0), "good.yaml: {findings:#?}");
    let (code, findings) = lint(p.path(), &["--only", "types", "bad.yaml"]);
    assert_eq!(code, Some(1), "bad.yaml: {findings:#?}");
    let got: Vec<(String, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want: Vec<(String, u64, String)> = expected
        .iter()
        .map(|(needle, path)| {
            (
                rule.to_string(),
                p.line_of("bad.yaml", needle) as u64,
                (*path).to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "{findings:#?}");
    for f in &findings {
        assert_eq!(f["file"], "bad.yaml");
        assert_eq!(f["severity"], "error");
    }
}

#[test]
fn probe_with_two_handlers() {
    let probe = "      containers:
        - name: web
          image: nginx:1.27
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
";
    let bad = format!(
        "{probe}            exec: {{command: [cat, /tmp/ok]}}
          lifecycle:
            preStop:
              sleep: {{seconds: 5}}
              exec: {{command: [sleep, '5']}}
"
    );
    // `httpGet: null`, as an overlay that replaces the handler writes it, is no handler.
    let good = format!(
        "{probe}          readinessProbe:
            httpGet: null
            tcpSocket: {{port: 8080}}
          lifecycle:
            preStop:
              sleep: {{seconds: 5}}
"
    );
    case(
        "probe-handler",
        &deployment(&good),
        &deployment(&bad),
        &[
            (
                "exec: {command: [cat",
                "spec.template.spec.containers[0].livenessProbe.exec",
            ),
            (
                "exec: {command: [sleep",
                "spec.template.spec.containers[0].lifecycle.preStop.exec",
            ),
        ],
    );
}

const MOUNTS_GOOD: &str = "      volumes:
        - {name: data, emptyDir: {}}
        - {name: cache, emptyDir: {}}
      containers:
        - name: web
          image: nginx:1.27
          volumeMounts:
            - {name: data, mountPath: /data}
            - {name: cache, mountPath: /cache}
";

#[test]
fn volume_mount_naming_no_volume() {
    let bad = MOUNTS_GOOD.replace("{name: cache, mountPath", "{name: cahce, mountPath");
    case(
        "unknown-volume",
        &deployment(MOUNTS_GOOD),
        &deployment(&bad),
        &[(
            "name: cahce",
            "spec.template.spec.containers[0].volumeMounts[1].name",
        )],
    );
    // A StatefulSet's claim templates are volumes of its pods.
    let sts = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: postgres:17
          volumeMounts: [{name: pgdata, mountPath: /var/lib/postgresql}]
  volumeClaimTemplates:
    - metadata: {name: pgdata}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
";
    case(
        "unknown-volume",
        sts,
        &sts.replace("[{name: pgdata, mount", "[{name: pgdate, mount"),
        &[(
            "{name: pgdate",
            "spec.template.spec.containers[0].volumeMounts[0].name",
        )],
    );
}

#[test]
fn duplicate_volume_names() {
    let bad = MOUNTS_GOOD.replace(
        "{name: cache, emptyDir: {}}",
        "{name: data, emptyDir: {medium: Memory}}",
    );
    let bad = bad.replace("{name: cache, mountPath", "{name: data, mountPath");
    case(
        "duplicate-volume",
        &deployment(MOUNTS_GOOD),
        &deployment(&bad),
        &[("medium: Memory", "spec.template.spec.volumes[1].name")],
    );
}

#[test]
fn duplicate_mount_paths_in_one_container() {
    let bad = MOUNTS_GOOD.replace("mountPath: /cache", "mountPath: /data");
    case(
        "duplicate-mount-path",
        &deployment(MOUNTS_GOOD),
        &deployment(&bad),
        &[(
            "{name: cache, mountPath: /data}",
            "spec.template.spec.containers[0].volumeMounts[1].mountPath",
        )],
    );
}

#[test]
fn duplicate_container_names_across_init_containers() {
    let good = "      initContainers:
        - {name: migrate, image: 'app:1.0'}
      containers:
        - {name: web, image: 'nginx:1.27'}
        - {name: sidecar, image: 'envoy:1.31'}
";
    let bad = good
        .replace("{name: migrate,", "{name: web,")
        .replace("{name: sidecar,", "{name: web,");
    case(
        "duplicate-container",
        &deployment(good),
        &deployment(&bad),
        &[
            (
                "{name: web, image: 'app",
                "spec.template.spec.initContainers[0].name",
            ),
            (
                "{name: web, image: 'envoy",
                "spec.template.spec.containers[1].name",
            ),
        ],
    );
}

#[test]
fn update_strategies() {
    let good = deployment("      containers: [{name: web, image: 'nginx:1.27'}]\n").replace(
        "spec:\n  selector",
        "spec:\n  strategy:\n    type: Recreate\n    rollingUpdate: null\n  selector",
    );
    let bad = good.replace("rollingUpdate: null", "rollingUpdate: {maxSurge: 1}");
    case(
        "update-strategy",
        &good,
        &bad,
        &[("rollingUpdate: {maxSurge", "spec.strategy.rollingUpdate")],
    );
    // StatefulSet: an unknown type, and rollingUpdate under OnDelete. A DaemonSet may keep
    // rollingUpdate under OnDelete: upstream does not check it.
    let objects = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  updateStrategy: {type: OnDelete}
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: 'postgres:17'}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy: {type: OnDelete, rollingUpdate: {maxUnavailable: 1}}
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: 'agent:1.0'}]
";
    let bad = objects
        .replace(
            "{type: OnDelete}",
            "{type: OnDelete, rollingUpdate: {partition: 1}}",
        )
        .replace(
            "{type: OnDelete, rollingUpdate: {maxUnavailable",
            "{type: Rolling, rollingUpdate: {maxUnavailable",
        );
    case(
        "update-strategy",
        objects,
        &bad,
        &[
            (
                "rollingUpdate: {partition",
                "spec.updateStrategy.rollingUpdate",
            ),
            ("{type: Rolling,", "spec.updateStrategy.type"),
        ],
    );
}

const HPA: &str = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
    - type: Pods
      pods:
        metric: {name: requests_per_second}
        target: {type: AverageValue, averageValue: '100'}
";

#[test]
fn autoscaler_metric_sources() {
    // An overlay switched the second metric to Resource and kept its `pods` source.
    let bad = HPA.replace(
        "    - type: Pods\n",
        "    - type: Resource\n      resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}\n",
    );
    case(
        "hpa-metric-source",
        HPA,
        &bad,
        &[("      pods:", "spec.metrics[1].pods")],
    );
}

#[test]
fn autoscaler_replica_range() {
    let bad = HPA.replace("minReplicas: 2", "minReplicas: 12");
    case(
        "hpa-replica-range",
        HPA,
        &bad,
        &[("maxReplicas: 10", "spec.maxReplicas")],
    );
}

#[test]
fn service_ports_across_the_list() {
    let good = "apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: 8080}
    - {name: dns, port: 53, protocol: UDP}
    - {name: dns-tcp, port: 53, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - {port: 80, nodePort: 30080}
";
    let bad = good
        .replace(
            "{name: dns, port: 53, protocol: UDP}",
            "{port: 53, protocol: UDP}",
        )
        .replace(
            "{name: dns-tcp, port: 53, protocol: TCP}",
            "{name: http, port: 53, protocol: UDP}",
        )
        .replace("  type: NodePort\n", "");
    case(
        "service-ports",
        good,
        &bad,
        &[
            ("- {port: 53, protocol: UDP}", "spec.ports[1].name"),
            ("{name: http, port: 53", "spec.ports[2]"),
            ("{name: http, port: 53", "spec.ports[2].name"),
            ("nodePort: 30080", "spec.ports[0].nodePort"),
        ],
    );
}

const INGRESS: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls:
    - hosts: ['*.example.com']
      secretName: web-tls
  rules:
    - host: api.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend: {service: {name: web, port: {number: 80}}}
          - path: '/v[0-9]+/(.*)'
            pathType: ImplementationSpecific
            backend: {service: {name: web, port: {number: 80}}}
";

#[test]
fn ingress_hosts() {
    let bad = INGRESS
        .replace("host: api.example.com", "host: API.example.com")
        .replace("['*.example.com']", "['example.*']");
    case(
        "ingress-host",
        INGRESS,
        &bad,
        &[
            ("hosts: ['example.*']", "spec.tls[0].hosts[0]"),
            ("host: API", "spec.rules[0].host"),
        ],
    );
}

#[test]
fn ingress_paths() {
    let bad = INGRESS.replace("path: /api", "path: api");
    case(
        "ingress-path",
        INGRESS,
        &bad,
        &[("path: api", "spec.rules[0].http.paths[0].path")],
    );
}

#[test]
fn ingress_tls_secret_names() {
    let bad = INGRESS.replace("secretName: web-tls", "secretName: Web_TLS");
    case(
        "ingress-tls-secret",
        INGRESS,
        &bad,
        &[("secretName: Web_TLS", "spec.tls[0].secretName")],
    );
}

#[test]
fn cron_job_time_zone_is_a_zone_of_the_database() {
    let good = "apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: '0 3 * * *'
  timeZone: Europe/Paris
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: 'report:1.0'}]
";
    let bad = good.replace("timeZone: Europe/Paris", "timeZone: Europe/Pariss");
    case(
        "cron-schedule",
        good,
        &bad,
        &[("timeZone: Europe/Pariss", "spec.timeZone")],
    );
}

#[test]
fn annotation_keys() {
    // Annotation keys are checked in lower case: an upper-case prefix is accepted.
    let good = deployment("      containers: [{name: web, image: 'nginx:1.27'}]\n")
        .replace(
            "metadata: {name: web}",
            "metadata:\n  name: web\n  annotations: {Example.com/owner: team-a}",
        )
        .replace(
            "metadata: {labels: {app: web}}",
            "metadata:\n      labels: {app: web}\n      annotations: {prometheus.io/scrape: 'true'}",
        );
    let bad = good
        .replace("Example.com/owner", "example.com/owner team")
        .replace("prometheus.io/scrape", "prometheus.io/");
    case(
        "invalid-annotation",
        &good,
        &bad,
        &[
            (
                "example.com/owner team",
                "metadata.annotations[\"example.com/owner team\"]",
            ),
            (
                "prometheus.io/:",
                "spec.template.metadata.annotations[\"prometheus.io/\"]",
            ),
        ],
    );
}

#[test]
fn disruption_budget_percentage_over_100() {
    let good = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 50%
  selector: {matchLabels: {app: web}}
";
    let bad = good.replace("maxUnavailable: 50%", "maxUnavailable: 150%");
    case(
        "invalid-int-or-percent",
        good,
        &bad,
        &[("maxUnavailable: 150%", "spec.maxUnavailable")],
    );
}

/// The usual cause, in a kforge project: base sets `livenessProbe.httpGet`, an overlay adds
/// `livenessProbe.exec`, and the deep merge keeps both. The finding names the overlay's
/// line; `httpGet: null` in the overlay is the fix.
#[test]
fn a_probe_handler_added_by_an_overlay_names_its_values_line() {
    let p = TempProject::reference();
    p.append(
        "environments/prod.yaml",
        "livenessProbe:\n  exec:\n    command: [cat, /tmp/healthy]\n",
    );
    let exec_line = p.line_of("environments/prod.yaml", "  exec:");
    let (code, findings) = lint(p.path(), &["-e", "prod"]);
    assert_eq!(code, Some(1), "{findings:#?}");
    let found: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "probe-handler")
        .collect();
    assert_eq!(found.len(), 1, "{findings:#?}");
    let f = found[0];
    // The rendered probe is a map with sorted keys: the finding is at its last handler.
    assert_eq!(
        f["path"], "spec.template.spec.containers[0].livenessProbe.httpGet",
        "{f:#?}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("may not specify more than 1 handler type (it sets exec and httpGet)"),
        "{f:#?}"
    );
    // Both handlers' values lines: the overlay's `exec` and base's `httpGet`.
    let notes = f["notes"].as_array().unwrap();
    for (key, at) in [
        (
            "livenessProbe.exec",
            format!("environments/prod.yaml:{exec_line}"),
        ),
        (
            "livenessProbe.httpGet",
            "environments/base.yaml:".to_string(),
        ),
    ] {
        assert!(
            notes.iter().any(|n| {
                let n = n.as_str().unwrap();
                n.contains(&format!("`{key}` set in {at}"))
            }),
            "{key}: {notes:?}"
        );
    }
    p.kforge().args(["check"]).run().exit(1);
    // The fix the help gives: the overlay drops the base's handler.
    p.append("environments/prod.yaml", "  httpGet: null\n");
    let (code, findings) = lint(p.path(), &["-e", "prod"]);
    assert!(
        findings.iter().all(|f| f["rule"] != "probe-handler"),
        "{findings:#?}"
    );
    assert_eq!(code, Some(0), "{findings:#?}");
}
