"""Sample bounds of Berner, Grohs, Voigtlaender (ICLR 2023): exact forms, inverses, ratio, enclosures.

Each claim recomputes the theorem's statement here, term by term in plain Fractions (or
sympy), and compares it exactly with the library (exactrelu.theory.bounds).  Hooks inject
wrong constants (``linf=2**8``, ``upper``, ``omega_ge2``, ``omega_lt2``, ``grid``,
``exponent_sign=-1``) or are read from the environment variable EXACTRELU_PROOF_HOOKS (JSON),
so a test can watch the script fail.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import bounds as bd  # noqa: E402
from exactrelu.theory.bounds import INF, PowerProduct  # noqa: E402

S_SLIDES = "slides [S] (L-inf theorem)"
S_UPPER = "slides [S] (upper bound)"
S_THM22 = "slides [S], Thm 2.2 [K]"


def _env_hooks() -> dict:
    raw = os.environ.get("EXACTRELU_PROOF_HOOKS")
    if not raw:
        return {}
    return {k: (F(v) if isinstance(v, (str, int)) else v) for k, v in json.loads(raw).items()}


def _inv(p):
    return F(0) if p == INF else 1 / F(p)


def _omega_statement(d, L, c, B, q, s):
    """Omega exactly as the slides state it, built here from the text (no library formula)."""
    if q != INF and q < 2:  # c^L s^(1-2/q) / (8 * 3^(2/q))
        return PowerProduct([(c, L), (s, 1 - 2 / F(q)), (8, -1), (3, -2 / F(q))])
    return PowerProduct([(c, L), (48, -1), (B, (L - 1) * (1 - 2 * _inv(q)))])


def _radical_here(x: PowerProduct):
    """(R, D) recomputed from the terms (independent of PowerProduct.radical)."""
    D = 1
    for e in x.terms.values():
        D = D * e.denominator // math.gcd(D, e.denominator)
    R = F(1)
    for b, e in x.terms.items():
        R *= F(b) ** int(e * D)
    return R, D


def checks(report, quick=False, **hooks):
    """Bounds: L-inf lower bound, upper bound, their ratio, Theorem 2.2 and its inverse, enclosures."""
    hooks = {**_env_hooks(), **hooks}
    linf = hooks.get("linf", bd.LINF)
    upper = hooks.get("upper", bd.UPPER)
    consts = {k: hooks[k] for k in ("omega_ge2", "omega_lt2", "omega_lt2_base") if k in hooks}
    grid = hooks.get("grid", bd.GRID)
    sign = hooks.get("exponent_sign", 1)  # -1: read the specialised bound with m^(+1/d)

    ds = range(1, 4) if quick else range(1, 7)
    Ls = (3, 5) if quick else (3, 4, 5, 7)
    cs = (F(1, 2), F(2)) if quick else (F(1, 2), F(1), F(3, 2), F(2))
    epss = (F(1, 256), F(3)) if quick else (F(1, 256), F(1, 10), F(3))
    grid_ = list(itertools.product(ds, Ls, cs, epss))

    with report.claim("bounds.linf_exact", S_SLIDES,
                      "m >= c^(dL) (3d)^(d(L-2)) (1/(2^7 eps))^d; m exact, error(m) = eps, ceil(m) least") as cl:
        cl.over(d=ds, L=Ls, c=cs, eps=epss)
        for d, L, c, eps in grid_:
            m = bd.linf_samples(d, L, c, eps, linf=linf)
            stated = c ** (d * L) * F(3 * d) ** (d * (L - 2)) * (1 / (2**7 * eps)) ** d
            cl.check(m == stated, f"d={d} L={L} c={c} eps={eps}: {m} vs statement {stated}")
            err = bd.linf_error(PowerProduct.of(m, sign), d, L, c, linf=linf)
            cl.check(err == eps, f"error at m(eps) != eps for d={d} L={L} c={c} eps={eps}")
            k = math.ceil(m)
            if k > 1:  # one sample fewer cannot reach eps
                cl.check(bd.linf_error(k - 1, d, L, c, linf=linf) > eps, f"m={k - 1} already reaches eps")

    with report.claim("bounds.upper_exact", S_UPPER,
                      "m <= c^(dL) (3d)^(d(L-2)) (3d^2/eps)^d; = (Lip sqrt(d)/eps)^d; error(m) = eps") as cl:
        cl.over(d=ds, L=Ls, c=cs, eps=epss)
        for d, L, c, eps in grid_:
            m = bd.upper_samples(d, L, c, eps, upper=upper)
            stated = c ** (d * L) * F(3 * d) ** (d * (L - 2)) * (3 * F(d) ** 2 / eps) ** d
            cl.check(m == stated, f"d={d} L={L} c={c} eps={eps}")
            lip = c**L * d * F(3 * d) ** (L - 1)  # Lip sqrt(d) = c^L sqrt(d) B^(L-1) sqrt(d), B = 3d
            cl.check(m == (lip / eps) ** d, f"upper != (Lip sqrt(d)/eps)^d at d={d} L={L}")
            cl.check(bd.upper_error(m, d, L, c, upper=upper) == eps, f"error at m(eps) != eps, d={d}")

    with report.claim("bounds.upper_over_lower", "slides [S]; ratio [R] reconstruction (docs/derivations.md §9)",
                      "upper/lower = (384 d^2)^d, both sides built independently") as cl:
        cl.over(d=ds, L=Ls, c=cs, eps=epss)
        for d, L, c, eps in grid_:
            up = bd.upper_samples(d, L, c, eps, upper=upper)
            lo = bd.linf_samples(d, L, c, eps, linf=linf)
            cl.check(up / lo == F(384 * d * d) ** d, f"d={d} L={L} c={c} eps={eps}: ratio {up / lo}")
            rep = bd.bounds_report(d, L, c, eps, linf=linf, upper=upper)
            cl.check(rep["ratio"]["equal"] is True and rep["ratio"]["value"] == bd.int_text((384 * d * d) ** d),
                     f"report ratio d={d}")

    ps = (1, F(3, 2), 2, 3, INF) if quick else (1, F(3, 2), 2, F(7, 3), 3, 4, INF)
    qs = (1, F(3, 2), 2, 4, INF) if quick else (1, F(6, 5), F(3, 2), 2, F(5, 2), 3, 4, INF)
    cases = []
    for d in ((1, 2, 3) if quick else (1, 2, 3, 4)):
        for B in sorted({3 * d, 3 * d + 2, 32}):
            for L in ((3, 5) if quick else (3, 4, 6)):
                for s in range(1, bd.max_s(d, B) + 1):
                    cases.append((d, L, B, s))

    with report.claim("bounds.omega", S_THM22,
                      "Omega = c^L s^(1-2/q)/(8*3^(2/q)) (q<2), c^L B^((L-1)(1-2/q))/48 (q>=2); exact where rational") as cl:
        cl.over(f"{len(cases)} (d, L, B, s) with d in {{{', '.join(str(x) for x in sorted({k[0] for k in cases}))}}}, "
                f"L in {{{', '.join(str(x) for x in sorted({k[1] for k in cases}))}}}, B in {{3d, 3d+2, 32}}, "
                f"s in 1..min(B/3, d)", q=qs, c=F(3, 2))
        import sympy
        for (d, L, B, s), q in itertools.product(cases, qs):
            c = F(3, 2)
            om = bd.omega(d, L, c, B, q, s, **consts)
            cl.check(om == _omega_statement(d, L, c, B, q, s), f"d={d} L={L} B={B} s={s} q={q}")
            if q != INF and q < 2:  # (3s)^(1-2/q) c^L / 24, an independent rewriting
                cl.check(om == PowerProduct([(c, L), (3 * s, 1 - 2 / F(q)), (24, -1)]), f"3s form q={q}")
            # rational or not: sympy decides it independently
            e = sympy.Rational(1) if q == INF else sympy.Rational(F(q).numerator, F(q).denominator)
            if q != INF and q < 2:
                sy = sympy.Rational(c.numerator, c.denominator) ** L * sympy.Integer(s) ** (1 - 2 / e) \
                    / (8 * sympy.Integer(3) ** (2 / e))
            else:
                ex = (L - 1) * (1 - (0 if q == INF else 2 / e))
                sy = sympy.Rational(c.numerator, c.denominator) ** L * sympy.Integer(B) ** ex / 48
            cl.check(bool(sy.is_rational) == om.is_rational, f"rationality vs sympy at B={B} q={q} s={s}")
            if om.is_rational:
                v = om.exact()
                cl.check(sympy.Rational(v.numerator, v.denominator) == sy, f"value vs sympy B={B} q={q}")

    with report.claim("bounds.general_inverse", S_THM22,
                      "E(m) = Omega (32s)^(-1-s/p) m^(-1/p-1/s); m(eps) inverts it exactly; E decreasing") as cl:
        c, eps = F(2), F(1, 100)
        cl.over(f"every {3 if quick else 2}-th of the {len(cases)} (d, L, B, s) above", p=ps, q=qs[::2], c=c, eps=eps,
                m=(7, 8))
        for (d, L, B, s), p, q in itertools.product(cases[:: (3 if quick else 2)], ps, qs[::2]):
            m = bd.general_samples(eps, d, L, c, B, p, q, s, grid=grid, **consts)
            ip = _inv(p)
            stated_E = lambda mm: (_omega_statement(d, L, c, B, q, s)  # noqa: E731
                                   * PowerProduct.of(32 * s, -1 - s * ip) * PowerProduct.lift(mm) ** (-ip - F(1, s)))
            cl.check(stated_E(m) == eps, f"E(m(eps)) != eps at d={d} L={L} B={B} s={s} p={p} q={q}")
            cl.check(bd.general_error(7, d, L, c, B, p, q, s, grid=grid, **consts) == stated_E(7),
                     f"E(7) vs statement at d={d} B={B} s={s} p={p} q={q}")
            cl.check(bd.general_error(8, d, L, c, B, p, q, s, grid=grid, **consts)
                     < bd.general_error(7, d, L, c, B, p, q, s, grid=grid, **consts), "E not decreasing")
            if p == INF:  # closed form (Omega / (32 s eps))^s
                cl.check(m == (_omega_statement(d, L, c, B, q, s) / (32 * s * eps)) ** s, "p=inf closed form")

    with report.claim("bounds.enclosures", "[R] reconstruction (exact integer roots)",
                      "irrational values: lo < x < hi certified by exact powers, width ~ 2^-bits, floor/ceil exact") as cl:
        vals = []
        cl.over(f"m(1/7) of Thm 2.2 on every {4 if quick else 2}-th (d, L, B, s) above with p, q in {{3/2, 3}}, c = 2; "
                "linf_error(5 + d); 2^(1/2), 3^(2/5), (10^40 + 1)^(1/3)", bits=(8, 64, 200))
        for (d, L, B, s), p, q in itertools.product(cases[:: (4 if quick else 2)], (F(3, 2), 3), (F(3, 2), 3)):
            vals.append(bd.general_samples(F(1, 7), d, L, F(2), B, p, q, s, grid=grid, **consts))
            vals.append(bd.linf_error(5 + d, d, L, F(2), linf=linf))
        vals += [PowerProduct.of(2, F(1, 2)), PowerProduct.of(3, F(2, 5)), PowerProduct.of(F(10**40 + 1), F(1, 3))]
        for x in vals:
            R, D = _radical_here(x)
            for bits in (8, 64, 200):
                lo, hi = x.enclose(bits)
                if x.is_rational:
                    cl.check(lo == hi and lo ** D == R, "rational value: exact, lo == hi")
                    continue
                cl.check(lo > 0 and lo ** D < R < hi ** D, f"{x!r}: enclosure at {bits} bits")
                cl.check((hi - lo) * 2 ** (bits - 2) <= lo, f"{x!r}: width at {bits} bits")
            fl = x.floor()
            cl.check(F(fl) ** D <= R < F(fl + 1) ** D, f"{x!r}: floor {fl}")
            cl.check(x.ceil() == (fl if x.is_rational and x.exact().denominator == 1 else fl + 1), "ceil")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
