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

/// The scaffold's files, kept as files beside this one (src/cmd/scaffold/) so they read and
/// diff as what they are. `@NAME@` is the chart name, `@KFORGE_VERSION@` this binary's version.
const SERVICE: [(&str, &str); 4] = [
    (
        "environments/base.yaml",
        include_str!("scaffold/service/base.yaml"),
    ),
    (
        "environments/dev.yaml",
        include_str!("scaffold/service/dev.yaml"),
    ),
    (
        "environments/staging.yaml",
        include_str!("scaffold/service/staging.yaml"),
    ),
    (
        "environments/prod.yaml",
        include_str!("scaffold/service/prod.yaml"),
    ),
];

/// `--components`: a web Deployment, a background worker, a nightly CronJob and a pre-upgrade
/// migration Job from one image; staging and prod share a layer (`_public.yaml`).
const COMPONENTS: [(&str, &str); 5] = [
    (
        "environments/base.yaml",
        include_str!("scaffold/components/base.yaml"),
    ),
    (
        "environments/_public.yaml",
        include_str!("scaffold/components/_public.yaml"),
    ),
    (
        "environments/dev.yaml",
        include_str!("scaffold/components/dev.yaml"),
    ),
    (
        "environments/staging.yaml",
        include_str!("scaffold/components/staging.yaml"),
    ),
    (
        "environments/prod.yaml",
        include_str!("scaffold/components/prod.yaml"),
    ),
];

/// What every project gets besides its environments.
const COMMON: [(&str, &str); 3] = [
    (".gitignore", "# kforge build output\n/dist/\n"),
    (
        ".github/workflows/kforge.yml",
        include_str!("scaffold/github-workflow.yml"),
    ),
    (".gitlab-ci.yml", include_str!("scaffold/gitlab-ci.yml")),
];

/// Relative path → content.
fn scaffold(name: &str, components: bool) -> Vec<(&'static str, String)> {
    let envs: &[(&str, &str)] = if components { &COMPONENTS } else { &SERVICE };
    envs.iter()
        .chain(&COMMON)
        .map(|(rel, text)| {
            let text = text
                .replace("@NAME@", name)
                .replace("@KFORGE_VERSION@", env!("CARGO_PKG_VERSION"));
            // Editors with yaml-language-server complete keys and flag typos as they are typed.
            let text = if rel.starts_with("environments/") {
                format!("{MODELINE}\n{text}")
            } else {
                text
            };
            (*rel, text)
        })
        .collect()
}

/// The first line of every environment file: where yaml-language-server finds the schema.
const MODELINE: &str = "# yaml-language-server: $schema=values.schema.json";

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
