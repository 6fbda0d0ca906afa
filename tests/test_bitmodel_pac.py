"""Appendix D (Theorem D.4): the twin multipliers, the learners, the exact failure probabilities and the
sample bound, each check also fed a broken construction or a wrong constant."""
import math
from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from exactrelu.bitmodel import pac
from exactrelu.errors import InputError

unit = st.fractions(min_value=0, max_value=F(999, 1000), max_denominator=10**6)
qs = st.integers(1, 8)


def from_digits(bits):
    return sum((F(b, 2 ** i) for i, b in enumerate(bits, start=1)), F(0))


def test_rounding_and_hypotheses():
    assert pac.domain(3) == [1, 2, 4, 8]
    assert pac.round_q(F(5, 7), 3) == F(5, 8) and pac.round_q(F(-1, 3), 2) == F(-1, 2)
    assert pac.h(F(5, 8), 4, 2) == F(5, 2)
    assert pac.digits(F(5, 8), 4) == [1, 0, 1, 0]


@given(unit, qs, st.data())
def test_h_at_2k_depends_only_on_the_first_k_plus_q_digits(c, q, data):
    """The proof's first step; with one digit fewer shared the values can differ (see the next test)."""
    k = data.draw(st.integers(0, q))
    n = k + q
    tail = data.draw(st.lists(st.integers(0, 1), min_size=6, max_size=6))
    c2 = from_digits(pac.digits(c, n) + tail)
    assert pac.h(c, 2 ** k, q) == pac.h(c2, 2 ** k, q) == F(math.floor(c * 2 ** n), 2 ** q)


def test_one_digit_fewer_is_not_enough():
    q, k = 3, 1
    a, b = from_digits([1, 0, 1, 0]), from_digits([1, 0, 1, 1])  # share k + q - 1 = 3 digits
    assert pac.h(a, 2 ** k, q) != pac.h(b, 2 ** k, q)


@given(qs, st.data())
def test_twins_agree_below_2q_and_differ_at_2q(q, data):
    prefix = data.draw(st.lists(st.integers(0, 1), min_size=2 * q - 1, max_size=2 * q - 1))
    c1, c2 = pac.twins(q, prefix)
    assert pac.digits(c1, 2 * q) == prefix + [0] and pac.digits(c2, 2 * q) == prefix + [1]
    assert pac.check_twins(c1, c2, q) == []


@pytest.mark.parametrize("q", [1, 2, 5, 9])
def test_twins_differing_in_the_wrong_digit_fail_the_check(q):
    c1, _ = pac.twins(q, [0] * (2 * q - 1))
    early, late = c1 + F(1, 2 ** (2 * q - 1)), c1 + F(1, 2 ** (2 * q + 1))
    assert f"h differs at 2^{q - 1}" in pac.check_twins(c1, early, q)
    assert f"h agrees at 2^{q}" in pac.check_twins(c1, late, q)


def test_twins_are_seeded_and_checked():
    assert pac.twins(4, seed=3) == pac.twins(4, seed=3)
    with pytest.raises(InputError, match="7 binary digits"):
        pac.twins(4, [0, 1])
    with pytest.raises(InputError, match=r"\[0, 1\)"):
        pac.digits(F(1), 3)


# -- learners ---------------------------------------------------------------------------------------
@given(unit, qs)
def test_real_ram_one_example_suffices(c, q):
    assert pac.real_ram_check(c, q)


def test_real_ram_learner_on_rounded_labels_is_wrong():
    """The same learner fed a bit-model label (x = 1, y = round_q(c)) loses the digits past q."""
    q, c = 3, F(5, 7)
    c_hat = pac.real_ram_learner([(1, pac.h(c, 1, q))])
    assert c_hat == F(5, 8) != c and pac.error(c_hat, c, q) > 0
    with pytest.raises(InputError):
        pac.real_ram_learner([(0, 0)])


@given(unit, qs, st.lists(st.integers(0, 8), max_size=6))
def test_consistent_learner_is_exact_once_2q_is_sampled(c, q, ks):
    xs = [2 ** min(k, q) for k in ks] + [2 ** q]
    c_hat = pac.consistent_learner([(x, pac.h(c, x, q)) for x in xs], q)
    assert c_hat <= c and pac.error(c_hat, c, q) == 0


def midpoint_learner(sample, q):
    lo = max((F(y) / x for x, y in sample), default=F(0))
    hi = min(((F(y) + F(1, 2 ** q)) / x for x, y in sample), default=F(1))
    return (lo + hi) / 2


def zero_learner(sample, q):
    return F(0)


def first_point_learner(sample, q):  # broken: ignores all but the smallest sampled point
    return pac.consistent_learner(sorted(sample)[:1], q)


@settings(max_examples=20)
@given(st.integers(1, 6), st.integers(0, 30), st.data())
def test_failure_probability_between_the_bounds(q, m, data):
    prefix = data.draw(st.lists(st.integers(0, 1), min_size=2 * q - 1, max_size=2 * q - 1))
    c1, c2 = pac.twins(q, prefix)
    eps = F(1, q + 2)  # < 1/(q+1): any mistake counts
    miss = pac.miss_probability(q, m)
    assert miss == F(q, q + 1) ** m
    f1, f2 = (pac.failure_probability(c, q, m, eps) for c in (c1, c2))
    assert f2 == miss  # c2's digit 2q is 1: the consistent learner fails exactly when 2^q is missed
    assert f1 <= miss and (f1 + f2) / 2 >= miss / 2
    for learner in (midpoint_learner, zero_learner):  # the proof's lower bound, for any learner
        avg = (pac.failure_probability(c1, q, m, eps, learner) + pac.failure_probability(c2, q, m, eps, learner)) / 2
        assert avg >= miss / 2


