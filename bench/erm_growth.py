"""The cost of exact training (issue 11, item 4): cells visited and time of the exact ERM against n and d.

Seeded random rational data (``instance``), every coordinate k/8 with k uniform in [-8, 8] (points in
[-1, 1]^d); a planted network sum_u a_u relu(w_u . x + b_u) with w entries k/8 in [-1, 1], b entries
k/8 in [-1/2, 1/2] and a = (+1) for one unit, (+1, -1) for two; labels
  planted   the planted network's values (realizable: the optimum is 0)
  noisy     the planted values plus k/32, k uniform in [-4, 4] (noise in [-1/8, 1/8])
  random    k/8 with k uniform in [-8, 8], independent of the points (agnostic; the planted net unused)
The exact ERM (exactrelu.learning.erm.erm, realizable=False: the full search for the global optimum over
ALL real parameters) runs on each instance with a time limit; its search's nodes (every cone the branch
and bound opened) and leaves (the closed cells of the arrangement it reached at full depth, each one
exact QP) are the cells visited; time is process CPU seconds (--clock wall for the wall clock).
Beside them, three counts for the same n, d, k (D = d + 1 with bias):
  gp_affine   sum_{i <= D} C(n, i): the cells of n affine hyperplanes in general position in R^D
  gp_central  2 sum_{i < D} C(n - 1, i): the cells of n central hyperplanes in general position in R^D,
              the most activation patterns one unit can have (Cover's count; <= gp_affine)
  bound       pattern_bound(n, d, k, bias) = (k + 1) gp_central^k, the search's upper bound on leaves
Fits: least squares of log(median nodes), log(median leaves + 1) and log(median time) against log n at
fixed (k, d, labels), and of the same logs against d at a fixed n (D_GROWTH_N; the growth in d).
Runs whose search hits the time limit are reported as such and left out of the medians and fits.
Floats only for the fits and the figure; the optimum itself is exact (and each certificate can be
replayed: --replay replays every one with exactrelu.erm_kernel.check_erm and exits 1 if one fails).

    python bench/erm_growth.py [--quick] [--json] [-o FIG.png] [--seeds S] [--time-limit T] [--clock cpu|wall]
                               [--replay] [--progress]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from fractions import Fraction
from math import comb

from exactrelu.erm_kernel import check_erm
from exactrelu.errors import InputError
from exactrelu.learning.erm import ErmLimit, erm, pattern_bound

LABELS = ("planted", "noisy", "random")
LABEL_MODELS = LABELS

#: (k, d) -> the n measured, per label model ("random" stops sooner: its search is the longest); full and
#: quick grids.  Bias on throughout.
GRID = {
    "full": {(1, 1): {"planted": (8, 16, 32, 64), "noisy": (8, 16, 32, 64), "random": (8, 16, 32, 64)},
             (1, 2): {"planted": (8, 12, 16, 24, 32), "noisy": (8, 12, 16, 24, 32), "random": (8, 12, 16, 24)},
             (1, 3): {"planted": (8, 12, 16, 20, 24), "noisy": (8, 12, 16, 20, 24), "random": (8, 12, 16)},
             (1, 4): {"planted": (8, 10, 12, 14), "noisy": (8, 10, 12, 14), "random": (8, 10, 12)},
             (2, 1): {"planted": (6, 8, 10, 12, 16), "noisy": (6, 8, 10, 12, 16), "random": (6, 8, 10, 12)},
             (2, 2): {"planted": (6, 8, 10, 12, 14), "noisy": (6, 8, 10, 12, 14), "random": (6, 8, 10)}},
    "quick": {(1, 1): {"planted": (6, 10), "noisy": (6, 10), "random": (6, 10)},
              (1, 2): {"planted": (6, 10), "noisy": (6, 10), "random": (6, 10)},
              (2, 1): {"planted": (4, 6), "noisy": (4, 6), "random": (4, 6)}},
}
SEEDS = {"full": 3, "quick": 1}
D_GROWTH_N = {1: (8, 12), 2: (6, 10)}        # the n at which the d of a k are compared (those measured there)


def instance(n: int, d: int, k: int, seed: int, labels: str = "noisy"):
    """(points, labels, planted params) as Fractions, from ``seed`` (the distribution of the module doc)."""
    if labels not in LABEL_MODELS:
        raise InputError(f"labels={labels!r}: must be one of {', '.join(LABEL_MODELS)}")
    if n < 1 or d < 1 or k < 1:
        raise InputError(f"n={n}, d={d}, k={k}: each must be >= 1")
    rng = random.Random(f"erm-growth:{n}:{d}:{k}:{seed}")
    pts = [tuple(Fraction(rng.randint(-8, 8), 8) for _ in range(d)) for _ in range(n)]
    w = [[Fraction(rng.randint(-8, 8), 8) for _ in range(d)] for _ in range(k)]
    b = [Fraction(rng.randint(-4, 4), 8) for _ in range(k)]
    a = [1 if u % 2 == 0 else -1 for u in range(k)]
    ys = []
    for x in pts:
        f = sum((a[u] * max(Fraction(0), sum((wi * xi for wi, xi in zip(w[u], x)), Fraction(0)) + b[u])
                 for u in range(k)), Fraction(0))
        if labels == "noisy":
            f += Fraction(rng.randint(-4, 4), 32)
        elif labels == "random":
            f = Fraction(rng.randint(-8, 8), 8)
        ys.append(f)
    return pts, ys, {"w": w, "b": b, "a": a}


def counts(n: int, d: int, k: int, bias: bool = True) -> dict:
    """The arrangement counts of the module doc (exact integers)."""
    D = d + bool(bias)
    central = 2 * sum(comb(n - 1, i) for i in range(D))
    return {"gp_affine": sum(comb(n, i) for i in range(D + 1)), "gp_central": central,
            "bound": pattern_bound(n, d, k, bias)}


def run_one(n, d, k, seed, labels, time_limit, clock=time.process_time, replay=False):
    """One exact ERM run: a row dict (nodes, leaves, seconds, loss as text, counts; timeout flag)."""
    pts, ys, _ = instance(n, d, k, seed, labels)
    row = {"k": k, "d": d, "n": n, "seed": seed, "labels": labels, **counts(n, d, k)}
    t0 = clock()
    try:
        r = erm(pts, ys, k, True, time_limit=time_limit, max_patterns=10 ** 12)
    except ErmLimit as e:
        row.update(timeout=True, seconds=clock() - t0, nodes=e.result.stats.get("nodes"),
                   leaves=e.result.stats.get("leaves"), loss=None)
        return row
    row.update(timeout=False, seconds=clock() - t0, nodes=r.stats["nodes"], leaves=r.stats["leaves"],
               loss=str(r.loss))
    if replay:
        t1 = clock()
        chk = check_erm(pts, ys, k, True, r.certificate)
        row.update(replay_seconds=clock() - t1, replay_ok=chk.exact and chk.lower == r.loss)
    return row


def fit(xs, ys):
    """Least squares y = a + b x: {"slope", "intercept", "r2", "points"} (NaN slope with < 2 points)."""
    m = len(xs)
    if m < 2 or len(set(xs)) < 2:
        return {"slope": math.nan, "intercept": math.nan, "r2": math.nan, "points": m}
    mx, my = sum(xs) / m, sum(ys) / m
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    ss = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / ss if ss else 1.0
    return {"slope": b, "intercept": a, "r2": r2, "points": m}


def summarise(rows):
    """Median rows per (k, d, labels, n) over the seeds that finished."""
    groups = {}
    for r in rows:
        groups.setdefault((r["k"], r["d"], r["labels"], r["n"]), []).append(r)
    out = []
    for (k, d, lab, n), rs in sorted(groups.items()):
        ok = [r for r in rs if not r["timeout"]]
        med = (lambda key: statistics.median(r[key] for r in ok)) if ok else (lambda key: None)
        out.append({"k": k, "d": d, "labels": lab, "n": n, "runs": len(rs), "timeouts": len(rs) - len(ok),
                    "nodes": med("nodes"), "leaves": med("leaves"), "seconds": med("seconds"),
                    "max_seconds": max(r["seconds"] for r in rs), **counts(n, d, k)})
    return out


def fits(summary):
    """Log-log fits against n per (k, d, labels), and log-linear fits against d at D_GROWTH_N[k]."""
    res = {}
    series = {}
    for s in summary:
        if s["nodes"] is not None:
            series.setdefault((s["k"], s["d"], s["labels"]), []).append(s)
    for (k, d, lab), ss in sorted(series.items()):
        ln = [math.log(s["n"]) for s in ss]
        res[f"k={k} d={d} {lab}: vs log n"] = {
            "nodes": fit(ln, [math.log(s["nodes"]) for s in ss]),
            "leaves+1": fit(ln, [math.log(s["leaves"] + 1) for s in ss]),
            "seconds": fit(ln, [math.log(s["seconds"]) for s in ss]),
            "bound": fit(ln, [math.log(s["bound"]) for s in ss]),
            "gp_affine": fit(ln, [math.log(s["gp_affine"]) for s in ss])}
    for k, n in ((k, n) for k, ns in D_GROWTH_N.items() for n in ns):
        for lab in LABELS:
            ss = sorted((s for s in summary if s["k"] == k and s["n"] == n and s["labels"] == lab
                         and s["nodes"] is not None), key=lambda s: s["d"])
            if len(ss) >= 2:
                dd = [s["d"] for s in ss]
                res[f"k={k} n={n} {lab}: vs d"] = {
                    "nodes": fit(dd, [math.log(s["nodes"]) for s in ss]),
                    "leaves+1": fit(dd, [math.log(s["leaves"] + 1) for s in ss]),
                    "seconds": fit(dd, [math.log(s["seconds"]) for s in ss]),
                    "bound": fit(dd, [math.log(s["bound"]) for s in ss])}
    return res


def measure(grid, seeds, time_limit, clock=time.process_time, replay=False, labels=LABELS, progress=False):
    """Every run of the grid {(k, d): {labels: (n, ...)}} (or {(k, d): (n, ...)}, every label model alike):
    (rows, summary, fits)."""
    if seeds < 1:
        raise InputError(f"seeds={seeds}: must be >= 1")
    if not time_limit > 0:
        raise InputError(f"time_limit={time_limit}: must be > 0")
    run_one(4, 1, 1, 0, "noisy", time_limit, clock)          # warm-up: imports and caches out of the first row
    rows = []
    for (k, d), per in grid.items():
        for lab in labels:
            for n in (per.get(lab, ()) if isinstance(per, dict) else per):
                t0 = time.perf_counter()
                rows += [run_one(n, d, k, s, lab, time_limit, clock, replay) for s in range(seeds)]
                if progress:
                    print(f"  k={k} d={d} {lab} n={n}: {time.perf_counter() - t0:.1f} s wall", file=sys.stderr,
                          flush=True)
    summary = summarise(rows)
    return rows, summary, fits(summary)


def _g(v, spec):
    return f"{'-':>{spec.split('.')[0]}}" if v is None else format(v, spec)


def table(summary, fitres) -> list[str]:
    out = [f"{'k':>2} {'d':>2} {'labels':>8} {'n':>4} {'runs':>4} {'t/o':>3} {'nodes':>8} {'leaves':>7} "
           f"{'cpu s':>7} {'max s':>7} {'gp_affine':>10} {'gp_central':>10} {'bound':>10}"]
    for s in summary:
        out.append(f"{s['k']:2d} {s['d']:2d} {s['labels']:>8} {s['n']:4d} {s['runs']:4d} {s['timeouts']:3d} "
                   f"{_g(s['nodes'], '8.0f')} {_g(s['leaves'], '7.0f')} {_g(s['seconds'], '7.2f')} "
                   f"{s['max_seconds']:7.2f} {s['gp_affine']:10d} {s['gp_central']:10d} {s['bound']:10d}")
    out.append("fits (log y = a + b x; x = log n, or x = d for the growth in d; medians over seeds):")
    for key, fs in fitres.items():
        parts = "  ".join(f"{name} b={f['slope']:6.2f} (R^2 {f['r2']:.2f})" for name, f in fs.items())
        out.append(f"  {key:28s} {parts}")
    return out


def figure(summary, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ks = sorted({s["k"] for s in summary})
    fig, axes = plt.subplots(len(ks), 2, figsize=(11, 3.8 * len(ks)), squeeze=False)
    for row, k in zip(axes, ks):
        ax1, ax2 = row
        ds = sorted({s["d"] for s in summary if s["k"] == k})
        for ci, d in enumerate(ds):
            col = f"C{ci}"
            for lab, mk in (("noisy", "o-"), ("random", "^-."), ("planted", "s:")):
                ss = [s for s in summary if s["k"] == k and s["d"] == d and s["labels"] == lab
                      and s["nodes"] is not None]
                if not ss:
                    continue
                ax1.loglog([s["n"] for s in ss], [s["nodes"] for s in ss], mk, color=col,
                           label=f"d={d} nodes, {lab}")
                if lab != "planted":
                    ax1.loglog([s["n"] for s in ss], [s["leaves"] + 1 for s in ss], "x", color=col, ms=4,
                               alpha=0.7, label=f"d={d} leaves+1, {lab}" if lab == "noisy" else None)
                ax2.loglog([s["n"] for s in ss], [s["seconds"] for s in ss], mk, color=col, label=f"d={d}, {lab}")
            ns = sorted({s["n"] for s in summary if s["k"] == k and s["d"] == d})
            ax1.loglog(ns, [pattern_bound(n, d, k, True) for n in ns], "--", color=col, alpha=0.6,
                       label=f"d={d} pattern_bound")
            if k == 1:
                ax1.loglog(ns, [counts(n, d, k)["gp_affine"] for n in ns], ":", color=col, alpha=0.5, lw=2,
                           label=f"d={d} sum C(n,i), i<=d+1")
        ax1.set(xlabel="n (points)", ylabel="search nodes; x: leaves + 1",
                title=f"k={k}, bias: cells visited vs the arrangement counts")
        ax2.set(xlabel="n (points)", ylabel="CPU seconds", title=f"k={k}, bias: time of the exact ERM")
        for ax in row:
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print rows, summary and fits as JSON only")
    ap.add_argument("-o", "--output", default=None, help="write the figure (PNG; needs matplotlib)")
    ap.add_argument("--seeds", type=int, default=None, help="seeds per (k, d, n, labels) (default 3, quick 1)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per ERM run (default 20, quick 10)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--replay", action="store_true", help="replay every certificate (exit 1 if one fails)")
    ap.add_argument("--progress", action="store_true", help="one line per (k, d, labels, n) on stderr")
    args = ap.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        ap.error(f"--seeds {args.seeds}: must be >= 1")
    if args.time_limit is not None and not args.time_limit > 0:
        ap.error(f"--time-limit {args.time_limit}: must be > 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    seeds = args.seeds or SEEDS[mode]
    tl = args.time_limit or (10.0 if args.quick else 20.0)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    t0 = time.perf_counter()
    rows, summary, fitres = measure(GRID[mode], seeds, tl, clock, args.replay, progress=args.progress)
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary, "fits": fitres,
                          "params": {"mode": mode, "seeds": seeds, "time_limit": tl, "clock": args.clock}},
                         indent=1, default=str))
    else:
        print(f"# exact ERM growth ({mode}: {seeds} seed(s) per row, time limit {tl} s per run, {args.clock} clock, "
              f"{time.perf_counter() - t0:.0f} s wall in all); single ReLU and k = 2, bias on, realizable=False")
        print("\n".join(table(summary, fitres)))
    if args.output:
        figure(summary, args.output)
    bad = [r for r in rows if args.replay and not r["timeout"] and not r.get("replay_ok")]
    if bad:
        print(f"certificate replay failed for {len(bad)} run(s): {bad[:3]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
