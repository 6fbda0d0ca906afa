"""exactrelu fool: play the lower-bound adversary (notes §4.3) against a shipped learner."""
from __future__ import annotations

import json
from pathlib import Path

from ._args import check_size
from ..errors import InputError
from ..io import dumps, write_atomic
from ..numbers import fmt, to_integer, to_rational

HELP = "fool a learning algorithm with a grid bump and certify its uniform error"
DESCRIPTION = ("Run the learner on u = 0 with a fixed seed, find a grid bump phi_y (M = 8 ceil(m^(1/d))) that "
               "none of its queries touches, re-run it on +phi_y and -phi_y (it must see the same zeros and "
               "return the same predictor), and certify exactly that its uniform error on one of them is "
               ">= ||phi_y||_inf (at the point y; for network predictors also by certified sups). "
               "Exit 0 when the learner was defeated and the certificate replayed, 1 if not, 2 for bad input.")

#: Largest sample budget accepted on the command line (exact queries and replay stay in seconds).
MAX_M = 100_000


def add_arguments(p):
    from ..learning.learners import LEARNERS
    p.add_argument("--learner", required=True, help=f"one of: {', '.join(LEARNERS)}")
    p.add_argument("--m", required=True, help=f"sample budget (integer, 1..{MAX_M})")
    p.add_argument("--d", required=True, help="input dimension (integer >= 1)")
    p.add_argument("--L", required=True, help="number of affine layers of the class (integer >= 3)")
    p.add_argument("--c", required=True, help="parameter bound c > 0 of N(d, L, 3d, c, inf) (exact: '1/2', '2')")
    p.add_argument("--seed", default="0", help="the learner's seed (default 0)")
    p.add_argument("--variant", default=None, help="bump variant: clipped or one-sided (default: clipped when "
                                                   "M >= c(d-1)/2, else one-sided)")
    p.add_argument("--no-sup", action="store_true", help="skip the certified sups for network predictors")
    p.add_argument("--json", action="store_true", help="print the JSON report on stdout")
    p.add_argument("-o", "--output", default=None, help="write the JSON report (with the certificate) here")


def _int(text, name, least, most=None):
    return to_integer(text, what=f"--{name}", least=least, most=most)


def _show(v) -> str:
    t = fmt(v) if not isinstance(v, str) else v
    return t if len(t) <= 24 else f"{float(to_rational(t)):.9g} (exact: {t})"


def run(args) -> int:
    from ..learning.adversary import fool
    from ..learning.learners import NEEDS_TORCH, get_learner
    learner = get_learner(args.learner)
    m = _int(args.m, "m", 1, MAX_M)
    d = _int(args.d, "d", 1)
    L = _int(args.L, "L", 3)
    check_size(d, 3 * d, L)
    seed = _int(args.seed, "seed", 0)
    c = to_rational(args.c, what="--c")
    if c <= 0:
        raise InputError(f"--c={fmt(c)} must be > 0")
    if args.variant is not None and args.variant not in ("clipped", "one-sided"):
        raise InputError(f"--variant={args.variant!r} must be clipped or one-sided")
    if args.learner in NEEDS_TORCH:
        from ..torchio import require_torch
        require_torch()
    if args.output:  # fail on a bad path before the work
        folder = Path(args.output).parent
        if not folder.is_dir():
            raise InputError(f"-o {args.output}: folder {folder} does not exist")
    r = fool(learner, m, d, L, c, seed=seed, variant=args.variant, name=args.learner, use_sup=not args.no_sup)
    rep = r.to_json()
    if args.output:
        write_atomic(args.output, dumps(rep) + "\n")
    if args.json:
        print(json.dumps(rep))
    else:
        print(f"learner {r.learner}: m = {m}, d = {d}, class N({d}, {L}, {3 * d}, {fmt(c)}, inf), seed {seed}")
        print(f"queries on u = 0: {len(r.queries)}; grid M = {r.M}, N = {r.N} bumps, {r.untouched} untouched")
        if r.y is not None:
            print(f"bump y = ({', '.join(fmt(v) for v in r.y)}) [{r.variant}], ||phi_y||_inf = {fmt(r.peak)}")
        if r.point_errors:
            for k, sgn in (("plus", "+"), ("minus", "-")):
                line = f"error on {sgn}phi_y: >= {_show(r.point_errors[k])} (at y)"
                if k in r.sups:
                    s = r.sups[k]
                    line += f"; certified sup = {_show(s['sup'])}" if s.get("exact") else \
                        f"; certified sup in [{_show(s['lower'])}, {_show(s['upper'])}]"
                print(line)
        for line in r.checked:
            print(f"  checked: {line}")
        for f in r.failures:
            print(f"FAILED: {f}")
        print("DEFEATED (certificate replayed)" if r.ok else "NOT DEFEATED")
        if args.output:
            print(f"report: {args.output}")
    return 0 if r.ok else 1
