//! Walking an input folder (`kforge lint DIR`, `import ENV=DIR`, `--crd DIR`, `diff --against
//! DIR`) for the files to read: each folder entered once, however many links lead to it (by
//! device and inode, so `ln -s . x; ln -s . y` is one folder, not 2^depth paths), files that
//! are not regular (a FIFO, a socket, a device) skipped unopened with a warning, and the walk
//! bounded in the names it looks at and in depth.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::path::{Path, PathBuf};

use super::Error;

/// Most names (files and folders, hidden ones not counted) one walk looks at.
pub const MAX_WALK_ENTRIES: usize = 100_000;

/// Deepest nesting of folders a walk enters below the folder it starts from.
pub const MAX_WALK_DEPTH: usize = 64;

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The files wanted, in walk order (each folder's entries sorted by name, depth first).
    /// A file that could not be looked at (a dangling link) is among them: reading it says why.
    pub files: Vec<PathBuf>,
    /// Wanted names that are not regular files, skipped without being opened.
    pub skipped: Vec<Skipped>,
}

/// A wanted name that is not a regular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// What it is: `a FIFO`, `a socket`, `a device`.
    pub kind: &'static str,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is {}, not a regular file: skipped (it is never opened: reading it could wait forever)",
            crate::project::escaped(&self.path.display().to_string()),
            self.kind
        )
    }
}

/// Why a walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// Over [`MAX_WALK_ENTRIES`].
    #[error(
        "{}: more than {MAX_WALK_ENTRIES} files and folders under it, the bound of a folder walk; name the folder that holds the manifests, not one above it",
        .0.display()
    )]
    TooMany(PathBuf),
    /// Over [`MAX_WALK_DEPTH`].
    #[error(
        "{}: folders nested more than {MAX_WALK_DEPTH} deep, the bound of a folder walk; name a folder nearer the manifests",
        .0.display()
    )]
    TooDeep(PathBuf),
    /// A folder could not be listed.
    #[error(transparent)]
    Io(#[from] Error),
}

/// The files under `root` (recursively, following links to folders, each folder once) whose
/// path `wanted` accepts; hidden names (starting with `.`) are passed over unread.
pub fn walk_files(root: &Path, wanted: impl Fn(&Path) -> bool) -> Result<Walked, WalkError> {
    let meta =
        fs::metadata(root).map_err(|e| Error::new(format!("reading {}", root.display()), e))?;
    let mut walk = Walk {
        root,
        wanted: &wanted,
        seen: HashSet::from([identity(root, &meta)]),
        looked_at: 0,
        out: Walked::default(),
    };
    walk.visit(root, 0)?;
    Ok(walk.out)
}

/// A folder's identity: its device and inode (elsewhere, its canonical path).
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

#[cfg(unix)]
fn identity(_path: &Path, meta: &Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(path: &Path, _meta: &Metadata) -> Identity {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

struct Walk<'a> {
    root: &'a Path,
    wanted: &'a dyn Fn(&Path) -> bool,
    /// Folders entered.
    seen: HashSet<Identity>,
    /// Names looked at so far.
    looked_at: usize,
    out: Walked,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Path, depth: usize) -> Result<(), WalkError> {
        if depth > MAX_WALK_DEPTH {
            return Err(WalkError::TooDeep(dir.to_path_buf()));
        }
        for name in self.list(dir)? {
            let path = dir.join(&name);
            let Ok(meta) = fs::metadata(&path) else {
                // A dangling link or a name gone since the listing: reading it says which.
                if (self.wanted)(&path) {
                    self.out.files.push(path);
                }
                continue;
            };
            if meta.is_dir() {
                if self.seen.insert(identity(&path, &meta)) {
                    self.visit(&path, depth + 1)?;
                }
            } else if (self.wanted)(&path) {
                match kind_of(&meta) {
                    None => self.out.files.push(path),
                    Some(kind) => self.out.skipped.push(Skipped { path, kind }),
                }
            }
        }
        Ok(())
    }

    /// The names in `dir` but hidden ones, sorted (byte order, the same everywhere); counted
    /// against the bound as they are read, so a huge folder stops the walk early.
    fn list(&mut self, dir: &Path) -> Result<Vec<OsString>, WalkError> {
        let listing = |e| Error::new(format!("listing {}", dir.display()), e);
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).map_err(listing)? {
            let name = entry.map_err(listing)?.file_name();
            if name.as_encoded_bytes().starts_with(b".") {
                continue;
            }
            self.looked_at += 1;
            if self.looked_at > MAX_WALK_ENTRIES {
                return Err(WalkError::TooMany(self.root.to_path_buf()));
            }
            names.push(name);
        }
        names.sort();
        Ok(names)
    }
}

/// `None` for a regular file, else what it is.
fn kind_of(meta: &Metadata) -> Option<&'static str> {
    if meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a file or folder")
}

/// Whether [`open_regular`] follows a symlink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Follow it (a file a walk found, which may be a link the walk vetted).
    Follow,
    /// Refuse it: `None`, as for any file that is not regular (a chart repository's archives).
    Refuse,
}

/// Opens a file a walk found, following links: [`open_regular`] with [`Links::Follow`].
pub fn open_walked(path: &Path) -> std::io::Result<Option<(File, u64)>> {
    open_regular(path, Links::Follow)
}

/// Opens a file without waiting on it (`O_NONBLOCK`: it may have become a FIFO since it was
/// listed), with its length; `None` when what was opened is not a regular file (checked on
/// the open file, `fstat`, which a path lookup per file cost more than), or, with
/// [`Links::Refuse`], when it is a symlink (`O_NOFOLLOW`).
pub fn open_regular(path: &Path, links: Links) -> std::io::Result<Option<(File, u64)>> {
    #[cfg(unix)]
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = match links {
            Links::Follow => libc::O_NONBLOCK,
            Links::Refuse => libc::O_NOFOLLOW | libc::O_NONBLOCK,
        };
        match File::options().read(true).custom_flags(flags).open(path) {
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) && links == Links::Refuse => {
                return Ok(None);
            }
            other => other?,
        }
    };
    #[cfg(not(unix))]
    let file = {
        let meta = match links {
            Links::Follow => fs::metadata(path)?,
            Links::Refuse => fs::symlink_metadata(path)?,
        };
        if !meta.is_file() {
            return Ok(None);
        }
        File::open(path)?
    };
    let meta = file.metadata()?;
    Ok(meta.is_file().then_some((file, meta.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(p: &Path) -> bool {
        p.extension().is_some_and(|e| e == "yaml")
    }

    /// Two links to the folder itself made 2^depth paths; each folder is now entered once.
    #[cfg(unix)]
    #[test]
    fn links_to_a_folder_already_walked_are_not_entered_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.yaml"), "x: 1\n").unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/b.yaml"), "x: 1\n").unwrap();
        std::os::unix::fs::symlink(".", root.join("x")).unwrap();
        std::os::unix::fs::symlink(".", root.join("y")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        let walked = walk_files(root, yaml).unwrap();
        assert_eq!(walked.files, [root.join("a.yaml"), root.join("sub/b.yaml")]);
        assert!(walked.skipped.is_empty());
    }

    #[test]
    fn a_walk_past_its_bounds_stops_naming_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for _ in 0..=MAX_WALK_DEPTH + 1 {
            deep.push("d");
        }
        fs::create_dir_all(&deep).unwrap();
        let err = walk_files(dir.path(), yaml).unwrap_err();
        assert!(matches!(err, WalkError::TooDeep(_)), "{err}");
        assert!(err.to_string().contains("more than 64 deep"), "{err}");
    }
}
