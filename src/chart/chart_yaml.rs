//! Chart.yaml, written and read in one place: [`ChartMeta`] is the metadata of the chart
//! kforge builds (from the `chart:` values) and writes; [`ChartYaml`] is the Chart.yaml of any
//! archive, read back and checked the way Helm validates chart metadata.

use std::sync::Arc;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::yaml::{Limits, Map, Node, Origin, SourceFile, Value, emit_document, parse_documents};

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

    /// Chart.yaml (apiVersion v2) for environment `env`.
    pub fn chart_yaml(&self, env: &str) -> String {
        let s = |v: &str| Node::new(Value::String(v.to_string()), Origin::Generated);
        let mut m = Map::default();
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
        let mut ann = Map::default();
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

/// An archive's Chart.yaml that could not be read as chart metadata.
#[derive(Debug, thiserror::Error)]
pub enum ArchivedChartYamlError {
    /// It is not UTF-8.
    #[error("{0}: Chart.yaml is not UTF-8")]
    NotUtf8(String),
    /// It is not valid chart metadata.
    #[error("{archive}: {error}")]
    Invalid {
        /// The archive.
        archive: String,
        /// What is wrong with its Chart.yaml.
        error: ChartYamlError,
    },
}

impl ChartYaml {
    /// The Chart.yaml (`bytes`) of the archive shown as `archive`, read as chart metadata;
    /// positions in it are reported as `<archive>:Chart.yaml:LINE`.
    pub fn from_archive(archive: &str, bytes: Vec<u8>) -> Result<Self, ArchivedChartYamlError> {
        let text = String::from_utf8(bytes)
            .map_err(|_| ArchivedChartYamlError::NotUtf8(archive.to_string()))?;
        let file = SourceFile::new(format!("{archive}:Chart.yaml"), text);
        ChartYaml::parse(&file).map_err(|error| ArchivedChartYamlError::Invalid {
            archive: archive.to_string(),
            error,
        })
    }
}

/// Why a Chart.yaml was refused; the `validation:` messages are Helm's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChartYamlError {
    /// Not YAML.
    #[error("Chart.yaml:{line}:{col}: {message}")]
    Syntax {
        /// Line of the problem.
        line: usize,
        /// Column of the problem.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// Empty, or not a map.
    #[error("Chart.yaml is not a map")]
    NotAMap,
    /// A required field is missing or empty (`name`, `apiVersion`, `version`).
    #[error("validation: chart.metadata.{0} is required")]
    Missing(&'static str),
    /// A name that is a path.
    #[error("validation: chart.metadata.name {0:?} is invalid")]
    InvalidName(String),
    /// A version that is not SemVer 2.
    #[error("validation: chart.metadata.version {version:?} is invalid: not SemVer 2 ({reason})")]
    InvalidVersion {
        /// The version.
        version: String,
        /// Why it is not SemVer 2.
        reason: String,
    },
    /// A type other than `application` or `library`.
    #[error("validation: chart.metadata.type {0:?} must be application or library")]
    InvalidType(String),
}

impl crate::diag::Failure for ChartYamlError {}

/// Chart.yaml of an archive, checked the way Helm validates chart metadata.
pub struct ChartYaml {
    /// The parsed map.
    pub node: Node,
    /// `name`.
    pub name: String,
    /// `version` (SemVer 2).
    pub version: String,
    /// `version`, parsed.
    semver: semver::Version,
}

impl ChartYaml {
    /// Parses and validates Chart.yaml text read from `file` (named e.g. `x.tgz:Chart.yaml`).
    pub fn parse(file: &Arc<SourceFile>) -> Result<Self, ChartYamlError> {
        let docs = parse_documents(&file.text, file, Limits::default()).map_err(|e| {
            ChartYamlError::Syntax {
                line: e.line,
                col: e.col,
                message: e.message,
            }
        })?;
        let node = docs
            .into_iter()
            .next()
            .filter(|n| n.as_map().is_some())
            .ok_or(ChartYamlError::NotAMap)?;
        let field = |k: &str| {
            node.as_map()
                .and_then(|m| m.get(k))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
        };
        let name = field("name").ok_or(ChartYamlError::Missing("name"))?;
        if field("apiVersion").is_none() {
            return Err(ChartYamlError::Missing("apiVersion"));
        }
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(ChartYamlError::InvalidName(name.to_string()));
        }
        let version = field("version").ok_or(ChartYamlError::Missing("version"))?;
        let semver =
            semver::Version::parse(version).map_err(|e| ChartYamlError::InvalidVersion {
                version: version.to_string(),
                reason: e.to_string(),
            })?;
        if let Some(t) = field("type")
            && t != "application"
            && t != "library"
        {
            return Err(ChartYamlError::InvalidType(t.to_string()));
        }
        let (name, version) = (name.to_string(), version.to_string());
        Ok(Self {
            node,
            name,
            version,
            semver,
        })
    }

    /// `version`, parsed.
    pub fn semver(&self) -> &semver::Version {
        &self.semver
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What kforge writes, it reads back: name, version and the fields it set.
    #[test]
    fn written_chart_yaml_reads_back() {
        let meta = ChartMeta {
            name: "svc".into(),
            version: "1.2.3-rc.1+b.7".into(),
            app_version: "2.0".into(),
            description: "a: b".into(),
            source_commit: Some("abc".into()),
        };
        let text = meta.chart_yaml("dev");
        let read = ChartYaml::parse(&SourceFile::new("Chart.yaml", text)).unwrap();
        assert_eq!(
            (read.name.as_str(), read.version.as_str()),
            ("svc", "1.2.3-rc.1+b.7")
        );
        let field = |k: &str| read.node.get_path(&[k]).and_then(Node::as_str);
        assert_eq!(field("appVersion"), Some("2.0"));
        assert_eq!(field("description"), Some("a: b"));
        assert_eq!(field("type"), Some("application"));
    }

    #[test]
    fn helm_validation_messages() {
        let parse = |t: &str| ChartYaml::parse(&SourceFile::new("Chart.yaml", t)).err();
        assert_eq!(parse("- a\n"), Some(ChartYamlError::NotAMap));
        assert_eq!(
            parse("apiVersion: v2\nversion: 1.0.0\n").map(|e| e.to_string()),
            Some("validation: chart.metadata.name is required".into())
        );
        assert_eq!(
            parse("name: x\nversion: 1.0.0\n"),
            Some(ChartYamlError::Missing("apiVersion"))
        );
        assert_eq!(
            parse("apiVersion: v2\nname: ..\nversion: 1.0.0\n"),
            Some(ChartYamlError::InvalidName("..".into()))
        );
        assert!(matches!(
            parse("apiVersion: v2\nname: x\nversion: v1\n"),
            Some(ChartYamlError::InvalidVersion { .. })
        ));
        assert_eq!(
            parse("apiVersion: v2\nname: x\nversion: 1.0.0\ntype: other\n").map(|e| e.to_string()),
            Some("validation: chart.metadata.type \"other\" must be application or library".into())
        );
    }
}
