"""exactrelu fool: play the lower-bound adversary of Berner, Grohs, Voigtlaender (ICLR 2023) against a
shipped learner, or replay a fool report with the kernel alone (--replay)."""
from __future__ import annotations

import json
from pathlib import Path

from ._args import check_size, print_rejection, refuse_given
from ..errors import InputError
from ..io import dumps, write_atomic
from ..numbers import approx, fmt, to_integer, to_rational

HELP = "fool a learning algorithm with a grid bump and certify its uniform error"
DESCRIPTION = ("Run the learner on u = 0 with a fixed seed, find a grid bump phi_y (M = 8 ceil(m^(1/d))) that "
               "none of its queries touches, re-run it on +phi_y and -phi_y (it must see the same zeros and "
               "return the same predictor), and certify exactly that its uniform error on one of them is "
               ">= ||phi_y||_inf (at the point y; for network predictors also by certified sups). "
               "Exit 0 when the learner was defeated and the certificate replayed, 1 if not, 2 for bad input. "
               "--replay REPORT re-checks a report written with -o, by the kernel only, and lists what it "
               "takes on trust (the learner's queries and, for a black box, its values at y).")

#: Largest sample budget accepted on the command line (exact queries and replay stay in seconds).
MAX_M = 100_000


def add_arguments(p):
    from ..learning.learners import LEARNERS
    p.add_argument("--learner", help=f"one of: {', '.join(LEARNERS)}")
    p.add_argument("--m", help=f"sample budget (integer, 1..{MAX_M})")
    p.add_argument("--d", help="input dimension (integer >= 1)")
    p.add_argument("--L", help="number of affine layers of the class (integer >= 3)")
    p.add_argument("--c", help="parameter bound c > 0 of N(d, L, 3d, c, inf) (exact: '1/2', '2')")
    p.add_argument("--seed", default=None, help="the learner's seed (default 0)")
    p.add_argument("--variant", default=None, help="bump variant: clipped or one-sided (default: clipped when "
                                                   "M >= c(d-1)/2, else one-sided)")
    p.add_argument("--no-sup", action="store_true", default=None, help="skip the certified sups for network predictors")
    p.add_argument("--json", action="store_true", help="print the JSON report on stdout")
    p.add_argument("-o", "--output", default=None, help="write the JSON report (with the certificate) here")
    p.add_argument("--replay", metavar="REPORT", default=None,
                   help="do not run a learner: replay the certificate in this report (from -o) with the kernel")


def _int(text, name, least, most=None):
    return to_integer(text, what=f"--{name}", least=least, most=most)


def _show(v) -> str:
    t = fmt(v) if not isinstance(v, str) else v
    return t if len(t) <= 24 else f"{approx(to_rational(t), 9)} (exact: {t})"


_RUN_ONLY = ("learner", "m", "d", "L", "c", "seed", "variant", "no_sup", "output")
_REQUIRED = ("learner", "m", "d", "L", "c")


def _replay(args) -> int:
    """--replay REPORT: the kernel re-checks the report's certificate; exit 0 defeated, 1 not or rejected."""
    from ..errors import CertificateRejected, KernelLimit
    from ..io import read_json
    from ..learning.adversary import replay_certificate, trusted
    refuse_given(args, _RUN_ONLY, "--replay does not run a learner")
    rep = read_json(args.replay)
    cert = rep.get("certificate") if isinstance(rep, dict) and "certificate" in rep else rep
    try:
        out = replay_certificate(cert)
    except KernelLimit:
        raise                     # a limit of the kernel, not a refutation: exit 3 (cli)
    except CertificateRejected as e:
        return print_rejection(args, e)
    if args.json:
        print(json.dumps({"accepted": True, "defeated": out["defeated"], "checked": out["checked"],
                          "trusted": out["trusted"]}))
    else:
        for line in out["checked"]:
            print(f"  checked: {line}")
        for line in out["trusted"]:
            print(f"  taken on trust: {line}")
        print("DEFEATED (certificate replayed)" if out["defeated"] else "NOT DEFEATED (certificate replayed)")
    return 0 if out["defeated"] else 1


def run(args) -> int:
    from ..learning.adversary import fool
    from ..learning.learners import NEEDS_TORCH, get_learner
    if args.replay is not None:
        return _replay(args)
    missing = [f"--{o}" for o in _REQUIRED if getattr(args, o) is None]
    if missing:
        raise InputError(f"the following arguments are required: {', '.join(missing)} (or --replay REPORT)")
    learner = get_learner(args.learner)
    m = _int(args.m, "m", 1, MAX_M)
    d = _int(args.d, "d", 1)
    L = _int(args.L, "L", 3)
    check_size(d, 3 * d, L)
    seed = _int("0" if args.seed is None else args.seed, "seed", 0)
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
