"""Edge-case constants (docs/derivations.md §10), each a computed row, never a typed-in answer.

Where docs/derivations.md §10 states a value (e.g. "2^120 * 45^75", "11,116 parameters", "log10 = 160.115"),
the statement is kept in NOTES below and compared exactly with what the library computes; a
printed decimal "x.yz" is checked as an exact inequality 10^(x.yz - 0.005) <= value < 10^(x.yz + 0.005).
Hooks: ``linf``, ``upper``, ``omega_ge2``, ``omega_lt2``, ``grid`` (the paper's constants) and
``M_fn`` (grid size).
"""
from __future__ import annotations

import math
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.errors import InputError  # noqa: E402
from exactrelu.net import Net  # noqa: E402
from exactrelu.numbers import iroot_ceil, iroot_floor  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import bounds as bd  # noqa: E402
from exactrelu.theory import grid as gr  # noqa: E402
from exactrelu.theory import markov as mk  # noqa: E402
from exactrelu.theory.bounds import INF, PowerProduct  # noqa: E402

#: The values docs/derivations.md §10 states (item numbers below are its items 10.k); each is checked.
NOTES = {
    "atoms_exact": 2**120 * 45**75,        # slides [S], item 10.1: m >= 2^105 * 45^75 * 2^15 = 2^120 * 45^75
    "atoms_log10": "160.115",              # item 10.1
    "atoms_mantissa": "1.30",              # item 10.1: ~ 1.30 x 10^160
    "atoms_general_log10": "151.08",       # item 10.1 (2^9 version)
    "atoms_upper_log10": "234.16",         # item 10.1
    "atoms_universe": 10**80,              # the "estimated number of atoms in the universe"
    "n_params": 11116,                     # item 10.1
    "general_constant": 2**9,              # item 10.2: Theorem 2.2 specialised gives 2^9
    "q2_limit": F(1, 24),                  # item 10.9: Omega / c^L -> 1/24 as q -> 2^-
    "q2_value": F(1, 48),                  # item 10.9: Omega / c^L = 1/48 at q = 2
    "q1_constant": 72 * 32,                # item 10.9: q = 1, s = d, p = inf: c^L m^(-1/d) / (72*32 d^2)
    "float_failures": 395,                 # item 10.5: float ceil failures for k <= 400, d <= 7
    "bias_c2_d15_min_m": 2,                # item 10.4: d = 15, c = 2 needs m >= 2
    "bias_c100_d15_root": 87,              # item 10.4: c = 100, d = 15 needs m ~> 87^15
    "teacher_omega": F(2**15, 48),         # item 10.17: Omega = 2^15/48 ~ 682.7
    "teacher_d1": "21.3",                  # item 10.17: ~ 21.3 / m for d = 1
    "teacher_d3": "7.11",                  # item 10.17: ~ 7.11 m^(-1/3) for d = 3
    "teacher_d3_1e5": "0.153",             # item 10.17: 0.153 at m = 10^5
    "s_max_B32": 10,                       # item 10.10: B = 32 allows s <= 10
}

S7 = "docs/derivations.md §10."


def _log10_rounds_to(x, stated: str) -> bool:
    """Exact: 10^(v - h) <= x < 10^(v + h), v the decimal text, h half a unit of its last digit."""
    k = len(stated.split(".")[1]) if "." in stated else 0
    v = F(stated)
    lo, hi = v - F(5, 10 ** (k + 1)), v + F(5, 10 ** (k + 1))
    x = PowerProduct.lift(x)
    return x >= PowerProduct.of(10, lo) and x < PowerProduct.of(10, hi)


def _rounds_to(x: F, stated: str) -> bool:
    k = len(stated.split(".")[1]) if "." in stated else 0
    h = F(5, 10 ** (k + 1))
    return F(stated) - h <= x < F(stated) + h


def _count_by_building(d: int, B: int, L: int) -> int:
    """Parameter count of the architecture (d, B x (L-1), 1) by building the zero network."""
    widths = [d] + [B] * (L - 1) + [1]
    net = Net([([[0] * widths[i] for _ in range(widths[i + 1])], [0] * widths[i + 1]) for i in range(L)])
    return sum(1 for lay in net.layers for _ in lay.entries())


