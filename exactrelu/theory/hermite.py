"""Exact Hermite analysis of ReLU under z ~ N(0, 1) (Goel, Karmalkar, Klivans, NeurIPS 2019,
"Time/Accuracy Tradeoffs for Learning a ReLU with respect to Gaussian Marginals", arXiv 1911.01462).

He_i are the probabilists' Hermite polynomials (He_0 = 1, He_1 = z, He_{i+1} = z He_i - i He_{i-1}), orthogonal
under N(0, 1) with E[He_i He_j] = i! [i = j].  The normalized coefficients are
c_i = E[ReLU(z) He_i(z)] / sqrt(i!), so that ReLU(z) = sum_i c_i He_i(z) / sqrt(i!) in L2(N(0, 1)).

Every number here is exact.  A coefficient is stored as a :class:`Coef`, the pair of rationals (a, b) with
c_i sqrt(i!) = a + b / sqrt(2 pi): since pi is transcendental, 1 and 1/sqrt(2 pi) are linearly independent over
Q, so two coefficients are equal exactly when their pairs are.  sympy expressions are built only at the end
(:func:`to_sympy`), never simplified in a loop, so degree 200 takes well under a second.

Two independent routes (the paper's statement, confirmed via the issue's audit, is the closed form):

* the closed form (the paper's): c_0 = 1/sqrt(2 pi), c_1 = 1/2, c_i = (He_i(0) + i He_{i-2}(0)) / sqrt(2 pi i!)
  for i >= 2, with He_{2m}(0) = (-1)^m (2m-1)!!, He_odd(0) = 0 (:func:`coefficients_closed`);
* direct exact integration (:func:`coefficients_direct`): He_i's integer coefficients from the three-term
  recurrence, and the half-line moments M_j = E[z^j 1_{z>0}] from the exact recurrence M_j = (j-1) M_{j-2},
  M_0 = 1/2, M_1 = 1/sqrt(2 pi) (integration by parts: z phi(z) = -phi'(z)); then
  E[ReLU(z) He_i(z)] = sum_k [z^k]He_i M_{k+1}.  :func:`moment_integrated` recomputes M_j with sympy's
  ``integrate`` for small j, a check of the recurrence.

Parseval (:func:`parseval`): sum_i c_i^2 = E[ReLU(z)^2] = 1/2 (the paper's).  The exact tail is ours ([R]
reconstruction): with b_m = C(2m, m) / (4^m (2m-1)^2) = 2 pi c_{2m}^2 (the paper's closed form of c_{2m}^2) and
S_M = b_1 + ... + b_M,

    1/2 - (c_0^2 + ... + c_N^2) = (pi/2 - 1 - S_M) / (2 pi),   M = floor(N / 2),  N >= 1,

and sum_{m >= 1} b_m = pi/2 - 1 because h(x) = sqrt(1 - x^2)/x + arcsin x = 1/x + sum_m b_m x^(2m-1) on (0, 1]
(h' = -sqrt(1 - x^2)/x^2 term by term; Abel's theorem at x = 1, all b_m > 0; :func:`generating_function_check`).
So the gap is positive, strictly decreasing in M, and b_{M+1}/(2 pi) <= gap <= u_{M+1}/(8 pi M) with
u_m = C(2m, m)/4^m (u decreasing, and 1/(2m-1)^2 < (1/4)(1/(m-1) - 1/m)).

Multivariate (:func:`relu_inner_product`, :func:`he_multinomial`; [R] reconstruction, since the paper's Claim 2
was not recovered): for unit w, He_n(w.x) = sum_{|alpha| = n} n!/alpha! w^alpha prod_j He_{alpha_j}(x_j)
(expand exp(t w.x - t^2/2) = prod_j exp(t w_j x_j - t^2 w_j^2 / 2), which uses ||w|| = 1), so for any w != 0,
E[ReLU(w.x) H_alpha(x)] = ||w||^(1-|alpha|) c_|alpha| sqrt(|alpha|!) w^alpha with H_alpha = prod He_{alpha_j}(x_j),
and ReLU(w.x) = sum_alpha E[ReLU(w.x) H_alpha] H_alpha / alpha!.  :func:`relu_inner_product_direct` recomputes
the left side by a rotation (x = s w/||w|| + P g, s ~ N(0, 1) and g ~ N(0, I) independent, P = I - ww^T/||w||^2)
and sympy's integration of the moments, independently of the coefficients.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import comb, factorial

__all__ = ["Coef", "MAX_DEGREE", "hermite_coefficients", "he_at_zero", "moment", "moment_integrated",
           "coefficients_closed", "coefficients_direct", "to_sympy", "squared", "b_closed", "parseval",
           "generating_function_check", "he_multinomial", "relu_inner_product", "relu_inner_product_direct",
           "Gap", "he_multinomial_holds", "he_multinomial_symbolic", "relu_expansion", "gap_certified"]

#: Largest degree the command accepts: degree 1000 takes about 2 s (both routes, the sympy forms and the
#: Parseval gaps; 2000 takes about 12 s), and the He_i coefficient table is O(N^2) big integers.
MAX_DEGREE = 1000


@dataclass(frozen=True)
class Coef:
    """c_i sqrt(i!) = a + b / sqrt(2 pi) (a, b rationals); the coefficient itself is that over sqrt(i!)."""
    i: int
    a: Fraction
    b: Fraction

    @property
    def is_zero(self) -> bool:
        return self.a == 0 and self.b == 0


def _F(x) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


# -- Hermite polynomials and the half-line moments ------------------------------------------------------
def hermite_coefficients(n: int) -> list[list[int]]:
    """[[z^0]He_i, [z^1]He_i, ...] for i = 0..n, from He_{i+1} = z He_i - i He_{i-1} (integers).

    >>> hermite_coefficients(3)
    [[1], [0, 1], [-1, 0, 1], [0, -3, 0, 1]]
    """
    out = [[1], [0, 1]]
    for i in range(1, n):
        nxt = [0] + out[i]
        for k, v in enumerate(out[i - 1]):
            nxt[k] -= i * v
        out.append(nxt)
    return out[:n + 1]


def he_at_zero(n: int) -> int:
    """He_n(0) by the closed form: 0 for odd n, (-1)^m (2m-1)!! for n = 2m (not the recurrence).

    >>> [he_at_zero(n) for n in range(7)]
    [1, 0, -1, 0, 3, 0, -15]
    """
    if n % 2:
        return 0
    m = n // 2
    df = 1
    for j in range(1, 2 * m, 2):
        df *= j
    return (-1) ** m * df


def moment(j: int, step=None) -> tuple[Fraction, Fraction]:
    """M_j = E[z^j 1_{z>0}] = r + q / sqrt(2 pi), returned as (r, q), by M_j = (j-1) M_{j-2}
    (``step(i)`` replaces the factor i - 1: a hook for broken recurrences).

    >>> moment(0), moment(1), moment(4)
    ((Fraction(1, 2), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1)), (Fraction(3, 2), Fraction(0, 1)))
    """
    return _moments(j, step)[j]


def _moments(n: int, step=None) -> list[tuple[Fraction, Fraction]]:
    st = step or (lambda i: i - 1)
    out = [(Fraction(1, 2), Fraction(0)), (Fraction(0), Fraction(1))]
    for i in range(2, n + 1):
        r, q = out[i - 2]
        f = st(i)
        out.append((r * f, q * f))
    return out[:n + 1]


@lru_cache(maxsize=None)
def moment_integrated(j: int):
    """M_j by sympy's ``integrate`` of z^j phi(z) over (0, oo): a sympy expression (slow; small j)."""
    import sympy as sp
    z = sp.Symbol("z", positive=True)
    return sp.integrate(z ** j * sp.exp(-z ** 2 / 2), (z, 0, sp.oo)) / sp.sqrt(2 * sp.pi)


