"""exactrelu gaussian-relu: learn one ReLU under Gaussian marginals by thresholding, on a planted instance.

Goel, Karmalkar, Klivans (NeurIPS 2019): x ~ N(0, I_d), labels in [0, 1], opt = min_{||w|| <= 1} of the square
loss; their Result 2 reaches O(opt^(2/3)).  This runs exactrelu.learning.gaussian_relu.learn (threshold the
labels, learn the halfspace by averaging or localization, fit the scale; [R] reconstruction,
docs/gaussian-relu.md) on a seeded planted instance and reports its loss beside opt and C opt^(2/3) + eps.
The loss is the closed form for random noise and none; for every model also the upper end of a (1 - delta)
Hoeffding bound on a fresh sample (--test-n points) in interval arithmetic; "held" compares that upper end
with C opt^(2/3) + eps (for the adversaries with the exact L(w*) >= opt in place of opt).  float64 throughout
but the bound's last sum: a statistical statement on seeded samples, not an exact verdict.

JSON (--json): {"d", "n", "noise", "eta", "seed", "method", "t", "angle", "opt", "opt_kind", "loss",
"loss_kind", "loss_upper", "delta", "test_n", "C", "eps", "bound", "held", "seconds"}.
Exit 0 when held, 1 when not, 2 on bad arguments (a noise level outside its range, d or n below 1, a data
size over the memory limit, all checked before any data is drawn).
"""
from __future__ import annotations

import json
import time

from ..errors import InputError
from ..numbers import to_integer
from ..progress import Progress, add_option, wanted

NAME = "gaussian-relu"
HELP = "learn one ReLU under Gaussian marginals to O(opt^(2/3)) by thresholding, on a planted instance"
DESCRIPTION = __doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1]


def add_arguments(p):
    p.add_argument("--d", default="20", help="dimension (default 20)")
    p.add_argument("--n", default="100000", help="training points (default 100000)")
    p.add_argument("--noise", default="random", help="random, adversarial, boundary or none (default random)")
    p.add_argument("--eta", default="0.1", help="noise level (random: [0, 1]; adversarial: [0, 1/2]; "
                                                "boundary: [0, 1/4)); default 0.1")
    p.add_argument("--seed", default="0", help="seed of the instance (default 0)")
    p.add_argument("--method", default="average", help="the halfspace step: average or localize")
    p.add_argument("--test-n", default=None, help="fresh test points for the confidence bound (default n)")
    p.add_argument("--delta", default="0.01", help="confidence parameter of the bound (default 0.01)")
    p.add_argument("--C", default=None, help="the guarantee's constant (default GUARANTEE_C)")
    p.add_argument("--eps", default=None, help="the guarantee's additive eps (default GUARANTEE_EPS)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    add_option(p)


def _float(name, v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InputError(f"--{name}={v!r} is not a number") from None
    if f != f or f in (float("inf"), float("-inf")):
        raise InputError(f"--{name}={v!r} is not a finite number")
    return f


def run(args) -> int:
    from ..learning import gaussian_relu as G
    d = to_integer(args.d, what="--d", least=1)
    n = to_integer(args.n, what="--n", least=1)
    seed = to_integer(args.seed, what="--seed", least=0)
    m = n if args.test_n is None else to_integer(args.test_n, what="--test-n", least=1)
    eta, delta = _float("eta", args.eta), _float("delta", args.delta)
    C = G.GUARANTEE_C if args.C is None else _float("C", args.C)
    eps = G.GUARANTEE_EPS if args.eps is None else _float("eps", args.eps)
    if not (C > 0 and eps >= 0):
        raise InputError(f"--C must be > 0 and --eps >= 0, got C = {C:g}, eps = {eps:g}")
    if not 0 < delta < 1:
        raise InputError(f"--delta must be in (0, 1), got {args.delta!r}")
    if args.method not in ("average", "localize"):
        raise InputError(f"--method must be average or localize, got {args.method!r}")
    G.check_memory(max(n, m), d)                       # before anything is drawn
    t0 = time.perf_counter()
    with Progress("gaussian-relu", total=3, enabled=wanted(args.progress, json=args.json)) as bar:
        inst = G.planted(d, n, noise=args.noise, eta=eta, seed=seed)   # validates the noise model and eta
        bar.update()
        fit = G.learn(inst.X, inst.y, method=args.method)
        bar.update()
        test = inst.sample(m, seed=1000 + seed)
        ub = G.loss_upper_bound(fit.w, test, delta)
        bar.update()
    row = G.guarantee_row(inst, fit, ub, C, eps)
    out = {"d": d, "n": n, "noise": inst.noise, "eta": eta, "seed": seed, "method": fit.method, "t": fit.t,
           "angle": G.angle(fit.w, inst.w_star), **row, "delta": delta, "test_n": m, "C": C, "eps": eps,
           "seconds": round(time.perf_counter() - t0, 3)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"one ReLU under N(0, I_{d}), {inst.noise} noise eta = {eta:g}, n = {n}, seed {seed}: "
              f"{fit.method}, threshold t = {fit.t}, angle to w* {out['angle']:.4f} rad")
        print(f"  opt ({out['opt_kind']}) = {out['opt']:.6g}; loss ({out['loss_kind']}) = {out['loss']:.6g}; "
              f"loss <= {out['loss_upper']:.6g} with confidence 1 - {delta:g} ({m} fresh points)")
        print(f"  C opt^(2/3) + eps = {out['bound']:.6g} (C = {C:g}, eps = {eps:g}): "
              f"{'held' if out['held'] else 'NOT held'}")
    return 0 if out["held"] else 1
