#!/usr/bin/env python3
"""Debian's docker-registry (distribution 2.8) as an oracle OCI registry, on 127.0.0.1 only
(see ../shared/ORACLES.md; `.ci/install-oracles` installs it). Standard library only.

Usage (each prints exactly one JSON object on stdout and exits 0; on failure a message goes to
stderr and the exit code is 1):

    registry.py start DIR                       {"pid": PID, "port": PORT}
        a detached registry storing under DIR/storage, logging to DIR/registry.log
    registry.py stop PID                        {"ok": true}
    registry.py manifest PORT REPO TAG          the OCI image manifest, as the registry serves it
    registry.py blob PORT REPO DIGEST OUTFILE   {"ok": true, "size": N}   (raw bytes to OUTFILE)
"""

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


def get(port: int, path: str, accept: str | None = None, timeout: float = 10.0) -> bytes:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if accept:
        req.add_header("Accept", accept)
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


def start(directory: str) -> dict:
    binary = registry_binary()
    directory = os.path.abspath(directory)
    storage = os.path.join(directory, "storage")
    os.makedirs(storage, exist_ok=True)
    cfg = os.path.join(directory, "registry.yml")
    log_path = os.path.join(directory, "registry.log")
    for _attempt in range(3):
        port = free_port()
        with open(cfg, "w") as f:
            f.write(
                "version: 0.1\n"
                "log:\n  level: error\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {json.dumps(storage)}\n"
                f"http:\n  addr: 127.0.0.1:{port}\n"
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
            try:
                get(port, "/v2/", timeout=1.0)
                return {"pid": proc.pid, "port": port}
            except Failure:
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


def manifest(port: int, repo: str, tag: str) -> dict:
    return json.loads(get(port, f"/v2/{repo}/manifests/{tag}", accept=OCI_MANIFEST))


def blob(port: int, repo: str, digest: str, outfile: str) -> dict:
    data = get(port, f"/v2/{repo}/blobs/{digest}", timeout=60.0)
    with open(outfile, "wb") as f:
        f.write(data)
    return {"ok": True, "size": len(data)}


def main() -> int:
    argv = sys.argv[1:]
    commands = {
        "start": (1, lambda a: start(a[0])),
        "stop": (1, lambda a: stop(int(a[0]))),
        "manifest": (3, lambda a: manifest(int(a[0]), a[1], a[2])),
        "blob": (4, lambda a: blob(int(a[0]), a[1], a[2], a[3])),
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
