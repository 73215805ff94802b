//! A kforge project on disk: `environments/base.yaml`, one overlay file or folder per
//! environment, and optional `chart-templates/` that replace or extend the built-in set.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::yaml::SourceFile;

/// The values schema for editors (`kforge schema --editor`), beside the environment files that
/// name it on their first line (`# yaml-language-server: $schema=values.schema.json`).
pub const EDITOR_SCHEMA: &str = "environments/values.schema.json";

/// Largest input file kforge reads (values, templates, manifests).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Problems finding or reading the project.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// No `environments/base.yaml`.
    #[error("{} has no environments/base.yaml; is this a kforge project? (use -C DIR, or `kforge init`)", .0.display())]
    NotAProject(PathBuf),
    /// `-e NAME` names no environment.
    #[error("unknown environment `{name}`; known environments: {known}{hint}")]
    UnknownEnv {
        /// What was asked for.
        name: String,
        /// Comma-separated known names.
        known: String,
        /// A did-you-mean suffix.
        hint: String,
    },
    /// Both `prod.yaml` and `prod/` exist.
    #[error(
        "environment `{0}` is defined twice: as environments/{0}.yaml and as the folder environments/{0}/; keep one"
    )]
    Ambiguous(String),
    /// An overlay folder with no YAML in it.
    #[error("environment folder environments/{0}/ holds no *.yaml files")]
    EmptyEnvDir(String),
    /// Could not read a file or folder.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// File over the size limit.
    #[error("{} is larger than the {} MiB limit for input files", path.display(), MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge {
        /// The path.
        path: PathBuf,
    },
    /// Not UTF-8 text.
    #[error("{}:{line}: file is not valid UTF-8 text (byte offset {offset}); save it as UTF-8", path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// Byte offset of the first bad byte.
        offset: usize,
    },
    /// A file name in environments/ that is not a valid environment name.
    #[error(
        "environments/{file}: `{name}` is not a valid environment or layer name: use at most 63 lower-case letters, digits, `-` and `_`, not `_` first (and not `base`); rename the file"
    )]
    BadEnvFile {
        /// The file or folder name, escaped.
        file: String,
        /// The environment name it gives, escaped.
        name: String,
    },
    /// A file name in an environment's folder with control characters in it.
    #[error("environments/{dir}/{file}: a file name with control characters; rename the file")]
    BadOverlayFile {
        /// The environment's folder.
        dir: String,
        /// The file name, escaped.
        file: String,
    },
    /// `-e NAME` that no environment file could define.
    #[error(
        "`{0}` is not a valid environment name: environments are named by their files, at most 63 lower-case letters, digits, `-` and `_`"
    )]
    BadEnvName(String),
    /// A project file that is a symlink (or inside one) leading outside the project.
    #[error(
        "{path} leads outside the project (to {target}); kforge reads only files inside the project: copy the file into it"
    )]
    OutsideProject {
        /// The path in the project, as shown.
        path: String,
        /// Where it leads.
        target: String,
    },
    /// Not a regular file where one was expected.
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
}

impl crate::diag::Failure for ProjectError {}

/// How an environment's overlay is stored.
#[derive(Clone, Debug)]
pub enum Overlay {
    /// `environments/<env>.yaml`
    File(PathBuf),
    /// `environments/<env>/*.yaml`, merged in name order.
    Dir(Vec<PathBuf>),
}

/// A discovered project.
#[derive(Debug)]
pub struct Project {
    /// The project root (`-C`).
    pub root: PathBuf,
    /// `environments/base.yaml` (or `.yml`).
    pub base: PathBuf,
    /// Environments by name, sorted.
    pub envs: BTreeMap<String, Overlay>,
    /// Shared layers by name (`environments/_<name>.yaml`): values several environments build
    /// on, each naming them in its overlay (`kforge: {layers: [<name>]}`; docs/layers.md).
    pub layers: BTreeMap<String, PathBuf>,
    /// The project root with symlinks resolved, which every project file must be inside.
    real_root: PathBuf,
}

