"""exactrelu verify: run every proofs/*.py script and report, claim by claim, what held.

VERIFIED means: the claim held, decided exactly, on each of the finitely many instances its
script lists (``Claim.over``); the report names them, with the commit, the versions, the date
and whether ``--quick`` was used.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ._args import count, seconds
from ..errors import InputError
from ..io import write_atomic
from ..progress import Progress, add_option, wanted

HELP = "run every verification script in proofs/ and report what held"
MEANING = ("VERIFIED means: held, decided in exact arithmetic, on each of the finitely many instances "
           "listed for the claim; nothing is claimed outside them.  A claim stated as statistical decides "
           "exactly that a confidence bound computed from its seeded sample meets the bound; its statement "
           "then holds with the confidence it states.")
#: Distributions whose versions the report records ("not installed" where absent).
DISTS = ("exactrelu", "numpy", "python-flint", "sympy", "mpmath", "networkx", "torch", "tqdm")
NOT_RECORDED = "not recorded"


def add_arguments(p):
    p.add_argument("--quick", action="store_true", help="smaller instance sets in every script")
    p.add_argument("--report", default="verify-report.md",
                   help="Markdown report path; the JSON report goes beside it with .json (default "
                        "verify-report.md; '' for none). Checked before the run.")
    p.add_argument("--proofs", default=None, help="folder of scripts (default: ./proofs, else the repository's)")
    p.add_argument("--only", action="append", default=[], help="run only scripts whose name contains this")
    p.add_argument("--jobs", type=count, default=os.cpu_count() or 1, help="scripts run at once")
    p.add_argument("--timeout", type=seconds, default=600.0, help="seconds per script before it counts as failed")
    p.add_argument("--json", action="store_true", help="print the JSON report on stdout")
    add_option(p)  # --progress / --no-progress: a bar on stderr that advances per finished script


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


def _scripts(folder, only):
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if not scripts:
        raise InputError(f"no verification scripts in {folder}")
    if only:
        chosen = [s for s in scripts if any(o in s.stem for o in only)]
        if not chosen:
            names = ", ".join(s.stem for s in scripts)
            raise InputError(f"--only {' --only '.join(only)}: no script in {folder} matches (scripts: {names})")
        scripts = chosen
    return scripts


def _report_paths(arg):
    """The Markdown and JSON report paths, refused now if either could not be written later."""
    if not arg:
        return None
    md = Path(arg)
    if md.suffix == ".json":
        raise InputError(f"--report {arg}: give the Markdown path; the JSON report goes beside it")
    paths = (md, md.with_suffix(".json"))
    for p in paths:
        folder = p.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise InputError(f"--report {arg}: folder {folder} {what}")
        if p.is_dir():
            raise InputError(f"--report {arg}: {p} is a folder, not a file name")
        if p.exists() and not os.access(p, os.W_OK):
            raise InputError(f"--report {arg}: {p} is not writable")
    try:  # a real probe: write permission, read-only file systems, ...
        fd, probe = tempfile.mkstemp(dir=md.parent, prefix=f".{md.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise InputError(f"--report {arg}: cannot write in folder {md.parent}: {e.strerror}") from None
    return paths


def _commit(folder) -> dict:
    def git(*a):
        r = subprocess.run(["git", "-C", str(folder), *a], capture_output=True, text=True, timeout=10)
        return r.stdout.strip() if r.returncode == 0 else None
    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no") if head else None
    except (OSError, subprocess.SubprocessError):
        head = dirty = None
    return {"commit": head or "unknown", "uncommitted_changes": None if dirty is None else bool(dirty)}


def _versions() -> dict:
    v = {"python": platform.python_version()}
    for d in DISTS:
        try:
            v[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            v[d] = "not installed"
    return v


def _meta(folder, args) -> dict:
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), **_commit(folder),
            "quick": bool(args.quick), "only": list(args.only), "proofs": str(folder),
            "platform": platform.platform(), "versions": _versions(), "meaning": MEANING}


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
        rows = [{"id": script.stem, "source": "harness", "statement": "the script ran and reported its claims",
                 "instances": 0, "held": False, "result": "NOT VERIFIED", "over": [],
                 "failures": [f"script exited {code}: {' '.join(tail)}"], "seconds": round(secs, 2)}]
    return {"script": script.name, "exit": code, "ok": ok, "seconds": round(secs, 2), "claims": rows}


def _short(text, n) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _over(c) -> str:
    return "; ".join(c.get("over") or []) or NOT_RECORDED


def _cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _markdown(results, total_s, meta) -> str:
    v = meta["versions"]
    dirty = {True: " (with uncommitted changes)", False: "", None: ""}[meta["uncommitted_changes"]]
    lines = ["# exactrelu verify", "", MEANING, "",
             f"- date (UTC): {meta['date']}",
             f"- commit: {meta['commit']}{dirty}",
             f"- instance sets: {'quick (--quick)' if meta['quick'] else 'full'}"
             + (f"; only scripts matching {', '.join(meta['only'])}" if meta["only"] else ""),
             f"- versions: " + ", ".join(f"{k} {x}" for k, x in v.items()),
             f"- platform: {meta['platform']}", "",
             "| result | claim | statement | source | instances checked | n | time (s) |",
             "|---|---|---|---|---|---:|---:|"]
    failed = []
    for r in results:
        for c in r["claims"]:
            lines.append(f"| {c['result']} | {c['id']} | {_cell(c.get('statement') or '-')} | {_cell(c['source'])} "
                         f"| {_cell(_over(c))} | {c['instances']} | {c['seconds']} |")
            if not c["held"]:
                failed.append(f"- {r['script']} {c['id']}: " + "; ".join(_cell(f) for f in c["failures"][:5]))
    n = sum(len(r["claims"]) for r in results)
    held = sum(c["held"] for r in results for c in r["claims"])
    lines += ["", f"{held}/{n} claims held in {len(results)} scripts; {total_s:.1f} s in all."]
    if failed:
        lines += ["", "## Not verified", ""] + failed
    return "\n".join(lines) + "\n"


def _console(results, total, report_path, ok) -> None:
    print(f"  {'result':12}  {'claim':28} {'inst':>6} {'time':>8}  source; statement below (in full in the report)")
    for r in results:
        print(r["script"])
        for c in r["claims"]:
            source = c["source"].replace("docs/derivations.md", "derivations")
            print(f"  {c['result']:12}  {c['id']:28} {c['instances']:6d} {c['seconds']:7.2f}s  {_short(source, 58)}")
            if c.get("statement"):
                print(" " * 16 + _short(c["statement"], 100))
            if not c.get("over"):
                print(" " * 16 + "instance set: " + NOT_RECORDED)
            if not c["held"]:
                print(" " * 16 + "failed: " + _short(c["failures"][0] if c["failures"] else "", 92))
    n = sum(len(r["claims"]) for r in results)
    held = sum(c["held"] for r in results for c in r["claims"])
    print(f"{held}/{n} claims held in {len(results)} scripts, {total:.1f} s"
          + (f"; instance sets, versions and commit in {report_path}" if report_path else ""))
    print(textwrap.fill(MEANING, 116))
    print("VERIFIED" if ok else "NOT VERIFIED")


def run(args) -> int:
    folder = _proofs_dir(args.proofs)
    scripts = _scripts(folder, args.only)
    paths = _report_paths(args.report)
    meta = _meta(folder, args)
    t0 = time.perf_counter()
    done = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool, \
            Progress("verify", total=len(scripts), unit="script", enabled=wanted(args.progress, json=args.json)) as bar:
        futures = {pool.submit(_run_one, s, args.quick, args.timeout): s for s in scripts}
        for fut in as_completed(futures):
            r = done[futures[fut]] = fut.result()
            bar.note(f"{r['script']}: {sum(c['held'] for c in r['claims'])}/{len(r['claims'])} held")
            bar.update()
    results = [done[s] for s in scripts]
    total = time.perf_counter() - t0
    ok = all(r["ok"] for r in results)
    report = {"ok": ok, "seconds": round(total, 2), "meta": meta, "scripts": results}
    if paths:
        write_atomic(paths[0], _markdown(results, total, meta))
        write_atomic(paths[1], json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report))
    else:
        _console(results, total, paths[0] if paths else None, ok)
    return 0 if ok else 1