def test_failure_probability_against_enumeration_of_ordered_samples():
    """The sum over sets of distinct points equals the sum over all (q+1)^m ordered samples."""
    import itertools
    q, m, c = 2, 4, F(27, 64)
    xs = pac.domain(q)
    fails = sum(pac.error(pac.consistent_learner([(x, pac.h(c, x, q)) for x in S], q), c, q) > 0
                for S in itertools.product(xs, repeat=m))
    assert pac.failure_probability(c, q, m, 0) == F(fails, len(xs) ** m)


def test_upper_side_check_can_fail():
    q, m = 4, 12
    c = F(2 ** 8 - 1, 2 ** 8)  # every digit 1: truncations lose something at every point
    assert pac.failure_probability(c, q, m, 0, first_point_learner) > pac.miss_probability(q, m)
    assert pac.failure_probability(c, q, m, 0) <= pac.miss_probability(q, m)


def test_failure_probability_limit():
    with pytest.raises(InputError, match="q <= 14"):
        pac.failure_probability(F(1, 3), 15, 3, 0)


def test_simulation_is_seeded_and_consistent():
    a, b = pac.simulate(4, 10, 300, seed=11), pac.simulate(4, 10, 300, seed=11)
    assert a == b
    assert a["failed"] == a["failed_and_missed"] <= a["missed_top"] <= a["trials"]


# -- the sample bound ---------------------------------------------------------------------------------
CASES = [(1, F(1, 5)), (3, F(1, 5)), (10, F(1, 8)), (10, F(1, 100)), (25, F(1, 10**6)), (100, F(1, 10**9))]


@pytest.mark.parametrize("q,delta", CASES)
def test_min_samples_is_the_proofs_threshold(q, delta):
    m = pac.min_samples(q, delta)
    assert F(q, q + 1) ** m / 2 <= delta < F(q, q + 1) ** (m - 1) / 2 if m else F(1, 2) <= delta


@pytest.mark.parametrize("q,delta", CASES)
def test_paper_bound_enclosure_and_base_e(q, delta):
    rep = pac.paper_bound(q, delta)
    mpmath.mp.dps = 60
    exact = q * mpmath.log(mpmath.mpf(delta.denominator) / (2 * delta.numerator))
    lo, hi = rep["bound_lo"], rep["bound_hi"]
    assert mpmath.mpf(lo.numerator) / lo.denominator <= exact <= mpmath.mpf(hi.numerator) / hi.denominator
    assert hi - lo < F(q, 2 ** 60)
    assert rep["bound_ceil"] == int(mpmath.floor(exact)) + 1
    assert rep["implied_base_e"] and rep["min_samples"] >= rep["bound_ceil"]


def test_base_2_reading_is_not_implied():
    """Care: with log base 2 the proof's threshold falls below q log2(1/(2 delta)) (15 < 20 at q = 10)."""
    rep = pac.paper_bound(10, F(1, 8))
    assert rep["min_samples"] == 15 and not rep["implied_base_2"]
    assert pac.log_bound_holds(20, 10, 4, 2) and not pac.log_bound_holds(19, 10, 4, 2)


@given(st.integers(0, 300), st.integers(1, 50), st.fractions(min_value=F(1, 97), max_value=50, max_denominator=97))
def test_log_bound_holds_against_mpmath(M, q, r):
    mpmath.mp.dps = 60
    value = q * mpmath.log(mpmath.mpf(r.numerator) / r.denominator)
    assert pac.log_bound_holds(M, q, r) == (M >= value)


@given(st.fractions(min_value=F(1, 10**4), max_value=10**6, max_denominator=10**4), st.integers(8, 200))
def test_ln_enclosure_width_and_containment(r, bits):
    """Containment against mpmath at a precision far beyond the width: an end may lie closer to ln r
    than any fixed precision resolves (the tail bound can be far below 2^-bits), so up to 2^-(bits + 20)."""
    lo, hi = pac.ln_enclosure(r, bits)
    with mpmath.workdps(bits // 3 + 40):
        v = mpmath.log(mpmath.mpf(r.numerator) / r.denominator)
        tol = mpmath.mpf(2) ** -(bits + 20)
        assert lo <= hi and hi - lo <= F(1, 2 ** bits)
        assert mpmath.mpf(lo.numerator) / lo.denominator - tol <= v <= mpmath.mpf(hi.numerator) / hi.denominator + tol


def test_ln_enclosure_with_a_dropped_tail_fails_containment():
    """The check can fail: the partial sum alone is below ln 2, so it is no upper bound."""
    lo, hi = pac._ln_series(F(2), 5)
    s = lo  # partial sum only
    mpmath.mp.dps = 40
    assert mpmath.mpf(s.numerator) / s.denominator < mpmath.log(2) <= mpmath.mpf(hi.numerator) / hi.denominator


@pytest.mark.parametrize("delta,eps,match", [(F(1, 4), None, "delta=1/4"), (F(0), None, "delta=0"),
                                             (F(1, 10), F(1, 4), r"eps=1/4 must be in \[0, 1/\(q\+1\)\)"),
                                             (F(1, 10), F(-1, 9), "eps=-1/9")])
def test_theorem_hypotheses_are_checked(delta, eps, match):
    with pytest.raises(InputError, match=match):
        pac.check_hypotheses(3, delta, eps)
