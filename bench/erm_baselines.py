"""Float baselines of training (issue 11): how often multi-start Adam and a HiGHS MILP miss the exact global
optimum of the square loss, and by how much, beside exactrelu's certified ERM, on the same instances.

Instances (bench/erm_growth.instance: points k/8 in [-1, 1]^d, planted sum of k ReLUs with bias, labels
planted + noise k/32 in [-1/8, 1/8], or random labels k/8 in [-1, 1]), all with bias:
  k1_n30_d2, k1_n14_d4, k2_n12_d2   one seed (0) each, noisy labels
  fam_noisy_s<i>, fam_random_s<i>  the family: n = 8, d = 2, k = 1, seeds 0..19 (--family), each label model
Per instance:
  exact   erm(points, labels, k, bias=True, time_limit=60) and its certificate replayed by
          exactrelu.erm_kernel.check_erm (the certified optimum L*; producer and replay seconds)
  adam    torch float64, the model sum_u a_u relu(w_u . x + b_u) with a_u REAL and trained (what
          nn.Sequential(Linear(d, k), ReLU(), Linear(k, 1, bias=False)) computes); PyTorch's default
          nn.Linear init (w, b uniform in [-1/sqrt(d), 1/sqrt(d)], a uniform in [-1/sqrt(k), 1/sqrt(k)]),
          full-batch Adam on the summed square loss, lr 1e-2, STEPS steps, MAX_STARTS independent starts
          (torch seed = instance seed); "adam-S" keeps, of the first S starts, the one with the smallest FLOAT
          final loss, as a user would, for S in START_COUNTS
  milp-sq HiGHS (scipy.optimize.milp), per sorted sign vector a in {+1, -1}^k (no loss of generality: a relu(z)
          = sign(a) relu(|a| z)), w, b in the box [-B, B] (B = BOX), a big-M encoding of each relu
          (h >= z, h <= z + M(1 - delta), h <= M delta, M = B (||x_i||_1 + 1)), minimising
          sum_i e_i with e_i >= 2 t r_i - t^2 for TANGENTS tangent points t (r_i the residual; t = +-R (j/m)^2,
          j = 0..m, m = (TANGENTS - 1) / 2, R = max |y_i| + 1, dense near 0 where the optimum's residuals are): the max of
          the tangents is a piecewise-linear OUTER (lower) approximation of r^2, so the MILP's value is,
          up to HiGHS's float tolerances and its relative gap MIP_GAP, a lower bound on the square loss
          over the box; its parameters are a candidate like any other
  milp-l1 the same encoding minimising the L1 loss sum_i |r_i| (e_i >= +-r_i): another loss, reported as such
Every baseline's parameters are read EXACTLY (Fraction(float) is exact) and their square loss recomputed
with exactrelu.learning.erm.loss; gap = that loss - L* (exact, >= 0: a negative gap would contradict
the certificate, and exits 1), rel = gap / L*.  A baseline misses an instance when rel > 1e-9 (for L* = 0:
when its exact loss > 1e-9); miss rates are also given at 1e-3 (the right cell, not converged, versus a
wrong cell).  "hit/100": how many of the MAX_STARTS Adam starts end within 1e-9 relative of L*.
Floats are the baselines' own arithmetic; every figure compared is exact.  Times are process CPU seconds.

    python bench/erm_baselines.py [--quick] [--json] [--family F] [--steps S] [--no-milp] [--milp-seconds T]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from erm_growth import instance  # noqa: E402

from exactrelu.erm_kernel import check_erm, sorted_signs  # noqa: E402
from exactrelu.errors import InputError  # noqa: E402
from exactrelu.learning.erm import ErmLimit, erm, loss  # noqa: E402

START_COUNTS = (1, 10, 100)
MAX_STARTS = 100
STEPS = 2000
LR = 1e-2
BOX = 4
TANGENTS = 201
MIP_GAP = 1e-6
REL = (1e-9, 1e-3)
#: name -> (n, d, k, seed, labels)
NAMED = {"k1_n30_d2": (30, 2, 1, 0, "noisy"), "k1_n14_d4": (14, 4, 1, 0, "noisy"), "k2_n12_d2": (12, 2, 2, 0, "noisy")}


def exact_params(w, b, a):
    """Float parameters (nested sequences) as exact Fractions, in erm's params layout."""
    return {"w": [[Fraction(float(v)) for v in row] for row in w], "b": [Fraction(float(v)) for v in b],
            "a": [Fraction(float(v)) for v in a]}


