#!/usr/bin/env python3
"""A/B of kforge binaries on W1 (reference project build) and W4 (`build` of 10 and 50
environments, the --quick sizes), with benches/run.py's harness (GNU time, warm-up, median of
RUNS). Binaries are measured in alternating rounds so machine load drifts over all of them alike.

    python3 benches/ab.py [--runs N] [--rounds R] NAME=PATH NAME=PATH...

Prints a markdown table (median of the rounds' medians, and the rounds' min-max) of wall time,
and one of CPU time (user + sys), which machine load disturbs less.
"""
import shutil
import argparse
import importlib.util
import statistics
from pathlib import Path

spec = importlib.util.spec_from_file_location("bench", Path(__file__).resolve().parent / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def workloads():
    """(label, project dir) of W1 and W4 10/50, made once."""
    out = []
    w1 = bench.WORK / "ab-w1"
    bench.reference_project(w1)
    out.append(("W1 3 envs", w1))
    overlays = {e: (bench.ROOT / "environments" / f"{e}.yaml").read_text() for e in ("dev", "staging", "prod")}
    for n in (10, 50):
        proj = bench.WORK / f"ab-w4-{n}"
        bench.set_aside(proj)
        (proj / "environments").mkdir(parents=True)
        (proj / "environments" / "base.yaml").write_text((bench.ROOT / "environments" / "base.yaml").read_text())
        shutil.copytree(bench.ROOT / "config", proj / "config")
        names = list(overlays)
        for i in range(n):
            (proj / "environments" / f"{names[i % 3]}-{i:03d}.yaml").write_text(overlays[names[i % 3]])
        out.append((f"W4 {n} envs", proj))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    bins = [b.split("=", 1) for b in args.binaries]
    bench.WORK.mkdir(parents=True, exist_ok=True)
    loads = workloads()
    res = {(n, w): [] for n, _ in bins for w, _ in loads}
    cpu = {(n, w): [] for n, _ in bins for w, _ in loads}
    for _ in range(args.rounds):
        for w, proj in loads:
            for name, path in bins:
                m = bench.measure([path, "build", "-d", "dist"], args.runs, cwd=proj,
                                  before=lambda p=proj: bench.set_aside(p / "dist"))
                res[(name, w)].append(m["median"])
                cpu[(name, w)].append(m["cpu"])
        bench.empty_trash()
    for title, table in (("wall", res), ("CPU", cpu)):
        print(f"| Binary ({title}) | " + " | ".join(w for w, _ in loads) + " |")
        print("|---|" + "---|" * len(loads))
        for name, _ in bins:
            cells = []
            for w, _ in loads:
                r = table[(name, w)]
                cells.append(f"{bench.fmt(statistics.median(r))} ({bench.fmt(min(r))}–{bench.fmt(max(r))})")
            print(f"| {name} | " + " | ".join(cells) + " |")
        print()

if __name__ == "__main__":
    main()
