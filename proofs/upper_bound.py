"""Upper bound: piecewise-constant interpolation A* (slides [S]; realization [R] reconstruction,
docs/derivations.md §5).

* astar.samples       A* with budget m asks exactly n^d <= m points, n = floor(m^(1/d)) (integer root,
                      n^d <= m < (n+1)^d), the cell centres, in the box; non-adaptive (same points for u, -u).
* astar.error         for members u of N(d, L, B, c, inf) (random, d <= 2; bumps; all-equal extremal nets)
                      and several m, the worst cell's error max_cells sup_cell |u - A*(u)| is computed
                      exactly (kernel-replayed sup certificates, one per cell) and
                      err <= Lip(u) sqrt(d) / (2n)  ([R] reconstruction)  <=  Lip(u) sqrt(d) m^(-1/d)  [S]  <=  bound sqrt(d) m^(-1/d),
                      Lip(u)^2 exact from the linear regions, bound^2 the class bound c^(2L) d B^(2(L-1)).
                      Decided as err^2 (2n)^2 <= Lip^2 d and err^(2d) m^2 <= Lip^(2d) d^d (no roots).
* astar.sharp         the [R] reconstruction's bound is attained: for the all-equal net (gradient parallel to (1, ..., 1)),
                      err == Lip sqrt(d) / (2n) exactly.
* astar.upper_bound   the slides' sample count m = ceil(c^(dL) (3d)^(d(L-2)) (3d^2/eps)^d) gives
                      err <= eps for members of N(d, L, 3d, c, inf), checked exactly for several eps.

Hooks (for tests): ``algorithm`` (A*, e.g. a broken one), ``bound`` (squared class Lipschitz bound),
``samples`` (the sample-count formula).
"""
from __future__ import annotations

import math
import random
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu import NetClass, kernel  # noqa: E402
from exactrelu.analysis.regions import lipschitz  # noqa: E402
from exactrelu.analysis.sup import sup  # noqa: E402
from exactrelu.constructions import bumps as Bm  # noqa: E402
from exactrelu.learning import interpolation as I  # noqa: E402
from exactrelu.net import Net  # noqa: E402
from exactrelu.numbers import fmt, iroot_floor  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import bounds as Bd  # noqa: E402
from exactrelu.theory import lipschitz as Lp  # noqa: E402

SRC = "slides [S]; realization [R] reconstruction (docs/derivations.md §5)"


def _const(d: int, v) -> Net:
    return Net([([[0] * d], [v])], input_dim=d)


def astar_error(u: Net, P) -> tuple[F, int]:
    """max over cells of sup_cell |u - value_cell|, each a kernel-replayed sup certificate
    (``exactrelu.analysis.sup.sup``); (err, cells).  A cell whose sup is not exact raises."""
    err = F(0)
    for idx, box, _, v in P.cells():
        c = _const(u.input_dim, v)
        r = sup(u, c, box=box, sign="abs")
        chk = r.checked or kernel.replay((u, c), r.certificate, expect=("sup", "sup_interval"))
        if chk.kind != "sup" or not r.exact:
            raise ArithmeticError(f"astar_error: cell {idx}: sup only in [{fmt(r.lower)}, {fmt(r.upper)}]: {r.reason}")
        err = max(err, r.value)
    return err, len(P.values)


def random_member(rng: random.Random, d: int, c: F, B: int, L: int | None = None) -> Net:
    """Random net, d inputs, L (default 2..4) layers, widths <= B, entries p/8 in [-c, c] (so in N(d, L, B, c, inf))."""
    L = rng.randint(2, 4) if L is None else L
    widths = [d] + [rng.randint(1, B) for _ in range(L - 1)] + [1]
    k = int(8 * c)
    layers = [([[F(rng.randint(-k, k), 8) for _ in range(widths[l])] for _ in range(widths[l + 1])],
               [F(rng.randint(-k, k), 8) for _ in range(widths[l + 1])]) for l in range(L)]
    return Net(layers, input_dim=d)


