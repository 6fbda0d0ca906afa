"""Proper versus improper learning of bounded-weight ReLUs in eps (issue 11, item 6): cost and loss side by side.

One seeded synthetic instance per run (exactrelu.learning.proper_improper: x uniform in the unit ball of
R^d, teacher rows uniform on the unit sphere), every learner on the same training data, every eps in the
same run:
  proper     JL (orthonormalised Gaussian) projection to m = ceil(1/eps^2), full grid eps-net of the unit
             ball of R^m, lift w = P^T v, best empirical square loss; enumerated only while the net fits
             the budget (its size is reported either way)
  improper   ridge regression over all polynomials of degree <= ceil(1/eps) in d variables
             (Goel, Kanade, Klivans, Thaler 2017), C(d + deg, deg) features, within the feature budget
  proper k=2 two units with output weights in {+1, -1}, every pair of net points (a +1/-1 teacher)
Runs: realizable (k = 1), agnostic (k = 1, label noise 0.1, a smaller net budget), realizable k = 2.
Columns: excess = test loss minus the teacher's test loss; time in process CPU seconds (--clock wall for
the wall clock), BLAS on one thread (--blas-threads).  Fits: least squares of log time (and log size)
against 1/eps^2 (proper) and 1/eps (improper), and both against log(1/eps) for comparison.
Floats throughout: a sweep for a table and a figure, no verdict; the learners are our reconstruction.

    python bench/proper_improper.py [--quick] [--json] [-o FIG.png] [--d D] [--n N] [--seed S] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

EPS_FULL = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.42, 0.4, 0.38, 0.36, 1 / 3, 0.3, 0.25, 0.2, 1 / 6, 1 / 7,
            1 / 8, 1 / 9, 1 / 10, 1 / 11]
EPS_QUICK = [0.9, 0.7, 0.5, 0.45, 0.42, 1 / 3, 0.25, 0.2, 1 / 6]
EPS_K2 = [0.9, 0.8, 0.7, 0.6, 0.5, 0.45]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print the rows and fits as JSON only")
    ap.add_argument("-o", "--output", default=None, help="write a figure (PNG; needs matplotlib)")
    ap.add_argument("--d", type=int, default=5, help="input dimension (default 5)")
    ap.add_argument("--n", type=int, default=None, help="training points (default 3000, quick 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0: the library's)")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # must precede the first import of numpy (run as a script: bench/ is on sys.path)
    from _blas import pin_threads
    pin_threads(ARGS.blas_threads)

from exactrelu.learning import proper_improper as pi  # noqa: E402


def runs(args):
    n = args.n or (1000 if args.quick else 3000)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    common = {"d": args.d, "n": n, "seed": args.seed, "n_test": 5000, "clock": clock}
    if args.quick:
        return {"realizable": pi.measure(EPS_QUICK, budget=50_000, max_features=500, **common),
                "agnostic": pi.measure(EPS_QUICK, noise=0.1, budget=5_000, max_features=500, **common),
                "k2": pi.measure(EPS_K2[:4], k=2, budget=10_000, max_features=100, **common)}
    return {"realizable": pi.measure(EPS_FULL, budget=3_000_000, max_features=4_400, **common),
            "agnostic": pi.measure(EPS_FULL, noise=0.1, budget=300_000, max_features=4_400, **common),
            "k2": pi.measure(EPS_K2, k=2, budget=5_000_000, max_features=100, **common)}


def _f(v, spec):
    width = spec.split(".")[0]
    return f"{'-':>{width}}" if v is None else format(v, spec)


def table(name, M) -> list[str]:
    p = M.params
    proper = "proper k=2" if p["k"] == 2 else "proper"
    out = [f"## {name}: d = {p['d']}, n = {p['n']}, n_test = {p['n_test']}, k = {p['k']}, noise = {p['noise']}, "
           f"net budget {p['budget']}, feature budget {p['max_features']}; teacher's test loss "
           f"{M.rows[0]['best_test']:.4g}",
           f"{'eps':>7} {'1/eps^2':>8} {'m':>4} {'net size':>10} {proper + ' s':>13} {proper + ' excess':>18}"
           f" {'deg':>4} {'features':>8} {'improper s':>11} {'improper excess':>15}"]
    for r in M.rows:
        size = (f"{r['proper_size']:>10d}" if r["proper_time"] is not None
                else f"{'>=' + format(r['proper_size'], '.1e'):>10}")
        out.append(f"{r['eps']:7.4f} {1 / r['eps'] ** 2:8.2f} {r['m']:4d} {size} {_f(r['proper_time'], '13.4f')}"
                   f" {_f(r['proper_excess'], '18.5f')} {r['degree']:4d} {r['improper_features']:8d}"
                   f" {_f(r['improper_time'], '11.4f')} {_f(r['improper_excess'], '15.5f')}")
    out.append("fits (log y = a + b x, least squares over the measured eps):")
    for key, f in M.fits.items():
        out.append(f"  {key:32s} b = {f['slope']:8.3f}  a = {f['intercept']:8.3f}  R^2 = {f['r2']:.3f}"
                   f"  ({f['points']} points)")
    return out


def figure(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, M, style in (("realizable", res["realizable"], "-"), ("agnostic", res["agnostic"], ":")):
        P = [r for r in M.rows if r["proper_time"] is not None]
        Q = [r for r in M.rows if r["improper_time"] is not None]
        ax1.semilogy([1 / r["eps"] for r in P], [r["proper_time"] for r in P], "o" + style, color="C0",
                     label=f"proper, {name}")
        ax1.semilogy([1 / r["eps"] for r in Q], [r["improper_time"] for r in Q], "s" + style, color="C1",
                     label=f"improper, {name}")
        ax2.semilogy([1 / r["eps"] for r in P], [max(r["proper_excess"], 1e-6) for r in P], "o" + style,
                     color="C0", label=f"proper, {name}")
        ax2.semilogy([1 / r["eps"] for r in Q], [max(r["improper_excess"], 1e-6) for r in Q], "s" + style,
                     color="C1", label=f"improper, {name}")
    K = [r for r in res["k2"].rows if r["proper_time"] is not None]
    ax1.semilogy([1 / r["eps"] for r in K], [r["proper_time"] for r in K], "^-", color="C2", label="proper k=2")
    ax2.semilogy([1 / r["eps"] for r in K], [max(r["proper_excess"], 1e-6) for r in K], "^-", color="C2",
                 label="proper k=2")
    ax1.set(xlabel="1/eps", ylabel="time (s)", title="cost: net enumeration vs polynomial regression")
    ax2.set(xlabel="1/eps", ylabel="test loss - teacher's test loss", title="excess test loss")
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"proper vs improper, one bounded-weight ReLU (synthetic, d = {res['realizable'].params['d']}; "
                 "our reconstruction)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(args) -> int:
    t0 = time.perf_counter()
    res = runs(args)
    if args.json:
        print(json.dumps({k: {"rows": M.rows, "fits": M.fits, "params": {p: v for p, v in M.params.items()}}
                          for k, M in res.items()}, indent=1, default=str))
    else:
        print(f"# proper vs improper learning of bounded-weight ReLUs ({args.clock} clock, "
              f"{time.perf_counter() - t0:.0f} s wall in all)")
        for name, M in res.items():
            print("\n".join(table(name, M)))
            print()
    if args.output:
        figure(res, args.output)
    bad = [(k, r["eps"]) for k, M in res.items() for r in M.rows
           if r["proper_norm"] is not None and r["proper_norm"] > 1 + 1e-12]
    if bad or any(math.isnan(M.fits["proper_size_vs_inv_eps2"]["slope"]) for M in res.values()):
        print(f"a proper output left the unit ball or too few eps were measured: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
