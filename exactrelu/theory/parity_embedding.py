"""The parity embedding behind the lower bound of Goel, Karmalkar, Klivans (NeurIPS 2019, "Time/Accuracy
Tradeoffs for Learning a ReLU with respect to Gaussian Marginals", arXiv 1911.01462), made exact.

[R] reconstruction (Klivans-Kothari style; the issue's reading, not the paper's text): x uniform on {+-1}^n and
g ~ N(0, I_n) independent; z = x * |g| coordinatewise is exactly N(0, I_n), and chi_S(x) = prod_{i in S} x_i =
prod_{i in S} sign(z_i) almost surely.  A learner for ReLU(w.z) under Gaussian z therefore meets the parity
chi_S through the correlation constant

    A_k = E[ReLU(1_S . z / sqrt(k)) prod_{i in S} sign(z_i)],   |S| = k,   z ~ N(0, I_k).

What is computed, and how:

* the embedding (:func:`expect`): expectations over one coordinate are exact sympy sums over x in {+1, -1}
  and integrals over g, split into g > 0 and g < 0 and each written with a positive symbol u, so that
  Abs and sign simplify; then :func:`moments` (E[z^j] = E[x^j] E[|g|^j] against N(0, 1)'s j! [t^j] e^(t^2/2);
  joint moments factor over independent coordinates, checked against the series of e^(|t|^2/2)),
  :func:`charfn` (E[exp(i t z)] = exp(-t^2/2), sympy) and :func:`sign_identity` (E[(sign(z) - x)^2] = 0, so
  prod_{i in S} sign(z_i) = chi_S(x) a.s. for every S).  The map z = f(x, g) is a parameter: with z = x g
  (no |g|) z is still N(0, 1) but the sign identity fails; with z = x or z = |g| the moments fail.
* A_1 and A_2 exactly by our own integration (:func:`A1_exact`, :func:`A2_exact`): A_1 = int_0^oo z phi(z) dz;
  A_2 in polar coordinates, the angle cut where sign(z_1 z_2) or ReLU's argument changes sign.
* A_k = 0 for odd k >= 3 (:func:`A_odd_hermite`): ReLU(t) = c_0 + c_1 t + (Hermite degrees >= 2, all even,
  since c_i = 0 for odd i >= 3, hermite.py); for odd k, prod sign(z_i) is odd in z and every even-degree
  Hermite polynomial of W = 1.z/sqrt(k) is even in z, so A_k is the finite Hermite sum
  c_0 E[prod sign z_i] + c_1 E[W prod sign z_i] = c_0 s_0^k + c_1 sqrt(k) s_1 s_0^(k-1), s_j = E[z^j sign z]
  (sympy); s_0 = 0 gives 0 for k >= 2 and c_1 s_1 = 1/sqrt(2 pi) for k = 1.
* even k: certified numerics (:func:`A_even_certified`).  [R] reconstruction (our derivation): for even k,
  E[W prod sign z_i] = 0, so A_k = E[|W| prod sign z_i]/2; with |w| = (2/pi) int_0^oo (1 - cos tw)/t^2 dt,
  E[prod sign z_i] = 0 and E[e^{isz} sign z] = 2i F(s/sqrt 2)/sqrt(pi) (F Dawson's integral),

      A_k = (-1)^(k/2+1) (4/pi)^(k/2) / (pi sqrt(2k)) * I_k,    I_k = int_0^oo F(v)^k / v^2 dv,

  so A_k's sign is (-1)^(k/2+1) (F > 0 on (0, oo)).  I_k on [0, V] is python-flint's acb.integral (rigorous
  Gauss-Legendre error bounds, integrand v^(k-2) 1F1(1; 3/2; -v^2)^k, entire); the tail [V, oo) is enclosed by
  1/(2v) <= F(v) <= 1/(2v) + 1/(2v^3) for v >= V (:func:`dawson_tail_lemmas`, each certified by its monotone
  comparison function).  Every even k: sup F <= U and F >= m on [a, b] give
  C_lo(k) (2m/sqrt(pi))^k <= |A_k| <= C_hi(k) (2U/sqrt(pi))^k (:func:`decay_bounds`), so |A_k| = 2^(-Theta(k)).
* the Hermite series (:func:`hermite_series_terms`): A_k = sum_n c_n sqrt(n!) k^(-n/2) [t^n] erf(t/sqrt 2)^k
  ([R] reconstruction: the multivariate expansion of hermite.py against E[sign(z) e^{tz - t^2/2}] = erf(t/sqrt 2));
  its leading term L_k = c_k sqrt(k!) k^(-k/2) (2/pi)^(k/2) is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import factorial

from . import hermite as H

__all__ = ["embed_default", "expect", "moments", "gaussian_moment", "joint_moments_ok", "charfn",
           "sign_identity", "A1_exact", "A2_exact", "sign_moment", "A_odd_hermite", "dawson", "dawson_tail_lemmas",
           "A_even_certified", "Certified", "decay_bounds", "hermite_series_terms", "leading_term", "fit_decay"]


def embed_default(x, g):
    """z = x |g| (sympy)."""
    import sympy as sp
    return x * sp.Abs(g)


def _sym():
    import sympy as sp
    return sp.Symbol("u", positive=True)


def expect(f, embed=None):
    """E[f(z, x)] over x uniform in {+1, -1} and g ~ N(0, 1) independent, z = embed(x, g) (sympy, exact)."""
    import sympy as sp
    emb = embed or embed_default
    u = _sym()
    phi = sp.exp(-u ** 2 / 2) / sp.sqrt(2 * sp.pi)
    integrand = sp.Integer(0)
    for x in (1, -1):
        for sg in (1, -1):
            integrand += sp.Rational(1, 2) * f(emb(sp.Integer(x), sg * u), sp.Integer(x))
    integrand = sp.expand(sp.simplify(integrand))
    return sp.simplify(sp.integrate(integrand * phi, (u, 0, sp.oo)))


def gaussian_moment(j: int):
    """E[z^j] for z ~ N(0, 1) as j! [t^j] exp(t^2/2) (sympy's series)."""
    import sympy as sp
    t = sp.Symbol("t")
    return sp.factorial(j) * sp.series(sp.exp(t ** 2 / 2), t, 0, j + 1).removeO().coeff(t, j)


def moments(degree: int, embed=None) -> list[tuple]:
    """[(j, E[z^j], E[g^j] for N(0,1))] for j = 0..degree."""
    return [(j, expect(lambda z, x, j=j: z ** j, embed), gaussian_moment(j)) for j in range(degree + 1)]


def joint_moments_ok(n: int, degree: int, embed=None) -> bool:
    """For z in R^n with independent coordinates z_i = embed(x_i, g_i): E[prod z_i^{j_i}] = prod E[z_i^{j_i}]
    equals the coefficient of prod t_i^{j_i} / j_i! in exp(|t|^2/2) (sympy), for every total degree <= degree."""
    import itertools

    import sympy as sp
    ts = sp.symbols(f"t0:{n}")
    gen = sp.Poly(sp.series(sp.exp(sp.Symbol("r") / 2), sp.Symbol("r"), 0, degree // 2 + 1).removeO()
                  .subs(sp.Symbol("r"), sum(t ** 2 for t in ts)).expand(), *ts)
    single = [expect(lambda z, x, j=j: z ** j, embed) for j in range(degree + 1)]
    for js in itertools.product(range(degree + 1), repeat=n):
        if sum(js) > degree:
            continue
        lhs = sp.Integer(1)
        for j in js:
            lhs *= single[j]
        rhs = gen.coeff_monomial(tuple(js)) * sp.prod([sp.factorial(j) for j in js])
        if sp.simplify(lhs - rhs) != 0:
            return False
    return True


def charfn(embed=None):
    """(E[exp(i t z)], whether it equals exp(-t^2/2) exactly) for z = embed(x, g) (sympy)."""
    import sympy as sp
    t = sp.Symbol("t", real=True)
    val = expect(lambda z, x: sp.exp(sp.I * t * z), embed)
    return val, bool(sp.simplify(val - sp.exp(-t ** 2 / 2)) == 0)


def sign_identity(embed=None):
    """E[(sign(z) - x)^2]: 0 means sign(z) = x a.s., so prod_{i in S} sign(z_i) = chi_S(x) a.s. for every S."""
    import sympy as sp
    return expect(lambda z, x: (sp.sign(z) - x) ** 2, embed)


# -- A_k exactly ----------------------------------------------------------------------------------------------
def A1_exact():
    """A_1 = E[ReLU(z) sign(z)] = int_0^oo z phi(z) dz (sympy)."""
    import sympy as sp
    z = sp.Symbol("z", positive=True)
    return sp.integrate(z * sp.exp(-z ** 2 / 2), (z, 0, sp.oo)) / sp.sqrt(2 * sp.pi)


def A2_exact():
    """A_2 = E[ReLU((z_1 + z_2)/sqrt 2) sign(z_1) sign(z_2)] in polar coordinates z = r(cos th, sin th):
    (z_1 + z_2)/sqrt 2 = r cos(th - pi/4); the radial integral int_0^oo r^2 e^(-r^2/2) dr / (2 pi) times the
    angular integral of max(0, cos(th - pi/4)) sign(sin 2 th), cut at multiples of pi/4 where both factors keep
    their sign (decided by sympy at each piece's midpoint).  Our derivation (sympy integrates)."""
    import sympy as sp
    r = sp.Symbol("r", positive=True)
    th = sp.Symbol("theta", real=True)
    radial = sp.integrate(r ** 2 * sp.exp(-r ** 2 / 2), (r, 0, sp.oo)) / (2 * sp.pi)
    ang = sp.Integer(0)
    for j in range(8):
        a, b = j * sp.pi / 4, (j + 1) * sp.pi / 4
        mid = (a + b) / 2
        relu_arg = sp.cos(th - sp.pi / 4)
        if not sp.simplify(relu_arg.subs(th, mid)).is_positive:
            continue
        sgn = sp.sign(sp.sin(2 * mid))
        ang += sgn * sp.integrate(relu_arg, (th, a, b))
    return sp.radsimp(sp.simplify(radial * ang))


@lru_cache(maxsize=None)
def sign_moment(j: int):
    """s_j = E[z^j sign(z)] for z ~ N(0, 1) (sympy's integrate over both half-lines)."""
    import sympy as sp
    z = sp.Symbol("z", real=True)
    phi = sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi)
    return sp.simplify(sp.integrate(z ** j * phi, (z, 0, sp.oo)) - sp.integrate(z ** j * phi, (z, -sp.oo, 0)))


def A_odd_hermite(k: int, coefs=None):
    """A_k for odd k as the finite Hermite sum c_0 s_0^k + c_1 sqrt(k) s_1 s_0^(k-1) (sympy), after checking
    that c_i = 0 for every odd i in 3..len(coefs)-1 (``coefs``: hermite's coefficients, default degree 2k+1);
    None when an odd coefficient above 1 is nonzero (the reduction to the finite sum does not apply)."""
    import sympy as sp
    if k % 2 == 0:
        raise ValueError("k must be odd")
    cs = coefs if coefs is not None else H.coefficients_direct(2 * k + 1)
    if any(not c.is_zero for c in cs[3::2]):
        return None
    c0, c1 = H.to_sympy(cs[0]), H.to_sympy(cs[1])
    s0, s1 = sign_moment(0), sign_moment(1)
    return sp.simplify(c0 * s0 ** k + c1 * sp.sqrt(k) * s1 * s0 ** (k - 1))


# -- even k: certified ------------------------------------------------------------------------------------------
def dawson(v):
    """Dawson's integral F(v) = v 1F1(1; 3/2; -v^2) for an acb/arb ball v (python-flint)."""
    from flint import acb
    v = acb(v)
    return v * (-v * v).hypgeom_1f1(1, acb(3) / 2)


def _dawson_over_v(v):
    from flint import acb
    v = acb(v)
    return (-v * v).hypgeom_1f1(1, acb(3) / 2)


def dawson_tail_lemmas(V, dawson_fn=None) -> dict:
    """Certify (python-flint balls) the two comparison lemmas used for the tail [V, oo), V >= 2:

    * lower: G0(v) = e^{v^2}/(2v) - int_0^v e^{y^2} dy has G0' = -e^{v^2}/(2 v^2) < 0, so G0(V) < 0 gives
      F(v) > 1/(2v) for all v >= V;
    * upper: G1(v) = e^{v^2}(1/(2v) + 1/(2v^3)) - int_0^v e^{y^2} dy has G1' = e^{v^2}(v^2 - 3)/(2v^4) > 0 for
      v > sqrt 3, so G1(sqrt 3) > 0 gives F(v) < 1/(2v) + 1/(2v^3) for all v >= sqrt 3.

    int_0^v e^{y^2} dy = e^{v^2} F(v); the signs are decided on e^{-v^2} G (same sign)."""
    from flint import arb
    F = dawson_fn or dawson
    V = arb(V)
    s3 = arb(3).sqrt()
    lower = (1 / (2 * V) - F(V).real) < 0
    upper = (1 / (2 * s3) + 1 / (2 * s3 ** 3) - F(s3).real) > 0
    return {"lower": bool(lower), "upper": bool(upper and V >= s3)}


@dataclass(frozen=True)
class Certified:
    k: int
    I: object          # arb ball containing I_k
    A: object          # arb ball containing A_k
    lemmas: dict

    @property
    def lo(self):
        return self.A.lower()

    @property
    def hi(self):
        return self.A.upper()

    def endpoints(self) -> tuple[Fraction, Fraction] | None:
        """The ball's exact endpoints as Fractions: lo <= A_k <= hi (None for a non-finite ball)."""
        if not self.A.is_finite():
            return None
        return arb_to_fraction(self.A.lower()), arb_to_fraction(self.A.upper())

    def interval_str(self, digits: int = 10) -> str:
        """'[lo, hi]' with decimals rounded outward (the printed interval still contains A_k)."""
        if self.endpoints() is None:
            return "[-inf, inf]"
        lo, hi = self.endpoints()
        return f"[{outward(lo, digits, False)}, {outward(hi, digits, True)}]"


def arb_to_fraction(x) -> Fraction:
    """An exact arb point (radius 0) as a Fraction."""
    man, exp = x.man_exp()
    return Fraction(int(man)) * (Fraction(2) ** int(exp))


def outward(q: Fraction, digits: int, up: bool) -> str:
    """q rounded to ``digits`` significant decimals, down (up=False) or up: an exact outward rounding.

    >>> outward(Fraction(1, 3), 3, False), outward(Fraction(1, 3), 3, True), outward(Fraction(-1, 3), 3, False)
    ('0.333', '0.334', '-0.334')
    """
    from decimal import Decimal
    from math import floor, log10
    if q == 0:
        return "0"
    e = floor(log10(abs(float(q)))) - digits + 1
    n = q / Fraction(10) ** e
    n = -((-n.numerator) // n.denominator) if up else n.numerator // n.denominator
    return format(Decimal(n).scaleb(e), "f")


def A_even_certified(k: int, V: int = 20, prec: int = 96, dawson_fn=None, prefactor=None) -> Certified:
    """A_k for even k >= 2 enclosed in an arb ball: the Dawson integral on [0, V] by acb.integral, the tail
    by the two lemmas (both must be certified, else the ball is the whole line), times the prefactor
    (-1)^(k/2+1) (4/pi)^(k/2) / (pi sqrt(2k)).  Hooks: ``dawson_fn(v)`` replaces F(v)/v = 1F1(1; 3/2; -v^2)
    (acb in, acb out), ``prefactor(k)`` the prefactor."""
    from flint import acb, arb, ctx
    if k < 2 or k % 2:
        raise ValueError("k must be even and >= 2")
    old = ctx.prec
    ctx.prec = prec
    try:
        Fv = dawson_fn or _dawson_over_v              # F(v)/v, entire

        def f(x, _analytic):
            return x ** (k - 2) * Fv(x) ** k
        body = acb.integral(f, 0, V).real
        lem = dawson_tail_lemmas(V, None if dawson_fn is None else (lambda v: acb(v) * dawson_fn(v)))
        Va = arb(V)
        base = 1 / (arb(2) ** k * (k + 1) * Va ** (k + 1))
        top = base * (1 + 1 / (Va * Va)) ** k
        if lem["lower"] and lem["upper"]:
            tail = (base + top) / 2 + arb(0, ((top - base) / 2).upper())   # a ball containing [base, top]
        else:
            tail = arb(0, 10 ** 6)
        I = body + tail
        pi = arb.pi()
        pre = prefactor(k) if prefactor else (-1) ** (k // 2 + 1) * (4 / pi) ** (k // 2) / (pi * arb(2 * k).sqrt())
        return Certified(k, I, pre * I, lem)
    finally:
        ctx.prec = old


def decay_bounds(prec: int = 96, grid: int = 2000, a=Fraction(9, 10), b=Fraction(19, 20)) -> dict:
    """Certified constants for |A_k| = 2^(-Theta(k)) over every even k (our derivation, [R] reconstruction):
    U >= sup_{v > 0} F(v) (F on [0, 2] by balls over ``grid`` pieces; F < 1/(2v) + 1/(2v^3) <= 5/16 beyond 2),
    m <= min F on [a, b] (balls over the pieces of [a, b]), I_2 = pi^2 A_2 / 2 = pi^(3/2) (sqrt 2 - 1)/(2 sqrt 2)
    exact.  Then I_k <= U^(k-2) I_2 and I_k >= (b - a) m^k / b^2, so
    |A_k| <= (4/pi)^(k/2) U^(k-2) I_2 / (pi sqrt(2k)) and |A_k| >= (4/pi)^(k/2) (b - a) m^k / (b^2 pi sqrt(2k));
    the rates 2U/sqrt(pi) and 2m/sqrt(pi) per unit of k."""
    from flint import arb, ctx
    old = ctx.prec
    ctx.prec = prec
    try:
        two = arb(2)
        ups = []
        for j in range(grid):
            lo, hi = two * j / grid, two * (j + 1) / grid
            ball = (lo + hi) / 2 + arb(0, ((hi - lo) / 2).upper())
            ups.append(dawson(ball).real.upper())
        U = _arb_max(ups + [arb(5) / 16])
        aa, bb = arb(a.numerator) / a.denominator, arb(b.numerator) / b.denominator
        pieces = 40
        lows = []
        for j in range(pieces):
            lo, hi = aa + (bb - aa) * j / pieces, aa + (bb - aa) * (j + 1) / pieces
            ball = (lo + hi) / 2 + arb(0, ((hi - lo) / 2).upper())
            lows.append(dawson(ball).real.lower())
        m = _arb_min(lows)
        pi = arb.pi()
        I2 = pi ** 1.5 * (arb(2).sqrt() - 1) / (2 * arb(2).sqrt())
        lem = dawson_tail_lemmas(2)
        return {"U": U, "m": m, "I2": I2, "a": aa, "b": bb, "lemma_upper": lem["upper"],
                "rate_hi": 2 * U / pi.sqrt(), "rate_lo": 2 * m / pi.sqrt()}
    finally:
        ctx.prec = old


def _arb_max(xs):
    """The largest of exact arb points (radius 0: the comparisons are exact)."""
    best = xs[0].upper()
    for x in xs[1:]:
        if x.upper() > best:
            best = x.upper()
    return best


def _arb_min(xs):
    best = xs[0].lower()
    for x in xs[1:]:
        if x.lower() < best:
            best = x.lower()
    return best


def bound_values(k: int, d: dict):
    """(lower, upper) arb bounds of |A_k| from :func:`decay_bounds`' constants."""
    from flint import arb
    pi = arb.pi()
    pre = (4 / pi) ** (k // 2) / (pi * arb(2 * k).sqrt())
    upper = pre * d["U"] ** (k - 2) * d["I2"]
    lower = pre * (d["b"] - d["a"]) * d["m"] ** k / (d["b"] ** 2)
    return lower, upper


# -- the Hermite series ---------------------------------------------------------------------------------------
def _erf_series(N: int) -> list[Fraction]:
    """sqrt(pi/2) erf(t/sqrt 2) = sum_j (-1)^j t^(2j+1) / (2^j j! (2j+1)), coefficients up to t^N."""
    out = [Fraction(0)] * (N + 1)
    for j in range((N - 1) // 2 + 1):
        if 2 * j + 1 <= N:
            out[2 * j + 1] = Fraction((-1) ** j, 2 ** j * factorial(j) * (2 * j + 1))
    return out


def _power_series_pow(a: list[Fraction], k: int, N: int) -> list[Fraction]:
    res = [Fraction(1)] + [Fraction(0)] * N
    for _ in range(k):
        nxt = [Fraction(0)] * (N + 1)
        for i, x in enumerate(res):
            if x:
                for j, y in enumerate(a[:N + 1 - i]):
                    if y:
                        nxt[i + j] += x * y
        res = nxt
    return res


def hermite_series_terms(k: int, N: int, coefs=None) -> list[tuple[int, Fraction, Fraction]]:
    """The terms n = 0..N of A_k = sum_n c_n sqrt(n!) k^(-n/2) [t^n] erf(t/sqrt 2)^k, each exactly as
    (n, alpha, beta) with term = (alpha + beta/sqrt(2 pi)) * k^(-n/2) * (2/pi)^(k/2) ([R] reconstruction)."""
    cs = coefs if coefs is not None else H.coefficients_closed(N)
    e = _power_series_pow(_erf_series(N), k, N)
    return [(n, cs[n].a * e[n], cs[n].b * e[n]) for n in range(N + 1)]


def term_float(k: int, n: int, alpha: Fraction, beta: Fraction) -> float:
    """A term of :func:`hermite_series_terms` as a float (for tables and fits only)."""
    from math import pi, sqrt
    return (float(alpha) + float(beta) / sqrt(2 * pi)) * k ** (-n / 2) * (2 / pi) ** (k / 2)


def leading_term(k: int, coefs=None):
    """L_k = c_k sqrt(k!) k^(-k/2) (2/pi)^(k/2) exactly (sympy)."""
    import sympy as sp
    c = (coefs or H.coefficients_closed(k))[k]
    val = sp.Rational(c.a.numerator, c.a.denominator) + sp.Rational(c.b.numerator, c.b.denominator) / sp.sqrt(2 * sp.pi)
    return val * sp.Integer(k) ** sp.Rational(-k, 2) * (2 / sp.pi) ** sp.Rational(k, 2)


def fit_decay(ks, values) -> tuple[float, float]:
    """Least-squares fit log2|A_k| = slope * k + icpt (floats; a summary, decides nothing)."""
    import numpy as np
    x = np.array(ks, dtype=float)
    y = np.log2(np.abs(np.array(values, dtype=float)))
    slope, icpt = np.polyfit(x, y, 1)
    return float(slope), float(icpt)
