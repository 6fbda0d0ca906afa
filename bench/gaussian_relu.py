"""One ReLU under Gaussian marginals: the thresholding algorithm against gradient descent (issue 12, benchmark).

The algorithm is our [R] reconstruction of the reduction of Goel, Karmalkar, Klivans (NeurIPS 2019,
arXiv 1911.01462) to halfspace learning (exactrelu.learning.gaussian_relu: threshold grid, Chow averaging
or band least squares localization, closed-form scale; constants ours).  Three parts, one process:

  headline   d = 100, n = 1e6 (quick: d = 20, n = 1e5), random noise eta = 0.1 and the tilting adversary
             eta = 0.05: the algorithm ("average", "localize") against full-batch gradient descent (torch,
             float64, lr 1, projected on the unit ball) from several seeds, GD timed to the first step
             whose full-data loss is <= the algorithm's full-data loss; the time ratio GD / algorithm
  sweep      noise in {random, adversarial, boundary} x eta x d in {10, 50, 100} (n = 2e5, and 1e6 at d = 100;
             quick: d in {10, 20}, n = 5e4): loss (exact closed form for random noise, a fresh sample of
             2e5 for the adversaries) against opt (exact / the exact upper bound L(w*)), log-log slope of loss
             vs opt and of the excess loss - opt (compare with 2/3), max loss / opt^(2/3); for the boundary
             adversary also averaging with t fixed at 0 (no grid: the reduction it is built against); at
             d = 10 also GD from 4 seeds on the same instances (opt_best = min(L(w*), GD's test loss), the
             latter a sample mean on 2e5 fresh points with its 95% normal-approximation half-width)
  parity     parity-embedded instances (x on {+-1}^d, z = x|g|, y = (1 + chi_S)/2, |S| = k even) and
             GD from 8 seeds: test loss per seed, how much of w lies on S, against the exact level
             1/2 - 1/(4 pi) of every ReLU uncorrelated with chi_S and the best ReLU along +-1_S (sampled)

Floats throughout (timings and losses for tables and figures, no verdict; the decided claim is
exactrelu.learning.gaussian_relu.guarantee_check).  CPU seconds of this process unless --clock wall;
BLAS and torch on one thread.

    python bench/gaussian_relu.py [--quick] [--json] [--figures] [--seed S] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (about a minute)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON only")
    ap.add_argument("--figures", action="store_true",
                    help="write docs/gaussian-relu-loss.png and docs/gaussian-relu-gd.png (matplotlib)")
    ap.add_argument("--figure-dir", default=None, help="folder for the figures (default docs/)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0: the library's)")
    return ap.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # must precede the first import of numpy (run as a script: bench/ is on sys.path)
    from _blas import pin_threads
    pin_threads(ARGS.blas_threads)

import numpy as np  # noqa: E402

from exactrelu.learning import gaussian_relu as g  # noqa: E402
from exactrelu.progress import Progress, wanted  # noqa: E402

BOUNDARY_ETAS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.24)
#: the learners of the sweep: the algorithm with averaging / localization over the threshold grid, and
#: (boundary adversary only) averaging with the threshold fixed at t = 0, no grid, which the boundary
#: adversary is built against
METHODS = {"average": {"method": "average"}, "localize": {"method": "localize"},
           "avg t=0": {"method": "average", "ts": [0.0]}}
TRIVIAL = 0.5 - 1 / (4 * math.pi)   # min_r of the loss of r w for any unit w uncorrelated with chi_S


def _clock(args):
    return time.process_time if args.clock == "cpu" else time.perf_counter


def _test_loss(w, inst, m=200_000, seed=99, se=False):
    """Exact population loss where the closed form exists, else the mean on a fresh sample of m points
    (with ``se`` also its standard error, 0 for the exact loss)."""
    if inst.noise in ("random", "none"):
        out = (g.population_loss(w, inst), "exact")
        return out + (0.0,) if se else out
    test = inst.sample(m, seed=seed)
    terms = (np.maximum(test.X @ w, 0.0) - test.y) ** 2
    out = (float(terms.mean()), f"sample {m}")
    return out + (float(terms.std(ddof=1) / math.sqrt(m)),) if se else out


def headline(args, bar):
    d, n = (20, 100_000) if args.quick else (100, 1_000_000)
    seeds = [0, 1] if args.quick else [0, 1, 2]
    clock = _clock(args)
    rows = []
    for noise, eta in (("random", 0.1), ("adversarial", 0.05)):
        inst = g.planted(d, n, noise=noise, eta=eta, seed=args.seed + 1)
        for method in ("average", "localize"):
            t0 = clock()
            fit = g.learn(inst.X, inst.y, method=method)
            t_alg = clock() - t0
            train = float(g.empirical_loss(inst.X, inst.y, fit.w))
            loss, how = _test_loss(fit.w, inst)
            gd = g.gd_baseline(inst.X, inst.y, seeds=[args.seed + s for s in seeds], steps=40, lr=1.0,
                               target=train, time_limit=None, record_every=1, clock=clock)
            hits = [r["time_to_target"] for r in gd]
            ok = [h for h in hits if h is not None]
            rows.append({"noise": noise, "eta": eta, "d": d, "n": n, "method": method, "opt": inst.opt,
                         "opt_kind": inst.opt_kind, "alg_time": t_alg, "alg_train": train, "alg_loss": loss,
                         "loss_how": how, "angle": g.angle(fit.w, inst.w_star), "t": fit.t,
                         "gd_time_to_alg": hits, "gd_final_train": [r["final_loss"] for r in gd],
                         "gd_loss": [_test_loss(r["w"], inst)[0] for r in gd],
                         "gd_angle": [g.angle(r["w"], inst.w_star) for r in gd],
                         "ratio": (float(np.median(ok)) / t_alg) if ok else None,
                         "curves": [r["curve"] for r in gd]})
            bar.update()
        del inst
    return rows


def _fit(xs, ys):
    xs, ys = np.log(np.asarray(xs)), np.log(np.asarray(ys))
    if len(xs) < 2:
        return {"slope": float("nan"), "intercept": float("nan"), "points": len(xs)}
    b, a = np.polyfit(xs, ys, 1)
    return {"slope": float(b), "intercept": float(a), "points": len(xs)}


def sweep(args, bar):
    etas = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
    dims = ((10, 50_000), (20, 50_000)) if args.quick else ((10, 200_000), (50, 200_000), (100, 1_000_000))
    clock = _clock(args)
    rows = []
    for d, n in dims:
        for noise in ("random", "adversarial", "boundary"):
            for i, eta in enumerate(BOUNDARY_ETAS if noise == "boundary" else etas):
                inst = g.planted(d, n, noise=noise, eta=eta, seed=args.seed + 100 + i)
                gd_loss, gd_hit = None, None
                for method in ("average", "localize") + (("avg t=0",) if noise == "boundary" else ()):
                    t0 = clock()
                    fit = g.learn(inst.X, inst.y, **METHODS[method])
                    t_alg = clock() - t0
                    loss, how = _test_loss(fit.w, inst)
                    row = {"d": d, "n": n, "noise": noise, "eta": eta, "method": method, "opt": inst.opt,
                           "opt_kind": inst.opt_kind, "loss": loss, "loss_how": how, "time": t_alg,
                           "angle": g.angle(fit.w, inst.w_star), "t": fit.t,
                           "key_bound": (g.key_inequality_bound(inst.opt, fit.t, 1.0)
                                         if fit.t and inst.opt > 0 else None)}
                    if d == 10 and method == "average":   # GD from 4 seeds on the same instance
                        target = float(g.empirical_loss(inst.X, inst.y, fit.w))
                        gd = g.gd_baseline(inst.X, inst.y, seeds=range(4), steps=150, lr=1.0,
                                           record_every=150, target=target, clock=clock)
                        gd_eval = [_test_loss(r["w"], inst, se=True) for r in gd]
                        gd_loss = [e[0] for e in gd_eval]
                        gd_hit = [r["time_to_target"] for r in gd]
                        best = min(range(len(gd_eval)), key=lambda j: gd_eval[j][0])
                        if inst.opt_kind == "upper" and gd_eval[best][0] < inst.opt:
                            opt_best, opt_se = gd_eval[best][0], gd_eval[best][2]
                        else:
                            opt_best, opt_se = inst.opt, 0.0
                    if gd_loss is not None:
                        row["gd_loss"], row["gd_time_to_alg"] = gd_loss, gd_hit
                        row["opt_best"], row["opt_best_se"] = opt_best, opt_se
                    rows.append(row)
                    bar.update()
                del inst
    fits = {}
    for noise in ("random", "adversarial", "boundary"):
        for method in ("average", "localize") + (("avg t=0",) if noise == "boundary" else ()):
            R = [r for r in rows if r["noise"] == noise and r["method"] == method]
            fits[f"{noise}/{method} loss~opt"] = _fit([r["opt"] for r in R], [r["loss"] for r in R])
            E = [r for r in R if r["loss"] - r["opt"] > 0]
            fits[f"{noise}/{method} (loss-opt)~opt"] = _fit([r["opt"] for r in E],
                                                             [r["loss"] - r["opt"] for r in E])
            fits[f"{noise}/{method} loss~opt"]["max_loss_over_opt23"] = max(
                r["loss"] / r["opt"] ** (2 / 3) for r in R)
            if noise != "random":
                B = [r for r in R if "opt_best" in r]
                fits[f"{noise}/{method} loss~opt_best (d=10)"] = _fit([r["opt_best"] for r in B],
                                                                       [r["loss"] for r in B])
    return rows, fits


def _along_S(k, eta):
    """min_r L(r sigma/sqrt k) over the sign class with (prod sigma) A_k > 0:
    1/2 - (1/sqrt(2 pi) + (1 - 2 eta)|A_k|)^2 / 2, from the certified A_k of
    exactrelu.theory.parity_embedding (the other half of issue 12); None if that module is absent."""
    try:
        from exactrelu.theory.parity_embedding import A_even_certified
    except ImportError:
        return None
    lo, hi = A_even_certified(k).endpoints()
    a = abs(float((lo + hi) / 2))
    return 0.5 - (1 / math.sqrt(2 * math.pi) + (1 - 2 * eta) * a) ** 2 / 2


def parity(args, bar):
    cases = ((20, 4, 50_000), (40, 6, 50_000)) if args.quick else ((20, 4, 100_000), (50, 4, 100_000),
                                                                  (50, 6, 100_000), (100, 8, 100_000))
    seeds = range(4) if args.quick else range(8)
    clock = _clock(args)
    rows = []
    for d, k, n in cases:
        inst = g.parity_embedded(d, n, k=k, seed=args.seed)
        test = inst.sample(200_000, seed=77)
        S = list(inst.S)
        fit = g.learn(inst.X, inst.y, method="average")
        alg_test = float(g.empirical_loss(test.X, test.y, fit.w))
        best_S = None          # the best of r sigma/sqrt(k) over r and the two sign classes (sampled)
        for flip in (False, True):
            v = inst.w_star.copy()
            if flip:
                v[S[0]] = -v[S[0]]
            rs = np.linspace(0.05, 1.0, 39)
            W = np.stack([r * v for r in rs], axis=1)
            L = g.empirical_loss(test.X, test.y, W)
            best_S = min(best_S or (9.0,), (float(L.min()), float(rs[int(L.argmin())]), flip))
        alg_train = float(g.empirical_loss(inst.X, inst.y, fit.w))
        gd = g.gd_baseline(inst.X, inst.y, seeds=seeds, steps=300, lr=1.0, record_every=10, clock=clock,
                           target=alg_train)
        per = []
        for r in gd:
            w = r["w"]
            per.append({"seed": r["seed"], "train": r["final_loss"],
                        "test": float(g.empirical_loss(test.X, test.y, w)),
                        "mass_on_S": float(np.sum(w[S] ** 2) / max(np.sum(w ** 2), 1e-300)),
                        "time": r["time_s"], "time_to_alg": r["time_to_target"]})
        rows.append({"d": d, "k": k, "n": n, "alg_test": alg_test, "alg_train": alg_train,
                     "along_S_exact": _along_S(k, inst.eta), "best_S": best_S[0], "best_S_r": best_S[1],
                     "trivial": TRIVIAL, "gd": per, "curves": [r["curve"] for r in gd],
                     "found": sum(p["mass_on_S"] > 0.5 for p in per)})
        bar.update()
    return rows


def _med_hit(hits):
    ok = [h for h in hits if h is not None]
    return f"{float(np.median(ok)):.3f} ({len(ok)}/{len(hits)})" if ok else "never"


def print_tables(res, args, wall):
    print(f"# one ReLU under Gaussian marginals: thresholding ([R] reconstruction) vs gradient descent "
          f"({args.clock} clock, {wall:.0f} s wall in all)")
    print("\n## headline: algorithm vs full-batch GD to the algorithm's full-data loss")
    print(f"{'noise':>11} {'eta':>5} {'d':>4} {'n':>8} {'method':>8} {'opt':>8} {'alg s':>7} {'alg loss':>9}"
          f" {'angle':>6} {'GD s to alg (seeds)':>24} {'GD loss (median)':>16} {'ratio GD/alg':>12}")
    for r in res["headline"]:
        hits = " ".join("-" if h is None else f"{h:.3f}" for h in r["gd_time_to_alg"])
        ratio = "never" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['noise']:>11} {r['eta']:5.2f} {r['d']:4d} {r['n']:8d} {r['method']:>8} {r['opt']:8.4f}"
              f" {r['alg_time']:7.3f} {r['alg_loss']:9.5f} {r['angle']:6.3f} {hits:>24}"
              f" {float(np.median(r['gd_loss'])):16.5f} {ratio:>12}")
    print("  (opt exact for random noise, the exact upper bound eta for the adversary; alg loss exact"
          " for random noise, a fresh sample of 2e5 for the adversary)")
    print("\n## sweep: loss vs opt")
    print(f"{'d':>4} {'n':>8} {'noise':>11} {'eta':>6} {'method':>8} {'opt':>8} {'loss':>8} {'loss/opt^2/3':>12}"
          f" {'angle':>6} {'t':>5} {'s':>6} {'GD loss (4 seeds)':>30} {'GD s to alg':>12} {'opt_best (+- 95% CLT)':>21}")
    for r in res["sweep"]:
        gd = " ".join(f"{v:.4f}" for v in r.get("gd_loss", []))
        hit = [h for h in r.get("gd_time_to_alg", []) if h is not None]
        hit = f"{float(np.median(hit)):.4f}" if hit else ("-" if "gd_loss" not in r else "never")
        ob = (f"{r['opt_best']:9.5f} +- {1.96 * r['opt_best_se']:.1e}" if "opt_best" in r
              else f"{'-':>9}")
        print(f"{r['d']:4d} {r['n']:8d} {r['noise']:>11} {r['eta']:6.3f} {r['method']:>8} {r['opt']:8.5f}"
              f" {r['loss']:8.5f} {r['loss'] / r['opt'] ** (2 / 3):12.3f} {r['angle']:6.3f} {r['t']!s:>5}"
              f" {r['time']:6.2f} {gd:>30} {hit:>12} {ob}")
    print("fits (log loss = a + b log opt, least squares over eta and d):")
    for key, f in res["fits"].items():
        extra = f"  max loss/opt^(2/3) = {f['max_loss_over_opt23']:.3f}" if "max_loss_over_opt23" in f else ""
        print(f"  {key:36s} b = {f['slope']:6.3f}  a = {f['intercept']:7.3f}  ({f['points']} points){extra}")
    print("\n## parity-embedded instances: GD from many seeds (test loss on a fresh 2e5 sample)")
    print(f"{'d':>4} {'k':>2} {'n':>7} {'trivial':>8} {'+-1_S (A_k)':>11} {'best +-1_S':>10} {'alg':>8}"
          f" {'GD test min/med/max':>24}"
          f" {'found S':>8} {'GD mass on S (median)':>22} {'GD s to alg (median)':>21}")
    for r in res["parity"]:
        te = sorted(p["test"] for p in r["gd"])
        mass = float(np.median([p["mass_on_S"] for p in r["gd"]]))
        ex = "-" if r["along_S_exact"] is None else f"{r['along_S_exact']:.4f}"
        print(f"{r['d']:4d} {r['k']:2d} {r['n']:7d} {r['trivial']:8.4f} {ex:>11} {r['best_S']:10.4f}"
              f" {r['alg_test']:8.4f}"
              f" {te[0]:8.4f}/{float(np.median(te)):.4f}/{te[-1]:.4f} {r['found']:>4d}/{len(te):<3d}"
              f" {mass:22.3f} {_med_hit([p['time_to_alg'] for p in r['gd']]):>21}")
    print("  (trivial = 1/2 - 1/(4 pi), exact: the best loss of r w for any w uncorrelated with chi_S;"
          " +-1_S (A_k): the best loss along sigma/sqrt(k), 1/2 - (1/sqrt(2 pi) + |A_k|)^2/2 from the certified"
          " A_k; best +-1_S: the same sampled on the test set; found S = seeds whose w has > half its mass"
          " on S)")


def _save(fig, path):
    """Write a PNG atomically (a temporary file in the same folder, then a rename)."""
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=80)
    os.replace(tmp, path)


def figures(res, folder):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, noise in zip(axes, ("random", "adversarial", "boundary")):
        for method, mk in (("average", "o"), ("localize", "s"), ("avg t=0", "^")):
            for j, d in enumerate(sorted({r["d"] for r in res["sweep"]})):
                R = [r for r in res["sweep"] if r["noise"] == noise and r["method"] == method and r["d"] == d]
                if R:
                    ax.loglog([r["opt"] for r in R], [r["loss"] for r in R], mk, color=f"C{j}",
                              fillstyle="none" if method == "localize" else "full", label=f"{method}, d={d}")
        o = np.logspace(np.log10(min(r["opt"] for r in res["sweep"])), np.log10(max(r["opt"] for r in res["sweep"])))
        ax.loglog(o, o, "k-", lw=0.8, label="loss = opt")
        ax.loglog(o, g.GUARANTEE_C * o ** (2 / 3), "k--", lw=0.8, label=f"{g.GUARANTEE_C:g} opt^(2/3)")
        ax.set(xlabel="opt" + (" (exact)" if noise == "random" else " (exact upper bound L(w*))"),
               ylabel="loss of the output", title=f"{noise} noise")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6)
    fig.suptitle("thresholding reduction ([R] reconstruction of Goel-Karmalkar-Klivans 2019)", fontsize=9)
    fig.tight_layout()
    _save(fig, os.path.join(folder, "gaussian-relu-loss.png"))
    plt.close(fig)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for i, r in enumerate(res["headline"]):
        if r["method"] != "average":
            continue
        for c in r["curves"]:
            a1.plot([p[1] for p in c], [p[2] for p in c], "-", color=f"C{i}", lw=0.8, alpha=0.8)
        a1.axhline(r["alg_train"], color=f"C{i}", ls=":", lw=0.8)
        a1.plot([r["alg_time"]], [r["alg_train"]], "*", ms=12, color=f"C{i}",
                label=f"{r['noise']} eta={r['eta']}: algorithm (star), GD seeds (lines)")
    lo = min(r["alg_train"] for r in res["headline"])
    a1.set(xlabel=f"{res.get('clock', 'cpu')} seconds", ylabel="full-data loss",
           title=f"averaging vs full-batch GD, d = {res['headline'][0]['d']}, n = {res['headline'][0]['n']}",
           ylim=(0.8 * lo, 2.2 * max(r["alg_train"] for r in res["headline"])))
    a1.legend(fontsize=6)
    a1.grid(True, alpha=0.3)
    for i, r in enumerate(res["parity"]):
        for c in r["curves"]:
            a2.plot([p[0] for p in c], [p[2] for p in c], "-", color=f"C{i}", lw=0.7, alpha=0.7)
        a2.plot([], [], "-", color=f"C{i}", label=f"d={r['d']}, k={r['k']}")
    a2.axhline(TRIVIAL, color="k", ls="--", lw=0.8, label="1/2 - 1/(4 pi)")
    a2.set(xlabel="GD step", ylabel="training loss (test losses: the table)",
           title="parity-embedded: GD from many seeds",
           ylim=(0.40, 0.48))
    a2.legend(fontsize=6)
    a2.grid(True, alpha=0.3)
    fig.tight_layout()
    _save(fig, os.path.join(folder, "gaussian-relu-gd.png"))
    plt.close(fig)


def main(args) -> int:
    t0 = time.perf_counter()
    on = wanted(None, json=args.json)
    with Progress("gaussian-relu", enabled=on) as bar:
        res = {"clock": args.clock, "headline": headline(args, bar)}
        res["sweep"], res["fits"] = sweep(args, bar)
        res["parity"] = parity(args, bar)
    wall = time.perf_counter() - t0
    if args.json:
        slim = {k: ([{a: b for a, b in r.items() if a not in ("curves", "w")} for r in v] if isinstance(v, list) else v)
                for k, v in res.items()}
        print(json.dumps(slim, indent=1, default=str))
    else:
        print_tables(res, args, wall)
    if args.figures:
        folder = args.figure_dir or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs")
        figures(res, folder)
    bad = [r for r in res["sweep"] if not math.isfinite(r["loss"])]
    if bad:
        print(f"non-finite losses in {len(bad)} rows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