impl Project {
    /// Finds the project at `root`.
    pub fn discover(root: &Path) -> Result<Self, ProjectError> {
        let env_dir = root.join("environments");
        let base = ["base.yaml", "base.yml"]
            .iter()
            .map(|n| env_dir.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| ProjectError::NotAProject(root.to_path_buf()))?;
        let real_root = fs::canonicalize(root).map_err(|source| ProjectError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let mut envs = BTreeMap::new();
        let mut layers = BTreeMap::new();
        for entry in read_dir_sorted(&env_dir)? {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            // `_<name>.yaml`: a shared layer, not an environment.
            if let Some(layer) = name.strip_prefix('_') {
                if entry.is_file() && is_yaml_name(&entry) {
                    let stem = layer
                        .rsplit_once('.')
                        .map_or(layer, |(stem, _)| stem)
                        .to_string();
                    check_env_name(&name, &stem)?;
                    if layers.insert(stem.clone(), entry.clone()).is_some() {
                        return Err(ProjectError::Ambiguous(format!("_{stem}")));
                    }
                }
                continue;
            }
            let (env, overlay) = if entry.is_dir() {
                check_env_name(&name, &name)?;
                let files: Vec<PathBuf> = read_dir_sorted(&entry)?
                    .into_iter()
                    .filter(|p| is_yaml_name(p) && !hidden(p))
                    .collect();
                if let Some(bad) = files.iter().find_map(|p| {
                    let file = p.file_name()?.to_string_lossy().into_owned();
                    file.chars().any(char::is_control).then_some(file)
                }) {
                    return Err(ProjectError::BadOverlayFile {
                        dir: name,
                        file: escaped(&bad),
                    });
                }
                if files.is_empty() {
                    return Err(ProjectError::EmptyEnvDir(name));
                }
                (name, Overlay::Dir(files))
            } else if is_yaml_name(&entry) {
                let stem = entry
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if stem == "base" {
                    continue;
                }
                check_env_name(&name, &stem)?;
                (stem, Overlay::File(entry.clone()))
            } else {
                continue;
            };
            if envs.insert(env.clone(), overlay).is_some() {
                return Err(ProjectError::Ambiguous(env));
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
            real_root,
            base,
            envs,
            layers,
        })
    }

    /// The overlay of environment `name`, or an error listing the known ones.
    pub fn overlay(&self, name: &str) -> Result<&Overlay, ProjectError> {
        if !is_valid_env_name(name) {
            return Err(ProjectError::BadEnvName(escaped(name)));
        }
        self.envs.get(name).ok_or_else(|| {
            let hint = crate::diag::did_you_mean(name, self.envs.keys().map(String::as_str))
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            ProjectError::UnknownEnv {
                name: name.to_string(),
                known: if self.envs.is_empty() {
                    "(none: add environments/<name>.yaml)".into()
                } else {
                    self.envs.keys().cloned().collect::<Vec<_>>().join(", ")
                },
                hint,
            }
        })
    }

    /// A path as shown to users: relative to the project root when inside it.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Reads a project file as a [`SourceFile`] named relative to the project.
    pub fn read_source(&self, path: &Path) -> Result<Arc<SourceFile>, ProjectError> {
        check_inside(&self.real_root, path, &self.display_path(path))?;
        let text = read_text(path)?;
        Ok(SourceFile::new(self.display_path(path), text))
    }
}

/// Whether `name` can name an environment: 1 to 63 lower-case letters, digits, `-` and `_`,
/// and not `base` (the same rule as `kforge import`'s ENV=PATH; the name becomes a folder of
/// `dist/`, a file name and a Chart.yaml annotation).
pub fn is_valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name != "base"
        && !name.starts_with('_')
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
}

/// `text` with control characters (a newline, an escape) written as escapes, for an error.
pub fn escaped(text: &str) -> String {
    crate::diag::escaped(text)
}

fn check_env_name(file: &str, name: &str) -> Result<(), ProjectError> {
    if is_valid_env_name(name) {
        return Ok(());
    }
    Err(ProjectError::BadEnvFile {
        file: escaped(file),
        name: escaped(name),
    })
}

/// Refuses `path` (shown as `shown`) when it resolves, through symlinks, outside `real_root`
/// (the project root, canonical), before anything of it is read.
pub fn check_inside(real_root: &Path, path: &Path, shown: &str) -> Result<(), ProjectError> {
    let target = fs::canonicalize(path).map_err(|source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if target.starts_with(real_root) {
        Ok(())
    } else {
        Err(ProjectError::OutsideProject {
            path: escaped(shown),
            target: escaped(&target.display().to_string()),
        })
    }
}

fn is_yaml_name(p: &Path) -> bool {
    p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn hidden(p: &Path) -> bool {
    p.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Lists a folder's entries sorted by name (byte order, so the result is the same everywhere).
pub fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, ProjectError> {
    let io = |source| ProjectError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        paths.push(entry.map_err(io)?.path());
    }
    paths.sort();
    Ok(paths)
}

/// Reads a UTF-8 text file of bounded size.
pub fn read_text(path: &Path) -> Result<String, ProjectError> {
    let io = |source| ProjectError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ProjectError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .map_err(io)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ProjectError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    text_from_bytes(bytes, path)
}

/// Checks UTF-8 and strips a leading byte-order mark.
pub fn text_from_bytes(bytes: Vec<u8>, path: &Path) -> Result<String, ProjectError> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Err(ProjectError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                offset,
            })
        }
    }
}
