"""The upper-bound algorithm A*: piecewise-constant interpolation on cell centres.

Slides [S]: there is an algorithm with ||A*(u) - u||_{L^inf} <= Lip_{l2}(u) sqrt(d) m^(-1/d).
Realization: [R] reconstruction (docs/derivations.md §5): with n = floor(m^(1/d)) (exact integer root), query u at
the n^d <= m centres of the uniform grid with n cells per axis, and predict the value at the
nearest centre (the centre of the cell containing x).  Every x is within sqrt(d)/(2n) of its
centre, so the error is <= Lip sqrt(d) / (2n) <= Lip sqrt(d) m^(-1/d)  (n >= m^(1/d)/2).

A* is deterministic and non-adaptive.  It only sees ``sample(x)`` answers, so a lower-bound
adversary can fool it; the predictor keeps the points it asked (``queries``) and its cell
values (``values``).

Cells.  Axis i of the box [lo_i, hi_i] is cut into n intervals of length h_i = (hi_i - lo_i)/n;
cell k covers [lo + k h, lo + (k+1) h].  A point on a shared face goes to the lower cell except
at the top face (both centres are equally near, so either choice is a nearest centre); points
outside the box go to the nearest boundary cell.

References
----------
.. [S] Berner, Grohs, Voigtlaender, ICLR 2023, slides: upper bound by piecewise-constant interpolation.
.. [R] Reconstruction, docs/derivations.md §5 (the choice n = floor(m^(1/d)) and nearest-centre prediction).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from ..errors import InputError
from ..numbers import fmt, iroot_floor, to_rational

__all__ = ["Predictor", "a_star", "interpolate", "cells_per_axis", "cell_centres", "cell_box",
           "recording", "error_bound_holds"]


def _box(box, d: int):
    if box is None:
        return tuple((Fraction(0), Fraction(1)) for _ in range(d))
    box = tuple((to_rational(lo, what=f"box[{i}] lo"), to_rational(hi, what=f"box[{i}] hi"))
                for i, (lo, hi) in enumerate(box))
    if len(box) != d:
        raise InputError(f"box has {len(box)} intervals, expected d = {d}")
    for i, (lo, hi) in enumerate(box):
        if not lo < hi:
            raise InputError(f"box[{i}]: need lo < hi, got [{fmt(lo)}, {fmt(hi)}]")
    return box


def _md(m, d):
    for name, v in (("m", m), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InputError(f"{name}={v!r} must be an integer >= 1")


def cells_per_axis(m: int, d: int) -> int:
    """n = floor(m^(1/d)) by an exact integer root ([R] reconstruction, docs/derivations.md §5); n^d <= m < (n+1)^d.

    >>> cells_per_axis(3125, 5), cells_per_axis(3124, 5), cells_per_axis(10, 2)
    (5, 4, 3)
    """
    _md(m, d)
    return iroot_floor(m, d)


def cell_centres(n: int, d: int, box=None) -> dict:
    """{cell index (k_1..k_d): centre} for n cells per axis, in lexicographic index order."""
    box = _box(box, d)
    axes = [[lo + (2 * k + 1) * (hi - lo) / (2 * n) for k in range(n)] for lo, hi in box]
    return {idx: tuple(axes[i][k] for i, k in enumerate(idx)) for idx in itertools.product(range(n), repeat=d)}


def cell_box(idx, n: int, box=None):
    """The closed cell with index ``idx`` as a box ((lo_1, hi_1), ...)."""
    box = _box(box, len(idx))
    return tuple((lo + k * (hi - lo) / n, lo + (k + 1) * (hi - lo) / n) for k, (lo, hi) in zip(idx, box))


def recording(u: Callable) -> Callable:
    """Wrap an oracle so that every queried point is appended to ``oracle.queries``."""
    def oracle(x):
        oracle.queries.append(tuple(x))
        return u(x)
    oracle.queries = []
    return oracle


@dataclass
class Predictor:
    """A*'s output: piecewise constant, value ``values[k]`` on cell k (exact rationals)."""
    n: int
    d: int
    box: tuple
    values: dict                    # cell index -> Fraction
    centres: dict                   # cell index -> centre point
    queries: list = field(default_factory=list)  # the points A* asked, in order

    def cell_of(self, x) -> tuple:
        """Index of the cell whose centre is nearest to x (see the module note on faces)."""
        x = tuple(to_rational(v, what="x") for v in x)
        if len(x) != self.d:
            raise InputError(f"x has {len(x)} coordinates, expected d = {self.d}")
        idx = []
        for v, (lo, hi) in zip(x, self.box):
            k = ((v - lo) * self.n / (hi - lo)).__floor__()
            idx.append(min(max(k, 0), self.n - 1))
        return tuple(idx)

    def __call__(self, x) -> Fraction:
        return self.values[self.cell_of(x)]

    def cells(self):
        """(index, closed cell box, centre, value) for every cell."""
        for idx, z in self.centres.items():
            yield idx, cell_box(idx, self.n, self.box), z, self.values[idx]


