//! A chart repository folder: its archives and its `index.yaml`, updated under an exclusive
//! file lock and written atomically (temporary file + rename), so concurrent CI jobs never lose
//! each other's entries and a reader never sees a half-written index.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::index::{ChartYaml, MAX_INDEX_BYTES, RepoIndex, entry_str, entry_urls, rfc3339};
use super::read::{MAX_ARCHIVE_BYTES, read_archive};
use crate::diag::Diagnostics;
use crate::project::text_from_bytes;
use crate::yaml::{Node, SourceFile};

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
    /// Entries in the written index.
    pub total: usize,
}

/// Published versions are immutable: the same name+version with other content.
#[derive(Debug, thiserror::Error)]
#[error(
    "{what}: chart `{name}` version {version} is already in {index} with digest {old}, but this archive's digest is {new}; published versions are immutable: bump chart.version (or pass --version); if this version was never published, delete the archive and its index entry"
)]
pub struct Immutable {
    /// The archive (or environment) being added.
    pub what: String,
    /// Chart name.
    pub name: String,
    /// Chart version.
    pub version: String,
    /// Which index holds the old entry.
    pub index: String,
    /// Digest in the index.
    pub old: String,
    /// Digest of the new archive.
    pub new: String,
}

/// sha256 of `bytes` as lowercase hex (Helm's `digest` field).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A locked repository folder with its current index.
pub struct Repo {
    dir: PathBuf,
    _lock: File,
    /// The folder's index.yaml as read (empty when there is none).
    pub index: RepoIndex,
}

impl Repo {
    /// Takes the folder's lock (waiting for other writers) and reads its index.yaml.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!(
                "{} is not a folder; `repo index` indexes a folder of chart archives",
                dir.display()
            );
        }
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening the lock file {}", lock_path.display()))?;
        lock.lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
        let index_path = dir.join("index.yaml");
        let index = if index_path.exists() {
            read_index(&index_path)?
        } else {
            RepoIndex::default()
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            _lock: lock,
            index,
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
        check_against(&self.index, what, name, version, digest)
    }

    /// Writes `bytes` as `file_name` in the folder, atomically.
    pub fn write_archive(&self, file_name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(file_name);
        write_atomically(&path, bytes)?;
        Ok(path)
    }

    /// Rebuilds the index from the folder's archives: entries of archives already indexed
    /// are kept as they are (same `created`, not hashed again), new archives are hashed and
    /// added, entries whose archive is gone are dropped, and `--merge` entries are kept.
    pub fn reindex(&mut self, opts: &IndexOptions) -> anyhow::Result<IndexSummary> {
        let mut summary = IndexSummary::default();
        let merged = match &opts.merge {
            Some(p) => Some(read_index(p)?),
            None => None,
        };
        let archives = list_archives(&self.dir)?;
        let base = opts.url.as_deref().map(|u| u.trim_end_matches('/'));
        let url_for = |rel: &str| match base {
            Some(b) => format!("{b}/{rel}"),
            None => rel.to_string(),
        };
        let old = std::mem::take(&mut self.index);
        let mut next = RepoIndex {
            extra: old.extra.clone(),
            ..RepoIndex::default()
        };
        // Archives already in the folder's index, matched by their relative path.
        let mut pending = Vec::new();
        let mut matched = std::collections::HashSet::new();
        let by_path = url_paths(&old);
        for rel in &archives {
            match by_path.get(rel.as_str()) {
                Some((name, i)) if matched.insert((name.clone(), *i)) => {
                    let mut entry = old.entries[name][*i].clone();
                    set_urls(&mut entry, &url_for(rel));
                    next.entries.entry(name.clone()).or_default().push(entry);
                    summary.kept += 1;
                }
                _ => pending.push(rel.clone()),
            }
        }
        for (name, list) in &old.entries {
            for (i, e) in list.iter().enumerate() {
                if !matched.contains(&(name.clone(), i)) {
                    let v = entry_str(e, "version").unwrap_or("?");
                    summary.removed.push(format!("{name} {v}"));
                }
            }
        }
        if let Some(m) = &merged {
            // A set, not `find`: a published index can hold 100k versions of one chart.
            let mut present: std::collections::HashSet<(String, String)> = next
                .entries
                .iter()
                .flat_map(|(n, l)| {
                    l.iter().map(move |e| {
                        (
                            n.clone(),
                            entry_str(e, "version").unwrap_or_default().to_string(),
                        )
                    })
                })
                .collect();
            for (name, list) in &m.entries {
                for e in list {
                    let v = entry_str(e, "version").unwrap_or_default();
                    if present.insert((name.clone(), v.to_string())) {
                        next.entries
                            .entry(name.clone())
                            .or_default()
                            .push(e.clone());
                    }
                }
            }
        }
        let created = rfc3339(opts.now);
        let scanned = scan_archives(&self.dir, &pending);
        let mut errors = Vec::new();
        for (rel, result) in pending.iter().zip(scanned) {
            let (chart, digest) = match result {
                Ok(x) => x,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            match check_against(&next, rel, &chart.name, &chart.version, &digest) {
                Err(e) => errors.push(e.into()),
                Ok(true) => summary.kept += 1,
                Ok(false) => {
                    let entry = chart.entry(&created, &digest, &url_for(rel));
                    next.entries
                        .entry(chart.name.clone())
                        .or_default()
                        .push(entry);
                    summary.added.push(rel.clone());
                }
            }
        }
        if !errors.is_empty() {
            self.index = old;
            return Err(crate::cmd::Errors(errors).into());
        }
        summary.total = next.len();
        self.index = next;
        Ok(summary)
    }

    /// Writes index.yaml atomically.
    pub fn write_index(&self, now: u64) -> anyhow::Result<PathBuf> {
        let path = self.dir.join("index.yaml");
        write_atomically(&path, self.index.to_yaml(&rfc3339(now)).as_bytes())?;
        Ok(path)
    }
}

