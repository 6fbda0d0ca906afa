"""Lipschitz bound by induction on layers (slides [S] for q = inf; general q and sharpness [R] reconstruction,
docs/derivations.md §4).

* lip.induction   for random members of N(d, L, B, c, q) (d <= 2, small widths, q in {1, 2, 3, 4, inf},
                  entries at the norm boundary) and for bumps: the exact squared l2 gradient norm on every
                  linear region of [0,1]^d (exactrelu.analysis.regions.lipschitz) is <= the squared bound
                  c^(2L) d^((1-2/q)_+) B^(2(L-1)(1-2/q)_+), decided exactly (rational powers compared
                  after raising to a common denominator); and the induction's own statement: for *every*
                  0/1 activation pattern, feasible or not, ||W_L D ... D W_1||^2 <= the bound.
* lip.sharp       the bound is attained: the all-equal network (entries c n^(-1/q), or one path of c's for
                  q < 2) has exact Lipschitz constant equal to the bound, for q in {1, 2, 4, inf}.
* lip.bump_ratio  the bump phi_y (q = inf, B = 3d): exact Lip^2 == peak^2 M^2 d, and Lip/bound == 1/(6d).

Hooks (for tests): ``bound`` (the squared-bound function), ``ratio`` (the expected bump ratio squared),
``peak_formula``.
"""
from __future__ import annotations

import random
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu import NetClass  # noqa: E402
from exactrelu.analysis.regions import lipschitz  # noqa: E402
from exactrelu.constructions import bumps as Bm  # noqa: E402
from exactrelu.net import Net  # noqa: E402
from exactrelu.numbers import fmt  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import lipschitz as Lp  # noqa: E402

SRC = "slides [S] (q=inf); general q [R] reconstruction (docs/derivations.md §4)"
SRC_R = "[R] reconstruction (docs/derivations.md §4)"
QS = (1, 2, 3, 4, "inf")


def random_member(rng: random.Random, c: F, q) -> Net:
    """A random net with d <= 2, L in 2..4, widths <= 3, entries p/8 in [-c, c], scaled onto the
    boundary of the class N(d, L, B, c, q)."""
    d, L = rng.randint(1, 2), rng.randint(2, 4)
    widths = [d] + [rng.randint(1, 3) for _ in range(L - 1)] + [1]
    k = int(8 * c)
    layers = [([[F(rng.randint(-k, k), 8) for _ in range(widths[l])] for _ in range(widths[l + 1])],
               [F(rng.randint(-k, k), 8) for _ in range(widths[l + 1])]) for l in range(L)]
    return Lp.scale_into_class(Net(layers, input_dim=d), c, q)


