//! Upgrade safety (issue 33): check, build and package compare each environment's render with
//! its last release and refuse what Kubernetes would refuse; overlays cannot add a near-miss
//! name by accident; one finding of several environments is printed once.

use crate::support::TempProject;

/// `examples/web-worker` built as 1.0.0, then `canary: {enabled: false}` added to `web` (as the
/// docs advise "from the first release") and the version bumped to 1.0.1.
pub(crate) fn web_worker_with_canary_added() -> TempProject {
    let p = TempProject::example("web-worker");
    p.kforge().args(["build"]).run().exit(0);
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    let base = base.replace("version: 1.0.0", "version: 1.0.1").replacen(
        "    replicaCount: 2\n",
        "    replicaCount: 2\n    canary: {enabled: false}\n",
        1,
    );
    p.write("environments/base.yaml", &base);
    p.kforge().args(["golden", "update"]).run().exit(0);
    p
}

// The release passed check although its Deployment selector gained kforge.io/track, which
// Kubernetes refuses to update ("field is immutable").
#[test]
fn a_selector_change_from_the_last_release_is_refused_by_check_and_build() {
    let p = web_worker_with_canary_added();
    let run = p.kforge().args(["check"]).run().exit(1);
    let stderr = &run.stderr;
    assert_eq!(
        stderr.matches("error[immutable-selector]").count(),
        1,
        "{stderr}"
    );
    run.stderr_has("Deployment shop-web: spec.selector changes (+ spec.selector.matchLabels[\"kforge.io/track\"]: \"stable\")")
        .stderr_has("field is immutable")
        .stderr_has("in environments `dev`, `prod` and `staging`")
        .stderr_has("upgrades checked: dev from 1.0.0, prod from 1.0.0, staging from 1.0.0");
    p.kforge()
        .args(["build"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]");
    assert!(
        !p.path().join("dist/prod/shop-1.0.1.tgz").exists(),
        "a refused release is not stored"
    );
    p.kforge()
        .args(["package", "-e", "prod"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]");
}

#[test]
fn an_acknowledged_recreate_passes_that_release_only() {
    let p = web_worker_with_canary_added();
    // Acknowledged for prod only: refused in the other environments.
    p.write(
        "kforge-lint.yaml",
        "acknowledge:\n  - {rule: immutable-selector, object: Deployment/shop-web, release: 1.0.1, environments: [prod], reason: prod first}\n",
    );
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("in environments `dev` and `staging`")
        .stderr_has("prod first");
    p.write(
        "kforge-lint.yaml",
        "acknowledge:\n  - rule: immutable-selector\n    object: Deployment/shop-web\n    release: 1.0.1\n    reason: deleted with --cascade=orphan first\n",
    );
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("info[immutable-selector]")
        .stderr_has("acknowledged for release 1.0.1 (kforge-lint.yaml:2): deleted with --cascade=orphan first");
    p.kforge().args(["build"]).run().exit(0);
    // The next release is compared with 1.0.1: nothing to acknowledge, nothing refused.
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    p.write(
        "environments/base.yaml",
        &base.replace("version: 1.0.1", "version: 1.0.2"),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(0);
    assert!(!run.stderr.contains("immutable-selector"), "{}", run.stderr);
    run.stderr_has("prod from 1.0.1");
}

#[test]
fn upgrade_rules_cannot_be_switched_off_and_a_stale_acknowledgement_is_a_warning() {
    let p = web_worker_with_canary_added();
    p.write("kforge-lint.yaml", "disable: [immutable-selector]\n");
    p.kforge()
        .args(["check"])
        .run()
        .exit(2)
        .stderr_has("the upgrade rule `immutable-selector` cannot be disabled")
        .stderr_has("kforge-lint.yaml:1");
    p.write("kforge-lint.yaml", "skip: [upgrade]\n");
    p.kforge()
        .args(["check"])
        .run()
        .exit(2)
        .stderr_has("the upgrade rules cannot be skipped");
    p.write("kforge-lint.yaml", "acknowledge:\n  - {rule: immutable-selector, object: Deployment/shop-wbe, release: 1.0.1, reason: typo}\n");
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("warning: the acknowledgement of `immutable-selector` on Deployment/shop-wbe for release 1.0.1 matches no finding");
}

#[test]
fn the_last_release_comes_from_previous_or_is_said_to_be_missing() {
    let p = web_worker_with_canary_added();
    // The archive given on the command line, its environment read from its annotation.
    std::fs::rename(p.path().join("dist"), p.path().join("released")).unwrap();
    p.kforge()
        .args(["check", "--previous", "released/prod/shop-1.0.0.tgz"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("in environment `prod`")
        .stderr_has("upgrades checked: prod from 1.0.0");
    p.kforge()
        .args(["check", "--previous", "qa=released/prod/shop-1.0.0.tgz"])
        .run()
        .exit(2)
        .stderr_has(
            "a release of environment `prod` (its kforge.io/environment annotation), not of `qa`",
        );
    // An index that lists 1.0.0 without its archive: not checked, and said so.
    std::fs::create_dir_all(p.path().join("dist/prod")).unwrap();
    std::fs::copy(
        p.path().join("released/prod/index.yaml"),
        p.path().join("dist/prod/index.yaml"),
    )
    .unwrap();
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("warning: the upgrade of environment `prod` from release 1.0.0 was not checked")
        .stderr_has("not checked (archive not at hand): prod");
}

/// Review finding 19: a version below the published ones, or a renamed chart, compared
/// nothing ("no earlier release"), so a selector change passed.
#[test]
fn a_version_that_goes_down_or_a_renamed_chart_is_still_compared() {
    let p = web_worker_with_canary_added();
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    // 1.0.0 is in dist/; 0.9.0 is below every published version: compared with the highest.
    p.write(
        "environments/base.yaml",
        &base.replace("version: 1.0.1", "version: 0.9.0"),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("version 0.9.0 is below 1.0.0, which is published already")
        .stderr_has("give this release a version above 1.0.0")
        .stderr_has("prod from 1.0.0");
    // The chart renamed (shop -> storefront): the Helm release it upgrades is the same, so
    // 1.0.0 of `shop` is the last release (its objects were named shop-*: none is changed in
    // place, and check passes), said once for all environments.
    let renamed = base.replacen("name: shop", "name: storefront", 1);
    assert_ne!(renamed, base, "the example names its chart `shop`");
    p.write("environments/base.yaml", &renamed);
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(0);
    assert_eq!(
        run.stderr.matches("has no earlier release here").count(),
        1,
        "{}",
        run.stderr
    );
    run.stderr_has("chart `storefront` has no earlier release here, but chart `shop` has: shop 1.0.0 is taken as the last release")
        .stderr_has("in environments `dev`, `prod` and `staging`")
        .stderr_has("prod from 1.0.0");
    // Without the selector change, each is a warning, and check passes.
    p.write(
        "environments/base.yaml",
        &base
            .replace("version: 1.0.1", "version: 0.9.0")
            .replace("    canary: {enabled: false}\n", ""),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("warning: version 0.9.0 is below 1.0.0");
}

/// `--previous ENV=ARCHIVE` naming a release of another environment compared prod with
/// staging's chart: refused, naming both.
#[test]
fn a_previous_release_of_another_environment_is_refused() {
    let p = web_worker_with_canary_added();
    p.kforge()
        .args(["check", "--previous", "prod=dist/staging/shop-1.0.0.tgz"])
        .run()
        .exit(2)
        .stderr_has("the chart is a release of environment `staging` (its kforge.io/environment annotation), not of `prod`");
}

#[test]
fn a_typo_in_an_overlay_cannot_add_a_workload() {
    let p = TempProject::example("web-worker");
    p.write(
        "environments/prod.yaml",
        "components:\n  web:\n    replicaCount: 4\n  wroker:\n    replicaCount: 3\n",
    );
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("environments/prod.yaml adds `wroker` to components, a near miss of `worker`")
        .stderr_has("--> environments/prod.yaml:4:3")
        .stderr_has("did you mean `worker`?");
    // The same for a sidecar's env var, a port, --set.
    p.write(
        "environments/prod.yaml",
        "components:\n  web:\n    ports: {htpp: 8081}\n",
    );
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(2)
        .stderr_has("adds `htpp` to components.web.ports, a near miss of `http`");
    p.write("environments/prod.yaml", "{}\n");
    p.kforge()
        .args([
            "render",
            "-e",
            "prod",
            "--set",
            "components.webb.replicaCount=2",
        ])
        .run()
        .exit(2)
        .stderr_has("--set adds `webb` to components, a near miss of `web`");
    // Said on purpose: rendered.
    p.write(
        "environments/prod.yaml",
        "components:\n  wroker:\n    args: [worker]\nkforge:\n  adds: [components.wroker]\n",
    );
    p.kforge()
        .args(["render", "-e", "prod"])
        .run()
        .exit(0)
        .stdout_has("name: shop-wroker");
    // A name far from the others is added as before.
    p.write(
        "environments/prod.yaml",
        "components:\n  reports:\n    args: [worker]\n",
    );
    p.kforge().args(["render", "-e", "prod"]).run().exit(0);
}

// `kforge render | kubectl apply -f -` applies hooks as ordinary objects: a hook Job whose
// template changed could not be applied again ("field is immutable").
#[test]
fn render_names_a_hook_job_by_its_content() {
    let p = TempProject::example("web-worker");
    let name = |stdout: &str| {
        stdout
            .split("---\n")
            .find(|d| d.contains("kind: Job\n"))
            .and_then(|d| d.lines().find_map(|l| l.strip_prefix("  name: ")))
            .unwrap()
            .to_string()
    };
    let first = name(
        &p.kforge()
            .args(["render", "-e", "prod"])
            .run()
            .exit(0)
            .stdout,
    );
    let again = name(
        &p.kforge()
            .args(["render", "-e", "prod"])
            .run()
            .exit(0)
            .stdout,
    );
    assert_eq!(first, again, "the same content keeps its name");
    assert!(first.starts_with("shop-migrate-") && first.len() == "shop-migrate-".len() + 10);
    let changed = name(
        &p.kforge()
            .args(["render", "-e", "prod", "--set", "image.tag=1.4.3"])
            .run()
            .exit(0)
            .stdout,
    );
    assert_ne!(first, changed, "a changed hook is a new object");
    // The packaged chart keeps the name as written: Helm recreates hooks itself.
    p.kforge().args(["build"]).run().exit(0);
    let entries = crate::support::archive_names(&p.path().join("dist/prod/shop-1.0.0.tgz"));
    assert!(
        entries
            .iter()
            .any(|e| e.ends_with("templates/job-shop-migrate.yaml")),
        "{entries:?}"
    );
}

// Issue 33's proof on a public application: podinfo's Helm chart as Helm 4 renders it
// (tests/corpora/apps/podinfo-chart), imported, released, then given a canary track as the docs
// advise: the release that follows is refused before `helm upgrade` fails on the cluster with
// `spec.selector: Invalid value: ...: field is immutable`.
#[test]
fn a_public_application_given_a_canary_after_its_first_release_is_refused() {
    let staging = crate::import::app("podinfo-chart/staging.yaml");
    let production = crate::import::app("podinfo-chart/production.yaml");
    let (_t, out, _) =
        crate::import::import_and_prove(&[("staging", &staging), ("production", &production)]);
    let kforge = |args: &[&str]| crate::support::Cli::new().args(args).in_dir(&out).run();
    kforge(&["build", "--version", "1.0.0"]).exit(0);
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    let component = base
        .lines()
        .skip_while(|l| *l != "components:")
        .nth(1)
        .and_then(|l| l.trim().strip_suffix(':'))
        .expect("a component")
        .to_string();
    let set = format!("components.{component}.canary.enabled=false");
    kforge(&["check", "--version", "1.0.1", "--set", &set])
        .exit(1)
        .stderr_has("error[immutable-selector]: Deployment podinfo: spec.selector changes (+ spec.selector.matchLabels[\"kforge.io/track\"]: \"stable\")")
        .stderr_has("in environments `production` and `staging`")
        .stderr_has("upgrades checked: production from 1.0.0, staging from 1.0.0");
    kforge(&["build", "--version", "1.0.1", "--set", &set]).exit(1);
    kforge(&["build", "--version", "1.0.1"]).exit(0);
}

/// The record a build keeps beside each archive (`.kforge-compared-<archive>.yaml`: what the
/// upgrade rules compare, so the next check need not inflate and parse the archive) gives
/// byte-for-byte the findings reading the archive gives, a removed object's location in the
/// archive included; it is read when it is this kforge's record of exactly that archive, and
/// ignored, for the archive, when the archive changed or another version wrote it.
#[test]
fn the_record_beside_an_archive_gives_the_findings_reading_it_gives() {
    let p = TempProject::example("web-worker");
    let base_path = p.path().join("environments/base.yaml");
    let base = std::fs::read_to_string(&base_path).unwrap();
    // A database with a volume claim template, whose removal loses its volumes' data.
    let with_db = format!(
        "{base}  db:\n    kind: StatefulSet\n    service: {{enabled: false}}\n    livenessProbe: {{exec: {{command: [/bin/true]}}}}\n    readinessProbe: {{exec: {{command: [/bin/true]}}}}\n    workloadSpec:\n      volumeClaimTemplates:\n        - metadata: {{name: data}}\n          spec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n"
    );
    p.write("environments/base.yaml", &with_db);
    p.kforge().args(["build"]).run().exit(0);
    let record = p
        .path()
        .join("dist/prod/.kforge-compared-shop-1.0.0.tgz.yaml");
    let recorded = std::fs::read_to_string(&record).expect("build keeps a record");
    assert!(recorded.contains("kind: StatefulSet"), "{recorded}");
    // 1.0.1: the db is gone, and web's selector gains a label.
    let next = base.replace("version: 1.0.0", "version: 1.0.1").replacen(
        "    replicaCount: 2\n",
        "    replicaCount: 2\n    canary: {enabled: false}\n",
        1,
    );
    p.write("environments/base.yaml", &next);
    let with_record = p
        .kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("warning[data-loss-removed]")
        .stderr_has("shop-1.0.0.tgz:templates/");
    // Without the records, the archives are read: the same bytes.
    let records: Vec<_> = ["dev", "prod", "staging"]
        .iter()
        .map(|e| {
            p.path()
                .join(format!("dist/{e}/.kforge-compared-shop-1.0.0.tgz.yaml"))
        })
        .collect();
    let texts: Vec<String> = records
        .iter()
        .map(|r| std::fs::read_to_string(r).unwrap())
        .collect();
    for r in &records {
        std::fs::remove_file(r).unwrap();
    }
    let from_archives = p.kforge().args(["check"]).run().exit(1);
    assert_eq!(with_record.stderr, from_archives.stderr);
    assert_eq!(with_record.stdout, from_archives.stdout);
    // The record is what is read: one that already has the new selector label hides the change.
    let edited = texts[1].replace(
        "            app.kubernetes.io/component: web\n",
        "            app.kubernetes.io/component: web\n            kforge.io/track: stable\n",
    );
    assert_ne!(
        edited, texts[1],
        "the record holds web's selector:\n{}",
        texts[1]
    );
    // Sealed again (an edit by hand is not: an_edited_record_is_not_used), it is read.
    let edited = reseal(&edited);
    std::fs::write(&records[1], &edited).unwrap();
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("in environments `dev` and `staging`");
    // ...unless the archive is not the one it records, or another kforge wrote it.
    let stale: String = edited
        .lines()
        .map(|l| match l.strip_prefix("archive: ") {
            Some(digest) => format!(
                "archive: \"{}\"\n",
                "0".repeat(digest.trim_matches('"').len())
            ),
            None => format!("{l}\n"),
        })
        .collect();
    assert_ne!(stale, edited);
    std::fs::write(&records[1], reseal(&stale)).unwrap();
    let run = p.kforge().args(["check"]).run().exit(1);
    assert_eq!(run.stderr, from_archives.stderr);
    let other = edited.replace(
        &format!("kforge: \"{}\"", env!("CARGO_PKG_VERSION")),
        "kforge: \"0.0.1\"",
    );
    assert_ne!(other, edited);
    std::fs::write(&records[1], reseal(&other)).unwrap();
    let run = p.kforge().args(["check"]).run().exit(1);
    assert_eq!(run.stderr, from_archives.stderr);
}

/// A record cut short (it is written without a sync, so a crash may leave part of it) is
/// never taken for the whole: the archive is read instead, with the same findings.
#[test]
fn a_record_cut_short_is_not_used() {
    let p = web_worker_with_canary_added();
    let record = p
        .path()
        .join("dist/prod/.kforge-compared-shop-1.0.0.tgz.yaml");
    let whole = std::fs::read_to_string(&record).unwrap();
    let from_record = p.kforge().args(["check"]).run().exit(1);
    // Cut after the first object: what is left still parses as YAML.
    let second = whole
        .match_indices("\n  - file:")
        .nth(1)
        .expect("two objects")
        .0;
    std::fs::write(&record, &whole[..second + 1]).unwrap();
    let cut = p.kforge().args(["check"]).run().exit(1);
    assert_eq!(cut.stderr, from_record.stderr);
    cut.stderr_has("in environments `dev`, `prod` and `staging`");
}

/// A record's text with its last line, the seal, made anew for what is above it.
fn reseal(text: &str) -> String {
    use sha2::Digest;
    const SEAL: &str = "# sha256 of the lines above: ";
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with(SEAL))
        .map(|l| format!("{l}\n"))
        .collect();
    let seal: String = sha2::Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{body}{SEAL}{seal}\n")
}

/// Review finding 20: a record edited by hand (here so that the selector matches the new one)
/// was trusted, and the selector change passed. The record is sealed with its own sha256: an
/// edited one is not used, and the archive says what was released.
#[test]
fn an_edited_record_is_not_used() {
    let p = web_worker_with_canary_added();
    let record = p
        .path()
        .join("dist/prod/.kforge-compared-shop-1.0.0.tgz.yaml");
    let whole = std::fs::read_to_string(&record).unwrap();
    assert!(
        whole
            .lines()
            .last()
            .unwrap()
            .starts_with("# sha256 of the lines above: ")
    );
    let edited = whole.replace(
        "            app.kubernetes.io/component: web\n",
        "            app.kubernetes.io/component: web\n            kforge.io/track: stable\n",
    );
    assert_ne!(edited, whole, "the record holds web's selector");
    std::fs::write(&record, edited).unwrap();
    p.kforge()
        .args(["check"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("in environments `dev`, `prod` and `staging`");
}

/// Review findings 17 and 22: a hook Job made a plain Job passed (Helm then fails creating it
/// beside the hook's Job left in the cluster), and a plain Job was refused on every release
/// because its pods carried the chart version.
#[test]
fn a_hook_made_plain_is_refused_and_a_plain_job_upgrades_when_unchanged() {
    let p = TempProject::example("web-worker");
    p.kforge().args(["build"]).run().exit(0);
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    assert!(base.contains("    hook: {phases: [pre-install, pre-upgrade], weight: -5}\n"));
    let plain = base.replace(
        "    hook: {phases: [pre-install, pre-upgrade], weight: -5}\n",
        "",
    );
    p.write(
        "environments/base.yaml",
        &plain.replace("version: 1.0.0", "version: 1.0.1"),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(1);
    run.stderr_has("error[hook-became-plain]: Job shop-migrate: was a Helm hook (`helm.sh/hook: pre-install,pre-upgrade`) in the last release")
        .stderr_has("exists and cannot be imported into the current release");
    // Acknowledged (the hook's Job deleted first), 1.0.1 ships; 1.0.2 changes nothing in the
    // Job but the chart version: its pod template is the same, so nothing is refused.
    p.write(
        "kforge-lint.yaml",
        "acknowledge:\n  - {rule: hook-became-plain, object: Job/shop-migrate, release: 1.0.1, reason: deleted first}\n",
    );
    p.kforge().args(["build"]).run().exit(0);
    p.write(
        "environments/base.yaml",
        &plain.replace("version: 1.0.0", "version: 1.0.2"),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(0);
    assert!(!run.stderr.contains("immutable-job"), "{}", run.stderr);
    run.stderr_has("prod from 1.0.1");
}

/// Review finding 15: enabling the autoscaler dropped `spec.replicas` without a word; Helm
/// then removes it and the Deployment runs one pod until the autoscaler reacts.
#[test]
fn enabling_the_autoscaler_warns_that_replicas_drop_to_one() {
    let p = TempProject::reference();
    p.kforge().args(["build"]).run().exit(0);
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    p.write(
        "environments/base.yaml",
        &base.replace("version: 1.0.0", "version: 1.0.1"),
    );
    let staging = std::fs::read_to_string(p.path().join("environments/staging.yaml")).unwrap();
    p.write(
        "environments/staging.yaml",
        &format!("{staging}autoscaling:\n  enabled: true\n  minReplicas: 2\n  maxReplicas: 4\n"),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(0);
    assert_eq!(
        run.stderr.matches("replicas-dropped").count(),
        1,
        "{}",
        run.stderr
    );
    run.stderr_has("warning[replicas-dropped]: Deployment krakend: spec.replicas (2 in the last release) is no longer written")
        .stderr_has("in environment `staging`");
}

/// Review finding 18: RollingUpdate (defaulted) to Recreate passed without a word; under
/// server-side apply (Helm 4, `kubectl apply --server-side`, Flux's helm-controller) the API
/// server rejects it, as the defaulted rollingUpdate is owned by no one and kept.
#[test]
fn recreate_after_a_defaulted_rolling_update_is_a_warning() {
    let p = TempProject::example("web-worker");
    p.kforge().args(["build"]).run().exit(0);
    let base = std::fs::read_to_string(p.path().join("environments/base.yaml")).unwrap();
    p.write(
        "environments/base.yaml",
        &base.replace("version: 1.0.0", "version: 1.0.1").replacen(
            "    replicaCount: 2\n",
            "    replicaCount: 2\n    strategy: {type: Recreate}\n",
            1,
        ),
    );
    p.kforge().args(["golden", "update"]).run().exit(0);
    let run = p.kforge().args(["check"]).run().exit(0);
    assert_eq!(
        run.stderr.matches("recreate-server-side").count(),
        1,
        "{}",
        run.stderr
    );
    run.stderr_has("warning[recreate-server-side]: Deployment shop-web: spec.strategy.type changes from RollingUpdate to Recreate")
        .stderr_has("may not be specified when strategy `type` is 'Recreate'");
}
