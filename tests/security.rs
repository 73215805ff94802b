//! Security posture: no network access except `push`; TLS verified unless `--plain-http`;
//! kforge never starts a process (no shell, values are never executed).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{PythonServer, TempProject, repo_root};

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

/// A registry on 127.0.0.1 in a Python process: `deny` answers every request with HTTP 401 and
/// a Basic challenge; `redirect PORT` answers every request with a 307 to the same path on
/// 127.0.0.1:PORT.
struct Registry;

impl Registry {
    fn start(args: &[&str]) -> PythonServer {
        let script = r#"
import http.server, sys
mode = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        if mode == "redirect":
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:" + sys.argv[2] + self.path)
            self.send_header("Content-Length", "0"); self.end_headers(); return
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="other"')
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = answer
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
        PythonServer::start(script, args)
    }
}

/// The same for reading a last release (`--previous oci://...`): the host that refused is
/// named, not the registry's answer as oci-client reports it (the URL first asked).
#[test]
fn a_redirect_targets_401_on_a_pull_names_the_host_that_answered() {
    let p = TempProject::reference();
    let other = Registry::start(&["deny"]);
    let first = Registry::start(&["redirect", &other.port.to_string()]);
    let (a, b) = (
        format!("127.0.0.1:{}", first.port),
        format!("127.0.0.1:{}", other.port),
    );
    p.kforge()
        .args([
            "check",
            "--previous",
            &format!("prod=oci://{a}/charts/krakend:1.0.0"),
            "--plain-http",
        ])
        .run()
        .exit(2)
        .stderr_has(&format!(
            "{b}, to which {a} redirected the request, refused it (HTTP 401 or 403)"
        ))
        .stderr_has(&format!("oci://{b}/charts/krakend"));
}

/// Issue 34, item 7: a registry that redirects the push to another host, which answers 401,
/// was reported as the first registry rejecting the user's credentials. The host that answered
/// is named, and why it saw no credentials (they are never forwarded across hosts).
#[test]
fn a_redirect_targets_401_names_the_host_that_answered() {
    let p = TempProject::reference();
    p.kforge().args(["build"]).run().exit(0);
    let other = Registry::start(&["deny"]);
    let first = Registry::start(&["redirect", &other.port.to_string()]);
    let (a, b) = (
        format!("127.0.0.1:{}", first.port),
        format!("127.0.0.1:{}", other.port),
    );
    let run = p
        .kforge()
        .args([
            "push",
            "dist/prod/krakend-1.0.0.tgz",
            &format!("oci://{a}/charts"),
            "--plain-http",
            "--username",
            "ci-bot",
            "--password-stdin",
        ])
        .stdin("pa55word\n")
        .run()
        .exit(2);
    assert!(
        run.stderr.contains(&format!(
            "{b}, to which {a} redirected the push, answered HTTP 401"
        )) && run.stderr.contains(&format!("oci://{b}/charts"))
            && !run.stderr.contains("rejected the credentials"),
        "{}",
        run.stderr
    );
    // The registry itself answering 401 is still the credentials rejected.
    p.kforge()
        .args([
            "push",
            "dist/prod/krakend-1.0.0.tgz",
            &format!("oci://{b}/charts"),
            "--plain-http",
            "--username",
            "ci-bot",
            "--password-stdin",
        ])
        .stdin("pa55word\n")
        .run()
        .exit(2)
        .stderr_has("the registry rejected the credentials of user `ci-bot`");
}

/// Issue 34, item 7: the `secret-data` finding quoted its source line, and a Secret in flow
/// style carries its values on that line. What follows `data:`/`stringData:` there is masked.
#[test]
fn the_secret_data_excerpt_masks_the_values() {
    let p = TempProject::empty();
    p.write(
        "s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: c2VjcmV0MTIz, b: \"eHl6eHl6\"}\n---\n{apiVersion: v1, kind: Secret, metadata: {name: t}, stringData: {password: hunter2}, type: Opaque}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"u\"}, \"data\": {\"p\": \"c2VjcmV0MTIz\"}, \"stringData\": {\"q\": \"hunter2\"}}\n",
    );
    let run = p.kforge().args(["lint", "s.yaml"]).run().exit(0);
    assert_eq!(
        run.stderr.matches("secret-data").count() + run.stdout.matches("secret-data").count(),
        4,
        "{}{}",
        run.stdout,
        run.stderr
    );
    let all = format!("{}{}", run.stdout, run.stderr);
    for secret in ["c2VjcmV0MTIz", "eHl6eHl6", "hunter2"] {
        assert!(!all.contains(secret), "{all}");
    }
    assert!(
        all.contains("4 | data: ***") && all.contains("stringData: ***"),
        "{all}"
    );
}
