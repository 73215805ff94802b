//! `kforge build` and `kforge repo index`: immutable versions, no churn, locking, and Helm's
//! rules for hostile archives (tests/corpora/helm/EXPECTATIONS-illegal-archive-paths.tsv).

use std::path::Path;

use crate::support::{TempProject, corpus, file_names, python};

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Writes a gzip tar with the given (name, body) members, exactly as named.
fn hostile_archive(path: &Path, members: &[(&str, &str)]) {
    let script = r#"
import sys, tarfile, io, json
spec = json.loads(sys.stdin.read())
with tarfile.open(spec["path"], "w:gz", format=tarfile.GNU_FORMAT) as t:
    for name, body in spec["members"]:
        data = body.encode()
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o755
        t.addfile(info, io.BytesIO(data))
"#;
    let spec = serde_json::json!({"path": path, "members": members});
    python(script, &spec.to_string());
}

#[test]
fn build_is_idempotent_and_keeps_created() {
    let p = TempProject::reference();
    let first = p.kforge().args(["build"]).run().exit(0);
    for env in ["dev", "staging", "prod"] {
        first
            .stdout
            .lines()
            .find(|l| l.starts_with(env))
            .expect("one line per env");
    }
    let index = read(&p.path().join("dist/prod/index.yaml"));
    let text = String::from_utf8(index.clone()).unwrap();
    assert!(
        text.starts_with("apiVersion: v1\nentries:\n  krakend:\n"),
        "{text}"
    );
    let digest = crate::support::sha256_file(&p.path().join("dist/prod/krakend-1.0.0.tgz"));
    // Quoted only when YAML 1.1 would read the hex as a number (the digest depends on the
    // project's content).
    assert!(
        text.contains(&format!("digest: \"{digest}\"\n"))
            || text.contains(&format!("digest: {digest}\n")),
        "{text}"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.kforge()
        .args(["build"])
        .run()
        .exit(0)
        .stdout_has("(unchanged)");
    assert_eq!(
        read(&p.path().join("dist/prod/index.yaml")),
        index,
        "index churned"
    );
}

#[test]
fn changed_content_under_a_published_version_is_refused() {
    let p = TempProject::reference();
    p.kforge().args(["build", "-e", "dev"]).run().exit(0);
    let archive = p.path().join("dist/dev/krakend-1.0.0.tgz");
    let (before_tgz, before_index) = (read(&archive), read(&p.path().join("dist/dev/index.yaml")));
    // On CI (CI=true) every version in dist/ is published, a local build's too
    // (tests/extend.rs has the local loop).
    p.kforge()
        .args(["build", "-e", "dev", "--set", "replicaCount=7"])
        .env("CI", "true")
        .run()
        .exit(2)
        .stderr_has("version 1.0.0 is already in dist/dev/index.yaml:")
        .stderr_has("published versions are immutable: bump chart.version");
    assert_eq!(read(&archive), before_tgz, "archive was replaced");
    assert_eq!(read(&p.path().join("dist/dev/index.yaml")), before_index);
    // `package` refuses too, since the folder is indexed.
    p.kforge()
        .args(["package", "-e", "dev", "--set", "replicaCount=7"])
        .env("CI", "true")
        .run()
        .exit(2)
        .stderr_has("immutable");
    // Off CI the version is a local build, which `build` may replace, index entry and all.
    // `package` writes no index: it replaced the archive and left the entry recording the old
    // digest, so `repo index` then refused the folder. It refuses instead, and the folder stays
    // whole.
    p.kforge()
        .args(["package", "-e", "dev", "--set", "replicaCount=7"])
        .env("CI", "")
        .run()
        .exit(2)
        .stderr_has("is already in dist/dev/index.yaml:");
    assert_eq!(
        read(&archive),
        before_tgz,
        "package replaced an indexed archive"
    );
    p.kforge().args(["repo", "index", "dist/dev"]).run().exit(0);
    // A new version is fine, and the old entry keeps its created time.
    p.kforge()
        .args([
            "build",
            "-e",
            "dev",
            "--set",
            "replicaCount=7",
            "--version",
            "1.0.1",
        ])
        .run()
        .exit(0);
    let text = String::from_utf8(read(&p.path().join("dist/dev/index.yaml"))).unwrap();
    let v101 = text.find("version: \"1.0.1\"").unwrap();
    let v100 = text.find("version: \"1.0.0\"").unwrap();
    assert!(v101 < v100, "newest first:\n{text}");
    let old_created = String::from_utf8(before_index).unwrap();
    let created = old_created
        .lines()
        .find(|l| l.contains("created:"))
        .unwrap();
    assert!(text.contains(created), "created changed:\n{text}");
}

#[test]
fn repo_index_hashes_only_new_archives_and_drops_missing_ones() {
    let p = TempProject::reference();
    p.kforge().args(["build", "-e", "dev"]).run().exit(0);
    p.kforge()
        .args(["package", "-e", "dev", "--version", "2.0.0", "-d", "more"])
        .run()
        .exit(0);
    let repo = p.path().join("dist/dev");
    std::fs::copy(
        p.path().join("more/dev/krakend-2.0.0.tgz"),
        repo.join("krakend-2.0.0.tgz"),
    )
    .unwrap();
    // The already-indexed archive is not hashed again while unchanged; a changed one is, and
    // refused if its digest moved (tests/hardening.rs, issue 26 item 7).
    p.kforge()
        .args([
            "repo",
            "index",
            "dist/dev",
            "--url",
            "https://charts.example.com/dev",
        ])
        .run()
        .exit(0)
        .stderr_has("added krakend-2.0.0.tgz")
        .stderr_has("2 entries (1 added, 1 already indexed, 0 removed)");
    let text = String::from_utf8(read(&repo.join("index.yaml"))).unwrap();
    assert!(
        text.contains("- https://charts.example.com/dev/krakend-2.0.0.tgz"),
        "{text}"
    );
    assert!(
        text.contains("- https://charts.example.com/dev/krakend-1.0.0.tgz"),
        "{text}"
    );
    std::fs::remove_file(repo.join("krakend-1.0.0.tgz")).unwrap();
    p.kforge()
        .args(["repo", "index", "dist/dev"])
        .run()
        .exit(0)
        .stderr_has("removed krakend 1.0.0");
}

#[test]
fn merge_keeps_published_entries_immutable() {
    let p = TempProject::reference();
    p.kforge().args(["build", "-e", "dev"]).run().exit(0);
    std::fs::copy(
        p.path().join("dist/dev/index.yaml"),
        p.path().join("published.yaml"),
    )
    .unwrap();
    // A fresh folder with different content under the published version.
    p.kforge()
        .args([
            "package",
            "-e",
            "dev",
            "--set",
            "replicaCount=3",
            "-d",
            "fresh",
        ])
        .run()
        .exit(0);
    p.kforge()
        .args(["repo", "index", "fresh/dev", "--merge", "published.yaml"])
        .run()
        .exit(2)
        .stderr_has("published.yaml:")
        .stderr_has("immutable");
    assert!(!p.path().join("fresh/dev/index.yaml").exists());
    p.kforge()
        .args([
            "package",
            "-e",
            "dev",
            "--set",
            "replicaCount=3",
            "--version",
            "1.1.0",
            "-d",
            "next",
        ])
        .run()
        .exit(0);
    p.kforge()
        .args(["repo", "index", "next/dev", "--merge", "published.yaml"])
        .run()
        .exit(0)
        .stderr_has("2 entries (1 added");
}

#[test]
fn corrupt_empty_and_foreign_files_are_reported_by_name() {
    let p = TempProject::empty();
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::fs::write(
        repo.join("index.yaml"),
        "apiVersion: v1\nentries: {}\ngenerated: x\n",
    )
    .unwrap();
    std::fs::write(repo.join("empty-1.0.0.tgz"), b"").unwrap();
    std::fs::write(repo.join("junk-1.0.0.tgz"), b"\x1f\x8b\x08garbage").unwrap();
    let run = p.kforge().args(["repo", "index", "repo"]).run().exit(2);
    let run = run
        .stderr_has("empty-1.0.0.tgz")
        .stderr_has("the file is empty");
    run.stderr_has("junk-1.0.0.tgz")
        .stderr_has("corrupt chart archive");
    assert_eq!(
        read(&repo.join("index.yaml")),
        b"apiVersion: v1\nentries: {}\ngenerated: x\n",
        "index.yaml changed"
    );
    std::fs::write(
        repo.join("index.yaml"),
        "apiVersion: v1\nentries:\n  a:\n    - urls: [a.tgz]\n",
    )
    .unwrap();
    p.kforge()
        .args(["repo", "index", "repo"])
        .run()
        .exit(2)
        .stderr_has("repo/index.yaml:4:")
        .stderr_has("no `version`");
}

#[test]
fn helm_illegal_archive_paths_are_refused() {
    let tsv = corpus("helm").join("EXPECTATIONS-illegal-archive-paths.tsv");
    let text = std::fs::read_to_string(&tsv)
        .unwrap_or_else(|e| panic!("the corpora are required ({}): {e}", tsv.display()));
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (archive, member, expected) = (cols[0], cols[2], cols[3]);
        let expected = expected
            .strip_prefix("EXACT: ")
            .map_or(expected, |e| e.split("   ").next().unwrap().trim());
        let p = TempProject::empty();
        let repo = p.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        hostile_archive(&repo.join(archive), &[(member, "hello: world")]);
        p.kforge()
            .args(["repo", "index", "repo"])
            .run()
            .exit(2)
            .stderr_has(archive)
            .stderr_has(expected);
        assert!(
            !repo.join("index.yaml").exists(),
            "{archive}: index written"
        );
        cases += 1;
    }
    assert_eq!(cases, 18, "every case of the corpus ran");
}

