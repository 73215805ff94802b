//! Helm charts: metadata from the `chart:` values, Chart.yaml, and reproducible archives.

mod archive;
mod chunked;
pub mod index;
pub mod read;
pub mod repo;

use serde::Serialize;

pub use archive::{ChartFile, escape_for_helm, write_archive};

use crate::diag::Diagnostic;

/// Why a chart could not be written, stored or indexed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive could not be written in memory.
    #[error("writing the chart archive: {0}")]
    WriteArchive(#[source] std::io::Error),
    /// A file-system operation failed.
    #[error(transparent)]
    Fs(#[from] crate::fs::Error),
    /// A published version would change.
    #[error(transparent)]
    Immutable(#[from] Box<repo::Immutable>),
    /// A chart repository folder could not be read, locked or written.
    #[error("{0:#}")]
    Repo(#[from] anyhow::Error),
}

impl crate::diag::Failure for Error {}

use crate::yaml::{Node, Value};

/// Name, version and description of the chart built for one environment.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartMeta {
    /// DNS-1123 label.
    pub name: String,
    /// Strict SemVer 2.
    pub version: String,
    /// The application version (default: the image tag).
    pub app_version: String,
    /// One line.
    pub description: String,
    /// The git commit the project was built from, when it is a git checkout.
    pub source_commit: Option<String>,
}

impl ChartMeta {
    /// Reads `chart.*` (and `image.tag` for the default appVersion) from validated values.
    pub fn from_values(values: &Node) -> Result<Self, Diagnostic> {
        let text = |path: &[&str]| -> Option<String> {
            values.get_path(path).and_then(|n| match &n.value {
                Value::String(s) => Some(s.clone()),
                Value::Int(i) => Some(i.to_string()),
                Value::Float(f) => Some(f.to_string()),
                _ => None,
            })
        };
        let name = text(&["chart", "name"]).ok_or_else(|| {
            Diagnostic::error("missing `chart.name`")
                .help("set chart.name in environments/base.yaml")
        })?;
        let version = text(&["chart", "version"]).unwrap_or_else(|| "0.1.0".into());
        if let Err(e) = semver::Version::parse(&version) {
            let mut d = Diagnostic::error(format!(
                "chart.version `{version}` is not a SemVer 2 version: {e}"
            ))
            .key("chart.version")
            .help("use MAJOR.MINOR.PATCH with optional -prerelease and +build, e.g. 1.4.0 or 1.4.0-rc.1");
            if let Some(n) = values.get_path(&["chart", "version"]) {
                d = d.at(n.origin.clone());
            }
            return Err(d);
        }
        let app_version = text(&["chart", "appVersion"])
            .filter(|s| !s.is_empty())
            .or_else(|| text(&["image", "tag"]))
            .unwrap_or_default();
        Ok(Self {
            name,
            version,
            app_version,
            description: text(&["chart", "description"]).unwrap_or_default(),
            source_commit: None,
        })
    }
}

impl ChartMeta {
    /// Chart.yaml (apiVersion v2) for environment `env`.
    pub fn chart_yaml(&self, env: &str) -> String {
        use crate::yaml::{Node, Origin, Value, emit_document};
        let s = |v: &str| Node::new(Value::String(v.to_string()), Origin::Generated);
        let mut m = crate::yaml::Map::default();
        m.insert("apiVersion".to_string(), s("v2"));
        m.insert("name".to_string(), s(&self.name));
        m.insert("version".to_string(), s(&self.version));
        if !self.app_version.is_empty() {
            m.insert("appVersion".to_string(), s(&self.app_version));
        }
        if !self.description.is_empty() {
            m.insert("description".to_string(), s(&self.description));
        }
        m.insert("type".to_string(), s("application"));
        let mut ann = crate::yaml::Map::default();
        ann.insert("kforge.io/environment".to_string(), s(env));
        if let Some(commit) = &self.source_commit {
            ann.insert("kforge.io/source-commit".to_string(), s(commit));
        }
        m.insert(
            "annotations".to_string(),
            Node::new(Value::Map(ann), Origin::Generated),
        );
        emit_document(&Node::new(Value::Map(m), Origin::Generated))
    }
}
