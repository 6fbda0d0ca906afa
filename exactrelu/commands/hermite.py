"""exactrelu hermite --degree N: the normalized Hermite coefficients c_0..c_N of ReLU under N(0, 1), exactly.

c_i = E[ReLU(z) He_i(z)] / sqrt(i!) (Goel, Karmalkar, Klivans, NeurIPS 2019): computed twice, by the paper's
closed form and by exact integration (the moment recurrence M_j = (j-1) M_{j-2}), and printed only when the
two agree exactly (else exit 1).  The table also gives c_i^2 and the exact Parseval gap
1/2 - (c_0^2 + ... + c_N^2) = (pi/2 - 1 - S_M)/(2 pi) ([R] reconstruction, exactrelu/theory/hermite.py).
``--check`` also recomputes c_i for i <= 12 with sympy's ``integrate`` of ReLU(z) He_i(z) phi(z).

JSON (--json): {"coefficients": ["<sympy str>", ...]} for degrees 0..N (sympy's str form, e.g.
"sqrt(2)/(2*sqrt(pi))"), and with --check also "checked": true.
Exit 0 when the routes agree, 1 when they do not, 2 on a bad degree (negative, not an integer, above the limit).
"""
from __future__ import annotations

import json

from ..numbers import to_integer
from ..progress import Progress, add_option, wanted

NAME = "hermite"
HELP = "exact Hermite coefficients c_0..c_N of ReLU under N(0,1) (closed form checked against integration)"
DESCRIPTION = __doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1]
#: --check integrates with sympy up to this degree (each integral takes well under a second).
CHECK_DEGREE = 12


def add_arguments(p):
    from ..theory.hermite import MAX_DEGREE
    p.add_argument("--degree", required=True, help=f"largest degree N, an integer in 0..{MAX_DEGREE}")
    p.add_argument("--json", action="store_true", help='print {"coefficients": ["<sympy str>", ...]}')
    p.add_argument("--check", action="store_true",
                   help=f"also integrate ReLU(z) He_i(z) phi(z) with sympy for i <= {CHECK_DEGREE}")
    add_option(p)


def _sympy_check(coefs, upto):
    import sympy as sp

    from ..theory.hermite import to_sympy
    z = sp.Symbol("z", positive=True)
    bad = []
    for c in coefs[:upto + 1]:
        direct = sp.integrate(z * sp.hermite_prob(c.i, z) * sp.exp(-z ** 2 / 2), (z, 0, sp.oo)) / \
            sp.sqrt(2 * sp.pi * sp.factorial(c.i))
        if sp.simplify(direct - to_sympy(c)) != 0:
            bad.append(c.i)
    return bad


def run(args) -> int:
    from ..theory import hermite as H
    N = to_integer(args.degree, what="--degree", least=0, most=H.MAX_DEGREE)
    on = wanted(args.progress, json=args.json)
    with Progress("hermite: direct integration", total=N + 1, enabled=on, unit="deg") as bar:
        direct = H.coefficients_direct(N, progress=lambda i: bar.update())
    closed = H.coefficients_closed(N)
    mismatch = [c.i for c, d in zip(closed, direct) if c != d]
    if mismatch:
        import sys
        sys.stderr.write(f"exactrelu hermite: the closed form and the integration disagree at degree "
                         f"{mismatch[0]} ({len(mismatch)} degrees)\n")
        return 1
    bad = _sympy_check(closed, min(N, CHECK_DEGREE)) if args.check else []
    if bad:
        import sys
        sys.stderr.write(f"exactrelu hermite: sympy's integral disagrees at degree {bad[0]}\n")
        return 1
    with Progress("hermite: sympy forms", total=N + 1, enabled=on, unit="deg") as bar:
        texts = []
        for c in closed:
            texts.append(str(H.to_sympy(c)))
            bar.update()
    if args.json:
        out = {"coefficients": texts}
        if args.check:
            out["checked"] = True
        print(json.dumps(out))
        return 0
    _table(H, closed, texts, N, args.check)
    return 0


def _table(H, coefs, texts, N, checked):
    from math import pi
    print(f"exactrelu hermite --degree {N}: c_i = E[ReLU(z) He_i(z)]/sqrt(i!), z ~ N(0,1); closed form == "
          f"exact integration for every degree" + (f" (and sympy's integral for i <= {min(N, CHECK_DEGREE)})"
                                                      if checked else ""))
    print(f"{'i':>5}  {'c_i (float)':>14}  c_i (exact)")
    for c, t in zip(coefs, texts):
        val = _float(c)
        shown = t if len(t) <= 90 else t[:60] + f"...({len(t)} characters)"
        print(f"{c.i:5d}  {val:14.6e}  {shown}")
    if N >= 1:
        g = H.parseval(coefs)[-1]
        S = g.S
        gap = (pi / 2 - 1 - float(S)) / (2 * pi)
        print(f"Parseval: 1/2 - sum_(i<={N}) c_i^2 = (pi/2 - 1 - S_{g.M})/(2 pi) ~ {gap:.6e}, "
              f"S_{g.M} = sum_(m<={g.M}) C(2m,m)/(4^m (2m-1)^2) (exact rational, {len(str(S.denominator))}-digit "
              f"denominator); between b_{g.M + 1}/(2 pi) ~ {float(g.lower) / (2 * pi):.3e} and "
              f"{float(g.upper) / (2 * pi):.3e}")


def _float(c):
    """c_i as a float (sqrt(i!) and b overflow floats for large i: via logarithms)."""
    from math import exp, lgamma, log, pi, sqrt
    if c.b == 0:
        num_log, sign = (log(abs(c.a)), 1 if c.a > 0 else -1) if c.a else (None, 0)
    elif c.a == 0:
        num_log, sign = log(abs(c.b.numerator)) - log(c.b.denominator) - 0.5 * log(2 * pi), 1 if c.b > 0 else -1
    else:
        v = float(c.a) + float(c.b) / sqrt(2 * pi)
        num_log, sign = (log(abs(v)), 1 if v > 0 else -1) if v else (None, 0)
    return 0.0 if num_log is None else sign * exp(num_log - 0.5 * lgamma(c.i + 1))