def checks(report, quick=False, **hooks):
    """The induction bound on random class members and bumps, its sharpness, and the bump's ratio."""
    bound_fn = hooks.get("bound", Lp.lipschitz_bound_squared)
    ratio_fn = hooks.get("ratio", Lp.bump_ratio_squared)
    peak_formula = hooks.get("peak_formula", Bm.bump_peak)
    rng = random.Random(20230501)
    n_random = 25 if quick else 120

    sharp_cases = [(1, 3, 3, F(1), "inf"), (2, 3, 3, F(1, 2), "inf"), (2, 4, 2, F(2), "inf"), (1, 2, 5, F(2), "inf"),
                   (1, 3, 4, F(2), 2), (1, 4, 9, F(1, 2), 2), (1, 3, 16, F(1), 4), (2, 3, 3, F(2), 1),
                   (1, 4, 2, F(1, 2), 1), (1, 3, 8, F(1), 3)]
    if quick:
        sharp_cases = sharp_cases[::2]
    bump_cases = [(1, 3, F(1), 8, "clipped"), (1, 5, F(2), 4, "one-sided"), (2, 3, F(2), 8, "clipped"),
                  (2, 4, F(1, 2), 4, "one-sided"), (3, 3, F(1), 8, "one-sided"), (3, 4, F(2), 8, "clipped")]
    if quick:
        bump_cases = bump_cases[:4]

    def cases_text(cases):
        return "{" + ", ".join("(" + ", ".join(fmt(v) if isinstance(v, F) else str(v) for v in t) + ")"
                               for t in cases) + "}"
    sharp_text = "extremal nets (d, L, B, c, q) in " + cases_text(sharp_cases)
    bump_text = "bumps (d, L, c, M, variant) in " + cases_text(bump_cases) + ", y the middle grid centre"

    def bump(d, L, c, M, variant):
        y = tuple(Bm.grid_centres(M)[(M // 2 - 1) // 2] for _ in range(d))
        return Bm.bump_net(d, L, c, M, y, variant)

    with report.claim("lip.induction", SRC, "Lip_l2(phi)^2 <= c^(2L) d^((1-2/q)+) B^(2(L-1)(1-2/q)+) for phi in "
                                            "N(d,L,B,c,q): exact gradients on every region, and every pattern") as cl:
        cl.over(f"{n_random} random members (seed 20230501; d in 1..2, L in 2..4, widths <= 3, entries k/8 scaled "
                "onto the norm boundary; c in {1/2, 1, 2}; q in {1, 2, 3, 4, inf}); " + sharp_text + "; " + bump_text
                + "; every activation pattern where the widths sum to <= 12")
        worst, worst_random = (F(-1), ""), (F(-1), "")
        members = []
        for i in range(n_random):
            q = QS[i % len(QS)]
            c = (F(1, 2), F(1), F(2))[i % 3]
            net = random_member(rng, c, q)
            members.append((net, c, q, f"random #{i}"))
        for d, L, B, c, q in sharp_cases:
            net = Lp.extremal_net(d, L, B, c, q)
            if net is not None:
                members.append((net, c, q, f"extremal d={d} L={L} B={B} c={fmt(c)} q={q}"))
        for d, L, c, M, variant in bump_cases:
            members.append((bump(d, L, c, M, variant), c, "inf", f"bump d={d} L={L} c={fmt(c)} M={M} {variant}"))
        for net, c, q, what in members:
            d, L, B = net.input_dim, net.depth, max(net.widths, default=1)
            cl.check(net in NetClass(d, L, B, c, q), f"{what}: not a class member")
            bound = bound_fn(d, L, B, c, q)
            lip2 = lipschitz(net, [(F(0), F(1))] * d, "l2").value
            cl.check(Lp.bound_ge(bound, lip2), f"{what}: Lip^2 {fmt(lip2)} > bound {bound}")
            if sum(net.widths) <= 12:
                pat = Lp.max_pattern_gradient_sq(net)
                cl.check(Lp.bound_ge(bound, pat), f"{what}: pattern gradient^2 {fmt(pat)} > bound {bound}")
            if lip2 > 0:
                lo, hi = bound.enclose(32)
                r = lip2 / hi
                if r > worst[0]:
                    worst = (r, what)
                if what.startswith("random") and r > worst_random[0]:
                    worst_random = (r, what)
        cl.note(f"closest: Lip^2/bound^2 >= {float(worst[0]):.6f} ({worst[1]})")
        cl.note(f"closest random member: Lip^2/bound^2 >= {float(worst_random[0]):.6f} ({worst_random[1]})")

    with report.claim("lip.sharp", SRC_R, "the bound is attained: the all-equal (q >= 2) or single-path "
                                                     "(q < 2) network has Lip_l2 == the bound exactly") as cl:
        cl.over(sharp_text)
        for d, L, B, c, q in sharp_cases:
            net = Lp.extremal_net(d, L, B, c, q)
            what = f"d={d} L={L} B={B} c={fmt(c)} q={q}"
            cl.check(net is not None and net in NetClass(d, L, B, c, q), f"{what}: no extremal class member")
            if net is not None:
                lip2 = lipschitz(net, [(F(0), F(1))] * d, "l2").value
                cl.check(bound_fn(d, L, B, c, q) == lip2, f"{what}: Lip^2 {fmt(lip2)} != bound")

    with report.claim("lip.bump_ratio", SRC_R, "bump: Lip_l2(phi_y)^2 == peak^2 M^2 d and "
                                                          "Lip/bound == 1/(6d) exactly (q = inf, B = 3d)") as cl:
        cl.over(bump_text)
        for d, L, c, M, variant in bump_cases:
            net = bump(d, L, c, M, variant)
            what = f"d={d} L={L} c={fmt(c)} M={M} {variant}"
            lip2 = lipschitz(net, [(F(0), F(1))] * d, "l2").value
            peak = peak_formula(d, L, c, M)
            cl.check(lip2 == peak**2 * M**2 * d, f"{what}: Lip^2 {fmt(lip2)} != peak^2 M^2 d = {fmt(peak**2 * M**2 * d)}")
            b = bound_fn(d, L, 3 * d, c, "inf").exact()
            cl.check(b is not None and lip2 / b == ratio_fn(d), f"{what}: Lip^2/bound^2 = "
                                                                f"{fmt(lip2 / b) if b else '?'} != {fmt(ratio_fn(d))}")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
