//! Settings that do nothing (issue 33, item 6): a value the built-in templates ignore where it
//! is written is an error at its file:line and key path with the reason (a warning where
//! leaving it is normal); defaults, switched-off features and shared values some component
//! uses are not reported.

use crate::support::TempProject;

// Regression: `canary: {enabled: true, weight: 10}` without an Ingress rendered without a word;
// the weight weighed nothing and the Service sent every request to the stable track.
#[test]
fn a_canary_weight_without_an_ingress_is_an_error_at_its_line() {
    let p = TempProject::example("canary");
    p.append("environments/prod.yaml", "ingress:\n  enabled: false\n");
    let line = p.line_of("environments/prod.yaml", "weight:");
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("`canary.weight` does nothing here")
        .stderr_has("ingress.enabled is false")
        .stderr_has(&format!("environments/prod.yaml:{line}:"))
        .stderr_has("key: canary.weight")
        .stderr_has("help: enable the Ingress");
    // Switched off, the canary's settings are normal: staging has no weight, dev no canary.
    p.kforge().args(["render", "-e", "staging"]).run().exit(0);
    p.append(
        "environments/dev.yaml",
        "canary:\n  weight: 5\ningress:\n  enabled: false\n",
    );
    p.kforge().args(["render", "-e", "dev"]).run().exit(0);
}

// Regression: a budget on a CronJob, Service settings on a Job and a schedule on a Deployment
// rendered nothing and said nothing.
#[test]
fn settings_a_components_kind_ignores_are_errors_naming_the_component() {
    let p = TempProject::example("web-worker");
    p.write(
        "environments/staging.yaml",
        "components:\n  nightly:\n    podDisruptionBudget: {enabled: true}\n  migrate:\n    service: {port: 8080}\n  worker:\n    schedule: \"0 * * * *\"\n    service: {type: NodePort}\n",
    );
    let line = |needle: &str| p.line_of("environments/staging.yaml", needle);
    p.kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(2)
        .stderr_has("`podDisruptionBudget.enabled` does nothing here: a PodDisruptionBudget is rendered for a Deployment or StatefulSet only, and this component is a CronJob")
        .stderr_has("key: components.nightly.podDisruptionBudget.enabled")
        .stderr_has(&format!("environments/staging.yaml:{}:", line("podDisruptionBudget")))
        .stderr_has("`service.port` does nothing here: no Service is rendered from `service` (a Job gets no Service)")
        .stderr_has("key: components.migrate.service.port")
        .stderr_has(&format!("environments/staging.yaml:{}:", line("port: 8080")))
        .stderr_has("`schedule` does nothing here: only a CronJob has it, and this component is a Deployment")
        .stderr_has("key: components.worker.schedule")
        .stderr_has("`service.type` does nothing here: no Service is rendered from `service` (service.enabled is false)")
        .stderr_has("key: components.worker.service.type");
    // The same in the one-component reference project.
    let p = TempProject::reference();
    p.append(
        "environments/dev.yaml",
        "schedule: \"@daily\"\nhook: {phases: [pre-install]}\n",
    );
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("`schedule` does nothing here: only a CronJob has it, and this component is a Deployment")
        .stderr_has("`hook` does nothing here: only a Job runs as a Helm hook")
        .stderr_has("key: hook");
}

#[test]
fn a_node_port_on_a_cluster_ip_service_is_an_error() {
    let p = TempProject::reference();
    p.append("environments/staging.yaml", "service:\n  nodePort: 30080\n");
    p.kforge()
        .args(["render", "-e", "staging"])
        .run()
        .exit(2)
        .stderr_has("`service.nodePort` does nothing here: a nodePort is written only for a NodePort or LoadBalancer Service, and this one is ClusterIP");
}