# -- the coefficients, two ways -------------------------------------------------------------------------------
def closed_form(i: int) -> Coef:
    """The paper's closed form of c_i (as a Coef)."""
    if i == 0:
        return Coef(0, Fraction(0), Fraction(1))
    if i == 1:
        return Coef(1, Fraction(1, 2), Fraction(0))
    return Coef(i, Fraction(0), Fraction(he_at_zero(i) + i * he_at_zero(i - 2)))


def coefficients_closed(n: int, formula=None) -> list[Coef]:
    """c_0..c_n by the closed form (``formula(i) -> Coef`` replaces it: a hook)."""
    f = formula or closed_form
    return [f(i) for i in range(n + 1)]


def coefficients_direct(n: int, step=None, progress=None) -> list[Coef]:
    """c_0..c_n by exact integration: sum_k [z^k]He_i M_{k+1} (``step``: see :func:`moment`).
    Integer arithmetic where the moments are integers or halves (the default recurrence)."""
    He = hermite_coefficients(n)
    M = _moments(n + 1, step)
    ints = step is None
    if ints:                                    # 2 r_j and q_j are integers for the true recurrence
        R2 = [int(2 * r) for r, _ in M]
        Q = [int(q) for _, q in M]
    out = []
    for i, poly in enumerate(He):
        if ints:
            r = Fraction(sum(v * R2[k + 1] for k, v in enumerate(poly) if v), 2)
            q = Fraction(sum(v * Q[k + 1] for k, v in enumerate(poly) if v))
        else:
            r = sum((v * M[k + 1][0] for k, v in enumerate(poly) if v), Fraction(0))
            q = sum((v * M[k + 1][1] for k, v in enumerate(poly) if v), Fraction(0))
        out.append(Coef(i, r, q))
        if progress is not None:
            progress(i)
    return out


