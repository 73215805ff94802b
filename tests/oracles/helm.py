#!/usr/bin/env python3
"""Real Helm 4 as an oracle: drives the helm-sdkpy shared library (Go Helm compiled to a C
library, shipped inside the PyPI wheel helm-sdkpy) through ctypes. `.ci/install-oracles` puts the library at
target/oracles/helm/libhelm_sdkpy.so; KFORGE_HELM_LIB overrides that path.

Usage (each prints exactly one JSON object on stdout and exits 0; on failure Helm's error goes
to stderr and the exit code is 1):

    helm.py lint PATH...                 {"results": [{"path": P, "messages": [{"severity": N, "path": S}]}]}
    helm.py show-chart TGZ               {"yaml": "<Chart.yaml as Helm shows it>"}
    helm.py show-values TGZ              {"yaml": "<values.yaml as Helm shows it>"}
    helm.py package CHART_DIR DEST_DIR   {"path": "<the .tgz helm package wrote>"}
    helm.py push TGZ oci://HOST:PORT/P   {"ok": true}          (plain HTTP)
    helm.py repo-add-update NAME URL     {"ok": true}          (helm repo add + helm repo update)
    helm.py version                      {"version": "...", "number": N}
    helm.py template NAME CHART [VALUES_JSON]
                                         {"ok": true, "manifest": "...", "config": {...}} or
                                         {"ok": false, "error": "<Helm's error>"}
        `helm install NAME CHART` with VALUES_JSON as its values (`--set`/`-f`), into
        fake_apiserver.py's stand-in API server started on a free port in this process (the
        library has no client-only dry run): what `helm template` and `helm install` render,
        or the error they print, such as a values schema's refusal (exit 0 either way).

Every run gets a fresh, empty Helm home (HOME, HELM_*_HOME) in a temp dir, removed on exit, so
runs never see each other's repositories, caches or registry logins.
"""

import ctypes
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LIB = ROOT / "target" / "oracles" / "helm" / "libhelm_sdkpy.so"

USAGE = __doc__.split("Usage", 1)[1].split("Every run", 1)[0]


class HelmFailure(Exception):
    pass


