"""Lemma 3.1's gadget, Claim B.4's basis, Appendix F's negative side, and `exactrelu bits gadget`.

Oracles: sympy's own parser, solver, determinant, series and Wronskian (independent of the module's
Taylor shifts and python-flint solves); literal values: the paper's T^2 example and four more worked out
independently with sympy.
"""
import json
import math
from fractions import Fraction as F

import pytest
import sympy
from hypothesis import given, settings, strategies as st
from sympy.parsing.sympy_parser import convert_xor, parse_expr, rationalize, standard_transformations

from exactrelu.bitmodel import gadget as g
from exactrelu.errors import InputError
from helpers import cli

T, U, x, y, t = sympy.symbols("T U x y t")
TABLE = ["T^2", "T^3", "T^2 + T", "T^4 - 3*T + 1/2", "(3/7)*T^5 + T^2 - 1"]
coeff = st.fractions(min_value=-5, max_value=5, max_denominator=7)


@st.composite
def sigmas(draw, max_degree=4):
    mu = draw(st.integers(2, max_degree))
    lead = draw(coeff.filter(lambda c: c != 0))
    return [draw(coeff) for _ in range(mu)] + [lead]


def sym(p, var):
    return sum(sympy.Rational(c.numerator, c.denominator) * var ** k for k, c in enumerate(p))


def sympy_coeffs(text):
    e = parse_expr(text, local_dict={"T": T}, transformations=standard_transformations + (convert_xor, rationalize))
    return [F(int(c.p), int(c.q)) for c in reversed(sympy.Poly(e, T).all_coeffs())] if e != 0 else []


def sympy_solutions(p):
    """The solution set of the identity in lambda_0..lambda_mu, by sympy.solve on its x^a y^b coefficients."""
    lam = sympy.symbols(f"l0:{len(p)}")
    f = lambda z: sym(p, z)  # noqa: E731
    expr = sympy.expand(sum(l * (f(x + y + j) - f(x + j) - f(y + j)) for j, l in enumerate(lam)) - x * y)
    return lam, sympy.solve(sympy.Poly(expr, x, y).coeffs(), lam, dict=True)


def lhs(p, lam, a, b):
    f = lambda z: g.poly_eval(p, z)  # noqa: E731
    return sum(l * (f(a + b + j) - f(a + j) - f(b + j)) for j, l in enumerate(lam))


# -- Lemma 3.1 -----------------------------------------------------------------------------------
def test_published_values():
    """The paper's own example (sigma = T^2: lambda = 1/2, 0, 0) and two rows of the notes' table."""
    assert g.gadget_coefficients("T^2") == [F(1, 2), 0, 0]
    assert g.gadget_coefficients("T^3") == [F(-11, 36), F(1, 2), F(-1, 4), F(1, 18)]
    assert g.gadget_coefficients("(3/7)*T^5 + T^2 - 1") == [F(-119, 1440), F(497, 1440), F(-413, 720),
                                                           F(343, 720), F(-287, 1440), F(49, 1440)]


@pytest.mark.parametrize("text", TABLE)
def test_sympy_solve_gives_a_line_containing_ours(text):
    """The identity's solutions form a line (one free unknown); ours is on it, with G's linear term 0."""
    p = g.parse_sigma(text)
    lam_sym, sols = sympy_solutions(p)
    assert len(sols) == 1
    sol = sols[0]
    free = [l for l in lam_sym if l not in sol]
    assert len(free) == 1
    ours, d = g.solution_line(p)
    at = {free[0]: sympy.Rational(str(ours[lam_sym.index(free[0])]))}
    assert [sympy.Rational(str(v)) for v in ours] == [sol.get(l, l).subs(at) for l in lam_sym]
    G = g.gadget_polynomial(p, ours)
    assert G == [0, 0, F(1, 2)]  # U^2 / 2: the paper's normalisation (8), halved
    for a in (F(0), F(3), F(-5, 2)):
        assert g.identity_holds(p, [l + a * dj for l, dj in zip(ours, d)])


@pytest.mark.parametrize("text", TABLE + ["2*T^3 - T/5 + 7"])
def test_identity_is_exactly_xy_by_sympy_expand(text):
    p = g.parse_sigma(text)
    lam = g.gadget_coefficients(p)
    f = lambda z: sym(p, z)  # noqa: E731
    total = sum(sympy.Rational(l.numerator, l.denominator) * (f(x + y + j) - f(x + j) - f(y + j))
                for j, l in enumerate(lam))
    assert sympy.expand(total) == x * y
    assert g.identity_residual(p, lam) == {}