def _square_free_factorial(i: int) -> tuple[int, int]:
    """(s, f) with i! = s^2 f and f square-free (Legendre's formula)."""
    s, f = 1, 1
    sieve = [True] * (i + 1)
    for p in range(2, i + 1):
        if not sieve[p]:
            continue
        for q in range(p * p, i + 1, p):
            sieve[q] = False
        e, pk = 0, p
        while pk <= i:
            e += i // pk
            pk *= p
        s *= p ** (e // 2)
        if e % 2:
            f *= p
    return s, f


def to_sympy(c: Coef):
    """The coefficient as a sympy expression, e.g. ``sqrt(2)/(2*sqrt(pi))`` for c_0."""
    import sympy as sp
    s, f = _square_free_factorial(c.i)
    val = sp.Rational(c.a.numerator, c.a.denominator) + \
        sp.Rational(c.b.numerator, c.b.denominator) / sp.sqrt(2 * sp.pi)
    return val / (s * sp.sqrt(f))


def squared(c: Coef) -> tuple[Fraction, Fraction, Fraction]:
    """c_i^2 = p + q/pi + r/sqrt(2 pi) as (p, q, r), exactly."""
    fi = factorial(c.i)
    return (c.a * c.a / fi, c.b * c.b / (2 * fi), 2 * c.a * c.b / fi)


# -- Parseval --------------------------------------------------------------------------------------------------
def b_closed(m: int) -> Fraction:
    """b_m = C(2m, m) / (4^m (2m-1)^2) = 2 pi c_{2m}^2 (the paper's closed form of c_{2m}^2)."""
    return Fraction(comb(2 * m, m), 4 ** m * (2 * m - 1) ** 2)


def _u(m: int) -> Fraction:
    return Fraction(comb(2 * m, m), 4 ** m)


@dataclass(frozen=True)
class Gap:
    """1/2 - (c_0^2 + ... + c_N^2) = (pi/2 - 1 - S_M) / (2 pi), with its exact bounds."""
    N: int
    M: int
    partial: tuple            # (p, q, r): the partial sum p + q/pi + r/sqrt(2 pi), from the coefficients
    S: Fraction               # S_M = b_1 + ... + b_M
    lower: Fraction           # b_{M+1}: gap >= lower / (2 pi)
    upper: Fraction           # u_{M+1} / (4M): gap <= upper / (2 pi)

    @property
    def matches(self) -> bool:
        """The coefficients' partial sum is exactly 1/4 + (1 + S_M)/(2 pi) (so the gap formula holds)."""
        return self.partial == (Fraction(1, 4), (1 + self.S) / 2, Fraction(0))

    def gap_sympy(self):
        import sympy as sp
        return (sp.pi / 2 - 1 - sp.Rational(self.S.numerator, self.S.denominator)) / (2 * sp.pi)


def parseval(coefs: list[Coef], b=None) -> list[Gap]:
    """The Gap after each degree N = 1..len(coefs)-1 (``b(m)`` replaces :func:`b_closed`: a hook)."""
    bf = b or b_closed
    out, p, q, r, S = [], Fraction(0), Fraction(0), Fraction(0), Fraction(0)
    for c in coefs:
        dp, dq, dr = squared(c)
        p, q, r = p + dp, q + dq, r + dr
        N = c.i
        if N == 0:
            continue
        M = N // 2
        if N % 2 == 0:
            S += bf(M)
        out.append(Gap(N, M, (p, q, r), S, bf(M + 1),
                       _u(M + 1) / (4 * M) if M else Fraction(1)))
    return out


def gap_certified(g: Gap, prec: int = 256) -> tuple[bool, bool]:
    """(lower/(2pi) <= gap, gap <= upper/(2pi)) with arb balls at ``prec`` bits: decided only when the balls
    separate (``False`` otherwise, which fails closed).  Equivalently b_{M+1} <= pi/2 - 1 - S_M <= upper."""
    from flint import arb, ctx
    old = ctx.prec
    ctx.prec = prec
    try:
        t = arb.pi() / 2 - 1 - arb(g.S.numerator) / g.S.denominator
        lo = arb(g.lower.numerator) / g.lower.denominator
        hi = arb(g.upper.numerator) / g.upper.denominator
        return bool(lo < t), bool(t < hi)
    finally:
        ctx.prec = old


def generating_function_check(terms: int, b=None) -> dict:
    """h(x) = sqrt(1 - x^2)/x + asin(x): sympy checks h' = -sqrt(1 - x^2)/x^2, that the Laurent series of
    h(x) - 1/x has the coefficients b_1..b_terms at x^(2m-1) (and no others), and h(1) = pi/2 (so, by Abel's
    theorem with every b_m > 0, sum_m b_m = pi/2 - 1).  [R] reconstruction: our derivation."""
    import sympy as sp
    bf = b or b_closed
    x = sp.Symbol("x", positive=True)
    h = sp.sqrt(1 - x ** 2) / x + sp.asin(x)
    deriv = sp.simplify(sp.diff(h, x) + sp.sqrt(1 - x ** 2) / x ** 2) == 0
    ser = sp.series(h - 1 / x, x, 0, 2 * terms).removeO()
    poly = sp.Poly(sp.expand(ser), x)
    want = {2 * m - 1: bf(m) for m in range(1, terms + 1)}
    got = {e[0]: v for e, v in poly.terms()}
    series_ok = set(got) == set(want) and all(
        sp.Rational(want[e].numerator, want[e].denominator) == got[e] for e in want)
    at_one = sp.simplify(h.subs(x, 1) - sp.pi / 2) == 0
    positive = all(bf(m) > 0 for m in range(1, terms + 1))
    return {"derivative": bool(deriv), "series": bool(series_ok), "h(1)=pi/2": bool(at_one),
            "positive": bool(positive)}


# -- several variables ---------------------------------------------------------------------------------------
def _multi_indices(d: int, n: int):
    if d == 1:
        yield (n,)
        return
    for a in range(n + 1):
        for rest in _multi_indices(d - 1, n - a):
            yield (a,) + rest


def he_multinomial(w, n: int) -> dict:
    """{alpha: n!/alpha! w^alpha} for |alpha| = n: He_n(w.x) = sum_alpha coef * prod He_{alpha_j}(x_j) when
    ||w|| = 1 ([R] reconstruction: the multinomial rule, derived from the generating function)."""
    w = [_F(v) for v in w]
    out = {}
    for al in _multi_indices(len(w), n):
        c = Fraction(factorial(n))
        for wj, aj in zip(w, al):
            c = c * wj ** aj / factorial(aj)
        out[al] = c
    return out


def _sympy_sqrt_rational(q: Fraction):
    import sympy as sp
    return sp.sqrt(sp.Rational(q.numerator, q.denominator))


def relu_inner_product(w, alpha, coef=None):
    """E[ReLU(w.x) prod_j He_{alpha_j}(x_j)] = ||w||^(1-|alpha|) c_n sqrt(n!) w^alpha, n = |alpha| (sympy);
    ``coef(n) -> Coef`` gives c_n (default: the closed form)."""
    import sympy as sp
    w = [_F(v) for v in w]
    n = sum(alpha)
    c = (coef or closed_form)(n)
    norm = _sympy_sqrt_rational(sum(v * v for v in w))
    mono = Fraction(1)
    for wj, aj in zip(w, alpha):
        mono *= wj ** aj
    val = sp.Rational(c.a.numerator, c.a.denominator) + sp.Rational(c.b.numerator, c.b.denominator) / sp.sqrt(2 * sp.pi)
    return norm ** (1 - n) * val * sp.Rational(mono.numerator, mono.denominator)


def _gauss_moment(j: int) -> int:
    if j % 2:
        return 0
    r = 1
    for i in range(1, j, 2):
        r *= i
    return r


def relu_inner_product_direct(w, alpha):
    """The same expectation by rotation: x = s w/r + P g (r = ||w||, P = I - ww^T/r^2, s ~ N(0,1), g ~ N(0,I)),
    ReLU(w.x) = r ReLU(s); the polynomial prod He_{alpha_j}(x_j) (sympy's ``hermite_prob``) is expanded in s and
    g, E over g by Gaussian moments and E[ReLU(s) s^j] = M_{j+1} by sympy's ``integrate``
    (:func:`moment_integrated`).  Independent of the coefficients c_n."""
    import sympy as sp
    w = [_F(v) for v in w]
    d = len(w)
    r2 = sum(v * v for v in w)
    if r2 == 0:
        raise ValueError("w = 0")
    s, rho = sp.symbols("s rho")                      # rho stands for 1/r
    g = sp.symbols(f"g0:{d}")
    Rw = [sp.Rational(v.numerator, v.denominator) for v in w]
    P = [[(1 if i == j else 0) - sp.Rational((w[i] * w[j] / r2).numerator, (w[i] * w[j] / r2).denominator)
          for j in range(d)] for i in range(d)]
    xs = [s * rho * Rw[i] + sum(P[i][j] * g[j] for j in range(d)) for i in range(d)]
    y = sp.Symbol("y")
    prod = sp.Integer(1)
    for i, a in enumerate(alpha):
        prod *= sp.hermite_prob(a, y).subs(y, xs[i])
    poly = sp.Poly(sp.expand(prod), s, rho, *g)
    r = _sympy_sqrt_rational(r2)
    tot = sp.Integer(0)
    for mon, coeff in poly.terms():
        js, jr, jg = mon[0], mon[1], mon[2:]
        eg = 1
        for e in jg:
            eg *= _gauss_moment(e)
        if eg == 0:
            continue
        tot += coeff * eg * r ** (-jr) * moment_integrated(js + 1)
    return sp.expand(r * tot)


def he_multinomial_holds(w, n: int, expansion=None) -> bool:
    """He_n(w.x) == sum_alpha coef_alpha prod_j He_{alpha_j}(x_j) as polynomials in x (sympy, exact), with the
    coefficients of ``expansion(w, n)`` (default :func:`he_multinomial`); true for unit w only."""
    import sympy as sp
    w = [_F(v) for v in w]
    xs = sp.symbols(f"x0:{len(w)}")
    y = sp.Symbol("y")
    lhs = sp.hermite_prob(n, y).subs(y, sum(sp.Rational(v.numerator, v.denominator) * xi for v, xi in zip(w, xs)))
    rhs = sp.Integer(0)
    for al, c in (expansion or he_multinomial)(w, n).items():
        term = sp.Rational(c.numerator, c.denominator)
        for a, xi in zip(al, xs):
            term *= sp.hermite_prob(a, xi)
        rhs += term
    return sp.expand(lhs - rhs) == 0


def he_multinomial_symbolic(d: int, n: int) -> bool:
    """The multinomial rule with symbolic w_1..w_d: He_n(w.x) - sum_alpha n!/alpha! w^alpha prod He_{alpha_j}(x_j)
    reduces to 0 modulo w_1^2 + ... + w_d^2 - 1 (sympy's ``reduced``), i.e. holds on the whole unit sphere."""
    import sympy as sp
    ws = sp.symbols(f"w0:{d}")
    xs = sp.symbols(f"x0:{d}")
    y = sp.Symbol("y")
    lhs = sp.hermite_prob(n, y).subs(y, sum(a * b for a, b in zip(ws, xs)))
    rhs = sp.Integer(0)
    for al in _multi_indices(d, n):
        term = sp.Integer(factorial(n))
        for a, wi, xi in zip(al, ws, xs):
            term = term * wi ** a * sp.hermite_prob(a, xi) / factorial(a)
        rhs += term
    diff = sp.expand(lhs - rhs)
    if diff == 0:
        return True
    _, rem = sp.reduced(diff, [sum(wi ** 2 for wi in ws) - 1], *ws, *xs)
    return sp.expand(rem) == 0


def relu_expansion(w, degree: int, coef=None) -> dict:
    """The Hermite expansion of ReLU(w.x) to total degree ``degree``: {alpha: coefficient} with
    ReLU(w.x) ~ sum_alpha coefficient * prod_j He_{alpha_j}(x_j), coefficient = E[ReLU(w.x) H_alpha] / alpha!
    (sympy; [R] reconstruction, see the module doc).  Multi-indices whose coefficient is 0 are left out."""
    import sympy as sp
    out = {}
    for n in range(degree + 1):
        for al in _multi_indices(len(w), n):
            den = 1
            for a in al:
                den *= factorial(a)
            v = relu_inner_product(w, al, coef) / den
            if v != 0:
                out[al] = sp.expand(v)
    return out
