"""exactrelu/theory/hermite.py and `exactrelu hermite` (issue 12, Goel, Karmalkar, Klivans 2019): the closed form
against exact integration, the odd coefficients, the exact Parseval gap, the multivariate expansion, the command."""
import json
import time
from fractions import Fraction as F
from math import comb

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from exactrelu.theory import hermite as H
from helpers import cli


def test_first_coefficients_are_the_papers():
    cs = [H.to_sympy(c) for c in H.coefficients_direct(4)]
    want = [1 / sp.sqrt(2 * sp.pi), sp.Rational(1, 2), 1 / (2 * sp.sqrt(sp.pi)), 0, -1 / sp.sqrt(48 * sp.pi)]
    assert all(sp.simplify(a - b) == 0 for a, b in zip(cs, want))


def test_closed_form_equals_integration_up_to_degree_300():
    assert H.coefficients_closed(300) == H.coefficients_direct(300)


@given(st.integers(min_value=0, max_value=400))
@settings(max_examples=30)
def test_closed_form_equals_integration_at_any_degree(i):
    assert H.coefficients_direct(i)[i] == H.closed_form(i)


@given(st.integers(min_value=1, max_value=150))
@settings(max_examples=30)
def test_even_squares_have_the_papers_closed_form(m):
    """c_{2m}^2 = C(2m, m)/(4^m (2m-1)^2 2 pi): squared() gives (0, b_m/2, 0) in p + q/pi + r/sqrt(2 pi)."""
    assert H.squared(H.closed_form(2 * m)) == (0, H.b_closed(m) / 2, 0)
    assert H.b_closed(m) == F(comb(2 * m, m), 4 ** m * (2 * m - 1) ** 2)


def test_odd_coefficients_above_one_vanish_and_even_ones_do_not():
    cs = H.coefficients_direct(201)
    assert all(c.is_zero for c in cs[3::2]) and not cs[1].is_zero
    assert not any(c.is_zero for c in cs[0::2])


def test_a_broken_recurrence_or_formula_is_detected():
    broken = H.coefficients_direct(20, step=lambda i: i)
    assert broken != H.coefficients_closed(20) and any(not c.is_zero for c in broken[3::2])
    minus = lambda i: H.Coef(i, F(0), F(H.he_at_zero(i) - i * H.he_at_zero(i - 2))) if i >= 2 else H.closed_form(i)
    assert H.coefficients_closed(20, minus) != H.coefficients_direct(20)


def test_the_moment_recurrence_matches_sympys_integral():
    for j in range(9):
        r, q = H.moment(j)
        val = sp.Rational(r.numerator, r.denominator) + sp.Rational(q.numerator, q.denominator) / sp.sqrt(2 * sp.pi)
        assert sp.simplify(val - H.moment_integrated(j)) == 0


def test_hermite_recurrence_matches_sympy():
    y = sp.Symbol("y")
    for i, poly in enumerate(H.hermite_coefficients(15)):
        assert sp.Poly(sp.hermite_prob(i, y), y).all_coeffs()[::-1] == poly
        assert poly[0] == H.he_at_zero(i)


def test_degree_200_is_fast():
    t0 = time.perf_counter()
    cs = H.coefficients_direct(200)
    assert cs == H.coefficients_closed(200)
    texts = [str(H.to_sympy(c)) for c in cs]
    H.parseval(cs)
    assert time.perf_counter() - t0 < 10 and texts[0] == "sqrt(2)/(2*sqrt(pi))"


# -- Parseval ------------------------------------------------------------------------------------------------
def test_parseval_gap_is_exact_positive_decreasing_and_bounded():
    gaps = H.parseval(H.coefficients_direct(120))
    assert all(g.matches for g in gaps)
    assert all(all(H.gap_certified(g)) for g in gaps)
    assert all(b.S >= a.S for a, b in zip(gaps, gaps[1:]))
    last = gaps[-1]                                   # the gap's upper bound goes to 0 like M^(-3/2)
    assert last.upper < F(1, 3000) and last.lower > 0


def test_parseval_fails_with_wrong_squares():
    wrong = lambda m: F(comb(2 * m, m), 4 ** m * (2 * m + 1) ** 2)
    gaps = H.parseval(H.coefficients_direct(10), wrong)
    assert not all(g.matches for g in gaps)
    assert not H.generating_function_check(6, wrong)["series"]


def test_generating_function_gives_pi_over_2_minus_1():
    assert all(H.generating_function_check(12).values())


def test_gap_expression_is_the_tail():
    g = H.parseval(H.coefficients_direct(8))[-1]
    partial = sum((sp.Rational(p.numerator, p.denominator) + sp.Rational(q.numerator, q.denominator) / sp.pi)
                  for p, q, _ in map(H.squared, H.coefficients_direct(8)))
    assert sp.simplify(sp.Rational(1, 2) - partial - g.gap_sympy()) == 0


