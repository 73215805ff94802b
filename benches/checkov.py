#!/usr/bin/env python3
"""kforge lint against checkov on the real-world manifest sets (tests/corpora/realworld), per
check that a kforge rule claims as its checkov equivalent (`kforge lint --explain RULE`).

Not run in CI (checkov is a large install): `pip install checkov` (3.3 measured), then
    python3 benches/checkov.py [--checkov PATH] [--kforge target/debug/kforge]
prints, per set and claimed checkov check: the objects checkov fails, the objects kforge reports
under the claiming rule, how many both report, and the objects only one of them reports, plus
each tool's wall time. Objects are (kind, namespace-less name); a rule's findings on several
containers of one object count once, as checkov counts resources.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETS = ["kube-prometheus", "microservices-demo"]


def claims(kforge):
    out = collections.defaultdict(list)
    rules = subprocess.run([kforge, "lint", "--list-rules"], capture_output=True, text=True, check=True)
    for line in rules.stdout.splitlines():
        rule = line.split()[0]
        text = subprocess.run([kforge, "lint", "--explain", rule], capture_output=True, text=True, check=True).stdout
        for check in re.findall(r"^  checkov: (\S+)$", text, re.M):
            out[check].append(rule)
    return out


def kforge_objects(kforge, path):
    t = time.perf_counter()
    r = subprocess.run([kforge, "lint", "--format", "json", "--allow-unknown-kinds", "."], cwd=path,
                       capture_output=True, text=True)
    took = time.perf_counter() - t
    by_rule = collections.defaultdict(set)
    for f in json.loads(r.stdout)["findings"]:
        m = re.match(r"(\S+)(?: (\S+))?:", f["message"])
        if m:
            by_rule[f["rule"]].add((f["file"].lstrip("./"), m.group(1), m.group(2) or ""))
    return by_rule, took


def checkov_objects(checkov, path):
    t = time.perf_counter()
    r = subprocess.run([checkov, "-d", path, "--framework", "kubernetes", "-o", "json", "--quiet"],
                       capture_output=True, text=True)
    took = time.perf_counter() - t
    data = json.loads(r.stdout or "[]")
    data = data if isinstance(data, list) else [data]
    by_check = collections.defaultdict(set)
    for run in data:
        for c in run.get("results", {}).get("failed_checks", []):
            kind, _, name = c["resource"].partition(".")
            name = name.split(".", 1)[-1] if "." in name else name
            by_check[c["check_id"]].add((c["file_path"].lstrip("/"), kind, name))
    return by_check, took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", default="checkov")
    ap.add_argument("--kforge", default=os.path.join(ROOT, "target/debug/kforge"))
    a = ap.parse_args()
    claimed = claims(a.kforge)
    print("| set | checkov check | kforge rule | checkov | kforge | both | only checkov | only kforge |")
    print("|---|---|---|---|---|---|---|---|")
    times = []
    for s in SETS:
        path = os.path.join(ROOT, "tests/corpora/realworld", s)
        k, kt = kforge_objects(a.kforge, path)
        c, ct = checkov_objects(a.checkov, path)
        times.append((s, kt, ct))
        for check, rules in sorted(claimed.items()):
            ko = set().union(*(k.get(r, set()) for r in rules))
            co = c.get(check, set())
            if not ko and not co:
                continue
            print(f"| {s} | {check} | {', '.join(rules)} | {len(co)} | {len(ko)} | {len(ko & co)} "
                  f"| {len(co - ko)} | {len(ko - co)} |")
    for s, kt, ct in times:
        print(f"\n{s}: kforge {kt * 1000:.0f} ms, checkov {ct * 1000:.0f} ms", end="")
    print()


if __name__ == "__main__":
    sys.exit(main())
