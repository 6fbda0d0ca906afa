"""`make mutation`: mutmut on the kernel, the bounds, the bump construction and the sup, module by
module, then the killed percentage of each (docs/testing.md).

    python tests/mutation.py [--sample K] [--jobs N] [MODULE ...]

MODULE is one of kernel, bounds, bumps, sup (default: all four).  ``--sample K`` runs every K-th
mutant of each module in mutmut's name order (a fixed, uniform sample); the default runs all.
Mutants killed in an earlier run are not rerun (``--again`` reruns them).
The mutmut configuration (test selection, deselected tests) is ``[tool.mutmut]`` in
pyproject.toml; mutmut runs each mutant against the tests of that selection that call the
mutated function.  Results accumulate in mutants/ (git-ignored); delete it to start afresh.
Exit code 0 once every module ran (the scores are printed, not enforced), 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = {"kernel": "exactrelu/kernel.py", "bounds": "exactrelu/theory/bounds.py",
           "bumps": "exactrelu/constructions/bumps.py", "sup": "exactrelu/analysis/sup.py"}
# mutmut's exit-code classes (mutmut.stats.status_by_exit_code), the ones a run leaves
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          -11: "segfault", -9: "segfault", None: "not checked"}
NO_MATCH = "exactrelu.no_such_module.x__mutmut_0"


def _meta(module: str) -> dict:
    path = ROOT / "mutants" / (MODULES[module] + ".meta")
    if not path.exists():
        return {}
    return json.loads(path.read_text())["exit_code_by_key"]


def _glob(module: str) -> str:
    """mutmut's name pattern for every mutant of a module."""
    return MODULES[module].removesuffix(".py").replace("/", ".") + ".*"


def _mutmut(*args: str) -> int:
    env = dict(os.environ, HYPOTHESIS_PROFILE=os.environ.get("HYPOTHESIS_PROFILE", "mutation"))
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=ROOT, env=env).returncode


def score(module: str, names) -> dict:
    """Counts per status over ``names``, read from mutmut's results file of the module."""
    codes = _meta(module)
    c = Counter(STATUS.get(codes.get(n), "suspicious") for n in names)
    total = len(names)
    return {"module": MODULES[module], "total": total, **c,
            "killed_pct": round(100 * c["killed"] / total, 1) if total else 0.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("modules", nargs="*", metavar="MODULE")
    ap.add_argument("--sample", type=int, default=1, help="run every K-th mutant (default 1: all)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutmut worker processes")
    ap.add_argument("--again", action="store_true", help="rerun the mutants already killed too")
    args = ap.parse_args(argv)
    bad = [m for m in args.modules if m not in MODULES]
    if bad or args.sample < 1 or args.jobs < 1:
        print(f"mutation: unknown module {bad[0]!r} (one of {', '.join(MODULES)})" if bad
              else "mutation: --sample and --jobs must be >= 1", file=sys.stderr)
        return 2
    modules = args.modules or list(MODULES)
    if not all(_meta(m) for m in modules):
        # mutmut generates the mutants and maps tests to functions, then finds nothing to run
        _mutmut("run", "--max-children", str(args.jobs), NO_MATCH)
    rows = []
    for m in modules:
        names = sorted(_meta(m))[::args.sample]
        codes = _meta(m)
        # a kill stays a kill while the function is unchanged (mutmut resets the results of a
        # changed function, and tests are only added); everything else runs again
        todo = names if args.again else [n for n in names if STATUS.get(codes.get(n)) != "killed"]
        print(f"== {MODULES[m]}: {len(names)} mutants, {len(todo)} to run", flush=True)
        if todo:
            _mutmut("run", "--max-children", str(args.jobs),
                    *(todo if len(todo) < len(codes) else [_glob(m)]))
        rows.append(score(m, names))
    print(f"\n{'module':34} {'killed':>7} {'timeout':>7} {'survived':>8} {'no tests':>8} {'total':>6}  killed %")
    for r in rows:
        print(f"{r['module']:34} {r.get('killed', 0):7d} {r.get('timeout', 0):7d} {r.get('survived', 0):8d} "
              f"{r.get('no tests', 0):8d} {r['total']:6d}  {r['killed_pct']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
