"""Exact evaluation: the batched engine equals the kernel, its fast paths agree, the float64 twin stays within its bound.

Claims (docs/claims.md):
- eval.engine_equals_kernel: exactrelu.evaluate.evaluate_batch(net, X) == [kernel.evaluate(net, x) for x in X].
- eval.paths_agree: each fast path (float64, int64) gives the same exact values as the
  big-integer path and the kernel, on instances built so that every path is taken.
- eval.float_within_bound: the float64 twin's outputs lie within the a-priori bound of
  evaluate_float_with_bound, decided exactly (floats converted to Fractions exactly).

Instances come from fixed seeds: random nets, and adversarial families (huge and tiny
denominators such as 1/65537 and 1/(2^61 - 1), 200-bit numerators, dead layers, width 1,
depth 1, vector outputs, points exactly on kinks, the reference nets).
Hooks: ``engine`` replaces evaluate_batch and ``float_engine`` replaces
evaluate_float_with_bound, so a test can inject a broken one and watch the claims fail.
"""
from __future__ import annotations

import random
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable alone from a checkout

from exactrelu.evaluate import PATHS, EvalStats, evaluate_batch, evaluate_float_with_bound
from exactrelu.kernel import evaluate as kernel_evaluate
from exactrelu.net import Net
from exactrelu.numbers import fmt
from exactrelu.proofkit import run_script

ENGINE = "exactrelu's engine specification (exactrelu/evaluate.py)"
HIGHAM = "Higham 2002 §3.1 (gamma_n); the net's bound [R] reconstruction (docs/derivations.md §12)"
P61 = 2**61 - 1


def _net(rng, dims, entry):
    return Net([([[entry(rng) for _ in range(dims[l])] for _ in range(dims[l + 1])],
                 [entry(rng) for _ in range(dims[l + 1])]) for l in range(len(dims) - 1)])


def _small(rng):
    m = rng.randint(1, 64)
    return F(rng.randint(-2 * m, 2 * m), m)


def _dyadic(rng):
    return F(rng.randint(-128, 128), 256)


