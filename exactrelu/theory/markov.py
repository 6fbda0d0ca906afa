"""Sample halving (Markov) and the constant chain of the L-infinity lower bound.

Notes §4.4 (slides [S]): "any A using m samples *on average* will use at most 2m samples with
probability at least 1/2": for a sample count X >= 0 with E[X] <= m,
``P[X > 2m] <= E[X]/(2m) <= 1/2``.  Counts are integers, so ``X <= 2m`` is ``X <= floor(2m)``
(this matters for non-integer average costs m).  Here distributions are exact and finite:
integer values >= 0, Fraction probabilities summing to exactly 1.

Notes §4.3 step 5 [R] (every constant of the slides reproduced): with the grid of
:mod:`exactrelu.theory.grid`,

    eps >= ||phi_y||_inf / 4 = c^L (3d)^(L-2) / (8M) = c^L (3d)^(L-2) / (64 ceil(m^(1/d)))
        >= c^L (3d)^(L-2) / (2^7 m^(1/d)),

the last step by ceil(t) <= 2t for t >= 1.  :func:`halving_chain` checks each step separately,
in exact arithmetic (m^(1/d) only ever appears raised to the power d).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from ..errors import InputError
from ..numbers import fmt, iroot_ceil, to_rational
from .bounds import LINF, check_params, linf_samples
from .grid import ceil_root, grid_M

__all__ = ["distribution", "mean", "prob_at_most", "halving_threshold", "halving",
           "extremal_distribution", "bump_peak_formula", "Step", "Chain", "halving_chain"]


def distribution(pairs) -> tuple[tuple[int, Fraction], ...]:
    """Validate an exact discrete distribution of sample counts.

    ``pairs``: a dict {count: probability} or an iterable of (count, probability); counts are
    integers >= 0, probabilities exact rationals in [0, 1] summing to exactly 1.  Returns the
    merged, sorted tuple of (count, probability) with positive probability."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    merged: dict[int, Fraction] = {}
    for k, pr in items:
        v = to_rational(k, what="count")
        if v.denominator != 1 or v < 0:
            raise InputError(f"count {fmt(v)} must be an integer >= 0")
        pr = to_rational(pr, what=f"probability of count {v}")
        if pr < 0 or pr > 1:
            raise InputError(f"probability {fmt(pr)} of count {v} must be in [0, 1]")
        merged[v.numerator] = merged.get(v.numerator, Fraction(0)) + pr
    total = sum(merged.values(), Fraction(0))
    if total != 1:
        raise InputError(f"probabilities sum to {fmt(total)}, not exactly 1")
    return tuple((k, merged[k]) for k in sorted(merged) if merged[k] != 0)


def mean(dist) -> Fraction:
    """E[X], exact."""
    return sum((k * pr for k, pr in distribution(dist)), Fraction(0))


def prob_at_most(dist, k) -> Fraction:
    """P[X <= k], exact."""
    k = to_rational(k, what="k")
    return sum((pr for v, pr in distribution(dist) if v <= k), Fraction(0))


def halving_threshold(m) -> int:
    """floor(2m): the largest integer count that is <= 2m."""
    m = to_rational(m, what="m")
    if m < 0:
        raise InputError(f"m={fmt(m)} must be >= 0")
    return math.floor(2 * m)


def halving(dist, m, *, mean_fn=None) -> tuple[Fraction, bool]:
    """(P[X <= floor(2m)], whether it is >= 1/2) for a distribution with E[X] <= m.

    ``mean_fn`` replaces :func:`mean` (a test hook: a wrong mean lets a violating distribution
    through, and the verdict must then fail).  Raises InputError when E[X] > m."""
    dist = distribution(dist)
    m = to_rational(m, what="m")
    mu = (mean_fn or mean)(dist)
    if mu > m:
        raise InputError(f"mean {fmt(mu)} exceeds m={fmt(m)}: the halving lemma does not apply")
    P = prob_at_most(dist, halving_threshold(m))
    return P, P >= Fraction(1, 2)


def extremal_distribution(m) -> tuple[tuple[int, Fraction], ...]:
    """The distribution with E[X] <= m that minimises P[X <= 2m] (for m > 0): mass
    m/(floor(2m)+1) at floor(2m)+1, the rest at 0.  Its P[X <= 2m] = 1 - m/(floor(2m)+1) > 1/2,
    which tends to 1/2 as m grows: the lemma's 1/2 is the infimum, never attained (Markov)."""
    m = to_rational(m, what="m")
    if m <= 0:
        raise InputError(f"m={fmt(m)} must be > 0")
    k = halving_threshold(m) + 1
    return distribution({0: 1 - m / k, k: m / k})


