"""The sample bounds of Berner, Grohs and Voigtlaender (ICLR 2023) as exact functions.

Every bound here is a product of powers of positive rationals with rational exponents,
``coef * prod b_i ** e_i``.  :class:`PowerProduct` holds such a number exactly: it says
whether the value is rational (and gives it), decides comparisons exactly, and encloses
an irrational value in ``[lo, hi]`` with rational ends computed from exact integer roots
of scaled integers (or, for roots of large degree, by directed dyadic powers).  Floats and
mpmath appear only in :meth:`PowerProduct.log10`, for printing, and in the starting guess of
such a root, which the exact powers then prove or move.

Theorems (Berner, Grohs, Voigtlaender, ICLR 2023, as stated on its slides [S]; the derivations
are in docs/derivations.md, sections 5 and 9):

* :func:`general_error`, :func:`general_samples`: the general lower bound, Theorem 2.2
  (slides [S], numbering per [K]), for all ``p, q`` in ``[1, inf]`` and integer
  ``1 <= s <= min(B/3, d)``::

      sup_u E ||A(u) - u||_{L^p} >= Omega (32 s)^(-1 - s/p) m^(-1/p - 1/s),
      Omega = c^L s^(1-2/q) / (8 * 3^(2/q))     (q < 2),
      Omega = c^L B^((L-1)(1-2/q)) / 48         (q >= 2).

* :func:`linf_samples`, :func:`linf_error`: the specialised L-infinity lower bound
  (slides [S]): width ``3d``, ``q = p = inf``, ``m >= c^(dL) (3d)^(d(L-2)) (2^7 eps)^(-d)``.
* :func:`upper_samples`, :func:`upper_error`: the upper bound (slides [S]):
  ``m <= c^(dL) (3d)^(d(L-2)) (3 d^2 / eps)^d`` samples suffice for L-infinity error ``eps``.

The paper's constants (1/48, 1/8, 3, 32, 2^7, 3) are keyword inputs with these
defaults; everything else is recomputed from them, so a proof script can inject a
wrong constant and watch its checks fail.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError, LimitReached
from ..numbers import approx, fmt, int_text, iroot_floor, log10 as _log10, shown, to_integer, to_positive, to_rational

__all__ = ["INF", "PowerProduct", "parse_exponent", "exponent_text", "check_params",
           "omega", "general_error", "general_samples", "linf_samples", "linf_samples_pp", "linf_error",
           "upper_samples", "upper_samples_pp", "upper_error", "lipschitz_sqrt_d", "n_params", "max_s",
           "bounds_report", "int_text", "MAX_BITS", "MAX_SIZE",
           "OMEGA_GE2", "OMEGA_LT2", "OMEGA_LT2_BASE", "GRID", "LINF", "UPPER"]

INF = math.inf

#: Theorem 2.2, q >= 2: Omega = OMEGA_GE2 * c^L * B^((L-1)(1-2/q))  (slides [S]).
OMEGA_GE2 = Fraction(1, 48)
#: Theorem 2.2, q < 2: Omega = OMEGA_LT2 * c^L * s^(1-2/q) / OMEGA_LT2_BASE^(2/q)  (slides [S]).
OMEGA_LT2 = Fraction(1, 8)
OMEGA_LT2_BASE = 3
#: Theorem 2.2: the factor (GRID * s)^(-1 - s/p)  (slides [S]).
GRID = 32
#: Specialised L-infinity theorem: (1 / (LINF * eps))^d with LINF = 2^7  (slides [S]).
LINF = 2**7
#: Upper bound: (UPPER * d^2 / eps)^d with UPPER = 3  (slides [S]).
UPPER = 3

#: Largest exact integer (in bits) any computation here builds; beyond it :class:`LimitReached`
#: is raised (log10 stays available, it needs no big numbers).
MAX_BITS = 4_000_000
#: Largest d and L accepted, and B up to 3 MAX_SIZE (beyond, log10 of the bounds leaves the float range).
MAX_SIZE = 10**9


# ---------------------------------------------------------------------------------------------
# exact integers and roots
# ---------------------------------------------------------------------------------------------
def _iroot_exact(x: int, n: int) -> tuple[int, bool]:
    """(floor(x ** (1/n)), whether it is exact) for x >= 0.  Large inputs use python-flint
    (GMP) for the root and for the bracket r^n <= x < (r+1)^n, which is always re-checked."""
    if n == 1 or x < 2:
        return x, True
    if x.bit_length() > 2048:
        try:
            import flint
        except ImportError:  # pragma: no cover - flint is a core dependency
            flint = None
        if flint is not None:
            fx = flint.fmpz(x)
            r = fx.root(n)
            rn = r**n
            if rn <= fx < (r + 1) ** n:
                return int(r), rn == fx
    r = iroot_floor(x, n)
    return r, r**n == x


def _iroot(x: int, n: int) -> int:
    """floor(x ** (1/n)) for x >= 0 (see :func:`_iroot_exact`)."""
    return _iroot_exact(x, n)[0]


def _gcd(a: int, b: int) -> int:
    if max(a.bit_length(), b.bit_length()) > 20000:
        import flint
        return int(flint.fmpz(a).gcd(flint.fmpz(b)))
    return math.gcd(a, b)


def _rat_text(x: Fraction) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return int_text(x.numerator)
    return f"{int_text(x.numerator)}/{int_text(x.denominator)}"


def _bits(x: Fraction) -> int:
    return x.numerator.bit_length() + x.denominator.bit_length()


def _guard(bits: float, what: str) -> None:
    if bits > MAX_BITS:
        n = int(bits)
        raise LimitReached(f"{what}: the exact value needs about {f'{n:,}' if n < 10**18 else approx(n, 3)} bits "
                           f"(limit {MAX_BITS:,}); only log10 is available")


# ---------------------------------------------------------------------------------------------
# dyadic enclosures: (m, e) stands for m * 2^e, m >= 1; "up" rounds up, else down
# ---------------------------------------------------------------------------------------------
def _dy_trunc(m: int, e: int, prec: int, up: bool) -> tuple[int, int]:
    """(m, e) cut to at most prec bits of mantissa, rounded down or up."""
    s = m.bit_length() - prec
    if s <= 0:
        return m, e
    t = m >> s
    if up and (t << s) != m:
        t += 1
    return t, e + s


def _dy_mul(x, y, prec: int, up: bool):
    return _dy_trunc(x[0] * y[0], x[1] + y[1], prec, up)


def _dy_pow(n: int, k: int, prec: int, up: bool):
    """n^k (integers n >= 1, k >= 0) by square and multiply, each step truncated the same way."""
    r, b = (1, 0), _dy_trunc(n, 0, prec, up)
    while k:
        if k & 1:
            r = _dy_mul(r, b, prec, up)
        k >>= 1
        if k:
            b = _dy_mul(b, b, prec, up)
    return r


def _dy_div(x, y, prec: int, up: bool):
    """x / y, rounded down or up."""
    s = max(0, prec + y[0].bit_length() - x[0].bit_length())
    q, r = divmod(x[0] << s, y[0])
    if up and r:
        q += 1
    return _dy_trunc(q, x[1] - y[1] - s, prec, up)


def _dy_cmp(x, y) -> int:
    """Sign of x - y for dyadics (m, e) with m >= 1."""
    (a, e), (b, f) = x, y
    ta, tb = a.bit_length() + e, b.bit_length() + f  # 2^(t-1) <= value < 2^t
    if ta != tb:
        return 1 if ta > tb else -1
    a, b = (a << (e - f), b) if e >= f else (a, b << (f - e))
    return (a > b) - (a < b)


def _dy_root(x, D: int, prec: int, up: bool):
    """x^(1/D), rounded down or up: an exact integer root of a scaled mantissa, or, for a degree
    whose scaled mantissa would pass 2^20 bits, a candidate from mpmath that a directed power
    proves (r^D <= x for the lower end, >= x for the upper), moved outwards until it does."""
    if D == 1:
        return x
    m, e = x
    if prec * D > 1 << 20:
        return _dy_root_checked(x, D, prec, up)
    t = max(0, prec * D - m.bit_length())
    t += (e - t) % D  # e - t divisible by D
    r, exact = _iroot_exact(m << t, D)
    if up and not exact:
        r += 1
    return _dy_trunc(r, (e - t) // D, prec, up)


def _mp(x: Fraction):
    import mpmath
    return mpmath.mpf(x.numerator) / x.denominator


def _root_guess(x, D: int, prec: int):
    """(r, f) with r 2^f near x^(1/D), r of about prec bits (mpmath; a search, not a proof)."""
    import mpmath
    m, e = x
    with mpmath.workprec(prec + 64 + abs(e).bit_length()):
        lg = (mpmath.log(m) + e * mpmath.log(2)) / (D * mpmath.log(2))  # log2 of the root
        f = int(mpmath.floor(lg)) - prec
        return int(mpmath.floor(mpmath.power(2, lg - f))), f


def _dy_root_checked(x, D: int, prec: int, up: bool, guess=None):
    """The end of x^(1/D) that a directed power proves, starting from ``guess`` (or _root_guess)
    and moving outwards, by steps growing 16-fold, until the proof holds."""
    r, f = guess or _root_guess(x, D, prec)
    step = 1
    while True:
        if up or step < r:
            cand = (r + step, f) if up else (r - step, f)
        else:  # below the guess by more than itself: halve until the proof holds
            cand, f = (1, f), f - 1
        power = _dy_pow_dyadic(cand, D, prec, not up)
        if (_dy_cmp(power, x) <= 0) if not up else (_dy_cmp(power, x) >= 0):
            return _dy_trunc(*cand, prec, up)
        step *= 16


def _dy_pow_dyadic(x, k: int, prec: int, up: bool):
    """(m 2^e)^k = m^k 2^(e k), m^k by directed truncated powers."""
    pm, pe = _dy_pow(x[0], k, prec, up)
    return pm, pe + x[1] * k


def _dy_sign1(m: int, e: int) -> int:
    """Sign of m 2^e - 1 (m >= 1)."""
    if e >= 0:
        return int(m > 1 or e > 0)
    if m.bit_length() <= -e:
        return -1
    return int(m != 1 << -e)


def _dy_fraction(m: int, e: int) -> Fraction:
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def _coprime_exponents(pairs) -> dict:
    """{base: exponent} over a pairwise coprime basis of the integers in ``pairs`` ((n, e) for
    n^e), zero exponents dropped: n^e b^f = (n/g)^e (b/g)^f g^(e+f) with g = gcd(n, b) until no
    two bases share a factor (the product of all bases drops at each step, so this ends)."""
    basis: dict[int, Fraction] = {}
    work = [(n, Fraction(e)) for n, e in pairs]
    while work:
        n, e = work.pop()
        if n == 1:
            continue
        for b in basis:
            g = _gcd(n, b)
            if g > 1:
                f = basis.pop(b)
                work += [(n // g, e), (b // g, f), (g, e + f)]
                break
        else:
            basis[n] = e
    return {b: e for b, e in basis.items() if e != 0}


# ---------------------------------------------------------------------------------------------
# exact products of rational powers
# ---------------------------------------------------------------------------------------------
class PowerProduct:
    """A positive real number ``prod_i base_i ** exp_i`` with rational bases > 0 and rational exponents.

    The value is ``R ** (1/D)`` with ``D`` the least common denominator of the exponents and
    ``R`` a positive rational (:meth:`radical`); hence it is rational iff the reduced
    numerator and denominator of ``R`` are perfect ``D``-th powers (:meth:`exact`), two such
    numbers compare as the radical of their quotient compares with 1 (:meth:`compare`, which
    first tries cheap certified per-factor enclosures, :meth:`interval`), and ``floor`` is an
    exact integer root (:meth:`floor`).  No float takes part in any of these decisions.

    >>> x = PowerProduct.of(8, Fraction(2, 3))          # 8^(2/3) = 4
    >>> x.exact(), PowerProduct.of(2, Fraction(1, 2)).exact() is None
    (Fraction(4, 1), True)
    >>> lo, hi = PowerProduct.of(2, Fraction(1, 2)).enclose(20); lo < hi and lo * lo < 2 < hi * hi
    True
    """
    __slots__ = ("terms", "_rad")

    def __init__(self, terms=()):
        merged: dict[Fraction, Fraction] = {}
        for b, e in (terms.items() if isinstance(terms, dict) else terms):
            b, e = to_rational(b, what="base"), to_rational(e, what="exponent")
            if b <= 0:
                raise InputError(f"PowerProduct: base {fmt(b)} must be positive")
            if b == 1 or e == 0:
                continue
            merged[b] = merged.get(b, Fraction(0)) + e
        self.terms = {b: e for b, e in sorted(merged.items()) if e != 0}
        self._rad = None

    @classmethod
    def of(cls, base, exp=1) -> "PowerProduct":
        """``base ** exp``."""
        return cls([(base, exp)])

    @classmethod
    def lift(cls, x) -> "PowerProduct":
        return x if isinstance(x, PowerProduct) else cls.of(x, 1)

    # -- arithmetic ---------------------------------------------------------------------------
    def __mul__(self, other):
        other = PowerProduct.lift(other)
        return PowerProduct(list(self.terms.items()) + list(other.terms.items()))

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = PowerProduct.lift(other)
        return PowerProduct(list(self.terms.items()) + [(b, -e) for b, e in other.terms.items()])

    def __rtruediv__(self, other):
        return PowerProduct.lift(other) / self

    def __pow__(self, e):
        e = to_rational(e, what="exponent")
        return PowerProduct([(b, x * e) for b, x in self.terms.items()])

    # -- exact decisions ----------------------------------------------------------------------
    def bits_estimate(self) -> float:
        """Rough size in bits of the radical R (see :meth:`radical`)."""
        D = math.lcm(1, *(e.denominator for e in self.terms.values()))
        return sum(abs(e) * D * _bits(b) for b, e in self.terms.items())

    def _radical_parts(self) -> tuple[int, int, int]:
        """``(N, Q, D)``, not reduced: value = (N/Q)^(1/D) (integer products, no gcd per step)."""
        D = math.lcm(1, *(e.denominator for e in self.terms.values()))
        _guard(self.bits_estimate(), "PowerProduct")
        N = Q = 1
        for b, e in self.terms.items():
            k = int(e * D)
            if k > 0:
                N *= b.numerator**k
                Q *= b.denominator**k
            else:
                N *= b.denominator ** -k
                Q *= b.numerator ** -k
        return N, Q, D

    def radical(self) -> tuple[Fraction, int]:
        """``(R, D)`` with value ``= R ** (1/D)``, ``D`` the lcm of the exponents' denominators."""
        if self._rad is None:
            N, Q, D = self._radical_parts()
            g = _gcd(N, Q)
            self._rad = (Fraction(N // g, Q // g), D)
        return self._rad

    def _dyadic(self, bits: int):
        """Certified ``(lo, hi)`` as dyadic pairs ``(mantissa, exponent)``, value ``m 2^e``:
        every factor ``b^(P/D)`` by truncated powers of b's numerator and denominator (rounded
        down for lo, up for hi), a truncated quotient and an exact integer root; then the factors
        multiplied with the same directed truncation.  Cost: about log2|P| products of
        ``bits``-bit integers per factor, whatever the size of the value."""
        prec = bits + 8 + 2 * max(1, len(self.terms)).bit_length()
        lo, hi = (1, 0), (1, 0)
        for b, e in self.terms.items():
            num, den = (b.numerator, b.denominator) if e > 0 else (b.denominator, b.numerator)
            P, D = abs(e.numerator), e.denominator
            flo = _dy_root(_dy_div(_dy_pow(num, P, prec, False), _dy_pow(den, P, prec, True), prec, False),
                           D, prec, False)
            fhi = _dy_root(_dy_div(_dy_pow(num, P, prec, True), _dy_pow(den, P, prec, False), prec, True),
                           D, prec, True)
            lo, hi = _dy_mul(lo, flo, prec, False), _dy_mul(hi, fhi, prec, True)
        return lo, hi

    def interval(self, bits: int = 64) -> tuple[Fraction, Fraction]:
        """A cheap enclosure ``lo <= value <= hi`` with dyadic rational ends (see :meth:`_dyadic`);
        relative width about 2^-bits, computed without building the value.  The ends are
        Fractions m 2^e, so for astronomically large values prefer :meth:`compare`."""
        (ml, el), (mh, eh) = self._dyadic(bits)
        _guard(max(abs(el), abs(eh)), "PowerProduct interval")
        return _dy_fraction(ml, el), _dy_fraction(mh, eh)

    def _sign_vs_one(self, bits: int) -> int:
        """1 or -1 when a ``bits`` enclosure lies above or below 1; 0 when it straddles 1 (or a
        root of huge degree makes the enclosure itself too large to compute)."""
        try:
            lo, hi = self._dyadic(bits)
        except LimitReached:
            return 0
        if _dy_sign1(*lo) > 0:
            return 1
        return -1 if _dy_sign1(*hi) < 0 else 0

    def is_one(self) -> bool:
        """Whether the value is exactly 1, decided without building it: the integer bases are
        refined into a pairwise coprime basis (repeated gcds), and a product of powers of pairwise
        coprime integers > 1 is 1 only when every exponent is 0."""
        pairs = []
        for b, e in self.terms.items():
            pairs += [(b.numerator, e), (b.denominator, -e)]
        return not _coprime_exponents(pairs)

    def exact(self) -> Fraction | None:
        """The value as a Fraction when it is rational, else None (decided exactly)."""
        R, D = self.radical()
        if D == 1:
            return R
        (n, en), (q, eq) = _iroot_exact(R.numerator, D), _iroot_exact(R.denominator, D)
        return Fraction(n, q) if en and eq else None

    @property
    def is_rational(self) -> bool:
        return self.exact() is not None

    def compare(self, other) -> int:
        """-1, 0 or 1 as self <, ==, > other (other a PowerProduct or positive rational)."""
        x = self / PowerProduct.lift(other)
        if not x.terms:
            return 0
        for bits in (64, 512):  # certified enclosures decide almost every strict comparison,
            if sign := x._sign_vs_one(bits):
                return sign
        if x.is_one():          # equality without building the values,
            return 0
        for bits in (4096, 32768):  # and values within 2^-512 of each other that differ
            if sign := x._sign_vs_one(bits):
                return sign
        N, Q, _ = x._radical_parts()  # exact: value vs 1 as N vs Q
        return (N > Q) - (N < Q)

    def __eq__(self, other):
        if isinstance(other, (PowerProduct, Fraction, int)) and not isinstance(other, bool):
            if not isinstance(other, PowerProduct) and other <= 0:
                return False
            return self.compare(other) == 0
        return NotImplemented

    def __lt__(self, other):
        return self.compare(other) < 0

    def __le__(self, other):
        return self.compare(other) <= 0

    def __gt__(self, other):
        return self.compare(other) > 0

    def __ge__(self, other):
        return self.compare(other) >= 0

    __hash__ = None

    def floor(self) -> int:
        """floor(value), exactly: floor(R^(1/D)) = floor(floor(R)^(1/D))."""
        R, D = self.radical()
        return _iroot(R.numerator // R.denominator, D)

    def ceil(self) -> int:
        """ceil(value), exactly."""
        v = self.exact()
        if v is not None:
            return math.ceil(v)
        return self.floor() + 1

    def enclose(self, bits: int = 64) -> tuple[Fraction, Fraction]:
        """Rationals ``lo <= value <= hi`` (equal when the value is rational, else strict),
        with ``hi - lo`` about ``2^-bits`` times the value.

        Computed as ``r / 2^k`` and ``(r + 1) / 2^k`` with ``r = floor((R 2^(kD))^(1/D))`` an
        exact integer root of a scaled integer."""
        if not isinstance(bits, int) or isinstance(bits, bool) or bits < 1:
            raise InputError(f"bits={bits!r} must be an integer >= 1")
        v = self.exact()
        if v is not None:
            return v, v
        R, D = self.radical()
        N, Q = R.numerator, R.denominator
        k = bits - (N.bit_length() - Q.bit_length()) // D
        _guard(max(0, k) * D + _bits(R), "enclosure")
        X = (N << (k * D)) // Q if k >= 0 else N // (Q << (-k * D))
        r = _iroot(X, D)
        if k >= 0:
            return Fraction(r, 1 << k), Fraction(r + 1, 1 << k)
        return Fraction(r << -k), Fraction((r + 1) << -k)

    def log10(self) -> float:
        """log10 of the value, for printing (needs no big number), within about 1e-15 of the
        value's own log10 in relative terms: terms of the sum far beyond 2^53 or cancelling each
        other are summed with mpmath at the precision their size needs."""
        terms = [(e, _log10(b)) for b, e in self.terms.items()]
        big = max((abs(float(e) * t) for e, t in terms), default=0.0)
        if big < 1e6:
            return math.fsum(float(e) * t for e, t in terms)
        import mpmath
        with mpmath.workprec(64 + int(big).bit_length()):
            return float(mpmath.fsum(mpmath.mpf(e.numerator) / e.denominator * mpmath.log10(_mp(b))
                                     for b, e in self.terms.items()))

    def __repr__(self):
        if not self.terms:
            return "PowerProduct(1)"
        def base(b):
            return fmt(b) if b.denominator == 1 else f"({fmt(b)})"
        return "PowerProduct(" + " * ".join(
            base(b) + ("" if e == 1 else f"^({fmt(e)})" if e.denominator != 1 or e < 0 else f"^{fmt(e)}")
            for b, e in self.terms.items()) + ")"

    def describe(self, bits: int = 64) -> dict:
        """JSON-ready: exact value text, or an enclosure, plus log10.

        Keys: ``exact`` (bool), ``value`` ("p/q" or None), ``lo``/``hi`` (enclosure text, equal
        to ``value`` when exact), ``log10`` (float); or ``limit`` (a message) when the exact
        value is too large to build."""
        out = {"log10": self.log10()}
        try:
            v = self.exact()
            if v is not None:
                out.update(exact=True, value=_rat_text(v), lo=_rat_text(v), hi=_rat_text(v))
            else:
                lo, hi = self.enclose(bits)
                out.update(exact=False, value=None, lo=_rat_text(lo), hi=_rat_text(hi))
        except LimitReached as e:
            out.update(exact=None, value=None, limit=str(e))
            try:  # rationality undecided, but an enclosure is cheap (unless a root is of huge degree)
                (ml, el), (mh, eh) = self._dyadic(bits + 8)
            except LimitReached:
                return out
            if max(abs(el), abs(eh)) < 60_000:  # short enough to print (about 20000 digits)
                out.update(lo=_rat_text(_dy_fraction(ml, el)), hi=_rat_text(_dy_fraction(mh, eh)))
        return out


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------
def parse_exponent(value, what: str = "p"):
    """p or q of the theorem: a rational >= 1 (int, Fraction or text "3/2", "2") or ``inf``.

    Returns a Fraction or :data:`INF`.  Floats other than ``math.inf`` are refused."""
    if isinstance(value, float) and value == INF:
        return INF
    if isinstance(value, str) and value.strip().lower() in ("inf", "+inf", "infinity", "oo"):
        return INF
    x = to_rational(value, what=what)
    if x < 1:
        raise InputError(f"{what}={fmt(x)} must be in [1, inf] (a rational >= 1 or 'inf')")
    return x


def exponent_text(p) -> str:
    return "inf" if p == INF else fmt(p)


def _inv(p) -> Fraction:
    """1/p with 1/inf = 0."""
    return Fraction(0) if p == INF else 1 / p


def _integer(value, what: str, lo: int) -> int:
    return to_integer(value, what=what, least=lo)


def _positive(value, what: str) -> Fraction:
    return to_positive(value, what=what)


def max_s(d: int, B: int) -> int:
    """Largest admissible s in Theorem 2.2: min(floor(B/3), d) (s integer, 3s <= B)."""
    return min(B // 3, d)


@dataclass(frozen=True)
class Params:
    d: int
    L: int
    c: Fraction
    B: int
    p: object
    q: object
    s: int


def check_params(d, L, c, B=None, p=INF, q=INF, s=None) -> Params:
    """Validate and normalise the theorems' parameters; errors name the argument.

    d >= 1, L >= 3, c > 0 rational, B integer with 3 <= B (default 3d), p, q in [1, inf],
    s integer with 1 <= s <= min(B/3, d) (default min(d, floor(B/3)); with B = 3d that is d);
    d and L at most :data:`MAX_SIZE`, B at most 3 MAX_SIZE.
    """
    d = _integer(d, "d", 1)
    L = _integer(L, "L", 3)
    c = _positive(c, "c")
    for name, v, top in (("d", d, MAX_SIZE), ("L", L, MAX_SIZE), ("B", B, 3 * MAX_SIZE)):
        if v is not None and _integer(v, name, 1) > top:
            raise InputError(f"{name}={shown(_integer(v, name, 1))} is beyond the limit {top:,} of these "
                             f"bounds (their log10 would leave the float range)")
    B = 3 * d if B is None else _integer(B, "B", 1)
    if B < 3:
        raise InputError(f"B={B} must be >= 3 (the bumps need 3s <= B neurons with s >= 1)")
    p, q = parse_exponent(p, "p"), parse_exponent(q, "q")
    if s is None:
        s = max_s(d, B)
    else:
        s = _integer(s, "s", 1)
        if s > d:
            raise InputError(f"s={s} must be <= d={d}")
        if 3 * s > B:
            raise InputError(f"s={s} must be <= B/3 = {fmt(Fraction(B, 3))}")
    return Params(d, L, c, B, p, q, s)


def n_params(d: int, B: int, L: int) -> int:
    """Parameter count of the architecture (d, B x (L-1) hidden, 1), weights and biases."""
    if L == 1:
        return d + 1
    return B * (d + 1) + (L - 2) * B * (B + 1) + B + 1   # first, middle and output layers


# ---------------------------------------------------------------------------------------------
# Theorem 2.2 (general lower bound)
# ---------------------------------------------------------------------------------------------
def omega(d, L, c, B=None, q=INF, s=None, *, omega_ge2=OMEGA_GE2, omega_lt2=OMEGA_LT2,
          omega_lt2_base=OMEGA_LT2_BASE, branch: str | None = None) -> PowerProduct:
    """Omega of Theorem 2.2 (slides [S]).

    ``Omega = omega_lt2 * c^L * s^(1-2/q) / omega_lt2_base^(2/q)`` if q < 2, and
    ``Omega = omega_ge2 * c^L * B^((L-1)(1-2/q))`` if q >= 2 (2/inf = 0).
    ``branch`` ("lt2" or "ge2") evaluates one formula regardless of q, e.g. the q < 2
    formula at q = 2 to obtain the limit q -> 2^- (docs/derivations.md, section 10).
    """
    P = check_params(d, L, c, B, INF, q, s)
    tq = 2 * _inv(P.q)  # 2/q
    use = branch or ("lt2" if P.q != INF and P.q < 2 else "ge2")
    cL = PowerProduct.of(P.c, P.L)
    if use == "lt2":
        return (cL * PowerProduct.of(to_rational(omega_lt2, what="omega_lt2"))
                * PowerProduct.of(P.s, 1 - tq) / PowerProduct.of(to_rational(omega_lt2_base), tq))
    if use == "ge2":
        return cL * PowerProduct.of(to_rational(omega_ge2, what="omega_ge2")) * PowerProduct.of(P.B, (P.L - 1) * (1 - tq))
    raise InputError(f"branch={branch!r} must be 'lt2', 'ge2' or None")


def general_error(m, d, L, c, B=None, p=INF, q=INF, s=None, *, grid=GRID, **consts) -> PowerProduct:
    """Guaranteed error of Theorem 2.2 for m samples (on average):
    ``Omega (grid s)^(-1 - s/p) m^(-1/p - 1/s)``.  ``m`` may be a PowerProduct."""
    P = check_params(d, L, c, B, p, q, s)
    m = m if isinstance(m, PowerProduct) else PowerProduct.of(_positive(m, "m"))
    ip = _inv(P.p)
    return (omega(P.d, P.L, P.c, P.B, P.q, P.s, **consts)
            * PowerProduct.of(grid * P.s, -1 - P.s * ip) * m ** (-ip - Fraction(1, P.s)))


def general_samples(eps, d, L, c, B=None, p=INF, q=INF, s=None, *, grid=GRID, **consts) -> PowerProduct:
    """Sample count of Theorem 2.2 before rounding up: the m at which the guaranteed error
    equals eps, i.e. ``m = (Omega (grid s)^(-1-s/p) / eps)^(1/(1/p + 1/s))``.

    Any algorithm with error <= eps needs at least this many samples on average."""
    P = check_params(d, L, c, B, p, q, s)
    eps = _positive(eps, "eps")
    ip = _inv(P.p)
    base = (omega(P.d, P.L, P.c, P.B, P.q, P.s, **consts)
            * PowerProduct.of(grid * P.s, -1 - P.s * ip) / PowerProduct.of(eps))
    return base ** (1 / (ip + Fraction(1, P.s)))


# ---------------------------------------------------------------------------------------------
# specialised L-infinity lower bound and the upper bound (q = p = inf, width 3d)
# ---------------------------------------------------------------------------------------------
def _amplitude(d: int, L: int, c: Fraction) -> PowerProduct:
    """c^L (3d)^(L-2), the common factor of the bump peak and of both bounds."""
    return PowerProduct([(c, L), (3 * d, L - 2)])


def linf_samples_pp(d, L, c, eps, *, linf=LINF) -> PowerProduct:
    """:func:`linf_samples` as a :class:`PowerProduct` (log10 available at any size)."""
    P = check_params(d, L, c)
    eps = _positive(eps, "eps")
    return (_amplitude(P.d, P.L, P.c) / PowerProduct.of(to_rational(linf, what="linf") * eps)) ** P.d


def linf_samples(d, L, c, eps, *, linf=LINF) -> Fraction:
    """Specialised L-infinity theorem (slides [S]): ``m >= c^(dL) (3d)^(d(L-2)) (1/(linf eps))^d``,
    ``linf = 2^7``.  Returns the right-hand side, exact, before rounding up.

    Raises :class:`~exactrelu.errors.LimitReached` when the number is too large to build."""
    return linf_samples_pp(d, L, c, eps, linf=linf).exact()


def linf_error(m, d, L, c, *, linf=LINF) -> PowerProduct:
    """The same theorem read as an error bound for m samples: ``c^L (3d)^(L-2) / (linf m^(1/d))``."""
    P = check_params(d, L, c)
    m = m if isinstance(m, PowerProduct) else PowerProduct.of(_positive(m, "m"))
    return _amplitude(P.d, P.L, P.c) / PowerProduct.of(to_rational(linf, what="linf")) * m ** Fraction(-1, P.d)


def lipschitz_sqrt_d(d, L, c, B=None) -> Fraction:
    """``Lip_l2 * sqrt(d)`` with the slides' bound ``Lip_l2 <= c^L sqrt(d) B^(L-1)`` (q = inf):
    the product is ``c^L d B^(L-1)``, rational."""
    P = check_params(d, L, c, B)
    return P.c**P.L * P.d * Fraction(P.B) ** (P.L - 1)


def _upper_K(P: Params, upper) -> PowerProduct:
    if P.B == 3 * P.d:
        return _amplitude(P.d, P.L, P.c) * PowerProduct.of(to_rational(upper, what="upper") * P.d**2)
    return PowerProduct([(P.c, P.L), (P.d, 1), (P.B, P.L - 1)])


def upper_samples_pp(d, L, c, eps, B=None, *, upper=UPPER) -> PowerProduct:
    """:func:`upper_samples` as a :class:`PowerProduct`."""
    P = check_params(d, L, c, B)
    eps = _positive(eps, "eps")
    return (_upper_K(P, upper) / PowerProduct.of(eps)) ** P.d


def upper_samples(d, L, c, eps, B=None, *, upper=UPPER) -> Fraction:
    """Upper bound (slides [S]): ``m = c^(dL) (3d)^(d(L-2)) (upper d^2/eps)^d`` samples suffice.

    For ``B`` other than ``3d`` the same argument (piecewise-constant interpolation with error
    ``Lip sqrt(d) m^(-1/d)``, docs/derivations.md section 5) gives ``(c^L d B^(L-1)/eps)^d`` [R]."""
    return upper_samples_pp(d, L, c, eps, B, upper=upper).exact()


def upper_error(m, d, L, c, B=None, *, upper=UPPER) -> PowerProduct:
    """Error the upper-bound algorithm guarantees with m samples: ``K m^(-1/d)``,
    ``K = c^L (3d)^(L-2) upper d^2`` (B = 3d) or ``c^L d B^(L-1)`` [R]."""
    P = check_params(d, L, c, B)
    m = m if isinstance(m, PowerProduct) else PowerProduct.of(_positive(m, "m"))
    return _upper_K(P, upper) * m ** Fraction(-1, P.d)


# ---------------------------------------------------------------------------------------------
# everything at once (the `exactrelu bounds` command)
# ---------------------------------------------------------------------------------------------
def _samples_entry(x: PowerProduct, bits: int) -> dict:
    """``m`` (exact text or None), ``m_lo``/``m_hi`` (certified enclosure when m is irrational or
    not built), ``log10``, ``exact``, and ``m_ceil``: the smallest integer sample count >= m (the
    fewest samples a lower bound allows, the samples that suffice for the upper bound), or
    ``limit`` (why the exact numbers were not built)."""
    info = x.describe(bits)
    out = {"m": info.get("value"), "log10": info["log10"], "exact": info.get("exact")}
    if info.get("exact") is not True and "lo" in info:
        out["m_lo"], out["m_hi"] = info["lo"], info["hi"]
    if "limit" in info:
        out["limit"] = info["limit"]
    else:
        out["m_ceil"] = int_text(x.ceil())
    return out


def bounds_report(d, L, c, eps=None, B=None, p=INF, q=INF, s=None, m=None, *, bits: int = 64,
                  omega_ge2=OMEGA_GE2, omega_lt2=OMEGA_LT2, omega_lt2_base=OMEGA_LT2_BASE,
                  grid=GRID, linf=LINF, upper=UPPER) -> dict:
    """All bounds for one parameter set, JSON-ready (the ``exactrelu bounds --json`` object).

    Keys: ``params``; ``lower`` (the strongest applicable lower bound on m; ``theorem`` says
    which), ``linf`` (specialised theorem, or null when it does not apply: it needs
    p = q = inf and B >= 3d), ``general`` (Theorem 2.2 at s, with ``omega``), ``upper``,
    ``ratio`` (upper/lower of the specialised pair, checked against ``(linf upper d^2)^d``
    = ``(384 d^2)^d``), ``n_params``; with ``m`` given, ``error_at_m``.  Sample entries
    carry ``m`` (exact "p/q" text when rational, else null and ``m_lo``/``m_hi``), ``log10``
    and ``m_ceil``, the smallest integer >= m: the fewest samples the lower bounds allow, and
    the samples that suffice for the upper bound (K m^(-1/d) <= eps exactly when m >= m_ceil);
    or ``limit`` when the exact numbers are too large to build (log10 is always given).
    """
    P = check_params(d, L, c, B, p, q, s)
    if eps is None and m is None:
        raise InputError("give eps (target error) or m (sample count), or both")
    consts = dict(omega_ge2=omega_ge2, omega_lt2=omega_lt2, omega_lt2_base=omega_lt2_base)
    args = (P.d, P.L, P.c, P.B, P.p, P.q, P.s)
    linf_applies = P.p == INF and P.q == INF and P.B >= 3 * P.d
    om = omega(P.d, P.L, P.c, P.B, P.q, P.s, **consts)
    rep = {"params": {"d": P.d, "L": P.L, "c": fmt(P.c), "eps": None if eps is None else fmt(_positive(eps, "eps")),
                      "B": P.B, "p": exponent_text(P.p), "q": exponent_text(P.q), "s": P.s,
                      "m": None if m is None else fmt(_positive(m, "m")), "bits": bits},
           "n_params": n_params(P.d, P.B, P.L),
           "omega": {**om.describe(bits), "case": "q<2" if P.q != INF and P.q < 2 else "q>=2"}}
    if eps is not None:
        eps = _positive(eps, "eps")
        gen = general_samples(eps, *args, grid=grid, **consts)
        rep["general"] = {"theorem": "Theorem 2.2", **_samples_entry(gen, bits),
                          "exponent": fmt(1 / (_inv(P.p) + Fraction(1, P.s)))}
        candidates = [("Theorem 2.2", gen)]
        if linf_applies:
            lo = linf_samples_pp(P.d, P.L, P.c, eps, linf=linf)
            rep["linf"] = {"theorem": "L-inf theorem (2^7)", **_samples_entry(lo, bits)}
            candidates.append(("L-inf theorem (2^7)", lo))
        else:
            rep["linf"] = None
            rep["linf_reason"] = "the specialised theorem needs p = q = inf and B >= 3d"
        name, best = candidates[0]
        for nm, x in candidates[1:]:
            if x > best:
                name, best = nm, x
        rep["lower"] = {**_samples_entry(best, bits), "theorem": name}
        up = upper_samples_pp(P.d, P.L, P.c, eps, P.B, upper=upper)
        rep["upper"] = {"theorem": "upper bound" + ("" if P.B == 3 * P.d else " [R] (Lip c^L d B^(L-1))"),
                        **_samples_entry(up, bits)}
        if linf_applies and P.B == 3 * P.d:
            # both sides computed independently, then divided and compared exactly
            ratio = up / linf_samples_pp(P.d, P.L, P.c, eps, linf=linf)
            expected = PowerProduct.of(to_rational(linf) * to_rational(upper) * P.d**2, P.d)
            rv = ratio.describe(bits)
            rep["ratio"] = {"value": rv.get("value"), "log10": rv["log10"], "formula": "(384 d^2)^d",
                            "formula_value": expected.describe(bits).get("value"), "equal": ratio == expected}
        else:
            rep["ratio"] = None
    if m is not None:
        mm = _positive(m, "m")
        at = {"general": general_error(mm, *args, grid=grid, **consts).describe(bits),
              "upper": upper_error(mm, P.d, P.L, P.c, P.B, upper=upper).describe(bits)}
        if linf_applies:
            at["linf"] = linf_error(mm, P.d, P.L, P.c, linf=linf).describe(bits)
        rep["error_at_m"] = at
    return rep