// Base sets the replicas, an environment turns autoscaling on: normal, so a warning that does
// not fail the check, with the way to silence it.
#[test]
fn replicas_under_an_autoscaler_are_a_warning() {
    let p = TempProject::reference();
    p.append("environments/base.yaml", "\nreplicaCount: 2\n");
    let line = p.line_of("environments/base.yaml", "replicaCount: 2");
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("warning: `replicaCount` does nothing here: autoscaling.enabled is true")
        .stderr_has(&format!("environments/base.yaml:{line}:"))
        .stderr_has("set `replicaCount: null` in the layer that enables autoscaling");
    p.append("environments/prod.yaml", "\nreplicaCount: null\n");
    let run = p.kforge().args(["check"]).run().exit(0);
    assert!(!run.stderr.contains("does nothing"), "{}", run.stderr);
}

// The shared replicaCount of a blue-green Deployment whose colours all set their own.
#[test]
fn replicas_every_colour_overrides_are_a_warning() {
    let p = TempProject::example("blue-green");
    p.append(
        "environments/prod.yaml",
        "    blue:\n      replicaCount: 3\n",
    );
    p.kforge()
        .args(["build", "-e", "prod"])
        .run()
        .exit(0)
        .stderr_has("warning: `replicaCount` does nothing here: every blue-green colour sets its own replicaCount")
        .stderr_has("environments/prod.yaml:2:");
}

// A shared value that some component uses is not reported; one that does nothing in every
// component that has it is, once.
#[test]
fn a_shared_setting_is_reported_only_when_no_component_uses_it() {
    let p = TempProject::example("web-worker");
    p.append("environments/dev.yaml", "service:\n  type: NodePort\n");
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(0);
    assert!(!run.stderr.contains("does nothing"), "{}", run.stderr);
    // activeDeadlineSeconds is used by the Job and the CronJob; backoffLimit by neither, each
    // has its own: the shared one does nothing anywhere.
    p.append(
        "environments/dev.yaml",
        "activeDeadlineSeconds: 600\nbackoffLimit: 3\n",
    );
    let line = p.line_of("environments/dev.yaml", "backoffLimit: 3");
    let run = p.kforge().args(["render", "-e", "dev"]).run().exit(2);
    assert!(
        !run.stderr.contains("`activeDeadlineSeconds`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr
            .matches("`backoffLimit` does nothing here")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "a shared value: it does nothing in every component that has it (web, worker)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("environments/dev.yaml:{line}:"))
            && run.stderr.contains("key: backoffLimit\n"),
        "{}",
        run.stderr
    );
}

// A project template that mentions a key may read it: the key is not checked.
#[test]
fn a_key_a_project_template_mentions_is_not_checked() {
    let p = TempProject::reference();
    p.append("environments/dev.yaml", "schedule: \"@daily\"\n");
    p.kforge().args(["render", "-e", "dev"]).run().exit(2);
    p.write(
        "chart-templates/backup.yaml",
        "{% if values.schedule is defined %}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backup\ndata:\n  schedule: {{ values.schedule }}\n{% endif %}\n",
    );
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout_has("schedule: \"@daily\"");
}

// Review finding 21: a project's copy of a built-in template, edited elsewhere (a comment),
// mentioned every key the built-in reads, so no setting was checked any more. A key is still
// checked when the lines naming it are the built-in's; an edit of those lines is the
// project's own use of it.
#[test]
fn an_edited_copy_of_a_builtin_template_keeps_the_checks_of_keys_it_reads_alike() {
    let p = TempProject::reference();
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chart-templates/deployment.yaml"),
    )
    .unwrap();
    p.write(
        "chart-templates/deployment.yaml",
        &format!("{{#- our team's note -#}}\n{builtin}"),
    );
    p.append("environments/dev.yaml", "kind: DaemonSet\n");
    p.kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(2)
        .stderr_has("`replicaCount` does nothing here: a DaemonSet has no replicas");
    // The copy reads replicaCount its own way: not checked.
    let own = builtin.replacen("values.replicaCount", "values.replicaCount | default(1)", 1);
    assert_ne!(own, builtin);
    p.write("chart-templates/deployment.yaml", &own);
    let run = p.kforge().args(["render", "-e", "dev"]).run();
    assert!(
        !run.stderr.contains("`replicaCount` does nothing"),
        "{}",
        run.stderr
    );
}
