"""The bit model's exact passes (issue 10): backpropagation throughput and the bit-length dichotomy, side by side.

Network (fixed seed): a ReLU MLP with 12 hidden layers of width 32, input dimension 32 and one output
(12 * 32 * 32 + 32 = 12,320 edges), entries k/256 with k uniform in [-128, 128] (the reference
networks' entries, docs/benchmarks.md), biases included; 8 samples with coordinates k/1024, label 0,
square loss.

Throughput (exact forward + backward over every sample, in edges per second: edges x samples / time):
  exactrelu     bitmodel.passes.backprop on the DAG of the net (fmpq arithmetic, bit accounting of every
                quantity, Fractions out); "as fmpq" is the same with python-flint fmpq out
  plain_frac    a straightforward layered backprop in Python Fractions, no accounting (the baseline)
  sympy         the same loops on sympy.Rational (fewer samples; the slow baseline)
Figures are medians of the repeats, methods interleaved within each repeat; the clock is the process's
CPU time (--clock wall for the wall clock).  exactrelu's gradient must equal both baselines' exactly,
or the script exits 1.

Dichotomy: the largest bit length of any quantity of the ReLU pass at depth 12, against the deepest
x^2 net (same widths and entry distribution, one sample) whose exact pass stays within (a) the ReLU
pass's own largest bit length, (b) the ReLU pass's wall time, (c) the figure1 default budget
(10^6 bits per quantity, 10 s per pass).

    python bench/bits.py [--quick] [--json] [--repeats R] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from fractions import Fraction

import sympy

from exactrelu.bitmodel.dag import from_net, poly
from exactrelu.bitmodel.losses import square
from exactrelu.bitmodel.passes import backprop
from exactrelu.errors import LimitReached
from exactrelu.net import Net

WIDTH, DEPTH = 32, 12


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per method (default 3, quick 1)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time (default) or wall clock")
    return ap.parse_args(argv)


def mlp(depth: int, width: int = WIDTH, seed: int = 1) -> Net:
    rng = random.Random(seed * 100 + depth)
    dims = [width] * (depth + 1) + [1]

    def entry():
        return Fraction(rng.randint(-128, 128), 256)
    return Net([([[entry() for _ in range(dims[l])] for _ in range(dims[l + 1])], [entry() for _ in range(dims[l + 1])])
                for l in range(depth + 1)])


def samples(n: int, width: int = WIDTH, seed: int = 2):
    rng = random.Random(seed)
    return [([Fraction(rng.randint(-1024, 1024), 1024) for _ in range(width)], [Fraction(0)]) for _ in range(n)]


# -- the baselines -------------------------------------------------------------------------------

def layered_backprop(net: Net, data, one, relu):
    """dL/dW per layer ([l][j][i]) for sum_i 1/2 f(x_i)^2 - y_i, by the textbook loops; ``one`` is the
    number type's 1 (Fraction(1) or sympy.Integer(1)), ``relu`` its max(0, .)."""
    Ws = [[[one * w for w in row] for row in lay.weight] for lay in net.layers]
    bs = [[one * b for b in lay.bias] for lay in net.layers]
    G = [[[0 * one for _ in row] for row in W] for W in Ws]
    for x, y in data:
        a, acts, pres = [one * v for v in x], [], []
        for l, (W, b) in enumerate(zip(Ws, bs)):
            acts.append(a)
            z = [sum((w * v for w, v in zip(row, a)), 0 * one) + bj for row, bj in zip(W, b)]
            pres.append(z)
            a = z if l == len(Ws) - 1 else [relu(v) for v in z]
        d = [v - one * t for v, t in zip(a, y)]
        for l in range(len(Ws) - 1, -1, -1):
            for j, dj in enumerate(d):
                if dj:
                    row = G[l][j]
                    for i, v in enumerate(acts[l]):
                        row[i] += dj * v
            if l:
                back = [sum((Ws[l][j][i] * d[j] for j in range(len(d))), 0 * one) for i in range(len(acts[l]))]
                d = [g if z > 0 else 0 * one for g, z in zip(back, pres[l - 1])]
    return G


def _dag_grads(net: Net, grad_w):
    """The DAG's dL/dw_uv arranged as [l][j][i] (from_net's vertex names)."""
    names = [[f"x{i}" for i in range(net.input_dim)]]
    names += [[f"h{l}_{j}" for j in range(len(lay.bias))] for l, lay in enumerate(net.layers[:-1], start=1)]
    names.append([f"y{j}" for j in range(net.output_dim)])
    return [[[grad_w[(names[l][i], names[l + 1][j])] for i in range(len(names[l]))] for j in range(len(names[l + 1]))]
            for l in range(len(net.layers))]


# -- the run -------------------------------------------------------------------------------------

