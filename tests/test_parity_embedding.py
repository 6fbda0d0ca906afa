"""exactrelu/theory/parity_embedding.py (issue 12; the embedding is [R] reconstruction, Klivans-Kothari style):
z = x|g| is exactly N(0, 1), sign(z) = x, A_1 and A_2 exact, odd A_k = 0, even A_k certified.  The breaks: a
dropped |g| (z = x) or a dropped x (z = |g|) changes the law; z = x g keeps it but breaks the sign identity."""
from fractions import Fraction as F

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from exactrelu.theory import hermite as H
from exactrelu.theory import parity_embedding as P

DROP_ABS = lambda x, g: x                  # noqa: E731  (z = x: the |g| dropped)
DROP_X = lambda x, g: sp.Abs(g)            # noqa: E731  (z = |g|: the x dropped)
NO_ABS = lambda x, g: x * g                # noqa: E731  (z = x g: still N(0, 1))


def _moments_ok(embed, D=6):
    return all(sp.simplify(a - b) == 0 for _, a, b in P.moments(D, embed))


def test_moments_are_gaussian_and_breaks_are_detected():
    assert _moments_ok(None) and _moments_ok(NO_ABS)
    assert not _moments_ok(DROP_ABS) and not _moments_ok(DROP_X)


def test_joint_moments():
    assert P.joint_moments_ok(2, 4) and P.joint_moments_ok(3, 3)
    assert not P.joint_moments_ok(2, 4, DROP_X)


def test_characteristic_function_is_exp_minus_t2_over_2():
    assert P.charfn()[1] and P.charfn(NO_ABS)[1]
    assert not P.charfn(DROP_X)[1] and not P.charfn(DROP_ABS)[1]


def test_sign_identity_holds_only_with_the_abs():
    assert P.sign_identity() == 0
    assert P.sign_identity(NO_ABS) == 2 and P.sign_identity(DROP_X) != 0


def test_A1_A2_exact():
    assert sp.simplify(P.A1_exact() - 1 / sp.sqrt(2 * sp.pi)) == 0
    assert sp.simplify(P.A2_exact() - (sp.sqrt(2) - 1) / sp.sqrt(2 * sp.pi)) == 0


@pytest.mark.parametrize("k", [3, 5, 7, 9, 11])
def test_odd_A_vanish(k):
    assert P.A_odd_hermite(k) == 0


def test_odd_A_needs_vanishing_odd_coefficients():
    broken = H.coefficients_closed(7) [:3] + [H.Coef(3, F(0), F(1))] + H.coefficients_closed(7)[4:]
    assert P.A_odd_hermite(3, broken) is None
    assert sp.simplify(P.A_odd_hermite(1) - P.A1_exact()) == 0


def test_sign_moments():
    assert P.sign_moment(0) == 0 and sp.simplify(P.sign_moment(1) - sp.sqrt(2 / sp.pi)) == 0


# -- certified -----------------------------------------------------------------------------------------------
def test_certified_A2_contains_the_exact_value_and_signs_alternate():
    a2 = (sp.sqrt(2) - 1) / sp.sqrt(2 * sp.pi)
    cs = [P.A_even_certified(k) for k in (2, 4, 6, 8)]
    lo, hi = cs[0].endpoints()
    assert sp.Rational(lo.numerator, lo.denominator) <= a2 <= sp.Rational(hi.numerator, hi.denominator)
    assert hi - lo < F(1, 10 ** 7)
    assert bool(cs[0].A > 0) and bool(cs[1].A < 0) and bool(cs[2].A > 0) and bool(cs[3].A < 0)
    assert all(bool(abs(b.A) < abs(a.A)) for a, b in zip(cs, cs[1:]))
    assert all(c.lemmas == {"lower": True, "upper": True} for c in cs)


def test_dawson_agrees_with_the_erfi_form():
    from flint import acb, arb
    for v in (F(1, 10), F(1), F(3, 2), F(5), F(20)):
        x = arb(v.numerator) / v.denominator
        other = arb.pi().sqrt() / 2 * (-x * x).exp() * x.erfi()
        assert P.dawson(acb(x)).real.overlaps(other)


def test_tail_lemmas_fail_for_a_wrong_function():
    from flint import acb
    assert P.dawson_tail_lemmas(20) == {"lower": True, "upper": True}
    assert not P.dawson_tail_lemmas(20, lambda v: acb(v) * (-acb(v) ** 2).exp())["lower"]


def test_decay_bounds_hold_and_give_the_rate():
    d = P.decay_bounds(grid=400)
    assert bool(d["rate_lo"] < d["rate_hi"]) and bool(d["rate_hi"] < 1) and bool(d["rate_lo"] > 0.6)
    for k in (4, 6, 8):
        lo, hi = P.bound_values(k, d)
        a = abs(P.A_even_certified(k).A)
        assert bool(lo <= a) and bool(a <= hi)


def test_hermite_series_approaches_the_certified_values():
    """Floats, a sanity check only: the exact Hermite terms summed to degree 80 are within 1/200 relative (the series converges slowly)."""
    for k in (2, 4, 6):
        s = sum(P.term_float(k, n, a, b) for n, a, b in P.hermite_series_terms(k, 80))
        assert abs(s - float(P.A_even_certified(k).A.mid())) < 5e-3 * abs(s)


def test_odd_hermite_series_terms_are_all_zero():
    assert all(a == 0 and b == 0 for _, a, b in P.hermite_series_terms(5, 40))


def test_leading_term_of_A2():
    want = H.to_sympy(H.closed_form(2)) * sp.sqrt(2) / 2 * 2 / sp.pi
    assert sp.simplify(P.leading_term(2) - want) == 0


def test_monte_carlo_sanity_for_A4():
    """Floats, seeded: 4e5 samples of ReLU(W) prod sign(z_i) within 5 standard errors of the certified A_4."""
    rng = np.random.default_rng(12)
    z = rng.standard_normal((400_000, 4))
    vals = np.maximum(z.sum(1) / 2, 0) * np.prod(np.sign(z), 1)
    a4 = float(P.A_even_certified(4).A.mid())
    assert abs(vals.mean() - a4) < 5 * vals.std() / np.sqrt(len(vals))


def test_fit_decay_is_negative():
    ks = [2, 4, 6, 8]
    slope, _ = P.fit_decay(ks, [float(P.A_even_certified(k).A.mid()) for k in ks])
    assert -1.5 < slope < -0.7


@given(st.fractions(min_value=-10, max_value=10, max_denominator=10 ** 6).filter(lambda q: q != 0),
       st.integers(min_value=1, max_value=12))
@settings(max_examples=60)
def test_outward_rounding_contains_the_value(q, digits):
    assert F(P.outward(q, digits, False)) <= q <= F(P.outward(q, digits, True))
