#!/usr/bin/env python3
"""Mutation score of one or more Stryker JSON reports, per file, per folder and overall.

    eng/mutation-score.py REPORT.json [REPORT.json ...] [--survivors]

With several reports (eng/mutation-package.sh runs the package in groups), each file is taken from the report that
tested its mutants; a file tested in two reports is an error (the groups' globs must not overlap). Score = (killed +
timed out) / (killed + timed out + survived + not covered); compile errors and ignored mutants do not count.
--survivors also lists every mutant left, as file:line, status, mutator, replacement and the source line.
"""
import json
import sys
from collections import OrderedDict

DETECTED = {"Killed", "Timeout"}
UNDETECTED = {"Survived", "NoCoverage"}


def short(path):
    return path.split("src/Billing.Resilience/")[-1]


def main(argv):
    show_survivors = "--survivors" in argv
    reports = [a for a in argv if a != "--survivors"]
    if not reports:
        sys.exit(__doc__)
    files = {}
    for report_path in reports:
        report = json.load(open(report_path))
        for path, data in report["files"].items():
            tested = [m for m in data["mutants"] if m["status"] in DETECTED | UNDETECTED]
            if not tested:
                files.setdefault(short(path), None)
                continue
            if files.get(short(path)):
                sys.exit(f"{short(path)} was tested in two reports: the groups' globs overlap")
            files[short(path)] = (data, tested)

    folders = OrderedDict()
    total_d = total_u = 0
    rows = []
    for path in sorted(files):
        entry = files[path]
        if entry is None:
            continue
        data, tested = entry
        d = sum(m["status"] in DETECTED for m in tested)
        u = len(tested) - d
        total_d += d
        total_u += u
        folder = path.rsplit("/", 1)[0] if "/" in path else "(package root)"
        if path.startswith("Pricing/Gbfs/"):
            folder = "Pricing/Gbfs"
        fd, fu = folders.get(folder, (0, 0))
        folders[folder] = (fd + d, fu + u)
        rows.append((path, d, u))
    for path, d, u in rows:
        print(f"  {100.0 * d / (d + u):6.2f} %  {d:4} killed  {u:4} survived or not covered  {path}")
    if len(reports) > 1:
        print("per folder:")
        for folder, (d, u) in sorted(folders.items()):
            print(f"  {100.0 * d / (d + u):6.2f} %  {d:4} killed  {u:4} survived or not covered  {folder}")
        untested = sorted(p for p, e in files.items() if e is None)
        print(f"files without a testable mutant: {', '.join(untested) if untested else 'none'}")
    if total_d + total_u:
        print(f"mutation score: {100.0 * total_d / (total_d + total_u):.2f} % ({total_d} killed of {total_d + total_u})")
    if show_survivors:
        print("mutants left:")
        for path in sorted(files):
            entry = files[path]
            if entry is None:
                continue
            data, tested = entry
            source = data["source"].split("\n")
            for m in sorted(tested, key=lambda m: m["location"]["start"]["line"]):
                if m["status"] in UNDETECTED:
                    line = m["location"]["start"]["line"]
                    print(f'  {path}:{line} [{m["status"]}] {m["mutatorName"]}: {m.get("replacement", "")[:80]!r} | {source[line - 1].strip()[:100]}')


if __name__ == "__main__":
    main(sys.argv[1:])
