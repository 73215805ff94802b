#!/usr/bin/env python3
"""Debian's docker-registry (distribution 2.8) as an oracle OCI registry, on 127.0.0.1 only
(`.ci/install-oracles` installs it with apt). Standard library only.

Usage (each prints exactly one JSON object on stdout and exits 0; on failure a message goes to
stderr and the exit code is 1):

    registry.py start DIR [--htpasswd USER:PASS]  {"pid": PID, "port": PORT}
        a detached registry storing under DIR/storage, logging to DIR/registry.log; with
        --htpasswd it demands HTTP basic auth (bcrypt htpasswd file, realm "kforge-test")
    registry.py stop PID                          {"ok": true}
    registry.py manifest PORT REPO TAG [--auth USER:PASS]
                                                  the OCI image manifest, as the registry serves it
    registry.py blob PORT REPO DIGEST OUTFILE [--auth USER:PASS]
                                                  {"ok": true, "size": N}   (raw bytes to OUTFILE)
    registry.py catalog PORT [--auth USER:PASS]   {"repositories": [...]}   (what is stored)
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

START_TIMEOUT = 20.0
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"

USAGE = __doc__.split("Usage", 1)[1]


class Failure(Exception):
    pass


def registry_binary() -> str:
    found = shutil.which("docker-registry")
    if found:
        return found
    if os.access("/usr/bin/docker-registry", os.X_OK):
        return "/usr/bin/docker-registry"
    raise Failure("docker-registry is not installed: run .ci/install-oracles")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(
    port: int,
    path: str,
    accept: str | None = None,
    timeout: float = 10.0,
    auth: str | None = None,
) -> bytes:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if accept:
        req.add_header("Accept", accept)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    # No proxy: the registry is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        raise Failure(f"GET {path} on 127.0.0.1:{port}: HTTP {e.code}: {body}") from e
    except (urllib.error.URLError, OSError) as e:
        raise Failure(f"GET {path} on 127.0.0.1:{port}: {e}") from e


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own unreaped child) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def ready(port: int) -> bool:
    """The registry answers /v2/ (200, or 401 when it demands credentials)."""
    try:
        get(port, "/v2/", timeout=1.0)
        return True
    except Failure as e:
        return isinstance(e.__cause__, urllib.error.HTTPError) and e.__cause__.code == 401


def start(directory: str, htpasswd: str | None = None) -> dict:
    binary = registry_binary()
    directory = os.path.abspath(directory)
    storage = os.path.join(directory, "storage")
    os.makedirs(storage, exist_ok=True)
    cfg = os.path.join(directory, "registry.yml")
    auth_cfg = ""
    if htpasswd is not None:
        import bcrypt  # pinned in .ci/requirements.txt

        user, sep, password = htpasswd.partition(":")
        if not sep or not user:
            raise Failure("--htpasswd takes USER:PASS")
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
        htpasswd_path = os.path.join(directory, "htpasswd")
        with open(htpasswd_path, "w") as f:
            f.write(f"{user}:{hashed}\n")
        auth_cfg = (
            "auth:\n  htpasswd:\n    realm: kforge-test\n"
            f"    path: {json.dumps(htpasswd_path)}\n"
        )
    log_path = os.path.join(directory, "registry.log")
    for _attempt in range(3):
        port = free_port()
        with open(cfg, "w") as f:
            f.write(
                "version: 0.1\n"
                "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {json.dumps(storage)}\n"
                f"http:\n  addr: 127.0.0.1:{port}\n" + auth_cfg
            )
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [binary, "serve", cfg],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if ready(port):
                return {"pid": proc.pid, "port": port}
            time.sleep(0.05)
        exited = proc.poll() is not None
        if not exited:
            stop(proc.pid)
        with open(log_path, errors="replace") as f:
            log_text = f.read()
        # Lost a race for the port: try another one.
        if exited and "address already in use" in log_text:
            continue
        raise Failure(
            f"docker-registry on 127.0.0.1:{port} "
            + (
                f"exited with {proc.returncode} before answering"
                if exited
                else f"did not answer within {START_TIMEOUT:.0f}s and was killed"
            )
            + f"; its log ({log_path}):\n{log_text}"
        )
    raise Failure("docker-registry could not get a free port after 3 attempts")


def stop(pid: int) -> dict:
    if pid <= 1:
        raise Failure(f"refusing to signal pid {pid}")
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return {"ok": True}
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    if alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return {"ok": True}


def manifest(port: int, repo: str, tag: str, auth: str | None = None) -> dict:
    return json.loads(
        get(port, f"/v2/{repo}/manifests/{tag}", accept=OCI_MANIFEST, auth=auth)
    )


def catalog(port: int, auth: str | None = None) -> dict:
    return json.loads(get(port, "/v2/_catalog", auth=auth))


def blob(port: int, repo: str, digest: str, outfile: str, auth: str | None = None) -> dict:
    data = get(port, f"/v2/{repo}/blobs/{digest}", timeout=60.0, auth=auth)
    with open(outfile, "wb") as f:
        f.write(data)
    return {"ok": True, "size": len(data)}


def main() -> int:
    argv = sys.argv[1:]
    # Options: --htpasswd (start) and --auth (reads), each taking USER:PASS.
    opts: dict[str, str] = {}
    for flag in ("--htpasswd", "--auth"):
        if flag in argv:
            i = argv.index(flag)
            if i + 1 >= len(argv):
                print(f"{flag} needs USER:PASS", file=sys.stderr)
                return 2
            opts[flag] = argv[i + 1]
            del argv[i : i + 2]
    auth = opts.get("--auth")
    commands = {
        "start": (1, lambda a: start(a[0], opts.get("--htpasswd"))),
        "stop": (1, lambda a: stop(int(a[0]))),
        "manifest": (3, lambda a: manifest(int(a[0]), a[1], a[2], auth)),
        "blob": (4, lambda a: blob(int(a[0]), a[1], a[2], a[3], auth)),
        "catalog": (1, lambda a: catalog(int(a[0]), auth)),
    }
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][0]:
        print("usage:" + USAGE, file=sys.stderr)
        return 2
    try:
        result = commands[argv[0]][1](argv[1:])
    except (Failure, ValueError) as e:
        print(f"registry.py {argv[0]}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
