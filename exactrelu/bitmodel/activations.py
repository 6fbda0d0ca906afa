"""Activations of the bit model (Doron-Arad and Mossel 2026, Section 2) and the bit length of a rational.

An :class:`Activation` is either piecewise linear with rational breakpoints, slopes and intercepts
(ReLU, leaky ReLU, the identity, any finite list of pieces) or a polynomial in Q[T].  Values are
exact; the arithmetic runs in python-flint's ``fmpq`` (about ten times faster than ``Fraction`` on
the numbers these passes meet) and the public methods take and give ``Fraction``.

Convention at a breakpoint (used for the value and the derivative alike): a point on a breakpoint
belongs to the piece on its left, so piece i covers (b_{i-1}, b_i].  For a continuous activation the
value is the same either way and the derivative is the left one: ReLU'(0) = 0 (as in PyTorch).
Continuity is not required (the paper's Appendix E allows any rational pieces, threshold units
included); ``piecewise(..., continuous=True)`` checks it.

Bit length: len(p/q) = bits(|p|) + bits(q) for the reduced fraction with q >= 1, where bits(n) is the
number of binary digits of n >= 1 and bits(0) = 1; so len(0) = len(1) = len(-1) = 2, len(1/2) = 3.
The sign is not counted.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from fractions import Fraction

import flint

from ..errors import InputError
from ..numbers import fmt, to_rational

__all__ = ["Activation", "relu", "leaky", "piecewise", "identity", "poly", "bit_length", "rational"]

fmpq = flint.fmpq


def bit_length(q) -> int:
    """len(q) = bits(|numerator|) + bits(denominator) of the reduced fraction, bits(0) = 1.

    >>> bit_length(Fraction(0)), bit_length(Fraction(-3, 4)), bit_length(255)
    (2, 5, 9)
    """
    if isinstance(q, fmpq):
        return max(1, q.p.bit_length()) + q.q.bit_length()
    q = Fraction(q)
    return max(1, q.numerator.bit_length()) + q.denominator.bit_length()


def rational(value, *, what: str, floats: bool = False) -> Fraction:
    """An exact rational from an int, a Fraction, an fmpq or exact text ("1/3", "0.25").

    A Python float is refused unless ``floats=True``, which converts it exactly (0.1 becomes
    3602879701896397/36028797018963968, the double's own value)."""
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, float):
        if not floats:
            raise InputError(f"{what}: got the float {value!r}; give an exact number (int, Fraction, 'p/q') "
                             f"or pass floats=True to convert floats exactly")
        if not math.isfinite(value):
            raise InputError(f"{what}: {value!r} is not a finite number")
        return Fraction(value)
    return to_rational(value, what=what)


def to_q(x: Fraction) -> fmpq:
    return fmpq(x.numerator, x.denominator)


