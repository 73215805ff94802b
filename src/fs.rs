//! File-system helpers shared by the stages: durable atomic writes, folders created and
//! replaced durably, and size-limited reads.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub mod walk;

/// A file-system operation failed, or was refused before it began.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An OS error: what was being done, and the error.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, with the path (`writing dist/dev/index.yaml`).
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A path kforge was to write or delete leads through a symbolic link out of the project
    /// (or out of the folder named on the command line): refused before anything was touched.
    #[error(
        "refusing to write {path}: {link} is a symbolic link to {target}, which is outside {boundary}; kforge never writes or deletes through a link that leaves it, and nothing was written. Make {link} a folder, or a link that stays inside, or name a folder outside the project on the command line (--output-dir, -d, -o)"
    )]
    Outside {
        /// The path to write, as given.
        path: String,
        /// The link met on the way to it.
        link: String,
        /// Where the link leads, resolved.
        target: String,
        /// `the project /abs/root`, or `the folder DIR named on the command line`.
        boundary: String,
    },
}

impl Error {
    /// `source`, met while doing `what`.
    pub fn new(what: String, source: std::io::Error) -> Self {
        Self::Io { what, source }
    }
}

impl crate::diag::Failure for Error {
    fn report(&self, out: &mut dyn Write, _color: crate::diag::Color) -> std::io::Result<()> {
        writeln!(out, "error: {self}")
    }
}

/// A file-system result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Writes via a temporary file in the same folder and a rename, so no partial file ever sits
/// under its final name. The data is synced before the rename and the folder after it, so
/// once this returns the new file survives a crash or power loss under its name; an archive
/// written before its index.yaml is therefore never lost while the index that lists it is kept.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_replacing(path, bytes, true)
}

/// [`write_atomically`] without the syncs, for a cache that a reader checks whole before it
/// uses it (a crash may leave it empty or cut short, never half of an old and a new one).
pub fn write_cache_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_replacing(path, bytes, false)
}

fn write_replacing(path: &Path, bytes: &[u8], durable: bool) -> Result<()> {
    let dir = parent_dir(path);
    create_dir_durably(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    builder.permissions(readable());
    let mut tmp = begin_temp_file(&builder, dir)?;
    let tmp_path = tmp.path().to_path_buf();
    let written = tmp
        .write_all(bytes)
        .and_then(|()| {
            if durable {
                tmp.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|e| Error::new(format!("writing {}", path.display()), e));
    let in_flight = in_flight_of(tmp_path);
    if let Err(e) = written {
        drop(tmp);
        return Err(e);
    }
    tmp.persist(path)
        .map_err(|e| Error::new(format!("writing {}", path.display()), e.error))?;
    in_flight.finish();
    if durable { sync_dir(dir) } else { Ok(()) }
}

/// Temporary files and folders being written, removed by [`abandon_writes`] when the process
/// is stopped from another thread (the template memory watchdog). Process-wide because the
/// stop is; not a setting.
static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A new temporary file in `dir`, created and registered in [`IN_FLIGHT`] under its lock.
fn begin_temp_file(
    builder: &tempfile::Builder<'_, '_>,
    dir: &Path,
) -> Result<tempfile::NamedTempFile> {
    let mut in_flight = in_flight();
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::new(format!("creating a temporary file in {}", dir.display()), e))?;
    in_flight.push(tmp.path().to_path_buf());
    Ok(tmp)
}

fn in_flight() -> MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// The registry locked while a temporary `path` is renamed into place (or given up), so the
/// process is never stopped in between; the path leaves the registry when this is dropped.
struct Finishing {
    guard: MutexGuard<'static, Vec<PathBuf>>,
    path: PathBuf,
}

fn in_flight_of(path: PathBuf) -> Finishing {
    Finishing {
        guard: in_flight(),
        path,
    }
}

impl Finishing {
    fn finish(self) {}
}

impl Drop for Finishing {
    fn drop(&mut self) {
        let path = &self.path;
        self.guard.retain(|p| p != path);
    }
}

/// Removes the temporary files and folders of writes in progress and blocks every write from
/// then on; for a process about to exit from another thread than the writers'. A write is
/// either not started, or its file complete under its name: never half-written.
pub fn abandon_writes() {
    let guard = in_flight();
    remove_all(&guard);
    // Held until the process exits: no write starts or completes after this.
    std::mem::forget(guard);
}

/// Removes each of `paths`, a file or a folder, as far as it can.
fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path).or_else(|_| fs::remove_dir_all(path));
    }
}

