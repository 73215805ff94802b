//! A chart repository folder: its archives and its `index.yaml`, updated under an exclusive
//! file lock and written atomically (temporary file + rename), so concurrent CI jobs never lose
//! each other's entries and a reader never sees a half-written index.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use foldhash::HashMap;

use super::chart_yaml::{ArchivedChartYamlError, ChartYaml};
use super::digests::{CACHE_FILE, DigestCache, DigestError, Indexed, verify};
use super::immutable::{Immutable, check_entry, check_immutable};
use super::index::{Entry, RepoIndex, rfc3339};
use super::limits::MAX_INDEX_BYTES;
pub use super::read::sha256_hex;
use super::read::{ArchiveError, FileError, open_regular, read_bounded, read_chart_yaml};
use crate::diag::{Diagnostics, Failure, Failures};
use crate::fs::write_atomically;
use crate::project::{ProjectError, text_from_bytes};
use crate::yaml::SourceFile;

/// Name of the lock file kept in the repository folder. It is never deleted: removing a lock
/// file while another process waits on it would let two writers in.
pub const LOCK_FILE: &str = ".kforge-index.lock";

/// How to (re)index.
#[derive(Debug, Default)]
pub struct IndexOptions {
    /// Base URL put before each archive's relative path.
    pub url: Option<String>,
    /// Another index whose entries are kept (e.g. the published one).
    pub merge: Option<PathBuf>,
    /// `created` of new entries, seconds since 1970.
    pub now: u64,
    /// Archives the caller has just written, with their digest and Chart.yaml: not read back.
    pub known: Vec<KnownArchive>,
    /// Hash every indexed archive again, not only those changed since they were last hashed.
    pub verify: bool,
}

/// Up to this many new archives are looked up in the index one by one (see
/// [`Repo::add_scanned`]).
const FEW_PENDING: usize = 16;

/// An archive whose digest and Chart.yaml the caller already has.
#[derive(Clone, Debug)]
pub struct KnownArchive {
    /// Path relative to the repository folder.
    pub rel: String,
    /// sha256 hex of its bytes.
    pub digest: String,
    /// Its Chart.yaml text.
    pub chart_yaml: String,
}

/// What an index run did.
#[derive(Debug, Default)]
pub struct IndexSummary {
    /// Archives hashed and added.
    pub added: Vec<String>,
    /// Archives already indexed (not hashed again).
    pub kept: usize,
    /// Entries dropped because their archive is gone.
    pub removed: Vec<String>,
    /// Entries dropped because another entry indexes the same archive: (entry, archive).
    pub duplicates: Vec<(String, String)>,
    /// Entries in the written index.
    pub total: usize,
}

