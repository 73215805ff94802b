//! Config files: a project's `config/<set>/` folders, each file rendered per environment
//! through minijinja (one template plus per-environment settings gives one file per
//! environment), and each set packed into a ConfigMap whose name carries a hash of its content,
//! as Kustomize's configMapGenerator does. References to the set's plain name
//! (`<release>-<set>`) in pod specs are rewritten to the hashed name, so a config change rolls
//! the pods and an old ReplicaSet keeps the config it was made with for a rollback. A set
//! given a fixed `name` (`configFiles.<set>.name`, an existing application's ConfigMap) keeps
//! it: no hash, no rewritten references, and so no automatic rollout when it changes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::value::Value as JValue;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Diagnostics};
use crate::manifest::Document;
use crate::project::{ProjectError, check_inside, read_dir_sorted, read_text};
use crate::yaml::{Limits, Map, Node, Origin, SourceFile, Value, parse_documents, to_json};

use super::{RenderContext, TemplateSetError};

/// The folder of config sets in a project.
pub const CONFIG_DIR: &str = "config";

/// Largest ConfigMap the API server stores (its `data` and `binaryData` together).
pub const MAX_CONFIG_MAP_BYTES: usize = 1024 * 1024;

/// Largest total of a config set's source files, checked on their sizes before any is read:
/// four times what the set may render to ([`MAX_CONFIG_MAP_BYTES`]), room for template logic
/// and comments.
pub const MAX_CONFIG_SET_SOURCE_BYTES: u64 = 4 * MAX_CONFIG_MAP_BYTES as u64;

/// Largest total of all config sets' source files, checked on their sizes before any is read.
pub const MAX_CONFIG_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Whether `name` can be a ConfigMap key, Kubernetes' `IsConfigMapKey`
/// (k8s.io/apimachinery/pkg/util/validation): 1 to 253 bytes of letters, digits, `-`, `_` and
/// `.`, not `.` or `..` and not starting with `..`.
pub fn is_config_map_key(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with("..")
        && name != "."
}

/// Upper bound on template work per config file (minijinja fuel), against runaway loops.
const FUEL: u64 = 50_000_000;

/// The config sets of a project: set name → (file name → template).
#[derive(Debug, Default)]
pub struct ConfigSets {
    sets: BTreeMap<String, BTreeMap<String, Arc<SourceFile>>>,
}

