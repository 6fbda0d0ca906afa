"""The grid of bumps and the pigeonhole count behind the L-infinity lower bound.

Notes section 4.3 (slides [S], details [R]): with ``M = 8 ceil(m^(1/d))`` the bumps are
centred at ``y in {(2j-1)/M : j = 1..M/2}^d``, ``N = (M/2)^d >= 4m`` of them, each
``phi_y(x) != 0  iff  M ||x - y||_1 < 1`` (an open l1 ball of radius 1/M; the bump network
is ``peak * ReLU(1 - M ||x - y||_1)``).  The open balls lie in the pairwise disjoint open
cells ``prod_i ((2j_i-2)/M, 2j_i/M)``, so a point makes at most one bump nonzero and
``2m`` points leave at least ``N - 2m >= N/2`` bumps untouched.

Everything is exact: ``ceil(m^(1/d))`` is an integer root, points are Fractions, and the
one candidate bump of a point is found by floor arithmetic (no loop over the centres).
"""
from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..numbers import fmt, iroot_ceil, to_rational

__all__ = ["ceil_root", "grid_M", "n_bumps", "centre", "centres", "bump_index", "touched",
           "touched_bruteforce", "touched_set", "count_untouched", "Pigeonhole", "pigeonhole",
           "face_points", "node_points", "vertex_points", "cluster_points", "one_per_bump",
           "random_points", "adversarial_families"]


