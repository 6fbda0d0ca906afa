"""The sample oracle: the only window a learning algorithm has onto its target u.

A learning algorithm in the sense of Berner, Grohs, Voigtlaender (ICLR 2023, slides [S]; docs/derivations.md §1)
sees u only through point samples (x_i, u(x_i)).  :class:`SampleOracle` hands those out,
exactly, and keeps the record the lower-bound adversary needs:

* a query is an exact point of the domain box; Python floats (and numpy float64) are
  accepted and read *exactly* (every finite float is a dyadic rational), so a float
  learner's query is the very point it named;
* the answer is ``u(x)`` as a :class:`~fractions.Fraction`;
* every query is recorded, repeats included, in order;
* the budget is strict: the query after the ``budget``-th raises :class:`BudgetExceeded`
  (the theorem counts samples; a learner that wants more must be given a larger budget,
  and the adversary then plays against that budget).

>>> from fractions import Fraction as F
>>> o = SampleOracle(lambda x: x[0] * x[0], budget=2, d=1)
>>> o([F(1, 2)]), o([0.25])
(Fraction(1, 4), Fraction(1, 16))
>>> o.queries
[(Fraction(1, 2),), (Fraction(1, 4),)]
>>> o([F(1, 3)])
Traceback (most recent call last):
...
exactrelu.learning.oracle.BudgetExceeded: oracle: query 3 exceeds the budget of 2 samples
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction

from ..errors import ExactReluError, InputError
from ..net import Net
from ..numbers import fmt

__all__ = ["SampleOracle", "BudgetExceeded", "OracleError", "exact_point", "exact_value", "unit_box"]


class OracleError(ExactReluError):
    """A learner asked the oracle something it cannot answer (wrong dimension, outside the box)."""


class BudgetExceeded(OracleError):
    """A learner asked for more samples than its budget."""


def unit_box(d: int):
    """[0, 1]^d, the paper's domain."""
    return tuple((Fraction(0), Fraction(1)) for _ in range(d))


def exact_value(v, what: str = "value") -> Fraction:
    """An exact rational from an int, a Fraction or a finite float (read exactly, no rounding)."""
    if isinstance(v, bool):
        raise OracleError(f"{what}: a boolean is not a number")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        if not math.isfinite(f) or f != v:
            raise OracleError(f"{what}: {v!r} is not a finite float64")
        return Fraction(f)  # exact: a float64 is a dyadic rational
    raise OracleError(f"{what}: expected a number, got {type(v).__name__}")


def exact_point(x, d: int, what: str = "point") -> tuple[Fraction, ...]:
    """An exact point of R^d from a sequence (or 1-D array) of ints, Fractions or floats."""
    try:
        xs = list(x)
    except TypeError:
        raise OracleError(f"{what}: expected a sequence of {d} coordinates, got {type(x).__name__}") from None
    if len(xs) != d:
        raise OracleError(f"{what}: has {len(xs)} coordinates, expected {d}")
    return tuple(exact_value(v, f"{what} coordinate {i}") for i, v in enumerate(xs))


class SampleOracle:
    """Point samples of a target ``u`` on a box, exact answers, recorded queries, strict budget.

    Parameters
    ----------
    u : a :class:`~exactrelu.net.Net` with scalar output, or a callable on exact points
        returning an exact number (int or Fraction).
    budget : the number of samples allowed (the ``m`` of the theorems), >= 0.
    d : input dimension (taken from ``u`` when it is a Net).
    box : the domain, default [0, 1]^d; a query outside it is refused.
    """

    def __init__(self, u, budget: int, d: int | None = None, box=None):
        if isinstance(u, Net):
            if u.output_dim != 1:
                raise InputError(f"oracle: target has {u.output_dim} outputs, expected 1")
            if d is not None and d != u.input_dim:
                raise InputError(f"oracle: d={d} but the target net has input_dim {u.input_dim}")
            d = u.input_dim
            net = u
            u = lambda x: net(x)[0]  # noqa: E731
        if not callable(u):
            raise InputError(f"oracle: target {u!r} is neither a Net nor a callable")
        if isinstance(d, bool) or not isinstance(d, int) or d < 1:
            raise InputError(f"oracle: d={d!r} must be an integer >= 1")
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
            raise InputError(f"oracle: budget={budget!r} must be an integer >= 0")
        self._u = u
        self.d = d
        self.budget = budget
        self.box = tuple((Fraction(lo), Fraction(hi)) for lo, hi in (box or unit_box(d)))
        if len(self.box) != d:
            raise InputError(f"oracle: box has {len(self.box)} intervals, d is {d}")
        self.queries: list[tuple[Fraction, ...]] = []
        self.answers: list[Fraction] = []

    def __call__(self, x) -> Fraction:
        """u(x) exactly; records the query.  Raises BudgetExceeded past the budget."""
        k = len(self.queries) + 1
        if k > self.budget:
            raise BudgetExceeded(f"oracle: query {k} exceeds the budget of {self.budget} samples")
        p = exact_point(x, self.d, what=f"oracle: query {k}")
        for i, (v, (lo, hi)) in enumerate(zip(p, self.box)):
            if not lo <= v <= hi:
                raise OracleError(f"oracle: query {k} coordinate {i} = {fmt(v)} is outside "
                                  f"[{fmt(lo)}, {fmt(hi)}]")
        a = self._u(p)
        if isinstance(a, tuple) and len(a) == 1:
            a = a[0]
        if isinstance(a, float) or not isinstance(a, (int, Fraction)) or isinstance(a, bool):
            raise OracleError(f"oracle: target returned {a!r} at query {k}; an exact rational is required")
        a = Fraction(a)
        self.queries.append(p)
        self.answers.append(a)
        return a

    def many(self, xs) -> list[Fraction]:
        """Answers at several points (each counts as one query)."""
        return [self(x) for x in xs]

    @property
    def used(self) -> int:
        return len(self.queries)

    @property
    def remaining(self) -> int:
        return self.budget - len(self.queries)

    def transcript(self) -> list[tuple[tuple[Fraction, ...], Fraction]]:
        """The (x_i, u(x_i)) pairs in query order."""
        return list(zip(self.queries, self.answers))

    def __repr__(self):
        return f"SampleOracle(d={self.d}, used {self.used} of {self.budget})"
