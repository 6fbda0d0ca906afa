"""The harness every ``proofs/*.py`` script runs under.

A script defines ``checks(report, quick=False, **hooks)`` and ends with
``raise SystemExit(run_script(checks))``.  Inside, each claim is a block::

    with report.claim("bump.peak", "slides [S]; [R] reconstruction", "phi_y(y) = c^L (3d)^(L-2)/(2M)") as c:
        c.over(d=ds, L=Ls, M=Ms)          # the finite instance set: "d in 1..3; L in {3, 5}; ..."
        for d, L, M in product(ds, Ls, Ms):
            c.check(value(d, L, M) == expected(d, L, M), f"peak at d={d} L={L} M={M}")

It fails closed: a claim held only if it checked at least one instance, every check was
an exact ``True`` (a float or numpy bool is refused), and nothing raised.  A crash, a
skipped claim or zero instances is NOT VERIFIED.  VERIFIED means: held on each of the
finitely many instances checked; ``Claim.over`` records which ones (the report prints them,
and a claim that recorded none says so).  Hooks let tests inject a broken
construction or a wrong constant and watch the script fail.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Claim", "Report", "run_script", "run_checks", "run_claims", "pmap"]


@dataclass
class Claim:
    id: str
    source: str
    statement: str = ""
    instances: int = 0
    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    ranges: list = field(default_factory=list)

    def over(self, text: str = "", **params) -> "Claim":
        """Record the instance set this claim runs over, as text and/or named parameter values.

        ``c.over(d=range(1, 4), L=(3, 5), c=2)`` records ``"d in 1..3; L in {3, 5}; c = 2"``; call it once per
        instance family (each call is one entry of the claim's ``over`` list).
        """
        parts = ([text] if text else []) + [_param(k, v) for k, v in params.items()]
        if not parts:
            raise ValueError("over() needs a description or at least one parameter")
        self.ranges.append("; ".join(parts))
        return self

    def check(self, ok, what: str = "") -> bool:
        """Record one instance; ``ok`` must be a real bool decided exactly."""
        if type(ok) is not bool:
            self.failures.append(f"non-boolean verdict {type(ok).__name__} for {what}")
            return False
        self.instances += 1
        if not ok:
            self.failures.append(what or f"instance {self.instances}")
        return ok

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def held(self) -> bool:
        return self.instances > 0 and not self.failures

    def row(self) -> dict:
        return {"id": self.id, "source": self.source, "statement": self.statement,
                "instances": self.instances, "held": self.held,
                "result": "VERIFIED" if self.held else "NOT VERIFIED",
                "failures": self.failures[:5], "n_failures": len(self.failures),
                "over": list(self.ranges), "notes": self.notes, "seconds": round(self.seconds, 3)}


def _param(name, v) -> str:
    """'d in 1..6' for a run of consecutive integers, 'c in {1/2, 2}' for a finite set, 'L = 5' for one value."""
    if isinstance(v, str) or not hasattr(v, "__iter__"):
        return f"{name} = {v}"
    vals = list(v)
    if len(vals) > 2 and all(type(x) is int for x in vals) and vals == list(range(vals[0], vals[0] + len(vals))):
        return f"{name} in {vals[0]}..{vals[-1]}"
    shown = ", ".join(str(x) for x in vals[:12])
    return f"{name} in {{" + shown + (f", ... ({len(vals)} values)" if len(vals) > 12 else "") + "}"


class Report:
    def __init__(self, title: str):
        self.title = title
        self.claims: list[Claim] = []

    @contextmanager
    def claim(self, cid: str, source: str, statement: str = ""):
        c = Claim(cid, source, statement)
        self.claims.append(c)
        t0 = time.perf_counter()
        try:
            yield c
        except Exception as e:  # a crash is a failure, never a pass
            c.failures.append(f"crashed: {e.__class__.__name__}: {e}")
            c.notes.append(traceback.format_exc(limit=3).strip().splitlines()[-1])
        finally:
            c.seconds = time.perf_counter() - t0
            if c.instances == 0 and not c.failures:
                c.failures.append("no instances checked")

    @property
    def ok(self) -> bool:
        return bool(self.claims) and all(c.held for c in self.claims)

    def table(self) -> str:
        lines = [f"# {self.title}", f"{'claim':34} {'source':28} {'inst':>6} {'time':>7}  result"]
        for c in self.claims:
            lines.append(f"{c.id:34} {c.source[:28]:28} {c.instances:6d} {c.seconds:6.2f}s  "
                         f"{'VERIFIED' if c.held else 'NOT VERIFIED: ' + c.failures[0]}")
            over = "; ".join(c.ranges) or "not recorded"
            lines.append("    instances: " + (over if len(over) <= 110 else over[:107] + "..."))
        lines.append("VERIFIED" if self.ok else "NOT VERIFIED")
        return "\n".join(lines)


def run_claims(report, quick: bool, hooks: dict, claims, known) -> None:
    """Run a script's claims [(id, fn(report, quick, hooks)), ...]: every one, or those named by the
    hook ``only`` (a set of ids); a hook not in ``known`` is refused (a misspelt hook breaks nothing)."""
    unknown = set(hooks) - set(known)
    if unknown:
        raise ValueError(f"unknown hooks: {', '.join(sorted(unknown))}")
    only = hooks.get("only")
    for cid, fn in claims:
        if only is None or cid in only:
            fn(report, quick, hooks)


_PMAP = {}


def _pmap_one(i):
    return _PMAP["fn"](_PMAP["items"][i])


def pmap(fn, items, jobs=None) -> list:
    """[fn(x) for x in items], computed in forked worker processes (``jobs``, default one per core) when
    there are several items and the platform can fork, else here.  ``fn`` and the items reach the
    workers by the fork (any closure works: they are never pickled); only the results are pickled back,
    in order.  The work is the same either way: the verdicts stay the caller's."""
    import multiprocessing
    import os
    items = list(items)
    jobs = os.cpu_count() or 1 if jobs is None else jobs
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(x) for x in items]
    _PMAP.update(fn=fn, items=items)
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(items))) as pool:
            return pool.map(_pmap_one, range(len(items)), chunksize=max(1, min(8, len(items) // (8 * jobs))))
    finally:
        _PMAP.clear()


def run_checks(checks, quick: bool = False, title: str | None = None, **hooks) -> Report:
    """Run a script's ``checks`` in-process (tests use this with broken hooks)."""
    rep = Report(title or getattr(checks, "__module__", "proof"))
    try:
        checks(rep, quick=quick, **hooks)
    except Exception as e:  # a crash outside any claim still fails the script
        with rep.claim("script", "harness", "the script ran to the end") as c:
            c.failures.append(f"crashed: {e.__class__.__name__}: {e}")
    return rep


def run_script(checks, argv=None, title: str | None = None) -> int:
    """Command-line entry of a proofs/ script: prints the table, exit 0 only if all held."""
    doc = (checks.__doc__ or "").strip()
    ap = argparse.ArgumentParser(description=title or (doc.splitlines()[0] if doc else None))
    ap.add_argument("--quick", action="store_true", help="smaller instance sets")
    ap.add_argument("--json-out", help="also write the claim rows as JSON to this file")
    args = ap.parse_args(argv)
    if title is not None:
        name = title
    else:
        main = sys.modules.get("__main__")
        name = getattr(main, "__file__", None) or getattr(checks, "__module__", "proof")
    rep = run_checks(checks, quick=args.quick, title=str(name))
    print(rep.table())
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"script": str(name), "ok": rep.ok, "claims": [c.row() for c in rep.claims]}, f)
    return 0 if rep.ok else 1