/// Prefix of the temporary files [`write_atomically`] creates (then 6 random characters).
pub const TEMP_PREFIX: &str = ".kforge-";

/// Removes the temporary files that [`write_atomically`] left in `dir` when its process was
/// killed between creating and renaming one. Only for a folder whose writers all hold its lock
/// (a chart repository folder), so none of them can be another run's file in progress; returns
/// how many were removed.
pub fn remove_stale_temp_files(dir: &Path) -> Result<usize> {
    let listing =
        fs::read_dir(dir).map_err(|e| Error::new(format!("listing {}", dir.display()), e))?;
    let mut removed = 0;
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some(rand) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else {
            continue;
        };
        let temp = rand.len() == 6 && rand.bytes().all(|b| b.is_ascii_alphanumeric());
        if temp && entry.file_type().is_ok_and(|t| t.is_file()) {
            let path = entry.path();
            fs::remove_file(&path)
                .map_err(|e| Error::new(format!("removing {}", path.display()), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Creates `dir` and any missing parents, and syncs the folder holding each one it created,
/// so a new folder's entry is as durable as the files written into it.
fn create_dir_durably(dir: &Path) -> Result<()> {
    create_dirs_durably([dir])
}

/// [`create_dir_durably`] for several folders, syncing each parent once: `build` creates
/// every environment's folder in `dist/` with one sync of `dist/`, not one per environment.
pub fn create_dirs_durably<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    let mut parents = std::collections::BTreeSet::new();
    for dir in dirs {
        let missing = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists());
        parents.extend(missing.map(|created| parent_dir(created).to_path_buf()));
        fs::create_dir_all(dir)
            .map_err(|e| Error::new(format!("creating {}", dir.display()), e))?;
    }
    parents.iter().try_for_each(|p| sync_dir(p))
}

/// Whether `path` has a `..` after a folder name (`a/../b`, not `../b`): creating it would
/// create `a`, then write into `b`.
pub fn has_parent_after_name(path: &Path) -> bool {
    use std::path::Component;
    let mut named = false;
    for part in path.components() {
        match part {
            Component::Normal(_) => named = true,
            Component::ParentDir if named => return true,
            _ => {}
        }
    }
    false
}

/// Checks that writing or deleting `paths` touches nothing outside kforge's boundary, before
/// anything is touched: each existing component of each path is resolved in turn, and a
/// symbolic link whose target leaves the boundary is refused ([`Error::Outside`], naming the
/// link and its target). `named` is the folder the paths are in as the command line or the
/// project names it (`--output-dir out`, `-d /srv/charts`, `golden`); each path is `named` or a
/// path below it. Every writer calls this with all it will write before it writes any of it.
///
/// The boundary is the project (the current folder, where `-C` leads) for a `named` folder
/// that resolves inside it; a link in the project on the way to it must stay in the project
/// (a committed `golden` or `out` link to `/etc` is refused). A `named` folder outside the
/// project (`-d /srv/charts`, `../dist`) is the boundary itself, as named: the user chose it,
/// so the links leading to it are not judged, but a link below it must stay inside it. A link
/// that stays inside its boundary is fine.
pub fn checked_output<P: AsRef<Path>>(
    named: &Path,
    paths: impl IntoIterator<Item = P>,
) -> Result<()> {
    let here = std::env::current_dir()
        .and_then(fs::canonicalize)
        .map_err(|e| Error::new("reading the current folder".to_string(), e))?;
    check_output_in(named, paths, &here)
}

/// [`checked_output`] with the project at `project` (canonical); relative paths are relative
/// to it.
fn check_output_in<P: AsRef<Path>>(
    named: &Path,
    paths: impl IntoIterator<Item = P>,
    project: &Path,
) -> Result<()> {
    let resolve =
        |p: &Path| real_path(p).map_err(|e| Error::new(format!("resolving {}", p.display()), e));
    let escaped = |p: &Path| crate::project::escaped(&p.display().to_string());
    let refuse = |path: &Path, link: &Path, target: &Path, boundary: String| Error::Outside {
        path: escaped(path),
        link: escaped(link.strip_prefix(project).unwrap_or(link)),
        target: escaped(target),
        boundary,
    };
    let the_project = || format!("the project {}", project.display());
    let named_abs = project.join(named);
    let mut paths = paths.into_iter().peekable();
    let Some(first) = paths.peek() else {
        return Ok(());
    };
    // The folders leading to the named one, and itself: a link among them that lies in the
    // project must stay in it.
    let mut prefix = PathBuf::new();
    for part in named_abs.components() {
        let at = prefix.clone();
        prefix.push(part);
        if is_symlink(&prefix) && resolve(&at)?.starts_with(project) {
            let target = resolve(&prefix)?;
            if !target.starts_with(project) {
                return Err(refuse(first.as_ref(), &prefix, &target, the_project()));
            }
        }
    }
    let named_real = resolve(&named_abs)?;
    let (boundary, shown) = if named_real.starts_with(project) {
        (project.to_path_buf(), the_project())
    } else {
        let shown = format!("the folder {} named on the command line", escaped(named));
        (named_real, shown)
    };
    // Below it, each path's own components.
    for path in paths {
        let path = path.as_ref();
        let below = path.strip_prefix(named).unwrap_or(Path::new(""));
        let mut prefix = named_abs.clone();
        for part in below {
            prefix.push(part);
            if is_symlink(&prefix) {
                let target = resolve(&prefix)?;
                if !target.starts_with(&boundary) {
                    return Err(refuse(path, &prefix, &target, shown));
                }
            }
        }
    }
    Ok(())
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Links followed in resolving one path before it counts as a loop (Linux's own figure).
const MAX_LINKS: u32 = 40;

/// `path` (absolute) with every symbolic link in it resolved: its longest existing part made
/// canonical, then the rest, which does not exist, appended (`..` taken lexically there, where
/// no link can be). A dangling link is followed to where it points, which is where a write
/// through it would land.
fn real_path(path: &Path) -> std::io::Result<PathBuf> {
    use std::path::Component;
    let mut path = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let parts: Vec<Component<'_>> = path.components().collect();
        let mut next = None;
        for n in (1..=parts.len()).rev() {
            let prefix: PathBuf = parts[..n].iter().collect();
            let mut real = match fs::canonicalize(&prefix) {
                Ok(real) => real,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            let rest = &parts[n..];
            if let Some(first) = rest.first()
                && let Ok(to) = fs::read_link(real.join(first))
            {
                // `first` is a dangling link: resolved again from where it points.
                let mut through = real.join(to);
                through.extend(&rest[1..]);
                next = Some(through);
                break;
            }
            for part in rest {
                match part {
                    Component::ParentDir => {
                        real.pop();
                    }
                    Component::CurDir => {}
                    other => real.push(other),
                }
            }
            return Ok(real);
        }
        match next {
            Some(through) => path = through,
            None => return Ok(path),
        }
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links on the way (a loop?)"
    )))
}

/// The folder holding `path`: `.` for a bare file name.
pub fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// fsync of a folder, which makes the names created, renamed or removed in it durable. A
/// file system that cannot sync a folder (EINVAL, ENOTSUP: some network and FUSE ones) is
/// not an error: there is nothing more to do there.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let synced = File::open(dir).and_then(|d| d.sync_all());
        match synced {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOTSUP)) => {}
            other => {
                other.map_err(|e| Error::new(format!("syncing the folder {}", dir.display()), e))?
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// rw-r--r-- (before the umask): archives and indexes are served to others.
#[cfg(unix)]
fn readable() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o644)
}