def throughput(quick: bool, repeats: int, clock):
    depth = 4 if quick else DEPTH
    net = mlp(depth)
    dag, theta = from_net(net)
    n_exact, n_sympy = (2, 1) if quick else (8, 1)
    data = samples(n_exact)
    E = len(dag.edges)
    runs = {
        "exactrelu": (n_exact, lambda: backprop(dag, theta, data, square)),
        "exactrelu_fmpq": (n_exact, lambda: backprop(dag, theta, data, square, as_fmpq=True)),
        "plain_frac": (n_exact, lambda: layered_backprop(net, data, Fraction(1), lambda v: max(v, 0))),
        "sympy": (n_sympy, lambda: layered_backprop(net, data[:n_sympy], sympy.Integer(1),
                                                    lambda v: v if v > 0 else sympy.Integer(0))),
    }
    times, results = {k: [] for k in runs}, {}
    for _ in range(repeats):
        for key, (_, fn) in runs.items():
            t0 = clock()
            results[key] = fn()
            times[key].append(clock() - t0)
    rate = {k: E * runs[k][0] / statistics.median(times[k]) for k in runs}
    p = results["exactrelu"]
    ours = _dag_grads(net, p.grad_w)
    agree_plain = ours == results["plain_frac"]
    one = backprop(dag, theta, data[:n_sympy], square)
    agree_sympy = _dag_grads(net, one.grad_w) == [[[Fraction(int(v.p), int(v.q)) for v in row] for row in W]
                                                  for W in results["sympy"]]
    figures = {f"{k}_edges_per_s": round(rate[k]) for k in runs}
    figures.update(edges=E, samples=n_exact, depth=depth, width=WIDTH, max_bits=p.report.max,
                   ratio_vs_plain_frac=round(rate["exactrelu"] / rate["plain_frac"], 2),
                   ratio_vs_sympy=round(rate["exactrelu"] / rate["sympy"], 1))
    lines = [f"throughput: ReLU MLP, {depth} hidden layers of width {WIDTH}, {E} edges, {n_exact} samples "
             f"(sympy {n_sympy}), square loss, forward + backward"]
    for key, label in (("exactrelu", "exactrelu backprop (Fractions out)"),
                       ("exactrelu_fmpq", "exactrelu backprop (fmpq out)"),
                       ("plain_frac", "plain-Fraction layered backprop (baseline)"),
                       ("sympy", "sympy.Rational layered backprop (baseline)")):
        r = rate["exactrelu"] / rate[key]
        rel = ("" if key == "exactrelu" else
               f"exactrelu {r:6.2f}x faster" if r >= 1 else f"exactrelu {1 / r:6.2f}x slower")
        lines.append(f"  {label:44} {rate[key]:>12,.0f} edges/s   {rel}")
    lines.append(f"  exact agreement of dL/dW: plain Fractions {'yes' if agree_plain else 'NO'}, "
                 f"sympy {'yes' if agree_sympy else 'NO'}")
    return figures, lines, agree_plain and agree_sympy


def _deepest_x2(bits: int, seconds: float, most: int):
    """The deepest x^2 net (1 sample) whose exact backprop stays within the budgets, a pass that runs out
    of time getting a second try (a shared machine's noise): (depth, max bits, why the next one stopped)."""
    best = (0, None)
    for depth in range(1, most + 1):
        dag, theta = from_net(mlp(depth), poly([0, 0, 1]))
        for attempt in (1, 2):
            try:
                p = backprop(dag, theta, samples(1), square, bits, seconds=seconds, as_fmpq=True)
                break
            except LimitReached as e:
                if attempt == 2 or not str(e).startswith("time budget"):
                    return best[0], best[1], str(e)
        best = (depth, p.report.max)
    return best[0], best[1], f"reached the last depth tried ({most})"


def dichotomy(quick: bool):
    depth = 4 if quick else DEPTH
    dag, theta = from_net(mlp(depth))
    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        p = backprop(dag, theta, samples(1), square, as_fmpq=True)
        walls.append(time.perf_counter() - t0)
    t_relu = statistics.median(walls)
    b_relu = p.report.max
    most = 8 if quick else 24
    rows = {"same_bits": _deepest_x2(b_relu, 600.0, most), "same_time": _deepest_x2(10**7, t_relu, most),
            "figure1_budget": _deepest_x2(10**6, 10.0, most)}
    figures = {"relu_depth": depth, "relu_max_bits": b_relu, "relu_pass_s": round(t_relu, 4)}
    lines = [f"dichotomy: ReLU at depth {depth} (one sample): largest quantity {b_relu} bits, pass {t_relu:.3f} s "
             f"(wall clock, median of 3)"]
    for key, label in (("same_bits", f"within {b_relu} bits (the ReLU pass's own maximum)"),
                       ("same_time", f"within {t_relu:.3f} s (the ReLU pass's time), 10^7 bits"),
                       ("figure1_budget", "within 10^6 bits and 10 s (figure1's default)")):
        d, bits, why = rows[key]
        figures[f"x2_depth_{key}"], figures[f"x2_max_bits_{key}"] = d, bits
        lines.append(f"  x^2 {label}: deepest depth {d} ({bits} bits); next: {why}")
    return figures, lines


def main(args) -> int:
    repeats = args.repeats or (1 if args.quick else 3)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    tp, tlines, ok = throughput(args.quick, repeats, clock)
    dc, dlines = dichotomy(args.quick)
    if args.json:
        print(json.dumps({"throughput": tp, "dichotomy": dc}, indent=1))
    else:
        print(f"# bit-model passes (median of {repeats}; {args.clock} clock)")
        print("\n".join(tlines + dlines))
    if not ok:
        print("exactrelu's gradient differs from a baseline's: NOT VERIFIED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(parse_args()))
