"""The PAC separation of Appendix D (Theorem D.4), exact.

Doron-Arad and Mossel (2026), Definition D.3: X_q = {2^0, ..., 2^q}, round_q(z) = 2^-q floor(z 2^q),
h_c(x) = round_q(c x) for c in [0, 1), D_q uniform on X_q, 0-1 error.  In the real-RAM model (labels
c x, no rounding) one example (x, c x) gives c = y / x: :func:`real_ram_learner`.  Under rounding,
h_c(2^k) depends only on the first k + q binary digits of c, so two multipliers that share their first
2q - 1 digits and differ in digit 2q (:func:`twins`) agree on 2^0..2^(q-1) and differ at 2^q; a sample
that misses 2^q, probability (q / (q + 1))^m, cannot tell them apart.  The proof concludes
(1/2)(q/(q+1))^m <= delta, then, by log(1 + 1/q) <= 1/q, m >= q log(1/(2 delta)): natural logarithms
(in base 2, log2(1 + 1/q) > 1/q for q >= 2).

Here: the twins, checked exactly; the proof's exact threshold :func:`min_samples`; the statement's bound
q ln(1/(2 delta)) as a certified enclosure and exact comparisons against it (:func:`log_bound_holds`);
a consistent learner whose failure probability :func:`failure_probability` computes exactly, between
(1/2)(q/(q+1))^m on the twins and (q/(q+1))^m for every target (the upper side is my derivation: see
:func:`consistent_learner`); and a seeded simulation (:func:`simulate`) as an illustration.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction
from itertools import combinations

from ..errors import InputError, LimitReached
from ..numbers import fmt, log10, to_integer, to_rational

__all__ = ["domain", "round_q", "h", "digits", "twins", "check_twins", "real_ram_learner", "real_ram_check",
           "consistent_learner", "error", "miss_probability", "failure_probability", "min_samples",
           "ln_enclosure", "log_bound_holds", "paper_bound", "simulate", "check_hypotheses", "MAX_Q_EXACT"]


#: Largest q for :func:`failure_probability`, whose exact sum runs over the 2^(q+1) subsets of X_q.
MAX_Q_EXACT = 14


def _q(q) -> int:
    return to_integer(q, what="q", least=1)


def domain(q) -> list[int]:
    """X_q = [2^0, ..., 2^q]."""
    return [2 ** k for k in range(_q(q) + 1)]


def round_q(z, q) -> Fraction:
    """2^-q floor(z 2^q), exact.

    >>> round_q(Fraction(5, 7), 3)
    Fraction(5, 8)
    """
    z, q = to_rational(z, what="z"), _q(q)
    return Fraction(math.floor(z * 2 ** q), 2 ** q)


def h(c, x, q) -> Fraction:
    """h_c(x) = round_q(c x)."""
    return round_q(to_rational(c, what="c") * to_rational(x, what="x"), q)


def digits(c, n: int) -> list[int]:
    """The first n binary digits b_1..b_n of c in [0, 1) (the terminating expansion of a dyadic)."""
    c = to_rational(c, what="c")
    if not 0 <= c < 1:
        raise InputError(f"c={fmt(c)} must be in [0, 1)")
    return [math.floor(c * 2 ** i) % 2 for i in range(1, n + 1)]


def twins(q, prefix=None, *, seed: int | None = None) -> tuple[Fraction, Fraction]:
    """c1 = 0.b_1...b_(2q-1) 0 and c2 = 0.b_1...b_(2q-1) 1 (the proof of Theorem D.4).

    ``prefix``: the 2q - 1 digits, or drawn with random.Random(seed) when None.

    >>> twins(2, [1, 0, 1])
    (Fraction(5, 8), Fraction(11, 16))
    """
    q = _q(q)
    if prefix is None:
        rng = random.Random(seed)
        prefix = [rng.randrange(2) for _ in range(2 * q - 1)]
    if len(prefix) != 2 * q - 1 or any(b not in (0, 1) for b in prefix):
        raise InputError(f"prefix: need {2 * q - 1} binary digits, got {prefix!r}")
    c1 = sum((Fraction(b, 2 ** i) for i, b in enumerate(prefix, start=1)), Fraction(0))
    return c1, c1 + Fraction(1, 2 ** (2 * q))


def check_twins(c1, c2, q) -> list[str]:
    """What fails of the proof's claims about c1, c2 (empty: all hold), exactly: h_c1(2^k) = h_c2(2^k)
    for every k < q, h_c1(2^q) != h_c2(2^q), and floor(c2 2^(2q)) - floor(c1 2^(2q)) = 1."""
    q = _q(q)
    c1, c2 = to_rational(c1, what="c1"), to_rational(c2, what="c2")
    bad = [f"h differs at 2^{k}" for k in range(q) if h(c1, 2 ** k, q) != h(c2, 2 ** k, q)]
    if h(c1, 2 ** q, q) == h(c2, 2 ** q, q):
        bad.append(f"h agrees at 2^{q}")
    gap = math.floor(c2 * 4 ** q) - math.floor(c1 * 4 ** q)
    if gap != 1:
        bad.append(f"floor(c2 2^2q) - floor(c1 2^2q) = {gap}, not 1")
    return bad


# -- learners -----------------------------------------------------------------------------------
def real_ram_learner(sample) -> Fraction:
    """c = y / x from the first example (x, y = c x) with x != 0: the real-RAM learner of Appendix D."""
    for x, y in sample:
        if x != 0:
            return Fraction(y) / Fraction(x)
    raise InputError("real_ram_learner: the sample has no example with x != 0")


def real_ram_check(c, q) -> bool:
    """Whether one example (x, c x), for each x in X_q, gives back c exactly (so error 0 with m = 1)."""
    c = to_rational(c, what="c")
    return all(real_ram_learner([(x, c * x)]) == c for x in domain(q))


def consistent_learner(sample, q) -> Fraction:
    """c_hat = the least c consistent with the sample: max over examples of y / x (0 for none).

    A label y at x = 2^k says c in [y / x, (y + 2^-q) / x), so the version space is an interval that
    starts at max y / x.  (Mine, not the paper's:) y / x = floor(c 2^(k+q)) / 2^(k+q) is c truncated
    to k + q digits, so when 2^q is in the sample c_hat is c truncated to 2q digits and h_c_hat = h_c
    on X_q: this learner fails only on samples without 2^q, probability (q/(q+1))^m.
    """
    q = _q(q)
    return max((Fraction(y) / Fraction(x) for x, y in sample), default=Fraction(0))


def error(c_hat, c, q) -> Fraction:
    """err_{D_q}(h_c_hat, h_c): the fraction of X_q where they differ."""
    xs = domain(q)
    return Fraction(sum(h(c_hat, x, q) != h(c, x, q) for x in xs), len(xs))


def miss_probability(q, m) -> Fraction:
    """Pr[m uniform draws from X_q miss 2^q] = (q / (q + 1))^m."""
    q, m = _q(q), to_integer(m, what="m", least=0)
    return Fraction(q, q + 1) ** m


def _surjections(m: int, a: int) -> int:
    """Number of maps from m draws onto a set of a points (inclusion-exclusion)."""
    return sum((-1) ** i * math.comb(a, i) * (a - i) ** m for i in range(a + 1))


def failure_probability(c, q, m, eps, learner=consistent_learner) -> Fraction:
    """Pr_S[err(learner(S), c) > eps], S = m i.i.d. examples from D_q labelled by h_c, exact.

    Sums over the set A of distinct sampled points, Pr[A] = surj(m, |A|) / (q + 1)^m; exact for a
    ``learner(sample, q)`` that depends only on the set of distinct examples (as consistent_learner).
    """
    q, m, c, eps = _q(q), to_integer(m, what="m", least=0), to_rational(c, what="c"), to_rational(eps, what="eps")
    if q > MAX_Q_EXACT:
        raise InputError(f"q={q}: the exact sum runs over 2^(q+1) sets of points; the limit is q <= {MAX_Q_EXACT}")
    xs, N, total = domain(q), q + 1, Fraction(0)
    for a in range(min(m, N) + 1):
        weight = Fraction(_surjections(m, a), N ** m)
        if weight == 0:
            continue
        fails = sum(error(learner([(x, h(c, x, q)) for x in A], q), c, q) > eps for A in combinations(xs, a))
        total += weight * fails
    return total


# -- sample bounds ------------------------------------------------------------------------------
def check_hypotheses(q, delta, eps=None) -> tuple[int, Fraction]:
    """Theorem D.4's hypotheses: q >= 1, delta in (0, 1/4), 0 <= eps < 1/(q+1) when given."""
    q, delta = _q(q), to_rational(delta, what="delta")
    if not 0 < delta < Fraction(1, 4):
        raise InputError(f"delta={fmt(delta)} must be in (0, 1/4)")
    if eps is not None and not 0 <= to_rational(eps, what="eps") < Fraction(1, q + 1):
        raise InputError(f"eps={fmt(to_rational(eps))} must be in [0, 1/(q+1)) = [0, 1/{q + 1})")
    return q, delta


def min_samples(q, delta) -> int:
    """The least m with (1/2)(q/(q+1))^m <= delta: the proof's threshold, decided in integers.

    >>> min_samples(10, Fraction(1, 8))
    15
    """
    q, delta = check_hypotheses(q, delta)
    def ok(m):  # (1/2)(q/(q+1))^m <= delta, in integers
        return q ** m * delta.denominator <= 2 * delta.numerator * (q + 1) ** m

    guess = log10(1 / (2 * delta)) * math.log(10) / math.log1p(1 / q)  # a float guess, then exact steps
    m = max(0, math.ceil(guess) - 2)
    while m > 0 and ok(m - 1):
        m -= 1
    while not ok(m):
        m += 1
    return m


def _ln_series(r: Fraction, terms: int) -> tuple[Fraction, Fraction]:
    """ln r, 1 <= r <= 2, enclosed: 2 artanh(z), z = (r-1)/(r+1) <= 1/3, partial sum and its tail bound."""
    z = (r - 1) / (r + 1)
    s = sum((z ** (2 * i + 1) / (2 * i + 1) for i in range(terms)), Fraction(0))
    tail = z ** (2 * terms + 1) / ((2 * terms + 1) * (1 - z * z))
    return 2 * s, 2 * (s + tail)


def ln_enclosure(r, bits: int = 64) -> tuple[Fraction, Fraction]:
    """Rationals lo <= ln r <= hi with hi - lo <= 2^-bits, for a rational r > 0 (series with tail bounds)."""
    r = to_rational(r, what="r")
    if r <= 0:
        raise InputError(f"r={fmt(r)} must be > 0")
    if r < 1:
        lo, hi = ln_enclosure(1 / r, bits)
        return -hi, -lo
    k = r.numerator.bit_length() - r.denominator.bit_length()
    k -= (r / Fraction(2) ** k) < 1  # now 1 <= r / 2^k < 2
    terms = bits // 3 + 2 + k.bit_length()  # z^2 <= 1/9 gains > 3 bits a term
    lo2, hi2 = _ln_series(Fraction(2), terms)
    lo, hi = _ln_series(r / Fraction(2) ** k, terms)
    return k * lo2 + lo, k * hi2 + hi


def log_bound_holds(M: int, q, r, base="e", *, max_bits: int = 1 << 16) -> bool:
    """Whether M >= q log_base(r), decided exactly (r > 0 rational; base 'e', 2 or 10).

    Base 2 or 10: b^M >= r^q in rationals.  Base e: M against a certified enclosure of q ln r
    (:func:`ln_enclosure`), refined until it decides; ln r is irrational for rational r != 1, so it does
    (LimitReached past ``max_bits``).
    """
    q, r, M = _q(q), to_rational(r, what="r"), to_integer(M, what="M", least=0)
    if base in (2, 10):
        return Fraction(base) ** M >= r ** q
    if base != "e":
        raise InputError(f"base={base!r} must be 'e', 2 or 10")
    if r <= 1:
        return True  # q ln r <= 0 <= M
    bits = 64
    while bits <= max_bits:
        lo, hi = ln_enclosure(r, bits)
        if M >= q * hi:
            return True
        if M < q * lo:
            return False
        bits *= 2
    raise LimitReached(f"M={M} against q ln r: undecided at {max_bits} bits")


def paper_bound(q, delta, bits: int = 64) -> dict:
    """Theorem D.4's bound q ln(1/(2 delta)): a certified enclosure, its exact ceiling, the proof's exact
    threshold :func:`min_samples`, and whether the latter is >= the bound read in base e and in base 2."""
    q, delta = check_hypotheses(q, delta)
    r = 1 / (2 * delta)
    lo, hi = ln_enclosure(r, bits)
    M = min_samples(q, delta)
    while math.floor(q * lo) != math.floor(q * hi):  # q ln r is irrational (r != 1), so refining ends
        if bits > 1 << 16:
            raise LimitReached(f"ceil(q ln(1/(2 delta))) undecided at {bits} bits")
        bits *= 2
        lo, hi = ln_enclosure(r, bits)
    ceil = math.floor(q * lo) + 1
    return {"q": q, "delta": delta, "bound_lo": q * lo, "bound_hi": q * hi, "bound_ceil": ceil,
            "min_samples": M, "implied_base_e": log_bound_holds(M, q, r, "e"),
            "implied_base_2": log_bound_holds(M, q, r, 2)}


def simulate(q, m, trials: int, seed: int, *, learner=consistent_learner, prefix=None) -> dict:
    """Seeded runs: target c1 or c2 of :func:`twins` (fair coin), m draws from D_q, the learner's error.

    Counts (exact integers): runs whose sample missed 2^q, runs with error > 0, and those among the misses.
    An illustration of the proof's experiment; :func:`failure_probability` is the exact value.
    """
    q, m, trials = _q(q), to_integer(m, what="m", least=0), to_integer(trials, what="trials", least=1)
    c1, c2 = twins(q, prefix, seed=seed)
    rng, xs = random.Random(seed), domain(q)
    missed = failed = failed_missed = 0
    for _ in range(trials):
        c = c1 if rng.randrange(2) else c2
        sample = [(x, h(c, x, q)) for x in (rng.choice(xs) for _ in range(m))]
        miss = all(x != xs[-1] for x, _ in sample)
        bad = error(learner(sample, q), c, q) > 0
        missed, failed, failed_missed = missed + miss, failed + bad, failed_missed + (bad and miss)
    return {"trials": trials, "missed_top": missed, "failed": failed, "failed_and_missed": failed_missed,
            "c1": c1, "c2": c2}