def ceil_root(m, d: int) -> int:
    """ceil(m^(1/d)) for a rational m >= 0, by exact integer roots (never ``m ** (1/d)``).

    For an integer m this is :func:`exactrelu.numbers.iroot_ceil`; for m = a/b it is the least
    integer k with k^d b >= a.

    >>> ceil_root(3125, 5), ceil_root(3126, 5), ceil_root(Fraction(1, 2), 3)
    (5, 6, 1)
    """
    m = to_rational(m, what="m")
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise InputError(f"d={d!r} must be an integer >= 1")
    if m < 0:
        raise InputError(f"m={fmt(m)} must be >= 0")
    a, b = m.numerator, m.denominator
    if b == 1:
        return iroot_ceil(a, d)
    k = iroot_ceil(-(-a // b), d)  # k^d >= ceil(a/b) >= a/b
    while k > 0 and (k - 1) ** d * b >= a:  # at most one step down
        k -= 1
    return k


def grid_M(m, d: int) -> int:
    """M = 8 ceil(m^(1/d)) (slides [S]; docs/derivations.md §6); always a multiple of 8, so M/2 is an integer."""
    return 8 * ceil_root(m, d)


def _check_M(M: int, d: int) -> None:
    if isinstance(M, bool) or not isinstance(M, int) or M < 2:
        raise InputError(f"M={M!r} must be an integer >= 2")
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise InputError(f"d={d!r} must be an integer >= 1")


def n_bumps(M: int, d: int) -> int:
    """N = floor(M/2)^d, the number of grid centres."""
    _check_M(M, d)
    return (M // 2) ** d


def centre(j, M: int) -> tuple[Fraction, ...]:
    """The centre y with y_i = (2 j_i - 1)/M of the multi-index j (1-based)."""
    return tuple(Fraction(2 * ji - 1, M) for ji in j)


def centres(M: int, d: int):
    """All multi-indices j in {1..M/2}^d (lexicographic); N of them."""
    _check_M(M, d)
    return itertools.product(range(1, M // 2 + 1), repeat=d)


def _coords(x, d: int) -> tuple[Fraction, ...]:
    x = tuple(x)
    if len(x) != d:
        raise InputError(f"point {tuple(map(str, x))} has {len(x)} coordinates, expected d={d}")
    return tuple(to_rational(v, what="point coordinate") for v in x)


def bump_index(x, M: int, d: int, *, strict: bool = True):
    """The multi-index j of the one bump with M ||x - y_j||_1 < 1, or None.

    Only one candidate exists: M ||x - y||_1 < 1 forces |M x_i - (2 j_i - 1)| < 1 for every i,
    i.e. j_i = floor(M x_i / 2) + 1.  ``strict=False`` tests the closed ball instead (the wrong
    reading: points on shared faces would touch two bumps; kept to show the tests catch it,
    and then only the floor candidate is reported)."""
    _check_M(M, d)
    xs = _coords(x, d)
    q = math.lcm(*(v.denominator for v in xs))  # x_i = a_i / q: integer arithmetic from here on
    a = [v.numerator * (q // v.denominator) for v in xs]
    half = M // 2
    j = tuple((M * ai) // (2 * q) + 1 for ai in a)  # floor(M x_i / 2) + 1
    if any(ji < 1 or ji > half for ji in j):
        return None
    dist = sum(abs(M * ai - (2 * ji - 1) * q) for ai, ji in zip(a, j))  # = q * M ||x - y_j||_1
    return j if (dist < q if strict else dist <= q) else None


def touched(points, M: int, d: int, *, strict: bool = True) -> list:
    """For each point, the multi-index of the bump it makes nonzero, or None."""
    return [bump_index(x, M, d, strict=strict) for x in points]


def touched_bruteforce(x, M: int, d: int, *, strict: bool = True) -> list:
    """Every j with M ||x - y_j||_1 < 1 (<= 1 when not strict), by looping over all N centres.
    Reference for tests and proofs on small grids."""
    xs = _coords(x, d)
    out = []
    for j in centres(M, d):
        dist = M * sum(abs(v - y) for v, y in zip(xs, centre(j, M)))
        if (dist < 1) if strict else (dist <= 1):
            out.append(j)
    return out


def touched_set(points, M: int, d: int, *, strict: bool = True) -> set:
    return {j for j in touched(points, M, d, strict=strict) if j is not None}


def count_untouched(points, M: int, d: int, *, strict: bool = True) -> int:
    """Exact number of bumps no point makes nonzero: N - |touched set|."""
    return n_bumps(M, d) - len(touched_set(points, M, d, strict=strict))


@dataclass(frozen=True)
class Pigeonhole:
    m: Fraction
    d: int
    M: int
    N: int
    n_points: int
    n_touched: int
    untouched: int

    @property
    def holds(self) -> bool:
        """untouched >= N - n_points >= N/2 and N >= 4m."""
        return (self.untouched >= self.N - self.n_points and 2 * (self.N - self.n_points) >= self.N
                and self.N >= 4 * self.m)


def pigeonhole(m, d: int, points, *, M: int | None = None, strict: bool = True) -> Pigeonhole:
    """Count the untouched bumps for ``points`` on the grid of ``m`` (``M`` overrides the grid)."""
    m = to_rational(m, what="m")
    M = grid_M(m, d) if M is None else M
    pts = list(points)
    ts = touched_set(pts, M, d, strict=strict)
    N = n_bumps(M, d)
    return Pigeonhole(m, d, M, N, len(pts), len(ts), N - len(ts))


# ---------------------------------------------------------------------------------------------
# adversarial point families (deterministic, seeded); the tests draw the same with hypothesis
# ---------------------------------------------------------------------------------------------
def _rng(seed):
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def face_points(M: int, d: int, n: int, seed=0) -> list:
    """Points with at least one coordinate on a shared face 2k/M (they touch nothing)."""
    r = _rng(seed)
    pts = []
    for _ in range(n):
        x = [Fraction(r.randrange(0, M + 1), M) for _ in range(d)]
        i = r.randrange(d)
        x[i] = Fraction(2 * r.randrange(0, M // 2 + 1), M)
        pts.append(tuple(x))
    return pts


def node_points(M: int, d: int, n: int, seed=0) -> list:
    """Points exactly on grid centres (each touches its own bump)."""
    r = _rng(seed)
    return [centre(tuple(r.randrange(1, M // 2 + 1) for _ in range(d)), M) for _ in range(n)]


def vertex_points(M: int, d: int, n: int, seed=0) -> list:
    """Points on the l1 spheres: y +- e_i/M (boundary of a support, touch nothing)."""
    r = _rng(seed)
    pts = []
    for _ in range(n):
        y = list(centre(tuple(r.randrange(1, M // 2 + 1) for _ in range(d)), M))
        i = r.randrange(d)
        y[i] += Fraction(r.choice((-1, 1)), M)
        pts.append(tuple(y))
    return pts


def cluster_points(M: int, d: int, n: int, seed=0) -> list:
    """Points clustered near one centre (all inside one support or on its boundary)."""
    r = _rng(seed)
    y = centre(tuple(r.randrange(1, M // 2 + 1) for _ in range(d)), M)
    pts = []
    for _ in range(n):
        delta = [Fraction(r.randrange(-8, 9), 8 * M * d) for _ in range(d)]
        pts.append(tuple(yi + di for yi, di in zip(y, delta)))
    return pts


def one_per_bump(M: int, d: int, n: int, seed=0) -> list:
    """n points on n distinct centres (n <= N): the equality case untouched = N - n."""
    N = n_bumps(M, d)
    if n > N:
        raise InputError(f"one_per_bump: {n} points but only N={N} bumps")
    r = _rng(seed)
    side = M // 2
    if N < 10**6:
        picks = r.sample(range(N), n)
    else:
        seen: dict = {}
        while len(seen) < n:
            seen.setdefault(r.randrange(N))
        picks = list(seen)
    out = []
    for k in picks:
        j = []
        for _ in range(d):
            k, rem = divmod(k, side)
            j.append(rem + 1)
        out.append(centre(tuple(j), M))
    return out


def random_points(M: int, d: int, n: int, seed=0, den: int | None = None) -> list:
    """Random rational points in [0, 1]^d with denominator ``den`` (default 4M, so faces and
    centres are hit often)."""
    r = _rng(seed)
    den = den or 4 * M
    return [tuple(Fraction(r.randrange(0, den + 1), den) for _ in range(d)) for _ in range(n)]


def adversarial_families(M: int, d: int, n: int, seed=0) -> dict:
    """Every family above with n points (one_per_bump capped at N)."""
    r = _rng(seed)
    return {"faces": face_points(M, d, n, r), "nodes": node_points(M, d, n, r),
            "vertices": vertex_points(M, d, n, r), "cluster": cluster_points(M, d, n, r),
            "one_per_bump": one_per_bump(M, d, min(n, n_bumps(M, d)), r),
            "random": random_points(M, d, n, r)}