fn check_against(
    index: &RepoIndex,
    what: &str,
    name: &str,
    version: &str,
    digest: &str,
) -> Result<bool, Box<Immutable>> {
    let Some(entry) = index.find(name, version) else {
        return Ok(false);
    };
    let old = entry_str(entry, "digest").unwrap_or("(none)");
    if old == digest {
        return Ok(true);
    }
    Err(Box::new(Immutable {
        what: what.to_string(),
        name: name.to_string(),
        version: version.to_string(),
        index: match entry.origin.file_line() {
            Some((file, line, _)) => format!("{}:{line}", file.display),
            None => "the index".to_string(),
        },
        old: old.to_string(),
        new: digest.to_string(),
    }))
}

/// Every relative path each entry's urls could stand for (`https://h/x/a.tgz` stands for
/// `a.tgz`, `x/a.tgz`, ...) → the entry; the first entry claiming a path wins.
fn url_paths(index: &RepoIndex) -> std::collections::HashMap<&str, (String, usize)> {
    let mut out = std::collections::HashMap::new();
    for (name, list) in &index.entries {
        for (i, e) in list.iter().enumerate() {
            for url in entry_urls(e) {
                out.entry(url).or_insert_with(|| (name.clone(), i));
                for (pos, _) in url.match_indices('/') {
                    out.entry(&url[pos + 1..])
                        .or_insert_with(|| (name.clone(), i));
                }
            }
        }
    }
    out
}

fn set_urls(entry: &mut Node, url: &str) {
    use crate::yaml::{Origin, Value};
    if let Value::Map(m) = &mut entry.value {
        m.insert(
            "urls".into(),
            Node::new(
                Value::Seq(vec![Node::new(
                    Value::String(url.into()),
                    Origin::Generated,
                )]),
                Origin::Generated,
            ),
        );
    }
}