def a_star(sample: Callable, m: int, d: int, box=None) -> Predictor:
    """Run A* with at most m samples: query the n^d cell centres, n = floor(m^(1/d)).

    Parameters
    ----------
    sample : callable
        Oracle x -> u(x), called with a tuple of Fractions; must answer an exact rational
        (int, Fraction, or a 1-tuple of one, as :class:`~exactrelu.net.Net` returns).
    m : int >= 1
        Sample budget.
    d : int >= 1
    box : optional ((lo, hi), ...); default [0, 1]^d.

    Returns
    -------
    Predictor
        With ``values`` (cell -> sampled value), ``centres`` and ``queries`` (n^d <= m points).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> A = a_star(lambda x: 3 * x[0], m=5, d=1)        # n = 5 centres 1/10, 3/10, ...
    >>> len(A.queries), A((F(1, 4),)), A((F(1),))
    (5, Fraction(9, 10), Fraction(27, 10))
    """
    _md(m, d)
    box = _box(box, d)
    n = cells_per_axis(m, d)
    centres = cell_centres(n, d, box)
    values, queries = {}, []
    for idx, z in centres.items():
        queries.append(z)
        v = sample(z)
        if isinstance(v, tuple):
            if len(v) != 1:
                raise InputError(f"sample: expected a scalar answer at {z}, got {len(v)} values")
            v = v[0]
        values[idx] = to_rational(v, what="sample answer")
    return Predictor(n, d, box, values, centres, queries)


def interpolate(u_oracle: Callable, m: int, d: int, box=None) -> Predictor:
    """A*(u): the same as :func:`a_star` with the target's exact oracle (name of the issue's API)."""
    return a_star(u_oracle, m, d, box)


def error_bound_holds(err, lip_sq, m: int, d: int) -> bool:
    """Decide err <= Lip sqrt(d) m^(-1/d) exactly, given Lip^2 (a rational or a PowerProduct).

    For err, Lip >= 0:  err <= Lip sqrt(d) m^(-1/d)  <=>  err^(2d) m^2 <= (Lip^2)^d d^d.

    >>> error_bound_holds(Fraction(1, 2), 1, 4, 2)    # 1/2 <= 1 * sqrt(2) / 2
    True
    >>> error_bound_holds(Fraction(3, 4), 1, 4, 2)    # 3/4 > 0.7071...
    False
    """
    _md(m, d)
    err = to_rational(err, what="err")
    if err < 0:
        raise InputError(f"err={fmt(err)} must be >= 0")
    lhs = err ** (2 * d) * m * m
    from ..theory.bounds import PowerProduct
    if isinstance(lip_sq, PowerProduct):
        return lhs <= 0 or lip_sq**d * d**d >= lhs
    lip_sq = to_rational(lip_sq, what="lip_sq")
    return lhs <= lip_sq**d * d**d
