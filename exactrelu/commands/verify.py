"""exactrelu verify: run every proofs/*.py script and report, claim by claim, what held."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ._args import count, seconds
from ..errors import InputError
from ..io import write_atomic

HELP = "run every verification script in proofs/ and report what held"


def add_arguments(p):
    p.add_argument("--quick", action="store_true", help="smaller instance sets in every script")
    p.add_argument("--report", default="verify-report.md",
                   help="Markdown report path; the JSON report goes beside it with .json (default verify-report.md)")
    p.add_argument("--proofs", default=None, help="folder of scripts (default: ./proofs, else the repository's)")
    p.add_argument("--only", action="append", default=[], help="run only scripts whose name contains this")
    p.add_argument("--jobs", type=count, default=os.cpu_count() or 1, help="scripts run at once")
    p.add_argument("--timeout", type=seconds, default=600.0, help="seconds per script before it counts as failed")
    p.add_argument("--json", action="store_true", help="print the JSON report on stdout")


def _proofs_dir(arg):
    if arg:
        d = Path(arg)
        if not d.is_dir():
            raise InputError(f"--proofs: {arg} is not a folder")
        return d
    for d in (Path.cwd() / "proofs", Path(__file__).resolve().parents[2] / "proofs"):
        if d.is_dir():
            return d
    raise InputError("no proofs/ folder here or beside the package; give --proofs")


def _run_one(script: Path, quick: bool, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, str(script), "--json-out", str(out)] + (["--quick"] if quick else [])
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            code, tail = proc.returncode, (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        except subprocess.TimeoutExpired:
            code, tail = None, [f"timed out after {timeout:.0f} s"]
        secs = time.perf_counter() - t0
        rows = json.loads(out.read_text()).get("claims", []) if out.exists() else []
    ok = code == 0 and bool(rows) and all(r["held"] for r in rows)
    if not rows:  # a crashed or silent script is a failure
        rows = [{"id": script.stem, "source": "-", "instances": 0, "held": False, "result": "NOT VERIFIED",
                 "failures": [f"script exited {code}: {' '.join(tail)}"], "seconds": round(secs, 2)}]
    return {"script": script.name, "exit": code, "ok": ok, "seconds": round(secs, 2), "claims": rows}


def _markdown(results, total_s) -> str:
    lines = ["# exactrelu verify", "", "| script | claim | source | instances | result | time (s) |",
             "|---|---|---|---:|---|---:|"]
    for r in results:
        for c in r["claims"]:
            res = c["result"] + ("" if c["held"] else f": {c['failures'][0] if c['failures'] else ''}")
            lines.append(f"| {r['script']} | {c['id']} | {c['source']} | {c['instances']} | "
                         f"{res.replace('|', '/')} | {c['seconds']} |")
    n = sum(len(r["claims"]) for r in results)
    held = sum(c["held"] for r in results for c in r["claims"])
    lines += ["", f"{held}/{n} claims held; {total_s:.1f} s in all."]
    return "\n".join(lines) + "\n"


def run(args) -> int:
    folder = _proofs_dir(args.proofs)
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if args.only:
        scripts = [s for s in scripts if any(o in s.stem for o in args.only)]
    if not scripts:
        raise InputError(f"no verification scripts in {folder}")
    if args.report and Path(args.report).suffix == ".json":
        raise InputError(f"--report {args.report}: give the Markdown path; the JSON report goes beside it")
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda s: _run_one(s, args.quick, args.timeout), scripts))
    total = time.perf_counter() - t0
    ok = all(r["ok"] for r in results)
    report = {"ok": ok, "seconds": round(total, 2), "scripts": results}
    if args.report:
        md = Path(args.report)
        write_atomic(md, _markdown(results, total))
        write_atomic(md.with_suffix(".json"), json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{'script':26} {'claim':34} {'inst':>6} {'time':>7}  result")
        for r in results:
            for c in r["claims"]:
                res = "VERIFIED" if c["held"] else "NOT VERIFIED: " + (c["failures"][0] if c["failures"] else "")
                print(f"{r['script']:26} {c['id']:34} {c['instances']:6d} {c['seconds']:6.2f}s  {res}")
        n = sum(len(r["claims"]) for r in results)
        held = sum(c["held"] for r in results for c in r["claims"])
        print(f"{held}/{n} claims held in {len(results)} scripts, {total:.1f} s"
              + (f"; report: {args.report}" if args.report else ""))
        print("VERIFIED" if ok else "NOT VERIFIED")
    return 0 if ok else 1
