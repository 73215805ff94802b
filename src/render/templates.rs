//! The template set: the built-in templates embedded in the binary, replaced or extended by a
//! project's `chart-templates/` folder.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::project::{ProjectError, read_dir_sorted, read_text};
use crate::yaml::SourceFile;

/// How deep subfolders of chart-templates/ are read.
const MAX_DEPTH: usize = 8;

/// What kforge does with the files of chart-templates/, for the warning about one it ignores.
pub const TEMPLATE_FILES: &str = "kforge renders *.yaml and *.yml (except `_*`), loads *.jinja, *.j2 and `_*.yaml` for import and include, and reads values.yaml and values.schema.json";

/// File name of the defaults layer inside chart-templates.
pub const DEFAULTS: &str = "values.yaml";
/// File name of the values schema inside chart-templates.
pub const SCHEMA: &str = "values.schema.json";

const BUILTIN: &[(&str, &str)] = &[
    (
        "_helpers.jinja",
        include_str!("../../chart-templates/_helpers.jinja"),
    ),
    (
        "_job.jinja",
        include_str!("../../chart-templates/_job.jinja"),
    ),
    (
        "_pod.jinja",
        include_str!("../../chart-templates/_pod.jinja"),
    ),
    (
        "cronjob.yaml",
        include_str!("../../chart-templates/cronjob.yaml"),
    ),
    (
        "daemonset.yaml",
        include_str!("../../chart-templates/daemonset.yaml"),
    ),
    ("job.yaml", include_str!("../../chart-templates/job.yaml")),
    ("pdb.yaml", include_str!("../../chart-templates/pdb.yaml")),
    (
        "statefulset.yaml",
        include_str!("../../chart-templates/statefulset.yaml"),
    ),
    (
        "deployment.yaml",
        include_str!("../../chart-templates/deployment.yaml"),
    ),
    ("hpa.yaml", include_str!("../../chart-templates/hpa.yaml")),
    (
        "ingress.yaml",
        include_str!("../../chart-templates/ingress.yaml"),
    ),
    (
        "service.yaml",
        include_str!("../../chart-templates/service.yaml"),
    ),
    (
        "serviceaccount.yaml",
        include_str!("../../chart-templates/serviceaccount.yaml"),
    ),
    (
        "test-connection.yaml",
        include_str!("../../chart-templates/test-connection.yaml"),
    ),
    (DEFAULTS, include_str!("../../chart-templates/values.yaml")),
    (
        SCHEMA,
        include_str!("../../chart-templates/values.schema.json"),
    ),
];

/// Errors loading a project's templates.
#[derive(Debug, thiserror::Error)]
pub enum TemplateSetError {
    /// A file could not be read.
    #[error(transparent)]
    Read(#[from] ProjectError),
    /// A symlink leading outside the project.
    #[error(
        "{path} is a symlink to {target}, outside the project; templates may only read files inside it"
    )]
    SymlinkOutside {
        /// The link.
        path: String,
        /// Where it points.
        target: String,
    },
    /// A config file whose name cannot be a ConfigMap key.
    #[error(
        "{path}: its name is not a valid ConfigMap key (Kubernetes allows letters, digits, `-`, `_` and `.`, at most 253 bytes, not starting with `..`); rename the file, e.g. `app.conf` for `app conf`"
    )]
    NotAConfigMapKey {
        /// The file, control characters escaped.
        path: String,
    },
    /// A folder inside a config set: a ConfigMap's keys are flat, so its files would never ship.
    #[error(
        "{path}/ is a folder inside a config set: a ConfigMap holds files only, so nothing in it would be shipped or mounted; move its files into the set's folder (they become keys of the ConfigMap), into a set of their own (`configFiles: {{<name>: ...}}` and config/<name>/), or out of config/"
    )]
    SubfolderInConfigSet {
        /// The folder, control characters escaped.
        path: String,
    },
    /// Config sources past their bound, found from the files' sizes before reading them.
    #[error(
        "{what} {limit} bytes ({bytes} bytes so far, from the files' sizes; nothing was read): a ConfigMap holds at most 1 MiB, so split the set, or ship large files in the image"
    )]
    ConfigTooLarge {
        /// `the files of config/app/ add up to more than`.
        what: String,
        /// The sizes added so far.
        bytes: u64,
        /// The bound.
        limit: u64,
    },
}

impl crate::diag::Failure for TemplateSetError {}

/// Every template file by name (`deployment.yaml`, `_helpers.jinja`, ...).
#[derive(Debug)]
pub struct TemplateSet {
    files: BTreeMap<String, Arc<SourceFile>>,
    /// The project's `values.yaml` and `values.schema.json`, which layer over the built-in
    /// ones (kept in `files`) instead of replacing them. None when the project has none, or
    /// when its file is the built-in one (as in kforge's own repository).
    project_defaults: Option<Arc<SourceFile>>,
    project_schema: Option<Arc<SourceFile>>,
    /// Project files kforge does not use.
    ignored: Vec<String>,
    /// The bounds of each environment's run.
    pub(super) limits: super::RunLimits,
    /// The templates compiled once, shared by every environment's render (each render clones
    /// an environment of it, which shares the compiled templates, and adds its own globals).
    pub(super) compiled: std::sync::OnceLock<super::Compiled>,
}

impl TemplateSet {
    /// The same set, rendered within `limits` instead of the defaults (for a program embedding
    /// the renderer, or a fuzz target that cannot wait for the default bounds).
    pub fn with_limits(mut self, limits: super::RunLimits) -> Self {
        self.limits = limits;
        self.compiled = std::sync::OnceLock::new();
        self
    }

