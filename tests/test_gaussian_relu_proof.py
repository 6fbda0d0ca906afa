"""proofs/gaussian_relu.py (issue 12, Goel, Karmalkar, Klivans 2019): the script holds in quick mode (and its exact
claims in full), and each claim fails, by a failed check and not by a crash, when its hook injects a wrong
coefficient formula, a broken moment recurrence, a dropped |g| or x, a wrong constant, a biased label threshold
or a flipped halfspace learner."""
from fractions import Fraction as F

import pytest
import sympy as sp

from exactrelu.learning import gaussian_relu as GR
from exactrelu.proofkit import run_checks
from exactrelu.theory import hermite as H
from helpers import load_proof, run_claim

PROOF = load_proof("gaussian_relu")
IDS = [cid for cid, _ in PROOF._claims(True)]


def test_the_whole_script_holds_in_quick_mode():
    rep = run_checks(PROOF.checks, quick=True)
    assert [c.id for c in rep.claims] == IDS and len(IDS) == 10
    assert rep.ok, [(c.id, c.failures[:2]) for c in rep.claims if not c.held]
    assert all(c.ranges for c in rep.claims)


def test_the_full_run_of_the_exact_claims_holds():
    """The full instance sets of the Hermite and embedding claims (the algorithm's full run is make verify's)."""
    rep = run_checks(PROOF.checks, quick=False, only=set(IDS) - {"algorithm.guarantee"})
    assert rep.ok, [(c.id, c.failures[:2]) for c in rep.claims if not c.held]
    cert = next(c for c in rep.claims if c.id == "embedding.A_certified")
    assert any("A_12 in [" in n for n in cert.notes)


def test_unknown_hooks_are_refused():
    rep = run_checks(PROOF.checks, quick=True, only={"embedding.chi"}, embedd=lambda x, g: x)
    assert not rep.ok and rep.claims[-1].id == "script" and "unknown hooks: embedd" in rep.claims[-1].failures[0]


# -- broken ingredients ---------------------------------------------------------------------------------------
def _minus_formula(i):
    """c_i = (He_i(0) - i He_{i-2}(0))/sqrt(2 pi i!): the sign of the second term flipped."""
    c = H.closed_form(i)
    return c if i < 2 else H.Coef(i, F(0), F(H.he_at_zero(i) - i * H.he_at_zero(i - 2)))


def _shifted_formula(i):
    """He_{i-1}(0) in place of He_i(0): odd coefficients no longer vanish."""
    c = H.closed_form(i)
    return c if i < 2 else H.Coef(i, F(0), F(H.he_at_zero(i - 1) + i * H.he_at_zero(i - 2)))


def _moment_step_i(i):
    return i                       # M_j = j M_{j-2} instead of (j-1) M_{j-2}


def _b_plus(m):
    from math import comb
    return F(comb(2 * m, m), 4 ** m * (2 * m + 1) ** 2)


def _multinomial_no_factorials(w, n):
    return {al: F(1) * v * F(1) for al, v in
            ((al, _mono(w, al)) for al in H._multi_indices(len(w), n))}


def _mono(w, al):
    out = F(1)
    for wj, aj in zip(w, al):
        out *= F(wj) ** aj
    return out


def _inner_without_norm(w, alpha):
    c = H.closed_form(sum(alpha))
    val = sp.Rational(c.a.numerator, c.a.denominator) + sp.Rational(c.b.numerator, c.b.denominator) / sp.sqrt(2 * sp.pi)
    m = _mono(w, alpha)
    return val * sp.Rational(m.numerator, m.denominator)


WRONG_A2 = {"A2": (sp.sqrt(2) - 1) / sp.sqrt(2 * sp.pi) * (1 + sp.Rational(1, 10 ** 6))}

CASES = [
    ("hermite.closed_form", "minus-sign-formula", {"coefficient": _minus_formula}),
    ("hermite.closed_form", "moment-recurrence-j", {"moment": _moment_step_i}),
    ("hermite.odd_vanish", "He_(i-1)(0)-formula", {"coefficient": _shifted_formula}),
    ("hermite.odd_vanish", "moment-recurrence-j", {"moment": _moment_step_i}),
    ("hermite.parseval", "(2m+1)^2-squares", {"b": _b_plus}),
    ("hermite.multivariate", "multinomial-without-n!/alpha!", {"multinomial": _multinomial_no_factorials}),
    ("hermite.multivariate", "inner-product-without-norm", {"inner_product": _inner_without_norm}),
    ("embedding.moments", "dropped-|g|", {"embed": lambda x, g: x}),
    ("embedding.moments", "dropped-x", {"embed": lambda x, g: sp.Abs(g)}),
    ("embedding.charfn", "dropped-x", {"embed": lambda x, g: sp.Abs(g)}),
    ("embedding.charfn", "dropped-|g|", {"embed": lambda x, g: x}),
    ("embedding.chi", "x-times-g-without-abs", {"embed": lambda x, g: x * g}),
    ("embedding.A_exact", "A2-off-by-1e-6", {"constants": WRONG_A2}),
    ("embedding.A_exact", "A1-without-sqrt", {"constants": {"A1": 1 / (2 * sp.pi)}}),
    ("embedding.A_exact", "odd-coefficients-nonzero", {"coefficient": _shifted_formula}),
    ("embedding.A_certified", "A2-off-by-1e-6", {"constants": WRONG_A2}),
    ("embedding.A_certified", "dawson-replaced-by-v-exp(-v^2)", {"dawson": lambda v: (-v * v).exp()}),
    ("embedding.A_certified", "prefactor-without-sign", {"prefactor": lambda k: _prefactor_unsigned(k)}),
    ("algorithm.guarantee", "biased-threshold-t=50", {"threshold": 50.0}),
    ("algorithm.guarantee", "flipped-learner", {"learner": lambda X, y, t, rows: -GR.chow(X, y, [t], rows)[:, 0]}),
    ("algorithm.guarantee", "C-0.01-eps-0", {"C": 0.01, "eps": 0.0}),
]



def _prefactor_unsigned(k):
    from flint import arb
    pi = arb.pi()
    return (4 / pi) ** (k // 2) / (pi * arb(2 * k).sqrt())


@pytest.mark.parametrize("cid,name,hooks", CASES, ids=[f"{c}:{n}" for c, n, _ in CASES])
def test_each_claim_fails_on_its_broken_hook(cid, name, hooks):
    c = run_claim(PROOF, cid, **hooks)
    assert not c.held
    assert c.instances > 0 and not any(f.startswith("crashed") for f in c.failures), c.failures[:2]


def test_every_claim_has_a_breaking_case():
    assert {cid for cid, _, _ in CASES} == set(IDS)


def test_x_times_g_is_still_gaussian():
    """z = x g (without |g|) is N(0, 1) too: the moments and the characteristic function hold, only the sign
    identity catches it."""
    for cid in ("embedding.moments", "embedding.charfn"):
        assert run_claim(PROOF, cid, embed=lambda x, g: x * g).held
