//! `kforge init DIR [--name NAME]`: a new project that passes `kforge check` and `kforge build`
//! at once: environments base/dev/staging/prod, golden/ rendered from them, a .gitignore for
//! dist/, and CI jobs for GitHub Actions and GitLab CI.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cmd::bail;

use crate::cli::InitArgs;
use crate::cmd::Result;
use crate::manifest::Hooks;
use crate::pipeline::{Workspace, env_files, update_golden};
use crate::values::CliLayers;

/// Writes the scaffold (refusing to touch an existing project), then renders golden/.
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => {
            let abs =
                std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))?;
            abs.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }
    };
    if !is_dns_label(&name) {
        bail!(
            "`{name}` is not a valid chart name: use at most 63 lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit\n  help: pass --name, e.g. --name {}",
            suggest_name(&name)
        );
    }
    if dir.join("environments").exists() {
        bail!(
            "{} already holds a kforge project (environments/ exists); init never overwrites files",
            dir.display()
        );
    }
    let files = scaffold(&name, args.components);
    for (rel, _) in &files {
        if dir.join(rel).exists() {
            bail!(
                "{} already exists; init never overwrites files: move it away or init another folder",
                dir.join(rel).display()
            );
        }
    }
    // Nothing is written through a link out of the project or out of DIR: every file, and
    // what write_golden writes, checked before the first is written.
    let rels = files.iter().map(|(rel, _)| *rel);
    let more = [crate::project::EDITOR_SCHEMA, "golden"];
    crate::fs::checked_output(dir, rels.chain(more).map(|rel| dir.join(rel)))?;
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    // golden/ is the current output, so `kforge check` passes until something changes.
    let here = std::env::current_dir().context("reading the current folder")?;
    std::env::set_current_dir(dir).with_context(|| format!("entering {}", dir.display()))?;
    let result = write_golden();
    std::env::set_current_dir(&here).context("returning to the current folder")?;
    result?;
    crate::cmd::write_stdout(&format!(
        "created kforge project `{name}` in {}\nnext:\n  cd {}\n  kforge check            # what CI runs\n  kforge build            # charts in dist/<env>/\n  kforge render -e dev | kubectl apply -f -\n",
        dir.display(),
        shell_path(dir)
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// golden/ and the editors' values schema, from the files just written.
fn write_golden() -> Result<()> {
    use crate::project::EDITOR_SCHEMA;
    let ws = Workspace::load()?;
    let schema = ws.schema_text(true)?;
    std::fs::write(EDITOR_SCHEMA, schema).with_context(|| format!("writing {EDITOR_SCHEMA}"))?;
    let mut expected = Vec::new();
    for (env, docs) in ws.render_all(&CliLayers::default(), Hooks::Lifecycle)? {
        let files = env_files(&docs)?;
        expected.push((env, files));
    }
    update_golden(Path::new("golden"), &expected)?;
    Ok(())
}

fn shell_path(dir: &Path) -> String {
    let s = dir.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A DNS-1123 label that also starts with a letter (Helm's chart name rule).
fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `My_Service` → `my-service`.
fn suggest_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    let out = out.trim_matches(|c: char| c == '-' || c.is_ascii_digit());
    if out.is_empty() {
        "my-service".to_string()
    } else {
        out.chars()
            .take(63)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
}

/// Relative path → content.
fn scaffold(name: &str, components: bool) -> Vec<(&'static str, String)> {
    let base = format!(
        r#"# {name}: values shared by every environment.
# Layers: built-in defaults < chart-templates/values.yaml < base.yaml < <env>.yaml
# < -f files < --set.
# See every key and where it came from: kforge values -e prod --show-origin
chart:
  name: {name}
  version: 0.1.0
  description: {name} service

image:
  # Pin images with a version tag or a digest; `latest` fails the lint.
  repository: nginxinc/nginx-unprivileged
  tag: "1.27.3"
  pullPolicy: IfNotPresent

ports:
  http: 8080

service:
  type: ClusterIP
  port: 80
  targetPort: http

livenessProbe:
  httpGet:
    path: /
    port: http
readinessProbe:
  httpGet:
    path: /
    port: http

resources:
  requests:
    cpu: 50m
    memory: 64Mi
  limits:
    memory: 128Mi

podSecurityContext:
  runAsNonRoot: true
  runAsUser: 101
  seccompProfile:
    type: RuntimeDefault

securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]

# nginx writes its pid and caches under /tmp.
volumes:
  - name: tmp
    emptyDir: {{}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
"#
    );
    let dev =
        "# dev: one replica, reachable inside the cluster only.\nreplicaCount: 1\n".to_string();
    let staging = format!(
        r#"# staging: two replicas behind an ingress.
replicaCount: 2
ingress:
  enabled: true
  className: nginx
  hosts:
    {name}.staging.example.com:
      paths:
        /:
          pathType: Prefix
"#
    );
    let prod = format!(
        r#"# prod: autoscaled on CPU behind an ingress.
ingress:
  enabled: true
  className: nginx
  hosts:
    {name}.example.com:
      paths:
        /:
          pathType: Prefix
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 10
  targetCPUUtilizationPercentage: 75
resources:
  requests:
    cpu: 200m
    memory: 128Mi
  limits:
    memory: 256Mi
"#
    );
    let github = r#"# kforge: check every push and pull request; build and push charts on the default branch.
name: kforge
on:
  push:
  pull_request:
permissions:
  contents: read
  packages: write
env:
  # The kforge release this project is checked with, and where releases are published
  # (owner/repository on GitHub). Its static binary is downloaded and checked: seconds, no compile.
  KFORGE_VERSION: v@KFORGE_VERSION@
  KFORGE_REPO: YOUR-ORG/kforge
  # Optional: the archive's SHA-256 from the release's SHA256SUMS, to pin the exact bytes.
  # Empty: the archive is checked against the SHA256SUMS published with the same release.
  KFORGE_SHA256: ""
jobs:
  kforge:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - name: Install kforge (release binary, SHA-256 checked)
        run: |
          cd "$RUNNER_TEMP"
          archive="kforge-$KFORGE_VERSION-x86_64-unknown-linux-musl.tar.gz"
          url="https://github.com/$KFORGE_REPO/releases/download/$KFORGE_VERSION"
          curl -fsSL --retry 3 -o "$archive" "$url/$archive"
          sum="${KFORGE_SHA256:-$(curl -fsSL --retry 3 "$url/SHA256SUMS" | awk -v f="$archive" '$2 == f { print $1 }')}"
          echo "$sum  $archive" | sha256sum -c
          mkdir -p "$RUNNER_TEMP/kforge"
          tar -xzf "$archive" -C "$RUNNER_TEMP/kforge" kforge
          echo "$RUNNER_TEMP/kforge" >> "$GITHUB_PATH"
      - name: Check (values, render, lint, golden, immutability)
        run: kforge check
      - name: Lint report for code scanning
        if: always()
        run: kforge lint --format github
      - name: Build charts
        if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
        run: SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) kforge build
      - name: Push charts
        if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)
        env:
          REGISTRY_TOKEN: ${{ secrets.GITHUB_TOKEN }}
        run: |
          for chart in dist/*/*.tgz; do
            echo "$REGISTRY_TOKEN" | kforge push "$chart" "oci://ghcr.io/${{ github.repository_owner }}/charts" --username "${{ github.actor }}" --password-stdin
          done
"#
    .replace("@KFORGE_VERSION@", env!("CARGO_PKG_VERSION"));
    let gitlab = r#"# kforge: check every pipeline; build and push charts on the default branch.
stages: [check, build]

variables:
  # The kforge release this project is checked with, and where releases are published
  # (owner/repository on GitHub). Its static binary is downloaded and checked: seconds, no compile.
  KFORGE_VERSION: v@KFORGE_VERSION@
  KFORGE_REPO: YOUR-ORG/kforge
  # Optional: the archive's SHA-256 from the release's SHA256SUMS, to pin the exact bytes.
  # Empty: the archive is checked against the SHA256SUMS published with the same release.
  KFORGE_SHA256: ""

.kforge:
  image: alpine:3.22
  before_script:
    - apk add --no-cache git
    - archive="kforge-$KFORGE_VERSION-x86_64-unknown-linux-musl.tar.gz"
    - url="https://github.com/$KFORGE_REPO/releases/download/$KFORGE_VERSION"
    - wget -q -O "/tmp/$archive" "$url/$archive"
    - sum="${KFORGE_SHA256:-$(wget -q -O - "$url/SHA256SUMS" | awk -v f="$archive" '$2 == f { print $1 }')}"
    - echo "$sum  /tmp/$archive" | sha256sum -c
    - tar -xzf "/tmp/$archive" -C /usr/local/bin kforge

kforge-check:
  extends: .kforge
  stage: check
  script:
    - kforge check
    - kforge lint --format junit > kforge-lint.xml
  artifacts:
    when: always
    reports:
      junit: kforge-lint.xml

kforge-build:
  extends: .kforge
  stage: build
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
    - kforge build
    - |
      for chart in dist/*/*.tgz; do
        echo "$CI_REGISTRY_PASSWORD" | kforge push "$chart" "oci://$CI_REGISTRY/$CI_PROJECT_PATH/charts" --username "$CI_REGISTRY_USER" --password-stdin
      done
  artifacts:
    paths: [dist/]
"#
    .replace("@KFORGE_VERSION@", env!("CARGO_PKG_VERSION"));
    let files = vec![
        ("environments/base.yaml", base),
        ("environments/dev.yaml", dev),
        ("environments/staging.yaml", staging),
        ("environments/prod.yaml", prod),
        (".gitignore", "# kforge build output\n/dist/\n".to_string()),
        (".github/workflows/kforge.yml", github),
        (".gitlab-ci.yml", gitlab),
    ];
    let mut files = files;
    if components {
        let [base, dev, staging, prod] = app_environments(name);
        for (rel, text) in [
            ("environments/base.yaml", base),
            ("environments/dev.yaml", dev),
            ("environments/staging.yaml", staging),
            ("environments/prod.yaml", prod),
        ] {
            if let Some(slot) = files.iter_mut().find(|(r, _)| *r == rel) {
                slot.1 = text;
            }
        }
    }
    // Editors with yaml-language-server complete keys and flag typos as they are typed.
    for (rel, text) in &mut files {
        if rel.starts_with("environments/") {
            text.insert_str(0, &format!("{MODELINE}\n"));
        }
    }
    files
}

/// The first line of every environment file: where yaml-language-server finds the schema.
const MODELINE: &str = "# yaml-language-server: $schema=values.schema.json";

/// The environments of `kforge init --components`: an application of a web Deployment, a
/// background worker, a nightly CronJob and a pre-upgrade migration Job from one image.
fn app_environments(name: &str) -> [String; 4] {
    let base = format!(
        r#"# {name}: an application of several components sharing one image.
# Keys outside `components` are shared by every component; a component's own keys are merged
# over them. Layers: built-in defaults < chart-templates/values.yaml < base.yaml < <env>.yaml
# < -f files < --set.
# See every key and where it came from: kforge values -e prod --show-origin
chart:
  name: {name}
  version: 0.1.0
  description: {name} application

image:
  # One image for every component; pin it with a version tag or a digest.
  repository: nginxinc/nginx-unprivileged
  tag: "1.27.3"
  pullPolicy: IfNotPresent

resources:
  requests:
    cpu: 50m
    memory: 64Mi
  limits:
    memory: 128Mi

podSecurityContext:
  runAsNonRoot: true
  runAsUser: 101
  seccompProfile:
    type: RuntimeDefault

securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]

volumes:
  - name: tmp
    emptyDir: {{}}
volumeMounts:
  - name: tmp
    mountPath: /tmp

components:
  # The web server, behind a Service; a disruption budget keeps one pod through node drains.
  web:
    ports:
      http: 8080
    service:
      port: 80
      targetPort: http
    livenessProbe:
      httpGet: {{path: /, port: http}}
    readinessProbe:
      httpGet: {{path: /, port: http}}
    podDisruptionBudget:
      enabled: true
      minAvailable: 1
  # A background worker: no Service. Replace the command with your worker's.
  worker:
    command: [sh, -c, "echo worker started; exec sleep infinity"]
    service:
      enabled: false
    livenessProbe:
      exec: {{command: [sh, -c, "true"]}}
    readinessProbe:
      exec: {{command: [sh, -c, "true"]}}
  # A nightly job at 03:00.
  nightly:
    kind: CronJob
    schedule: "0 3 * * *"
    command: [sh, -c, "echo nightly report"]
    backoffLimit: 1
    restartPolicy: Never
  # The database migration, run by Helm before every install and upgrade.
  migrate:
    kind: Job
    command: [sh, -c, "echo migrating"]
    backoffLimit: 2
    restartPolicy: Never
    hook:
      phases: [pre-install, pre-upgrade]
      weight: -5
"#
    );
    let dev = "# dev: one replica of each component, no disruption budget.
replicaCount: 1
components:
  web:
    podDisruptionBudget:
      enabled: false
"
    .to_string();
    let staging = format!(
        r#"# staging: two web replicas behind an ingress.
replicaCount: 2
components:
  web:
    ingress:
      enabled: true
      className: nginx
      hosts:
        {name}.staging.example.com:
          paths:
            /:
              pathType: Prefix
"#
    );
    let prod = format!(
        r#"# prod: the web component autoscaled on CPU behind an ingress; three workers.
components:
  web:
    ingress:
      enabled: true
      className: nginx
      hosts:
        {name}.example.com:
          paths:
            /:
              pathType: Prefix
    autoscaling:
      enabled: true
      minReplicas: 3
      maxReplicas: 10
      targetCPUUtilizationPercentage: 75
  worker:
    replicaCount: 3
"#
    );
    [base, dev, staging, prod]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_dns_label("my-svc2"));
        assert!(!is_dns_label("My_Svc"));
        assert!(!is_dns_label("2svc"));
        assert_eq!(suggest_name("My_Service"), "my-service");
        assert_eq!(suggest_name("___"), "my-service");
    }
}