def fresh_helm_home() -> str:
    """A throwaway HOME with an empty repositories.yaml; must run before the library loads
    (the Go runtime copies the environment when it starts)."""
    home = tempfile.mkdtemp(prefix="kforge-helm-home-")
    config = os.path.join(home, ".config", "helm")
    env = {
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "HELM_CONFIG_HOME": config,
        "HELM_CACHE_HOME": os.path.join(home, ".cache", "helm"),
        "HELM_DATA_HOME": os.path.join(home, ".local", "share", "helm"),
        "HELM_REPOSITORY_CONFIG": os.path.join(config, "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": os.path.join(home, ".cache", "helm", "repository"),
        "HELM_REGISTRY_CONFIG": os.path.join(config, "registry", "config.json"),
        "KUBECONFIG": os.path.join(home, ".kube", "config"),
        "DOCKER_CONFIG": os.path.join(home, ".docker"),
    }
    for d in (config, env["HELM_CACHE_HOME"], env["HELM_DATA_HOME"], env["HELM_REPOSITORY_CACHE"]):
        os.makedirs(d, exist_ok=True)
    with open(env["HELM_REPOSITORY_CONFIG"], "w") as f:
        f.write('apiVersion: ""\ngenerated: "0001-01-01T00:00:00Z"\nrepositories: []\n')
    for k in ("HELM_DEBUG", "HELM_NAMESPACE", "HELM_KUBECONTEXT", "HELM_PLUGINS"):
        os.environ.pop(k, None)
    os.environ.update(env)
    return home


class Captured:
    """Collects what the library writes to fd 1 and 2 (Go's log goes straight to fd 2) during one
    call, then passes it on to stderr; `text` keeps it for inspection."""

    def __enter__(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.file = tempfile.TemporaryFile()
        self.saved = (os.dup(1), os.dup(2))
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        for fd in self.saved:
            os.close(fd)
        self.file.seek(0)
        raw = self.file.read()
        self.file.close()
        self.text = raw.decode("utf-8", "replace")
        if raw:
            os.write(2, raw)
        return False


class Helm:
    def __init__(self, lib_path: str, options: dict):
        if not os.path.isfile(lib_path):
            raise HelmFailure(f"{lib_path} is missing: run .ci/install-oracles")
        lib = ctypes.CDLL(lib_path)
        H = ctypes.c_ulonglong
        s = ctypes.c_char_p
        out = ctypes.POINTER(ctypes.c_void_p)
        sigs = {
            "helm_sdkpy_last_error": ([], ctypes.c_void_p),
            "helm_sdkpy_free": ([ctypes.c_void_p], None),
            "helm_sdkpy_version_string": ([], ctypes.c_void_p),
            "helm_sdkpy_version_number": ([], ctypes.c_int),
            "helm_sdkpy_config_create": ([s, s, s, s, ctypes.POINTER(H)], ctypes.c_int),
            "helm_sdkpy_config_destroy": ([H], None),
            "helm_sdkpy_lint": ([H, s, out], ctypes.c_int),
            "helm_sdkpy_show_chart": ([H, s, out], ctypes.c_int),
            "helm_sdkpy_show_values": ([H, s, out], ctypes.c_int),
            "helm_sdkpy_package": ([H, s, s, out], ctypes.c_int),
            "helm_sdkpy_push": ([H, s, s, s], ctypes.c_int),
            "helm_sdkpy_repo_add": ([H, s, s, s, s, s], ctypes.c_int),
            "helm_sdkpy_repo_update": ([H, s], ctypes.c_int),
        }
        for name, (args, res) in sigs.items():
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = res
        self.lib = lib
        handle = H(0)
        self._check(
            "config_create",
            lib.helm_sdkpy_config_create(
                b"default", b"", b"", json.dumps(options).encode(), ctypes.byref(handle)
            ),
        )
        self.handle = handle

    def close(self):
        self.lib.helm_sdkpy_config_destroy(self.handle)

    def _check(self, what: str, rc: int):
        if rc != 0:
            # The message lives in the calling thread's slot and belongs to the library: copy it
            # at once, never free it.
            ptr = self.lib.helm_sdkpy_last_error()
            msg = ctypes.string_at(ptr).decode("utf-8", "replace") if ptr else "unknown error"
            raise HelmFailure(f"helm {what} failed (code {rc}): {msg}")

    def _take(self, ptr: ctypes.c_void_p) -> str:
        """A string the library returned through an out-parameter: copied, then freed."""
        if not ptr.value:
            return ""
        try:
            return ctypes.string_at(ptr.value).decode("utf-8")
        finally:
            self.lib.helm_sdkpy_free(ptr.value)

    def _call_out(self, name: str, *args) -> str:
        res = ctypes.c_void_p(None)
        fn = getattr(self.lib, "helm_sdkpy_" + name)
        self._check(name.replace("_", " "), fn(self.handle, *args, ctypes.byref(res)))
        return self._take(res)

    def version(self) -> dict:
        ptr = self.lib.helm_sdkpy_version_string()
        v = ctypes.string_at(ptr).decode() if ptr else "unknown"
        return {"version": v, "number": self.lib.helm_sdkpy_version_number()}

    def lint(self, path: str) -> dict:
        raw = json.loads(self._call_out("lint", path.encode()))
        messages = raw.get("Messages") or raw.get("messages") or []
        return {
            "path": path,
            "messages": [
                {
                    "severity": int(m.get("Severity", m.get("severity", 0))),
                    "path": m.get("Path", m.get("path", "")) or "",
                    "message": m.get("Message", m.get("message", "")) or "",
                }
                for m in messages
            ],
        }

    def show_chart(self, tgz: str) -> str:
        return self._call_out("show_chart", tgz.encode())

    def show_values(self, tgz: str) -> str:
        return self._call_out("show_values", tgz.encode())

    def package(self, chart_dir: str, dest: str) -> str:
        return self._call_out("package", chart_dir.encode(), dest.encode())

    def push(self, tgz: str, remote: str):
        opts = json.dumps({"plain_http": True}).encode()
        self._check("push", self.lib.helm_sdkpy_push(self.handle, tgz.encode(), remote.encode(), opts))

    def template(self, name: str, chart: str, values_json: str) -> dict:
        """`helm install` into the stand-in API server (see `fake_cluster`): the release's
        manifest and the values it was given, or Helm's error."""
        u64, s, out = ctypes.c_ulonglong, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)
        fn = self.lib.helm_sdkpy_install
        fn.argtypes = [u64, s, s, s, s, s, out]
        fn.restype = ctypes.c_int
        res = ctypes.c_void_p(None)
        opts = json.dumps({"wait": False}).encode()
        rc = fn(self.handle, name.encode(), chart.encode(), values_json.encode(), b"", opts,
                ctypes.byref(res))
        if rc != 0:
            ptr = self.lib.helm_sdkpy_last_error()
            msg = ctypes.string_at(ptr).decode("utf-8", "replace") if ptr else "unknown error"
            return {"ok": False, "error": msg}
        release = json.loads(self._take(res))
        return {"ok": True, "manifest": release.get("manifest", ""), "config": release.get("config")}

    def repo_add_update(self, name: str, url: str):
        # Helm drops an index entry it cannot load with only a logged warning ("skipping loading
        # invalid entry for chart"); for an oracle that is a rejection too.
        with Captured() as log:
            rc = self.lib.helm_sdkpy_repo_add(
                self.handle, name.encode(), url.encode(), None, None, b"{}"
            )
        self._check("repo add", rc)
        with Captured() as log2:
            rc = self.lib.helm_sdkpy_repo_update(self.handle, name.encode())
        self._check("repo update", rc)
        skipped = [
            line
            for line in (log.text + log2.text).splitlines()
            if "skipping loading invalid entry" in line
        ]
        if skipped:
            raise HelmFailure("helm skipped invalid index entries:\n" + "\n".join(skipped))


def fake_cluster():
    """Starts fake_apiserver.py's stand-in API server on a free loopback port in this process
    and points $KUBECONFIG (in the fresh Helm home) at it; must run before the library loads."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fake_apiserver

    server = fake_apiserver.serve(0)
    port = server.server_address[1]
    path = os.environ["KUBECONFIG"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
            f"clusters: [{{name: fake, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: fake, user: {}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: default}}]\n"
        )
    return server


def run(helm_factory, argv: list) -> dict:
    cmd, args = argv[0], argv[1:]
    arity = {
        "show-chart": 1,
        "show-values": 1,
        "package": 2,
        "push": 2,
        "repo-add-update": 2,
        "version": 0,
    }
    if cmd == "lint":
        if not args:
            raise SystemExit("usage: helm.py lint PATH..." + USAGE)
    elif cmd == "template":
        if len(args) not in (2, 3):
            raise SystemExit("usage:" + USAGE)
        fake_cluster()
    elif cmd not in arity or len(args) != arity[cmd]:
        raise SystemExit("usage:" + USAGE)
    helm = helm_factory()
    try:
        if cmd == "lint":
            return {"results": [helm.lint(p) for p in args]}
        if cmd == "template":
            return helm.template(args[0], os.path.abspath(args[1]), args[2] if len(args) > 2 else "")
        if cmd == "show-chart":
            return {"yaml": helm.show_chart(args[0])}
        if cmd == "show-values":
            return {"yaml": helm.show_values(args[0])}
        if cmd == "package":
            return {"path": helm.package(os.path.abspath(args[0]), os.path.abspath(args[1]))}
        if cmd == "push":
            helm.push(args[0], args[1])
            return {"ok": True}
        if cmd == "repo-add-update":
            helm.repo_add_update(args[0], args[1])
            return {"ok": True}
        return helm.version()
    finally:
        helm.close()


def main() -> int:
    if len(sys.argv) < 2:
        print("usage:" + USAGE, file=sys.stderr)
        return 2
    # Only our JSON goes to stdout: whatever the library prints goes to stderr.
    sys.stdout.flush()
    real_stdout = os.dup(1)
    os.dup2(2, 1)
    home = fresh_helm_home()
    lib_path = os.environ.get("KFORGE_HELM_LIB") or str(DEFAULT_LIB)
    try:
        result = run(lambda: Helm(lib_path, {"plain_http": True}), sys.argv[1:])
    except HelmFailure as e:
        print(f"helm.py: {e}", file=sys.stderr)
        return 1
    finally:
        sys.stdout.flush()
        shutil.rmtree(home, ignore_errors=True)
    os.write(real_stdout, (json.dumps(result) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
