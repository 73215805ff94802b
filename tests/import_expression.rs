//! Faithful expression of an existing application in values (issue 27, item 1): object and
//! container names, selectors and labels kept exactly, several Services with their own port
//! names, pass-through PodSpec and Container fields type-checked with file:line, fields left
//! unset, and `env` in the order it was written.

use crate::support::TempProject;

/// Google's Online Boutique `frontend` as its manifest has it, written in values.
const FRONTEND: &str = r#"chart: {name: shop, version: 1.0.0}
image: {repository: us-central1-docker.pkg.dev/google-samples/microservices-demo/frontend, tag: v0.10.3, pullPolicy: null}
replicaCount: null
serviceAccount: {automount: null, name: frontend}
standardLabels: false
selectorLabels: {app: frontend}
commonLabels: {app: frontend}
objectName: frontend
containerName: server
ports: {http: {containerPort: 8080, protocol: ""}}
env:
  PORT: "8080"
  LISTEN_ADDR: "0.0.0.0:$(PORT)"
  ENABLE_PROFILER: "0"
podSpec:
  terminationGracePeriodSeconds: 5
containerSpec:
  workingDir: /app
services:
  internal: {name: frontend, type: ClusterIP, ports: {http: {port: 80, targetPort: 8080}}}
  external: {type: LoadBalancer, ports: {web: {port: 80, targetPort: 8080}}}
"#;

fn project() -> TempProject {
    let p = TempProject::empty();
    p.write("environments/base.yaml", FRONTEND);
    p.write(
        "environments/dev.yaml",
        "env: {ZZZ_LAST: \"1\", AAA_AFTER: \"2\"}\n",
    );
    p
}

/// The objects of `render -o json` (a v1 List).
fn items(stdout: &str) -> Vec<serde_json::Value> {
    let list: serde_json::Value = serde_json::from_str(stdout).unwrap();
    list["items"].as_array().expect("a List").clone()
}

fn object<'a>(docs: &'a [serde_json::Value], kind: &str, name: &str) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {docs:#?}"))
}

#[test]
fn an_existing_deployment_is_expressed_with_its_own_names_labels_and_selector() {
    let p = project();
    let run = p
        .kforge()
        .args(["render", "-e", "dev", "-o", "json"])
        .run()
        .exit(0);
    let docs = items(&run.stdout);
    let app = serde_json::json!({"app": "frontend"});
    let deploy = object(&docs, "Deployment", "frontend");
    assert_eq!(deploy["metadata"]["labels"], app);
    assert_eq!(deploy["spec"]["selector"]["matchLabels"], app);
    assert_eq!(deploy["spec"]["template"]["metadata"]["labels"], app);
    // replicas, automountServiceAccountToken, imagePullPolicy and the port's protocol unset.
    assert!(deploy["spec"].get("replicas").is_none(), "{deploy:#}");
    let pod = &deploy["spec"]["template"]["spec"];
    assert!(pod.get("automountServiceAccountToken").is_none(), "{pod:#}");
    assert_eq!(pod["terminationGracePeriodSeconds"], 5);
    let server = &pod["containers"][0];
    assert_eq!(server["name"], "server");
    assert_eq!(server["workingDir"], "/app");
    assert!(server.get("imagePullPolicy").is_none(), "{server:#}");
    assert_eq!(
        server["ports"],
        serde_json::json!([{"name": "http", "containerPort": 8080}])
    );
    // Two Services, port names of their own (not the targetPort's), the selector kept.
    let internal = object(&docs, "Service", "frontend");
    let external = object(&docs, "Service", "frontend-external");
    assert_eq!(internal["spec"]["type"], "ClusterIP");
    assert_eq!(external["spec"]["type"], "LoadBalancer");
    assert_eq!(external["spec"]["selector"], app);
    assert_eq!(
        external["spec"]["ports"],
        serde_json::json!([{"name": "web", "port": 80, "targetPort": 8080}])
    );
    assert_eq!(internal["metadata"]["labels"], app);
}

#[test]
fn env_keeps_written_order_base_first_then_overlay_keys() {
    // $(PORT) in LISTEN_ADDR only expands when PORT comes first; alphabetical order broke it.
    let p = project();
    let run = p
        .kforge()
        .args(["render", "-e", "dev", "-o", "json"])
        .run()
        .exit(0);
    let docs = items(&run.stdout);
    let env = &object(&docs, "Deployment", "frontend")["spec"]["template"]["spec"]["containers"][0]
        ["env"];
    let names: Vec<&str> = env
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "PORT",
            "LISTEN_ADDR",
            "ENABLE_PROFILER",
            "ZZZ_LAST",
            "AAA_AFTER"
        ]
    );
}

#[test]
fn a_component_without_a_service_renders_none() {
    let p = TempProject::empty();
    p.write(
        "environments/base.yaml",
        "chart: {name: shop, version: 1.0.0}\nimage: {repository: shop, tag: \"1\"}\ncomponents:\n  worker:\n    service: {enabled: false}\n  web:\n    services:\n      a: {ports: {http: 80}}\n      b: {type: NodePort, ports: {admin: {port: 9000, targetPort: 9001, nodePort: 30900}}}\n",
    );
    p.write("environments/dev.yaml", "");
    let run = p
        .kforge()
        .args(["render", "-e", "dev", "-o", "json"])
        .run()
        .exit(0);
    let docs = items(&run.stdout);
    let services: Vec<&str> = docs
        .iter()
        .filter(|d| d["kind"] == "Service")
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["shop-web-a", "shop-web-b"]);
    let b = object(&docs, "Service", "shop-web-b");
    assert_eq!(
        b["spec"]["selector"]["app.kubernetes.io/component"], "web",
        "{b:#}"
    );
    assert_eq!(b["spec"]["ports"][0]["nodePort"], 30900);
}

#[test]
fn a_pass_through_pod_field_of_the_wrong_type_points_at_its_values_line() {
    let p = project();
    p.append(
        "environments/dev.yaml",
        "podSpec: {terminationGracePeriodSeconds: soon}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(1)
        .stderr_has("spec.template.spec.terminationGracePeriodSeconds")
        .stderr_has("`podSpec.terminationGracePeriodSeconds` set in environments/dev.yaml:2");
}

#[test]
fn a_pass_through_map_cannot_replace_what_kforge_writes() {
    let p = project();
    p.append("environments/dev.yaml", "podSpec: {containers: []}\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("`containers` is not a valid key of `podSpec`")
        .stderr_has("environments/dev.yaml:2");
}
