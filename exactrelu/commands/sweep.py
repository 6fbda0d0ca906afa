"""exactrelu sweep run|status|report: teacher-student sweeps (the paper's Section 3) with an embedded store."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ._args import count
from ..progress import add_option, wanted

HELP = "teacher-student sweeps: run a TOML spec into a SQLite store, show its status, report it"
DESCRIPTION = ("Sweeps of the paper's teacher-student experiments (Berner, Grohs, Voigtlaender, ICLR 2023, "
               "Section 3). 'run' trains every run of a spec not yet done in the store (re-running resumes; "
               "a killed sweep loses nothing), 'status' says what is done, running, failed and left, 'report' "
               "aggregates as the paper does and draws the figures. See docs/experiments.md.")


def add_arguments(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    r = sub.add_parser("run", help="run a spec's runs into a store")
    r.add_argument("spec", help="sweep spec (TOML), e.g. specs/quick.toml")
    r.add_argument("--store", help="SQLite store (default results/<spec name>.sqlite)")
    r.add_argument("--workers", type=count, default=1, help="runs at once (default 1: in this process)")
    r.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run the runs as Ray tasks: a local Ray, or the cluster at ADDRESS (extra 'dist')")
    r.add_argument("--max-runs", type=count, default=None, help="start at most this many runs, then stop")
    r.add_argument("--verbose", action="store_true", help="one line per finished run on stderr")
    r.add_argument("--json", action="store_true", help="print the final status counts as JSON")
    add_option(r)
    s = sub.add_parser("status", help="what is done, running, failed (with the error) and left")
    s.add_argument("store", help="SQLite store")
    s.add_argument("--json", action="store_true", help="print a JSON object")
    rep = sub.add_parser("report", help="the paper's aggregation: tables and figures")
    rep.add_argument("store", help="SQLite store")
    rep.add_argument("-o", "--output", default=None, help="folder for the tables and figures (default: beside the store)")
    rep.add_argument("--spec", default=None, help="name of the spec to report (default: every run in the store)")
    rep.add_argument("--no-figures", action="store_true", help="tables only")
    rep.add_argument("--json", action="store_true", help="print the tables as JSON")
    ill = sub.add_parser("illustrate", help="the 1-D sine illustration: a trained student's spikes, its sup certified")
    ill.add_argument("-o", "--output", default=None,
                     help="an existing folder for the figure and numbers (default results/illustration)")
    ill.add_argument("--quick", action="store_true", help="a depth-6 student trained briefly (about 30 s; the full run "
                     "trains the reference code's depth-22 student for about 17 minutes)")
    ill.add_argument("--gap", default="1/1000", help="stop when upper - lower <= gap * upper (default 1/1000)")
    ill.add_argument("--json", action="store_true", help="print the numbers as JSON")


def _store_path(args, spec) -> Path:
    if args.store:
        return Path(args.store)
    Path("results").mkdir(exist_ok=True)
    return Path("results") / f"{spec.name}.sqlite"


def run(args) -> int:
    return {"run": _run, "status": _status, "report": _report, "illustrate": _illustrate}[args.action](args)


def _run(args) -> int:
    from ..experiments.spec import load_spec
    from ..experiments.store import Store
    from ..experiments.sweep import run_sweep
    from ..torchio import require_torch
    spec = load_spec(args.spec)
    require_torch()
    if args.ray is not None and args.workers == 1 and not args.ray:
        args.workers = os.cpu_count() or 1
    store = Store(_store_path(args, spec))
    try:
        counts = run_sweep(spec, store, workers=args.workers, use_ray=args.ray is not None,
                           ray_address=args.ray or None, progress=wanted(args.progress, json=args.json),
                           verbose=args.verbose, max_runs=args.max_runs)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"store": str(store.path), "spec": spec.name, "counts": counts}))
    else:
        print(f"sweep {spec.name}: {counts['done']} done, {counts['failed']} failed, {counts['left']} left "
              f"(store {store.path})")
    return 0 if counts["failed"] == 0 else 1


def _status(args) -> int:
    from ..experiments.store import Store
    store = Store(args.store, create=False)
    try:
        specs = store.specs()
        per = [{"spec": s["name"], "hash": s["hash"][:12], **store.status(s["hash"])} for s in specs]
    finally:
        store.close()
    if args.json:
        print(json.dumps({"store": args.store, "specs": per}))
        return 0
    if not per:
        print(f"{args.store}: no sweeps yet")
    for s in per:
        c = s["counts"]
        print(f"{s['spec']} ({s['hash']}): {c['done']} done, {c['running']} running, {c['failed']} failed, "
              f"{c['pending'] + c['stale']} not started ({c['stale']} left by a stopped sweep)")
        for f in s["failed"]:
            p = f["params"]
            print(f"  failed {f['key']} (d={p['d']}, teacher {p['teacher_seed']}, m={p['m']}, width {p['width']}, "
                  f"{p['batch']['label']}, seed {p['seed']}): {f['error']}")
    return 0


def _report(args) -> int:
    from ..experiments.report import report
    return report(args)


def _illustrate(args) -> int:
    from ..experiments.illustration import command
    return command(args)