/// Replaces `dir` with exactly `files` (name → text), building the new folder beside it first
/// so a failure leaves the old one in place.
pub fn replace_dir(dir: &Path, files: &[(String, String)]) -> Result<()> {
    let parent = parent_dir(dir);
    fs::create_dir_all(parent)
        .map_err(|e| Error::new(format!("creating {}", parent.display()), e))?;
    let mut in_flight = in_flight();
    let tmp = tempfile::Builder::new()
        .prefix(".kforge-tmp-")
        .tempdir_in(parent)
        .map_err(|e| {
            Error::new(
                format!("creating a temporary folder in {}", parent.display()),
                e,
            )
        })?;
    in_flight.push(tmp.path().to_path_buf());
    drop(in_flight);
    let written = files.iter().try_for_each(|(name, text)| {
        fs::write(tmp.path().join(name), text).map_err(|e| Error::new(format!("writing {name}"), e))
    });
    // The old folder goes and the new one takes its place with the registry locked.
    let in_flight = in_flight_of(tmp.path().to_path_buf());
    if let Err(e) = written {
        drop(tmp);
        return Err(e);
    }
    if dir.exists() {
        fs::remove_dir_all(dir)
            .map_err(|e| Error::new(format!("removing old {}", dir.display()), e))?;
    }
    let kept = tmp.keep();
    fs::rename(&kept, dir)
        .map_err(|e| Error::new(format!("moving output into {}", dir.display()), e))?;
    in_flight.finish();
    Ok(())
}