/// Reads an index.yaml defensively (size limit, UTF-8, structure), errors with file:line.
pub fn read_index(path: &Path) -> anyhow::Result<RepoIndex> {
    let meta = fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", path.display());
    }
    if meta.len() > MAX_INDEX_BYTES {
        bail!(
            "{} is {} bytes, over the {MAX_INDEX_BYTES}-byte limit for an index",
            path.display(),
            meta.len()
        );
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(MAX_INDEX_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", path.display()))?;
    let text = text_from_bytes(bytes, path)?;
    let file = SourceFile::new(path.display().to_string(), text);
    RepoIndex::parse(&file).map_err(|d| Diagnostics(vec![d]).into())
}

/// `*.tgz` in the folder and one level below (as `helm repo index` looks), relative paths
/// with `/`, sorted; hidden files (our temporary files among them) are skipped.
fn list_archives(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let list = |d: &Path| -> anyhow::Result<Vec<fs::DirEntry>> {
        let mut v: Vec<fs::DirEntry> = fs::read_dir(d)
            .with_context(|| format!("listing {}", d.display()))?
            .collect::<Result<_, _>>()
            .with_context(|| format!("listing {}", d.display()))?;
        v.sort_by_key(fs::DirEntry::file_name);
        Ok(v)
    };
    for entry in list(dir)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let ty = entry.file_type()?;
        if ty.is_dir() {
            for sub in list(&entry.path())? {
                let sub_name = sub.file_name().to_string_lossy().into_owned();
                if !sub_name.starts_with('.') && sub_name.ends_with(".tgz") {
                    out.push(format!("{name}/{sub_name}"));
                }
            }
        } else if name.ends_with(".tgz") {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// An archive's Chart.yaml and digest, or why it was refused.
type Scan = anyhow::Result<(ChartYaml, String)>;

/// Hashes and reads the Chart.yaml of each archive, on every core.
fn scan_archives(dir: &Path, rels: &[String]) -> Vec<Scan> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(rels.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Scan>>> =
        rels.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(rel) = rels.get(i) else { break };
                    let r = scan_one(dir, rel);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(anyhow::anyhow!("archive scan did not finish")))
        })
        .collect()
}

fn scan_one(dir: &Path, rel: &str) -> Scan {
    let path = dir.join(rel);
    let shown = path.display().to_string();
    let meta = fs::symlink_metadata(&path).with_context(|| format!("reading {shown}"))?;
    if !meta.is_file() {
        bail!(
            "{shown}: not a regular file (a symlink or special file); the repository folder may only hold chart archives"
        );
    }
    if meta.len() > MAX_ARCHIVE_BYTES {
        bail!(
            "{shown}: {} bytes, over the {MAX_ARCHIVE_BYTES}-byte limit for a chart archive",
            meta.len()
        );
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    File::open(&path)
        .and_then(|f| f.take(MAX_ARCHIVE_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {shown}"))?;
    let digest = sha256_hex(&bytes);
    let files =
        read_archive(&bytes).with_context(|| format!("{shown}: not a valid chart archive"))?;
    let chart_yaml = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .ok_or(super::read::ArchiveError::NoChartYaml)
        .with_context(|| format!("{shown}: not a valid chart archive"))?;
    let text = String::from_utf8(chart_yaml.data.clone())
        .map_err(|_| anyhow::anyhow!("{shown}: Chart.yaml is not UTF-8"))?;
    let file: Arc<SourceFile> = SourceFile::new(format!("{shown}:Chart.yaml"), text);
    let chart = ChartYaml::parse(&file).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    Ok((chart, digest))
}

/// Writes via a temporary file in the same folder and a rename, so no partial file ever sits
/// under its final name; the data is synced before the rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kforge-");
    #[cfg(unix)]
    builder.permissions(readable());
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// rw-r--r-- (before the umask): archives and indexes are served to others.
#[cfg(unix)]
fn readable() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o644)
}