def checks(report, quick=False, **hooks):
    """A*'s sample count, its exact worst-case error against the three bounds, sharpness, and the slides' m."""
    algorithm = hooks.get("algorithm", I.a_star)
    bound_fn = hooks.get("bound", Lp.lipschitz_bound_squared)
    samples_fn = hooks.get("samples", Bd.upper_samples)
    rng = random.Random(424242)

    ms = {1: (1, 2, 3, 5, 8), 2: (1, 4, 5, 9, 10)} if quick else \
        {1: (1, 2, 3, 4, 5, 7, 8, 11, 16, 31), 2: (1, 2, 4, 5, 8, 9, 10, 16, 24, 36)}
    members = []  # (net, d, L, B, c, label)
    for i in range(4 if quick else 20):
        d = 1 + i % 2
        c = (F(1, 2), F(1), F(2))[i % 3]
        net = random_member(rng, d, c, 3)
        members.append((net, d, net.depth, max(net.widths, default=1), c, f"random #{i}"))
    extremal = [(1, 3, 3, F(1)), (2, 3, 2, F(1, 2))] if quick else [(1, 3, 3, F(1)), (1, 4, 2, F(1, 2)),
                                                                     (2, 3, 2, F(1, 2)), (2, 3, 3, F(1))]
    for d, L, B, c in extremal:
        members.append((Lp.extremal_net(d, L, B, c, "inf"), d, L, B, c, f"extremal d={d} L={L} B={B} c={fmt(c)}"))
    for d, L, c, M in ([(1, 3, F(1), 4), (2, 3, F(1, 2), 4)] if quick else [(1, 3, F(1), 4), (1, 4, F(2), 8),
                                                                               (2, 3, F(1, 2), 4)]):
        y = (Bm.grid_centres(M)[0],) * d
        members.append((Bm.bump_net(d, L, c, M, y, "one-sided"), d, L, 3 * d, c, f"bump d={d} L={L} M={M}"))

    with report.claim("astar.samples", SRC, "A* asks n^d <= m points, n = floor(m^(1/d)), the cell centres; "
                                            "the same points for every target (non-adaptive)") as cl:
        cl.over("targets u = +-(x_1 + ... + x_d)", d=(1, 2, 3), m=(1, 2, 7, 8, 9, 26, 27, 28, 100, 3125))
        for d in (1, 2, 3):
            for m in (1, 2, 7, 8, 9, 26, 27, 28, 100, 3125):
                seen = {}
                for sgn in (1, -1):
                    rec = I.recording(lambda x, s=sgn: s * sum(x, F(0)))
                    P = algorithm(rec, m, d)
                    seen[sgn] = list(rec.queries)
                    n = P.n
                    cl.check(n == iroot_floor(m, d) and n**d <= m < (n + 1) ** d,
                             f"d={d} m={m}: n={n}")
                    cl.check(len(rec.queries) == n**d and set(rec.queries) == set(I.cell_centres(n, d).values()),
                             f"d={d} m={m}: asked {len(rec.queries)} points, not the n^d centres")
                cl.check(seen[1] == seen[-1], f"d={d} m={m}: points depend on the target")

    lips = {}
    with report.claim("astar.error", SRC, "err = ||A*(u) - u||_inf (exact, per cell) <= Lip(u) sqrt(d)/(2n) ([R] reconstruction) "
                                          "<= Lip(u) sqrt(d) m^(-1/d) [S] <= bound sqrt(d) m^(-1/d)") as cl:
        n_random = sum(w.startswith("random") for *_, w in members)
        cl.over(f"u: {n_random} random members of N(d, L <= 4, 3, c, inf) (seed 424242, c in {{1/2, 1, 2}}), "
                "the all-equal nets (d, L, B, c) in {" + ", ".join(f"({d}, {L}, {B}, {fmt(c)})" for d, L, B, c
                                                                    in extremal) + "} and one-sided bumps",
                **{"m (d=1)": ms[1], "m (d=2)": ms[2]})
        worst = (F(-1), "")
        for net, d, L, B, c, what in members:
            cl.check(net in NetClass(d, L, B, c, "inf"), f"{what}: not in N(d, L, B, c, inf)")
            lip2 = lips.setdefault(id(net), lipschitz(net, [(F(0), F(1))] * d, "l2").value)
            b2 = bound_fn(d, L, B, c, "inf")
            for m in ms[d]:
                P = algorithm(net, m, d)
                err, cells = astar_error(net, P)
                n = P.n
                if not quick and what in ("random #0", "random #1") and m <= 5:  # max and min apart agree
                    from exactrelu.analysis.sup import max_over_box, min_over_box
                    alt = max(max(max_over_box(net, box)[0] - v, v - min_over_box(net, box)[0])
                              for _, box, _, v in P.cells())
                    cl.check(alt == err, f"{what} m={m}: max/min_over_box give {fmt(alt)}, certificates {fmt(err)}")
                cl.check(err**2 * (2 * n) ** 2 <= lip2 * d, f"{what} m={m}: err {fmt(err)} > Lip sqrt(d)/(2n)")
                cl.check(I.error_bound_holds(err, lip2, m, d), f"{what} m={m}: err {fmt(err)} > Lip sqrt(d) m^(-1/d)")
                cl.check(I.error_bound_holds(err, b2, m, d), f"{what} m={m}: err {fmt(err)} > bound sqrt(d) m^(-1/d)")
                if lip2 > 0 and err > 0:
                    r = err**2 * (2 * n) ** 2 / (lip2 * d)
                    if r > worst[0]:
                        worst = (r, f"{what} m={m}")
        cl.note(f"tightest: (err / (Lip sqrt(d)/(2n)))^2 = {fmt(worst[0])} ({worst[1]})")

    with report.claim("astar.sharp", "[R] reconstruction (docs/derivations.md §5)",
                      "all-equal net: err == Lip sqrt(d)/(2n) exactly") as cl:
        cl.over("the all-equal nets (d, L, B, c) in {" + ", ".join(f"({d}, {L}, {B}, {fmt(c)})" for d, L, B, c
                                                                 in extremal) + "}",
                **{"m (d=1)": ms[1], "m (d=2)": ms[2]})
        for net, d, L, B, c, what in members:
            if not what.startswith("extremal"):
                continue
            lip2 = lips.get(id(net)) or lipschitz(net, [(F(0), F(1))] * d, "l2").value
            for m in ms[d]:
                P = algorithm(net, m, d)
                err, _ = astar_error(net, P)
                cl.check(err**2 * (2 * P.n) ** 2 == lip2 * d, f"{what} m={m}: err {fmt(err)} != Lip sqrt(d)/(2n)")

    with report.claim("astar.upper_bound", "slides [S]", "m = ceil(c^(dL) (3d)^(d(L-2)) (3d^2/eps)^d) samples give "
                                                         "||A*(u) - u||_inf <= eps on N(d, L, 3d, c, inf)") as cl:
        cases = [(1, 3, F(1, 2), F(1)), (1, 3, F(1, 2), F(1, 4)), (1, 4, F(1, 2), F(1, 2)), (2, 3, F(1, 2), F(3)),
                 (2, 3, F(1, 2), F(2))]
        if quick:
            cases = cases[::2]
        cl.over("(d, L, c, eps) in {" + ", ".join(f"({d}, {L}, {fmt(c)}, {fmt(e)})" for d, L, c, e in cases) + "}; "
                f"u: the all-equal net, a one-sided bump (M = 4), {1 if quick else 3} random member(s)")
        for d, L, c, eps in cases:
            m = math.ceil(samples_fn(d, L, c, eps))
            us = [Lp.extremal_net(d, L, 3 * d, c, "inf"),
                  Bm.bump_net(d, L, c, 4, (F(1, 4),) * d, "one-sided")]
            us += [random_member(rng, d, c, 3 * d, L) for _ in range(1 if quick else 3)]
            for u in us:
                cl.check(u in NetClass(d, L, 3 * d, c, "inf"), f"d={d} L={L}: not a member")
                err, cells = astar_error(u, algorithm(u, m, d))
                cl.check(err <= eps, f"d={d} L={L} c={fmt(c)} eps={fmt(eps)} m={m}: err {fmt(err)} > eps")
            cl.note(f"d={d} L={L} c={fmt(c)} eps={fmt(eps)}: m = {m}")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
