//! Published versions are immutable: one check, used where an archive is stored or indexed
//! (under the repository folder's lock) and by `kforge check` (which only reads the index).

use super::index::{Entry, RepoIndex};
use crate::diag::Diagnostic;
use crate::yaml::Origin;

/// What to do about a changed version.
const HELP: &str = "published versions are immutable: bump chart.version (or pass --version); if this version was never published, delete the archive and its index entry";

/// The same name+version is indexed with other content.
#[derive(Debug, thiserror::Error)]
#[error("{}; {HELP}", self.problem())]
pub struct Immutable {
    /// The archive (or environment) being added.
    pub what: String,
    /// Chart name.
    pub name: String,
    /// Chart version.
    pub version: String,
    /// Which index holds the old entry (`dist/dev/index.yaml:12`).
    pub index: String,
    /// Digest in the index.
    pub old: String,
    /// Digest of the new archive.
    pub new: String,
    /// Where the old entry's digest was read.
    pub origin: Origin,
}

impl crate::diag::Failure for Immutable {}

impl Immutable {
    /// What is wrong, without what to do about it.
    fn problem(&self) -> String {
        let Self {
            what,
            name,
            version,
            index,
            old,
            new,
            ..
        } = self;
        format!(
            "{what}: chart `{name}` version {version} is already in {index} with digest {old}, but this archive's digest is {new}"
        )
    }

    /// The problem as a diagnostic pointing at the indexed digest, with what to do as help.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.problem())
            .at(self.origin.clone())
            .help(HELP)
    }
}

/// Fails with [`Immutable`] if `name` `version` is in `index` with a digest other than
/// `digest`; returns whether it is there with this very digest. `what` names the archive (or
/// environment) being checked.
pub fn check_immutable(
    index: &RepoIndex,
    what: &str,
    name: &str,
    version: &str,
    digest: &str,
) -> Result<bool, Box<Immutable>> {
    index
        .find(name, version)
        .map_or(Ok(false), |e| check_entry(e, what, name, version, digest))
}

/// [`check_immutable`] with the entry already looked up.
pub(super) fn check_entry(
    entry: &Entry,
    what: &str,
    name: &str,
    version: &str,
    digest: &str,
) -> Result<bool, Box<Immutable>> {
    let old = entry.digest().unwrap_or("(none)");
    if old == digest {
        return Ok(true);
    }
    Err(Box::new(Immutable {
        what: what.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        index: match entry.origin().and_then(Origin::file_line) {
            Some((file, line, _)) => format!("{}:{line}", file.display),
            None => "the index".to_string(),
        },
        old: old.to_string(),
        new: digest.to_string(),
        origin: entry.origin_of("digest"),
    }))
}