    /// The text of built-in template `name` (`deployment.yaml`), if kforge has one.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// Only the built-in templates.
    pub fn builtin() -> Self {
        let files = BUILTIN
            .iter()
            .map(|(name, text)| {
                (
                    (*name).to_string(),
                    SourceFile::new(format!("chart-templates/{name} (built-in)"), *text),
                )
            })
            .collect();
        Self {
            files,
            project_defaults: None,
            project_schema: None,
            ignored: Vec::new(),
            limits: super::RunLimits::default(),
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The built-in set overlaid with `root/chart-templates/**` (same name replaces). Files in
    /// subfolders are named by their path (`crds/widget.yaml`) and render as Helm's
    /// `templates/` subfolders do; files kforge neither renders nor loads are listed in
    /// [`TemplateSet::ignored`].
    pub fn load(root: &Path) -> Result<Self, TemplateSetError> {
        let mut set = Self::builtin();
        let dir = root.join("chart-templates");
        if !dir.is_dir() {
            return Ok(set);
        }
        let root_real = fs::canonicalize(root).map_err(|source| ProjectError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        crate::project::check_inside(&root_real, &dir, "chart-templates")?;
        set.load_dir(&dir, "", &root_real, 0)?;
        Ok(set)
    }

    /// Loads `dir` (`prefix` is its path below chart-templates/, with a trailing `/`).
    fn load_dir(
        &mut self,
        dir: &Path,
        prefix: &str,
        root_real: &Path,
        depth: usize,
    ) -> Result<(), TemplateSetError> {
        for path in read_dir_sorted(dir)? {
            let Some(base) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if base.starts_with('.') {
                continue;
            }
            let name = format!("{prefix}{base}");
            let display = format!("chart-templates/{name}");
            let meta = fs::symlink_metadata(&path).map_err(|source| ProjectError::Io {
                path: path.clone(),
                source,
            })?;
            if meta.file_type().is_symlink() {
                let target = fs::canonicalize(&path).map_err(|source| ProjectError::Io {
                    path: path.clone(),
                    source,
                })?;
                if !target.starts_with(root_real) {
                    return Err(TemplateSetError::SymlinkOutside {
                        path: display,
                        target: target.display().to_string(),
                    });
                }
            }
            if path.is_dir() {
                // Not through a symlink (no loops), and not without end.
                if meta.file_type().is_symlink() || depth >= MAX_DEPTH {
                    self.ignored.push(format!("{display}/"));
                } else {
                    self.load_dir(&path, &format!("{name}/"), root_real, depth + 1)?;
                }
                continue;
            }
            if !is_template_name(&name) && name != DEFAULTS && name != SCHEMA {
                self.ignored.push(display);
                continue;
            }
            let text = read_text(&path)?;
            let same_as_builtin = self.files.get(&name).is_some_and(|f| f.text == text);
            let file = SourceFile::new(display, text);
            match name.as_str() {
                DEFAULTS if !same_as_builtin => self.project_defaults = Some(file),
                SCHEMA if !same_as_builtin => self.project_schema = Some(file),
                DEFAULTS | SCHEMA => {}
                _ => {
                    self.files.insert(name, file);
                }
            }
        }
        Ok(())
    }

    /// Files and folders of the project's chart-templates/ that kforge neither renders nor
    /// loads (`chart-templates/krakend.json`), for a warning.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    /// The defaults layers, lowest first: the built-in `values.yaml`, then the project's.
    pub fn defaults(&self) -> Vec<Arc<SourceFile>> {
        std::iter::once(self.files[DEFAULTS].clone())
            .chain(self.project_defaults.clone())
            .collect()
    }

    /// The built-in values schema (`values.schema.json`).
    pub fn schema(&self) -> &Arc<SourceFile> {
        &self.files[SCHEMA]
    }

    /// The project's values schema, merged into the built-in one.
    pub fn project_schema(&self) -> Option<&Arc<SourceFile>> {
        self.project_schema.as_ref()
    }

    /// Every file that minijinja may load (templates and helpers).
    pub fn sources(&self) -> impl Iterator<Item = (&str, &Arc<SourceFile>)> {
        self.files
            .iter()
            .filter(|(n, _)| is_template_name(n))
            .map(|(n, f)| (n.as_str(), f))
    }

    /// Templates that produce manifests: `*.yaml`/`*.yml` whose file name does not start with
    /// `_`, in subfolders too.
    pub fn renderable(&self) -> impl Iterator<Item = (&str, &Arc<SourceFile>)> {
        self.sources().filter(|(n, _)| {
            let base = n.rsplit('/').next().unwrap_or(n);
            !base.starts_with('_') && (n.ends_with(".yaml") || n.ends_with(".yml"))
        })
    }

    /// Whether the template `name` is a built-in one, unchanged by the project.
    pub(super) fn is_builtin(&self, name: &str) -> bool {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .zip(self.files.get(name))
            .is_some_and(|((_, builtin), file)| file.text == *builtin)
    }

    /// The file behind a template name.
    pub fn file(&self, name: &str) -> Option<&Arc<SourceFile>> {
        self.files.get(name)
    }
}

fn is_template_name(name: &str) -> bool {
    name != DEFAULTS
        && name != SCHEMA
        && [".yaml", ".yml", ".jinja", ".j2"]
            .iter()
            .any(|e| name.ends_with(e))
}
