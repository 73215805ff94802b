#!/usr/bin/env python3
"""Schema work at scale (issue 34, docs/limits.md "Schemas"): `kforge lint` of a CRD whose spec
has N string properties and one custom resource, for each N; and `kforge values` of a project
whose values.schema.json holds 40 levels of `allOf` with two `$ref`s each (2^40 applications,
refused at the validation bound). Prints the median wall time of RUNS runs (timeout 300 s).

    cargo build --release
    python3 benches/schema_scale.py [KFORGE] [RUNS] [N...]
        (defaults: target/release/kforge, 3, 10000 20000 40000 150000)
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def crd(n):
    props = {f"p{i}": {"type": "string"} for i in range(n)}
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": props}}}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
                     "scope": "Namespaced",
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": schema}}]}}


def timed(args, cwd, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            p = subprocess.run(args, cwd=cwd, capture_output=True, timeout=300)
            code = p.returncode
        except subprocess.TimeoutExpired:
            return None, "timeout"
        times.append(time.perf_counter() - t0)
    return statistics.median(times), code


def main():
    kforge = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else str(ROOT / "target/release/kforge")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    sizes = [int(n) for n in sys.argv[3:]] or [10_000, 20_000, 40_000, 150_000]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        (d / "cr.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {p1: x}\n")
        for n in sizes:
            text = json.dumps(crd(n)) + "\n"
            (d / "crd.yaml").write_text(text)
            t, code = timed([kforge, "lint", "crd.yaml", "cr.yaml"], d, runs)
            shown = "timeout (300 s)" if t is None else f"{t:.2f} s (exit {code})"
            print(f"lint, CRD of {n:>7} properties ({len(text) / 1e6:.1f} MB): {shown}", flush=True)
        proj = d / "proj"
        shutil.copytree(ROOT / "environments", proj / "environments")
        shutil.copytree(ROOT / "config", proj / "config")
        defs = {f"d{i}": {"allOf": [{"$ref": f"#/$defs/d{i + 1}"}] * 2} for i in range(40)}
        defs["d40"] = {"type": "integer"}
        schema = {"$defs": defs, "properties": {"extra": {"$ref": "#/$defs/d0"}}}
        (proj / "chart-templates").mkdir()
        (proj / "chart-templates/values.schema.json").write_text(json.dumps(schema))
        with open(proj / "environments/base.yaml", "a") as f:
            f.write("extra: 5\n")
        t, code = timed([kforge, "values", "-e", "dev"], proj, runs)
        shown = "timeout (300 s)" if t is None else f"{t:.2f} s (exit {code})"
        print(f"values, 40 levels of allOf with two $refs each: {shown}")


if __name__ == "__main__":
    main()
