"""The multiplication gadget of Lemma 3.1 and its limits (Appendix F), exact.

Doron-Arad and Mossel, "Why ReLU? A Bit-Model Dichotomy for Deep Network Training" (2026).
Lemma 3.1: for sigma in Q[T] of degree mu >= 2 there are rationals lambda_0..lambda_mu with

    sum_j lambda_j (sigma(x + y + j) - sigma(x + j) - sigma(y + j)) = x y     for all x, y.   (*)

The proof (Appendix B) puts the coefficients of f_j(U) = sigma(U + j) in column j of a matrix C
(Claim B.4: f_0..f_mu are a basis of the polynomials of degree <= mu), solves C c = e_2, so that
U^2 = sum_j c_j sigma(U + j), and takes lambda_j = c_j / 2.  :func:`gadget_coefficients` returns these
lambda_j, the ones in (*) (the proof calls them lambda'_j).  Lemma 3.2 multiplies (*) by a common
denominator D of sigma's coefficients and the lambda_j: :func:`integer_gadget`.

(*) alone does not fix lambda: with G(U) = sum_j lambda_j sigma(U + j), the left side is
G(x + y) - G(x) - G(y), which is x y exactly when G(U) = U^2/2 + a U for some a (the linear term
cancels).  The solutions form a line; the paper's is the one with a = 0.

Appendix F: for f(T) = T^alpha, alpha in Q not a non-negative integer, no finite combination works
(Theorem F.1), because shifted powers are linearly independent (Lemma F.2).  :func:`series_determinant`,
:func:`wronskian_factor` and :func:`power_gadget_ranks` check this on instances, exactly.

Polynomials are lists of Fractions, lowest degree first, with no trailing zero.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import flint

from ..errors import InputError
from ..numbers import fmt, to_integer, to_rational

__all__ = ["parse_sigma", "as_sigma", "poly_text", "poly_eval", "basis_matrix", "basis_determinant",
           "determinant_formula", "gadget_coefficients", "solution_line", "integer_gadget", "gadget_polynomial",
           "identity_residual", "identity_holds", "binomial", "series_determinant", "wronskian_factor",
           "power_gadget_system", "power_gadget_ranks", "MAX_DEGREE"]

#: Largest degree of sigma (and of any product while parsing): the gadget is a (mu+1) x (mu+1) system.
MAX_DEGREE = 64
#: Longest sigma text, and the deepest nesting of parentheses, that the parser reads.
MAX_TEXT, MAX_NESTING = 10_000, 100
#: Largest bit length of one coefficient while parsing (numerator plus denominator): 10^1000^1000 is refused.
MAX_COEFF_BITS = 100_000

_FUNCTIONS = {"sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "max", "min", "relu", "tanh", "sigmoid"}
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|[-+*/^()]))")


# -- polynomials -------------------------------------------------------------------------------
def _trim(p):
    p = list(p)
    while p and p[-1] == 0:
        p.pop()
    return p


def _add(p, q, sign=1):
    n = max(len(p), len(q))
    return _trim([(p[i] if i < len(p) else 0) + sign * (q[i] if i < len(q) else 0) for i in range(n)])


def _mul(p, q):
    if not p or not q:
        return []
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def poly_eval(p, x) -> Fraction:
    """p(x) by Horner's rule, exact.

    >>> poly_eval([1, 0, 2], Fraction(1, 2))
    Fraction(3, 2)
    """
    v = Fraction(0)
    for c in reversed(p):
        v = v * x + c
    return v


def _shift(p, j):
    """Coefficients of p(U + j), by the integer Taylor shift (repeated synthetic division) of L p."""
    L = math.lcm(*(Fraction(c).denominator for c in p)) if p else 1
    a = [int(c * L) for c in p]
    for i in range(len(a)):
        for k in range(len(a) - 2, i - 1, -1):
            a[k] += j * a[k + 1]
    return [Fraction(c, L) for c in a]


def poly_text(p) -> str:
    """Canonical text, highest degree first, that :func:`parse_sigma` reads back to ``p``.

    >>> poly_text([Fraction(7), Fraction(-1, 5), 0, Fraction(2)])
    '2*T^3 - 1/5*T + 7'
    """
    terms = []
    for k in range(len(p) - 1, -1, -1):
        c = Fraction(p[k])
        if c == 0:
            continue
        mono = "" if k == 0 else ("T" if k == 1 else f"T^{k}")
        a = abs(c)
        body = fmt(a) if not mono else (mono if a == 1 else f"{fmt(a)}*{mono}")
        terms.append(("-" if c < 0 else "+", body))
    if not terms:
        return "0"
    text = ("-" if terms[0][0] == "-" else "") + terms[0][1]
    return text + "".join(f" {s} {b}" for s, b in terms[1:])


# -- parsing sigma -----------------------------------------------------------------------------
class _Parser:
    """Recursive descent over + - * / ^ ** ( ) numbers and the one variable T; builds the polynomial.

    expr := term (('+' | '-') term)*     term := unary (('*' | '/') unary)*
    unary := ('+' | '-') unary | power   power := atom (('^' | '**') unary)?    (right-associative)
    atom := number | T | '(' expr ')'
    """

    def __init__(self, text, what):
        self.text, self.what, self.depth = text, what, 0
        self.toks, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                self.fail(f"unexpected character {text[pos:].lstrip()[0]!r}")
            kind = m.lastgroup
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def fail(self, why):
        shown = repr(self.text[:80]) + (f"... ({len(self.text)} characters)" if len(self.text) > 80 else "")
        raise InputError(f"{self.what}={shown}: {why}")

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        if not self.toks:
            self.fail("empty polynomial")
        p = self.expr()
        if self.i < len(self.toks):
            self.fail(self._unexpected(self.peek()))
        return p

    def _unexpected(self, tok):
        kind, val = tok
        if kind is None:
            return "unexpected end of text"
        prev = self.toks[self.i - 1] if self.i else None
        if prev and (prev[0] in ("num", "name") or prev[1] == ")") and (kind in ("num", "name") or val == "("):
            return f"missing '*' between {prev[1]!r} and {val!r}"
        return f"unexpected {val!r}"

    def expr(self):
        p = self.term()
        while self.peek()[1] in ("+", "-"):
            sign = 1 if self.take()[1] == "+" else -1
            p = _add(p, self.term(), sign)
        return p

    def term(self):
        p = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            q = self.unary()
            if op == "*":
                if len(p) + len(q) - 2 > MAX_DEGREE:
                    self.fail(f"degree {len(p) + len(q) - 2} is over the limit {MAX_DEGREE}")
                p = self._sized(_mul(p, q))
            elif len(q) > 1:
                self.fail("division by a non-constant: not a polynomial in T")
            elif not q:
                self.fail("division by zero")
            else:
                p = self._sized([c / q[0] for c in p])
        return p

    def unary(self):
        if self.peek()[1] in ("+", "-"):
            sign = self.take()[1]
            p = self.unary()
            return [-c for c in p] if sign == "-" else p
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[1] not in ("^", "**"):
            return base
        self.take()
        e = self.unary()
        if len(e) > 1:
            self.fail("an exponent containing T: not a polynomial in T")
        e = e[0] if e else Fraction(0)
        if e.denominator != 1:
            self.fail(f"exponent {fmt(e)} is not an integer: not a polynomial in T")
        e = e.numerator
        if len(base) > 1:
            if e < 0:
                self.fail(f"negative exponent {e} of a non-constant: not a polynomial in T")
            if (len(base) - 1) * e > MAX_DEGREE:
                self.fail(f"degree {(len(base) - 1) * e} is over the limit {MAX_DEGREE}")
            p = [Fraction(1)]
            for _ in range(e):
                p = _mul(p, base)
            return p
        c = base[0] if base else Fraction(0)
        if c == 0 and e < 0:
            self.fail("zero to a negative power")
        if c == 0:
            return [] if e > 0 else [Fraction(1)]
        if abs(c) == 1:
            return [c ** (e % 2)]
        if abs(e) * (abs(c.numerator).bit_length() + c.denominator.bit_length()) > MAX_COEFF_BITS:
            self.fail(f"a coefficient over {MAX_COEFF_BITS} bits")
        return _trim([c ** e])

    def atom(self):
        kind, val = self.take()
        if kind == "num":
            return _trim([to_rational(val, what=self.what)])
        if kind == "name":
            if val == "T":
                return [Fraction(0), Fraction(1)]
            if val.lower() in _FUNCTIONS or self.peek()[1] == "(":
                self.fail(f"{val}(...) is not a polynomial in T")
            self.fail(f"unknown symbol {val!r} (sigma is a polynomial in the one variable T)")
        if val == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                self.fail(f"parentheses nested over {MAX_NESTING} deep")
            p = self.expr()
            if self.take()[1] != ")":
                self.fail("unbalanced parentheses")
            self.depth -= 1
            return p
        self.i -= 1
        self.fail(self._unexpected((kind, val)))

    def _sized(self, p):
        if any(abs(c.numerator).bit_length() + c.denominator.bit_length() > MAX_COEFF_BITS for c in p):
            self.fail(f"a coefficient over {MAX_COEFF_BITS} bits")
        return p


def parse_sigma(text: str, *, what: str = "sigma") -> list[Fraction]:
    """The coefficients (lowest degree first) of a polynomial in T given as text.

    Operators + - * / and ^ or ** (integer powers), parentheses, the variable T, numbers as integers,
    decimals (read exactly: "0.1" is 1/10) or written as quotients (1/5).  Nothing is evaluated as
    Python.  Refused with :class:`InputError`, naming ``what``: other symbols, functions, T in a
    denominator or an exponent, non-integer or negative powers of T, degree over :data:`MAX_DEGREE`.

    >>> parse_sigma("2*T^3 - T/5 + 7")
    [Fraction(7, 1), Fraction(-1, 5), Fraction(0, 1), Fraction(2, 1)]
    >>> parse_sigma("(T + 0.5)**2")
    [Fraction(1, 4), Fraction(1, 1), Fraction(1, 1)]
    """
    if not isinstance(text, str):
        raise InputError(f"{what}: expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise InputError(f"{what}: text of {len(text)} characters (the limit is {MAX_TEXT})")
    return _Parser(text, what).parse()


def as_sigma(sigma, what: str = "sigma") -> list[Fraction]:
    """sigma as text or as coefficients (lowest first), checked to have degree 2 to :data:`MAX_DEGREE`."""
    if isinstance(sigma, str):
        p = parse_sigma(sigma, what=what)
    elif isinstance(sigma, (list, tuple)):
        p = _trim(to_rational(c, what=f"{what} coefficient {i}") for i, c in enumerate(sigma))
    else:
        raise InputError(f"{what}: expected text or a list of coefficients, got {type(sigma).__name__}")
    if len(p) < 3:
        raise InputError(f"{what}: {poly_text(p)!r} has degree {len(p) - 1 if p else '-inf'}; "
                         "Lemma 3.1 needs degree >= 2")
    if len(p) - 1 > MAX_DEGREE:
        raise InputError(f"{what}: degree {len(p) - 1} is over the limit {MAX_DEGREE}")
    return p


# -- Lemma 3.1 and Claim B.4 ---------------------------------------------------------------------
def basis_matrix(sigma) -> list[list[Fraction]]:
    """C with C[q][j] the coefficient of U^q in sigma(U + j), j = 0..mu (Appendix B)."""
    p = as_sigma(sigma)
    cols = [_shift(p, j) for j in range(len(p))]
    return [[cols[j][q] for j in range(len(p))] for q in range(len(p))]


def _fmpq_mat(rows):
    return flint.fmpq_mat([[flint.fmpq(c.numerator, c.denominator) for c in row] for row in rows])


def _fraction(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


def basis_determinant(sigma) -> Fraction:
    """det C, exact (python-flint): nonzero exactly when sigma(U + j), j = 0..mu, is a basis (Claim B.4)."""
    return _fraction(_fmpq_mat(basis_matrix(sigma)).det())


def determinant_formula(sigma) -> Fraction:
    """(-1)^(mu(mu+1)/2) (mu! r_mu)^(mu+1) / prod_{i=0..mu} i!, r_mu the leading coefficient.

    My derivation, not the paper's: C = A V with V[l][j] = j^l (Vandermonde, det prod_{i<j} (j - i)
    = prod_{i<=mu} i!) and A[q][l] = r_{q+l} C(q+l, q), zero below the antidiagonal q + l = mu, whose
    entries are r_mu C(mu, q); reversing mu + 1 rows has sign (-1)^(mu(mu+1)/2).  Only r_mu matters.

    >>> determinant_formula("T^2"), basis_determinant("T^2")
    (Fraction(-4, 1), Fraction(-4, 1))
    """
    p = as_sigma(sigma)
    mu = len(p) - 1
    sign = -1 if (mu * (mu + 1) // 2) % 2 else 1
    return sign * (math.factorial(mu) * p[-1]) ** (mu + 1) / math.prod(math.factorial(i) for i in range(mu + 1))


def gadget_coefficients(sigma) -> list[Fraction]:
    """lambda_0..lambda_mu of Lemma 3.1: sum_j lambda_j (sigma(x+y+j) - sigma(x+j) - sigma(y+j)) = x y.

    These are half the solution c of C c = e_2 (U^2 = sum_j c_j sigma(U + j)), the proof's
    lambda'_j = lambda_j / 2.  ``sigma`` is text (:func:`parse_sigma`) or coefficients, lowest first.

    >>> [str(x) for x in gadget_coefficients("T^3")]
    ['-11/36', '1/2', '-1/4', '1/18']
    """
    C = _fmpq_mat(basis_matrix(sigma))
    e2 = flint.fmpq_mat([[1 if q == 2 else 0] for q in range(C.nrows())])
    c = C.solve(e2)
    return [_fraction(c[j, 0]) / 2 for j in range(C.nrows())]


def solution_line(sigma) -> tuple[list[Fraction], list[Fraction]]:
    """(lam, d): the lambda satisfying (*) are exactly lam + a d, a in Q (module docstring).

    lam = :func:`gadget_coefficients` (G(U) = U^2/2) and C d = e_1 (sum_j d_j sigma(U + j) = U).
    """
    C = _fmpq_mat(basis_matrix(sigma))
    e1 = flint.fmpq_mat([[1 if q == 1 else 0] for q in range(C.nrows())])
    d = C.solve(e1)
    return gadget_coefficients(sigma), [_fraction(d[j, 0]) for j in range(C.nrows())]


def integer_gadget(sigma) -> tuple[int, list[int]]:
    """(D, [D lambda_r]): D the least common denominator of sigma's coefficients and of the lambda_r.

    Lemma 3.2's proof takes D "a common denominator of all the coefficients of sigma and all lambda_j"
    and multiplies (*) by it: sum_r (D lambda_r)(sigma(x+y+r) - sigma(x+r) - sigma(y+r)) = D x y.
    (Only the lambda's denominators are needed for integer weights; sigma's are included as the proof says.)

    >>> integer_gadget("T^2 + T")
    (4, [4, -3, 1])
    """
    p = as_sigma(sigma)
    lam = gadget_coefficients(p)
    D = math.lcm(*(c.denominator for c in p + lam))
    return D, [int(D * x) for x in lam]


def gadget_polynomial(sigma, lam) -> list[Fraction]:
    """G(U) = sum_j lam_j sigma(U + j); (*) holds iff G(U) = U^2/2 + a U for some a (module docstring)."""
    p = as_sigma(sigma)
    G = []
    for j, l in enumerate(lam):
        G = _add(G, [l * c for c in _shift(p, j)])
    return G


def identity_residual(sigma, lam) -> dict[tuple[int, int], Fraction]:
    """The nonzero coefficients {(a, b): c} of x^a y^b in sum_j lam_j (sigma(x+y+j) - sigma(x+j) - sigma(y+j)) - x y.

    The left side is G(x + y) - G(x) - G(y), G = :func:`gadget_polynomial`, expanded with binomials
    (no use of the criterion on G); empty exactly when (*) holds.
    """
    res: dict[tuple[int, int], Fraction] = {(1, 1): Fraction(-1)}
    for k, g in enumerate(gadget_polynomial(sigma, lam)):
        for a in range(k + 1):
            res[(a, k - a)] = res.get((a, k - a), 0) + g * math.comb(k, a)
        res[(k, 0)] -= g
        res[(0, k)] -= g
    return {key: v for key, v in sorted(res.items()) if v != 0}


def identity_holds(sigma, lam) -> bool:
    """Whether (*) holds as a polynomial identity in x, y (exact)."""
    return not identity_residual(sigma, lam)


# -- Appendix F: shifted non-integer powers ------------------------------------------------------
def binomial(beta, k: int) -> Fraction:
    """The generalised binomial coefficient beta (beta - 1) ... (beta - k + 1) / k!."""
    beta = to_rational(beta, what="beta")
    return math.prod((beta - i for i in range(k)), start=Fraction(1)) / math.factorial(k)


def _det(rows) -> Fraction:
    return _fraction(_fmpq_mat(rows).det())


def series_determinant(beta, shifts) -> Fraction:
    """det [binomial(beta, k) b_j^k]_{k, j = 0..m}: the proof of Lemma F.2, on an instance.

    sum_j lambda_j (1 + b_j t)^beta = sum_k binomial(beta, k) (sum_j lambda_j b_j^k) t^k; if this
    determinant is nonzero, the t^0..t^m coefficients vanish only for lambda = 0.
    """
    bs = [to_rational(b, what="shift") for b in shifts]
    return _det([[binomial(beta, k) * b ** k for b in bs] for k in range(len(bs))])


def wronskian_factor(beta, shifts, x) -> Fraction:
    """R(x) = det [beta (beta-1) ... (beta-k+1) (x + b_j)^(-k)]_{k, j = 0..m}, exact.

    A second route to Lemma F.2 (mine): the k-th derivative of (x + b_j)^beta is
    beta (beta-1) ... (beta-k+1) (x + b_j)^(beta-k), so the Wronskian of the m + 1 functions at x is
    prod_j (x + b_j)^beta * R(x), with a positive first factor when every x + b_j > 0.  If the
    functions were dependent on an interval containing x, the Wronskian would vanish there; so
    R(x) != 0 at one x proves them independent on every interval containing x.
    """
    beta, x = to_rational(beta, what="beta"), to_rational(x, what="x")
    bs = [to_rational(b, what="shift") for b in shifts]
    if any(x + b <= 0 for b in bs):
        raise InputError(f"x={fmt(x)}: every x + b_j must be > 0")
    falling = [math.prod((beta - i for i in range(k)), start=Fraction(1)) for k in range(len(bs))]
    return _det([[falling[k] / (x + b) ** k for b in bs] for k in range(len(bs))])


def _power_parts(N: int, alpha: Fraction) -> tuple[Fraction, int]:
    """(s, r) with N^alpha = s * r^(1/q), alpha = p/q in lowest terms, r a q-th-power-free integer."""
    import sympy  # for factorint only; imported here, as it is slow to import
    p, q = alpha.numerator, alpha.denominator
    s, r = Fraction(1), 1
    for prime, e in sympy.factorint(N).items():
        a, rest = divmod(p * e, q)  # p e = q a + rest, 0 <= rest < q (a may be negative)
        s *= Fraction(prime) ** a
        r *= prime ** rest
    return s, r


def power_gadget_system(alpha, J: int, points) -> tuple[list[list[Fraction]], list[Fraction]]:
    """The rational linear system that (13) of Theorem F.1 imposes on lambda_0..lambda_J at ``points``.

    f(T) = T^alpha, alpha = p/q; each point (x, y) is a pair of positive integers.  Every value
    N^alpha is s r^(1/q) with r q-th-power free (:func:`_power_parts`); the real roots r^(1/q) of
    distinct q-th-power-free r are linearly independent over Q (Besicovitch 1940), so for rational
    lambda one equation splits into one equation per r: the coefficient of r^(1/q) on the left equals
    x y when r = 1 and 0 otherwise.  Returns (rows, right-hand sides).
    """
    alpha, J = to_rational(alpha, what="alpha"), to_integer(J, what="J", least=0)
    rows, rhs = [], []
    for x, y in points:
        if not (isinstance(x, int) and isinstance(y, int)) or x < 1 or y < 1:
            raise InputError(f"point ({x}, {y}): need positive integers")
        eq: dict[int, list[Fraction]] = {1: [Fraction(0)] * (J + 1)}
        for j in range(J + 1):
            for N, sign in ((x + y + j, 1), (x + j, -1), (y + j, -1)):
                s, r = _power_parts(N, alpha)
                eq.setdefault(r, [Fraction(0)] * (J + 1))[j] += sign * s
        for r, row in sorted(eq.items()):
            rows.append(row)
            rhs.append(Fraction(x * y) if r == 1 else Fraction(0))
    return rows, rhs


def power_gadget_ranks(alpha, J: int, R: int = 0, points=None) -> tuple[int, int]:
    """(rank A, rank [A | b]) of :func:`power_gadget_system`; unequal means no lambda_0..lambda_J works.

    Default points: every (x, y) with R < x <= y <= R + J + 2.  When the ranks differ, no rational
    lambda_0..lambda_J satisfies (13) at these points, hence none for all rational x, y > R: an exact
    check of Theorem F.1 for this alpha, J and R (evidence on an instance, not the theorem).
    """
    if points is None:
        points = [(x, y) for x in range(R + 1, R + J + 3) for y in range(x, R + J + 3)]
    A, b = power_gadget_system(alpha, J, points)
    M = _fmpq_mat(A)
    return M.rank(), _fmpq_mat([row + [c] for row, c in zip(A, b)]).rank()