#[test]
fn links_and_oversized_entries_are_refused() {
    let p = TempProject::empty();
    let repo = p.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let script = r#"
import sys, tarfile, io
path = sys.stdin.read().strip()
with tarfile.open(path + "/link-1.0.0.tgz", "w:gz") as t:
    info = tarfile.TarInfo("link/Chart.yaml"); info.type = tarfile.SYMTYPE; info.linkname = "/etc/passwd"
    t.addfile(info)
with tarfile.open(path + "/big-1.0.0.tgz", "w:gz") as t:
    data = b"a" * (5 * 1024 * 1024 + 1)
    info = tarfile.TarInfo("big/templates/x.yaml"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
"#;
    python(script, &repo.display().to_string());
    p.kforge()
        .args(["repo", "index", "repo"])
        .run()
        .exit(2)
        .stderr_has("link-1.0.0.tgz")
        .stderr_has("is a link or special file")
        .stderr_has("big-1.0.0.tgz")
        .stderr_has("larger than the maximum file size");
}

/// A symlink, a FIFO and a socket named like archives (in the folder and one level down)
/// are refused by name without being followed or waited on; the real archive beside them is
/// fine, and no index is written.
#[cfg(unix)]
#[test]
fn links_and_special_files_named_as_archives_are_refused() {
    let p = TempProject::empty();
    let repo = p.path().join("repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    hostile_archive(
        &repo.join("ok-1.0.0.tgz"),
        &[(
            "ok/Chart.yaml",
            "apiVersion: v2\nname: ok\nversion: 1.0.0\n",
        )],
    );
    std::os::unix::fs::symlink("ok-1.0.0.tgz", repo.join("link-1.0.0.tgz")).unwrap();
    std::os::unix::fs::symlink("../ok-1.0.0.tgz", repo.join("sub/deep-1.0.0.tgz")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(repo.join("fifo-1.0.0.tgz"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let _socket = std::os::unix::net::UnixListener::bind(repo.join("sock-1.0.0.tgz")).unwrap();
    let mut run = p.kforge().args(["repo", "index", "repo"]).run().exit(2);
    for name in ["link", "sub/deep", "fifo", "sock"] {
        run = run.stderr_has(&format!("repo/{name}-1.0.0.tgz: not a regular file"));
    }
    assert!(!run.stderr.contains("repo/ok-1.0.0.tgz:"), "{}", run.stderr);
    assert!(!repo.join("index.yaml").exists(), "index written");
    std::fs::remove_file(repo.join("sock-1.0.0.tgz")).unwrap();
    for name in ["link", "sub/deep", "fifo"] {
        std::fs::remove_file(repo.join(format!("{name}-1.0.0.tgz"))).unwrap();
    }
    p.kforge()
        .args(["repo", "index", "repo"])
        .run()
        .exit(0)
        .stderr_has("1 entries (1 added");
}

#[test]
fn concurrent_builds_into_one_repository_lose_nothing() {
    let p = TempProject::reference();
    // 1500 archives already in the folder make each index update long enough that
    // unserialised writers would overlap.
    let script = r#"
import sys, tarfile, io, os
d = sys.stdin.read().strip()
os.makedirs(d)
for i in range(1500):
    with tarfile.open(f"{d}/other-0.0.{i}.tgz", "w:gz") as t:
        data = f"apiVersion: v2\nname: other\nversion: 0.0.{i}\n".encode()
        info = tarfile.TarInfo("other/Chart.yaml"); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
"#;
    python(script, &p.path().join("shared/dev").display().to_string());
    build_concurrently(p.path(), &["-e", "dev", "-d", "shared"], "1.0", 8);
    let text = String::from_utf8(read(&p.path().join("shared/dev/index.yaml"))).unwrap();
    assert_eq!(text.matches("- other-0.0.").count(), 1500);
    for i in 0..8 {
        assert_eq!(
            text.matches(&format!("version: \"1.0.{i}\"")).count(),
            1,
            "1.0.{i} lost or duplicated:\n{text}"
        );
    }
}

/// Waits for `child` at most `secs` seconds (a hang is a failure, not a stuck test run).
fn wait_or_kill(mut child: std::process::Child, secs: u64, what: &str) -> std::process::Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running after {secs} s (deadlocked?)");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `n` builds at once with `args`, versions `{prefix}.0` to `{prefix}.{n-1}`; each must
/// succeed within 300 s.
fn build_concurrently(dir: &Path, args: &[&str], prefix: &str, n: usize) {
    let children: Vec<_> = (0..n)
        .map(|i| {
            let version = format!("{prefix}.{i}");
            let mut all = args.to_vec();
            all.extend(["--version", &version]);
            spawn_build(dir, &all)
        })
        .collect();
    for c in children {
        let out = wait_or_kill(c, 300, "concurrent build");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn spawn_build(dir: &Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_kforge"))
        .current_dir(dir)
        .arg("build")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each environment's folder has its own lock: one another writer holds holds up only that
/// environment; the others are stored meanwhile, and it is stored once the lock is released.
#[test]
fn a_build_stores_the_other_folders_while_one_is_locked_then_waits_for_it() {
    let p = TempProject::reference();
    let dev = p.path().join("dist/dev");
    std::fs::create_dir_all(&dev).unwrap();
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dev.join(".kforge-index.lock"))
        .unwrap();
    lock.lock().unwrap();
    let child = spawn_build(p.path(), &[]);
    let stored = |env: &str| p.path().join(format!("dist/{env}/index.yaml")).exists();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !(stored("staging") && stored("prod")) {
        assert!(
            std::time::Instant::now() < deadline,
            "staging and prod not stored while dev was locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !stored("dev"),
        "dev written while another writer held its lock"
    );
    drop(lock);
    let out = wait_or_kill(child, 120, "build waiting for dev's lock");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stored("dev"));
    assert!(dev.join("krakend-1.0.0.tgz").exists());
    let leftovers: Vec<_> = file_names(&dev)
        .into_iter()
        .filter(|n| {
            n.starts_with(".kforge-")
                && n != ".kforge-index.lock"
                && n != ".kforge-local-builds"
                && !n.starts_with(".kforge-compared-")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// Concurrent builds of every environment into one repository: none may wait on another's
/// lock while holding one (a deadlock), nor lose another's entries.
#[test]
fn concurrent_builds_of_every_environment_neither_deadlock_nor_lose_entries() {
    let p = TempProject::reference();
    build_concurrently(p.path(), &["-d", "shared"], "2.0", 6);
    for env in ["dev", "staging", "prod"] {
        let text =
            String::from_utf8(read(&p.path().join(format!("shared/{env}/index.yaml")))).unwrap();
        for i in 0..6 {
            assert_eq!(
                text.matches(&format!("version: \"2.0.{i}\"")).count(),
                1,
                "{env}: 2.0.{i} lost or duplicated:\n{text}"
            );
            assert!(
                p.path()
                    .join(format!("shared/{env}/krakend-2.0.{i}.tgz"))
                    .exists()
            );
        }
    }
}