def to_fraction(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def plain_mul(a, b):
    return a * b


class Activation:
    """sigma: Q -> Q, piecewise linear or polynomial; build one with :func:`relu`, :func:`leaky`,
    :func:`piecewise`, :func:`identity` or :func:`poly`.

    >>> a = piecewise([0, 1], [0, 1, 0], [0, 0, 1])    # clip to [0, 1]
    >>> a(Fraction(1, 2)), a(Fraction(3)), a.derivative(Fraction(1)), a.derivative(Fraction(1, 2))
    (Fraction(1, 2), Fraction(1, 1), Fraction(1, 1), Fraction(1, 1))
    >>> poly([0, 0, 1]).derivative(Fraction(3))
    Fraction(6, 1)
    """
    __slots__ = ("kind", "breakpoints", "slopes", "intercepts", "coeffs", "_b", "_a", "_c", "_p", "_dp")

    def __init__(self, kind: str, *, breakpoints=(), slopes=(), intercepts=(), coeffs=()):
        self.kind = kind
        self.breakpoints, self.slopes, self.intercepts = tuple(breakpoints), tuple(slopes), tuple(intercepts)
        self.coeffs = tuple(coeffs)
        self._b = [to_q(v) for v in self.breakpoints]
        self._a = [to_q(v) for v in self.slopes]
        self._c = [to_q(v) for v in self.intercepts]
        self._p = [to_q(v) for v in self.coeffs]
        self._dp = [to_q(i * v) for i, v in enumerate(self.coeffs)][1:]

    # -- what it is ------------------------------------------------------------------------------
    @property
    def is_polynomial(self) -> bool:
        """True for :func:`poly` and :func:`identity` (T is a polynomial)."""
        return self.kind in ("poly", "identity")

    @property
    def is_piecewise_linear(self) -> bool:
        """True for the piecewise-linear kinds, the identity and polynomials of degree <= 1."""
        return self.kind != "poly" or len(self.coeffs) <= 2

    @property
    def degree(self) -> int | None:
        """The degree of a polynomial activation (0 for a constant, 1 for the identity); None otherwise."""
        if self.kind == "identity":
            return 1
        return len(self.coeffs) - 1 if self.kind == "poly" else None

    def constants(self) -> tuple[Fraction, ...]:
        """Every rational that enters a value: slopes and intercepts, or the coefficients.
        (Breakpoints are only compared with.)"""
        return self.coeffs if self.kind == "poly" else self.slopes + self.intercepts

    def pieces(self) -> tuple[tuple[Fraction, Fraction], ...]:
        """The (slope, intercept) of each piece, left to right; a polynomial of degree <= 1 is one piece."""
        if self.kind == "poly":
            if len(self.coeffs) > 2:
                raise InputError(f"{self}: a polynomial of degree {self.degree} has no linear pieces")
            c = self.coeffs + (Fraction(0),) * (2 - len(self.coeffs))
            return ((c[1], c[0]),)
        return tuple(zip(self.slopes, self.intercepts))

    def __repr__(self) -> str:
        if self.kind in ("relu", "identity"):
            return self.kind
        if self.kind == "leaky":
            return f"leaky({fmt(self.slopes[0])})"
        if self.kind == "poly":
            return f"poly({_poly_text(self.coeffs)})"
        def nums(vals):
            return ", ".join(map(fmt, vals))
        return f"piecewise([{nums(self.breakpoints)}], [{nums(self.slopes)}], [{nums(self.intercepts)}])"

    def _key(self):
        return self.kind, self.breakpoints, self.slopes, self.intercepts, self.coeffs

    def __eq__(self, other):
        return isinstance(other, Activation) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    # -- values ----------------------------------------------------------------------------------
    def __call__(self, z) -> Fraction:
        return to_fraction(self.value(to_q(rational(z, what="activation argument"))))

    def derivative(self, z) -> Fraction:
        """sigma'(z); at a breakpoint, the slope of the piece on its left (the module's convention)."""
        return to_fraction(self.slope(to_q(rational(z, what="activation argument"))))

    def value(self, z: fmpq, mul=plain_mul) -> fmpq:
        """sigma(z) on fmpq; every multiplication goes through ``mul`` (the passes' bit-budget check)."""
        kind = self.kind
        if kind == "relu":
            return z if z > 0 else fmpq(0)
        if kind == "identity":
            return z
        if kind == "poly":
            return _horner(self._p, z, mul)
        i = bisect_left(self._b, z)
        a, c = self._a[i], self._c[i]
        h = z if a == 1 else (fmpq(0) if a == 0 else mul(a, z))
        return h + c if c else h

    def slope(self, z: fmpq, mul=plain_mul) -> fmpq:
        """sigma'(z) on fmpq (see :meth:`derivative`)."""
        kind = self.kind
        if kind == "relu":
            return fmpq(1) if z > 0 else fmpq(0)
        if kind == "identity":
            return fmpq(1)
        if kind == "poly":
            return _horner(self._dp, z, mul) if self._dp else fmpq(0)
        return self._a[bisect_left(self._b, z)]


def _horner(p, z, mul):
    acc = p[-1]
    for c in reversed(p[:-1]):
        acc = mul(acc, z) + c
    return acc


def _poly_text(coeffs) -> str:
    terms = []
    for i in range(len(coeffs) - 1, -1, -1):
        c = coeffs[i]
        if c == 0 and len(coeffs) > 1:
            continue
        mono = "" if i == 0 else ("T" if i == 1 else f"T^{i}")
        num = fmt(abs(c))
        body = num if not mono else (mono if abs(c) == 1 else f"{num}{mono}")
        terms.append(("-" if c < 0 else "+", body))
    if not terms:
        return "0"
    head = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    return " ".join([head] + [f"{s} {b}" for s, b in terms[1:]])


def _list(values, what: str, floats: bool) -> tuple[Fraction, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InputError(f"{what}: expected a list of numbers, got {type(values).__name__}")
    return tuple(rational(v, what=f"{what}[{i}]", floats=floats) for i, v in enumerate(values))


def relu() -> Activation:
    """max(0, z): pieces (-inf, 0] -> 0 and (0, inf) -> z."""
    return Activation("relu", breakpoints=(Fraction(0),), slopes=(Fraction(0), Fraction(1)),
                      intercepts=(Fraction(0), Fraction(0)))


def leaky(slope, *, floats: bool = False) -> Activation:
    """z for z > 0 and slope * z for z <= 0 (any rational slope)."""
    s = rational(slope, what="leaky slope", floats=floats)
    return Activation("leaky", breakpoints=(Fraction(0),), slopes=(s, Fraction(1)),
                      intercepts=(Fraction(0), Fraction(0)))


def identity() -> Activation:
    """sigma(z) = z."""
    return Activation("identity", slopes=(Fraction(1),), intercepts=(Fraction(0),))


def piecewise(breakpoints, slopes, intercepts, *, continuous: bool = False, floats: bool = False) -> Activation:
    """The piecewise-linear function with breakpoints b_1 < ... < b_k and k + 1 pieces
    sigma(z) = slopes[i] * z + intercepts[i] on (b_i, b_{i+1}] (b_0 = -inf, b_{k+1} = +inf).

    Breakpoints must increase strictly; ``continuous=True`` also checks that neighbouring pieces
    agree at every breakpoint.

    >>> piecewise([0], [0, 1], [0, 0]) == piecewise([0], [0, 1], [0, 0], continuous=True)
    True
    """
    b = _list(breakpoints, "piecewise breakpoints", floats)
    a = _list(slopes, "piecewise slopes", floats)
    c = _list(intercepts, "piecewise intercepts", floats)
    for i in range(1, len(b)):
        if b[i] <= b[i - 1]:
            raise InputError(f"piecewise breakpoints must increase strictly: breakpoints[{i - 1}] = {fmt(b[i - 1])}, "
                             f"breakpoints[{i}] = {fmt(b[i])}")
    if len(a) != len(b) + 1 or len(c) != len(b) + 1:
        raise InputError(f"piecewise: {len(b)} breakpoints need {len(b) + 1} slopes and {len(b) + 1} intercepts, "
                         f"got {len(a)} slopes and {len(c)} intercepts")
    if continuous:
        for i, x in enumerate(b):
            left, right = a[i] * x + c[i], a[i + 1] * x + c[i + 1]
            if left != right:
                raise InputError(f"piecewise (continuous=True): pieces {i} and {i + 1} differ at breakpoint {fmt(x)} "
                                 f"({fmt(left)} and {fmt(right)})")
    return Activation("piecewise", breakpoints=b, slopes=a, intercepts=c)


def poly(coeffs, *, floats: bool = False) -> Activation:
    """The polynomial sum_i coeffs[i] T^i (lowest degree first); trailing zeros are dropped.

    >>> poly([0, 0, 1]), poly(["-1/2", 3, 0, 1, 0]).degree
    (poly(T^2), 3)
    """
    c = list(_list(coeffs, "poly coefficients", floats))
    if not c:
        raise InputError("poly: needs at least one coefficient (lowest degree first)")
    while len(c) > 1 and c[-1] == 0:
        c.pop()
    return Activation("poly", coeffs=c)
