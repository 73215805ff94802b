//! Crash safety: `kforge build` and `kforge repo index` killed with SIGKILL at random points,
//! over and over. No partial archive ever sits under its final name, and index.yaml is always
//! a complete, valid index (the old one or the new one), never a torn write.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{TempProject, file_names};

/// A small deterministic generator (no rand dependency): the same delays on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// Starts kforge and kills it with SIGKILL after `delay` (if it has not finished by then).
/// Returns whether it was killed.
fn run_and_kill(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kforge"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let killed = matches!(child.try_wait(), Ok(None));
    if killed {
        child.kill().unwrap(); // SIGKILL on Unix
    }
    let status = child.wait().unwrap();
    if !killed {
        assert!(
            status.success(),
            "kforge {args:?} failed on its own: {status}"
        );
    }
    killed
}

/// Every visible `*.tgz` decompresses and untars to the end; returns how many there are.
fn archives_are_whole(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.ends_with(".tgz") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut entries = 0;
        for entry in tar.entries().unwrap_or_else(|e| panic!("{name}: {e}")) {
            let mut entry = entry.unwrap_or_else(|e| panic!("{name} is torn: {e}"));
            let mut sink = Vec::new();
            entry
                .read_to_end(&mut sink)
                .unwrap_or_else(|e| panic!("{name} is torn: {e}"));
            entries += 1;
        }
        assert!(entries >= 3, "{name} has only {entries} entries");
        n += 1;
    }
    n
}

/// index.yaml, if present, is a complete index: valid YAML with `apiVersion: v1`, `entries`
/// and `generated` (the last key written). Returns the number of entries.
fn index_is_whole(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join("index.yaml")).ok()?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{}/index.yaml is torn: {e}\n{text}", dir.display()));
    assert_eq!(doc["apiVersion"], "v1", "{text}");
    assert!(
        doc["generated"].is_string(),
        "no `generated`: torn?\n{text}"
    );
    let entries = doc["entries"].as_mapping().expect("entries");
    Some(
        entries
            .values()
            .map(|v| v.as_sequence().unwrap().len())
            .sum(),
    )
}

#[test]
fn build_killed_at_random_points_leaves_no_torn_archive_or_index() {
    let p = TempProject::reference();
    let mut rng = Lcg(0x6b66_6f72_6765);
    let mut killed = 0;
    let mut entries_seen = [0usize; 3];
    for i in 0..120 {
        // A new version each time, so every run writes new archives and a new index.
        let version = format!("1.0.{i}");
        let delay = Duration::from_micros(rng.next() % 60_000);
        if run_and_kill(p.path(), &["build", "--version", &version], delay) {
            killed += 1;
        }
        for (k, env) in ["dev", "prod", "staging"].iter().enumerate() {
            let dir = p.path().join("dist").join(env);
            if !dir.exists() {
                continue;
            }
            archives_are_whole(&dir);
            if let Some(n) = index_is_whole(&dir) {
                assert!(
                    n >= entries_seen[k],
                    "{env}: the index lost entries ({} -> {n})",
                    entries_seen[k]
                );
                entries_seen[k] = n;
            }
        }
    }
    assert!(
        killed >= 50,
        "only {killed} of 120 runs were killed mid-way"
    );
    // After the storm, a clean build indexes every archive that made it to disk.
    p.kforge()
        .args(["build", "--version", "9.9.9"])
        .run()
        .exit(0);
    for env in ["dev", "prod", "staging"] {
        let dir = p.path().join("dist").join(env);
        let archives = archives_are_whole(&dir);
        assert_eq!(index_is_whole(&dir), Some(archives), "{env}");
    }
}

#[test]
fn repo_index_killed_at_random_points_leaves_a_valid_index() {
    let p = TempProject::reference();
    // 40 archives to index: 40 versions of the prod chart (one chart name per repository:
    // the same name+version from two environments would rightly be refused as a changed
    // published version).
    for i in 0..40 {
        p.kforge()
            .args([
                "package",
                "-e",
                "prod",
                "--version",
                &format!("2.0.{i}"),
                "-d",
                "pkg",
            ])
            .run()
            .exit(0);
    }
    let repo = p.path().join("pkg/prod");
    let mut rng = Lcg(42);
    let mut killed = 0;
    for i in 0..120 {
        // Start from no index half of the time, so both first writes and rewrites are cut.
        if i % 2 == 0 {
            let _ = std::fs::remove_file(repo.join("index.yaml"));
        }
        let delay = Duration::from_micros(rng.next() % 40_000);
        if run_and_kill(p.path(), &["repo", "index", "pkg/prod"], delay) {
            killed += 1;
        }
        if let Some(n) = index_is_whole(&repo) {
            assert_eq!(n, 40, "a written index holds every archive");
        }
        let stray: Vec<String> = file_names(&repo)
            .into_iter()
            // Besides the index, only the records of what each archive's upgrade rules compare.
            .filter(|n| {
                n.ends_with(".yaml") && n != "index.yaml" && !n.starts_with(".kforge-compared-")
            })
            .collect();
        assert!(stray.is_empty(), "temporary files left visible: {stray:?}");
    }
    assert!(
        killed >= 30,
        "only {killed} of 120 runs were killed mid-way"
    );
}

