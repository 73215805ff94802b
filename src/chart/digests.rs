//! Every indexed archive's digest is checked against the archive itself, so an archive replaced
//! after it was indexed (a published version changed behind the index's back) is an error
//! naming the file, not "already indexed". Hashing 100k archives on every run would cost
//! seconds, so what each archive was when last hashed (size, mtime, ctime, inode) is kept in
//! `.kforge-digests` beside the index: an archive whose stamp is unchanged is not read again,
//! any change (a rename over it, a write, a `touch`) gets it hashed; `repo index --verify`
//! hashes them all. The file is a cache: a missing or unreadable one only costs hashing.

use foldhash::HashMap;
use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::io::Read;
use std::path::Path;

use super::limits::MAX_INDEX_BYTES;
use super::read::{FileError, open_regular, read_bounded, sha256_hex};

/// Name of the cache file kept in the repository folder (hidden, so never listed as an archive).
pub const CACHE_FILE: &str = ".kforge-digests";

/// An indexed archive that does not match its entry's digest, or that could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The archive's bytes are not those its entry's digest records.
    #[error(
        "{archive}: its sha256 is {actual}, but its entry at {at} records {indexed}: the archive was replaced after it was indexed; published versions are immutable, so restore the published archive (or, if this version was never published, delete the archive and its index entry)"
    )]
    Mismatch {
        /// The archive.
        archive: String,
        /// Where its entry is (`dist/dev/index.yaml:12`).
        at: String,
        /// The digest the entry records.
        indexed: String,
        /// The archive's digest.
        actual: String,
    },
    /// The archive is a symlink or special file.
    #[error(
        "{0}: not a regular file (a symlink or special file); the repository folder may only hold chart archives"
    )]
    NotRegular(String),
    /// The archive could not be read.
    #[error("reading {path}")]
    Io {
        /// The archive.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The archive is too large, or could not be read whole.
    #[error(transparent)]
    Archive(#[from] FileError),
}

impl crate::diag::Failure for DigestError {}

/// What a file was when it was hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
}

#[cfg(unix)]
fn stamp(meta: &Metadata) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
    Some(Stamp {
        len: meta.len(),
        mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
        ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        ino: meta.ino(),
    })
}

/// Without a change time and inode, every archive is hashed.
#[cfg(not(unix))]
fn stamp(_: &Metadata) -> Option<Stamp> {
    None
}

/// The digests of a folder's archives as last hashed, by relative path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DigestCache(HashMap<String, (Stamp, String)>);

impl DigestCache {
    /// Reads the folder's cache; a missing, oversized or malformed one is an empty cache.
    pub fn read(dir: &Path) -> Self {
        let mut text = String::new();
        let read = fs::File::open(dir.join(CACHE_FILE))
            .and_then(|f| f.take(MAX_INDEX_BYTES).read_to_string(&mut text));
        if read.is_err() {
            return Self::default();
        }
        let mut out = HashMap::default();
        for line in text.lines() {
            let mut f = line.splitn(6, '\t');
            let mut next = || f.next();
            let parsed = (|| {
                let s = Stamp {
                    len: next()?.parse().ok()?,
                    mtime_ns: next()?.parse().ok()?,
                    ctime_ns: next()?.parse().ok()?,
                    ino: next()?.parse().ok()?,
                };
                let digest = next()?;
                let rel = next()?;
                (digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| (rel.to_string(), (s, digest.to_string())))
            })();
            match parsed {
                Some((rel, v)) => {
                    out.insert(rel, v);
                }
                None => return Self::default(),
            }
        }
        Self(out)
    }

    /// The cache as its file's text, in path order.
    pub fn to_text(&self) -> String {
        let mut rels: Vec<&String> = self.0.keys().collect();
        rels.sort_unstable();
        let mut out = String::new();
        for rel in rels {
            let (s, digest) = &self.0[rel];
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{digest}\t{rel}",
                s.len, s.mtime_ns, s.ctime_ns, s.ino
            );
        }
        out
    }
}