@settings(max_examples=25)
@given(sigmas(), st.lists(st.tuples(coeff, coeff), min_size=3, max_size=3))
def test_random_sigma_identity_exact_and_at_random_rationals(p, pts):
    lam = g.gadget_coefficients(p)
    assert g.identity_holds(p, lam)
    for a, b in pts:
        assert lhs(p, lam, a, b) == a * b
    total = sum(sympy.Rational(l.numerator, l.denominator) * (sym(p, x + y + j) - sym(p, x + j) - sym(p, y + j))
                for j, l in enumerate(lam))
    assert sympy.expand(total) == x * y


@settings(max_examples=25)
@given(sigmas())
def test_proofs_unhalved_lambda_and_a_perturbation_fail(p):
    """The check can fail: the proof's lambda (solution of C c = e_2, before halving) gives 2xy."""
    lam = g.gadget_coefficients(p)
    unhalved = [2 * l for l in lam]
    assert g.identity_residual(p, unhalved) == {(1, 1): F(1)}
    assert lhs(p, unhalved, F(3), F(5)) == 30
    bumped = lam[:-1] + [lam[-1] + F(1, 97)]
    assert not g.identity_holds(p, bumped)


def test_residual_matches_sympy_for_a_wrong_lambda():
    p = g.parse_sigma("T^3 + T")
    lam = [F(1), F(-2), F(1, 3), F(0)]
    f = lambda z: sym(p, z)  # noqa: E731
    e = sympy.Poly(sympy.expand(sum(sympy.Rational(str(l)) * (f(x + y + j) - f(x + j) - f(y + j))
                                    for j, l in enumerate(lam)) - x * y), x, y)
    assert g.identity_residual(p, lam) == {m: F(str(c)) for m, c in e.terms()}


def test_fewer_shifts_suffice_for_t_cubed():
    """Noticed: the line of solutions meets lambda_mu = 0, so mu shifts (j = 0..mu-1) suffice for T^3."""
    lam, d = g.solution_line("T^3")
    a = -lam[-1] / d[-1]
    short = [l + a * dj for l, dj in zip(lam, d)]
    assert short[-1] == 0 and g.identity_holds("T^3", short)
    assert g.power_gadget_ranks(3, 2)[0] == g.power_gadget_ranks(3, 2)[1]


