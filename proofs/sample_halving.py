"""Sample halving (Markov) and the constant chain eps >= ||phi||/4 >= c^L (3d)^(L-2) / (2^7 m^(1/d)).

Slides [S] (docs/derivations.md §7): a randomized algorithm using m samples on average uses at most 2m with
probability >= 1/2.  [R] reconstruction (docs/derivations.md §8): the chain of constants that turns the grid bump into
the slides' 2^7 bound, each step checked separately.  The halving claims compare the functions of
exactrelu.theory.markov with floor(2m), means, probabilities and the two-point extremal
distributions computed in this script.  Hooks: ``mean_fn`` (a wrong mean), ``extremal_fn`` (a wrong
extremal distribution),
``M_fn`` (grid size), ``linf`` (the 2^7), ``markov_factor`` (the 1/4), ``ceil_factor`` (the 2 in
ceil(t) <= 2t).
"""
from __future__ import annotations

import random
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import markov as mk  # noqa: E402
from exactrelu.theory.bounds import LINF  # noqa: E402

SRC = "slides [S] (Markov halving); docs/derivations.md §7"
CHAIN = "[R] reconstruction (docs/derivations.md §8)"


def _floor2m(m: F) -> int:
    """floor(2m) from m's numerator and denominator: the script's own threshold, independent of
    markov.halving_threshold (the function under test)."""
    return (2 * m.numerator) // m.denominator


def _two_point(m: F, t: int) -> dict:
    """Mass m/t at t, the rest at 0: mean exactly m (t >= m > 0), built here, not by markov."""
    return {0: 1 - m / t, t: m / t}


def _mean(dist: dict) -> F:
    """E[X] of a {count: probability} dict, summed here."""
    return sum((F(v) * F(p) for v, p in dist.items()), F(0))


def _at_most(dist: dict, k: int) -> F:
    """P[X <= k] of a {count: probability} dict, summed here."""
    return sum((F(p) for v, p in dist.items() if v <= k), F(0))


def _distributions(m: F, rng: random.Random, n_random: int) -> list:
    """Candidate count distributions around the Markov boundary (some have mean > m on purpose)."""
    k = _floor2m(m)
    out = [{v: 1} for v in range(0, k + 3)]                       # point masses, incl. 2m+1, 2m+2
    if m > 0:
        out.append(_two_point(m, k + 1))                            # the Markov boundary
        out.append({0: F(1, 2), k: F(1, 2)} if k else {0: 1})        # mass at exactly floor(2m)
        for t in (k + 1, k + 2, 3 * k + 5):                         # two-point, mean exactly m
            if t > m:
                out.append({0: 1 - m / t, t: m / t})
            out.append({0: F(1, 2), t: F(1, 2)})                    # mean t/2 (> m for t > 2m)
    for _ in range(n_random):
        vals = [rng.randrange(0, 3 * k + 6) for _ in range(rng.randrange(1, 6))]
        w = [rng.randrange(1, 20) for _ in vals]
        dist: dict = {}
        for v, x in zip(vals, w):
            dist[v] = dist.get(v, 0) + F(x, sum(w))
        out.append(dist)
    return out


