//! Reading an import's input: each environment's manifests (a file, a folder or `-`), refused
//! with the command that renders them when they are a Helm chart or a Kustomize tree; and the
//! folder the project is written to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Error;
use super::map::Object;
use crate::diag::{Diagnostic, Diagnostics};
use crate::diff::Key;
use crate::lint::input::read_inputs;
use crate::manifest::Document;
use crate::yaml::to_json;

/// One environment's input.
pub(super) struct EnvInput {
    /// The environment's name.
    pub name: String,
    /// Where its manifests were read (`-`: standard input).
    pub path: PathBuf,
    /// Its documents, as read (then prepared: prepare.rs).
    pub docs: Vec<Document>,
    /// Its objects, by identity, once prepared: made for each round of mapping and emptied
    /// while the project is proved (mod.rs).
    pub objects: Vec<Object>,
    /// Lines of its objects as kforge emits them.
    pub lines: usize,
    /// Names in its folder that are not regular files, skipped.
    pub skipped: Vec<Diagnostic>,
}

/// Reads one environment's objects: at least one, none twice. `out` is the project folder
/// asked for (named in the command that renders a chart or Kustomize tree given instead).
pub(super) fn read_env(name: &str, path: &Path, out: &Path) -> Result<EnvInput, Error> {
    if let Some(d) = unrendered(name, path, out) {
        return Err(Diagnostics(vec![d]).into());
    }
    let mut skipped = Vec::new();
    let docs = read_inputs(&[path.to_path_buf()], &mut skipped)?;
    let docs: Vec<Document> = docs
        .into_iter()
        .filter(|d| !matches!(d.node.value, crate::yaml::Value::Null))
        .collect();
    if docs.is_empty() {
        return Err(Diagnostics(vec![Diagnostic::error(format!(
            "{} holds no Kubernetes objects (environment {name})",
            path.display()
        ))
        .help("give a manifest file, a folder of them, or `-` with `helm template ...` or `kustomize build ...` piped in")])
        .into());
    }
    let mut seen: BTreeMap<Key, &Document> = BTreeMap::new();
    let mut problems = Vec::new();
    for d in &docs {
        if d.kind.is_empty() || d.name.is_empty() {
            problems.push(
                Diagnostic::error("an object without kind or metadata.name cannot be imported")
                    .at(d.node.origin.clone())
                    .help("give every object its apiVersion, kind and metadata.name"),
            );
            continue;
        }
        let key = d.key();
        if let Some(first) = seen.get(&key) {
            problems.push(
                Diagnostic::error(format!(
                    "{} {} is given twice in environment {name}",
                    d.kind, d.name
                ))
                .at(d.node.origin.clone())
                .help(format!(
                    "the first one is at {}; remove one of them",
                    first.node.origin
                )),
            );
        } else {
            seen.insert(key, d);
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }
    let lines = docs.iter().map(|d| d.to_yaml().lines().count()).sum();
    Ok(EnvInput {
        name: name.to_string(),
        path: path.to_path_buf(),
        docs,
        objects: Vec::new(),
        lines,
        skipped,
    })
}

/// The objects of documents, by identity.
pub(super) fn objects_of(docs: &[Document]) -> Vec<Object> {
    docs.iter()
        .map(|d| Object {
            key: d.key(),
            json: to_json(&d.node),
        })
        .collect()
}

/// The output folder must not exist, be empty, or `--force` be given.
pub(super) fn check_out_dir(out: &Path, force: bool) -> Result<(), Error> {
    if force || !out.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| crate::fs::Error::new(format!("reading {}", out.display()), e))?
        .next()
        .is_none();
    if empty {
        Ok(())
    } else {
        Err(Error::NotEmpty(out.display().to_string()))
    }
}

/// The folder to write, with a name (`.` is the current folder's).
pub(super) fn destination(out: &Path) -> Result<PathBuf, Error> {
    if out.file_name().is_some() {
        return Ok(out.to_path_buf());
    }
    std::fs::canonicalize(out)
        .map_err(|e| crate::fs::Error::new(format!("reading {}", out.display()), e).into())
}

/// What makes a folder a source that renders manifests rather than manifests: the file that
/// says so, what it is, and the command that renders it (`{dir}`, `{name}`: the folder and a
/// release name).
const SOURCES: &[(&str, &str, &str)] = &[
    ("Chart.yaml", "a Helm chart", "helm template {name} {dir}"),
    (
        "kustomization.yaml",
        "a Kustomize tree",
        "kubectl kustomize {dir}",
    ),
    (
        "kustomization.yml",
        "a Kustomize tree",
        "kubectl kustomize {dir}",
    ),
    (
        "Kustomization",
        "a Kustomize tree",
        "kubectl kustomize {dir}",
    ),
];

/// Why `path` cannot be imported as it is: a folder holding `Chart.yaml` or
/// `kustomization.yaml` (or that file itself) is a source of manifests, whose templates or
/// patches would be read as objects; the help names the command that renders it, piped into
/// the import.
fn unrendered(env: &str, path: &Path, out: &Path) -> Option<Diagnostic> {
    let (dir, file) = if path.is_dir() {
        let found = SOURCES.iter().find(|(f, _, _)| path.join(f).is_file())?;
        (path.to_path_buf(), found)
    } else {
        let name = path.file_name()?.to_str()?;
        let found = SOURCES.iter().find(|(f, _, _)| *f == name)?;
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        (
            parent.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            found,
        )
    };
    let (marker, what, command) = file;
    let shown = dir.display().to_string();
    let release = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| env.to_string());
    let command = command.replace("{dir}", &shown).replace("{name}", &release);
    Some(
        Diagnostic::error(format!(
            "{shown} is {what} (it holds {marker}), not the manifests it renders (environment {env})"
        ))
        .help(format!(
            "render it and import what it renders: `{command} | kforge import -o {} {env}=-` (or write it to a file: `{command} > {env}.yaml`); with several environments, give each its rendered file",
            out.display()
        )),
    )
}

/// The input folder `path` as given, when the project folder `dest` is inside it (or is it),
/// links resolved (`dest` need not exist yet).
pub(super) fn holding(path: &Path, dest: &Path) -> Option<String> {
    let input = path.canonicalize().ok().filter(|p| p.is_dir())?;
    resolved(dest)?
        .starts_with(&input)
        .then(|| path.display().to_string())
}

/// `p` absolute, with links resolved in the part of it that exists (`..` in the part that does
/// not is taken lexically).
fn resolved(p: &Path) -> Option<PathBuf> {
    let mut abs = PathBuf::new();
    for c in std::path::absolute(p).ok()?.components() {
        match c {
            std::path::Component::ParentDir if abs.exists() => abs.push(".."),
            std::path::Component::ParentDir => {
                abs.pop();
            }
            std::path::Component::CurDir => {}
            other => abs.push(other),
        }
    }
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(existing).is_err() {
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
    let mut out = existing.canonicalize().ok()?;
    out.extend(rest.iter().rev());
    Some(out)
}