/// One traced system call: `fsync` of a path, or a rename to a path (both as strace -y
/// prints them), with its time.
#[derive(Debug, PartialEq)]
enum Call {
    Sync(String),
    RenameTo(String),
}

/// Reads the per-thread files of `strace -ff -ttt -y -o PREFIX`: each thread's calls in
/// order, with their times (seconds since the epoch, as printed).
fn traced_calls(dir: &Path, prefix: &str) -> Vec<Vec<(f64, Call)>> {
    let mut threads = Vec::new();
    for name in file_names(dir) {
        if !name.starts_with(&format!("{prefix}.")) {
            continue;
        }
        let path = dir.join(&name);
        let mut calls = Vec::new();
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let Some((time, call)) = line.split_once(' ') else {
                continue;
            };
            let time: f64 = time.parse().unwrap_or_else(|_| panic!("{name}: {line}"));
            if !call.ends_with("= 0") {
                panic!("{name}: a sync or rename failed: {line}");
            }
            if let Some(rest) = call.strip_prefix("fsync(") {
                // fsync(4</tmp/x/dist/dev>) = 0
                let path = rest.split_once('<').unwrap().1.split_once(">)").unwrap().0;
                calls.push((time, Call::Sync(path.to_owned())));
            } else if call.starts_with("rename") {
                // renameat(AT_FDCWD</tmp/x>, "/tmp/x/dist/dev/.kforge-a", AT_FDCWD</tmp/x>, "dist/dev/index.yaml") = 0
                let to = call.rsplit('"').nth(1).unwrap();
                calls.push((time, Call::RenameTo(to.to_owned())));
            } else {
                panic!("{name}: unexpected line {line}");
            }
        }
        threads.push(calls);
    }
    threads
}

/// What makes a build survive a power loss, which no kill can show, read from the system
/// calls themselves. In each environment's folder: the archive's data is synced, it is
/// renamed into place, and the folder is synced, all before index.yaml is renamed (so an
/// index never names an archive whose name could still be lost); index.yaml's data is
/// synced before its rename and the folder after it. The new folders (`dist/`, and each
/// environment's in it) are made durable before anything is renamed into them.
#[cfg(target_os = "linux")]
#[test]
fn build_syncs_each_file_and_then_its_folder_after_every_rename() {
    let project = TempProject::reference();
    let root = project.path().canonicalize().unwrap();
    let traces = tempfile::tempdir().unwrap();
    let status = Command::new("strace")
        .args(["-f", "-ff", "-qq", "-ttt", "-y", "-e"])
        .arg("trace=fsync,fdatasync,rename,renameat,renameat2")
        .arg("-o")
        .arg(traces.path().join("t"))
        .arg(env!("CARGO_BIN_EXE_kforge"))
        .args(["build", "-d", "dist"])
        .current_dir(&root)
        .stdout(Stdio::null())
        .status()
        .expect("strace runs (.ci/install-oracles installs it)");
    assert!(status.success());
    let threads = traced_calls(traces.path(), "t");
    let dist = root.join("dist").display().to_string();
    let first_rename = threads
        .iter()
        .flatten()
        .filter(|(_, c)| matches!(c, Call::RenameTo(_)))
        .map(|(t, _)| *t)
        .fold(f64::INFINITY, f64::min);
    for folder in [root.display().to_string(), dist.clone()] {
        let synced = threads
            .iter()
            .flatten()
            .find(|(_, c)| *c == Call::Sync(folder.clone()))
            .unwrap_or_else(|| panic!("{folder}, where a folder was created, is never synced"));
        assert!(
            synced.0 <= first_rename,
            "{folder} is synced only after a rename"
        );
    }
    for env in ["dev", "prod", "staging"] {
        let folder = format!("{dist}/{env}");
        let archive = format!("dist/{env}/krakend-1.0.0.tgz");
        let calls = threads
            .iter()
            .find(|calls| {
                calls
                    .iter()
                    .any(|(_, c)| *c == Call::RenameTo(archive.clone()))
            })
            .unwrap_or_else(|| panic!("{archive} is never renamed into place"));
        // This environment's calls, in order, with the temporary files' names generalised.
        let seen: Vec<String> = calls
            .iter()
            .filter_map(|(_, c)| match c {
                Call::Sync(p) if *p == folder => Some("sync folder".to_owned()),
                Call::Sync(p) if p.starts_with(&format!("{folder}/.kforge-")) => {
                    Some("sync temporary file".to_owned())
                }
                Call::RenameTo(to) if to.starts_with(&format!("dist/{env}/")) => {
                    Some(format!("rename to {}", &to[format!("dist/{env}/").len()..]))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            seen,
            [
                "sync temporary file",
                "rename to krakend-1.0.0.tgz",
                "sync folder",
                // The record of what the upgrade rules compare: a cache, renamed into place
                // whole but not synced (a reader takes it only whole and for this archive).
                "rename to .kforge-compared-krakend-1.0.0.tgz.yaml",
                "sync temporary file",
                "rename to index.yaml",
                "sync folder",
            ],
            "{env}"
        );
    }
}
