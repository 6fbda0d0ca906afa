"""Hypothesis strategies for exact rationals, ReLU networks and point sets.

Public: use them to test your own code against exactrelu's exact semantics.  Arguments
are validated (an impossible request raises ``InvalidArgument`` rather than drawing
nothing).  Examples shrink towards small widths and depths, small denominators and zero.
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .net import Net

__all__ = ["rationals", "nets", "points", "point_sets", "dyadics"]


def rationals(*, max_denominator: int = 64, max_abs=Fraction(2)) -> st.SearchStrategy[Fraction]:
    """Fractions p/q with 1 <= q <= max_denominator and |p/q| <= max_abs.

    Shrinks towards smaller denominators, then towards zero."""
    if max_denominator < 1:
        raise InvalidArgument(f"{max_denominator=} must be >= 1")
    max_abs = Fraction(max_abs)
    if max_abs < 0:
        raise InvalidArgument(f"max_abs={max_abs} must be >= 0")

    def with_den(q):
        bound = int(max_abs * q)
        return st.integers(-bound, bound).map(lambda p: Fraction(p, q))
    return st.integers(1, max_denominator).flatmap(with_den)


def dyadics(*, max_exponent: int = 10, max_abs=Fraction(2)) -> st.SearchStrategy[Fraction]:
    """Fractions k / 2^e with e <= max_exponent and |value| <= max_abs."""
    if max_exponent < 0:
        raise InvalidArgument(f"{max_exponent=} must be >= 0")
    return st.integers(0, max_exponent).flatmap(
        lambda e: st.integers(-int(Fraction(max_abs) * 2**e), int(Fraction(max_abs) * 2**e))
        .map(lambda k: Fraction(k, 2**e)))


@st.composite
def nets(draw, *, input_dim=None, max_input_dim: int = 3, max_depth: int = 4, max_width: int = 5,
         output_dim=None, max_output_dim: int = 1, entries=None) -> Net:
    """Exact ReLU networks with random architecture.

    ``input_dim``/``output_dim`` fix the dimensions when given; ``entries`` is the strategy for
    each weight and bias (default :func:`rationals`).  Shrinks towards shallow, narrow nets."""
    for name, v in (("max_input_dim", max_input_dim), ("max_depth", max_depth),
                    ("max_width", max_width), ("max_output_dim", max_output_dim)):
        if v < 1:
            raise InvalidArgument(f"{name}={v} must be >= 1")
    entries = entries if entries is not None else rationals()
    d = input_dim if input_dim is not None else draw(st.integers(1, max_input_dim), label="input_dim")
    out = output_dim if output_dim is not None else draw(st.integers(1, max_output_dim), label="output_dim")
    L = draw(st.integers(1, max_depth), label="depth")
    widths = [d] + [draw(st.integers(1, max_width), label=f"width{l}") for l in range(L - 1)] + [out]
    layers = []
    for l in range(L):
        W = [[draw(entries) for _ in range(widths[l])] for _ in range(widths[l + 1])]
        b = [draw(entries) for _ in range(widths[l + 1])]
        layers.append((W, b))
    return Net(layers, input_dim=d)


def points(dim: int, *, coords=None) -> st.SearchStrategy[tuple]:
    """One point with ``dim`` exact coordinates (default rationals in [0, 1] with small denominators)."""
    if dim < 1:
        raise InvalidArgument(f"{dim=} must be >= 1")
    coords = coords if coords is not None else rationals(max_denominator=32, max_abs=1).map(abs)
    return st.tuples(*[coords] * dim)


def point_sets(dim: int, *, min_size: int = 1, max_size: int = 10, coords=None) -> st.SearchStrategy[list]:
    """Lists of points (see :func:`points`)."""
    if min_size < 0 or max_size < min_size:
        raise InvalidArgument(f"need 0 <= {min_size=} <= {max_size=}")
    return st.lists(points(dim, coords=coords), min_size=min_size, max_size=max_size)
