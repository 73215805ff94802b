//! Security posture: no network access except `push`; TLS verified unless `--plain-http`;
//! kforge never starts a process (no shell, values are never executed).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{TempProject, repo_root};

/// Every command but push runs inside a network namespace with no interfaces at all.
#[test]
fn everything_but_push_works_without_a_network() {
    let p = TempProject::reference();
    let kforge = env!("CARGO_BIN_EXE_kforge");
    for args in [
        vec!["build"],
        vec!["check"],
        vec!["lint"],
        vec!["render", "-e", "prod"],
        vec!["repo", "index", "dist/prod"],
        vec!["diff", "dev", "prod"],
    ] {
        let out = Command::new("unshare")
            .args(["--net", "--"])
            .arg(kforge)
            .args(&args)
            .current_dir(p.path())
            .output()
            .expect("unshare (util-linux) as root");
        assert!(
            out.status.success(),
            "kforge {args:?} without a network: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // push does need it, and says so clearly.
    let out = Command::new("unshare")
        .args(["--net", "--"])
        .arg(kforge)
        .args([
            "push",
            "dist/prod/krakend-1.0.0.tgz",
            "oci://127.0.0.1:5000/charts",
        ])
        .current_dir(p.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreachable"));
}

/// A registry with a certificate nobody vouches for is refused; plain HTTP is only spoken when
/// asked for.
#[test]
fn tls_is_verified_and_plain_http_is_opt_in() {
    let p = TempProject::reference();
    p.kforge().args(["build"]).run().exit(0);
    let dir = tempfile::tempdir().unwrap();
    let (server, port) = self_signed_server(dir.path());
    let chart = "dist/prod/krakend-1.0.0.tgz";
    let target = format!("oci://127.0.0.1:{port}/charts");
    p.kforge()
        .args(["push", chart, &target])
        .run()
        .exit(2)
        .stderr_has("failed");
    let run = p.kforge().args(["push", chart, &target]).run();
    let text = run.stderr.to_lowercase();
    assert!(
        text.contains("certificate") || text.contains("tls") || text.contains("unknownissuer"),
        "the refusal should name the certificate: {}",
        run.stderr
    );
    drop(server);
}

/// A self-signed certificate for 127.0.0.1 made in `dir`, and an HTTPS server using it.
pub fn self_signed_server(dir: &Path) -> (ChildGuard, u16) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(ok.success());
    tls_server(&cert, &key)
}

/// A self-signed HTTPS server on 127.0.0.1 that answers every request with 404.
fn tls_server(cert: &Path, key: &Path) -> (ChildGuard, u16) {
    let script = r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self): self.send_response(404); self.end_headers()
    do_HEAD = do_POST = do_PUT = do_GET
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(cert)
        .arg(key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("server port");
    (ChildGuard(child), port)
}

/// A child process killed and reaped on drop.
pub struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// kforge never starts a process: no shell, no git binary, nothing a value could reach. The
/// source has no process-spawning call at all (git is read from `.git` directly).
#[test]
fn the_source_never_spawns_a_process() {
    let mut offenders = Vec::new();
    let mut stack = vec![repo_root().join("src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for needle in [
                "process::Command",
                "Command::new",
                "libc::exec",
                "nix::unistd::exec",
            ] {
                if text.contains(needle) {
                    offenders.push(format!("{}: {needle}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

// Issue 34 item 6: an object name holding terminal escapes was printed raw by `lint` (it could
// set the terminal's title or clear the screen). Everything printed that came from input goes
// through one escaping function (diag::printable).
#[test]
fn terminal_escapes_from_input_are_never_printed_raw() {
    let p = crate::support::TempProject::empty();
    let name = "web\u{1b}]0;pwned\u{7}\u{1b}[2J";
    p.write(
        "m.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"{}\"\ndata: {{a: b}}\n",
            name.replace('\u{1b}', "\\e").replace('\u{7}', "\\a")
        ),
    );
    for format in ["text", "github", "junit", "json", "sarif"] {
        let run = p
            .kforge()
            .args(["lint", "m.yaml", "--format", format])
            .run();
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}'),
            "{format}: {all:?}"
        );
        assert!(
            all.contains("pwned"),
            "{format}: the name is shown, escaped: {all}"
        );
    }
}