/// An indexed archive to check: its path relative to the folder, the digest its entry
/// records, where the entry is (file and line: `dist/dev/index.yaml:12`), and its digest if
/// the caller has just written it.
pub struct Indexed<'a> {
    /// Relative path.
    pub rel: &'a str,
    /// The entry's digest.
    pub digest: &'a str,
    /// The entry's file and line, for the error (`None`: not read from a file).
    pub at: Option<(&'a str, usize)>,
    /// The digest of bytes the caller has just written there, if it has.
    pub known: Option<&'a str>,
}

/// Checks each archive's digest against its entry, hashing only archives whose stamp is not
/// in `cache` (all of them with `full`). Returns the cache for the next run, or every
/// mismatch and unreadable archive.
pub fn verify(
    dir: &Path,
    archives: &[Indexed<'_>],
    cache: &DigestCache,
    full: bool,
) -> Result<DigestCache, Vec<DigestError>> {
    let checked = crate::par::map_io(archives, |a| check_one(dir, a, cache, full));
    let mut next = DigestCache::default();
    let mut errors = Vec::new();
    for (a, result) in archives.iter().zip(checked) {
        match result {
            Ok(Some(entry)) => {
                next.0.insert(a.rel.to_string(), entry);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(next)
    } else {
        Err(errors)
    }
}

fn check_one(
    dir: &Path,
    a: &Indexed<'_>,
    cache: &DigestCache,
    full: bool,
) -> Result<Option<(Stamp, String)>, DigestError> {
    let path = dir.join(a.rel);
    // Shown only in an error: made then, not for each of thousands of archives.
    let shown = || path.display().to_string();
    let io = |source| DigestError::Io {
        path: shown(),
        source,
    };
    let cached = |s: &Option<Stamp>| {
        let (stamp, digest) = cache.0.get(a.rel)?;
        (Some(*stamp) == *s).then_some(digest.as_str())
    };
    let before = fs::symlink_metadata(&path).map_err(io)?;
    if !before.is_file() {
        return Err(DigestError::NotRegular(shown()));
    }
    let stamp = stamp(&before);
    let actual = match (a.known, cached(&stamp).filter(|_| !full)) {
        (Some(known), _) => known.to_string(),
        (None, Some(digest)) => digest.to_string(),
        (None, None) => {
            let Some((file, len)) = open_regular(&path).map_err(io)? else {
                return Err(DigestError::NotRegular(shown()));
            };
            sha256_hex(&read_bounded(file, len, &shown())?)
        }
    };
    if actual != a.digest {
        return Err(DigestError::Mismatch {
            archive: shown(),
            at: match a.at {
                Some((file, line)) => format!("{file}:{line}"),
                None => "the index".to_string(),
            },
            indexed: a.digest.to_string(),
            actual,
        });
    }
    Ok(stamp.map(|s| (s, actual)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_reads_back_what_it_wrote_and_drops_a_malformed_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.tgz"), b"one").unwrap();
        let digest = sha256_hex(b"one");
        let list = [Indexed {
            rel: "a.tgz",
            digest: &digest,
            at: Some(("index.yaml", 3)),
            known: None,
        }];
        let cache = verify(dir.path(), &list, &DigestCache::default(), false).unwrap();
        std::fs::write(dir.path().join(CACHE_FILE), cache.to_text()).unwrap();
        assert_eq!(DigestCache::read(dir.path()), cache);
        std::fs::write(dir.path().join(CACHE_FILE), "1\tx\n").unwrap();
        assert_eq!(DigestCache::read(dir.path()), DigestCache::default());
    }

    /// A replaced archive is found whether the cache knows the old one or not.
    #[test]
    fn a_replaced_archive_is_a_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tgz");
        std::fs::write(&path, b"one").unwrap();
        let digest = sha256_hex(b"one");
        let list = [Indexed {
            rel: "a.tgz",
            digest: &digest,
            at: Some(("index.yaml", 3)),
            known: None,
        }];
        let cache = verify(dir.path(), &list, &DigestCache::default(), false).unwrap();
        std::fs::write(dir.path().join("b"), b"two").unwrap();
        std::fs::rename(dir.path().join("b"), &path).unwrap();
        let Err(errors) = verify(dir.path(), &list, &cache, false) else {
            panic!("the replaced archive passed")
        };
        assert!(
            matches!(&errors[..], [DigestError::Mismatch { archive, .. }] if archive.ends_with("a.tgz"))
        );
        assert!(verify(dir.path(), &list, &DigestCache::default(), true).is_err());
    }
}
