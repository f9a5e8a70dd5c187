#!/usr/bin/env python3
"""Runs every benchmark of statewright and prints the tables (markdown) on stdout.

    python3 benches/run.py            # everything, as recorded in BENCHMARKS.md
    python3 benches/run.py --quick    # smoke run: short streams, 2 processes, N = 25 only
    python3 benches/run.py --skip size compile-time --only hier   # one runtime table

1. Runtime: builds the benchmark binary (release, code alignment pinned with
   RUSTFLAGS="-C llvm-args=-align-all-functions=6 -C llvm-args=-align-all-nofallthru-blocks=6"),
   launches it K times (each process checks every implementation against the reference, then
   times them round-robin) and reports, per implementation, the median ns per event and the
   median and min-max of the per-process ratios to the baseline.
2. Size: `size_of` of the examples' machines, and the release binary size of each example
   against a hand-written binary doing the same (benches/src/bin/hand_*.rs).
3. Compile time: tools/compile-time/run.py --peers --cold.

Build output goes to $CARGO_TARGET_DIR (default /tmp/bench-target). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ALIGN = "-C llvm-args=-align-all-functions=6 -C llvm-args=-align-all-nofallthru-blocks=6"
EXAMPLES = [("order", "hand_order"), ("traffic_light", "hand_traffic_light"), ("tcp", "hand_tcp")]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return proc.stdout


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = sh(["rustc", "-V"]).strip()
    date = sh(["date"]).strip()
    commit = sh(["git", "rev-parse", "--short", "HEAD"]).strip()
    dirty = sh(["git", "status", "--porcelain", "--untracked-files=no"]).strip()
    return (f"- date: {date}\n- machine: nproc={os.cpu_count()}, CPU `{cpu}`, {rustc}\n"
            f"- statewright at {commit}{' + uncommitted changes' if dirty else ''}")


def runtime(args, target: Path) -> str:
    env = dict(os.environ, CARGO_TARGET_DIR=str(target / "aligned"), RUSTFLAGS=ALIGN)
    log("building the benchmark binary (release, aligned) ...")
    sh(["cargo", "build", "--release", "-p", "statewright-benches", "--bin",
        "statewright-benches"], env)
    binary = target / "aligned" / "release" / "statewright-benches"
    per_process = []
    for k in range(args.processes):
        log(f"runtime: process {k + 1}/{args.processes} ...")
        only = ["--only", ",".join(args.only)] if args.only else []
        out = sh([str(binary), "--json", "--events", str(args.events), "--rounds",
                  str(args.rounds), *only])
        per_process.append(json.loads(out))
    out = [f"Each process: every implementation checked against the reference on the whole "
           f"stream, then all timed round-robin, {args.rounds} rounds, median per process. "
           f"{args.processes} processes; `ns/event` is the median over processes of the "
           "per-process medians, `ratio` the median of the per-process ratios, `min-max` "
           f"their range. Code alignment pinned: `RUSTFLAGS=\"{ALIGN}\"`."]
    for t_index, table in enumerate(per_process[0]):
        out.append("")
        out.append(f"### {table['title']}")
        out.append("")
        out.append(f"ratio relative to: {table['baseline']}")
        out.append("")
        out.append("| implementation | records | ns/event | ratio | min-max ratio |")
        out.append("|---|:-:|--:|--:|--:|")
        for r_index, row in enumerate(table["rows"]):
            ns = [p[t_index]["rows"][r_index]["ns"] for p in per_process]
            ratios = [p[t_index]["rows"][r_index]["ratio"] for p in per_process]
            out.append(f"| {row['label']} | {'yes' if row['records'] else 'no'} | "
                       f"{statistics.median(ns):.2f} | {statistics.median(ratios):.2f} | "
                       f"{min(ratios):.2f}-{max(ratios):.2f} |")
    raw = target / "runtime.json"
    raw.write_text(json.dumps(per_process, indent=1))
    log(f"raw runtime results: {raw}")
    return "\n".join(out)


def sizes(args, target: Path) -> str:
    env = dict(os.environ, CARGO_TARGET_DIR=str(target / "size"))
    env.pop("RUSTFLAGS", None)
    log("building the examples and their hand-written counterparts (release) ...")
    examples = [a for example, _ in EXAMPLES for a in ("--example", example)]
    sh(["cargo", "build", "--release", "-p", "statewright", *examples], env)
    sh(["cargo", "build", "--release", "-p", "statewright-benches", "--bins"], env)
    out = ["`size_of` (bytes; x86_64):", "",
           sh(["cargo", "run", "-q", "--release", "-p", "statewright-benches", "--bin",
               "statewright-benches", "--", "--sizes"], env).rstrip(), "",
           "Release binaries (cargo's default release profile; `stripped` = `strip` of a copy):",
           "", "| example | statewright bytes | hand-written bytes | ratio | "
           "statewright stripped | hand stripped | ratio stripped |", "|---|--:|--:|--:|--:|--:|--:|"]
    rel = target / "size" / "release"
    strip = shutil.which("strip")
    for example, hand in EXAMPLES:
        a, b = rel / "examples" / example, rel / hand
        sa, sb = a.stat().st_size, b.stat().st_size
        if strip:
            stripped = []
            for p in (a, b):
                copy = target / f"{p.name}.stripped"
                shutil.copyfile(p, copy)
                sh([strip, str(copy)])
                stripped.append(copy.stat().st_size)
            ta, tb = stripped
            extra = f"{ta} | {tb} | {ta / tb:.2f}"
        else:
            extra = "n/a | n/a | n/a"
        out.append(f"| {example} | {sa} | {sb} | {sa / sb:.2f} | {extra} |")
    return "\n".join(out)


def compile_time(args, target: Path) -> str:
    cmd = [sys.executable, str(ROOT / "tools" / "compile-time" / "run.py"), "--peers",
           "--sizes", *map(str, args.ct_sizes), "--reps", str(args.ct_reps),
           "--scratch", str(target / "compile-time"), "--json", str(target / "compile-time.json")]
    if args.cold:
        cmd.append("--cold")
    if args.quick:
        cmd += ["--modes", "check"]
    log("compile time: " + " ".join(cmd))
    env = dict(os.environ)
    env.pop("RUSTFLAGS", None)
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit("the compile-time benchmark failed")
    return "```text\n" + proc.stdout.rstrip() + "\n```"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run")
    p.add_argument("--processes", type=int, help="benchmark processes (default 5; quick 2)")
    p.add_argument("--events", type=int, help="events per stream (default 1000000)")
    p.add_argument("--rounds", type=int, help="rounds per process (default 7; quick 3)")
    p.add_argument("--ct-sizes", type=int, nargs="+", help="compile-time sizes "
                   "(default 25 50 100 200 400; quick 25)")
    p.add_argument("--ct-reps", type=int, help="compile-time repetitions (default 3; quick 1)")
    p.add_argument("--no-cold", dest="cold", action="store_false",
                   help="skip the cold builds (skipped by --quick)")
    p.add_argument("--skip", nargs="+", default=[], choices=["runtime", "size", "compile-time"])
    p.add_argument("--only", nargs="+", metavar="TABLE",
                   choices=["order", "tcp", "complex", "hier", "order-typed", "tcp-typed"],
                   help="runtime tables to run (default: all)")
    args = p.parse_args()
    q = args.quick
    args.processes = args.processes or (2 if q else 5)
    args.events = args.events or (100_000 if q else 1_000_000)
    args.rounds = args.rounds or (3 if q else 7)
    args.ct_sizes = args.ct_sizes or ([25] if q else [25, 50, 100, 200, 400])
    args.ct_reps = args.ct_reps or (1 if q else 3)
    if q:
        args.cold = False
    target = Path(os.environ.get("CARGO_TARGET_DIR", "/tmp/bench-target")).resolve()
    target.mkdir(parents=True, exist_ok=True)
    start = time.time()
    sections = [("Machine", machine())]
    if "runtime" not in args.skip:
        sections.append(("Runtime", runtime(args, target)))
    if "size" not in args.skip:
        sections.append(("Size", sizes(args, target)))
    if "compile-time" not in args.skip:
        sections.append(("Compile time", compile_time(args, target)))
    for title, body in sections:
        print(f"## {title}\n\n{body}\n")
    log(f"done in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