# -- several variables -----------------------------------------------------------------------------------------
rationals = st.fractions(min_value=-3, max_value=3, max_denominator=6)


@given(rationals, st.integers(min_value=0, max_value=5))
@settings(max_examples=25)
def test_multinomial_rule_on_rational_unit_circle(t, n):
    w = ((1 - t * t) / (1 + t * t), 2 * t / (1 + t * t))          # every rational unit vector but (-1, 0)
    assert w[0] ** 2 + w[1] ** 2 == 1
    assert H.he_multinomial_holds(w, n)


@given(rationals, rationals, st.integers(min_value=0, max_value=4))
@settings(max_examples=15)
def test_multinomial_rule_on_rational_unit_sphere(a, b, n):
    den = 1 + a * a + b * b
    w = (2 * a / den, 2 * b / den, (1 - a * a - b * b) / den)
    assert H.he_multinomial_holds(w, n)


def test_multinomial_rule_needs_a_unit_vector():
    assert H.he_multinomial_holds((1, 1), 1) and not H.he_multinomial_holds((1, 1), 2)
    assert H.he_multinomial_symbolic(2, 4) and H.he_multinomial_symbolic(3, 3)


@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=2, max_size=3).filter(any),
       st.lists(st.integers(min_value=0, max_value=2), min_size=3, max_size=3))
@settings(max_examples=12)
def test_relu_inner_products_match_rotation_integration(w, alpha):
    alpha = tuple(alpha[:len(w)])
    got, want = H.relu_inner_product(w, alpha), H.relu_inner_product_direct(w, alpha)
    assert sp.simplify(got - want) == 0


def test_relu_inner_product_needs_the_norm_factor():
    w, al = (1, 2), (1, 1)
    assert sp.simplify(H.relu_inner_product(w, al) * sp.sqrt(5) - H.relu_inner_product_direct(w, al)) != 0


# -- the command ---------------------------------------------------------------------------------------------
def test_cli_json_gives_sympy_strings():
    code, out, err = cli("hermite", "--degree", 4, "--json")
    assert code == 0 and err == ""
    assert json.loads(out) == {"coefficients": ["sqrt(2)/(2*sqrt(pi))", "1/2", "1/(2*sqrt(pi))", "0",
                                                "-sqrt(3)/(12*sqrt(pi))"]}


def test_cli_json_strings_parse_back_to_the_coefficients():
    code, out, _ = cli("hermite", "--degree", 30, "--json")
    vals = [sp.sympify(t) for t in json.loads(out)["coefficients"]]
    assert len(vals) == 31
    assert all(sp.simplify(v - H.to_sympy(c)) == 0 for v, c in zip(vals, H.coefficients_closed(30)))


def test_cli_table_and_check():
    code, out, err = cli("hermite", "--degree", 6, "--check")
    assert code == 0 and "-sqrt(3)/(12*sqrt(pi))" in out and "Parseval" in out and "sympy's integral" in out
    code, out, _ = cli("hermite", "--degree", 3, "--check", "--json")
    assert code == 0 and json.loads(out)["checked"] is True


@pytest.mark.parametrize("bad,msg", [("-1", ">= 0"), ("1.5", "integer"), ("abc", "not a number"),
                                     (str(H.MAX_DEGREE + 1), f"at most {H.MAX_DEGREE}"), ("10**9", "")])
def test_cli_bad_degree_is_one_line_exit_2(bad, msg):
    code, out, err = cli("hermite", "--degree", bad)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and msg in err and "--degree" in err


def test_cli_progress_goes_to_stderr():
    code, out, err = cli("hermite", "--degree", 50, "--json", "--progress")
    assert code == 0 and "hermite" in err and json.loads(out)["coefficients"][0] == "sqrt(2)/(2*sqrt(pi))"


def test_relu_expansion_is_the_univariate_series_along_a_unit_vector():
    """For unit w the truncated product expansion equals sum_n c_n He_n(w.x)/sqrt(n!) as a polynomial in x."""
    w = (F(3, 5), F(4, 5))
    x0, x1, y = sp.symbols("x0 x1 y")
    exp = H.relu_expansion(w, 6)
    lhs = sum(v * sp.hermite_prob(al[0], x0) * sp.hermite_prob(al[1], x1) for al, v in exp.items())
    s = sp.Rational(3, 5) * x0 + sp.Rational(4, 5) * x1
    rhs = sum(H.to_sympy(c) * sp.hermite_prob(c.i, y).subs(y, s) / sp.sqrt(sp.factorial(c.i))
              for c in H.coefficients_closed(6))
    assert sp.simplify(sp.expand(lhs - rhs)) == 0
    assert all(sum(al) in (0, 1) or sum(al) % 2 == 0 for al in exp)      # no odd degree above 1