/// A folder built beside its destination (in the same parent, so moving it is one rename) and
/// moved into place whole at the end: until then the destination is untouched, and a run that
/// fails or is stopped leaves it as it was. Dropped without [`StagedDir::commit`], the folder is
/// removed; a process killed outright leaves it under its hidden name
/// (`.<name>.kforge-XXXXXX`), never under the destination's.
pub struct StagedDir {
    path: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl StagedDir {
    /// Creates the folder beside `dest` (its parent created if missing).
    pub fn begin(dest: &Path) -> Result<Self> {
        let parent = parent_dir(dest);
        create_dir_durably(parent)?;
        let name = dest
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let mut in_flight = in_flight();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}.kforge-"))
            .tempdir_in(parent)
            .map_err(|e| {
                Error::new(
                    format!("creating a temporary folder in {}", parent.display()),
                    e,
                )
            })?
            .keep();
        in_flight.push(tmp.clone());
        Ok(Self {
            path: tmp,
            dest: dest.to_path_buf(),
            done: false,
        })
    }

    /// The folder being built.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves the folder to its destination. A missing or empty destination is replaced in one
    /// rename; one with files is swapped (renamed aside, the new folder renamed into place),
    /// then its entries for which `carry` holds move into the new folder and the rest is
    /// removed with it.
    pub fn commit(mut self, carry: impl Fn(&str) -> bool) -> Result<()> {
        let dest = self.dest.clone();
        let parent = parent_dir(&dest).to_path_buf();
        let occupied = dest.is_dir()
            && fs::read_dir(&dest)
                .map_err(|e| Error::new(format!("reading {}", dest.display()), e))?
                .next()
                .is_some();
        let finishing = in_flight_of(self.path.clone());
        if !occupied {
            fs::rename(&self.path, &dest).map_err(|e| {
                Error::new(format!("moving the new project into {}", dest.display()), e)
            })?;
            self.done = true;
            finishing.finish();
            return sync_dir(&parent);
        }
        let old = tempfile::Builder::new()
            .prefix(".kforge-old-")
            .tempdir_in(&parent)
            .map_err(|e| {
                Error::new(
                    format!("creating a temporary folder in {}", parent.display()),
                    e,
                )
            })?
            .keep();
        // rename(2) replaces the empty folder just made.
        fs::rename(&dest, &old).map_err(|e| {
            let _ = fs::remove_dir(&old);
            Error::new(format!("moving {} aside", dest.display()), e)
        })?;
        if let Err(e) = fs::rename(&self.path, &dest) {
            // Put the old one back: the destination is as it was.
            let _ = fs::rename(&old, &dest);
            return Err(Error::new(
                format!("moving the new project into {}", dest.display()),
                e,
            ));
        }
        self.done = true;
        finishing.finish();
        let entries =
            fs::read_dir(&old).map_err(|e| Error::new(format!("reading {}", old.display()), e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if carry(&name.to_string_lossy()) {
                fs::rename(entry.path(), dest.join(&name)).map_err(|e| {
                    Error::new(
                        format!(
                            "moving {} into the new {} (the old folder is {})",
                            name.to_string_lossy(),
                            dest.display(),
                            old.display()
                        ),
                        e,
                    )
                })?;
            }
        }
        fs::remove_dir_all(&old)
            .map_err(|e| Error::new(format!("removing the old folder {}", old.display()), e))?;
        sync_dir(&parent)
    }

    /// Moves the folder to `to` instead of its destination (replacing a folder there): a
    /// result kept to look at, not put in place.
    pub fn keep_as(mut self, to: &Path) -> Result<()> {
        let finishing = in_flight_of(self.path.clone());
        if to.exists() {
            fs::remove_dir_all(to)
                .map_err(|e| Error::new(format!("removing old {}", to.display()), e))?;
        }
        fs::rename(&self.path, to)
            .map_err(|e| Error::new(format!("moving the project into {}", to.display()), e))?;
        self.done = true;
        finishing.finish();
        sync_dir(parent_dir(to))
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.path);
            in_flight().retain(|p| p != &self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_after_a_name_is_found() {
        for bad in ["a/../b", "./x/y/../../z", "/tmp/a/.."] {
            assert!(has_parent_after_name(Path::new(bad)), "{bad}");
        }
        for good in [
            "dist",
            "../dist",
            "../../x/y",
            "./out",
            "/tmp/a..b/c",
            "a/..b",
        ] {
            assert!(!has_parent_after_name(Path::new(good)), "{good}");
        }
    }

    /// The boundary of [`checked_output`], case by case, in a project beside a folder outside
    /// it: links out of the project are refused (dangling ones by where they point), links
    /// that stay in are fine, and a folder named outside the project bounds what is below it.
    #[cfg(unix)]
    #[test]
    fn writes_through_links_out_of_the_boundary_are_refused() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let top = fs::canonicalize(tmp.path()).unwrap();
        let (project, outside) = (top.join("project"), top.join("outside"));
        for d in [&project, &outside] {
            fs::create_dir_all(d.join("sub")).unwrap();
        }
        let check = |path: &str, named: &str| check_output_in(Path::new(named), [path], &project);
        let refused = |path: &str, named: &str, link: &str| match check(path, named) {
            Err(Error::Outside { link: l, .. }) => assert_eq!(l, link, "{path}"),
            other => panic!("{path}: {other:?}"),
        };
        symlink(&outside, project.join("out")).unwrap();
        symlink("sub", project.join("inside")).unwrap();
        symlink("../../outside/sub", project.join("sub/rel")).unwrap();
        symlink(outside.join("missing"), project.join("dangling")).unwrap();
        symlink("sub/new", project.join("dangling-in")).unwrap();
        symlink(&project, outside.join("back")).unwrap();
        symlink(&outside, top.join("alias")).unwrap();
        refused("out", "out", "out");
        refused("out/dev", "out", "out");
        refused("sub/rel/x", "sub", "sub/rel");
        refused("dangling", "dangling", "dangling");
        check("inside/dev", "inside").unwrap();
        check("dangling-in", "dangling-in").unwrap();
        check("fresh/dev/index.yaml", "fresh").unwrap();
        check("sub", "sub").unwrap();
        // Named outside the project: its own boundary, reached through links or not.
        let named = |p: &Path| p.display().to_string();
        check(&named(&outside.join("sub/dev")), &named(&outside)).unwrap();
        check(&named(&top.join("alias/dev")), &named(&top.join("alias"))).unwrap();
        check("../outside/dev", "../outside").unwrap();
        // ...but a link below it must stay inside it.
        match check(&named(&outside.join("back/dev")), &named(&outside)) {
            Err(Error::Outside { boundary, .. }) => {
                assert!(boundary.contains("named on the command line"), "{boundary}");
            }
            other => panic!("{other:?}"),
        }
        // A named folder that resolves into the project is bounded by the project; the link
        // is shown as the path named it.
        refused(
            &named(&outside.join("back/out/dev")),
            &named(&outside.join("back/out")),
            &named(&outside.join("back/out")),
        );
    }

    /// What [`abandon_writes`] removes: the temporary files of writes in progress, which
    /// are registered as they are created. (`abandon_writes` itself blocks every write of the
    /// process afterwards, so it is not called here.)
    #[test]
    fn temporary_files_of_writes_in_progress_are_registered_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX);
        // Two writes in progress: their files exist, under their temporary names.
        let kept: Vec<PathBuf> = (0..2)
            .map(|_| {
                begin_temp_file(&builder, dir.path())
                    .unwrap()
                    .keep()
                    .unwrap()
                    .1
            })
            .collect();
        let registered: Vec<PathBuf> = in_flight()
            .iter()
            .filter(|p| kept.contains(p))
            .cloned()
            .collect();
        assert_eq!(registered.len(), 2, "{registered:?}");
        remove_all(&registered);
        in_flight().retain(|p| !kept.contains(p));
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
