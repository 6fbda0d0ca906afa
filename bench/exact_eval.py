"""Exact evaluation throughput on the reference networks, every method side by side in one run.

Networks and points (the project's reference networks, docs/benchmarks.md), from fixed seeds:
ref-net (d = 4, four hidden layers of width 32, scalar output, entries k/256 with k uniform
in [-128, 128]) and ref-net-nondyadic (entries k/m, m uniform in 1..256, |k/m| <= 1/2);
points with coordinates k/1024, k uniform in [-1024, 1024].

Methods, each from the same list of Fraction points:
  exactrelu   exactrelu.evaluate.evaluate_batch (Fractions out)
  fmpq_mat    python-flint fmpq_mat, all points as columns, bias and ReLU by a Python loop
              (the naive fast exact baseline; fewer points, reported as points/s)
  sympy       sympy Matrix of Rationals, batched (fewer points still)
  numpy f64   float64 BLAS on points already converted to float64: the speed limit, not exact

Each figure is the median of the repeats, methods interleaved within each repeat so that a
change of load on a shared machine hits them alike.  The clock is the process's CPU time by
default: with every method on one core it is what a quiet machine's wall clock shows, and
other jobs on a shared machine barely move it (--clock wall for the wall clock).  Ratios are exactrelu's points/s divided
by the other method's (so >= 20 against fmpq_mat and >= 0.1 against numpy are the targets).
The engine's outputs must equal fmpq_mat's exactly on the common points (and sympy's on its
points): otherwise the script exits 1.

BLAS runs single-threaded by default (--blas-threads) so that all methods use one core as
python-flint and sympy do; multithreaded OpenBLAS also collapses on a loaded machine.

    python bench/exact_eval.py [--quick] [--json] [--repeats R] [--clock cpu|wall] [--blas-threads T]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from fractions import Fraction


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per method (default 5, quick 1)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="process CPU time (default; robust on shared machines) or wall-clock time")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads for numpy (default 1; 0 leaves the library's default)")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # must precede the first import of numpy (run as a script: bench/ is on sys.path)
    from _blas import pin_threads
    pin_threads(ARGS.blas_threads)

import flint  # noqa: E402
import numpy as np  # noqa: E402
import sympy  # noqa: E402

from exactrelu.evaluate import EvalStats, evaluate_batch  # noqa: E402
from exactrelu.net import Net  # noqa: E402

SIZES = {  # (engine and numpy points, fmpq_mat points, sympy points)
    "ref-net": {"full": (100_000, 5_000, 200), "quick": (2_000, 300, 20)},
    "ref-net-nondyadic": {"full": (2_000, 2_000, 40), "quick": (200, 100, 5)},
}


def reference_net(nondyadic: bool, seed: int = 1) -> Net:
    """The reference network of performance-baselines.md (fixed seed)."""
    rng = random.Random(seed)

    def entry():
        if not nondyadic:
            return Fraction(rng.randint(-128, 128), 256)
        m = rng.randint(1, 256)
        return Fraction(rng.randint(-(m // 2), m // 2), m)
    dims = [4, 32, 32, 32, 32, 1]
    return Net([([[entry() for _ in range(dims[l])] for _ in range(dims[l + 1])],
                 [entry() for _ in range(dims[l + 1])]) for l in range(len(dims) - 1)])


def reference_points(n: int, seed: int = 2):
    rng = random.Random(seed)
    return [tuple(Fraction(rng.randint(-1024, 1024), 1024) for _ in range(4)) for _ in range(n)]


# -- the baselines ---------------------------------------------------------------------------

def fmpq_baseline(net, points):
    """python-flint fmpq_mat, points as columns; bias and ReLU by a Python loop over entries."""
    N, zero = len(points), flint.fmpq(0)
    A = flint.fmpq_mat(net.input_dim, N, [flint.fmpq(x.numerator, x.denominator)
                                          for j in range(net.input_dim) for x in (p[j] for p in points)])
    last = net.depth - 1
    for l, lay in enumerate(net.layers):
        W = flint.fmpq_mat([[flint.fmpq(w.numerator, w.denominator) for w in row] for row in lay.weight])
        ents = (W * A).entries()
        out = []
        for i, b in enumerate(lay.bias):
            bi = flint.fmpq(b.numerator, b.denominator)
            for v in ents[i * N:(i + 1) * N]:
                s = v + bi
                out.append(s if l == last or s > 0 else zero)
        A = flint.fmpq_mat(len(lay.bias), N, out)
    return [tuple(Fraction(int(A[i, k].p), int(A[i, k].q)) for i in range(A.nrows())) for k in range(N)]


def sympy_baseline(net, points):
    """sympy Matrix of Rationals, points as columns."""
    N = len(points)
    A = sympy.Matrix(net.input_dim, N, lambda j, k: sympy.Rational(points[k][j].numerator, points[k][j].denominator))
    last = net.depth - 1
    for l, lay in enumerate(net.layers):
        W = sympy.Matrix([[sympy.Rational(w.numerator, w.denominator) for w in row] for row in lay.weight])
        b = sympy.Matrix([sympy.Rational(v.numerator, v.denominator) for v in lay.bias])
        A = W * A + b * sympy.ones(1, N)
        if l < last:
            A = A.applyfunc(lambda v: v if v > 0 else sympy.Integer(0))
    return [tuple(Fraction(int(A[i, k].p), int(A[i, k].q)) for i in range(A.rows)) for k in range(N)]


def numpy_f64(layers, X):
    """float64 twin on X (d, N) already in float64, points as columns (BLAS's fast shape)."""
    A, last = X, len(layers) - 1
    for l, (W, b) in enumerate(layers):
        A = W @ A + b
        if l < last:
            np.maximum(A, 0.0, out=A)
    return A


# -- the run ---------------------------------------------------------------------------------

def measure(name: str, quick: bool, repeats: int, clock) -> tuple[dict, list[str], bool]:
    net = reference_net(nondyadic=name.endswith("nondyadic"))
    n_exact, n_fmpq, n_sympy = SIZES[name]["quick" if quick else "full"]
    points = reference_points(n_exact)
    X = np.array([[float(x) for x in p] for p in points], dtype=np.float64).T.copy()
    twin = [(np.array([[float(w) for w in row] for row in lay.weight]), np.array([[float(b)] for b in lay.bias]))
            for lay in net.layers]
    runs = {
        "exactrelu": (n_exact, lambda: evaluate_batch(net, points)),
        "fmpq_mat": (n_fmpq, lambda: fmpq_baseline(net, points[:n_fmpq])),
        "sympy_matrix": (n_sympy, lambda: sympy_baseline(net, points[:n_sympy])),
        "numpy_f64": (n_exact, lambda: numpy_f64(twin, X)),
    }
    evaluate_batch(net, points[:50])  # warm-up: one-time costs (imports, the prime table)
    fmpq_baseline(net, points[:5])
    times = {k: [] for k in runs}
    results = {}
    for _ in range(repeats):
        for key, (_, fn) in runs.items():
            t0 = clock()
            results[key] = fn()
            times[key].append(clock() - t0)
    rate = {k: runs[k][0] / statistics.median(times[k]) for k in runs}
    figures = {f"{k}_pts_per_s": round(rate[k], 1) for k in runs}
    figures["ratio_vs_fmpq_mat"] = round(rate["exactrelu"] / rate["fmpq_mat"], 2)
    figures["ratio_vs_numpy_f64"] = round(rate["exactrelu"] / rate["numpy_f64"], 3)

    engine = results["exactrelu"]
    agree_fmpq = engine[:n_fmpq] == results["fmpq_mat"]
    agree_sympy = engine[:n_sympy] == results["sympy_matrix"]
    stats = EvalStats()
    evaluate_batch(net, points[:min(n_exact, 16384)], stats=stats)
    paths = ", ".join(f"L{l}:{p}({b}b)" for l, p, b in stats.layers[:net.depth])
    lines = [f"{name}: {n_exact} points; engine paths per layer (bound bits) {paths}"]
    for key, label in (("exactrelu", "exactrelu engine"), ("fmpq_mat", "python-flint fmpq_mat (baseline)"),
                       ("sympy_matrix", "sympy Matrix (baseline)"), ("numpy_f64", "numpy float64 (limit, inexact)")):
        r = rate["exactrelu"] / rate[key]
        rel = "" if key == "exactrelu" else (f"exactrelu {r:8.1f}x faster" if r >= 1 else f"exactrelu {1 / r:6.1f}x slower")
        lines.append(f"  {label:36} {runs[key][0]:>7} pts {rate[key]:>14,.0f} pts/s   {rel}")
    lines.append(f"  exact agreement: fmpq_mat on {n_fmpq} points {'yes' if agree_fmpq else 'NO'}, "
                 f"sympy on {n_sympy} points {'yes' if agree_sympy else 'NO'}")
    return figures, lines, agree_fmpq and agree_sympy


def main(args) -> int:
    repeats = args.repeats or (1 if args.quick else 5)
    report, text, ok = {}, [], True
    for name in ("ref-net", "ref-net-nondyadic"):
        clock = time.process_time if args.clock == "cpu" else time.perf_counter
        figures, lines, agree = measure(name, args.quick, repeats, clock)
        report[name] = figures
        text += lines
        ok = ok and agree
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "library default")
        print(f"# exact evaluation throughput (median of {repeats}; BLAS threads: {threads}; "
              f"{os.cpu_count()} cores; {args.clock} clock)")
        print("\n".join(text))
    if not ok:
        print("exactrelu's outputs differ from a baseline's: NOT VERIFIED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