impl ConfigSets {
    /// Reads `root/config/<set>/*` (regular files; dot files skipped). No folder, no sets.
    /// A file whose name is not a ConfigMap key is refused, and so are sets whose files'
    /// sizes add up past [`MAX_CONFIG_SET_SOURCE_BYTES`] (or all sets past
    /// [`MAX_CONFIG_SOURCE_BYTES`]): both before any file is read.
    pub fn load(root: &Path) -> Result<Self, TemplateSetError> {
        let dir = root.join(CONFIG_DIR);
        let mut sets = BTreeMap::new();
        if !dir.is_dir() {
            return Ok(Self { sets });
        }
        let real_root = fs::canonicalize(root).map_err(|source| ProjectError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let mut listed = Vec::new();
        let mut total = 0;
        for set_dir in read_dir_sorted(&dir)? {
            let Some(set) = file_name(&set_dir) else {
                continue;
            };
            if set.starts_with('.') || !set_dir.is_dir() {
                continue;
            }
            let files = list_set(&real_root, &set, &set_dir)?;
            total += files.iter().map(|(_, _, len)| len).sum::<u64>();
            if total > MAX_CONFIG_SOURCE_BYTES {
                return Err(TemplateSetError::ConfigTooLarge {
                    what: format!("the files of {CONFIG_DIR}/ add up to more than"),
                    bytes: total,
                    limit: MAX_CONFIG_SOURCE_BYTES,
                });
            }
            listed.push((set, files));
        }
        for (set, files) in listed {
            let mut texts = BTreeMap::new();
            for (name, path, _) in files {
                let display = format!("{CONFIG_DIR}/{set}/{name}");
                texts.insert(name, SourceFile::new(display, read_text(&path)?));
            }
            sets.insert(set, texts);
        }
        Ok(Self { sets })
    }

    /// Whether the project has no config sets.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Renders every set with `ctx` (its `settings` global: `configFiles.<set>.settings`) into
    /// a ConfigMap named `<release>-<set>-<hash>` (or its fixed `name`); returns them with the
    /// renames to apply to references (`<release>-<set>` → hashed name; none for a fixed name).
    pub fn render(
        &self,
        ctx: &RenderContext<'_>,
    ) -> Result<(Vec<Document>, BTreeMap<String, String>), Diagnostics> {
        let release = super::release_name(ctx.values, ctx.chart);
        let mut docs = Vec::new();
        let mut renames = BTreeMap::new();
        let mut problems = Vec::new();
        for (set, files) in &self.sets {
            let settings = ctx
                .values
                .get_path(&["configFiles", set, "settings"])
                .map_or(serde_json::Value::Object(Default::default()), to_json);
            let mut data = BTreeMap::new();
            for (name, file) in files {
                match render_file(ctx, &settings, file) {
                    Ok(text) => {
                        data.insert(name.clone(), text);
                    }
                    Err(d) => problems.push(d),
                }
            }
            if problems.is_empty() {
                let plain = format!("{release}-{set}");
                let fixed =
                    ctx.values
                        .get_path(&["configFiles", set, "name"])
                        .and_then(|n| match &n.value {
                            Value::String(s) if !s.is_empty() => Some(s.as_str()),
                            _ => None,
                        });
                match config_map(&plain, fixed, set, &data, ctx.values) {
                    Ok((name, doc)) => {
                        if fixed.is_none() {
                            renames.insert(plain, name);
                        }
                        docs.push(doc);
                    }
                    Err(d) => problems.push(d),
                }
            }
        }
        if problems.is_empty() {
            Ok((docs, renames))
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// The names of the sets.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sets.keys().map(String::as_str)
    }
}

/// The files of one set (name, path, size), their names and sizes checked, none read.
fn list_set(
    real_root: &Path,
    set: &str,
    set_dir: &Path,
) -> Result<Vec<(String, PathBuf, u64)>, TemplateSetError> {
    let mut files = Vec::new();
    let mut total = 0;
    for path in read_dir_sorted(set_dir)? {
        let Some(name) = file_name(&path) else {
            continue;
        };
        let meta = fs::metadata(&path).map_err(|source| ProjectError::Io {
            path: path.clone(),
            source,
        })?;
        let display = format!("{CONFIG_DIR}/{set}/{name}");
        if name.starts_with('.') {
            continue;
        }
        if meta.is_dir() {
            return Err(TemplateSetError::SubfolderInConfigSet {
                path: crate::project::escaped(&display),
            });
        }
        if !meta.is_file() {
            continue;
        }
        check_inside(real_root, &path, &display)?;
        if !is_config_map_key(&name) {
            return Err(TemplateSetError::NotAConfigMapKey {
                path: crate::project::escaped(&display),
            });
        }
        total += meta.len();
        if total > MAX_CONFIG_SET_SOURCE_BYTES {
            return Err(TemplateSetError::ConfigTooLarge {
                what: format!("the files of {CONFIG_DIR}/{set}/ add up to more than"),
                bytes: total,
                limit: MAX_CONFIG_SET_SOURCE_BYTES,
            });
        }
        files.push((name, path, meta.len()));
    }
    Ok(files)
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// One config file rendered, and checked when its name says JSON or YAML.
fn render_file(
    ctx: &RenderContext<'_>,
    settings: &serde_json::Value,
    file: &Arc<SourceFile>,
) -> Result<String, Diagnostic> {
    let structured = is_json(&file.display) || is_yaml(&file.display);
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // JSON and YAML files get every `{{ value }}` as JSON (valid in both); other formats
    // (nginx.conf, .properties) get the value's text.
    env.set_auto_escape_callback(move |_| {
        if structured {
            AutoEscape::Json
        } else {
            AutoEscape::None
        }
    });
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_fuel(Some(FUEL));
    env.add_global("values", JValue::from_serialize(to_json(ctx.values)));
    env.add_global("chart", JValue::from_serialize(ctx.chart));
    env.add_global("environment", ctx.environment);
    env.add_global("settings", JValue::from_serialize(settings));
    let running = super::watchdog::Running::start(ctx.environment);
    running.at(&file.display);
    let rendered = env
        .render_str(&file.text, ())
        .map_err(|e| template_error(file, &e))?;
    let out = SourceFile::new(format!("{} (rendered)", file.display), rendered);
    if is_json(&file.display) {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&out.text) {
            return Err(
                Diagnostic::error(format!("not valid JSON after rendering: {e}"))
                    .at(Origin::File {
                        file: out.clone(),
                        line: e.line(),
                        col: e.column(),
                    })
                    .help(format!(
                        "fix {} (the template) so that it renders valid JSON for this environment",
                        file.display
                    )),
            );
        }
    } else if is_yaml(&file.display)
        && let Err(e) = parse_documents(&out.text, &out, Limits::default())
    {
        return Err(Diagnostic::from(e).help(format!(
            "fix {} (the template) so that it renders valid YAML for this environment",
            file.display
        )));
    }
    Ok(out.text.clone())
}

fn is_json(name: &str) -> bool {
    name.ends_with(".json")
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// A template error in a config file, at its line.
fn template_error(file: &Arc<SourceFile>, err: &minijinja::Error) -> Diagnostic {
    let mut d = Diagnostic::error(format!(
        "{} cannot be rendered: {}",
        file.display,
        err.kind()
    ));
    if let Some(detail) = err.detail() {
        d.message = format!("{}: {detail}", d.message);
    }
    match err.line() {
        Some(line) => d.at(Origin::File {
            file: file.clone(),
            line,
            col: 1,
        }),
        None => d,
    }
    .help("config files see `values`, `chart`, `environment` and `settings` (configFiles.<set>.settings)")
}

/// The ConfigMap of one rendered set: name `<plain>-<hash>`, the hash being the first 10 hex
/// digits of the SHA-256 of its file names and contents, with kforge's labels and the set's
/// `labels` and `annotations`; or, with a `fixed` name, that name in the `namespace` value
/// with the shared `commonLabels` and the set's `labels` (not kforge's own).
fn config_map(
    plain: &str,
    fixed: Option<&str>,
    set: &str,
    data: &BTreeMap<String, String>,
    values: &Node,
) -> Result<(String, Document), Diagnostic> {
    let size: usize = data.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_CONFIG_MAP_BYTES {
        let mut d = Diagnostic::error(format!(
            "config set `{set}` is {size} bytes after rendering, over the {MAX_CONFIG_MAP_BYTES}-byte limit of a ConfigMap"
        ))
        .help(format!(
            "split {CONFIG_DIR}/{set}/ into smaller sets, or ship large files in the image"
        ));
        if let Some(n) = values.get_path(&["configFiles", set]) {
            d = d.at(n.origin.clone());
        }
        return Err(d);
    }
    let mut hasher = Sha256::new();
    for (name, text) in data {
        hasher.update((name.len() as u64).to_be_bytes());
        hasher.update(name.as_bytes());
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    let digest = hasher.finalize();
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    // At most 63 characters, so the name is also a valid label value and volume source name.
    let stem: String = plain.chars().take(63 - 1 - hash.len()).collect();
    let name = match fixed {
        Some(n) => n.to_string(),
        None => format!("{}-{hash}", stem.trim_end_matches('-')),
    };
    let g = |v: Value| Node::new(v, Origin::Generated);
    let s = |t: &str| g(Value::String(t.to_string()));
    let strings = |path: &[&str]| {
        values
            .get_path(path)
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| match &v.value {
                        Value::String(t) => Some((k.clone(), s(t))),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let own = |key: &str| strings(&["configFiles", set, key]);
    let mut labels = Map::default();
    if fixed.is_none() {
        labels.insert("app.kubernetes.io/managed-by".to_string(), s("kforge"));
        labels.insert("kforge.io/config-set".to_string(), s(set));
    } else if !matches!(
        values
            .get_path(&["configFiles", set, "sharedLabels"])
            .map(|n| &n.value),
        Some(Value::Bool(false))
    ) {
        // The application's own object: labelled like its others (unless `sharedLabels: false`).
        for (k, v) in strings(&["commonLabels"]) {
            labels.insert(k, v);
        }
    }
    for (k, v) in own("labels") {
        labels.insert(k, v);
    }
    let mut metadata = Map::default();
    metadata.insert("name".to_string(), s(&name));
    if fixed.is_some()
        && let Some(Value::String(ns)) = values.get_path(&["namespace"]).map(|n| &n.value)
        && !ns.is_empty()
    {
        metadata.insert("namespace".to_string(), s(ns));
    }
    if !labels.is_empty() {
        metadata.insert("labels".to_string(), g(Value::Map(labels)));
    }
    let annotations = own("annotations");
    if !annotations.is_empty() {
        let mut map = Map::default();
        for (k, v) in annotations {
            map.insert(k, v);
        }
        metadata.insert("annotations".to_string(), g(Value::Map(map)));
    }
    let mut map_data = Map::default();
    for (file, text) in data {
        map_data.insert(file.clone(), s(text));
    }
    let mut root = Map::default();
    root.insert("apiVersion".to_string(), s("v1"));
    root.insert("kind".to_string(), s("ConfigMap"));
    root.insert("metadata".to_string(), g(Value::Map(metadata)));
    root.insert("data".to_string(), g(Value::Map(map_data)));
    let template = format!("{CONFIG_DIR}/{set}");
    Ok((name, Document::new(&template, 0, g(Value::Map(root)))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kubernetes' IsConfigMapKey cases: its character set, 253 bytes, and no `.`, `..` or
    /// `..` prefix.
    #[test]
    fn config_map_keys_follow_kubernetes() {
        let long = "a".repeat(253);
        for good in ["app.conf", "A-z_0.9", ".hidden", "a..b", &long] {
            assert!(is_config_map_key(good), "{good:?}");
        }
        let too_long = "a".repeat(254);
        for bad in ["", "a b", "a\nb", "a/b", "é", ".", "..", "..a", &too_long] {
            assert!(!is_config_map_key(bad), "{bad:?}");
        }
    }
}
