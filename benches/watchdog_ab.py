#!/usr/bin/env python3
"""Cost of the template watchdog (memory and time bounds, docs/limits.md): the release binary
with its defaults against the same binary with both bounds off (KFORGE_TEMPLATE_MEMORY_MIB=0,
KFORGE_TEMPLATE_SECONDS=0), on W1 (reference project, 3 environments) and W4 (50 environments),
`build` into an emptied folder. The two settings alternate run by run, so machine load falls on
both alike; prints median and min of wall and CPU (user + sys) time.

    python3 benches/ab.py a=target/release/kforge   # once, to make target/bench/ab-w1, ab-w4-50
    python3 benches/watchdog_ab.py [RUNS]
"""
import os, resource, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KFORGE = ROOT / "target/release/kforge"
PROJECTS = {"W1": ROOT / "target/bench/ab-w1", "W4 50 envs": ROOT / "target/bench/ab-w4-50"}
SETTINGS = {"bounds on": {}, "bounds off": {"KFORGE_TEMPLATE_MEMORY_MIB": "0", "KFORGE_TEMPLATE_SECONDS": "0"}}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    res = {(p, s): ([], []) for p in PROJECTS for s in SETTINGS}
    for i in range(runs):
        for p, d in PROJECTS.items():
            order = list(SETTINGS.items())
            for s, extra in (order if i % 2 == 0 else order[::-1]):
                out = d / "dist-ab"
                shutil.rmtree(out, ignore_errors=True)
                env = {**os.environ, **extra}
                r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
                subprocess.run([KFORGE, "-C", d, "build", "-d", out], check=True, env=env,
                               stdout=subprocess.DEVNULL)
                t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
                res[(p, s)][0].append((t1 - t0) * 1000)
                res[(p, s)][1].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
    print("| Workload | Setting | wall median (min) | CPU median (min) |\n|---|---|---|---|")
    for (p, s), (wall, cpu) in res.items():
        print(f"| {p} | {s} | {statistics.median(wall):.1f} ms ({min(wall):.1f}) "
              f"| {statistics.median(cpu):.1f} ms ({min(cpu):.1f}) |")


if __name__ == "__main__":
    main()
