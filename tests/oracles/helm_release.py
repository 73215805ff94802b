#!/usr/bin/env python3
"""Renders a chart with real Helm 4 (the helm-sdkpy library of tests/oracles/helm.py) as
`helm template NAME CHART -f VALUES --skip-tests` would print it: the release's manifest, then
its hooks but the tests, each `# Source:`-headed. The library has no client-only dry run, so
this installs into a stand-in API server on 127.0.0.1:8080 that accepts every write
(fake_apiserver.py beside this script, started first, one server per run).

Usage: helm_release.py NAME CHART_DIR VALUES.json > out.yaml
"""
import ctypes, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helm as H  # noqa: E402

H.fresh_helm_home()
lib = ctypes.CDLL(str(H.DEFAULT_LIB))
u64, s, out = ctypes.c_ulonglong, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)
lib.helm_sdkpy_config_create.argtypes = [s, s, s, s, ctypes.POINTER(u64)]
lib.helm_sdkpy_install.argtypes = [u64, s, s, s, s, s, out]
lib.helm_sdkpy_last_error.restype = ctypes.c_void_p
handle = u64(0)
assert lib.helm_sdkpy_config_create(b"default", b"", b"", b"{}", ctypes.byref(handle)) == 0
res = ctypes.c_void_p(None)
name, chart, values = sys.argv[1:4]
with open(values) as f:
    values_json = f.read()
if lib.helm_sdkpy_install(handle, name.encode(), chart.encode(), values_json.encode(), b"",
                          json.dumps({"wait": False}).encode(), ctypes.byref(res)):
    sys.exit(ctypes.string_at(lib.helm_sdkpy_last_error()).decode())
release = json.loads(ctypes.string_at(res.value).decode())
text = release["manifest"].strip("\n") + "\n"
for hook in release.get("hooks") or []:
    if "test" in hook.get("events", []):
        continue
    text += "---\n# Source: %s\n%s\n" % (hook["path"], hook["manifest"].strip("\n"))
sys.stdout.write(text)
