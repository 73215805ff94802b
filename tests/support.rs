//! A small fluent runner for the kforge binary, and throwaway copies of the reference project.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root (the reference project).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One set of the conformance corpora kept in the repository (`tests/corpora/<set>/`, copied
/// from upstream test suites with their licences, see tests/corpora/README.md). A missing set
/// fails the test that needs it: conformance is never skipped.
pub fn corpus(set: &str) -> PathBuf {
    let dir = repo_root().join("tests/corpora").join(set);
    assert!(
        dir.join("LICENSE").is_file(),
        "the conformance corpus `{set}` is required at {} (see tests/corpora/README.md)",
        dir.display()
    );
    dir
}

/// A command line for the kforge binary.
pub struct Cli {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Cli {
    pub fn new() -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kforge"));
        cmd.current_dir(repo_root());
        for (k, _) in std::env::vars() {
            if k.starts_with("KFORGE_") {
                cmd.env_remove(k);
            }
        }
        Self { cmd, stdin: None }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn in_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, input: &str) -> Self {
        self.stdin = Some(input.as_bytes().to_vec());
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.cmd.env(k, v);
        self
    }

    pub fn run(mut self) -> Run {
        self.cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn kforge");
        if let Some(input) = self.stdin.take() {
            child.stdin.take().unwrap().write_all(&input).unwrap();
        }
        let out = child.wait_with_output().expect("wait for kforge");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The result of one run.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code (and that the process was not killed by a signal).
    #[track_caller]
    pub fn exit(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).expect("stdout is JSON")
    }
}

/// A temporary copy of the reference project's environments and config files (templates are
/// built in).
pub struct TempProject {
    pub dir: tempfile::TempDir,
}

impl TempProject {
    pub fn reference() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let envs = dir.path().join("environments");
        std::fs::create_dir(&envs).unwrap();
        for entry in std::fs::read_dir(repo_root().join("environments")).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, envs.join(p.file_name().unwrap())).unwrap();
        }
        // KrakenD's config set: config/krakend/krakend.json.
        let config = dir.path().join("config/krakend");
        std::fs::create_dir_all(&config).unwrap();
        for entry in std::fs::read_dir(repo_root().join("config/krakend")).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, config.join(p.file_name().unwrap())).unwrap();
        }
        Self { dir }
    }

    /// A temporary copy of `examples/<name>/` (its environments, templates and golden/).
    pub fn example(name: &str) -> Self {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let p = entry.unwrap().path();
                let target = to.join(p.file_name().unwrap());
                if p.is_dir() {
                    copy(&p, &target);
                } else {
                    std::fs::copy(&p, target).unwrap();
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let from = repo_root().join("examples").join(name);
        assert!(from.is_dir(), "{} is missing", from.display());
        copy(&from, dir.path());
        Self { dir }
    }

    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn append(&self, rel: &str, text: &str) -> &Self {
        let p = self.dir.path().join(rel);
        let mut old = std::fs::read_to_string(&p).unwrap();
        old.push_str(text);
        std::fs::write(p, old).unwrap();
        self
    }

    /// 1-based line number of the first line containing `needle` in `rel`.
    pub fn line_of(&self, rel: &str, needle: &str) -> usize {
        let text = std::fs::read_to_string(self.dir.path().join(rel)).unwrap();
        text.lines()
            .position(|l| l.contains(needle))
            .expect("needle in file")
            + 1
    }

    pub fn kforge(&self) -> Cli {
        Cli::new().in_dir(self.path())
    }
}

/// Runs a Python snippet with `input` on stdin and returns its stdout. Fails loudly when
/// python3 or the module it needs is missing (CI installs them; see .ci/run).
pub fn python(script: &str, input: &str) -> String {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed (see .ci/run)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python failed (is the module installed? see .ci/run):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// sha256 of a file as lowercase hex.
pub fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The names of the entries in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs the kforge binary in `dir` with `env` set, under an address-space limit of `as_bytes`
/// (prlimit) and `seconds` (timeout), so a runaway allocation or a hang fails the test instead
/// of the machine. A timeout is a test failure.
pub fn run_limited(
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    as_bytes: u64,
    seconds: u32,
) -> Run {
    let out = Command::new("prlimit")
        .arg(format!("--as={as_bytes}"))
        .args(["timeout", &seconds.to_string()])
        .arg(env!("CARGO_BIN_EXE_kforge"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("prlimit and timeout (util-linux, coreutils)");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_ne!(run.code, Some(124), "timed out: kforge {args:?}");
    run
}

/// The names of the entries of a chart archive.
pub fn archive_names(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
    tar.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect()
}

/// Findings of `kforge lint --format json ARGS` run in `dir`: (exit code, findings).
pub fn lint_json(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<serde_json::Value>) {
    let run = Cli::new()
        .in_dir(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .run();
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let findings = if run.stdout.trim().is_empty() {
        Vec::new()
    } else {
        run.json()["findings"].as_array().unwrap().clone()
    };
    (run.code, findings)
}

/// A server on 127.0.0.1 in a Python process running `script` with `args` (it binds port 0
/// and prints the port it got on its first line); stopped by pid when dropped.
pub struct PythonServer {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl PythonServer {
    pub fn start(script: &str, args: &[&str]) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the server prints its port");
        Self { child, port }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