def _nondyadic(rng):
    m = rng.randint(1, 256)
    return F(rng.randint(-(m // 2), m // 2), m)


def _adversarial(rng):
    return rng.choice([
        F(rng.randint(-3, 3), 65537), F(rng.randint(-3, 3), P61), F(1, 2**100),
        F(rng.getrandbits(200) * rng.choice([-1, 1]), rng.randint(1, 9)),
        F(rng.randint(-5, 5), rng.randint(1, 7)), F(0),
    ])


def _points(rng, n, d, coord=None):
    coord = coord or (lambda r: F(r.randint(-64, 64), r.choice([1, 3, 16, 64])))
    return [tuple(coord(rng) for _ in range(d)) for _ in range(n)]


def instances(quick: bool):
    """(name, net, points) triples: the random and adversarial families, fixed seeds."""
    rng = random.Random(20260601)
    k = 1 if quick else 8
    out = []
    for i in range(6 * k):  # random architectures, vector outputs included
        d, L, o = rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 3)
        dims = [d] + [rng.randint(1, 8) for _ in range(L - 1)] + [o]
        out.append((f"random-{i}", _net(rng, dims, _small), _points(rng, 8, d)))
    for i in range(2 * k):  # huge and tiny denominators, 200-bit numerators
        d = rng.randint(1, 3)
        dims = [d] + [rng.randint(1, 5) for _ in range(rng.randint(0, 3))] + [rng.randint(1, 2)]
        pts = _points(rng, 6, d, lambda r: r.choice([F(r.randint(-9, 9), 65537), F(r.getrandbits(200), P61),
                                                     F(r.randint(-4, 4), 3)]))
        out.append((f"adversarial-{i}", _net(rng, dims, _adversarial), pts))
    out.append(("depth1", Net([([[F(1, 3), F(-2, 7)]], [F(1, P61)])]), _points(rng, 6, 2)))
    out.append(("width1", _net(rng, [1, 1, 1, 1, 1], _small), _points(rng, 8, 1)))
    out.append(("vector-out", _net(rng, [3, 6, 6, 4], _nondyadic), _points(rng, 6, 3)))
    dead = [([[1, -2], [3, 1]], [0, 0]), ([[0, 0], [0, 0]], [0, 0]), ([[2, 1]], [F(1, 5)])]
    out.append(("dead-zero-layer", Net(dead), _points(rng, 5, 2)))
    neg = [([[F(1, 65537), 2], [-1, 1]], [-100, -100]), ([[1, 1]], [F(-1, 3)])]
    out.append(("dead-negative-bias", Net(neg), _points(rng, 5, 2)))
    out.append(("kinks", *_kinks()))
    out.append(("ref-net", _net(random.Random(1), [4, 32, 32, 32, 32, 1], _dyadic),
                _points(rng, 8 if quick else 100, 4, lambda r: F(r.randint(-1024, 1024), 1024))))
    out.append(("ref-net-nondyadic", _net(random.Random(1), [4, 32, 32, 32, 32, 1], _nondyadic),
                _points(rng, 3 if quick else 20, 4, lambda r: F(r.randint(-1024, 1024), 1024))))
    return out


def _kinks():
    """A net whose first-layer rows vanish exactly at some of the points (ReLU kinks), with
    huge entries so that the kinks are met on the big-integer path, next to points where the
    pre-activations are nonzero but tiny against the chunk's bound."""
    K = F(2**200 + 1, 65537)
    centre = (F(1, 3), F(-2, 7))
    W1 = [[K, F(1, P61)], [-K, F(3, 5)], [F(1, 7), -K]]
    b1 = [-(row[0] * centre[0] + row[1] * centre[1]) for row in W1]
    net = Net([(W1, b1), ([[1, -1, F(2, 3)], [F(-1, 2), 1, 1]], [0, F(1, 65537)]), ([[1, 1]], [0])])
    pts = [centre, (centre[0] + F(1, 2**90), centre[1]), (centre[0] - F(1, 2**90), centre[1]),
           (F(7), F(-9)), (centre[0], F(5)), (F(0), F(0))]
    return net, pts


def _path_instances():
    """(net, points, fast path) where the exact bound lands in each path's range."""
    return [
        (Net([([[F(3, 4), -1], [F(1, 8), 2]], [F(1, 2), 0]), ([[1, -1]], [0])]),
         [(F(1, 3), F(5)), (F(-2), F(1, 7))], "float64"),
        (Net([([[2**40, -3], [5, 2**38]], [1, -2**39]), ([[1, -1]], [7])]),
         [(2**14 + 1, -2**13), (-(2**12), 2**15 - 3)], "int64"),  # two-limb float64 product
        (Net([([[2**52 + 1, 1]], [0])]), [(3, -5), (-2, 7)], "int64"),  # numpy's int64 product
        (Net([([[2**70 + 1, -1], [-3, 2**66]], [1, -(2**80)]), ([[1, F(1, 3)]], [0])]),
         [(5, -7), (F(1, 3), 2**20)], "bigint"),
    ]


def _guard_instances():
    """(name, net, points, path of layer 0) just below and just above each guard of the engine's
    choice of path (float64 below 2^53, int64 below 2^62, the big-integer path above), every
    value equal to its exact bound, so a guard moved up either takes a path that gives a wrong
    value (2^53 + 1 rounds in float64; 2^63 + 1 overflows int64) or, for 2^62 < bound < 2^63,
    the wrong path; a guard moved down takes a slower path than its instance just below."""
    def one(w, b, pts):
        return Net([([w], [b])]), pts
    return [
        ("f64-below", *one([2**52, 1], 0, [(1, 2**52 - 1)]), "float64"),            # 2^53 - 1
        ("f64-below-neg", *one([-(2**52), 1], -1, [(1, -(2**52 - 2))]), "float64"),  # -(2^53 - 1)
        ("f64-above", *one([2**52, 1], 0, [(2, 1)]), "int64"),                       # 2^53 + 1
        ("f64-above-bias", *one([1], 2**52, [(2**52 + 1,)]), "int64"),              # 2^53 + 1
        ("i62-below", *one([2**61, 1], 0, [(1, 2**61 - 1)]), "int64"),              # 2^62 - 1
        ("i62-below-limbs", *one([3, 5], 0, [(2**59 - 1, 2**59)]), "int64"),        # 2^62 - 3, two limbs
        ("i62-above", *one([2**61, 1], 0, [(2, 1)]), "bigint"),                     # 2^62 + 1
        ("i62-above-limbs", *one([3, 5], 0, [(2**59 + 1, 2**59)]), "bigint"),       # 2^62 + 3
        ("i63-above", *one([2**62, 1], 0, [(2, 1)]), "bigint"),                     # 2^63 + 1
        ("i63-above-neg", *one([-(2**62), -1], 0, [(2, 1)]), "bigint"),             # -(2^63 + 1)
        ("i63-above-limbs", *one([3, 5], 0, [(2**60, 2**60)]), "bigint"),           # 2^63, two limbs
    ]


def _show(rows) -> str:
    return "; ".join(",".join(fmt(v) for v in row) for row in rows)


def _exact(net, pts):
    return [kernel_evaluate(net, x) for x in pts]


def checks(report, quick: bool = False, engine=None, float_engine=None):
    """Exact evaluation engine against the trusted kernel; float64 twin against its bound."""
    engine = engine or evaluate_batch
    float_engine = float_engine or evaluate_float_with_bound
    cases = [(name, net, pts, _exact(net, pts)) for name, net, pts in instances(quick)]

    with report.claim("eval.engine_equals_kernel", ENGINE,
                      "evaluate_batch(net, X) == [kernel.evaluate(net, x) for x in X]") as c:
        c.over(f"{len(cases)} nets of instances() (seed 20260601): " + ", ".join(
            sorted({n.rsplit("-", 1)[0] if n[-1].isdigit() else n for n, *_ in cases})))
        for name, net, pts, want in cases:
            c.check(engine(net, pts) == want, name)

    with report.claim("eval.paths_agree", ENGINE,
                      "float64 / int64 fast paths == big-integer path == kernel; each path exercised") as c:
        used = set()
        restricted = cases[:6] if quick else list(cases)
        restricted += [(f"path-{p}-{i}", net, pts, _exact(net, pts))
                       for i, (net, pts, p) in enumerate(_path_instances())]
        restricted += [(f"guard-{name}", net, pts, _exact(net, pts)) for name, net, pts, _ in _guard_instances()]
        c.over(f"{len(restricted)} nets: " + ("the first 6 above" if quick else "all above")
               + ", 4 nets built for each path, and the guard instances "
               + ", ".join(n[6:] for n, *_ in restricted if n.startswith("guard-"))
               + "; paths allowed: all, int64 + bigint, bigint alone")
        for name, net, pts, want in restricted:
            for allowed in (PATHS, ("int64", "bigint"), ("bigint",)):
                stats = EvalStats()
                c.check(engine(net, pts, paths=allowed, stats=stats) == want, f"{name} paths={allowed}")
                used |= stats.paths_used()
        for i, (net, pts, p) in enumerate(_path_instances()):
            stats = EvalStats()
            engine(net, pts, stats=stats)
            c.check(p in stats.paths_used(), f"path-{p}-{i} takes the {p} path")
        for name, net, pts, p in _guard_instances():
            stats = EvalStats()
            got, want = engine(net, pts, stats=stats), _exact(net, pts)
            c.check(got == want, f"guard-{name}: the engine gives {_show(got)}, the kernel {_show(want)}")
            c.check([q for _, q, _ in stats.layers] == [p], f"guard-{name} takes the {p} path")
        c.check(used == set(PATHS), f"every path exercised (saw {sorted(used)})")

    with report.claim("eval.float_within_bound", HIGHAM,
                      "|float64 twin - exact| <= evaluate_float_with_bound's bound, decided exactly") as c:
        c.over(f"the {len(cases)} nets of eval.engine_equals_kernel, every output of every point")
        for name, net, pts, want in cases:
            values, bounds = float_engine(net, pts)
            twin = net.to_float64()(np.array([[float(v) for v in x] for x in pts], dtype=np.float64))
            c.check(bool(np.array_equal(values, twin)), f"{name}: values are the float64 twin's")
            ok = True
            for k, exact_row in enumerate(want):
                for i, z in enumerate(exact_row):
                    v, b = float(values[k, i]), float(bounds[k, i])
                    if np.isfinite(v):
                        ok = ok and np.isfinite(b) and abs(F(v) - z) <= F(b)
                    else:
                        ok = ok and b == np.inf
            c.check(bool(ok), f"{name}: every output within its bound")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