/// Why a repository folder could not be read, locked, indexed or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The repository is not a folder.
    #[error("{} is not a folder; `repo index` indexes a folder of chart archives", .0.display())]
    NotAFolder(PathBuf),
    /// An OS error, with what was being done (`locking x/.kforge-index.lock`).
    #[error("{what}")]
    Io {
        /// What was being done, with the path.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// An index path that is not a file.
    #[error("{} is not a file", .0.display())]
    NotAFile(PathBuf),
    /// An index over [`MAX_INDEX_BYTES`].
    #[error("{} is {len} bytes, over the {MAX_INDEX_BYTES}-byte limit for an index", path.display())]
    IndexTooLarge {
        /// The index.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// An index that is not UTF-8.
    #[error(transparent)]
    NotUtf8(#[from] ProjectError),
    /// An index that is not a valid repository index (reported at its file:line).
    #[error(transparent)]
    Index(#[from] Diagnostics),
    /// A listed archive is a symlink or special file.
    #[error(
        "{0}: not a regular file (a symlink or special file); the repository folder may only hold chart archives"
    )]
    NotRegular(String),
    /// An archive could not be read, or is too large.
    #[error(transparent)]
    Archive(#[from] FileError),
    /// An archive's Chart.yaml is not UTF-8 or not valid chart metadata.
    #[error(transparent)]
    ChartYaml(#[from] ArchivedChartYamlError),
    /// A published version would change.
    #[error(transparent)]
    Immutable(#[from] Box<Immutable>),
    /// Writing the index or an archive.
    #[error(transparent)]
    Fs(#[from] crate::fs::Error),
    /// Several archives of one folder were refused: each is reported.
    #[error(transparent)]
    Archives(Failures),
    /// An indexed archive that does not match its entry's digest, or cannot be checked.
    #[error(transparent)]
    Digest(#[from] DigestError),
}

impl Failure for Error {
    /// The index problems (reported at their file:line), each refused archive, or the file
    /// system's error; anything else is reported with its causes.
    fn inner(&self) -> Option<&dyn Failure> {
        match self {
            Error::Index(d) => Some(d),
            Error::Archives(f) => Some(f),
            Error::Fs(e) => Some(e),
            _ => None,
        }
    }
}

/// A repository result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn io_error(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { what, source }
}

/// A locked repository folder with its current index.
pub struct Repo {
    dir: PathBuf,
    _lock: File,
    /// The folder's index.yaml as read (empty when there is none).
    pub index: RepoIndex,
    /// Its text, so an unchanged index is not written again.
    read_text: Option<Arc<SourceFile>>,
    /// The digests of the archives as last hashed, and as the last reindex left them.
    digests: (DigestCache, Option<DigestCache>),
}

impl Repo {
    /// Takes the folder's lock (waiting for other writers) and reads its index.yaml.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::NotAFolder(dir.to_path_buf()));
        }
        let lock_path = dir.join(LOCK_FILE);
        // Opening creates the lock file: never through a link that leaves the folder.
        crate::fs::checked_output(dir, [&lock_path])?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(format!(
                "opening the lock file {}",
                lock_path.display()
            )))?;
        lock.lock()
            .map_err(io_error(format!("locking {}", lock_path.display())))?;
        // Every writer of the folder holds its lock: a temporary file there now is a killed run's.
        crate::fs::remove_stale_temp_files(dir)?;
        let index_path = dir.join("index.yaml");
        let (index, read_text) = if index_path.exists() {
            let (index, file) = read_index_file(&index_path)?;
            (index, Some(file))
        } else {
            (RepoIndex::default(), None)
        };
        Ok(Self {
            digests: (DigestCache::read(dir), None),
            dir: dir.to_path_buf(),
            _lock: lock,
            index,
            read_text,
        })
    }

    /// Fails with [`Immutable`] if `name` `version` is indexed with another digest; returns
    /// whether it is indexed with this very digest.
    pub fn check_immutable(
        &self,
        what: &str,
        name: &str,
        version: &str,
        digest: &str,
    ) -> Result<bool, Box<Immutable>> {
        check_immutable(&self.index, what, name, version, digest)
    }

    /// Writes `bytes` as `file_name` in the folder, atomically.
    pub fn write_archive(&self, file_name: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.dir.join(file_name);
        write_atomically(&path, bytes)?;
        Ok(path)
    }

    /// Rebuilds the index from the folder's archives: entries of archives already indexed
    /// are kept as they are (same `created`, not hashed again), new archives are hashed and
    /// added, entries whose archive is gone are dropped, and `--merge` entries are kept.
    pub fn reindex(&mut self, opts: &IndexOptions) -> Result<IndexSummary> {
        let mut summary = IndexSummary::default();
        let merged = match &opts.merge {
            Some(p) => Some(read_index(p)?),
            None => None,
        };
        let archives = list_archives(&self.dir)?;
        let base = opts.url.as_deref().map(|u| u.trim_end_matches('/'));
        let mut old = std::mem::take(&mut self.index);
        let mut next = RepoIndex {
            extra: std::mem::take(&mut old.extra),
            ..RepoIndex::default()
        };
        let (pending, kept) = keep_indexed(old, &archives, base, &mut next, &mut summary);
        self.verify_kept(&next, &kept, opts)?;
        if let Some(m) = &merged {
            merge_entries(m, &mut next)?;
        }
        self.add_scanned(&pending, opts, base, &mut next, &mut summary)?;
        summary.total = next.len();
        self.index = next;
        Ok(summary)
    }

    /// Phase 3 of [`Repo::reindex`]: the archives not indexed yet, hashed and read, added to
    /// `next` (a version already there with the same digest is kept; another digest refused).
    fn add_scanned(
        &self,
        pending: &[(String, bool)],
        opts: &IndexOptions,
        base: Option<&str>,
        next: &mut RepoIndex,
        summary: &mut IndexSummary,
    ) -> Result<()> {
        let created: Arc<str> = rfc3339(opts.now).into();
        // (name, version) → position in `next`: `find` per archive would make a full index
        // quadratic in the number of versions of one chart. A few new archives are looked up
        // by `find` instead: the map would copy every indexed name and version.
        let mut known: Option<HashMap<(String, String), usize>> = (pending.len() > FEW_PENDING)
            .then(|| {
                next.entries
                    .iter()
                    .flat_map(|(n, l)| {
                        l.iter()
                            .enumerate()
                            .map(move |(i, e)| ((n.clone(), e.version().to_string()), i))
                    })
                    .collect()
            });
        let scanned = scan_archives(&self.dir, pending, &opts.known, &|chart, digest, rel| {
            chart.entry(&created, digest, url_for(base, rel))
        });
        let mut errors = Failures::default();
        for ((rel, _), result) in pending.iter().zip(scanned) {
            let scanned = match result {
                Ok(x) => x,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let key = (scanned.name, scanned.version);
            let existing = match &known {
                Some(known) => known.get(&key).map(|&i| &next.entries[&key.0][i]),
                None => next.find(&key.0, &key.1),
            };
            // The new entry's digest is looked at only when its version is already indexed.
            let checked = existing.map_or(Ok(false), |e| {
                let digest = scanned.entry.digest().unwrap_or_default();
                check_entry(e, rel, &key.0, &key.1, digest)
            });
            match checked {
                Err(e) => errors.push(Error::Immutable(e)),
                Ok(true) => summary.kept += 1,
                Ok(false) => {
                    let list = match next.entries.get_mut(&key.0) {
                        Some(list) => list,
                        None => next.entries.entry(key.0.clone()).or_default(),
                    };
                    if let Some(known) = &mut known {
                        known.insert(key, list.len());
                    }
                    list.push(scanned.entry);
                    summary.added.push(rel.clone());
                }
            }
        }
        if errors.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Archives(errors))
        }
    }

    /// Checks the digest of every archive whose entry was kept (see [`super::digests`]).
    fn verify_kept(&mut self, next: &RepoIndex, kept: &[Kept], opts: &IndexOptions) -> Result<()> {
        // Looked up once per kept archive: maps, not scans (a repository holds thousands).
        let entries: HashMap<(&str, &str), &crate::chart::index::Entry> = next
            .entries
            .iter()
            .flat_map(|(name, list)| list.iter().map(move |e| ((name.as_str(), e.version()), e)))
            .collect();
        let known: HashMap<&str, &str> = opts
            .known
            .iter()
            .map(|k| (k.rel.as_str(), k.digest.as_str()))
            .collect();
        let indexed: Vec<Indexed<'_>> = kept
            .iter()
            .filter_map(|(rel, name, version)| {
                let entry = *entries.get(&(name.as_str(), version.as_str()))?;
                Some(Indexed {
                    rel,
                    digest: entry.digest().unwrap_or("(none)"),
                    at: entry.digest_place(),
                    known: known.get(rel.as_str()).copied(),
                })
            })
            .collect();
        match verify(&self.dir, &indexed, &self.digests.0, opts.verify) {
            Ok(cache) => {
                self.digests.1 = Some(cache);
                Ok(())
            }
            Err(errors) => {
                let mut failures = Failures::default();
                for e in errors {
                    failures.push(Error::Digest(e));
                }
                Err(Error::Archives(failures))
            }
        }
    }

    /// Writes index.yaml atomically, unless it already holds exactly these bytes, and the
    /// digests of the archives as hashed (unless unchanged).
    pub fn write_index(&mut self, now: u64) -> Result<PathBuf> {
        self.write_index_file(now)
            .and_then(|path| self.write_digests().map(|()| path))
    }

    fn write_digests(&mut self) -> Result<()> {
        // New archives were hashed (or just written) by this run: their stamps come next time.
        if let Some(cache) = self.digests.1.take()
            && cache != self.digests.0
        {
            write_atomically(&self.dir.join(CACHE_FILE), cache.to_text().as_bytes())?;
            self.digests.0 = cache;
        }
        Ok(())
    }

    fn write_index_file(&mut self, now: u64) -> Result<PathBuf> {
        let path = self.dir.join("index.yaml");
        let text = self.index.to_yaml(&rfc3339(now));
        // Never an index that the next run would refuse to read.
        if text.len() as u64 > MAX_INDEX_BYTES {
            return Err(Error::IndexTooLarge {
                path,
                len: text.len() as u64,
            });
        }
        if self.read_text.as_ref().is_none_or(|f| f.text != text) {
            write_atomically(&path, text.as_bytes())?;
        }
        Ok(path)
    }
}

/// Every relative path each entry's urls could stand for (`https://h/x/a.tgz` stands for
/// `a.tgz`, `x/a.tgz`, ...) → the entry; the first entry claiming a path wins.
fn url_paths(entries: &BTreeMap<String, Vec<Option<Entry>>>) -> HashMap<String, (String, usize)> {
    let mut out = HashMap::default();
    for (name, list) in entries {
        for (i, e) in list.iter().enumerate() {
            for url in e.iter().flat_map(Entry::urls) {
                out.entry(url.to_string())
                    .or_insert_with(|| (name.clone(), i));
                for (pos, _) in url.match_indices('/') {
                    out.entry(url[pos + 1..].to_string())
                        .or_insert_with(|| (name.clone(), i));
                }
            }
        }
    }
    out
}

/// Reads an index.yaml defensively (size limit, UTF-8, structure), errors with file:line.
pub fn read_index(path: &Path) -> Result<RepoIndex> {
    read_index_file(path).map(|(index, _)| index)
}

fn read_index_file(path: &Path) -> Result<(RepoIndex, Arc<SourceFile>)> {
    let reading = || io_error(format!("reading {}", path.display()));
    let meta = fs::metadata(path).map_err(reading())?;
    if !meta.is_file() {
        return Err(Error::NotAFile(path.to_path_buf()));
    }
    if meta.len() > MAX_INDEX_BYTES {
        return Err(Error::IndexTooLarge {
            path: path.to_path_buf(),
            len: meta.len(),
        });
    }
    // Read into its size at once: growing a buffer of megabytes copies it and faults in pages.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).map_or(0, |n| n + 1));
    File::open(path)
        .and_then(|f| f.take(MAX_INDEX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(reading())?;
    let text = text_from_bytes(bytes, path)?;
    let file = SourceFile::new(path.display().to_string(), text);
    let index = RepoIndex::parse(&file).map_err(|d| Diagnostics(vec![d]))?;
    Ok((index, file))
}

/// `*.tgz` in the folder and one level below (as `helm repo index` looks), relative paths
/// with `/`, sorted; hidden files (our temporary files among them) are skipped. Each with
/// whether the listing says it is a regular file (the directory entry's type, so no `stat`).
fn list_archives(dir: &Path) -> Result<Vec<(String, bool)>> {
    // A folder's entries but hidden ones, with their types, in the order the folder gives
    // them (what is kept is sorted once, at the end).
    let list = |d: &Path| -> Result<Vec<(String, fs::FileType)>> {
        let context = || io_error(format!("listing {}", d.display()));
        let mut v = Vec::new();
        for entry in fs::read_dir(d).map_err(context())? {
            let entry = entry.map_err(context())?;
            let name = entry
                .file_name()
                .into_string()
                .unwrap_or_else(|n| n.to_string_lossy().into_owned());
            if !name.starts_with('.') {
                v.push((name, entry.file_type().map_err(context())?));
            }
        }
        Ok(v)
    };
    let mut out = Vec::new();
    let mut folders = Vec::new();
    for (name, ty) in list(dir)? {
        if ty.is_dir() {
            folders.push(name);
        } else if name.ends_with(".tgz") {
            out.push((name, ty.is_file()));
        }
    }
    // In order, so a folder that cannot be listed is always the same one reported.
    folders.sort_unstable();
    for folder in folders {
        for (name, ty) in list(&dir.join(&folder))? {
            if name.ends_with(".tgz") {
                out.push((format!("{folder}/{name}"), ty.is_file()));
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// What the index needs of one archive.
struct Scanned {
    name: String,
    version: String,
    /// The index entry.
    entry: Entry,
}

/// An archive's index entry, or why it was refused.
type Scan = Result<Scanned>;

/// Builds an index entry from an archive's Chart.yaml, digest and relative path.
type MakeEntry<'a> = dyn Fn(&ChartYaml, String, &str) -> Entry + Sync + 'a;

/// Hashes each archive, checks it and reads its Chart.yaml, on every core. Each archive
/// comes with whether the folder listing found it a regular file (one that is not is
/// refused without being opened).
fn scan_archives(
    dir: &Path,
    rels: &[(String, bool)],
    known: &[KnownArchive],
    make_entry: &MakeEntry,
) -> Vec<Scan> {
    crate::par::map(rels, |(rel, regular)| {
        let scanned = match known.iter().find(|k| k.rel == *rel) {
            Some(k) => {
                let shown = dir.join(rel).display().to_string();
                ChartYaml::from_archive(&shown, k.chart_yaml.clone().into_bytes())
                    .map(|chart| (chart, k.digest.clone()))
                    .map_err(Error::from)
            }
            None => scan_one(dir, rel, *regular),
        };
        scanned.map(|(chart, digest)| Scanned {
            entry: make_entry(&chart, digest, rel),
            name: chart.name,
            version: chart.version,
        })
    })
}

/// Reads, hashes and checks one archive. `listed_regular`: the folder listing's word that it
/// is a regular file; what is opened is checked again, since it may have been replaced since.
fn scan_one(dir: &Path, rel: &str, listed_regular: bool) -> Result<(ChartYaml, String)> {
    let path = dir.join(rel);
    let shown = path.display().to_string();
    let opened = if listed_regular {
        open_regular(&path).map_err(io_error(format!("reading {shown}")))?
    } else {
        None
    };
    let Some((file, len)) = opened else {
        return Err(Error::NotRegular(shown));
    };
    let bytes = read_bounded(file, len, &shown)?;
    let digest = sha256_hex(&bytes);
    let chart_yaml = read_chart_yaml(bytes).map_err(|source: ArchiveError| FileError::Archive {
        path: shown.clone(),
        source,
    })?;
    let chart = ChartYaml::from_archive(&shown, chart_yaml)?;
    Ok((chart, digest))
}

/// An archive the index already held: its path in the folder, chart name and version.
type Kept = (String, String, String);

/// An archive's URL in the index: relative, or under `--url`.
fn url_for(base: Option<&str>, rel: &str) -> String {
    match base {
        Some(b) => format!("{b}/{rel}"),
        None => rel.to_string(),
    }
}

/// Phase 1 of [`Repo::reindex`]: the entries of `old` whose archive is still in the folder
/// are moved to `next` (matched by their relative path; an index can hold 100k of them), the
/// others counted as removed or as duplicates. Returns the archives not indexed yet, and the
/// kept ones (path, chart, version) for [`Repo::verify_kept`].
fn keep_indexed(
    old: RepoIndex,
    archives: &[(String, bool)],
    base: Option<&str>,
    next: &mut RepoIndex,
    summary: &mut IndexSummary,
) -> (Vec<(String, bool)>, Vec<Kept>) {
    let mut old_entries: BTreeMap<String, Vec<Option<Entry>>> = old
        .entries
        .into_iter()
        .map(|(name, list)| (name, list.into_iter().map(Some).collect()))
        .collect();
    let mut pending = Vec::new();
    let by_path = url_paths(&old_entries);
    let mut kept = Vec::new();
    for (rel, regular) in archives {
        let entry = by_path
            .get(rel.as_str())
            .and_then(|(name, i)| Some((name, old_entries.get_mut(name)?[*i].take()?)));
        match entry {
            Some((name, mut entry)) => {
                kept.push((rel.clone(), name.clone(), entry.version().to_string()));
                entry.set_url(&url_for(base, rel));
                next.entries.entry(name.clone()).or_default().push(entry);
                summary.kept += 1;
            }
            None => pending.push((rel.clone(), *regular)),
        }
    }
    let listed: std::collections::HashSet<&str> =
        archives.iter().map(|(rel, _)| rel.as_str()).collect();
    for (name, list) in &old_entries {
        for e in list.iter().flatten() {
            let shown = format!("{name} {}", e.version());
            // An archive in the folder that another entry already indexes.
            let same = e.urls().into_iter().find_map(|url| {
                std::iter::once(url)
                    .chain(url.match_indices('/').map(|(pos, _)| &url[pos + 1..]))
                    .find(|rel| listed.contains(rel))
            });
            match same {
                Some(rel) => summary.duplicates.push((shown, rel.to_string())),
                None => summary.removed.push(shown),
            }
        }
    }
    (pending, kept)
}

/// Phase 2 of [`Repo::reindex`] (`--merge`): the published index's entries added to `next`;
/// a version `next` already has must have the same digest there.
fn merge_entries(m: &RepoIndex, next: &mut RepoIndex) -> Result<()> {
    // A set, not `find`: a published index can hold 100k versions of one chart.
    // The local entry of each version, whose digest a merged entry must have.
    let mut present: HashMap<(String, String), (String, String)> = next
        .entries
        .iter()
        .flat_map(|(n, l)| {
            l.iter().map(move |e| {
                let what = e
                    .urls()
                    .first()
                    .map_or_else(|| n.clone(), |u| (*u).to_string());
                let digest = e.digest().unwrap_or("(none)").to_string();
                ((n.clone(), e.version().to_string()), (what, digest))
            })
        })
        .collect();
    let mut errors = Failures::default();
    for (name, list) in &m.entries {
        for e in list {
            let key = (name.clone(), e.version().to_string());
            if let Some((what, digest)) = present.get(&key) {
                if let Err(changed) = check_entry(e, what, name, &key.1, digest) {
                    errors.push(Error::Immutable(changed));
                }
                continue;
            }
            present.insert(
                key,
                (String::new(), e.digest().unwrap_or("(none)").to_string()),
            );
            next.entries
                .entry(name.clone())
                .or_default()
                .push(e.clone());
        }
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(Error::Archives(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Color;

    /// What the listing said may have changed by the time a file is opened: a symlink or a
    /// folder found there is refused, a symlink not followed. (A FIFO needs mkfifo, which
    /// the source may not run: tests/repo.rs has one, refused from the listing.)
    #[cfg(unix)]
    #[test]
    fn open_regular_refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.tgz");
        fs::write(&file, b"12345").unwrap();
        let (_, len) = open_regular(&file).unwrap().expect("a regular file");
        assert_eq!(len, 5);
        std::os::unix::fs::symlink(&file, dir.path().join("link.tgz")).unwrap();
        assert!(
            open_regular(&dir.path().join("link.tgz"))
                .unwrap()
                .is_none()
        );
        assert!(open_regular(dir.path()).unwrap().is_none());
        assert!(open_regular(&dir.path().join("missing.tgz")).is_err());
    }

    /// Every refused archive of a folder is reported as an error of its own, with its causes
    /// under it, as `error:` / `caused by:` lines.
    #[test]
    fn refused_archives_are_each_reported_with_their_causes() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a-1.0.0.tgz"), b"").unwrap();
        fs::write(dir.path().join("b-1.0.0.tgz"), b"\x1f\x8b\x08garbage").unwrap();
        let mut repo = Repo::open(dir.path()).unwrap();
        let err = repo.reindex(&IndexOptions::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Archives(f) if f.0.len() == 2),
            "{err:?}"
        );
        let mut out = Vec::new();
        err.report(&mut out, Color::NEVER).unwrap();
        let text = String::from_utf8(out).unwrap();
        let shown = |name: &str| dir.path().join(name).display().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(
            lines[0],
            format!("error: {}: not a valid chart archive", shown("a-1.0.0.tgz"))
        );
        assert_eq!(
            lines[1],
            "  caused by: the file is empty; it is not a chart archive"
        );
        assert_eq!(
            lines[2],
            format!("error: {}: not a valid chart archive", shown("b-1.0.0.tgz"))
        );
        assert!(
            lines[3].starts_with("  caused by: corrupt chart archive: "),
            "{text}"
        );
    }
}