def checks(report, quick=False, **hooks):
    """Markov halving, extremal distributions, and the 2^7 constant chain."""
    mean_fn = hooks.get("mean_fn", mk.mean)
    extremal_fn = hooks.get("extremal_fn", mk.extremal_distribution)
    linf = hooks.get("linf", LINF)
    M_fn = hooks.get("M_fn")
    markov_factor = hooks.get("markov_factor", F(1, 4))
    ceil_factor = hooks.get("ceil_factor", 2)
    rng = random.Random(4404)
    ms = [F(1), F(2), F(3), F(10), F(1, 3), F(1, 2), F(7, 2), F(5, 4)] + ([] if quick else [F(100), F(99, 7), F(0)])

    with report.claim("halving.markov", SRC, "E[X] <= m => P[X <= floor(2m)] >= 1/2 (X integer >= 0)") as cl:
        cl.over(f"{20 if quick else 120} random distributions per m (seed 4404) with E[X] <= m", m=ms)
        for m in ms:
            K = _floor2m(m)
            cl.check(mk.halving_threshold(m) == K, f"m={m}: halving_threshold is floor(2m) = {K}")
            for raw in _distributions(m, rng, 20 if quick else 120):
                dist = mk.distribution(raw)
                if mean_fn(dist) > m:
                    continue  # the lemma's hypothesis fails: nothing to check
                P, ok = mk.halving(dist, m, mean_fn=mean_fn)
                want = _at_most(raw, K)  # P[X <= floor(2m)], summed here
                cl.check(ok and P == want == mk.prob_at_most(dist, 2 * m) and want >= F(1, 2),
                         f"m={m} dist={dist}: P={P}, P[X <= {K}]={want}")
                # Markov with the integer refinement: P[X > 2m] <= E[X] / (floor(2m) + 1)
                cl.check(1 - want <= _mean(raw) / (K + 1), f"Markov m={m} {dist}")

    with report.claim("halving.extremal", "[R] reconstruction (docs/derivations.md §7)",
                      "min P[X <= 2m] over E[X] <= m is 1 - m/(floor(2m)+1) > 1/2, -> 1/2; hypothesis needed") as cl:
        cl.over(f"the two-point extremal distribution and {10 if quick else 60} random ones per m > 0",
                m=[m for m in ms if m > 0])
        cl.over("the limit 1/2", m=[f"10^{e}" for e in range(1, 8 if quick else 30)])
        for m in ms:
            if m <= 0:
                continue
            K = _floor2m(m)
            direct = _two_point(m, K + 1)  # the extremal distribution, built here
            low = 1 - m / (K + 1)
            cl.check(_mean(direct) == m and _at_most(direct, K) == low and low > F(1, 2),
                     f"extremal m={m}: the direct two-point distribution has mean m and P = {low}")
            cl.check(mk.distribution(extremal_fn(m)) == mk.distribution(direct),
                     f"extremal m={m}: extremal_distribution is mass {m / (K + 1)} at {K + 1}, the rest at 0")
            P, ok = mk.halving(direct, m)
            cl.check(ok and P == low, f"extremal m={m}: halving gives {P} on it, not {low}")
            for raw in _distributions(m, rng, 10 if quick else 60):
                if _mean(raw) <= m:
                    cl.check(_at_most(raw, K) >= low and mk.prob_at_most(raw, 2 * m) >= low,
                             f"m={m}: {raw} below the extremal value")
            viol = {K + 1: 1}  # mean floor(2m)+1 > m and P = 0
            cl.check(mean_fn(mk.distribution(viol)) > m and mk.prob_at_most(viol, 2 * m) == 0,
                     f"m={m}: the violator shows E[X] <= m is needed")
        for e in range(1, 8 if quick else 30):  # 1/2 is the infimum: low - 1/2 = 1/(2(2m+1)) for integer m
            m = F(10**e)
            cl.check(1 - m / (2 * m + 1) - F(1, 2) == 1 / (2 * (2 * m + 1)), f"m=10^{e}")

    cases = []
    for d in ((1, 2, 3, 5) if quick else (1, 2, 3, 4, 5, 7, 10, 15)):
        for m in (1, 2, 3, 2**d, 3**d, 3**d + 1, 10**3, F(7, 2), F(1000, 3)):
            cases.append((d, F(m)))
    Ls, cs = ((3, 5), (F(1, 2), F(2))) if quick else ((3, 4, 7), (F(1, 2), F(1), F(2), F(100)))

    with report.claim("halving.chain", CHAIN,
                      "eps >= ||phi||/4 = c^L(3d)^(L-2)/(64 ceil(m^(1/d))) >= c^L(3d)^(L-2)/(2^7 m^(1/d)), step by step") as cl:
        cl.over("m in {1, 2, 3, 2^d, 3^d, 3^d + 1, 1000, 7/2, 1000/3}", d=sorted({d for d, _ in cases}), L=Ls, c=cs)
        for d, m in cases:
            for L in Ls:
                for c in cs:
                    ch = mk.halving_chain(d, L, c, m, linf=linf, M_fn=M_fn, markov_factor=markov_factor,
                                          ceil_factor=ceil_factor)
                    for st in ch.steps:
                        cl.check(st.ok, f"d={d} L={L} c={c} m={m}: step '{st.name}' {st.detail}")

    with report.claim("halving.constant_sharp", CHAIN,
                      "2^7 = 64 * sup ceil(t)/t is the least constant of the chain: any smaller one fails at m = 2") as cl:
        import math
        cl.over("m = 2, the least d where 2^7 - delta fails", delta=(F(1),) if quick else (F(1), F(1, 2), F(1, 10)))
        for delta in ((F(1),) if quick else (F(1), F(1, 2), F(1, 10))):
            lin = F(linf) - delta
            # the step fails iff lin^d m < (64 ceil(m^(1/d)))^d; at m = 2 (ceil = 2): iff (128/lin)^d > 2
            if F(128) / lin <= 1:
                cl.check(False, f"a smaller constant {lin} never fails at m=2: {linf} is not the least")
                continue
            d = math.floor(math.log(2) / math.log(128 / lin)) + 1  # float search, exact verdicts below
            while not (F(128) / lin) ** d > 2:
                d += 1
            cl.check(not mk.halving_chain(d, 3, 1, 2, linf=lin).steps[3].ok, f"constant {lin} survives m=2, d={d}")
            cl.check(mk.halving_chain(d, 3, 1, 2, linf=linf).steps[3].ok, f"{linf} fails at m=2, d={d}")
            cl.note(f"constant {lin}: fails at m=2, d={d}")

if __name__ == "__main__":
    raise SystemExit(run_script(checks))
