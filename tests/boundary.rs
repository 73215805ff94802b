//! Hardening, round 3 (issue 34): the project boundary. Each test is one hole found by probing
//! kforge as a hostile repository or a careless user would, named after what broke: writes and
//! deletions through links out of the project (item 1), folder walks without end (item 4),
//! config sources that are not ConfigMap keys or are read without bound (item 7). Runs that
//! could hang or take the machine's memory run under a time and address-space limit.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use crate::support::{TempProject, run_limited};

/// Every file under `dir` (following no links) with its content: what a run must leave as it
/// was.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel, b"(folder)".to_vec());
                walk(root, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A folder outside the project holding something to lose: `dev/keep.txt`, `prod/keep.txt`.
fn victim() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for env in ["dev", "prod"] {
        std::fs::create_dir(dir.path().join(env)).unwrap();
        std::fs::write(dir.path().join(env).join("keep.txt"), "precious\n").unwrap();
    }
    dir
}

/// Item 1: with a committed `golden` link to a folder outside the checkout, `golden update`
/// deleted and rewrote `<target>/<env>/`. Refused now, naming the link and its target, with
/// the folder untouched; a `golden/<env>` link out is refused before any other environment is
/// written; a link that stays in the project is fine.
#[test]
fn golden_update_never_deletes_through_a_link_out_of_the_project() {
    let outside = victim();
    let before = snapshot(outside.path());
    let p = TempProject::reference();
    symlink(outside.path(), p.path().join("golden")).unwrap();
    let run = p.kforge().args(["golden", "update"]).run().exit(2);
    let target = std::fs::canonicalize(outside.path()).unwrap();
    assert!(
        run.stderr.contains(&format!(
            "golden is a symbolic link to {}, which is outside the project",
            target.display()
        )) && run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(
        snapshot(outside.path()),
        before,
        "the folder outside was changed"
    );

    // golden/ a folder, golden/prod a link out: golden/dev (first in order) is not written.
    std::fs::remove_file(p.path().join("golden")).unwrap();
    std::fs::create_dir(p.path().join("golden")).unwrap();
    symlink(outside.path().join("prod"), p.path().join("golden/prod")).unwrap();
    p.kforge()
        .args(["golden", "update"])
        .run()
        .exit(2)
        .stderr_has("golden/prod is a symbolic link to");
    assert_eq!(snapshot(outside.path()), before);
    assert!(!p.path().join("golden/dev").exists(), "half-written");

    // A link inside the project is fine.
    std::fs::remove_file(p.path().join("golden/prod")).unwrap();
    std::fs::remove_dir(p.path().join("golden")).unwrap();
    std::fs::create_dir_all(p.path().join("snapshots/golden")).unwrap();
    symlink("snapshots/golden", p.path().join("golden")).unwrap();
    p.kforge().args(["golden", "update"]).run().exit(0);
    assert!(p.path().join("snapshots/golden/prod").is_dir());
    p.kforge().args(["golden", "check"]).run().exit(0);
}

/// Item 1: `render --all-envs --output-dir out` replaced `<target>/<env>/` when `out` (or
/// `out/<env>`) was a link out of the project. A folder outside the project named on the
/// command line is written as asked.
#[test]
fn render_output_dir_links_out_of_the_project_are_refused() {
    let outside = victim();
    let before = snapshot(outside.path());
    let p = TempProject::reference();
    let render = ["render", "--all-envs", "--output-dir", "out"];
    symlink(outside.path(), p.path().join("out")).unwrap();
    p.kforge()
        .args(render)
        .run()
        .exit(2)
        .stderr_has("refusing to write out/dev: out is a symbolic link to");
    assert_eq!(snapshot(outside.path()), before);

    std::fs::remove_file(p.path().join("out")).unwrap();
    std::fs::create_dir(p.path().join("out")).unwrap();
    symlink(outside.path().join("prod"), p.path().join("out/prod")).unwrap();
    p.kforge()
        .args(render)
        .run()
        .exit(2)
        .stderr_has("out/prod is a symbolic link to");
    assert_eq!(snapshot(outside.path()), before);
    assert!(!p.path().join("out/dev").exists(), "half-written");

    // Named on the command line, the folder outside is the user's choice.
    let chosen = tempfile::tempdir().unwrap();
    let dir = chosen.path().display().to_string();
    p.kforge()
        .args(["render", "--all-envs", "--output-dir", &dir])
        .run()
        .exit(0);
    assert!(chosen.path().join("prod").is_dir());
    // ...but a link inside it that leads elsewhere is not.
    std::fs::remove_dir_all(chosen.path().join("staging")).unwrap();
    symlink(outside.path().join("dev"), chosen.path().join("staging")).unwrap();
    p.kforge()
        .args(["render", "--all-envs", "--output-dir", &dir])
        .run()
        .exit(2)
        .stderr_has("named on the command line");
    assert_eq!(snapshot(outside.path()), before);
}

/// Item 1: `build` wrote archives, index.yaml and the lock file through a `dist/<env>` link;
/// `repo index` created a lock file where a dangling lock link pointed.
#[test]
fn build_and_package_never_write_through_links_out_of_the_project() {
    let outside = victim();
    let before = snapshot(outside.path());
    let p = TempProject::reference();
    std::fs::create_dir(p.path().join("dist")).unwrap();
    symlink(outside.path().join("prod"), p.path().join("dist/prod")).unwrap();
    for cmd in [&["build"][..], &["package", "--all-envs"]] {
        p.kforge()
            .args(cmd)
            .run()
            .exit(2)
            .stderr_has("dist/prod is a symbolic link to");
        assert_eq!(snapshot(outside.path()), before, "{cmd:?}");
        assert!(!p.path().join("dist/dev").exists(), "{cmd:?}: half-written");
    }
    std::fs::remove_file(p.path().join("dist/prod")).unwrap();
    symlink(outside.path(), p.path().join("dist/prod")).unwrap();
    p.kforge().args(["build"]).run().exit(2);
    assert_eq!(snapshot(outside.path()), before);
    std::fs::remove_file(p.path().join("dist/prod")).unwrap();

    // A dangling lock link: opening the lock would create its target.
    p.kforge().args(["build", "-e", "dev"]).run().exit(0);
    let lock = p.path().join("dist/dev/.kforge-index.lock");
    std::fs::remove_file(&lock).unwrap();
    let planted = outside.path().join("planted");
    symlink(&planted, &lock).unwrap();
    for cmd in [&["repo", "index", "dist/dev"][..], &["build", "-e", "dev"]] {
        p.kforge()
            .args(cmd)
            .run()
            .exit(2)
            .stderr_has(".kforge-index.lock is a symbolic link to");
        assert!(!planted.exists(), "{cmd:?} created the lock's target");
    }

    // `-d` naming a folder outside the project writes there.
    let chosen = tempfile::tempdir().unwrap();
    p.kforge()
        .args(["build", "-d", &chosen.path().display().to_string()])
        .run()
        .exit(0);
    assert!(chosen.path().join("prod/index.yaml").is_file());
}

/// Item 1: `import -o out --force` with `out` a link out of the project moved the target's
/// files into the new project and removed the link.
#[test]
fn import_never_writes_through_a_link_out_of_the_project() {
    let outside = victim();
    let before = snapshot(outside.path());
    let p = TempProject::reference();
    let manifests = p
        .kforge()
        .args(["render", "-e", "dev"])
        .run()
        .exit(0)
        .stdout;
    p.write("dev.yaml", &manifests);
    symlink(outside.path(), p.path().join("out")).unwrap();
    p.kforge()
        .args(["import", "-o", "out", "--force", "dev=dev.yaml"])
        .run()
        .exit(2)
        .stderr_has("out is a symbolic link to");
    assert_eq!(snapshot(outside.path()), before);
    assert!(p.path().join("out").is_symlink());
}

/// Item 1, the same rule for `init DIR` in a folder that exists (a fresh clone): its
/// `.github` a link out of the project had the CI workflow written into the link's target.
#[test]
fn init_never_writes_through_a_link_out_of_the_project() {
    let outside = victim();
    let before = snapshot(outside.path());
    let p = TempProject::empty();
    std::fs::create_dir(p.path().join("svc")).unwrap();
    symlink(outside.path(), p.path().join("svc/.github")).unwrap();
    p.kforge()
        .args(["init", "svc"])
        .run()
        .exit(2)
        .stderr_has("svc/.github is a symbolic link to");
    assert_eq!(snapshot(outside.path()), before);
    assert!(!p.path().join("svc/environments").exists(), "half-written");
}

/// A folder `d` with a manifest and two links to itself: `x` and `y`.
fn folder_linked_to_itself(p: &TempProject) -> &Path {
    p.write(
        "d/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n",
    );
    symlink(".", p.path().join("d/x")).unwrap();
    symlink(".", p.path().join("d/y")).unwrap();
    p.path()
}

/// Item 4: a folder with two links to itself (`ln -s . x; ln -s . y`) hung lint and import with
/// growing memory (the 64-level depth guard allowed 2^40 paths). Each folder is now walked
/// once: one object, linted once.
#[test]
fn a_folder_with_links_to_itself_is_walked_once() {
    let p = TempProject::empty();
    let dir = folder_linked_to_itself(&p);
    let lint = run_limited(dir, &["lint", "d", "--format", "json"], &[], 2 << 30, 60);
    assert!(
        lint.code == Some(0) || lint.code == Some(1),
        "{}",
        lint.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
    assert_eq!(report["objects"], 1, "{}", lint.stdout);
    run_limited(
        dir,
        &["import", "-o", "imported", "dev=d"],
        &[],
        2 << 30,
        120,
    )
    .exit(0);
    assert!(dir.join("imported/environments/dev.yaml").is_file());
}

/// Item 4: a FIFO named `b.yaml` in an input folder blocked lint and import forever; it is
/// skipped with a warning naming it, never opened.
#[test]
fn a_fifo_in_an_input_folder_is_skipped_with_a_warning() {
    let p = TempProject::empty();
    let dir = folder_linked_to_itself(&p);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("d/b.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let warning = "d/b.yaml is a FIFO (named pipe), not a regular file: skipped";
    let lint = run_limited(dir, &["lint", "d"], &[], 2 << 30, 60);
    assert!(
        lint.code == Some(0) || lint.code == Some(1),
        "{}",
        lint.stderr
    );
    assert!(lint.stderr.contains(warning), "{}", lint.stderr);
    let import = run_limited(
        dir,
        &["import", "-o", "imported", "dev=d"],
        &[],
        2 << 30,
        120,
    );
    assert!(import.stderr.contains(warning), "{}", import.stderr);
    import.exit(0);
    // As a folder of CRDs too (`--crd`).
    let crd = run_limited(dir, &["lint", "--crd", "d", "d/app.yaml"], &[], 2 << 30, 60);
    assert!(crd.stderr.contains(warning), "{}", crd.stderr);
}

/// Item 4: a walk looks at a bounded number of names (docs/limits.md): past it, an error
/// naming the folder and the bound, not a walk of the whole disk.
#[test]
fn a_folder_walk_past_its_bound_stops_with_an_error() {
    // In memory where there is a tmpfs: 100,001 files take 5 s there, 30 s on a busy disk.
    let p = tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempfile::tempdir().unwrap());
    let big = p.path().join("big");
    std::fs::create_dir(&big).unwrap();
    for i in 0..=kforge::fs::walk::MAX_WALK_ENTRIES {
        std::fs::File::create(big.join(format!("f{i}"))).unwrap();
    }
    let run = run_limited(p.path(), &["lint", "big"], &[], 2 << 30, 60).exit(2);
    let expected = format!(
        "big: more than {} files and folders under it",
        kforge::fs::walk::MAX_WALK_ENTRIES
    );
    assert!(
        run.stdout.contains(&expected) || run.stderr.contains(&expected),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

/// Item 7: config file names that are not ConfigMap keys (`a b`, a newline) passed `check` and
/// `build`, and the API server refused the ConfigMap at deploy. Refused at render, naming the
/// file (control characters escaped).
#[test]
fn config_file_names_that_are_not_configmap_keys_are_refused() {
    for (name, shown) in [
        ("a b.conf", "config/krakend/a b.conf"),
        ("a\nb", "config/krakend/a\\nb"),
    ] {
        let p = TempProject::reference();
        p.write(&format!("config/krakend/{name}"), "x\n");
        for cmd in [&["render", "-e", "dev"][..], &["check"], &["build"]] {
            p.kforge()
                .args(cmd)
                .run()
                .exit(2)
                .stderr_has(&format!("{shown}: its name is not a valid ConfigMap key"));
        }
        assert!(!p.path().join("dist").exists());
    }
    // Every character Kubernetes allows is kept.
    let p = TempProject::reference();
    p.write("config/krakend/A-z_0.9", "x\n");
    p.kforge().args(["render", "-e", "dev"]).run().exit(0);
}

/// Item 7: config sources had no total bound (150 sparse 31 MiB files read 1.75 GB before
/// failing). Their sizes are added before any is read: a set past its bound, or all sets past
/// theirs, fail at once, in little memory.
#[test]
fn config_sources_are_bounded_before_they_are_read() {
    use kforge::render::{MAX_CONFIG_SET_SOURCE_BYTES, MAX_CONFIG_SOURCE_BYTES};
    let sparse = |p: &TempProject, rel: &str, len: u64| {
        let path = p.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::File::create(path).unwrap().set_len(len).unwrap();
    };
    let p = TempProject::reference();
    for i in 0..150 {
        sparse(&p, &format!("config/big/f{i}.txt"), 31 << 20);
    }
    let run = run_limited(p.path(), &["render", "-e", "dev"], &[], 512 << 20, 60).exit(2);
    assert!(
        run.stderr.contains(&format!(
            "the files of config/big/ add up to more than {MAX_CONFIG_SET_SOURCE_BYTES} bytes"
        )) && run.stderr.contains("nothing was read"),
        "{}",
        run.stderr
    );
    // Sets each within their bound, together past the total.
    let p = TempProject::reference();
    let each = MAX_CONFIG_SET_SOURCE_BYTES - 1;
    for i in 0..=MAX_CONFIG_SOURCE_BYTES / each {
        sparse(&p, &format!("config/s{i}/f.txt"), each);
    }
    let run = run_limited(p.path(), &["build"], &[], 512 << 20, 60).exit(2);
    assert!(
        run.stderr.contains(&format!(
            "the files of config/ add up to more than {MAX_CONFIG_SOURCE_BYTES} bytes"
        )),
        "{}",
        run.stderr
    );
}
