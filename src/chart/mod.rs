//! Helm charts: Chart.yaml (written from the `chart:` values, read back from any archive),
//! reproducible archives and their bounded reader, the escapes of static manifests, the values
//! a static chart refuses, and chart repository folders with their index and immutable versions.

mod archive;
mod canonical;
mod chart_yaml;
mod chunked;
mod digests;
mod escape;
mod fixed_values;
mod immutable;
pub mod index;
pub mod limits;
pub mod read;
pub mod repo;

pub use archive::{ChartFile, WriteError, write_archive};
pub use chart_yaml::{ArchivedChartYamlError, ChartMeta, ChartYaml, ChartYamlError};
pub use escape::{TemplateAction, escape_for_helm, unescape_from_helm};
pub use fixed_values::{PROVENANCE_VALUES, fixed_values_message, values_schema, values_yaml};
pub use immutable::{Immutable, check_immutable};

use crate::diag::Failure;

/// Why a chart could not be written, stored or indexed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The archive could not be written in memory.
    #[error("writing the chart archive")]
    WriteArchive(#[source] WriteError),
    /// A file-system operation failed.
    #[error(transparent)]
    Fs(#[from] crate::fs::Error),
    /// A chart repository folder could not be read, locked, indexed or written.
    #[error(transparent)]
    Repo(#[from] repo::Error),
}

impl Failure for Error {
    /// The repository's or file system's failure inside: its index problems, so that one met
    /// by several environments is merged.
    fn inner(&self) -> Option<&dyn Failure> {
        match self {
            Error::Repo(e) => Some(e),
            Error::Fs(e) => Some(e),
            Error::WriteArchive(_) => None,
        }
    }
}