def adam(points, labels, k, starts=MAX_STARTS, steps=STEPS, lr=LR, seed=0):
    """Multi-start full-batch Adam in torch float64; returns one (float loss, w, b, a) per start."""
    import torch
    if starts < 1 or steps < 0:
        raise InputError(f"starts={starts}, steps={steps}: need starts >= 1 and steps >= 0")
    d = len(points[0])
    X = torch.tensor([[float(v) for v in x] for x in points], dtype=torch.float64)
    Y = torch.tensor([float(v) for v in labels], dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    bw, ba = 1 / d ** 0.5, 1 / k ** 0.5
    W = ((torch.rand(starts, k, d, generator=g, dtype=torch.float64) * 2 - 1) * bw).requires_grad_()
    B = ((torch.rand(starts, k, generator=g, dtype=torch.float64) * 2 - 1) * bw).requires_grad_()
    A = ((torch.rand(starts, k, generator=g, dtype=torch.float64) * 2 - 1) * ba).requires_grad_()
    opt = torch.optim.Adam([W, B, A], lr=lr)

    def losses():
        H = torch.relu(torch.einsum("skd,nd->skn", W, X) + B[:, :, None])
        return ((torch.einsum("sk,skn->sn", A, H) - Y) ** 2).sum(1)
    for _ in range(steps):
        opt.zero_grad()
        losses().sum().backward()          # the starts share no parameter: independent runs
        opt.step()
    with torch.no_grad():
        L = losses()
    return [(float(L[s]), W[s].tolist(), B[s].tolist(), A[s].tolist()) for s in range(starts)]


@contextlib.contextmanager
def _quiet_stdout():
    """HiGHS writes some messages to the C-level stdout (file descriptor 1), which would break --json:
    send them to stderr while it runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _milp_one(points, labels, signs, objective, box, tangents, time_limit, gap):
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import lil_matrix
    n, d, k = len(points), len(points[0]), len(signs)
    D = d + 1
    X = [[float(v) for v in x] for x in points]
    Y = [float(v) for v in labels]
    nt = k * D                                  # theta = (w_u, b_u) per unit
    ih = lambda u, i: nt + u * n + i            # noqa: E731
    idl = lambda u, i: nt + k * n + u * n + i   # noqa: E731
    ie = lambda i: nt + 2 * k * n + i           # noqa: E731
    nv = nt + 2 * k * n + n
    M = [box * (sum(abs(v) for v in x) + 1) for x in X]
    R = max(abs(y) for y in Y) + 1.0          # tangents on [-R, R] (the zero network's residuals are |y|)
    if objective == "sq":
        m = (tangents - 1) // 2
        ts = sorted({0.0} | {s * R * (j / m) ** 2 for j in range(1, m + 1) for s in (1, -1)})
    else:
        ts = None
    rows = 3 * k * n + n * (len(ts) if ts else 2)
    Amat = lil_matrix((rows, nv))
    lo, hi = np.full(rows, -np.inf), np.full(rows, np.inf)
    r = 0
    for u in range(k):
        for i in range(n):
            zc = {u * D + j: X[i][j] for j in range(d)}
            zc[u * D + d] = 1.0
            Amat[r, ih(u, i)] = 1.0                              # h - z >= 0
            for c, v in zc.items():
                Amat[r, c] = -v
            lo[r] = 0.0
            r += 1
            Amat[r, ih(u, i)] = 1.0                              # h - z + M delta <= M
            for c, v in zc.items():
                Amat[r, c] = -v
            Amat[r, idl(u, i)] = M[i]
            hi[r] = M[i]
            r += 1
            Amat[r, ih(u, i)] = 1.0                              # h - M delta <= 0
            Amat[r, idl(u, i)] = -M[i]
            hi[r] = 0.0
            r += 1
    for i in range(n):                                           # residual r_i = sum_u s_u h_ui - y_i
        for t in (ts if ts else (1.0, -1.0)):
            c2 = 2 * t if ts else t                              # e - c2 * sum s h >= -c2 y - t^2 (sq) or
            Amat[r, ie(i)] = 1.0                                 # e - t * sum s h >= -t y  (l1, t = +-1)
            for u in range(k):
                Amat[r, ih(u, i)] = -c2 * signs[u]
            lo[r] = -c2 * Y[i] - (t * t if ts else 0.0)
            r += 1
    lb = np.array([-box] * nt + [0.0] * (k * n) + [0.0] * (k * n) + [0.0] * n)
    ub = np.array([box] * nt + [max(M)] * (k * n) + [1.0] * (k * n) + [np.inf] * n)
    for u in range(k):
        for i in range(n):
            ub[ih(u, i)] = M[i]
    integ = np.array([0] * (nt + k * n) + [1] * (k * n) + [0] * n)
    c = np.zeros(nv)
    c[nt + 2 * k * n:] = 1.0
    with _quiet_stdout():
        res = milp(c, constraints=LinearConstraint(Amat.tocsr(), lo, hi), bounds=Bounds(lb, ub), integrality=integ,
                   options={"time_limit": time_limit, "mip_rel_gap": gap})
    if res.x is None:
        return None, None, res.message
    th = res.x[:nt]
    w = [[th[u * D + j] for j in range(d)] for u in range(k)]
    b = [th[u * D + d] for u in range(k)]
    return float(res.fun), (w, b, list(signs)), res.message


def milp(points, labels, k, objective="sq", box=BOX, tangents=TANGENTS, time_limit=30.0, gap=MIP_GAP):
    """The big-M MILP baseline (module doc), the best over the sorted sign vectors: (value, (w, b, a),
    statuses) with value the MILP's own float objective (PWL square or L1), or (None, None, statuses)."""
    if objective not in ("sq", "l1"):
        raise InputError(f"objective={objective!r}: must be 'sq' or 'l1'")
    if not box > 0 or tangents < 3 or tangents % 2 == 0:
        raise InputError(f"box={box}, tangents={tangents}: need box > 0 and an odd tangents >= 3")
    best, stat = (None, None), []
    sv = sorted_signs(k)
    for signs in sv:
        v, par, msg = _milp_one(points, labels, signs, objective, box, tangents, time_limit / len(sv), gap)
        stat.append(msg)
        if v is not None and (best[0] is None or v < best[0]):
            best = (v, par)
    return best[0], best[1], stat


def _rel(gap, opt):
    return float(gap / opt) if opt else (0.0 if gap == 0 else float("inf"))


def _missed(gap, opt, tol):
    return gap > tol * opt if opt else gap > tol


def run_instance(name, n, d, k, seed, labels, *, steps=STEPS, starts=MAX_STARTS, use_milp=True,
                 milp_seconds=30.0, clock=time.process_time):
    """One instance, every method: a row dict (exact losses as text, gaps as floats)."""
    pts, ys, _ = instance(n, d, k, seed, labels)
    row = {"name": name, "n": n, "d": d, "k": k, "seed": seed, "labels": labels}
    t0 = clock()
    try:
        r = erm(pts, ys, k, True, time_limit=60.0)
    except ErmLimit as e:
        row.update(exact=None, skipped=f"exact ERM did not finish in 60 s: {e}")
        return row
    row["erm_seconds"] = clock() - t0
    t0 = clock()
    chk = check_erm(pts, ys, k, True, r.certificate)
    row["replay_seconds"] = clock() - t0
    if not (chk.exact and chk.lower == r.loss):
        raise AssertionError(f"{name}: the certificate does not replay to the claimed optimum")
    opt = r.loss
    row.update(opt=str(opt), opt_float=float(opt), nodes=r.stats["nodes"], leaves=r.stats["leaves"])
    inside = all(abs(v) <= BOX for v in [*sum(r.params["w"], []), *r.params["b"]])
    row["opt_in_box"] = inside
    methods = {}
    t0 = clock()
    runs = adam(pts, ys, k, starts=starts, steps=steps, seed=seed)
    row["adam_seconds"] = clock() - t0
    exact_all = [loss(pts, ys, exact_params(w, b, a)) for _, w, b, a in runs]
    row["adam_hits"] = sum(not _missed(L - opt, opt, REL[0]) for L in exact_all)
    for S in START_COUNTS:
        if S > len(runs):
            continue
        j = min(range(S), key=lambda s: runs[s][0])
        methods[f"adam-{S}"] = {"float_loss": runs[j][0], "exact": exact_all[j]}
    if use_milp:
        for obj in ("sq", "l1"):
            t0 = clock()
            v, par, stat = milp(pts, ys, k, obj, time_limit=milp_seconds)
            sec = clock() - t0
            if par is None:
                methods[f"milp-{obj}"] = {"float_loss": None, "exact": None, "status": stat, "seconds": sec}
                continue
            methods[f"milp-{obj}"] = {"float_loss": v, "exact": loss(pts, ys, exact_params(*par)), "status": stat,
                                      "seconds": sec}
        # the PWL MILP's own value is (up to tolerances) a lower bound on the square loss over the box:
        # at most L* when an optimum lies in the box; its ratio to L* says how tight the outer approximation is
        sq = methods["milp-sq"]
        row["milp_sq_value_over_opt"] = None if sq["float_loss"] is None or not opt else sq["float_loss"] / float(opt)
    for m in methods.values():
        L = m.pop("exact")
        if L is None:
            m.update(loss=None, gap=None, rel=None)
            continue
        gap = L - opt
        if gap < 0:
            raise AssertionError(f"{name}: a baseline's exact loss {L} is below the certified optimum {opt}")
        m.update(loss=str(L), loss_float=float(L), gap=float(gap), rel=_rel(gap, opt),
                 **{f"miss@{t:g}": _missed(gap, opt, t) for t in REL})
    row["methods"] = methods
    return row


def instances(family=20, quick=False):
    """(name, n, d, k, seed, labels) of every instance run."""
    named = {"k1_n12_d2": (12, 2, 1, 0, "noisy"), "k2_n6_d1": (6, 1, 2, 0, "noisy")} if quick else NAMED
    out = [(nm, *v) for nm, v in named.items()]
    for lab in ("noisy", "random"):
        out += [(f"fam_{lab}_s{s}", 8, 2, 1, s, lab) for s in range(family)]
    return out


def miss_rates(rows):
    """Per method and instance group (named / each family): misses at each tolerance, and the gaps."""
    out = {}
    for r in rows:
        if r.get("methods") is None:
            continue
        grp = "named" if not r["name"].startswith("fam_") else r["name"].rsplit("_s", 1)[0]
        for m, v in r["methods"].items():
            if v["loss"] is None:
                continue
            e = out.setdefault(grp, {}).setdefault(m, {"instances": 0, **{f"miss@{t:g}": 0 for t in REL},
                                                         "max_rel": 0.0, "median_rel_missed": None, "_rels": []})
            e["instances"] += 1
            for t in REL:
                e[f"miss@{t:g}"] += v[f"miss@{t:g}"]
            e["max_rel"] = max(e["max_rel"], v["rel"])
            if v[f"miss@{REL[0]:g}"]:
                e["_rels"].append(v["rel"])
    for g in out.values():
        for e in g.values():
            rels = sorted(e.pop("_rels"))
            e["median_rel_missed"] = rels[len(rels) // 2] if rels else None
    return out


def _g(v, spec):
    return f"{'-':>{spec.split('.')[0]}}" if v is None else format(v, spec)


def table(rows, rates) -> list[str]:
    meth = [m for m in (f"adam-{S}" for S in START_COUNTS)] + ["milp-sq", "milp-l1"]
    out = [f"{'instance':>16} {'n':>3} {'d':>2} {'k':>2} {'L* (exact)':>12} {'erm s':>6} {'replay s':>8} "
           f"{'hit/100':>7} " + " ".join(f"{m + ' rel':>12}" for m in meth) + f" {'MILPval/L*':>10} {'MILP s':>6}"]
    for r in rows:
        if r.get("methods") is None:
            out.append(f"{r['name']:>16} skipped: {r.get('skipped')}")
            continue
        cells = []
        for m in meth:
            v = r["methods"].get(m)
            cells.append(f"{'-':>12}" if v is None or v["rel"] is None else f"{v['rel']:12.3g}")
        out.append(f"{r['name']:>16} {r['n']:3d} {r['d']:2d} {r['k']:2d} {r['opt_float']:12.6g} "
                   f"{r['erm_seconds']:6.2f} {r['replay_seconds']:8.2f} {r['adam_hits']:7d} " + " ".join(cells)
                   + f" {_g(r.get('milp_sq_value_over_opt'), '10.6f')} "
                   + _g(sum(r['methods'][m]['seconds'] for m in ('milp-sq', 'milp-l1')) if 'milp-sq' in r['methods']
                        else None, '6.2f'))
    out.append("rel = (baseline's exact square loss - L*) / L*;  miss rates (instances missed / instances):")
    for g, ms in rates.items():
        for m, e in ms.items():
            med = "-" if e["median_rel_missed"] is None else f"{e['median_rel_missed']:.3g}"
            out.append(f"  {g:12s} {m:8s} " + "  ".join(f"miss@{t:g} {e[f'miss@{t:g}']}/{e['instances']}"
                                                          for t in REL)
                       + f"  max rel {e['max_rel']:.3g}  median rel of the misses {med}")
    return out


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print the rows and miss rates as JSON only")
    ap.add_argument("--family", type=int, default=None, help="seeds per family (default 20, quick 3)")
    ap.add_argument("--steps", type=int, default=None, help=f"Adam steps (default {STEPS}, quick 300)")
    ap.add_argument("--no-milp", action="store_true", help="skip the HiGHS MILPs")
    ap.add_argument("--milp-seconds", type=float, default=30.0, help="time limit per MILP (all sign vectors)")
    args = ap.parse_args(argv)
    if args.family is not None and args.family < 0:
        ap.error(f"--family {args.family}: must be >= 0")
    if args.steps is not None and args.steps < 1:
        ap.error(f"--steps {args.steps}: must be >= 1")
    if not args.milp_seconds > 0:
        ap.error(f"--milp-seconds {args.milp_seconds}: must be > 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    fam = args.family if args.family is not None else (3 if args.quick else 20)
    steps = args.steps or (300 if args.quick else STEPS)
    t0 = time.perf_counter()
    try:
        rows = [run_instance(*inst, steps=steps, use_milp=not args.no_milp, milp_seconds=args.milp_seconds)
                for inst in instances(fam, args.quick)]
    except AssertionError as e:
        print(f"erm_baselines: {e}", file=sys.stderr)
        return 1
    rates = miss_rates(rows)
    if args.json:
        print(json.dumps({"rows": rows, "miss_rates": rates,
                          "params": {"steps": steps, "lr": LR, "starts": MAX_STARTS, "start_counts": START_COUNTS,
                                     "box": BOX, "tangents": TANGENTS, "mip_gap": MIP_GAP, "family": fam}},
                         indent=1, default=str))
    else:
        print(f"# float baselines vs the exact ERM ({'quick' if args.quick else 'full'}; Adam lr {LR}, {steps} steps, "
              f"{MAX_STARTS} starts; MILP box [-{BOX}, {BOX}], {TANGENTS} tangents, gap {MIP_GAP:g}; "
              f"{time.perf_counter() - t0:.0f} s wall in all)")
        print("\n".join(table(rows, rates)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
