#!/usr/bin/env python3
"""The per-application table of docs/import.md: imports each public application vendored under
tests/corpora/apps/ with the kforge binary given (default: the debug build), RUNS times, and
prints one Markdown row per application: environments, objects, components, config sets,
manifest lines, values lines (and their share of the manifest lines), shared layers, distinct
8-line blocks the values write more than once, kept objects (and their template lines), best
import time. The load average at the start and the end is printed under the table.

    cargo build && python3 benches/import_apps.py [--runs 3] [--kforge target/debug/kforge]

Needs kubectl (its kustomize builds podinfo's overlays), as tests/import.rs does.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "tests" / "corpora" / "apps"


def kustomize(env: str, into: Path, tree: Path = APPS / "podinfo" / "deploy" / "overlays") -> Path:
    out = into / f"{env}.yaml"
    out.write_bytes(subprocess.run(["kubectl", "kustomize", str(tree / env)], check=True,
                                   capture_output=True).stdout)
    return out


def repeated_blocks(project: Path, size: int = 8) -> int:
    """Distinct blocks of `size` values lines (indentation taken relative to the block's first
    line; blocks that leave it are not blocks) that environments/ writes more than once."""
    seen = {}
    for f in sorted((project / "environments").iterdir()):
        lines = [l for l in f.read_text().splitlines()
                 if l.strip() and not l.lstrip().startswith("#")]
        for i in range(len(lines) - size + 1):
            window = lines[i:i + size]
            indent = len(window[0]) - len(window[0].lstrip())
            if any(len(l) - len(l.lstrip()) < indent for l in window):
                continue
            key = "\n".join(l[indent:] for l in window)
            seen[key] = seen.get(key, 0) + 1
    return sum(1 for n in seen.values() if n > 1)


def values_lines(project: Path) -> int:
    n = 0
    for f in (project / "environments").iterdir():
        n += sum(1 for l in f.read_text().splitlines()
                 if l.strip() and not l.lstrip().startswith("#"))
    return n


def row(kforge: str, name: str, envs: list, runs: int) -> str:
    best, stdout, project = None, "", None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            project = Path(tmp) / f"p{i}"
            args = [kforge, "import", "-o", str(project)] + [f"{e}={p}" for e, p in envs]
            start = time.perf_counter()
            run = subprocess.run(args, capture_output=True, text=True)
            took = time.perf_counter() - start
            if run.returncode != 0:
                raise SystemExit(f"{name}: import failed:\n{run.stdout}{run.stderr}")
            best = took if best is None else min(best, took)
            stdout = run.stdout
        objects = sum(int(m) for m in re.findall(r"^imported \S+: (\d+) object", stdout, re.M))
        wrote = re.search(r"^wrote .*?: (\d+) component\(s\).* with (\d+) values line\(s\) for "
                          r"(\d+) manifest line", stdout, re.M)
        sets = re.search(r"^config sets .*?, (\d+):", stdout, re.M)
        kept = [l.strip() for l in stdout.split("kept verbatim", 1)[-1].splitlines()[1:]
                if l.startswith("  ")] if "kept verbatim" in stdout else []
        kinds = {}
        for k in kept:
            kind = k.split(" ", 1)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        templates = project / "chart-templates"
        kept_lines = sum(len(f.read_text().splitlines()) for f in templates.iterdir())
        files = len(list(templates.iterdir()))
        assert values_lines(project) == int(wrote.group(2))
        layers = sum(1 for f in (project / "environments").iterdir() if f.name.startswith("_"))
        blocks = repeated_blocks(project)
        share = 100 * int(wrote.group(2)) / int(wrote.group(3))
        kept_text = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
        if kept:
            kept_text += f" ({files} file{'s' if files != 1 else ''}, {kept_lines} lines)"
        return (f"| {name} | {len(envs)} | {objects} | {wrote.group(1)} | "
                f"{sets.group(1) if sets else 0} | {wrote.group(3)} | {wrote.group(2)} "
                f"({share:.0f}%) | {layers} | {blocks} | {kept_text} | {best:.2f} s |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kforge", default=str(ROOT / "target" / "debug" / "kforge"))
    a = ap.parse_args()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        podinfo = [(e, kustomize(e, Path(tmp))) for e in ["dev", "staging", "production"]]
        cloud_dir = Path(tmp) / "cloud"
        cloud_dir.mkdir()
        cloud_tree = ROOT / "tests" / "fixtures" / "import-layers" / "overlays"
        cloud = [(e, kustomize(e, cloud_dir, cloud_tree)) for e in ["dev", "staging", "production"]]
        chart = APPS / "podinfo-chart"
        apps = [
            ("Online Boutique (`release/kubernetes-manifests.yaml`)",
             [("prod", APPS / "microservices-demo" / "kubernetes-manifests.yaml")]),
            ("CockroachDB StatefulSet (kubernetes/examples)",
             [("prod", APPS / "kubernetes-examples" / "cockroachdb-statefulset.yaml")]),
            ("Guestbook all-in-one (kubernetes/examples)",
             [("prod", APPS / "kubernetes-examples" / "guestbook-all-in-one.yaml")]),
            ("Guestbook with `extensions/v1beta1` Deployments (derived, 3 converted)",
             [("prod", APPS / "kubernetes-examples" / "guestbook-extensions-v1beta1.yaml")]),
            ("podinfo `deploy/` Kustomize, dev + staging + production", podinfo),
            ("podinfo with a cloud layer (derived: a proxy sidecar in 3 workloads of staging and "
             "production, no in-cluster primary there; tests/fixtures/import-layers)", cloud),
            ("podinfo Helm chart (Helm 4), staging + production",
             [("staging", chart / "staging.yaml"), ("production", chart / "production.yaml")]),
            ("ingress-nginx static install (`deploy/static/provider/cloud`)",
             [("prod", APPS / "ingress-nginx" / "deploy.yaml")]),
            ("Bank of Anthos Kustomize overlays, development + staging + production",
             [(e, APPS / "bank-of-anthos" / f"{e}.yaml")
              for e in ["development", "staging", "production"]]),
        ]
        print("| application | environments | objects | components | config sets | "
              "manifest lines | values lines | shared layers | 8-line blocks written twice | "
              "kept objects | time |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for name, envs in apps:
            print(row(a.kforge, name, envs, a.runs))
    print(f"\nload average (1 min): {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} "
          f"at the end; {os.cpu_count()} cores; {a.kforge}, best of {a.runs}")


if __name__ == "__main__":
    main()