# ---------------------------------------------------------------------------------------------
# the chain eps >= ||phi||/4 >= c^L (3d)^(L-2) / (2^7 m^(1/d))
# ---------------------------------------------------------------------------------------------
def bump_peak_formula(d: int, L: int, c, M) -> Fraction:
    """||phi_y||_inf = phi_y(y) = c^L (3d)^(L-2) / (2M) (slides [S] state >=; equality per the
    [R] reconstruction of docs/derivations.md §2.5)."""
    c, M = to_rational(c, what="c"), to_rational(M, what="M")
    return c**L * Fraction(3 * d) ** (L - 2) / (2 * M)


@dataclass
class Step:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Chain:
    d: int
    L: int
    c: Fraction
    m: Fraction
    M: int
    eps: Fraction  # ||phi||/4, the error forced on average
    steps: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


def halving_chain(d, L, c, m, *, linf=LINF, M_fn=None, markov_factor=Fraction(1, 4),
                  ceil_factor=2) -> Chain:
    """Check the constant chain of docs/derivations.md §8 for one (d, L, c, m), step by step.

    Steps (each a separate exact check):

    1. ``M = 8 ceil(m^(1/d))``: M/8 is the integer root, (M/8 - 1)^d < m <= (M/8)^d.
    2. ``||phi_y||_inf = c^L (3d)^(L-2)/(2M)`` (formula), and the forced error
       ``eps = markov_factor * ||phi||`` equals ``c^L (3d)^(L-2) / (64 ceil(m^(1/d)))``.
    3. ``ceil(t) <= ceil_factor * t`` for ``t = m^(1/d) >= 1`` (m >= 1), decided as
       ``ceil(m^(1/d))^d <= ceil_factor^d m``.
    4. ``eps >= c^L (3d)^(L-2) / (linf m^(1/d))``, decided as ``(eps linf)^d m >= (c^L (3d)^(L-2))^d``.
    5. Consistency with the theorem: the specialised bound at this eps, ``linf_samples(eps)``,
       is <= m (an algorithm with m samples cannot beat eps, and the theorem says so).

    ``linf``, ``M_fn`` (grid size), ``markov_factor`` and ``ceil_factor`` are the hooks a proof
    injects to watch a step fail.
    """
    P = check_params(d, L, c)
    d, L, c = P.d, P.L, P.c
    m = to_rational(m, what="m")
    if m < 1:
        raise InputError(f"m={fmt(m)} must be >= 1 (t = m^(1/d) >= 1 is used)")
    M = (M_fn or grid_M)(m, d)
    K = c**L * Fraction(3 * d) ** (L - 2)
    ch = Chain(d, L, c, m, M, Fraction(0))
    k = Fraction(M, 8)
    ok1 = (M % 8 == 0 and k.denominator == 1 and (k - 1) ** d < m <= k**d
           and k == ceil_root(m, d))
    if m.denominator == 1:
        ok1 = ok1 and k == iroot_ceil(m.numerator, d)
    ch.steps.append(Step("M = 8 ceil(m^(1/d))", ok1, f"M={M}, (M/8-1)^d < m <= (M/8)^d"))
    peak = bump_peak_formula(d, L, c, M)
    eps = Fraction(markov_factor) * peak
    ch.eps = eps
    ceil_t = ceil_root(m, d)
    ok2 = eps == K / (64 * ceil_t)
    ch.steps.append(Step("||phi||/4 = c^L (3d)^(L-2) / (64 ceil(m^(1/d)))", ok2,
                         f"peak={fmt(peak)}, eps={fmt(eps)}"))
    ok3 = Fraction(ceil_t) ** d <= Fraction(ceil_factor) ** d * m
    ch.steps.append(Step("ceil(t) <= 2t (t = m^(1/d) >= 1)", ok3,
                         f"ceil(m^(1/d))^d = {ceil_t ** d} vs 2^d m = {fmt(Fraction(ceil_factor) ** d * m)}"))
    linf = to_rational(linf, what="linf")
    ok4 = (eps * linf) ** d * m >= K**d
    ch.steps.append(Step("||phi||/4 >= c^L (3d)^(L-2) / (2^7 m^(1/d))", ok4, f"linf={fmt(linf)}"))
    ok5 = linf_samples(d, L, c, eps, linf=linf) <= m
    ch.steps.append(Step("theorem bound at this eps <= m", ok5, ""))
    return ch