# -- Lemma 3.2's integer form -------------------------------------------------------------------
@pytest.mark.parametrize("text", TABLE)
def test_integer_gadget_is_the_least_common_denominator(text):
    p = g.parse_sigma(text)
    D, ints = g.integer_gadget(p)
    lam_sym, sols = sympy_solutions(p)
    lam = g.gadget_coefficients(p)
    assert D == math.lcm(*(c.denominator for c in p), *(sympy.Rational(str(l)).q for l in lam))
    assert ints == [D * l for l in lam] and all(isinstance(i, int) for i in ints)
    assert all(any((D // k * c).denominator != 1 for c in p + lam) for k in sympy.primefactors(D))
    for a, b in ((F(2), F(-7)), (F(1, 3), F(5, 4))):
        assert lhs(p, ints, a, b) == D * a * b


def test_integer_gadget_values():
    assert g.integer_gadget("T^2") == (2, [1, 0, 0])
    assert g.integer_gadget("T^3") == (36, [-11, 18, -9, 2])


# -- Claim B.4 ------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(sigmas(max_degree=6))
def test_basis_matrix_and_determinant_against_sympy(p):
    mu = len(p) - 1
    cols = [[F(str(c)) for c in reversed(sympy.Poly(sym(p, U + j), U).all_coeffs())] for j in range(mu + 1)]
    cols = [c + [F(0)] * (mu + 1 - len(c)) for c in cols]
    C = g.basis_matrix(p)
    assert C == [[cols[j][q] for j in range(mu + 1)] for q in range(mu + 1)]
    det = sympy.Matrix(mu + 1, mu + 1, lambda q, j: sympy.Rational(str(C[q][j]))).det()
    assert g.basis_determinant(p) == F(str(det)) != 0
    assert g.determinant_formula(p) == g.basis_determinant(p)


def wrong_formula(p):  # the sign dropped
    mu = len(p) - 1
    return (math.factorial(mu) * p[-1]) ** (mu + 1) / math.prod(math.factorial(i) for i in range(mu + 1))


def test_determinant_formula_check_can_fail():
    assert any(wrong_formula(g.parse_sigma(s)) != g.basis_determinant(s) for s in TABLE)
    assert wrong_formula(g.parse_sigma("T^3")) == g.basis_determinant("T^3")  # mu(mu+1)/2 = 6: even


def test_determinant_depends_only_on_degree_and_leading_coefficient():
    assert g.basis_determinant("T^4 - 3*T + 1/2") == g.basis_determinant("T^4") == 27648
    assert g.basis_determinant("5*T^2 + T") == -4 * 125


# -- Appendix F -----------------------------------------------------------------------------------
NON_INTEGER = [F(1, 2), F(-1, 3), F(-1), F(-4), F(5, 2), F(7, 3)]


@pytest.mark.parametrize("beta", NON_INTEGER)
def test_lemma_f2_series_and_wronskian_nonzero(beta):
    bs = [0, 1, 2, F(7, 2)]
    b = sympy.Rational(str(beta))
    M = [[F(str(c)) for c in reversed(sympy.series((1 + sympy.Rational(str(bj)) * t) ** b, t, 0, len(bs))
                                      .removeO().as_poly(t).all_coeffs())] for bj in bs]
    M = [col + [F(0)] * (len(bs) - len(col)) for col in M]
    det = sympy.Matrix(len(bs), len(bs), lambda k, j: sympy.Rational(str(M[j][k]))).det()
    assert g.series_determinant(beta, bs) == F(str(det)) != 0
    w = g.wronskian_factor(beta, bs[:3], 1)
    funcs = [(x + sympy.Rational(str(bj))) ** b for bj in bs[:3]]
    expect = sympy.nsimplify(sympy.simplify(sympy.wronskian(funcs, x).subs(x, 1)
                                            / sympy.prod([f.subs(x, 1) for f in funcs])))
    assert w == F(str(expect)) != 0


def test_lemma_f2_fails_for_non_negative_integer_beta():
    """The check can fail: four shifts of (x + b)^2 are dependent, and both determinants vanish."""
    assert g.series_determinant(2, [0, 1, 2, 3]) == 0
    assert g.wronskian_factor(2, [0, 1, 2, 3], 1) == 0
    assert g.series_determinant(2, [0, 1, 2]) != 0  # three shifts: a basis of degree <= 2 (Claim B.4)


@pytest.mark.parametrize("alpha", NON_INTEGER + [F(3, 2), F(-1, 2), F(-2)])
def test_theorem_f1_no_gadget_on_instances(alpha):
    for J in range(5):
        for R in (0, 10):
            rank_a, rank_ab = g.power_gadget_ranks(alpha, J, R)
            assert rank_ab > rank_a, (alpha, J, R)


def test_theorem_f1_check_finds_the_polynomial_gadgets():
    """The check can fail: for alpha = 2, 3, 4 the same systems are consistent once J is large enough."""
    for alpha, J0 in ((2, 0), (3, 2), (4, 3)):
        for J in range(J0, 5):
            rank_a, rank_ab = g.power_gadget_ranks(alpha, J, 3)
            assert rank_a == rank_ab, (alpha, J)
        if J0:  # and not with fewer shifts
            rank_a, rank_ab = g.power_gadget_ranks(alpha, J0 - 1, 3)
            assert rank_ab > rank_a, alpha


@given(st.integers(1, 5000), st.sampled_from(NON_INTEGER + [F(2), F(-3, 4)]))
def test_power_parts_split_exactly(N, alpha):
    s, r = g._power_parts(N, alpha)
    p, q = alpha.numerator, alpha.denominator
    assert s ** q * r == F(N) ** p
    assert all(e < q for e in sympy.factorint(r).values())


# -- parsing --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2*T^3 - T/5 + 7", "-T^2", "(T + 1)^3 - (T - 1)**3", "2^3*T^2", "T^2^1",
                                  "0.1*T^2 + 1e-2", "--T^2", "T*T*T/(2*3)", "((T))^2 + +3", "4/2/2*T^2",
                                  "-2^2*T^2", "(1/2)^-2 * T^2", "T^0 + T^2", "1^1000000000*T^2 + 0^0",
                                  "(-1)^1000001*T^3 + 0^7 + (T - T)^1000000"])
def test_parser_agrees_with_sympy(text):
    assert g.parse_sigma(text) == sympy_coeffs(text.replace("^-2", "^(-2)"))


@given(sigmas(max_degree=6))
def test_canonical_text_round_trips(p):
    assert g.parse_sigma(g.poly_text(p)) == p
    assert sympy_coeffs(g.poly_text(p)) == p


BAD_SIGMA = [  # (text, fragments of the message)
    ("T", ["degree 1", "degree >= 2"]), ("3", ["degree 0"]), ("0", ["degree"]), ("T^2 - T^2 + T", ["degree 1"]),
    ("T^(1/2)", ["exponent 1/2", "not a polynomial"]), ("T^0.5", ["exponent 1/2"]),
    ("1/T", ["division by a non-constant"]), ("T^2/(T+1)", ["non-constant"]), ("T^-1", ["negative exponent"]),
    ("2^T", ["exponent containing T"]), ("sin(T)", ["sin(...)"]), ("exp(T^2)", ["exp(...)"]),
    ("x^2", ["unknown symbol 'x'"]), ("T^2 + t", ["unknown symbol 't'"]), ("f(T)", ["f(...)"]),
    ("2T^2", ["missing '*'"]), ("T^2 +", ["end of text"]), ("(T^2", ["unbalanced"]), ("T^2)", ["unexpected ')'"]),
    ("", ["empty"]), ("   ", ["empty"]), ("T^2 ; 1", ["unexpected character ';'"]),
    ("T^2 == 1", ["unexpected character '='"]),
    ("__import__('os').system('x')", ["unexpected character"]), ("1/0*T^2", ["division by zero"]),
    ("0^-1 + T^2", ["zero to a negative power"]), ("T^65", ["degree 65", "limit 64"]),
    ("(T^9)^9", ["degree 81"]), ("T^40*T^40", ["degree 80"]), ("10^100000000*T^2", ["over 100000 bits"]),
    ("(" * 200 + "T" + ")" * 200, ["nested"]), ("T^2 + 1e99999", ["exponent"]), ("T" * 10_001, ["10001 characters"]),
    ("T^2 + 1/2/0", ["division by zero"]), ("T**2**(1/2)", ["exponent 1/2"]),
]


@pytest.mark.parametrize("text,fragments", BAD_SIGMA, ids=[f"bad{i}" for i in range(len(BAD_SIGMA))])
def test_bad_sigma_api_and_cli(text, fragments):
    with pytest.raises(InputError):
        g.gadget_coefficients(text)
    code, out, err = cli("bits", "gadget", f"--sigma={text}", "--json")
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "--sigma" in err
    for frag in fragments:
        assert frag in err, (frag, err)


def test_coefficient_lists_are_checked():
    with pytest.raises(InputError, match="degree 1"):
        g.gadget_coefficients([1, 2])
    with pytest.raises(InputError, match="float"):
        g.gadget_coefficients([0, 0, 0.5])
    assert g.gadget_coefficients(["0", "0", "1/3", "0"]) == [F(3, 2), 0, 0]  # trailing zero dropped
    with pytest.raises(InputError, match="expected text or a list"):
        g.gadget_coefficients(5)
    with pytest.raises(InputError, match="J="):
        g.power_gadget_ranks("1/2", -1)


# -- the command ----------------------------------------------------------------------------------
def test_cli_json_contract():
    code, out, err = cli("bits", "gadget", "--sigma", "2*T^3 - T/5 + 7", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["sigma"] == "2*T^3 - 1/5*T + 7"
    lam = [F(v) for v in rep["lambda"]]
    assert lam == g.gadget_coefficients("2*T^3 - T/5 + 7")
    assert g.identity_holds(g.parse_sigma(rep["sigma"]), lam)
    assert rep["D"] == "240" and rep["lambda_int"] == ["-37", "61", "-31", "7"]
    assert rep["identity_holds"] is True and rep["determinant_formula_holds"] is True
    assert F(rep["determinant"]) == g.basis_determinant(rep["sigma"])


def test_cli_decimal_and_table():
    code, out, err = cli("bits", "gadget", "--sigma", "0.1*T^2")
    assert code == 0, err
    assert "sigma = 1/10*T^2" in out and "holds exactly" in out and "agrees" in out
    assert out.splitlines()[3].split() == ["0", "5", "50"]


def test_cli_exit_1_when_a_check_fails(monkeypatch):
    real = g.gadget_coefficients
    monkeypatch.setattr(g, "gadget_coefficients", lambda s: [2 * v for v in real(s)])  # the proof's, unhalved
    code, out, _ = cli("bits", "gadget", "--sigma", "T^3", "--json")
    assert code == 1 and json.loads(out)["identity_holds"] is False
    code, out, _ = cli("bits", "gadget", "--sigma", "T^3")
    assert code == 1 and "FAILS" in out


def test_cli_missing_sigma_is_usage():
    code, out, err = cli("bits", "gadget")
    assert code == 2 and "--sigma" in err and "Traceback" not in err
