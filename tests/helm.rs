//! Proof with the real consumers: real Helm 4 (the helm-sdkpy shared library, driven by
//! tests/oracles/helm.py) lints and reads our charts and our index.yaml, and Debian's
//! docker-registry stores what `kforge push` sends exactly as it stores `helm push`.
//! `.ci/install-oracles` installs both; these tests fail (never skip) without them.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{TempProject, python, repo_root, sha256_file};

/// Runs tests/oracles/<script> with `args`; returns its JSON output.
fn oracle(script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(repo_root().join("tests/oracles").join(script))
        .args(args)
        .output()
        .expect("python3 must be installed (see .ci/run)");
    assert!(
        out.status.success(),
        "oracle {script} {args:?} failed (run .ci/install-oracles):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle {script} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn helm(args: &[&str]) -> serde_json::Value {
    oracle("helm.py", args)
}

/// Problems (severity ≥ 2: warning or error) Helm's lint reports for a chart.
fn helm_lint_problems(chart: &Path) -> Vec<serde_json::Value> {
    let out = helm(&["lint", &chart.display().to_string()]);
    out["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["messages"].as_array().unwrap().clone())
        .filter(|m| m["severity"].as_i64().unwrap() >= 2)
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (by pid) when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves `dir` over HTTP on 127.0.0.1; returns the server and its base URL.
fn http_server(dir: &Path) -> (Server, String) {
    let port = free_port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    wait_for(port);
    (server, format!("http://127.0.0.1:{port}"))
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

/// A running docker-registry, stopped by pid on drop.
struct Registry {
    pid: i64,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A registry that demands HTTP basic auth for `user_pass` (`USER:PASS`).
    fn with_htpasswd(user_pass: &str) -> Self {
        Self::start_with(&["--htpasswd", user_pass])
    }

    fn start_with(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let dir_arg = dir.path().display().to_string();
        let mut args = vec!["start", dir_arg.as_str()];
        args.extend_from_slice(extra);
        let out = oracle("registry.py", &args);
        Self {
            pid: out["pid"].as_i64().unwrap(),
            port: u16::try_from(out["port"].as_u64().unwrap()).unwrap(),
            _dir: dir,
        }
    }

    /// The repositories stored, read with `auth` (`USER:PASS`).
    fn catalog(&self, auth: &str) -> Vec<String> {
        let out = oracle(
            "registry.py",
            &["catalog", &self.port.to_string(), "--auth", auth],
        );
        out["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect()
    }

    fn manifest(&self, repo: &str, tag: &str) -> serde_json::Value {
        oracle(
            "registry.py",
            &["manifest", &self.port.to_string(), repo, tag],
        )
    }

    fn blob(&self, repo: &str, digest: &str) -> Vec<u8> {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().display().to_string();
        let out = Command::new("python3")
            .arg(repo_root().join("tests/oracles/registry.py"))
            .args(["blob", &self.port.to_string(), repo, digest, &path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut bytes = Vec::new();
        std::fs::File::open(file.path())
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = Command::new("python3")
            .arg(repo_root().join("tests/oracles/registry.py"))
            .args(["stop", &self.pid.to_string()])
            .output();
    }
}

/// The reference project built with `kforge build`, with the helm test hook on in prod.
fn built() -> (TempProject, Vec<PathBuf>) {
    let p = TempProject::reference();
    p.append("environments/prod.yaml", "\nhelmTest:\n  enabled: true\n");
    p.kforge().args(["build"]).run().exit(0);
    let charts = ["dev", "staging", "prod"]
        .iter()
        .map(|e| p.path().join(format!("dist/{e}/krakend-1.0.0.tgz")))
        .collect();
    (p, charts)
}

#[test]
fn real_helm_lints_every_built_chart_clean() {
    let (_p, charts) = built();
    for chart in &charts {
        let problems = helm_lint_problems(chart);
        assert!(problems.is_empty(), "{}: {problems:?}", chart.display());
    }
}

#[test]
fn real_helm_show_chart_equals_our_chart_yaml() {
    let (_p, charts) = built();
    const READ: &str = r#"
import sys, json, tarfile, yaml
tgz, helm_yaml = sys.stdin.read().split("\0")
ours = yaml.safe_load(tarfile.open(tgz).extractfile("krakend/Chart.yaml").read())
print(json.dumps([ours, yaml.safe_load(helm_yaml)]))
"#;
    for chart in &charts {
        let shown = helm(&["show-chart", &chart.display().to_string()]);
        let both: serde_json::Value = serde_json::from_str(&python(
            READ,
            &format!("{}\0{}", chart.display(), shown["yaml"].as_str().unwrap()),
        ))
        .unwrap();
        assert_eq!(both[0], both[1], "{}", chart.display());
        assert_eq!(both[0]["version"], "1.0.0");
    }
    // The hook is in the chart Helm reads, under templates/tests/.
    let listing = python(
        "import sys, tarfile\nprint('\\n'.join(tarfile.open(sys.stdin.read().strip()).getnames()))",
        &charts[2].display().to_string(),
    );
    assert!(
        listing.contains("krakend/templates/tests/pod-krakend-test-connection.yaml"),
        "{listing}"
    );
}

#[test]
fn real_helm_repo_add_and_update_accept_our_index() {
    let (p, _) = built();
    let (_server, url) = http_server(&p.path().join("dist/prod"));
    let out = helm(&["repo-add-update", "kforge-prod", &url]);
    assert_eq!(out["ok"], true);
}

#[test]
fn escaped_template_syntax_in_values_lints_clean_in_real_helm() {
    let p = TempProject::reference();
    p.kforge()
        .args([
            "package",
            "-e",
            "dev",
            "--set-string",
            r#"podAnnotations.note=\{{ include "nope" . }} and {{- fail "x" -}}"#,
        ])
        .run()
        .exit(0);
    let chart = p.path().join("dist/dev/krakend-1.0.0.tgz");
    assert!(helm_lint_problems(&chart).is_empty());
}

#[test]
fn push_stores_helms_artifact_and_the_same_layer_as_helm_push() {
    let (p, charts) = built();
    let registry = Registry::start();
    let chart = &charts[2];
    let target = format!("oci://127.0.0.1:{}/charts", registry.port);
    p.kforge()
        .args([
            "push",
            &chart.display().to_string(),
            &target,
            "--plain-http",
        ])
        .run()
        .exit(0)
        .stdout_has(&format!(
            "pushed 127.0.0.1:{}/charts/krakend:1.0.0",
            registry.port
        ));
    let ours = registry.manifest("charts/krakend", "1.0.0");
    assert_eq!(
        ours["config"]["mediaType"],
        "application/vnd.cncf.helm.config.v1+json"
    );
    let layers = ours["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(
        layers[0]["mediaType"],
        "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    );
    let digest = format!("sha256:{}", sha256_file(chart));
    assert_eq!(layers[0]["digest"], digest.as_str());
    assert_eq!(
        registry.blob("charts/krakend", &digest),
        std::fs::read(chart).unwrap(),
        "layer blob is the archive byte for byte"
    );
    assert!(
        ours["annotations"]
            .get("org.opencontainers.image.created")
            .is_none(),
        "no wall-clock time without SOURCE_DATE_EPOCH: {ours}"
    );

    helm(&[
        "push",
        &chart.display().to_string(),
        &format!("oci://127.0.0.1:{}/helm", registry.port),
    ]);
    let theirs = registry.manifest("helm/krakend", "1.0.0");
    assert_eq!(theirs["layers"][0]["digest"], digest.as_str());
    assert_eq!(
        theirs["config"]["digest"], ours["config"]["digest"],
        "same config blob"
    );
    let mut their_ann = theirs["annotations"].as_object().unwrap().clone();
    their_ann.remove("org.opencontainers.image.created");
    assert_eq!(&their_ann, ours["annotations"].as_object().unwrap());

    // Pushing is reproducible: the same archive gives the same manifest.
    p.kforge()
        .args([
            "push",
            &chart.display().to_string(),
            &target,
            "--plain-http",
        ])
        .run()
        .exit(0);
    assert_eq!(registry.manifest("charts/krakend", "1.0.0"), ours);
}

#[test]
fn push_to_an_unreachable_registry_fails_clearly() {
    let (p, charts) = built();
    let port = free_port();
    p.kforge()
        .args([
            "push",
            &charts[0].display().to_string(),
            &format!("oci://127.0.0.1:{port}/charts"),
            "--plain-http",
        ])
        .run()
        .exit(2)
        .stderr_has(&format!(
            "pushing to 127.0.0.1:{port}/charts/krakend:1.0.0 failed"
        ))
        .stderr_has("unreachable");
}

/// A registry that demands credentials: the right ones from each source (stdin, environment,
/// docker config) push; wrong or missing ones fail with exit 2 and a message that says which
/// credentials were refused, the secret is never printed, and nothing is stored.
#[test]
fn push_with_credentials_from_each_source_and_clear_refusals() {
    const SECRET: &str = "s3cret-Pa55word";
    const WRONG: &str = "wrong-Pa55word";
    let (p, charts) = built();
    let registry = Registry::with_htpasswd(&format!("ci-bot:{SECRET}"));
    let auth = format!("ci-bot:{SECRET}");
    let chart = charts[0].display().to_string();
    let target = |path: &str| format!("oci://127.0.0.1:{}/{path}", registry.port);
    // An empty docker config home, so the machine's own credentials never leak in.
    let empty = tempfile::tempdir().unwrap();
    let empty_cfg = empty.path().display().to_string();
    let push = |path: &str| {
        p.kforge()
            .args(["push", &chart, &target(path), "--plain-http"])
            .env("DOCKER_CONFIG", &empty_cfg)
            .env("HELM_REGISTRY_CONFIG", &format!("{empty_cfg}/helm.json"))
    };
    let no_secret = |run: &crate::support::Run| {
        for s in [SECRET, WRONG] {
            assert!(
                !run.stdout.contains(s) && !run.stderr.contains(s),
                "a password was printed:\n{}{}",
                run.stdout,
                run.stderr
            );
        }
    };

    // Refusals first, so the catalog proves nothing was stored by them.
    let run = push("missing")
        .run()
        .exit(2)
        .stderr_has("the registry requires credentials and none were found")
        .stderr_has("--password-stdin");
    no_secret(&run);
    let run = push("wrong")
        .args(["--username", "ci-bot", "--password-stdin"])
        .stdin(&format!("{WRONG}\n"))
        .run()
        .exit(2)
        .stderr_has(
            "rejected the credentials of user `ci-bot` from --username and --password-stdin",
        )
        .stderr_has("HTTP 401");
    no_secret(&run);
    let run = push("wrong-env")
        .env("KFORGE_REGISTRY_USERNAME", "ci-bot")
        .env("KFORGE_REGISTRY_PASSWORD", WRONG)
        .run()
        .exit(2)
        .stderr_has("from KFORGE_REGISTRY_USERNAME and KFORGE_REGISTRY_PASSWORD");
    no_secret(&run);
    let run = push("no-password")
        .args(["--username", "ci-bot"])
        .run()
        .exit(2)
        .stderr_has("--password-stdin");
    no_secret(&run);
    assert_eq!(
        registry.catalog(&auth),
        Vec::<String>::new(),
        "refused pushes stored something"
    );

    // The right credentials, from each source.
    let run = push("stdin")
        .args(["--username", "ci-bot", "--password-stdin"])
        .stdin(&format!("{SECRET}\n"))
        .run()
        .exit(0);
    no_secret(&run);
    let run = push("env")
        .env("KFORGE_REGISTRY_USERNAME", "ci-bot")
        .env("KFORGE_REGISTRY_PASSWORD", SECRET)
        .run()
        .exit(0);
    no_secret(&run);
    let docker = tempfile::tempdir().unwrap();
    let encoded = python(
        "import base64, sys; print(base64.b64encode(sys.stdin.read().encode()).decode(), end='')",
        &auth,
    );
    std::fs::write(
        docker.path().join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"{encoded}"}}}}}}"#,
            registry.port
        ),
    )
    .unwrap();
    let run = p
        .kforge()
        .args(["push", &chart, &target("docker"), "--plain-http"])
        .env("DOCKER_CONFIG", &docker.path().display().to_string())
        .run()
        .exit(0);
    no_secret(&run);
    assert_eq!(
        registry.catalog(&auth),
        ["docker/krakend", "env/krakend", "stdin/krakend"],
        "each authenticated push stored its chart"
    );
}

// Every example application builds charts that real Helm lints clean (hooks, CronJobs, PDBs).
#[test]
fn real_helm_lints_the_example_applications_clean() {
    for example in ["web-worker", "frontend", "canary", "blue-green"] {
        let p = TempProject::example(example);
        p.kforge().args(["build"]).run().exit(0);
        for env in ["dev", "staging", "prod"] {
            let dir = p.path().join("dist").join(env);
            let chart = crate::support::file_names(&dir)
                .into_iter()
                .find(|n| n.ends_with(".tgz"))
                .map(|n| dir.join(n))
                .unwrap();
            let problems = helm_lint_problems(&chart);
            assert!(problems.is_empty(), "{example} {env}: {problems:?}");
        }
    }
}

/// `--previous oci://...`: the last release pulled from a real registry (Debian's
/// docker-registry) where `kforge push` stored it, and the upgrade checked against it.
#[test]
fn the_last_release_is_pulled_from_a_registry_with_previous() {
    // Built as 1.0.0, then given a canary and bumped to 1.0.1 (as in tests/upgrade.rs).
    let p = crate::upgrade::web_worker_with_canary_added();
    let registry = Registry::start();
    let target = format!("oci://127.0.0.1:{}/charts", registry.port);
    p.kforge()
        .args(["push", "dist/prod/shop-1.0.0.tgz", &target, "--plain-http"])
        .run()
        .exit(0);
    std::fs::remove_dir_all(p.path().join("dist")).unwrap();
    let previous = format!("{target}/shop:1.0.0");
    p.kforge()
        .args(["check", "--previous", &previous, "--plain-http"])
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("in environment `prod`")
        .stderr_has("upgrades checked: prod from 1.0.0");
    // A version the registry does not have is an input error naming the reference.
    p.kforge()
        .args([
            "check",
            "--previous",
            &format!("{target}/shop:0.9.0"),
            "--plain-http",
        ])
        .run()
        .exit(2)
        .stderr_has(&format!("pulling {target}/shop:0.9.0 failed"));
}

/// What real Helm renders from `chart` given `values` (JSON, as `--set` or `-f` would give them):
/// the release's manifest, or Helm's error (tests/oracles/helm.py `template`).
fn helm_template(chart: &Path, values: Option<&str>) -> Result<String, String> {
    let chart = chart.display().to_string();
    let mut args = vec!["template", "rel", chart.as_str()];
    args.extend(values);
    let out = helm(&args);
    if out["ok"] == true {
        Ok(out["manifest"].as_str().unwrap().to_string())
    } else {
        Err(out["error"].as_str().unwrap().to_string())
    }
}

const FIXED_VALUES: &str = "value must be 'this chart was rendered by kforge: its values are fixed; change environments/prod.yaml in the project and build a new version (kforge-values.yaml in the chart holds the values it was rendered from)'";

// Regression (issue 33, item 5): a packaged chart is static, yet it shipped its merged values as
// values.yaml, so `helm show values` listed knobs and `helm install --set replicaCount=5`
// succeeded and did nothing. Now Helm shows no values and refuses any, saying why.
#[test]
fn real_helm_shows_no_values_and_refuses_values_for_a_static_chart() {
    let (p, charts) = built();
    let prod = &charts[2];
    let shown = helm(&["show-values", &prod.display().to_string()]);
    let shown = shown["yaml"].as_str().unwrap();
    assert!(
        shown
            .lines()
            .all(|l| l.trim().is_empty() || l.starts_with('#')),
        "helm show values lists values:\n{shown}"
    );
    assert!(
        shown.contains("rendered by kforge") && shown.contains("environments/prod.yaml"),
        "{shown}"
    );

    // No values: Helm renders the chart's manifests.
    let manifest = helm_template(prod, None).expect("helm renders the chart without values");
    assert!(manifest.contains("kind: Deployment"), "{manifest}");
    assert!(
        manifest.contains("kind: HorizontalPodAutoscaler"),
        "{manifest}"
    );

    // Any value (`--set`, `-f`), even a global one, is refused with the way to change it.
    for values in [
        r#"{"replicaCount": 5}"#,
        r#"{"image": {"tag": "2.11.0"}}"#,
        r#"{"global": {"imageRegistry": "mirror.example.com"}}"#,
    ] {
        let err = helm_template(prod, Some(values)).expect_err(values);
        assert!(
            err.contains("values don't meet the specifications of the schema")
                && err.contains(FIXED_VALUES),
            "{values}: {err}"
        );
    }
    let err = helm_template(prod, Some(r#"{"replicaCount": 5}"#)).unwrap_err();
    assert!(err.contains("invalid propertyName 'replicaCount'"), "{err}");

    // The values the chart was rendered from are in it, under a name Helm does not read.
    let kept = python(
        "import sys, tarfile\nsys.stdout.write(tarfile.open(sys.stdin.read().strip()).extractfile('krakend/kforge-values.yaml').read().decode())",
        &prod.display().to_string(),
    );
    let merged = p.kforge().args(["values", "-e", "prod"]).run().exit(0);
    assert_eq!(kept, merged.stdout);
    assert!(
        kept.contains("replicaCount") || kept.contains("autoscaling"),
        "{kept}"
    );
}

// A chart kforge packaged, used as a dependency of another chart: Helm hands it `global: {}`,
// which it accepts; values the parent gives it are refused with the same message.
#[test]
fn real_helm_accepts_a_static_chart_as_a_dependency_but_not_values_for_it() {
    let (_p, charts) = built();
    let parent = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(parent.path().join("charts")).unwrap();
    std::fs::create_dir_all(parent.path().join("templates")).unwrap();
    std::fs::write(
        parent.path().join("Chart.yaml"),
        "apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n  - name: krakend\n    version: 1.0.0\n",
    )
    .unwrap();
    std::fs::copy(&charts[2], parent.path().join("charts/krakend-1.0.0.tgz")).unwrap();
    let manifest = helm_template(parent.path(), None).expect("the parent renders");
    assert!(manifest.contains("kind: Deployment"), "{manifest}");
    let err = helm_template(parent.path(), Some(r#"{"krakend": {"replicaCount": 5}}"#))
        .expect_err("values for the dependency");
    assert!(err.contains(FIXED_VALUES), "{err}");
    let err =
        helm_template(parent.path(), Some(r#"{"global": {"x": 1}}"#)).expect_err("global values");
    assert!(err.contains(FIXED_VALUES), "{err}");
}

// Review finding (issue 33's gate): every environment's chart was pushed to one tag, the last
// overwriting the others (prod consumers got staging's chart), and a published version could be
// pushed again with other content. A registry tag is mutable and `helm push` overwrites it; kforge
// refuses, and pushing the same archive again changes nothing.
#[test]
fn push_never_changes_a_published_version() {
    let (p, charts) = built();
    let registry = Registry::start();
    let target = format!("oci://127.0.0.1:{}/charts", registry.port);
    let push = |chart: &Path, to: &str| {
        p.kforge()
            .args(["push", &chart.display().to_string(), to, "--plain-http"])
            .run()
    };
    let (dev, prod) = (&charts[0], &charts[2]);
    let pushed = push(dev, &target).exit(0).stdout_has(&format!(
        "pushed 127.0.0.1:{}/charts/krakend:1.0.0",
        registry.port
    ));
    let digest_line = pushed
        .stdout
        .lines()
        .find(|l| l.starts_with("digest: sha256:"))
        .unwrap()
        .to_string();
    let first = registry.manifest("charts/krakend", "1.0.0");
    // The same archive again: nothing uploaded, the digest the registry serves printed.
    push(dev, &target)
        .exit(0)
        .stdout_has("already published, unchanged: ")
        .stdout_has(&digest_line);
    // Another environment's archive of the same version: refused, the registry unchanged.
    push(prod, &target)
        .exit(1)
        .stderr_has("is published already with another chart archive")
        .stderr_has(&format!("this archive's is sha256:{}", sha256_file(prod)))
        .stderr_has("oci://HOST/PATH/<environment>");
    assert_eq!(registry.manifest("charts/krakend", "1.0.0"), first);
    // Each environment in a repository of its own, as the generated CI pushes them.
    push(prod, &format!("{target}/prod")).exit(0);
    let theirs = registry.manifest("charts/prod/krakend", "1.0.0");
    assert_eq!(
        theirs["layers"][0]["digest"],
        format!("sha256:{}", sha256_file(prod)).as_str()
    );
}

// Review finding: CI checks out a fresh clone, dist/ holds nothing, so `check` found no last
// release and no published version: a selector change and a changed published version passed
// (`no earlier release to check upgrades from`). With `--published oci://...` (as the jobs
// `kforge init` writes set it) the registry is asked for both.
#[test]
fn the_registry_ci_pushes_to_gives_check_and_build_the_last_release_and_the_published_versions() {
    let p = crate::upgrade::web_worker_with_canary_added();
    let registry = Registry::start();
    let base = format!("oci://127.0.0.1:{}/charts", registry.port);
    for env in ["dev", "prod", "staging"] {
        p.kforge()
            .args([
                "push",
                &format!("dist/{env}/shop-1.0.0.tgz"),
                &format!("{base}/{env}"),
                "--plain-http",
            ])
            .run()
            .exit(0);
    }
    std::fs::remove_dir_all(p.path().join("dist")).unwrap();
    let published = ["--published", base.as_str(), "--plain-http"];
    // The last release of each environment comes from its repository in the registry.
    p.kforge()
        .args(["check"])
        .args(published)
        .run()
        .exit(1)
        .stderr_has("error[immutable-selector]")
        .stderr_has("upgrades checked: dev from 1.0.0, prod from 1.0.0, staging from 1.0.0")
        .stderr_has(&format!(
            "the published {base}/<env>/<chart> of dev, prod, staging"
        ));
    // Without it, the same fresh clone passed in silence (what the generated CI did).
    p.kforge()
        .args(["check"])
        .run()
        .exit(0)
        .stderr_has("no earlier release to check upgrades from");
    // A published version built again with other content: refused by check and by build,
    // which writes nothing.
    let same_version = ["--version", "1.0.0"];
    p.kforge()
        .args(["check"])
        .args(published)
        .args(same_version)
        .run()
        .exit(1)
        .stderr_has(&format!("is already in {base}/prod/shop:1.0.0 with digest"));
    p.kforge()
        .args(["build"])
        .args(published)
        .args(same_version)
        .run()
        .exit(2)
        .stderr_has(&format!("is already in {base}/"))
        .stderr_has("/shop:1.0.0 with digest");
    assert!(
        !p.path().join("dist/dev/shop-1.0.0.tgz").exists(),
        "build wrote the refused archive"
    );
    // An environment nothing is published for yet is a first release, said so.
    p.kforge()
        .args([
            "check",
            "--published",
            &format!("{base}/new"),
            "--plain-http",
        ])
        .run()
        .exit(0)
        .stderr_has("no earlier release to check upgrades from");
}