def checks(report, quick=False, **hooks):
    """Edge-case constants of docs/derivations.md §10."""
    linf = hooks.get("linf", bd.LINF)
    upper = hooks.get("upper", bd.UPPER)
    grid = hooks.get("grid", bd.GRID)
    consts = {k: hooks[k] for k in ("omega_ge2", "omega_lt2", "omega_lt2_base") if k in hooks}
    M_fn = hooks.get("M_fn", gr.grid_M)

    with report.claim("edge.atoms", "slides [S]; " + S7 + "1",
                      "d=15, c=2, L=7, eps=1/256: m > 10^80 atoms, far above the 11,116 parameters") as cl:
        d, c, L, eps = 15, F(2), 7, F(1, 256)
        cl.over(d=d, c=c, L=L, eps=eps)
        m = bd.linf_samples(d, L, c, eps, linf=linf)
        cl.check(m.denominator == 1, "m is an integer")
        digits = len(str(m.numerator))
        cl.check(m > NOTES["atoms_universe"], f"m has {digits} digits, not above 10^80")
        cl.check(m == NOTES["atoms_exact"], "m == 2^120 * 45^75 (docs/derivations.md §10.1)")
        cl.check(_log10_rounds_to(m, NOTES["atoms_log10"]), "log10 m rounds to 160.115")
        cl.check(_rounds_to(m / 10 ** (digits - 1), NOTES["atoms_mantissa"]), "m ~ 1.30e160")
        gen = bd.general_samples(eps, d, L, c, grid=grid, **consts)
        cl.check(_log10_rounds_to(gen, NOTES["atoms_general_log10"]), "general (2^9) log10 rounds to 151.08")
        up = bd.upper_samples(d, L, c, eps, upper=upper)
        cl.check(_log10_rounds_to(up, NOTES["atoms_upper_log10"]), "upper log10 rounds to 234.16")
        n_formula, n_built = bd.n_params(d, 3 * d, L), _count_by_building(d, 3 * d, L)
        cl.check(n_formula == n_built == NOTES["n_params"], f"parameters {n_formula} / {n_built}")
        cl.check(m > n_built * 10**150, "m exceeds the parameter count by > 150 orders of magnitude")
        cl.note(f"m = 2^120 45^75 has {digits} digits (log10 {bd.PowerProduct.lift(m).log10():.3f}); "
                f"{n_built} parameters")

    inst = [(d, L, c, eps) for d in ((1, 2, 3, 15) if quick else (1, 2, 3, 4, 6, 10, 15))
            for L in (3, 5, 7) for c in (F(1, 2), F(2)) for eps in (F(1, 256), F(1, 3))]

    with report.claim("edge.2_7_vs_2_9", "[R] reconstruction (" + S7 + "2)",
                      "Theorem 2.2 at p=q=inf, s=d, B=3d gives (2^9 eps)^(-d): weaker than 2^7 by 4^d") as cl:
        cl.over(d=sorted({i[0] for i in inst}), L=(3, 5, 7), c=(F(1, 2), F(2)), eps=(F(1, 256), F(1, 3)))
        for d, L, c, eps in inst:
            gen = bd.general_samples(eps, d, L, c, 3 * d, INF, INF, d, grid=grid, **consts)
            A = c ** (d * L) * F(3 * d) ** (d * (L - 2))
            K = (PowerProduct.of(A) / gen) ** F(1, d) / PowerProduct.of(eps)  # m = A (K eps)^(-d)
            cl.check(K.exact() == NOTES["general_constant"], f"d={d} L={L}: derived constant {K!r}")
            lo = bd.linf_samples(d, L, c, eps, linf=linf)
            cl.check(gen < lo and lo / gen.exact() == F(4) ** d, f"d={d}: 2^7 bound / 2^9 bound != 4^d")

    with report.claim("edge.q2_jump", "slides [S] (Omega); " + S7 + "9",
                      "Omega/c^L: 1/48 at q=2, -> 1/24 as q -> 2^- (jump by 2); q=1: c^L m^(-1/d)/(72*32 d^2)") as cl:
        cl.over("(d, L, c, B) in {(1, 3, 2, 3), (2, 4, 1/2, 6), (3, 5, 3, 9), (3, 3, 1, 32)}, s in 1..min(B/3, d)",
                n=(2, 3, 5, 10, 100) if quick else (2, 3, 4, 5, 10, 30, 100, 1000, 10**4))
        cl.over("q = 2 - 1/n as above; q = 1: (L, c) in {(3, 2), (4, 1/3)}", d=(1, 2, 3, 5), m=(1, 7, 1000))
        for d, L, c, B in ((1, 3, F(2), 3), (2, 4, F(1, 2), 6), (3, 5, F(3), 9), (3, 3, F(1), 32)):
            for s in range(1, bd.max_s(d, B) + 1):
                cL = c**L
                at2 = bd.omega(d, L, c, B, 2, s, **consts)
                cl.check(at2.exact() == NOTES["q2_value"] * cL, f"Omega(q=2) d={d} s={s}")
                lim = bd.omega(d, L, c, B, 2, s, branch="lt2", **consts)  # the q<2 formula at q = 2
                cl.check(lim.exact() == NOTES["q2_limit"] * cL, f"q<2 formula at q=2, d={d} s={s}")
                prev = None
                for n in (2, 3, 5, 10, 100) if quick else (2, 3, 4, 5, 10, 30, 100, 1000, 10**4):
                    q = 2 - F(1, n)
                    om = bd.omega(d, L, c, B, q, s, **consts)
                    gap_bound = cL * (3 * s - 1) / (24 * (2 * n - 1))  # 1 - a^-t <= t (a - 1), a = 3s
                    cl.check(om < lim, f"q={q}: Omega(q) not below the limit c^L/24")
                    # above the q=2 value c^L/48 iff (3s)^(1/(2n-1)) < 2, i.e. 3s < 2^(2n-1): only near 2
                    cl.check((om > at2) == (3 * s < 2 ** (2 * n - 1)), f"q={q} s={s}: comparison with c^L/48")
                    if lim.exact() > gap_bound:   # the bound says something only when it is positive
                        cl.check(PowerProduct.of(lim.exact() - gap_bound) <= om,
                                 f"q={q}: gap above (3s-1)/(24(2n-1)) c^L")
                    if prev is not None:
                        cl.check(om >= prev, f"q={q}: Omega not increasing towards 2^-")
                    prev = om
                cl.check(lim.exact() == 2 * at2.exact(), "the jump factor is 2")
        for d in (1, 2, 3, 5):
            for L, c in ((3, F(2)), (4, F(1, 3))):
                for m in (1, 7, 1000):
                    e = bd.general_error(m, d, L, c, 3 * d, INF, 1, d, grid=grid, **consts)
                    stated = PowerProduct([(c, L), (m, F(-1, d)), (NOTES["q1_constant"] * d * d, -1)])
                    cl.check(e == stated, f"q=1 error d={d} L={L} m={m}")

    with report.claim("edge.L3", "slides [S] (L >= 3); " + S7 + "11",
                      "L = 3 is the minimum: accepted, L = 2 refused; peak c^3 3d/(2M); bounds and chain at L=3") as cl:
        cl.over(d=(1, 2, 5), c=(F(1, 2), F(3)), m=(1, 2, 9), eps=F(1, 10))
        for d in (1, 2, 5):
            try:
                bd.check_params(d, 2, 1)
                cl.check(False, "L=2 accepted")
            except InputError:
                cl.check(True)
            for c in (F(1, 2), F(3)):
                for m in (1, 2, 9):
                    M = M_fn(m, d)
                    cl.check(mk.bump_peak_formula(d, 3, c, M) == c**3 * 3 * d / (2 * M), f"peak L=3 d={d}")
                    cl.check(mk.halving_chain(d, 3, c, m, linf=linf, M_fn=M_fn).ok, f"chain L=3 d={d} m={m}")
                eps = F(1, 10)
                cl.check(bd.linf_samples(d, 3, c, eps, linf=linf) == (c**3 * 3 * d / (128 * eps)) ** d, "L=3 bound")

    with report.claim("edge.m1", S7 + "6, 10.7",
                      "m = 1: M = 8, N = 4^d, 2 points leave >= N/2 (equality iff d = 1), chain exact") as cl:
        cl.over("m = 1; (L, c) in {(3, 1), (5, 2)}", d=(1, 2, 3, 7, 15))
        for d in (1, 2, 3, 7, 15):
            M = M_fn(1, d)
            N = gr.n_bumps(M, d)
            cl.check(M == 8 and N == 4**d, f"d={d}: M={M}, N={N}")
            pts = gr.one_per_bump(M, d, 2, seed=d)
            ph = gr.pigeonhole(1, d, pts, M=M)
            cl.check(ph.untouched == N - 2 and 2 * ph.untouched >= N, f"d={d}: untouched {ph.untouched}")
            cl.check((2 * ph.untouched == N) == (d == 1), f"d={d}: equality case")
            for L, c in ((3, F(1)), (5, F(2))):
                ch = mk.halving_chain(d, L, c, 1, linf=linf, M_fn=M_fn)
                K = c**L * F(3 * d) ** (L - 2)
                cl.check(ch.ok and ch.eps == K / 64, f"d={d} L={L}: chain at m=1")
                cl.check(bd.linf_error(1, d, L, c, linf=linf).exact() == K / 128, "error at m=1 is K/2^7")

    with report.claim("edge.float_roots", S7 + "5",
                      "ceil(m^(1/d)) by integer roots is right for all k <= 400, d <= 7; float ceil is wrong on some") as cl:
        cl.over("m in {k^d - 1, k^d, k^d + 1}", k=range(1, 401), d=range(1, 8))
        fails, floor_fails, fails_below_400 = 0, 0, 0
        for d in range(1, 8):
            for k in range(1, 401):
                n = k**d
                ok = iroot_ceil(n, d) == k and iroot_floor(n, d) == k and M_fn(n, d) == 8 * k
                ok = ok and iroot_ceil(n + 1, d) == k + 1 and (k == 1 or iroot_floor(n - 1, d) == k - 1)
                cl.check(ok, f"integer root at k={k} d={d}")
                fails += math.ceil(n ** (1 / d)) != k
                fails_below_400 += k < 400 and math.ceil(n ** (1 / d)) != k
                floor_fails += math.floor(n ** (1 / d)) != k
        cl.check(fails > 0, "float ceil never failed (then the test proves nothing)")
        cl.note(f"float ceil(k^d ** (1/d)) != k for {fails} of 2800 pairs (k <= 400, d <= 7); "
                f"float floor wrong for {floor_fails}; an earlier count said {NOTES['float_failures']}; "
                f"with k < 400 (not <=) the count is {fails_below_400}")

    with report.claim("edge.layer2_bias", "[R] reconstruction (" + S7 + "4)",
                      "clipped variant needs c^2(d-1)/(2M) <= c, i.e. M >= c(d-1)/2; smallest m computed") as cl:
        cl.over("(c, d) in {(2, 15), (100, 15), (1, 1), (10, 3), (7/2, 9), (50, 2)}; m in {m_min, m_min - 1}; "
                "M in {8, 16, 24, 8 need - 8, 8 need}, need = ceil(c(d-1)/16)")
        def holds(c, d, M):
            return c * c * (d - 1) / (2 * F(M)) <= c

        for c, d in ((F(2), 15), (F(100), 15), (F(1), 1), (F(10), 3), (F(7, 2), 9), (F(50), 2)):
            need = math.ceil(c * (d - 1) / 16)  # M = 8 ceil(m^(1/d)) >= c(d-1)/2  iff  ceil(m^(1/d)) >= need
            m_min = 1 if need <= 1 else (need - 1) ** d + 1
            cl.check(holds(c, d, M_fn(m_min, d)), f"c={c} d={d}: fails at m_min={m_min}")
            if m_min > 1:
                cl.check(not holds(c, d, M_fn(m_min - 1, d)), f"c={c} d={d}: holds below m_min")
            for M in (8, 16, 24, 8 * need, 8 * need - 8):
                if M >= 8:
                    cl.check(holds(c, d, M) == (M >= c * (d - 1) / 2), f"bias form vs M form c={c} d={d} M={M}")
            if (c, d) == (F(2), 15):
                cl.check(m_min == NOTES["bias_c2_d15_min_m"], f"c=2 d=15: m_min={m_min}")
            if (c, d) == (F(100), 15):
                cl.check(m_min == NOTES["bias_c100_d15_root"] ** 15 + 1, f"c=100 d=15: m_min={m_min}")
                cl.note(f"c=100, d=15: the clipped variant needs m >= 87^15 + 1 = {m_min} (log10 "
                        f"{PowerProduct.lift(m_min).log10():.2f})")

    with report.claim("edge.upper_lipschitz", "slides [S]; " + S7 + "13",
                      "Lip sqrt(d) = c^L sqrt(d) (3d)^(L-1) sqrt(d) = c^L (3d)^(L-2) 3 d^2 (sympy, symbolic)") as cl:
        import sympy
        cl.over("symbolic in c, d, L > 0; (d, L, c) in {(1, 3, 1), (2, 4, 1/2), (5, 7, 3), (15, 7, 2)}", eps=F(1, 9))
        c, d, L = sympy.symbols("c d L", positive=True)
        lhs = c**L * sympy.sqrt(d) * (3 * d) ** (L - 1) * sympy.sqrt(d)
        rhs = c**L * (3 * d) ** (L - 2) * upper * d**2
        cl.check(sympy.simplify(sympy.powsimp(sympy.expand_power_base(lhs / rhs, force=True), force=True)) == 1,
                 "symbolic identity")
        for dd, LL, cc in ((1, 3, F(1)), (2, 4, F(1, 2)), (5, 7, F(3)), (15, 7, F(2))):
            cl.check(bd.lipschitz_sqrt_d(dd, LL, cc) == cc**LL * F(3 * dd) ** (LL - 2) * upper * dd**2,
                     f"instance d={dd} L={LL}")
            cl.check(bd.upper_samples(dd, LL, cc, F(1, 9), upper=upper)
                     == (bd.lipschitz_sqrt_d(dd, LL, cc) * 9) ** dd, "upper = (Lip sqrt(d)/eps)^d")

    with report.claim("edge.ceil_2t", "[R] reconstruction (" + S7 + "7)",
                      "ceil(t) < 2t strictly for t = m^(1/d) >= 1 (no equality case; sup 2 approached at m=2, d->inf)") as cl:
        cl.over("m in 1..299 and k^d, k^d + 1 for k in 2..8", d=range(1, 12))
        cl.over("m = 2", d=(10, 50, 200))
        for d in range(1, 12):
            for m in list(range(1, 300)) + [k**d for k in range(2, 9)] + [k**d + 1 for k in range(2, 9)]:
                k = iroot_ceil(m, d)
                cl.check(k**d < 2**d * m, f"ceil(t) = 2t at m={m} d={d}")  # strict
        cl.check(iroot_ceil(1, 5) < 2 * 1, "t = 1: ceil(1) = 1 < 2 (not an equality case)")
        for d in (10, 50, 200):  # ceil(2^(1/d)) / 2^(1/d) = 2^(1-1/d) > 2 - 2/d
            cl.check(F(2) ** (d - 1) > (2 - F(2, d)) ** d, f"m=2, d={d}: ratio not near 2")

    with report.claim("edge.s_range", "slides [S] (s <= min(B/3, d)); " + S7 + "10",
                      "s integer, 1 <= s <= min(B/3, d): B = 32 allows s <= 10; B = 3d gives s = d") as cl:
        cl.over("B = 32, d = 15, s in {10, 11}; refused: s in {d + 1, 0}, B = 2", d=(1, 3, 7, 15))
        cl.check(bd.max_s(15, 32) == NOTES["s_max_B32"], "B=32, d=15")
        for d in (1, 3, 7, 15):
            cl.check(bd.check_params(d, 3, 1).s == d, f"default s at B=3d, d={d}")
            for bad in ({"s": d + 1}, {"s": 0}, {"B": 3 * d, "s": d + 1}, {"B": 2}):
                try:
                    bd.check_params(d, 3, 1, **bad)
                    cl.check(False, f"accepted {bad} at d={d}")
                except InputError:
                    cl.check(True)
        try:
            bd.check_params(15, 3, 1, B=32, s=11)
            cl.check(False, "s=11 accepted with B=32")
        except InputError:
            cl.check(True)

    with report.claim("edge.teacher_scale", "reference code [C] (teachers); [R] reconstruction (" + S7 + "17)",
                      "teachers (q=inf, c=1/2, B=32, L=5): Omega = 2^15/48; ~21.3/m (d=1), ~7.11 m^(-1/3) (d=3)") as cl:
        c, B, L = F(1, 2), 32, 5
        cl.over("q = p = inf, s = d, c = 1/2, B = 32, L = 5", d=(1, 3), m=(1, 10**5))
        for d in (1, 3):
            om = bd.omega(d, L, c, B, INF, d, **consts)
            cl.check(om.exact() == NOTES["teacher_omega"], f"Omega d={d}")
        e1 = bd.general_error(1, 1, L, c, B, INF, INF, 1, grid=grid, **consts)
        cl.check(e1.exact() is not None and _rounds_to(e1.exact(), NOTES["teacher_d1"]), "d=1 constant")
        e3 = bd.general_error(1, 3, L, c, B, INF, INF, 3, grid=grid, **consts)
        cl.check(e3.exact() is not None and _rounds_to(e3.exact(), NOTES["teacher_d3"]), "d=3 constant")
        e35 = bd.general_error(10**5, 3, L, c, B, INF, INF, 3, grid=grid, **consts)
        lo, hi = e35.enclose(40)
        cl.check(_rounds_to(lo, NOTES["teacher_d3_1e5"]) and _rounds_to(hi, NOTES["teacher_d3_1e5"]), "d=3, m=10^5")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
