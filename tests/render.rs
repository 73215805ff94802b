//! `kforge render`: the reference project, ordering, determinism, formats, overrides.

use crate::support::{Cli, TempProject, file_names};

fn kinds(yaml: &str) -> Vec<&str> {
    yaml.lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect()
}

#[test]
fn prod_renders_in_helm_install_order_with_sources() {
    let run = Cli::new().args(["render", "-e", "prod"]).run().exit(0);
    assert_eq!(
        kinds(&run.stdout),
        [
            "PodDisruptionBudget",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress"
        ]
    );
    let sources: Vec<_> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("# Source: "))
        .collect();
    assert_eq!(
        sources,
        [
            "# Source: pdb.yaml",
            "# Source: config/krakend",
            "# Source: service.yaml",
            "# Source: deployment.yaml",
            "# Source: hpa.yaml",
            "# Source: ingress.yaml"
        ]
    );
    assert!(
        run.stdout
            .starts_with("---\n# Source: pdb.yaml\napiVersion: policy/v1\n")
    );
}

#[test]
fn prod_matches_the_reference_design() {
    let list = Cli::new()
        .args(["render", "-e", "prod", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let items = list["items"].as_array().unwrap();
    let by_kind = |k: &str| items.iter().find(|i| i["kind"] == k).unwrap().clone();
    let svc = by_kind("Service");
    assert_eq!(svc["spec"]["type"], "NodePort");
    assert_eq!(svc["spec"]["ports"][0]["port"], 8000);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8080);
    let ing = by_kind("Ingress");
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert_eq!(
        ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"],
        "/"
    );
    let path = &ing["spec"]["rules"][0]["http"]["paths"][0];
    assert_eq!(path["path"], "/");
    assert_eq!(path["pathType"], "Prefix");
    assert_eq!(path["backend"]["service"]["name"], svc["metadata"]["name"]);
    assert_eq!(path["backend"]["service"]["port"]["number"], 8000);
    let hpa = by_kind("HorizontalPodAutoscaler");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(
        (
            hpa["spec"]["minReplicas"].as_i64(),
            hpa["spec"]["maxReplicas"].as_i64()
        ),
        (Some(3), Some(10))
    );
    let metrics = hpa["spec"]["metrics"].as_array().unwrap();
    assert_eq!(metrics[0]["resource"]["name"], "cpu");
    let object = &metrics[1]["object"];
    assert_eq!(object["metric"]["name"], "requests-per-second");
    assert_eq!(object["describedObject"]["kind"], "Ingress");
    assert_eq!(object["describedObject"]["name"], ing["metadata"]["name"]);
    assert_eq!(object["target"]["type"], "Value");
    assert_eq!(object["target"]["value"], "1k");
    let deploy = by_kind("Deployment");
    assert!(
        deploy["spec"].get("replicas").is_none(),
        "HPA-managed Deployment must omit replicas"
    );
    let c = &deploy["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["command"][0], "/usr/bin/krakend");
    assert_eq!(
        c["args"],
        serde_json::json!(["run", "-d", "-c", "/etc/krakend/krakend.json", "-p", "8080"])
    );
    assert_eq!(c["ports"][0]["containerPort"], 8080);
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/__health");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/__health");
    assert!(
        c["image"]
            .as_str()
            .unwrap()
            .starts_with("devopsfaith/krakend:")
    );
    assert_ne!(c["image"], "devopsfaith/krakend:latest");
}

#[test]
fn dev_and_staging_replicas_ingress_and_hpa() {
    let dev = Cli::new().args(["render", "-e", "dev"]).run().exit(0);
    assert_eq!(kinds(&dev.stdout), ["ConfigMap", "Service", "Deployment"]);
    assert!(dev.stdout.contains("\n  replicas: 1\n"));
    let staging = Cli::new().args(["render", "-e", "staging"]).run().exit(0);
    assert_eq!(
        kinds(&staging.stdout),
        ["ConfigMap", "Service", "Deployment", "Ingress"]
    );
    assert!(staging.stdout.contains("\n  replicas: 2\n"));
    assert!(staging.stdout.contains("host: api.staging.example.com"));
}

#[test]
fn render_is_byte_deterministic_across_runs_and_locations() {
    let a = Cli::new()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let b = Cli::new()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let copy = TempProject::reference();
    let c = copy
        .kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn directory_flag_runs_in_another_folder() {
    let p = TempProject::reference();
    let here = Cli::new()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    let there = Cli::new()
        .in_dir(std::env::temp_dir().as_path())
        .args(["-C", p.path().to_str().unwrap(), "render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    assert_eq!(here, there);
}

#[test]
fn all_envs_writes_one_folder_per_env_one_file_per_object() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("rendered");
    Cli::new()
        .args([
            "render",
            "--all-envs",
            "--output-dir",
            dir.to_str().unwrap(),
        ])
        .run()
        .exit(0);
    let prod = file_names(&dir.join("prod"));
    let config_map = prod
        .iter()
        .find(|n| n.starts_with("configmap-krakend-krakend-"))
        .expect("the krakend.json ConfigMap")
        .clone();
    assert_eq!(
        prod,
        [
            config_map.as_str(),
            "deployment-krakend.yaml",
            "horizontalpodautoscaler-krakend.yaml",
            "ingress-krakend.yaml",
            "poddisruptionbudget-krakend.yaml",
            "service-krakend.yaml"
        ]
    );
    let stdout = Cli::new()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout;
    let pdb = std::fs::read_to_string(dir.join("prod/poddisruptionbudget-krakend.yaml")).unwrap();
    let config = std::fs::read_to_string(dir.join("prod").join(&config_map)).unwrap();
    let svc = std::fs::read_to_string(dir.join("prod/service-krakend.yaml")).unwrap();
    assert!(stdout.starts_with(&format!("{pdb}{config}{svc}")));
    for env in ["dev", "staging"] {
        assert!(dir.join(env).join("deployment-krakend.yaml").is_file());
    }
}

#[test]
fn output_dir_requires_all_envs_or_env() {
    Cli::new()
        .args(["render", "--all-envs"])
        .run()
        .exit(2)
        .stderr_has("--output-dir");
}

#[test]
fn project_templates_replace_builtins_and_add_new_ones() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ \"cfg-\" ~ environment }}\ndata:\n  tag: {{ values.image.tag }}\n",
    );
    p.write(
        "chart-templates/service.yaml",
        "{# no service in this project #}\n",
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    // The project's own ConfigMap, and the krakend.json one from config/.
    assert_eq!(kinds(&run.stdout), ["ConfigMap", "ConfigMap", "Deployment"]);
    assert!(run.stdout.contains("name: cfg-dev\n"));
    assert!(run.stdout.contains("# Source: configmap.yaml\n"));
}

#[test]
fn overlay_folder_is_merged_in_name_order() {
    let p = TempProject::reference();
    std::fs::remove_file(p.path().join("environments/dev.yaml")).unwrap();
    p.write("environments/dev/20-later.yaml", "replicaCount: 5\n");
    p.write(
        "environments/dev/10-first.yaml",
        "replicaCount: 4\npodLabels: {team: gw}\n",
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    assert!(run.stdout.contains("\n  replicas: 5\n"), "{}", run.stdout);
    assert!(run.stdout.contains("team: gw"));
}

#[test]
fn set_and_set_string_apply_in_command_line_order() {
    let get = |args: &[&str]| {
        let mut all = vec!["values", "-e", "dev", "-o", "json"];
        all.extend_from_slice(args);
        Cli::new().args(all).run().exit(0).json()["replicaCount"].clone()
    };
    assert_eq!(
        get(&["--set", "replicaCount=3", "--set", "replicaCount=4"]),
        4
    );
    let v = Cli::new()
        .args([
            "values",
            "-e",
            "dev",
            "-o",
            "json",
            "--set",
            "podLabels.a=1",
            "--set-string",
            "podLabels.a=2",
        ])
        .run()
        .exit(0)
        .json();
    assert_eq!(v["podLabels"]["a"], "2");
    Cli::new()
        .args([
            "values",
            "-e",
            "dev",
            "--set-string",
            "podLabels.a=2",
            "--set",
            "podLabels.a=1",
        ])
        .run()
        .exit(2)
        .stderr_has("`podLabels.a` must be a string, not an integer");
}

#[test]
fn values_files_layer_after_the_overlay() {
    let p = TempProject::reference();
    p.write("extra.yaml", "replicaCount: 7\n");
    let run = p
        .kforge()
        .args(["render", "-e", "dev", "-f", "extra.yaml"])
        .run()
        .exit(0);
    assert!(run.stdout.contains("\n  replicas: 7\n"));
}

#[test]
fn values_are_data_never_markup() {
    let tricky = [
        "{{ values.image.tag }}",
        "{% if true %}x{% endif %}",
        "a: b",
        "line1\nline2",
        "---",
        "x\n---\ny: z",
        "# not a comment",
        "*alias",
        "&anchor",
        "!tag",
        "'quoted'",
        "\"dq\"",
        "ünïcødé ✓",
    ];
    let mut args = vec![
        "render".to_string(),
        "-e".into(),
        "dev".into(),
        "-o".into(),
        "json".into(),
    ];
    for (i, t) in tricky.iter().enumerate() {
        args.push("--set-string".into());
        args.push(format!(
            "podAnnotations.k{i}={}",
            crate::oracles::set_escape(t)
        ));
    }
    let list = Cli::new().args(&args).run().exit(0).json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        3,
        "no injected documents (ConfigMap, Service, Deployment)"
    );
    let deploy = items.iter().find(|i| i["kind"] == "Deployment").unwrap();
    let ann = deploy["spec"]["template"]["metadata"]["annotations"]
        .as_object()
        .unwrap();
    assert_eq!(ann.len(), tricky.len(), "no injected keys: {ann:?}");
    for (i, t) in tricky.iter().enumerate() {
        assert_eq!(ann[&format!("k{i}")], *t);
    }
}

#[test]
fn broken_pipe_is_success() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let p = crate::support::TempProject::reference();
    p.write(
        "big.yaml",
        &format!("env:\n  BIG: {}\n", "x".repeat(400_000)),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .current_dir(p.path())
        .args(["render", "-e", "dev", "-f", "big.yaml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(first, "---\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

// `kforge init DIR | head -c0` exited 134 ("failed printing to stdout: Broken pipe"): init and
// push printed with println!, which panics on a closed stdout.
#[test]
fn init_into_a_closed_pipe_is_success() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .current_dir(dir.path())
        .args(["init", "svc"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before kforge writes a byte.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("svc/environments/base.yaml").is_file());
}

#[test]
fn kforge_env_variable_selects_the_environment() {
    Cli::new()
        .env("KFORGE_ENV", "staging")
        .args(["render"])
        .run()
        .exit(0)
        .stdout_has("host: api.staging.example.com");
}

#[test]
fn every_values_key_renders_and_passes_the_kubernetes_type_check() {
    let fixture = crate::support::repo_root().join("tests/fixtures/every-key.yaml");
    let list = Cli::new()
        .args([
            "render",
            "-e",
            "prod",
            "-o",
            "json",
            "-f",
            fixture.to_str().unwrap(),
        ])
        .run()
        .exit(0)
        .json();
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "PodDisruptionBudget",
            "ServiceAccount",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress"
        ]
    );
    let by_kind = |k: &str| items.iter().find(|i| i["kind"] == k).unwrap().clone();
    let pod = &by_kind("Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "edge-gateway");
    let env = &pod["containers"][0]["env"];
    assert_eq!(
        env[0],
        serde_json::json!({"name": "LOG_LEVEL", "value": "debug"})
    );
    assert_eq!(env[1]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
    assert_eq!(
        pod["containers"][0]["ports"][1],
        serde_json::json!({"name": "metrics", "containerPort": 9091, "protocol": "TCP"})
    );
    assert_eq!(
        by_kind("Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        "25%"
    );
    assert_eq!(by_kind("Service")["spec"]["ports"][0]["nodePort"], 30443);
    let ing = by_kind("Ingress");
    assert_eq!(
        ing["spec"]["tls"][0],
        serde_json::json!({"secretName": "gw-tls", "hosts": ["api.example.com"]})
    );
    assert!(
        ing["spec"]["rules"][0].get("host").is_none(),
        "\"*\" means any host"
    );
    assert_eq!(
        ing["spec"]["rules"][1]["http"]["paths"][1]["pathType"],
        "Exact"
    );
    let metrics = by_kind("HorizontalPodAutoscaler")["spec"]["metrics"].clone();
    assert_eq!(metrics[1]["resource"]["name"], "memory");
}

#[test]
fn objects_failing_the_kubernetes_type_check_are_not_emitted() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  lables: {a: b}\ndata:\n  n: {{ values.replicaCount }}\n",
    );
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(1);
    assert_eq!(run.stdout, "", "nothing half-written");
    assert!(
        run.stderr.contains("unknown field `lables`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("key: metadata.lables"));
    assert!(
        run.stderr
            .contains("chart-templates/cm.yaml (rendered):5:3")
    );
    assert!(
        run.stderr
            .contains("invalid type: integer `1`, expected a string")
    );
    assert!(run.stderr.contains("key: data.n"));
}

// The component helpers of _helpers.jinja (the seam for applications of several components):
// a suffixed name kept within 63 characters, and the component label in selectors and labels.
#[test]
fn component_helpers_name_and_label_a_component() {
    let p = TempProject::reference();
    p.write(
        "chart-templates/worker.yaml",
        r#"{% import "_helpers.jinja" as h %}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ h.component_name("worker") }}
  labels: {{ h.component_labels("worker") }}
data:
  selector: {{ h.component_selector_labels("worker") | tojson }}
  plain: {{ h.component_name() }}
"#,
    );
    let run = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    assert!(
        run.stdout.contains("name: krakend-worker\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("app.kubernetes.io/component: worker"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("plain: krakend\n"), "{}", run.stdout);
    let long = "x".repeat(70);
    let run = p
        .kforge()
        .args([
            "render",
            "-e",
            "prod",
            "--set",
            &format!("fullnameOverride={long}"),
        ])
        .run()
        .exit(0);
    let name = format!("name: {}-worker\n", &"x".repeat(56));
    assert_eq!(name.trim_end().len() - "name: ".len(), 63);
    assert!(run.stdout.contains(&name), "{}", run.stdout);
}

const MIGRATION_HOOK: &str = r#"{% import "_helpers.jinja" as h %}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ h.component_name("migrate") }}
  labels: {{ h.component_labels("migrate") }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-5"
    helm.sh/hook-delete-policy: before-hook-creation
spec:
  backoffLimit: 2
  template:
    metadata:
      labels: {{ h.component_labels("migrate") }}
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: migrate
          image: {{ values.image.repository ~ ":" ~ values.image.tag }}
          args: [migrate]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"#;

// A pre-upgrade migration Job was treated as a `helm test` hook: packaged under
// templates/tests/ and left out of `kforge render`, so `render | kubectl apply` skipped it.
#[test]
fn lifecycle_hooks_are_rendered_after_the_manifests_and_packaged_as_templates() {
    let p = TempProject::reference();
    p.write("chart-templates/migrate.yaml", MIGRATION_HOOK);
    let run = p.kforge().args(["render", "-e", "prod"]).run().exit(0);
    assert_eq!(
        kinds(&run.stdout),
        [
            "PodDisruptionBudget",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress",
            "Job"
        ],
        "the hook comes after the manifests, as `helm template` prints it:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("helm.sh/hook: pre-install,pre-upgrade"));
    assert!(
        !run.stdout.contains("helm.sh/hook: test"),
        "`helm test` hooks stay out of render"
    );
    let no_hooks = p
        .kforge()
        .args(["render", "-e", "prod", "--no-hooks"])
        .run()
        .exit(0);
    assert_eq!(
        kinds(&no_hooks.stdout),
        [
            "PodDisruptionBudget",
            "ConfigMap",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "Ingress"
        ]
    );
    p.kforge()
        .args(["package", "-e", "prod", "--set", "helmTest.enabled=true"])
        .run()
        .exit(0);
    let entries = crate::support::archive_names(&p.path().join("dist/prod/krakend-1.0.0.tgz"));
    assert!(
        entries.contains(&"krakend/templates/job-krakend-migrate.yaml".to_string()),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.starts_with("krakend/templates/tests/")),
        "the test hook stays under templates/tests/: {entries:?}"
    );
    assert!(
        !entries.iter().any(|e| e.contains("tests/job-")),
        "{entries:?}"
    );
}

// An existing application's Ingress: its own name, labels over the workload's, and per path
// another Service or a port by name; paths without them keep today's backend (issue 27).
#[test]
fn an_ingress_can_say_its_name_labels_and_each_paths_backend() {
    let p = TempProject::reference();
    p.write(
        "public.yaml",
        "ingress:\n  name: public\n  labels: {tier: edge}\n  hosts:\n    api.example.com:\n      paths:\n        /: {pathType: Prefix}\n        /admin: {service: krakend, port: http}\n        /metrics: {pathType: Exact, port: 8000}\n",
    );
    let list = p
        .kforge()
        .args(["render", "-e", "prod", "-f", "public.yaml", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let items = list["items"].as_array().unwrap();
    let ing = items.iter().find(|i| i["kind"] == "Ingress").unwrap();
    let svc = items.iter().find(|i| i["kind"] == "Service").unwrap();
    assert_eq!(ing["metadata"]["name"], "public");
    assert_eq!(ing["metadata"]["labels"]["tier"], "edge");
    assert_eq!(
        ing["metadata"]["labels"]["app.kubernetes.io/name"],
        svc["metadata"]["labels"]["app.kubernetes.io/name"]
    );
    let paths = ing["spec"]["rules"][0]["http"]["paths"].as_array().unwrap();
    let backend = |i: usize| paths[i]["backend"]["service"].clone();
    assert_eq!(backend(0)["name"], svc["metadata"]["name"]);
    assert_eq!(backend(0)["port"], serde_json::json!({"number": 8000}));
    assert_eq!(
        backend(1),
        serde_json::json!({"name": "krakend", "port": {"name": "http"}})
    );
    assert_eq!(backend(2)["port"], serde_json::json!({"number": 8000}));
    assert_eq!(paths[2]["pathType"], "Exact");
    // A port that is neither a number nor a port name is refused with the values line.
    p.append("public.yaml", "        /bad: {port: \"Not A Name\"}\n");
    p.kforge()
        .args(["render", "-e", "prod", "-f", "public.yaml"])
        .run()
        .exit(2)
        .stderr_has("public.yaml:10");
}

// A digest pins the image: `repo:tag@digest`. A canary with its own tag kept the stable
// track's digest and so ran the stable image under the canary's tag.
#[test]
fn an_image_digest_follows_the_tag_and_a_track_with_its_own_tag_does_not_keep_it() {
    let p = TempProject::example("canary");
    p.append(
        "environments/prod.yaml",
        "image:\n  digest: sha256:0123abcd\nports:\n  http: 8080\n  metrics: {containerPort: 9090, protocol: UDP}\ncontainerPortProtocol: \"\"\n",
    );
    let list = p
        .kforge()
        .args(["render", "-e", "prod", "-o", "json"])
        .run()
        .exit(0)
        .json();
    let images: Vec<(String, serde_json::Value)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "Deployment")
        .map(|d| {
            let c = &d["spec"]["template"]["spec"]["containers"][0];
            (c["image"].as_str().unwrap().to_string(), c["ports"].clone())
        })
        .collect();
    let names: Vec<&str> = images.iter().map(|(i, _)| i.as_str()).collect();
    assert!(
        names.contains(&"ghcr.io/acme/api:1.8.0@sha256:0123abcd"),
        "{names:?}"
    );
    assert!(names.contains(&"ghcr.io/acme/api:1.9.0"), "{names:?}");
    // `containerPortProtocol: ""`: a port without its own protocol writes none.
    assert_eq!(
        images[0].1,
        serde_json::json!([
            {"name": "http", "containerPort": 8080},
            {"name": "metrics", "containerPort": 9090, "protocol": "UDP"}
        ])
    );
}
